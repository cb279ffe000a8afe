//! 2,000 distinct members answer the same daily question at once: every answer is stored
//! exactly once and every click is acknowledged.

mod common;

use chrono::{TimeZone, Utc};
use common::fake_discord::{opt, Member};
use common::harness::{Options, TestBot};
use common::quiz_helpers::*;
use std::path::PathBuf;

const QUIZ_CHANNEL: u64 = 3_000_000_000_000_000_888;
const MEMBERS: u64 = 2000;
const DOUBLE_CLICKS: u64 = 200;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_thousand_members_answer_at_once() {
    std::env::set_var("COURSEBOT_TICK_MS", "50");
    let start = Utc.with_ymd_and_hms(2026, 6, 1, 8, 0, 0).unwrap();
    let content = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/mini");
    let bot = TestBot::start_with(Options { content, start }).await;
    let admin = Member::admin(4_000_000_000_000_000_100, "mod");
    let s = schedule_daily(
        &bot.fake,
        &admin,
        QUIZ_CHANNEL,
        "10:00",
        "UTC",
        vec![opt("modules", 3, "m01".into())],
    )
    .await;
    bot.fake.callback(&s).await;
    bot.clock
        .set(Utc.with_ymd_and_hms(2026, 6, 1, 10, 0, 0).unwrap());
    let p = format!("/api/v10/channels/{QUIZ_CHANNEL}/messages");
    let post = bot
        .fake
        .wait_request(10, |r| r.method == "POST" && r.path == p)
        .await
        .expect("posted");
    let msg = post.response.clone();
    let ids = component_ids(&msg);
    let quiz: i64 = ids[0].split(':').nth(1).unwrap().parse().unwrap();
    let row = coursebot::store::quiz::get_quiz(&bot.app.db, quiz)
        .await
        .unwrap()
        .unwrap();
    let q = bot.app.course.question(&row.question_id).unwrap().clone();
    assert!(
        !matches!(q.key, coursebot::content::AnswerKey::FillIn(_)),
        "one click per answer"
    );

    let before = bot.fake.requests().len();
    let mut sent = Vec::new();
    for n in 0..MEMBERS {
        let m = Member::new(5_000_000_000_000_000_000 + n, &format!("u{n}"));
        sent.push(answer(&bot.fake, &m, &msg, &format!("qz:{quiz}"), &q, n % 3 != 0).await);
    }
    for n in 0..DOUBLE_CLICKS {
        let m = Member::new(5_000_000_000_000_000_000 + n, &format!("u{n}"));
        sent.push(answer(&bot.fake, &m, &msg, &format!("qz:{quiz}"), &q, true).await);
    }
    let total = (MEMBERS + DOUBLE_CLICKS) as usize;
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(120);
    loop {
        let n = bot
            .fake
            .requests()
            .iter()
            .skip(before)
            .filter(|r| r.path.ends_with("/callback"))
            .count();
        if n >= total {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "only {n} of {total} acknowledged"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let reqs = bot.fake.requests();
    let texts: Vec<String> = reqs
        .iter()
        .skip(before)
        .filter(|r| r.path.ends_with("/callback"))
        .map(reply_text)
        .collect();
    assert_eq!(
        texts
            .iter()
            .filter(|t| t.contains("Answer recorded"))
            .count(),
        MEMBERS as usize
    );
    assert_eq!(
        texts
            .iter()
            .filter(|t| t.contains("already answered"))
            .count(),
        DOUBLE_CLICKS as usize
    );
    let stored = coursebot::store::quiz::answers_of(&bot.app.db, quiz)
        .await
        .unwrap();
    assert_eq!(
        stored.len(),
        MEMBERS as usize,
        "every answer stored exactly once"
    );
    let right = stored.iter().filter(|a| a.1).count();
    assert_eq!(
        right,
        (0..MEMBERS).filter(|n| n % 3 != 0).count(),
        "first answers count"
    );
    bot.stop().await.unwrap();
}
