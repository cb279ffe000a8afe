//! The bot itself on PostgreSQL: a daily quiz scheduled, posted, answered (a second answer
//! refused) and revealed through the fake Discord with `DATABASE_URL=postgres://...`, on a
//! throwaway cluster (skipped with a notice when PostgreSQL is not installed).

mod common;

use chrono::{DateTime, TimeZone, Utc};
use common::fake_discord::{opt, Member};
use common::harness::{Options, TestBot};
use common::quiz_helpers::*;
use coursebot::store::{quiz as db, Backend};
use serde_json::json;
use std::path::PathBuf;

const QUIZ_CHANNEL: u64 = 3_000_000_000_000_000_777;

fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, mo, d, h, mi, 0).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_daily_quiz_is_posted_answered_and_revealed_on_postgres() {
    let Some(url) = common::pg::database().await else {
        return;
    };
    std::env::set_var("COURSEBOT_TICK_MS", "50");
    let bot = TestBot::start_on_database(
        url,
        Options {
            content: PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/mini"),
            start: utc(2026, 3, 27, 12, 0),
        },
    )
    .await;
    assert_eq!(bot.app.db.backend(), Backend::Postgres);
    let admin = Member::admin(4_000_000_000_000_000_100, "mod");
    let (a, b) = (
        Member::new(4_000_000_000_000_001_001, "a"),
        Member::new(4_000_000_000_000_001_002, "b"),
    );
    let sent = schedule_daily(
        &bot.fake,
        &admin,
        QUIZ_CHANNEL,
        "18:00",
        "Europe/Berlin",
        vec![opt("path", 3, "foundation".into())],
    )
    .await;
    let cb = bot.fake.callback(&sent).await;
    assert!(
        reply_text(&cb).contains("Daily quiz scheduled"),
        "{}",
        cb.json
    );

    // 18:00 Berlin (17:00 UTC): posted once.
    bot.clock.set(utc(2026, 3, 27, 17, 0));
    let path = format!("/api/v10/channels/{QUIZ_CHANNEL}/messages");
    let post = bot
        .fake
        .wait_request(20, |r| r.method == "POST" && r.path == path)
        .await
        .expect("the daily question is posted");
    let msg = post.response.clone();
    assert_eq!(msg["embeds"][0]["title"], "Daily quiz");
    let ids = component_ids(&msg);
    let quiz_id: i64 = ids[0].split(':').nth(1).unwrap().parse().unwrap();
    // Discord's answer (the message id) is stored right after the post.
    let mut row = db::get_quiz(&bot.app.db, quiz_id).await.unwrap().unwrap();
    for _ in 0..200 {
        if row.status == "open" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        row = db::get_quiz(&bot.app.db, quiz_id).await.unwrap().unwrap();
    }
    assert_eq!(row.status, "open");
    assert!(row.message_id.is_some());
    assert_eq!(row.channel, coursebot::ids::ChannelId(QUIZ_CHANNEL));
    let q = bot.app.course.question(&row.question_id).unwrap().clone();
    let prefix = format!("qz:{quiz_id}");

    // a right, b wrong, a again: refused (the primary key, on PostgreSQL too).
    let s = answer(&bot.fake, &a, &msg, &prefix, &q, true).await;
    assert!(reply_text(&bot.fake.callback(&s).await).contains("Answer recorded"));
    let s = answer(&bot.fake, &b, &msg, &prefix, &q, false).await;
    assert!(reply_text(&bot.fake.callback(&s).await).contains("Answer recorded"));
    let s = answer(&bot.fake, &a, &msg, &prefix, &q, false).await;
    assert!(reply_text(&bot.fake.callback(&s).await).contains("already answered"));
    assert_eq!(db::answers_of(&bot.app.db, quiz_id).await.unwrap().len(), 2);

    // The next day's 18:00: revealed with the figures, the next question posted.
    bot.clock.set(utc(2026, 3, 28, 17, 0));
    let edit = format!("{path}/{}", msg["id"].as_str().unwrap());
    let reveal = bot
        .fake
        .wait_request(20, |r| r.method == "PATCH" && r.path == edit)
        .await
        .expect("the quiz message is edited with the answer");
    let desc = reveal.json["embeds"][0]["description"].as_str().unwrap();
    assert!(
        desc.contains("**2** answered") && desc.contains("**50%**"),
        "{desc}"
    );
    bot.wait_ticks(3).await;
    let posts = bot.fake.count(|r| r.method == "POST" && r.path == path);
    assert_eq!(posts, 2, "one question per day, each posted once");

    // Scores come from PostgreSQL's aggregates (BIGINT casts): a has 10 points.
    let s = bot.fake.slash(&a, "score", json!([])).await;
    let d = bot.fake.callback(&s).await.json["data"]["embeds"][0]["description"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        d.contains("**10** points") && d.contains("rank **#1**"),
        "{d}"
    );
    bot.stop().await.unwrap();
}
