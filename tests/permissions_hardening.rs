//! The smaller hardening items of issue 15 (5 and 7): certificate-role refusals, the cap on
//! open practice sessions, 0-point members not ranked, markdown in user text, timestamps that
//! fail loudly, tick-query indexes, and the domain not calling the Discord layer.

mod common;

use chrono::Duration;
use common::fake_discord::{message_json, opt, sub, Member, CHANNEL_ID, GUILD_ID};
use common::harness::TestBot;
use common::quiz_helpers::{component_ids, is_ephemeral, reply_text};
use coursebot::clock::Clock;
use coursebot::store::time::ts;
use serde_json::{json, Value};
use sqlx::Row;

fn admin() -> Member {
    Member::admin(4_000_000_000_000_000_100, "owner")
}
fn alice() -> Member {
    Member::new(4_000_000_000_000_009_001, "alice")
}
fn bob() -> Member {
    Member::new(4_000_000_000_000_009_002, "bob")
}

fn role(id: u64, position: u16, permissions: u64, managed: bool) -> Value {
    json!({"id": id.to_string(), "name": format!("r{id}"), "color": 0,
        "colors": {"primary_color": 0}, "hoist": false, "icon": null, "unicode_emoji": null,
        "position": position, "permissions": permissions.to_string(), "managed": managed,
        "mentionable": false, "flags": 0})
}

