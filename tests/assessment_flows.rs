//! Issue 13 through the fake Discord: forged or mismatched answer codes store nothing; answers
//! echo what was picked and map back to the canonical choice; the shuffled order survives a
//! restart; module completion needs a passed practice of the module's quiz size.

mod common;

use chrono::{DateTime, Duration, TimeZone, Utc};
use common::fake_discord::{message_json, opt, sub, FakeDiscord, Member, CHANNEL_ID, GUILD_ID};
use common::harness::{Options, TestBot};
use common::quiz_helpers::*;
use coursebot::quiz::present::Presentation;
use coursebot::store::quiz as db;
use serde_json::{json, Value};
use std::path::PathBuf;

const QUIZ_CHANNEL: u64 = 3_000_000_000_000_000_777;

fn mini() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/mini")
}

fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, mo, d, h, mi, 0).unwrap()
}

fn admin() -> Member {
    Member::admin(4_000_000_000_000_000_100, "mod")
}
fn member(n: u64) -> Member {
    Member::new(4_000_000_000_000_001_000 + n, &format!("m{n}"))
}

async fn start(at: DateTime<Utc>) -> TestBot {
    std::env::set_var("COURSEBOT_TICK_MS", "50");
    TestBot::start_with(Options {
        content: mini(),
        start: at,
    })
    .await
}

/// A daily quiz of question `qid` in `guild`, open for a day (stored directly, so each test
/// knows its question). The schedule must exist (foreign key): `/quiz schedule` first.
async fn quiz_of_question(bot: &TestBot, guild: u64, channel: u64, qid: &str) -> i64 {
    let q = bot.app.course.question(qid).unwrap();
    let now = bot.clock_now();
    db::create_quiz(
        &bot.app.db,
        db::NewQuiz {
            schedule_id: 1,
            guild: coursebot::ids::GuildId(guild),
            channel: coursebot::ids::ChannelId(channel),
            question_id: qid,
            module_id: &q.module,
            path_id: "foundation",
            quiz_date: now.date_naive(),
            cycle: 0,
            posted_at: now,
            closes_at: now + Duration::days(1),
        },
    )
    .await
    .unwrap()
    .unwrap()
}

trait Now {
    fn clock_now(&self) -> DateTime<Utc>;
}
impl Now for TestBot {
    fn clock_now(&self) -> DateTime<Utc> {
        use coursebot::clock::Clock;
        self.clock.now()
    }
}

async fn schedule_something(bot: &TestBot) {
    let sent = schedule_daily(&bot.fake, &admin(), QUIZ_CHANNEL, "23:59", "UTC", vec![]).await;
    let cb = bot.fake.callback(&sent).await;
    assert!(reply_text(&cb).contains("scheduled"), "{}", cb.json);
}

/// A message carrying the quiz's components, as members see it.
fn posted(bot: &TestBot, quiz: i64, qid: &str) -> Value {
    let q = bot.app.course.question(qid).unwrap();
    let (embed, rows) = coursebot::discord::render::quiz::daily_question(
        &bot.app.course,
        q,
        Presentation::daily(quiz),
        bot.clock_now() + Duration::days(1),
    );
    let data = json!({
        "embeds": [serde_json::to_value(embed).unwrap()],
        "components": serde_json::to_value(rows).unwrap(),
    });
    message_json(bot.fake.next_id(), QUIZ_CHANNEL, &data)
}

/// An ephemeral refusal that says nothing was stored: "Could not read that answer … Nothing
/// was saved", whether the id parser refused the code (`c99`: no such button can exist; `zz`)
/// or the code does not fit the question.
/// Refused, nothing stored: an id that parses but does not fit the question is "Could not read
/// that answer ... Nothing was saved"; one that does not even parse (a choice past the last
/// button, a code that is not one) is refused as an invalid button before anything is read.
fn refused(t: &str, code: &str) -> bool {
    let unreadable = t.contains("Could not read that answer") && t.contains("Nothing was saved");
    let invalid_id = t.contains("That button is not valid");
    let parses = code
        .parse::<coursebot::discord::custom_id::AnswerCode>()
        .is_ok();
    if parses {
        unreadable
    } else {
        invalid_id
    }
}

