//! Round trips through the fake Discord with the real serenity client:
//! - `/explain`: interaction dispatched by the fake → interaction callback received;
//! - a burst of 2,000 daily-quiz answers: answers recorded per second and acknowledgement
//!   latency (dispatch → callback) p50/p99.
//!
//! Run: `cargo bench --bench discord`.

#[path = "../tests/common/mod.rs"]
mod common;

use chrono::{TimeZone, Utc};
use common::fake_discord::{opt, sub, Member};
use common::harness::{Options, TestBot};
use common::quiz_helpers::*;
use serde_json::json;
use std::path::PathBuf;
use std::time::{Duration, Instant};

fn pct(sorted: &[Duration], p: f64) -> f64 {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize].as_secs_f64() * 1e3
}

async fn explain_round_trips(n: usize) {
    let content = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("content");
    let bot = TestBot::start_with(Options {
        content,
        start: common::harness::default_start(),
    })
    .await;
    // Let the index finish building.
    bot.app
        .search_within(Duration::from_secs(60))
        .await
        .expect("index");
    let me = Member::new(4_000_000_000_000_000_001, "alice");
    let queries = [
        "chords",
        "chrods",
        "retry a task",
        "callback after group",
        "rabbitmq",
    ];
    let mut times = Vec::with_capacity(n);
    for i in 0..n + 20 {
        let t = Instant::now();
        let sent = bot
            .fake
            .slash(
                &me,
                "explain",
                json!([opt("topic", 3, queries[i % queries.len()].into())]),
            )
            .await;
        bot.fake.callback(&sent).await;
        if i >= 20 {
            times.push(t.elapsed());
        }
    }
    times.sort();
    println!(
        "explain round trip: n={n} p50={:.2} ms p99={:.2} ms max={:.2} ms",
        pct(&times, 0.5),
        pct(&times, 0.99),
        times.last().unwrap().as_secs_f64() * 1e3
    );
    bot.stop().await.unwrap();
}

async fn answer_burst(members: u64) {
    std::env::set_var("COURSEBOT_TICK_MS", "50");
    let content = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/mini");
    let bot = TestBot::start_with(Options {
        content,
        start: Utc.with_ymd_and_hms(2026, 6, 1, 8, 0, 0).unwrap(),
    })
    .await;
    let channel: u64 = 3_000_000_000_000_000_999;
    let admin = Member::admin(4_000_000_000_000_000_100, "mod");
    let s = bot
        .fake
        .slash_full(
            &admin,
            "quiz",
            json!([sub(
                "schedule",
                vec![
                    opt("channel", 7, channel.to_string().into()),
                    opt("time", 3, "10:00".into()),
                    opt("timezone", 3, "UTC".into()),
                    opt("modules", 3, "m02".into())
                ]
            )]),
            resolved_channel(channel),
        )
        .await;
    bot.fake.callback(&s).await;
    bot.clock
        .set(Utc.with_ymd_and_hms(2026, 6, 1, 10, 0, 0).unwrap());
    let p = format!("/api/v10/channels/{channel}/messages");
    let post = bot
        .fake
        .wait_request(10, |r| r.method == "POST" && r.path == p)
        .await
        .expect("posted");
    let msg = post.response.clone();
    let quiz: i64 = component_ids(&msg)[0]
        .split(':')
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    let row = coursebot::store::quiz::get_quiz(&bot.app.db, quiz)
        .await
        .unwrap()
        .unwrap();
    let q = bot.app.course.question(&row.question_id).unwrap().clone();
    let before = bot.fake.requests().len();
    let t0 = Instant::now();
    let mut sent_at = Vec::new();
    for n in 0..members {
        let m = Member::new(5_000_000_000_000_000_000 + n, &format!("u{n}"));
        let s = answer(&bot.fake, &m, &msg, &format!("qz:{quiz}"), &q, n % 2 == 0).await;
        sent_at.push((s.callback_path(), Instant::now()));
    }
    let dispatch = t0.elapsed();
    // Poll for callbacks and note when each arrives.
    let mut arrived: std::collections::HashMap<String, Instant> = std::collections::HashMap::new();
    while arrived.len() < members as usize {
        for r in bot.fake.requests().iter().skip(before) {
            if r.path.ends_with("/callback") && !arrived.contains_key(&r.path) {
                arrived.insert(r.path.clone(), Instant::now());
            }
        }
        tokio::time::sleep(Duration::from_millis(1)).await;
        assert!(t0.elapsed() < Duration::from_secs(120), "burst timed out");
    }
    let total = t0.elapsed();
    let mut lat: Vec<Duration> = sent_at
        .iter()
        .map(|(p, t)| arrived[p].saturating_duration_since(*t))
        .collect();
    lat.sort();
    let stored = coursebot::store::quiz::answers_of(&bot.app.db, quiz)
        .await
        .unwrap()
        .len();
    println!(
        "answer burst: members={members} stored={stored} dispatched in {:.0} ms, all acknowledged in {:.0} ms => {:.0} answers/s; ack latency p50={:.2} ms p99={:.2} ms max={:.2} ms",
        dispatch.as_secs_f64() * 1e3,
        total.as_secs_f64() * 1e3,
        members as f64 / total.as_secs_f64(),
        pct(&lat, 0.5),
        pct(&lat, 0.99),
        lat.last().unwrap().as_secs_f64() * 1e3
    );
    bot.stop().await.unwrap();
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        explain_round_trips(500).await;
        answer_burst(2000).await;
    });
}