async fn set_cert_role(bot: &TestBot, who: &Member, r: &Value) -> String {
    let id = r["id"].as_str().unwrap().to_string();
    let s = bot
        .fake
        .slash_full(
            who,
            "settings",
            json!([sub(
                "cert_role",
                vec![
                    opt("certification", 3, "foundation".into()),
                    opt("role", 8, id.clone().into())
                ]
            )]),
            json!({"roles": {id: r}}),
        )
        .await;
    let cb = bot.fake.callback(&s).await;
    assert!(is_ephemeral(&cb), "{}", cb.json);
    reply_text(&cb)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cert_role_refuses_managed_elevated_and_higher_roles() {
    let bot = TestBot::start().await;
    let everyone = role(GUILD_ID, 0, 0, false);
    let plain_low = role(6_000_000_000_000_000_001, 1, 1 << 10, false);
    let plain_high = role(6_000_000_000_000_000_002, 5, 0, false);
    let managed = role(6_000_000_000_000_000_003, 1, 0, true);
    let admin_role = role(6_000_000_000_000_000_004, 1, 1 << 3, false);
    let kick = role(6_000_000_000_000_000_005, 1, 1 << 1, false);
    let helper = role(6_000_000_000_000_000_006, 3, 1 << 5, false);
    bot.fake.respond_with(
        "GET",
        &format!("/guilds/{GUILD_ID}/roles"),
        200,
        json!([everyone, plain_low, plain_high, managed, admin_role, kick, helper]),
    );
    // Even the owner cannot pick a managed role, an elevated one, or @everyone.
    for (r, why) in [
        (&managed, "managed by an integration"),
        (&admin_role, "Administrator"),
        (&kick, "Kick Members"),
        (&everyone, "@everyone"),
    ] {
        let t = set_cert_role(&bot, &admin(), r).await;
        assert!(t.contains(why), "{why}: {t}");
    }
    // A Manage Server member whose highest role is at position 3 (not the owner).
    let mut manager = bob();
    manager.permissions |= 1 << 5;
    manager.roles = vec![6_000_000_000_000_000_006];
    let t = set_cert_role(&bot, &manager, &plain_high).await;
    assert!(t.contains("at or above your highest role"), "{t}");
    let t = set_cert_role(&bot, &manager, &helper).await;
    assert!(t.contains("Manage Server"), "its own role is elevated: {t}");
    let settings = coursebot::store::settings::get(&bot.app.db, coursebot::ids::GuildId(GUILD_ID))
        .await
        .unwrap();
    assert!(settings.cert_roles.is_empty(), "nothing was set");
    // A plain role below theirs is fine; the owner may pick a plain role above anyone's.
    let t = set_cert_role(&bot, &manager, &plain_low).await;
    assert!(t.contains("will get"), "{t}");
    let t = set_cert_role(&bot, &admin(), &plain_high).await;
    assert!(t.contains("will get"), "{t}");
    bot.stop().await.unwrap();
}

async fn start_practice(bot: &TestBot, who: &Member, module: &str) -> (i64, Value) {
    let s = bot
        .fake
        .slash(
            who,
            "quiz",
            json!([sub("practice", vec![opt("module", 3, module.into())])]),
        )
        .await;
    let cb = bot.fake.callback(&s).await;
    let id = component_ids(cb.data())
        .into_iter()
        .find(|i| i.starts_with("pr:"))
        .unwrap_or_else(|| panic!("practice buttons: {}", cb.json));
    (
        id.split(':').nth(1).unwrap().parse().unwrap(),
        cb.data().clone(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fourth_practice_session_closes_the_oldest() {
    let bot = TestBot::start().await;
    let (first, first_msg) = start_practice(&bot, &alice(), "m01").await;
    for m in ["m02", "m03", "m04"] {
        start_practice(&bot, &alice(), m).await;
    }
    // Bob's sessions do not count against Alice's.
    start_practice(&bot, &bob(), "m01").await;
    let open: i64 = sqlx::query(
        "SELECT COUNT(*) FROM practice_sessions WHERE user_id = ? AND finished_at IS NULL",
    )
    .bind(alice().id as i64)
    .fetch_one(bot.app.db.as_sqlite().unwrap())
    .await
    .unwrap()
    .get(0);
    assert_eq!(open, 3, "at most 3 open");
    // The oldest one's buttons say what happened.
    let id = component_ids(&first_msg)
        .into_iter()
        .find(|i| i.starts_with("pr:") && !i.ends_with(":f") && !i.ends_with(":m"))
        .unwrap_or_else(|| format!("pr:{first}:0:b1"));
    let msg = message_json(bot.fake.next_id(), CHANNEL_ID, &first_msg);
    let click = bot.fake.click(&alice(), &msg, &id, None).await;
    let t = reply_text(&bot.fake.callback(&click).await);
    assert!(t.contains("was closed"), "{t}");
    bot.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_member_with_no_points_is_not_ranked() {
    let bot = TestBot::start().await;
    let now = bot.clock.now();
    let q = bot
        .app
        .course
        .questions_of("m01")
        .next()
        .unwrap()
        .id
        .clone();
    let quiz: i64 = sqlx::query(
        "INSERT INTO quizzes (guild_id, channel_id, question_id, module_id, path_id, quiz_date,
             cycle, posted_at, closes_at, status)
         VALUES (?, ?, ?, 'm01', 'foundation', '2026-03-19', 0, ?, ?, 'closed') RETURNING id",
    )
    .bind(GUILD_ID as i64)
    .bind(CHANNEL_ID as i64)
    .bind(&q)
    .bind(ts(now - Duration::hours(25)))
    .bind(ts(now - Duration::hours(1)))
    .fetch_one(bot.app.db.as_sqlite().unwrap())
    .await
    .unwrap()
    .get(0);
    for (who, correct, points) in [(alice(), 1, 10), (bob(), 0, 0)] {
        sqlx::query(
            "INSERT INTO quiz_answers (quiz_id, user_id, guild_id, answer, correct, answered_at, points)
             VALUES (?, ?, ?, 'x', ?, ?, ?)",
        )
        .bind(quiz)
        .bind(who.id as i64)
        .bind(GUILD_ID as i64)
        .bind(correct)
        .bind(ts(now - Duration::hours(2)))
        .bind(points)
        .execute(bot.app.db.as_sqlite().unwrap())
        .await
        .unwrap();
    }
    let s = bot.fake.slash(&bob(), "leaderboard", json!([])).await;
    let cb = bot.fake.callback(&s).await;
    let desc = cb.json["data"]["embeds"][0]["description"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(
        desc.contains(&format!("**1.** <@{}>", alice().id)),
        "{desc}"
    );
    assert!(!desc.contains(&format!("<@{}>", bob().id)), "{desc}");
    assert!(desc.contains("You have no points"), "{desc}");
    let score = coursebot::quiz::stats::member_score(
        &bot.app,
        coursebot::ids::GuildId(GUILD_ID),
        coursebot::ids::UserId(bob().id),
    )
    .await
    .unwrap();
    assert_eq!((score.rank, score.answered), (None, 1));
    let score = coursebot::quiz::stats::member_score(
        &bot.app,
        coursebot::ids::GuildId(GUILD_ID),
        coursebot::ids::UserId(alice().id),
    )
    .await
    .unwrap();
    assert_eq!(score.rank, Some(1));
    bot.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_topic_in_bold_is_escaped() {
    let bot = TestBot::start().await;
    let s = bot
        .fake
        .slash(
            &admin(),
            "officehours-admin",
            json!([sub(
                "schedule",
                vec![
                    opt("start", 3, "2026-04-02 17:00".into()),
                    opt("timezone", 3, "Europe/Berlin".into()),
                    opt("duration", 4, 60.into()),
                    opt("topic", 3, "**x** and _y_".into()),
                ]
            )]),
        )
        .await;
    let t = reply_text(&bot.fake.callback(&s).await);
    assert!(t.contains("Scheduled office hours"), "{t}");
    let msg = message_json(bot.fake.next_id(), CHANNEL_ID, &json!({}));
    let click = bot
        .fake
        .click(&alice(), &msg, "oh:lead:1", Some(vec!["15".into()]))
        .await;
    let t = reply_text(&bot.fake.callback(&click).await);
    assert!(
        t.contains(r"**\*\*x\*\* and \_y\_**"),
        "the topic shows as typed inside the bold: {t}"
    );
    bot.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_corrupt_timestamp_is_an_error_naming_the_row_not_1970() {
    let bot = TestBot::start().await;
    let now = bot.clock.now();
    let quiz: i64 = sqlx::query(
        "INSERT INTO quizzes (guild_id, channel_id, question_id, module_id, path_id, quiz_date,
             cycle, posted_at, closes_at, status)
         VALUES (?, ?, 'm01-001', 'm01', 'foundation', '2026-03-20', 0, ?, 'soon', 'open') RETURNING id",
    )
    .bind(GUILD_ID as i64)
    .bind(CHANNEL_ID as i64)
    .bind(ts(now))
    .fetch_one(bot.app.db.as_sqlite().unwrap())
    .await
    .unwrap()
    .get(0);
    let e = coursebot::store::quiz::get_quiz(&bot.app.db, quiz)
        .await
        .unwrap_err()
        .to_string();
    assert!(
        e.contains(&format!("quizzes.closes_at of row {quiz}")) && e.contains("soon"),
        "{e}"
    );
    bot.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tick_queries_use_indexes() {
    let bot = TestBot::start().await;
    for (table, query) in [
        ("quiz_schedules", "SELECT id FROM quiz_schedules WHERE next_run_at <= '2026'"),
        ("quizzes", "SELECT id FROM quizzes WHERE guild_id = 1 AND status = 'open'"),
        (
            "certificates",
            "SELECT id FROM certificates WHERE announced = 0 AND revoked_at IS NULL ORDER BY id",
        ),
        ("office_hours", "SELECT id FROM office_hours WHERE status = 'active' ORDER BY id"),
        (
            "office_hours",
            "SELECT id FROM office_hours WHERE guild_id = 1 AND status = 'active' ORDER BY id",
        ),
        (
            "office_hours_reminders",
            "SELECT id FROM office_hours_reminders WHERE state = 'claimed'",
        ),
        ("exams", "SELECT id FROM exams WHERE status = 'open' AND deadline <= '2026'"),
        (
            "practice_sessions",
            "SELECT id FROM practice_sessions WHERE guild_id = 1 AND user_id = 2 AND finished_at IS NULL",
        ),
    ] {
        let plan: Vec<String> = sqlx::query(sqlx::AssertSqlSafe(format!("EXPLAIN QUERY PLAN {query}")))
            .fetch_all(bot.app.db.as_sqlite().unwrap())
            .await
            .unwrap()
            .iter()
            .map(|r| r.get::<String, _>(3))
            .collect();
        let plan = plan.join(" | ");
        assert!(
            plan.contains("USING INDEX") || plan.contains("USING COVERING INDEX"),
            "{table}: {query}: {plan}"
        );
        assert!(!plan.contains(&format!("SCAN {table}")), "{query}: {plan}");
    }
    bot.stop().await.unwrap();
}

/// The domain folders return data; only `discord/` and `jobs/` talk to Discord.
#[test]
fn the_domain_does_not_call_the_discord_layer() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut offenders = Vec::new();
    for dir in [
        "certification",
        "quiz",
        "office_hours",
        "store",
        "content",
        "search",
    ] {
        for entry in std::fs::read_dir(root.join(dir)).unwrap() {
            let path = entry.unwrap().path();
            let text = std::fs::read_to_string(&path).unwrap_or_default();
            if text.contains("discord::") || text.contains("serenity") {
                offenders.push(path.display().to_string());
            }
        }
    }
    assert!(offenders.is_empty(), "{offenders:?}");
}

/// What blocks an exam is told apart by position, not by the wording of the sentences.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exam_blockers_are_typed_not_read_from_text() {
    let bot = TestBot::start().await;
    let st = coursebot::certification::evaluate(
        &bot.app.course,
        &coursebot::certification::MemberState::default(),
    );
    let expert = st.iter().find(|s| s.cert_id == "expert").unwrap();
    // The prerequisite and the modules come first, then the exam and the capstone.
    assert_eq!(expert.missing_before_exam, 2, "{:?}", expert.missing);
    assert!(expert.missing.len() > expert.missing_before_exam);
    let s = bot
        .fake
        .slash(
            &alice(),
            "exam",
            json!([sub("start", vec![opt("path", 3, "expert".into())])]),
        )
        .await;
    let t = reply_text(&bot.fake.callback(&s).await);
    assert!(t.starts_with("Before the"), "{t}");
    for blocker in &expert.missing[..expert.missing_before_exam] {
        assert!(t.contains(blocker.as_str()), "{blocker}: {t}");
    }
    for later in &expert.missing[expert.missing_before_exam..] {
        assert!(!t.contains(later.as_str()), "{later}: {t}");
    }
    bot.stop().await.unwrap();
}
