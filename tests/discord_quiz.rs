//! Daily quizzes, scores, streaks and leaderboards through the fake Discord, with an injected
//! clock. Uses the small fixture course (tests/fixtures/mini) so that questions are known.

mod common;

use chrono::{DateTime, TimeZone, Utc};
use common::fake_discord::{opt, sub, FakeDiscord, Member, Request};
use common::harness::{Options, TestBot};
use common::quiz_helpers::*;
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

async fn schedule(fake: &FakeDiscord, who: &Member, time: &str, extra: Vec<Value>) -> Request {
    let sent = schedule_daily(fake, who, QUIZ_CHANNEL, time, "Europe/Berlin", extra).await;
    fake.callback(&sent).await
}

/// Distinct messages the bot created in the quiz channel (Discord dedupes a repeated nonce).
fn quiz_messages(fake: &FakeDiscord) -> usize {
    let mut ids: Vec<String> = quiz_posts(fake)
        .iter()
        .map(|r| r.response["id"].to_string())
        .collect();
    ids.sort();
    ids.dedup();
    ids.len()
}

fn quiz_posts(fake: &FakeDiscord) -> Vec<Request> {
    let p = format!("/api/v10/channels/{QUIZ_CHANNEL}/messages");
    fake.requests()
        .into_iter()
        .filter(|r| r.method == "POST" && r.path == p)
        .collect()
}

