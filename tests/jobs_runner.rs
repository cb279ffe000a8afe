//! The supervised job runner through the fake Discord: daily quizzes keep being posted while
//! another guild's quiz channel keeps failing (retried with back-off, then parked) and a
//! corrupt office-hours row (a start in the year 262142) is parked without a single request.

mod common;

use chrono::{DateTime, Duration, TimeZone, Utc};
use common::fake_discord::{opt, sub, Member, GUILD_ID};
use common::harness::{Options, TestBot};
use common::quiz_helpers::*;
use serde_json::json;

const QUIZ_A: u64 = 3_000_000_000_000_000_701;
const QUIZ_B: u64 = 3_000_000_000_000_000_702;
const OTHER_GUILD: u64 = 2_000_000_000_000_000_777;

fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, mo, d, h, mi, 0).unwrap()
}

fn posts_to(bot: &TestBot, channel: u64) -> usize {
    let p = format!("/api/v10/channels/{channel}/messages");
    bot.fake.count(|r| r.method == "POST" && r.path == p)
}

async fn wait_posts(bot: &TestBot, channel: u64, n: usize) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while posts_to(bot, channel) < n {
        assert!(
            std::time::Instant::now() < deadline,
            "{n} post(s) to {channel} never came"
        );
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
}

async fn job(bot: &TestBot, kind: &str, key: &str) -> coursebot::jobs::rows::Job {
    coursebot::jobs::rows::get(&bot.app.db, kind, key)
        .await
        .unwrap()
        .unwrap_or_else(|| panic!("no {kind}:{key} row"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn runner_keeps_posting_while_other_rows_fail_or_are_corrupt() {
    std::env::set_var("COURSEBOT_TICK_MS", "50");
    let content = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/mini");
    let bot = TestBot::start_with(Options {
        start: utc(2026, 3, 27, 12, 0),
        content,
    })
    .await;
    let db = bot.app.db.as_sqlite().unwrap();
    // Guild 1: a daily quiz at 18:00 Berlin (17:00 UTC) in channel A.
    let admin = Member::admin(4_000_000_000_000_000_100, "mod");
    let s = schedule_daily(
        &bot.fake,
        &admin,
        QUIZ_A,
        "18:00",
        "Europe/Berlin",
        vec![opt("path", 3, "foundation".into())],
    )
    .await;
    assert!(reply_text(&bot.fake.callback(&s).await).contains("Daily quiz scheduled"));
    // Another guild: the same schedule in channel B, where Discord answers 500 every time.
    sqlx::query(
        "INSERT INTO quiz_schedules (guild_id, channel_id, local_time, timezone, pool_label, modules,
             window_minutes, next_run_at, cycle, seed, created_by, created_at)
         SELECT ?, ?, local_time, timezone, pool_label, modules, window_minutes, next_run_at, cycle,
             seed + 1, created_by, created_at FROM quiz_schedules WHERE channel_id = ?",
    )
    .bind(OTHER_GUILD as i64)
    .bind(QUIZ_B as i64)
    .bind(QUIZ_A as i64)
    .execute(db)
    .await
    .unwrap();
    bot.fake.respond_with(
        "POST",
        &format!("/channels/{QUIZ_B}/messages"),
        500,
        json!({"code": 0, "message": "500: Internal Server Error"}),
    );
    // A stored weekly session in the year 262142 (written before input was bounded): its start
    // cannot be written back as a timestamp, so the scheduled event used to be created again on
    // every tick.
    sqlx::query(
        "INSERT INTO office_hours (guild_id, topic, start_local, timezone, duration_minutes, weekly,
             created_by, created_at)
         VALUES (?, 'far future', '+262142-01-01T10:00', 'UTC', 60, 1, 1, '2026-03-27T12:00:00.000Z')",
    )
    .bind(GUILD_ID as i64)
    .execute(db)
    .await
    .unwrap();

    // 17:00 UTC: guild 1's quiz is posted; guild 2's post fails once and is not retried on
    // the following ticks (back-off: next attempt 30 s later).
    bot.clock.set(utc(2026, 3, 27, 17, 0));
    wait_posts(&bot, QUIZ_A, 1).await;
    wait_posts(&bot, QUIZ_B, 1).await;
    bot.wait_ticks(5).await;
    assert_eq!(posts_to(&bot, QUIZ_B), 1, "no retry on every tick");
    let quiz_b: i64 = sqlx::query_scalar("SELECT id FROM quizzes WHERE channel_id = ?")
        .bind(QUIZ_B as i64)
        .fetch_one(db)
        .await
        .unwrap();
    let j = job(&bot, "quiz_post", &quiz_b.to_string()).await;
    assert_eq!((j.state.as_str(), j.attempts), ("pending", 1));
    assert!(j.last_error.unwrap().contains("500"));
    // The corrupt session is parked with its reason, and never reached Discord.
    let oh_id: i64 = sqlx::query_scalar("SELECT id FROM office_hours WHERE topic = 'far future'")
        .fetch_one(db)
        .await
        .unwrap();
    let j = job(&bot, "oh_series", &oh_id.to_string()).await;
    assert_eq!(j.state, "parked");
    assert!(j.last_error.unwrap().contains("262142"));
    assert_eq!(
        bot.fake
            .count(|r| r.path.contains("/scheduled-events") || r.path.contains("/users/@me/")),
        0
    );

    // Each retry waits twice as long: 30 s, 60 s, 120 s, 240 s, 480 s; the sixth failure parks
    // the row. Between two due times nothing is sent.
    let mut t = utc(2026, 3, 27, 17, 0);
    for (n, wait) in [(2, 30), (3, 60), (4, 120), (5, 240), (6, 480)] {
        t += Duration::seconds(wait - 2);
        bot.clock.set(t);
        bot.wait_ticks(2).await;
        assert_eq!(
            posts_to(&bot, QUIZ_B),
            n - 1,
            "not before its time (attempt {n})"
        );
        t += Duration::seconds(2);
        bot.clock.set(t);
        wait_posts(&bot, QUIZ_B, n).await;
    }
    bot.wait_ticks(2).await;
    let j = job(&bot, "quiz_post", &quiz_b.to_string()).await;
    assert_eq!((j.state.as_str(), j.attempts), ("parked", 6));
    bot.clock.set(t + Duration::hours(3));
    bot.wait_ticks(3).await;
    assert_eq!(posts_to(&bot, QUIZ_B), 6, "a parked row is never retried");

    // The next day guild 1 still gets its quiz (the runner is alive and not blocked).
    bot.clock.set(utc(2026, 3, 28, 17, 0));
    wait_posts(&bot, QUIZ_A, 2).await;
    assert_eq!(posts_to(&bot, QUIZ_A), 2);
    bot.assert_schema_ok();
    bot.stop().await.unwrap();
}

/// A session whose job was parked (its stored start could not be used) gets another chance when
/// a moderator fixes it with `/officehours-admin edit`: the row is revived and the scheduled
/// event is created, instead of the session staying dead until a restart that never helps.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_edited_session_revives_its_parked_job() {
    std::env::set_var("COURSEBOT_TICK_MS", "50");
    let content = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/mini");
    let bot = TestBot::start_with(Options {
        start: utc(2026, 3, 27, 12, 0),
        content,
    })
    .await;
    let db = bot.app.db.as_sqlite().unwrap();
    sqlx::query(
        "INSERT INTO office_hours (guild_id, topic, start_local, timezone, duration_minutes, weekly,
             created_by, created_at)
         VALUES (?, 'far future', '+262142-01-01T10:00', 'UTC', 60, 1, 1, '2026-03-27T12:00:00.000Z')",
    )
    .bind(GUILD_ID as i64)
    .execute(db)
    .await
    .unwrap();
    let id: i64 = sqlx::query_scalar("SELECT id FROM office_hours WHERE topic = 'far future'")
        .fetch_one(db)
        .await
        .unwrap();
    bot.wait_ticks(3).await;
    assert_eq!(
        job(&bot, "oh_series", &id.to_string()).await.state,
        "parked"
    );
    let events = |bot: &TestBot| {
        bot.fake
            .count(|r| r.method == "POST" && r.path.contains("/scheduled-events"))
    };
    assert_eq!(events(&bot), 0);

    let admin = Member::admin(4_000_000_000_000_000_100, "mod");
    let s = bot
        .fake
        .slash(
            &admin,
            "officehours-admin",
            json!([sub(
                "edit",
                vec![
                    opt("id", 4, id.into()),
                    opt("start", 3, "2026-04-01 10:00".into()),
                ]
            )]),
        )
        .await;
    let reply = reply_text(&bot.fake.callback(&s).await);
    assert!(reply.contains("updated"), "{reply}");
    let j = job(&bot, "oh_series", &id.to_string()).await;
    assert_ne!(j.state, "parked", "revived by the edit");
    assert_eq!(j.attempts, 0);
    bot.wait_ticks(3).await;
    assert!(events(&bot) >= 1, "the revived job created the event");
    assert_ne!(
        job(&bot, "oh_series", &id.to_string()).await.state,
        "parked"
    );
    bot.stop().await.unwrap();
}