async fn click(
    fake: &FakeDiscord,
    who: &Member,
    msg: &Value,
    id: &str,
    values: Option<Vec<String>>,
) -> String {
    let s = fake.click(who, msg, id, values).await;
    let cb = fake.callback(&s).await;
    assert!(is_ephemeral(&cb) || cb.json["type"] == 9, "{}", cb.json);
    reply_text(&cb)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forged_and_mismatched_daily_answers_store_nothing() {
    let bot = start(utc(2026, 6, 1, 8, 0)).await;
    schedule_something(&bot).await;
    let mc = quiz_of_question(&bot, GUILD_ID, 11, "m01-001").await;
    let tf = quiz_of_question(&bot, GUILD_ID, 12, "m01-002").await;
    let fill = quiz_of_question(&bot, GUILD_ID, 13, "m01-003").await;
    let matching = quiz_of_question(&bot, GUILD_ID, 14, "m02-001").await;
    let elsewhere = quiz_of_question(&bot, 2_000_000_000_000_000_999, 15, "m02-002").await;
    let me = member(1);
    let mc_msg = posted(&bot, mc, "m01-001");

    // A choice the question does not have (3 choices: c0..c2), true/false on a choice
    // question, a matching on a true/false, a choice on a true/false: refused, nothing stored.
    for (quiz, code, values) in [
        (mc, "c99", None),
        (mc, "c3", None),
        (mc, "c", None),
        (mc, "b1", None),
        (mc, "m", Some(vec!["0-0".to_string()])),
        (tf, "m", Some(vec!["0-0".to_string(), "1-1".to_string()])),
        (tf, "c0", None),
        (fill, "c0", None),
        (fill, "b0", None),
        (matching, "b1", None),
        (matching, "zz", None),
    ] {
        let t = click(
            &bot.fake,
            &me,
            &mc_msg,
            &format!("qz:{quiz}:{code}"),
            values,
        )
        .await;
        assert!(refused(&t, code), "qz:{quiz}:{code}: {t}");
        assert!(db::answers_of(&bot.app.db, quiz).await.unwrap().is_empty());
    }
    // The fill-in "Answer" button only opens a modal on a fill-in question.
    let t = click(&bot.fake, &me, &mc_msg, &format!("qz:{mc}:f"), None).await;
    assert!(t.contains("Could not read that answer"), "{t}");
    // A typed answer (modal) on a choice question.
    let s = bot
        .fake
        .modal_submit(&me, &format!("qz:{mc}:fm"), &[("answer", "broker_url")])
        .await;
    let t = reply_text(&bot.fake.callback(&s).await);
    assert!(t.contains("Could not read that answer"), "{t}");
    assert!(db::answers_of(&bot.app.db, mc).await.unwrap().is_empty());
    // Another server's quiz.
    let t = click(&bot.fake, &me, &mc_msg, &format!("qz:{elsewhere}:c0"), None).await;
    assert!(t.contains("another server"), "{t}");
    assert!(db::answers_of(&bot.app.db, elsewhere)
        .await
        .unwrap()
        .is_empty());
    // A matching that gives one letter to two items: a clear message, nothing stored.
    let t = click(
        &bot.fake,
        &me,
        &mc_msg,
        &format!("qz:{matching}:m"),
        Some(vec!["0-0".into(), "1-0".into()]),
    )
    .await;
    assert!(
        t.contains("Items 1 and 2 both got **A**") && t.contains("only once"),
        "{t}"
    );
    assert!(db::answers_of(&bot.app.db, matching)
        .await
        .unwrap()
        .is_empty());

    // After all that, the member can still answer: the displayed position of the right choice
    // maps back to the canonical choice, and the reply echoes its text.
    let q = bot.app.course.question("m01-001").unwrap().clone();
    let code = choice_code(&format!("qz:{mc}"), &q, true);
    let t = click(&bot.fake, &me, &mc_msg, &format!("qz:{mc}:{code}"), None).await;
    assert!(
        t.contains("Answer recorded") && t.contains("You picked: *broker"),
        "{t}"
    );
    assert!(
        t.contains(":f> (<t:"),
        "absolute and relative deadline: {t}"
    );
    let rows = db::answers_of(&bot.app.db, mc).await.unwrap();
    assert_eq!(rows.len(), 1);
    assert!(rows[0].1, "stored as right");
    // A wrong true/false answer and a right fill-in typed the sloppy way.
    let tf_q = bot.app.course.question("m01-002").unwrap().clone();
    let s = answer(&bot.fake, &me, &mc_msg, &format!("qz:{tf}"), &tf_q, false).await;
    let t = reply_text(&bot.fake.callback(&s).await);
    assert!(t.contains("You picked: *True*"), "{t}");
    let open = bot
        .fake
        .click(&me, &mc_msg, &format!("qz:{fill}:f"), None)
        .await;
    assert_eq!(bot.fake.callback(&open).await.json["type"], 9);
    let s = bot
        .fake
        .modal_submit(
            &me,
            &format!("qz:{fill}:fm"),
            &[("answer", " `Beat_Schedule` ")],
        )
        .await;
    let t = reply_text(&bot.fake.callback(&s).await);
    assert!(t.contains("Answer recorded"), "{t}");
    assert!(db::answers_of(&bot.app.db, fill).await.unwrap()[0].1);

    // A quiz posted before the upgrade (shuffled = 0) showed its choices in file order: its
    // clicks are still read that way (B = broker_url, the right answer).
    let old = quiz_of_question(&bot, GUILD_ID, 16, "m01-001").await;
    sqlx::query("UPDATE quizzes SET shuffled = 0 WHERE id = ?")
        .bind(old)
        .execute(bot.app.db.as_sqlite().unwrap())
        .await
        .unwrap();
    let t = click(&bot.fake, &me, &mc_msg, &format!("qz:{old}:c1"), None).await;
    assert!(t.contains("You picked: *broker"), "{t}");
    let rows = db::answers_of(&bot.app.db, old).await.unwrap();
    assert!(rows[0].1, "read in file order");
    bot.assert_schema_ok();
    bot.stop().await.unwrap();
}

/// The practice message in a callback, as a message object.
fn practice_msg(bot: &TestBot, cb: &common::fake_discord::Request) -> Value {
    message_json(bot.fake.next_id(), CHANNEL_ID, &cb.json["data"])
}

async fn slash(
    bot: &TestBot,
    who: &Member,
    name: &str,
    sub_name: &str,
    opts: Vec<Value>,
) -> common::fake_discord::Request {
    let s = bot
        .fake
        .slash(who, name, json!([sub(sub_name, opts)]))
        .await;
    bot.fake.callback(&s).await
}

/// Answer every question of the practice (or exam) shown in `cb`, right or wrong per item.
async fn answer_all(
    bot: &TestBot,
    who: &Member,
    mut cb: common::fake_discord::Request,
    right: &[bool],
) -> common::fake_discord::Request {
    for r in right {
        let msg = practice_msg(bot, &cb);
        let first = component_ids(&msg)[0].clone();
        let q = question_of(&bot.app, &first).await;
        let prefix = first.rsplit_once(':').unwrap().0.to_string();
        let s = answer(&bot.fake, who, &msg, &prefix, &q, *r).await;
        cb = bot.fake.callback(&s).await;
    }
    cb
}

fn embed_text(cb: &common::fake_discord::Request) -> String {
    cb.json["data"]["embeds"][0]["description"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forged_practice_codes_use_nothing_up() {
    let bot = start(utc(2026, 6, 1, 8, 0)).await;
    let me = member(2);
    let cb = slash(
        &bot,
        &me,
        "quiz",
        "practice",
        vec![opt("module", 3, "m01".into())],
    )
    .await;
    let msg = practice_msg(&bot, &cb);
    let first = component_ids(&msg)[0].clone();
    let session: i64 = first.split(':').nth(1).unwrap().parse().unwrap();
    let q = question_of(&bot.app, &first).await;
    assert_eq!(q.id, "m01-001", "never-seen questions in file order");
    for code in ["c99", "c3", "b1", "m", "zz"] {
        let t = click(
            &bot.fake,
            &me,
            &msg,
            &format!("pr:{session}:0:{code}"),
            (code == "m").then(|| vec!["0-0".to_string()]),
        )
        .await;
        assert!(refused(&t, code), "{code}: {t}");
    }
    let s = bot
        .fake
        .modal_submit(
            &me,
            &format!("pr:{session}:0:fm"),
            &[("answer", "broker_url")],
        )
        .await;
    let t = reply_text(&bot.fake.callback(&s).await);
    assert!(t.contains("Could not read that answer"), "{t}");
    let sess = coursebot::store::practice::get_session(&bot.app.db, session)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(sess.position, 0, "nothing used up");
    // A session of another server is not answered from this one.
    let set_guild = |g: u64| {
        sqlx::query("UPDATE practice_sessions SET guild_id = ? WHERE id = ?")
            .bind(g as i64)
            .bind(session)
    };
    set_guild(2_000_000_000_000_000_999)
        .execute(bot.app.db.as_sqlite().unwrap())
        .await
        .unwrap();
    let code = choice_code(&format!("pr:{session}:0"), &q, true);
    let t = click(
        &bot.fake,
        &me,
        &msg,
        &format!("pr:{session}:0:{code}"),
        None,
    )
    .await;
    assert!(t.contains("another server"), "{t}");
    set_guild(GUILD_ID)
        .execute(bot.app.db.as_sqlite().unwrap())
        .await
        .unwrap();
    let sess = coursebot::store::practice::get_session(&bot.app.db, session)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(sess.position, 0, "nothing used up");
    // The real answer still works and says what was picked.
    let s = answer(&bot.fake, &me, &msg, &format!("pr:{session}:0"), &q, true).await;
    let cb = bot.fake.callback(&s).await;
    let t = reply_text(&cb);
    assert!(
        t.contains("Right") && t.contains("You picked: *broker"),
        "{t}"
    );
    assert!(!t.contains("B —"), "no letters in the feedback: {t}");
    bot.assert_schema_ok();
    bot.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn module_completion_needs_a_practice_of_the_quiz_size() {
    let bot = start(utc(2026, 6, 1, 8, 0)).await;
    let me = member(3);
    // One right question does not complete m01 (quiz size 3).
    let cb = slash(
        &bot,
        &me,
        "quiz",
        "practice",
        vec![opt("module", 3, "m01".into()), opt("count", 4, 1.into())],
    )
    .await;
    assert!(
        reply_text(&cb)
            .contains("training only: a module is complete after a passed practice of 3"),
        "{}",
        cb.json
    );
    let cb = answer_all(&bot, &me, cb, &[true]).await;
    let d = embed_text(&cb);
    assert!(
        d.contains("**1/1**")
            && d.contains("does not complete the module")
            && d.contains(
                "Practice of 1 question: a module is complete after a passed practice of 3"
            ),
        "{d}"
    );
    let state = coursebot::certification::service::member_state(
        &bot.app,
        coursebot::ids::GuildId(GUILD_ID),
        coursebot::ids::UserId(me.id),
    )
    .await
    .unwrap();
    assert!(state.completed_modules.is_empty());
    // `/quiz module m01` draws exactly 3; passing completes the module.
    let cb = slash(
        &bot,
        &me,
        "quiz",
        "module",
        vec![opt("module", 3, "m01".into())],
    )
    .await;
    assert!(reply_text(&cb).contains("Module quiz"), "{}", cb.json);
    let sessions: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM practice_sessions WHERE kind = 'module'")
            .fetch_one(bot.app.db.as_sqlite().unwrap())
            .await
            .unwrap();
    assert_eq!(sessions, 1);
    let cb = answer_all(&bot, &me, cb, &[true, true, true]).await;
    let d = embed_text(&cb);
    assert!(
        d.contains("**3/3**") && d.contains("Module complete"),
        "{d}"
    );
    // A completion written before the rule (basis legacy, from a 1-question practice) is kept
    // and shown but does not count.
    sqlx::query(
        "INSERT INTO module_completions (guild_id, user_id, module_id, score, completed_at)
         VALUES (?, ?, 'm02', 100, '2026-05-01T00:00:00Z')",
    )
    .bind(GUILD_ID as i64)
    .bind(me.id as i64)
    .execute(bot.app.db.as_sqlite().unwrap())
    .await
    .unwrap();
    let s = bot.fake.slash(&me, "progress", json!([])).await;
    let cb = bot.fake.callback(&s).await;
    let d = embed_text(&cb);
    assert!(d.contains("✅ `m01` module quiz of 3 · 100%"), "{d}");
    assert!(
        d.contains("⚠️ `m02`") && d.contains("does not count") && d.contains("/quiz module m02"),
        "{d}"
    );
    assert!(d.contains("1/2"), "only m01 counts: {d}");
    // A passed practice of m02 of the quiz size makes it count (and says so).
    let cb = slash(
        &bot,
        &me,
        "quiz",
        "practice",
        vec![opt("module", 3, "m02".into())],
    )
    .await;
    let cb = answer_all(&bot, &me, cb, &[true, true, true]).await;
    assert!(
        embed_text(&cb).contains("Module complete"),
        "{}",
        embed_text(&cb)
    );
    let s = bot.fake.slash(&me, "progress", json!([])).await;
    let d = embed_text(&bot.fake.callback(&s).await);
    assert!(
        d.contains("✅ `m02` practice of 3 · 100%") && d.contains("2/2"),
        "{d}"
    );

    // Another member's legacy completion backed by a passed practice of the quiz size (a
    // session finished before the migration) counts, and /progress says on what basis.
    let other = member(30);
    sqlx::query(
        "INSERT INTO practice_sessions (guild_id, user_id, module_id, questions, position, correct, started_at, finished_at)
         VALUES (?, ?, 'm01', 'm01-001,m01-002,m01-003', 3, 3, '2026-05-01T00:00:00Z', '2026-05-01T00:05:00Z')",
    )
    .bind(GUILD_ID as i64)
    .bind(other.id as i64)
    .execute(bot.app.db.as_sqlite().unwrap())
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO module_completions (guild_id, user_id, module_id, score, completed_at)
         VALUES (?, ?, 'm01', 100, '2026-05-01T00:05:00Z')",
    )
    .bind(GUILD_ID as i64)
    .bind(other.id as i64)
    .execute(bot.app.db.as_sqlite().unwrap())
    .await
    .unwrap();
    let state = coursebot::certification::service::member_state(
        &bot.app,
        coursebot::ids::GuildId(GUILD_ID),
        coursebot::ids::UserId(other.id),
    )
    .await
    .unwrap();
    assert!(state.completed_modules.contains("m01"));
    let s = bot.fake.slash(&other, "progress", json!([])).await;
    let d = embed_text(&bot.fake.callback(&s).await);
    assert!(
        d.contains(
            "✅ `m01` passed practice of at least 3 before completions recorded their basis"
        ),
        "{d}"
    );
    bot.assert_schema_ok();
    bot.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exam_order_is_the_same_after_a_restart_and_answers_map_back() {
    let bot = start(utc(2026, 6, 1, 8, 0)).await;
    let me = member(4);
    for m in ["m01", "m02"] {
        let cb = slash(
            &bot,
            &me,
            "quiz",
            "module",
            vec![opt("module", 3, m.into())],
        )
        .await;
        let cb = answer_all(&bot, &me, cb, &[true, true, true]).await;
        assert!(embed_text(&cb).contains("Module complete"));
    }
    let cb = slash(
        &bot,
        &me,
        "exam",
        "start",
        vec![opt("path", 3, "foundation".into())],
    )
    .await;
    assert!(reply_text(&cb).contains(":f> (<t:"), "{}", cb.json);
    // Answer until a multiple-choice question is shown (the mini course has two).
    let mut cb = cb;
    let exam_id: i64;
    loop {
        let msg = practice_msg(&bot, &cb);
        let first = component_ids(&msg)[0].clone();
        let q = question_of(&bot.app, &first).await;
        if matches!(q.key, coursebot::content::AnswerKey::MultipleChoice { .. }) {
            exam_id = first.split(':').nth(1).unwrap().parse().unwrap();
            break;
        }
        cb = answer_all(&bot, &me, cb, &[true]).await;
    }
    let before = embed_text(&cb);
    let before_ids = component_ids(&practice_msg(&bot, &cb));
    let bot = bot.kill_and_restart().await;
    let cb = slash(&bot, &me, "exam", "resume", vec![]).await;
    assert_eq!(embed_text(&cb), before, "the same order after a restart");
    let msg = practice_msg(&bot, &cb);
    assert_eq!(component_ids(&msg), before_ids);
    // The right answer's displayed button is stored as the canonical choice.
    let first = component_ids(&msg)[0].clone();
    let q = question_of(&bot.app, &first).await;
    let position: i64 = first.split(':').nth(2).unwrap().parse().unwrap();
    let order = Presentation::exam(exam_id).order(&q);
    let coursebot::content::AnswerKey::MultipleChoice { answer: key, .. } = q.key else {
        unreachable!()
    };
    let shown = order.position_of(key).unwrap();
    // Forged codes on this exam question are refused and use nothing up.
    for code in ["c99", "b1", "m", "c9"] {
        let s = bot
            .fake
            .click(
                &me,
                &msg,
                &format!("xm:{exam_id}:{position}:{code}"),
                (code == "m").then(|| vec!["0-0".to_string()]),
            )
            .await;
        let t = reply_text(&bot.fake.callback(&s).await);
        assert!(refused(&t, code), "{code}: {t}");
    }
    let s = bot
        .fake
        .modal_submit(
            &me,
            &format!("xm:{exam_id}:{position}:fm"),
            &[("answer", "x")],
        )
        .await;
    let t = reply_text(&bot.fake.callback(&s).await);
    assert!(t.contains("Could not read that answer"), "{t}");
    let stored: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM exam_answers WHERE exam_id = ?")
        .bind(exam_id)
        .fetch_one(bot.app.db.as_sqlite().unwrap())
        .await
        .unwrap();
    assert_eq!(stored, position, "nothing stored for the forged codes");
    // The description lists the right choice's text at its displayed letter.
    let letter = (b'A' + shown as u8) as char;
    let coursebot::content::AnswerKey::MultipleChoice { choices, .. } = &q.key else {
        unreachable!()
    };
    assert!(
        before.contains(&format!("**{letter}.** {}", choices[key])),
        "{before}"
    );
    let prefix = first.rsplit_once(':').unwrap().0.to_string();
    let s = bot
        .fake
        .click(&me, &msg, &format!("{prefix}:c{shown}"), None)
        .await;
    bot.fake.callback(&s).await;
    let (stored, correct): (String, i64) = sqlx::query_as(
        "SELECT answer, correct FROM exam_answers WHERE exam_id = ? AND position = ?",
    )
    .bind(exam_id)
    .bind(position)
    .fetch_one(bot.app.db.as_sqlite().unwrap())
    .await
    .unwrap();
    assert_eq!(stored, format!("c:{key}"));
    assert_eq!(correct, 1);
    bot.assert_schema_ok();
    bot.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_closed_daily_quiz_keeps_the_order_and_drops_the_instructions() {
    let bot = start(utc(2026, 6, 1, 8, 0)).await;
    let sent = schedule_daily(
        &bot.fake,
        &admin(),
        QUIZ_CHANNEL,
        "10:00",
        "UTC",
        vec![opt("modules", 3, "m02".into()), opt("window", 4, 60.into())],
    )
    .await;
    bot.fake.callback(&sent).await;
    bot.clock.set(utc(2026, 6, 1, 10, 0));
    let p = format!("/api/v10/channels/{QUIZ_CHANNEL}/messages");
    let post = bot
        .fake
        .wait_request(10, |r| r.method == "POST" && r.path == p)
        .await
        .expect("posted");
    let msg = post.response.clone();
    let asked = msg["embeds"][0]["description"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(asked.contains(":f> (<t:"), "{asked}");
    let bot = bot.kill_and_restart().await;
    bot.clock.set(utc(2026, 6, 1, 11, 0));
    let pm = format!("{p}/{}", msg["id"].as_str().unwrap());
    let reveal = bot
        .fake
        .wait_request(10, |r| r.method == "PATCH" && r.path == pm)
        .await
        .expect("revealed");
    let shown = reveal.json["embeds"][0]["description"]
        .as_str()
        .unwrap()
        .to_string();
    // Every lettered line of the question is shown the same way in the reveal.
    for line in asked
        .lines()
        .filter(|l| l.starts_with("**") && l.contains(".**"))
    {
        assert!(
            shown.contains(line),
            "`{line}` missing from the reveal: {shown}"
        );
    }
    for stale in [
        "Click **Answer**",
        "True or false?",
        "In the menu",
        "revealed <t:",
    ] {
        assert!(!shown.contains(stale), "stale `{stale}`: {shown}");
    }
    assert!(
        shown.contains("**Answer:**") && shown.contains("**Why:**"),
        "{shown}"
    );
    assert!(
        !shown.contains("**Answer:** A") && !shown.contains(" — "),
        "{shown}"
    );
    bot.assert_schema_ok();
    bot.stop().await.unwrap();
}