/// Wait for the n-th daily question in the channel (1-based) and return the posted message.
async fn wait_post(bot: &TestBot, n: usize) -> Value {
    let p = format!("/api/v10/channels/{QUIZ_CHANNEL}/messages");
    for _ in 0..100 {
        let posts = quiz_posts(&bot.fake);
        if posts.len() >= n {
            return posts[n - 1].response.clone();
        }
        bot.fake
            .wait_request(1, |r| r.method == "POST" && r.path == p)
            .await;
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    panic!("daily question {n} was never posted");
}

async fn wait_reveal(bot: &TestBot, message_id: &str) -> Request {
    let p = format!("/api/v10/channels/{QUIZ_CHANNEL}/messages/{message_id}");
    bot.fake
        .wait_request(10, |r| r.method == "PATCH" && r.path == p)
        .await
        .expect("the quiz message is edited with the answer")
}

async fn quiz_of(bot: &TestBot, msg: &Value) -> (i64, coursebot::content::Question) {
    let ids = component_ids(msg);
    let quiz_id: i64 = ids[0].split(':').nth(1).unwrap().parse().unwrap();
    let row = db::get_quiz(&bot.app.db, quiz_id).await.unwrap().unwrap();
    (
        quiz_id,
        bot.app.course.question(&row.question_id).unwrap().clone(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn daily_quiz_across_days_and_dst_with_scores_streaks_and_leaderboard() {
    // Friday 27 March 2026, 12:00 UTC; Berlin moves to summer time on Sunday 29 March.
    let bot = start(utc(2026, 3, 27, 12, 0)).await;
    let (a, b) = (member(1), member(2));

    // A member cannot schedule.
    let cb = schedule(&bot.fake, &a, "18:00", vec![]).await;
    assert!(
        is_ephemeral(&cb) && reply_text(&cb).contains("Manage Server"),
        "{}",
        cb.json
    );
    // A moderator can.
    let cb = schedule(
        &bot.fake,
        &admin(),
        "18:00",
        vec![opt("path", 3, "foundation".into())],
    )
    .await;
    assert!(
        reply_text(&cb).contains("Daily quiz scheduled"),
        "{}",
        cb.json
    );
    // Bad input gets a clear error.
    let cb = schedule(&bot.fake, &admin(), "25:99", vec![]).await;
    assert!(reply_text(&cb).contains("not a time"), "{}", cb.json);

    // Nothing before 18:00 Berlin (17:00 UTC in winter).
    bot.clock.set(utc(2026, 3, 27, 16, 59));
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert!(quiz_posts(&bot.fake).is_empty());
    bot.clock.set(utc(2026, 3, 27, 17, 0));
    let msg1 = wait_post(&bot, 1).await;
    assert_eq!(msg1["embeds"][0]["title"], "Daily quiz");
    let (quiz1, q1) = quiz_of(&bot, &msg1).await;
    let prefix = format!("qz:{quiz1}");

    // a right, b wrong; a again is told they already answered.
    let s = answer(&bot.fake, &a, &msg1, &prefix, &q1, true).await;
    let cb = bot.fake.callback(&s).await;
    assert!(
        is_ephemeral(&cb) && reply_text(&cb).contains("Answer recorded"),
        "{}",
        cb.json
    );
    assert!(
        !reply_text(&cb).to_lowercase().contains("correct"),
        "answers stay secret"
    );
    let s = answer(&bot.fake, &b, &msg1, &prefix, &q1, false).await;
    assert!(reply_text(&bot.fake.callback(&s).await).contains("Answer recorded"));
    let s = answer(&bot.fake, &a, &msg1, &prefix, &q1, false).await;
    let cb = bot.fake.callback(&s).await;
    assert!(reply_text(&cb).contains("already answered"), "{}", cb.json);

    // Saturday 18:00 Berlin: quiz 1 closes (revealed with figures), quiz 2 is posted.
    bot.clock.set(utc(2026, 3, 28, 17, 0));
    let reveal = wait_reveal(&bot, msg1["id"].as_str().unwrap()).await;
    let desc = reveal.json["embeds"][0]["description"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        desc.contains("**2** answered") && desc.contains("**50%**"),
        "{desc}"
    );
    assert!(desc.contains(&q1.explanation), "{desc}");
    assert_eq!(component_ids(&reveal.json), vec![format!("rm:{}", q1.id)]);
    let msg2 = wait_post(&bot, 2).await;
    let (quiz2, q2) = quiz_of(&bot, &msg2).await;
    assert_ne!(q1.id, q2.id, "no repeat before the pool is used up");
    let s = answer(&bot.fake, &a, &msg2, &format!("qz:{quiz2}"), &q2, true).await;
    bot.fake.callback(&s).await;
    let s = answer(&bot.fake, &b, &msg2, &format!("qz:{quiz2}"), &q2, true).await;
    bot.fake.callback(&s).await;

    // Sunday: summer time. 18:00 Berlin is 16:00 UTC now.
    bot.clock.set(utc(2026, 3, 29, 15, 59));
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(quiz_posts(&bot.fake).len(), 2, "not yet");
    bot.clock.set(utc(2026, 3, 29, 16, 0));
    let msg3 = wait_post(&bot, 3).await;
    wait_reveal(&bot, msg2["id"].as_str().unwrap()).await;
    let (_, q3) = quiz_of(&bot, &msg3).await;
    assert!(![&q1.id, &q2.id].contains(&&q3.id));

    // "Read more" shows the lesson section of the question's topic.
    let revealed = common::fake_discord::message_json(
        msg1["id"].as_str().unwrap().parse().unwrap(),
        QUIZ_CHANNEL,
        &reveal.json,
    );
    let s = bot
        .fake
        .click(&b, &revealed, &format!("rm:{}", q1.id), None)
        .await;
    let cb = bot.fake.callback(&s).await;
    assert_eq!(cb.json["data"]["embeds"][0]["title"], q1.topic.as_str());

    // Scores: a 10 (day 1) + 12 (day 2, streak 2) = 22; b 0 + 10 = 10.
    let s = bot.fake.slash(&a, "score", json!([])).await;
    let cb = bot.fake.callback(&s).await;
    let d = cb.json["data"]["embeds"][0]["description"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        d.contains("**22** points") && d.contains("rank **#1**") && d.contains("accuracy **100%**"),
        "{d}"
    );
    assert!(d.contains("Streak: **2** now, best **2**"), "{d}");
    let s = bot
        .fake
        .slash(&b, "leaderboard", json!([opt("period", 3, "week".into())]))
        .await;
    let cb = bot.fake.callback(&s).await;
    let d = cb.json["data"]["embeds"][0]["description"]
        .as_str()
        .unwrap()
        .to_string();
    let pos_a = d.find(&format!("<@{}>", a.id)).unwrap();
    let pos_b = d.find(&format!("<@{}>", b.id)).unwrap();
    assert!(pos_a < pos_b, "{d}");
    assert!(
        d.contains("22 pts") && d.contains("You: **#2** with 10 pts"),
        "{d}"
    );
    assert_eq!(
        cb.json["data"]["allowed_mentions"]["parse"],
        json!([]),
        "leaderboards ping nobody"
    );

    // Moderator statistics: hardest first.
    let s = bot
        .fake
        .slash(&admin(), "quiz-admin", json!([sub("stats", vec![])]))
        .await;
    let cb = bot.fake.callback(&s).await;
    let d = cb.json["data"]["embeds"][0]["description"]
        .as_str()
        .unwrap()
        .to_string();
    let p1 = d.find(&q1.id).expect("q1 listed");
    let p2 = d.find(&q2.id).expect("q2 listed");
    assert!(p1 < p2, "50% right before 100% right: {d}");
    // What the member who got q1 wrong picked, as text (not a letter).
    let stored: String =
        sqlx::query_scalar("SELECT answer FROM quiz_answers WHERE quiz_id = ? AND user_id = ?")
            .bind(quiz1)
            .bind(b.id as i64)
            .fetch_one(bot.app.db.as_sqlite().unwrap())
            .await
            .unwrap();
    let picked = coursebot::quiz::Answer::decode(&stored)
        .unwrap()
        .describe(&q1);
    assert!(
        d.contains(&format!(
            "most picked wrong answer: {} (1)",
            coursebot::discord::render::quiz::quoted(&picked, 80)
        )),
        "{d}"
    );

    bot.assert_schema_ok();
    bot.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_bot_keeps_answers_and_does_not_post_twice() {
    let bot = start(utc(2026, 5, 4, 8, 0)).await;
    schedule(
        &bot.fake,
        &admin(),
        "12:00",
        vec![
            opt("modules", 3, "m01, m02".into()),
            opt("window", 4, 120.into()),
        ],
    )
    .await;
    bot.clock.set(utc(2026, 5, 4, 10, 0)); // 12:00 Berlin (summer)
    let msg = wait_post(&bot, 1).await;
    let (quiz, q) = quiz_of(&bot, &msg).await;
    for n in 1..=2 {
        let s = answer(&bot.fake, &member(n), &msg, &format!("qz:{quiz}"), &q, true).await;
        bot.fake.callback(&s).await;
    }
    let bot = bot.kill_and_restart().await;
    tokio::time::sleep(std::time::Duration::from_millis(400)).await;
    assert_eq!(
        quiz_messages(&bot.fake),
        1,
        "not posted again after the restart"
    );
    let s = answer(
        &bot.fake,
        &member(3),
        &msg,
        &format!("qz:{quiz}"),
        &q,
        false,
    )
    .await;
    assert!(reply_text(&bot.fake.callback(&s).await).contains("Answer recorded"));
    let s = answer(
        &bot.fake,
        &member(1),
        &msg,
        &format!("qz:{quiz}"),
        &q,
        false,
    )
    .await;
    assert!(
        reply_text(&bot.fake.callback(&s).await).contains("already answered"),
        "answers survived the kill"
    );
    // Still open at 11:59 UTC, closed at 12:00 UTC (the 2-hour window).
    bot.clock.set(utc(2026, 5, 4, 11, 59));
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert!(!bot
        .fake
        .requests()
        .iter()
        .any(|r| r.method == "PATCH" && r.path.ends_with(msg["id"].as_str().unwrap())));
    bot.clock.set(utc(2026, 5, 4, 12, 0));
    let reveal = wait_reveal(&bot, msg["id"].as_str().unwrap()).await;
    let d = reveal.json["embeds"][0]["description"].as_str().unwrap();
    assert!(d.contains("**3** answered") && d.contains("**67%**"), "{d}");
    // An answer after closing does not count.
    let s = answer(&bot.fake, &member(4), &msg, &format!("qz:{quiz}"), &q, true).await;
    assert!(reply_text(&bot.fake.callback(&s).await).contains("closed"));
    assert_eq!(db::answers_of(&bot.app.db, quiz).await.unwrap().len(), 3);
    // The command line exports every answer with its points.
    for (format, check) in [("json", "\"members\""), ("csv", "guild_id,user_id,quiz_id")] {
        let o = std::process::Command::new(env!("CARGO_BIN_EXE_coursebot"))
            .args(["export", "scores", "--format", format])
            .env("DATABASE_URL", &bot.config.database_url)
            .env("COURSEBOT_CONTENT_DIR", &bot.config.content_dir)
            .output()
            .unwrap();
        let out = String::from_utf8_lossy(&o.stdout).to_string();
        assert!(
            o.status.success() && out.contains(check),
            "{out}{}",
            String::from_utf8_lossy(&o.stderr)
        );
        if format == "json" {
            let v: Value = serde_json::from_str(&out).unwrap();
            let members = v["members"].as_array().unwrap();
            assert_eq!(members.len(), 3);
            let m1 = members
                .iter()
                .find(|m| m["user_id"] == member(1).id)
                .unwrap();
            assert_eq!(m1["points"], 10);
            assert_eq!(m1["answers"][0]["question_id"], q.id.as_str());
            // Exports speak of the answer's text, not a letter.
            let given =
                coursebot::quiz::Answer::decode(m1["answers"][0]["answer"].as_str().unwrap())
                    .unwrap();
            assert_eq!(m1["answers"][0]["answer_text"], given.describe(&q).as_str());
            assert!(!given.describe(&q).is_empty() && !given.describe(&q).contains('?'));
        } else {
            assert_eq!(out.lines().count(), 4, "header + 3 answers: {out}");
        }
    }
    bot.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bot_down_for_days_posts_once_when_it_comes_back() {
    let bot = start(utc(2026, 6, 1, 8, 0)).await;
    schedule(&bot.fake, &admin(), "12:00", vec![]).await;
    // Down from before the first run until three days later.
    let bot = {
        let b = bot;
        b.clock.set(utc(2026, 6, 4, 13, 0));
        b.kill_and_restart().await
    };
    wait_post(&bot, 1).await;
    tokio::time::sleep(std::time::Duration::from_millis(400)).await;
    assert_eq!(quiz_messages(&bot.fake), 1, "once, not once per missed day");
    bot.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn moderator_role_can_schedule_and_unschedule() {
    let bot = start(utc(2026, 6, 1, 8, 0)).await;
    let role: u64 = 5_000_000_000_000_000_001;
    let s = bot
        .fake
        .slash_full(&admin(), "settings", json!([sub("moderator_role", vec![opt("role", 8, role.to_string().into())])]),
            json!({"roles": {role.to_string(): {"id": role.to_string(), "name": "mods", "color": 0, "colors": {"primary_color": 0}, "hoist": false, "icon": null, "unicode_emoji": null, "position": 1, "permissions": "0", "managed": false, "mentionable": false, "flags": 0}}}))
        .await;
    let cb = bot.fake.callback(&s).await;
    assert!(
        reply_text(&cb).contains("Moderator role set"),
        "{}",
        cb.json
    );
    // /settings show is for Manage Server only, and lists what was set.
    let s = bot
        .fake
        .slash(&admin(), "settings", json!([sub("show", vec![])]))
        .await;
    let t = reply_text(&bot.fake.callback(&s).await);
    assert!(
        t.contains(&format!("Moderator role: <@&{role}>"))
            && t.contains("Announcement channel: not set"),
        "{t}"
    );
    let s = bot
        .fake
        .slash(&member(9), "settings", json!([sub("show", vec![])]))
        .await;
    assert!(reply_text(&bot.fake.callback(&s).await).contains("Manage Server"));
    let mut m = member(9);
    m.roles = vec![role];
    let cb = schedule(&bot.fake, &m, "09:30", vec![]).await;
    assert!(
        reply_text(&cb).contains("Daily quiz scheduled"),
        "{}",
        cb.json
    );
    let s = bot
        .fake
        .slash(&m, "quiz", json!([sub("schedules", vec![])]))
        .await;
    assert!(reply_text(&bot.fake.callback(&s).await).contains("09:30 Europe/Berlin"));
    let s = bot
        .fake
        .slash_full(
            &member(8),
            "quiz-admin",
            json!([sub(
                "unschedule",
                vec![opt("channel", 7, QUIZ_CHANNEL.to_string().into())]
            )]),
            resolved_channel(QUIZ_CHANNEL),
        )
        .await;
    assert!(reply_text(&bot.fake.callback(&s).await).contains("Manage Server"));
    let s = bot
        .fake
        .slash_full(
            &m,
            "quiz-admin",
            json!([sub(
                "unschedule",
                vec![opt("channel", 7, QUIZ_CHANNEL.to_string().into())]
            )]),
            resolved_channel(QUIZ_CHANNEL),
        )
        .await;
    assert!(reply_text(&bot.fake.callback(&s).await).contains("No more daily questions"));
    bot.assert_schema_ok();
    bot.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn practice_a_module_to_completion() {
    let bot = start(utc(2026, 6, 1, 8, 0)).await;
    let me = member(1);
    let s = bot
        .fake
        .slash(
            &me,
            "quiz",
            json!([sub("practice", vec![opt("module", 3, "m01".into())])]),
        )
        .await;
    let mut cb = bot.fake.callback(&s).await;
    assert!(is_ephemeral(&cb));
    let mut right = 0;
    for i in 0..3 {
        let msg = common::fake_discord::message_json(
            bot.fake.next_id(),
            common::fake_discord::CHANNEL_ID,
            &cb.json["data"],
        );
        let ids = component_ids(&msg);
        let parts: Vec<&str> = ids[0].split(':').collect();
        let prefix = format!("pr:{}:{}", parts[1], parts[2]);
        let sess = coursebot::store::practice::get_session(&bot.app.db, parts[1].parse().unwrap())
            .await
            .unwrap()
            .unwrap();
        let q = bot.app.course.question(&sess.questions[i]).unwrap().clone();
        let ok = i != 1; // one wrong
        right += ok as i32;
        let s = answer(&bot.fake, &me, &msg, &prefix, &q, ok).await;
        cb = bot.fake.callback(&s).await;
        assert_eq!(
            cb.json["type"], 7,
            "the practice message is updated: {}",
            cb.json
        );
        let text = reply_text(&cb);
        assert!(
            text.contains(if ok { "Right" } else { "Not quite" }),
            "{text}"
        );
        assert!(text.contains(&q.explanation));
    }
    assert_eq!(right, 2);
    let d = cb.json["data"]["embeds"][0]["description"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(d.contains("**2/3**") && d.contains("67%"), "{d}");
    assert!(
        d.contains("F Not Certified") && d.contains("Not passed"),
        "{d}"
    );
    assert!(coursebot::store::practice::completed_modules(
        &bot.app.db,
        coursebot::ids::GuildId(common::fake_discord::GUILD_ID),
        coursebot::ids::UserId(me.id)
    )
    .await
    .unwrap()
    .is_empty());
    // Spaced repetition: the question answered wrongly comes first in the next practice.
    let first = coursebot::store::practice::get_session(&bot.app.db, 1)
        .await
        .unwrap()
        .unwrap();
    let missed = first.questions[1].clone();
    bot.clock.advance(chrono::Duration::minutes(5));
    let s = bot
        .fake
        .slash(
            &me,
            "quiz",
            json!([sub(
                "practice",
                vec![opt("module", 3, "m01".into()), opt("count", 4, 1.into())]
            )]),
        )
        .await;
    bot.fake.callback(&s).await;
    let second = coursebot::store::practice::get_session(&bot.app.db, 2)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        second.questions,
        vec![missed],
        "the missed question comes back first"
    );
    bot.assert_schema_ok();
    bot.stop().await.unwrap();
}

/// A quiz whose closing time is brought forward (the moderator moved the schedule earlier, so
/// the next question comes before the old one's end) refuses answers from then on, even to a
/// member whose click finds it in the bot's cache of quizzes being answered: the answer
/// writer checks the quiz in the insert itself.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_quiz_ended_early_by_the_next_question_takes_no_more_answers() {
    let bot = start(utc(2026, 5, 4, 7, 0)).await;
    schedule(
        &bot.fake,
        &admin(),
        "10:00",
        vec![opt("modules", 3, "m01, m02".into())],
    )
    .await;
    bot.clock.set(utc(2026, 5, 4, 8, 0)); // 10:00 Berlin (summer); open until tomorrow's
    let first = wait_post(&bot, 1).await;
    let (quiz, q) = quiz_of(&bot, &first).await;
    let prefix = format!("qz:{quiz}");
    let s = answer(&bot.fake, &member(1), &first, &prefix, &q, true).await;
    assert!(reply_text(&bot.fake.callback(&s).await).contains("Answer recorded"));
    // Moved to 07:00 Berlin: tomorrow's question comes at 05:00 UTC, before 08:00 UTC.
    bot.clock.set(utc(2026, 5, 4, 9, 0));
    schedule(
        &bot.fake,
        &admin(),
        "07:00",
        vec![opt("modules", 3, "m01, m02".into())],
    )
    .await;
    bot.clock.set(utc(2026, 5, 5, 5, 0));
    wait_post(&bot, 2).await;
    wait_reveal(&bot, first["id"].as_str().unwrap()).await;
    let s = answer(&bot.fake, &member(2), &first, &prefix, &q, true).await;
    let text = reply_text(&bot.fake.callback(&s).await);
    assert!(text.contains("closed"), "{text}");
    assert_eq!(
        db::answers_of(&bot.app.db, quiz).await.unwrap().len(),
        1,
        "nothing lands after the quiz was counted"
    );
}
