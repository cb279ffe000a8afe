//! Operations endpoints of a running bot: `/readyz` before and after READY, `/healthz`, and
//! `/metrics` (parsed with a Prometheus text-format parser) after slash commands, a due job
//! and an answer.

mod common;

use chrono::{DateTime, TimeZone, Utc};
use common::fake_discord::{opt, FakeDiscord, Member};
use common::harness::{Options, TestBot};
use common::quiz_helpers::*;
use coursebot::ops::metrics as m;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

const QUIZ_CHANNEL: u64 = 3_000_000_000_000_000_777;

fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, mo, d, h, mi, 0).unwrap()
}

fn mini() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/mini")
}

async fn get(bot: &TestBot, path: &str) -> (u16, String) {
    let addr = bot.app.ops_addr().expect("the ops listener is bound");
    coursebot::ops::health::get(addr, path).await.unwrap()
}

/// Samples of a scrape: (metric name, labels) → value. Histograms and summaries are read by
/// the parser into their own sample kinds; they are keyed by name with a `_count` value.
struct Scrape {
    names: Vec<String>,
    values: HashMap<(String, Vec<(String, String)>), f64>,
}

impl Scrape {
    fn parse(text: &str) -> Scrape {
        let lines = text.lines().map(|l| Ok(l.to_string()));
        let s = prometheus_parse::Scrape::parse(lines).expect("valid Prometheus text format");
        let mut names = Vec::new();
        let mut values = HashMap::new();
        for sample in s.samples {
            let mut labels: Vec<(String, String)> = sample
                .labels
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect();
            labels.sort();
            let v = match sample.value {
                prometheus_parse::Value::Counter(v)
                | prometheus_parse::Value::Gauge(v)
                | prometheus_parse::Value::Untyped(v) => v,
                prometheus_parse::Value::Histogram(buckets) => {
                    buckets.last().map(|b| b.count).unwrap_or(0.0)
                }
                prometheus_parse::Value::Summary(_) => 0.0,
            };
            names.push(sample.metric.clone());
            values.insert((sample.metric, labels), v);
        }
        Scrape { names, values }
    }

    fn has(&self, name: &str) -> bool {
        self.names.iter().any(|n| n == name)
    }

    /// The value of `name` with exactly `labels` (0 when absent).
    fn get(&self, name: &str, labels: &[(&str, &str)]) -> f64 {
        let mut l: Vec<(String, String)> = labels
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        l.sort();
        self.values
            .get(&(name.to_string(), l))
            .copied()
            .unwrap_or(0.0)
    }

    /// Sum over every label set of `name` whose labels include `labels`.
    fn sum(&self, name: &str, labels: &[(&str, &str)]) -> f64 {
        self.values
            .iter()
            .filter(|((n, l), _)| {
                n == name
                    && labels
                        .iter()
                        .all(|(k, v)| l.iter().any(|(a, b)| a == k && b == v))
            })
            .map(|(_, v)| *v)
            .sum()
    }
}

async fn scrape(bot: &TestBot) -> Scrape {
    let (status, body) = get(bot, "/metrics").await;
    assert_eq!(status, 200, "{body}");
    Scrape::parse(&body)
}

fn admin() -> Member {
    Member::admin(4_000_000_000_000_000_100, "mod")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readiness_follows_the_gateway_and_metrics_move_with_the_work() {
    std::env::set_var("COURSEBOT_TICK_MS", "50");
    std::env::set_var("COURSEBOT_METRICS_ADDR", "127.0.0.1:0");
    let fake = Arc::new(FakeDiscord::start().await);
    // Discord "fails" once: the bot retries after a second, so it is still connecting when
    // the first probe comes.
    fake.respond_with_times(
        "GET",
        "/gateway/bot",
        502,
        json!({"message": "bad gateway"}),
        1,
    );
    let bot = TestBot::start_on(
        fake.clone(),
        Options {
            content: mini(),
            start: utc(2026, 3, 27, 12, 0),
        },
    )
    .await;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while bot.app.ops_addr().is_none() {
        assert!(tokio::time::Instant::now() < deadline, "no ops listener");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }

    // Alive, not ready: no gateway session yet.
    let (status, body) = get(&bot, "/healthz").await;
    assert_eq!((status, body.as_str()), (200, r#"{"status":"ok"}"#));
    let (status, body) = get(&bot, "/readyz").await;
    assert_eq!(status, 503, "{body}");
    let v: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v["status"], "not ready");
    let problems = v["problems"].to_string();
    assert!(problems.contains("gateway: 0 of 1"), "{problems}");
    assert!(!problems.contains("database"), "{problems}");

    // READY: ready (once the index is loaded too).
    fake.wait_ready().await;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        let (status, body) = get(&bot, "/readyz").await;
        if status == 200 {
            assert_eq!(body, r#"{"status":"ok"}"#);
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "never ready: {body}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let (status, _) = get(&bot, "/nope").await;
    assert_eq!(status, 404);

    let before = scrape(&bot).await;
    assert_eq!(before.get(m::GATEWAY_CONNECTED, &[("shard", "0")]), 1.0);
    assert_eq!(before.sum(m::BUILD_INFO, &[]), 1.0);

    // Slash commands: one that answers, one refused (a member may not schedule quizzes).
    let me = Member::new(4_000_000_000_000_001_001, "m1");
    let sent = fake
        .slash(&me, "explain", json!([opt("topic", 3, "chords".into())]))
        .await;
    fake.callback(&sent).await;
    let schedule = |who: Member| {
        let fake = fake.clone();
        async move {
            let sent =
                schedule_daily(&fake, &who, QUIZ_CHANNEL, "18:00", "Europe/Berlin", vec![]).await;
            fake.callback(&sent).await
        }
    };
    let cb = schedule(me.clone()).await;
    assert!(reply_text(&cb).contains("Manage Server"), "{}", cb.json);
    let cb = schedule(admin()).await;
    assert!(
        reply_text(&cb).contains("Daily quiz scheduled"),
        "{}",
        cb.json
    );

    // A due job: the daily quiz is posted at 18:00 Berlin (17:00 UTC); a member answers.
    bot.clock.set(utc(2026, 3, 27, 17, 0));
    let p = format!("/api/v10/channels/{QUIZ_CHANNEL}/messages");
    let post = fake
        .wait_request(10, |r| r.method == "POST" && r.path == p)
        .await
        .expect("the daily quiz is posted");
    let msg = post.response.clone();
    let prefix = component_ids(&msg)[0]
        .split(':')
        .take(2)
        .collect::<Vec<_>>()
        .join(":");
    let q = question_of(&bot.app, &component_ids(&msg)[0]).await;
    let s = answer(&fake, &me, &msg, &prefix, &q, true).await;
    let cb = fake.callback(&s).await;
    assert!(reply_text(&cb).contains("Answer recorded"), "{}", cb.json);
    bot.wait_ticks(2).await;

    let after = scrape(&bot).await;
    let moved =
        |name: &str, labels: &[(&str, &str)]| after.sum(name, labels) - before.sum(name, labels);
    assert_eq!(
        moved(
            m::INTERACTIONS,
            &[("command", "explain"), ("outcome", "ok")]
        ),
        1.0
    );
    assert_eq!(
        moved(
            m::INTERACTIONS,
            &[
                ("command", "quiz-admin schedule"),
                ("outcome", "user_error")
            ]
        ),
        1.0
    );
    assert_eq!(
        moved(
            m::INTERACTIONS,
            &[("command", "quiz-admin schedule"), ("outcome", "ok")]
        ),
        1.0
    );
    assert!(moved(m::INTERACTION_SECONDS, &[("command", "explain")]) >= 1.0);
    assert!(moved(m::SEARCH_SECONDS, &[]) >= 1.0);
    assert_eq!(
        moved(m::JOBS, &[("kind", "quiz_post"), ("outcome", "done")]),
        1.0
    );
    assert!(moved(m::JOB_LAG, &[("kind", "quiz_post")]) >= 1.0);
    assert_eq!(moved(m::ANSWERS, &[("kind", "daily")]), 1.0);
    assert!(after.has(m::JOBS_DUE));
    assert!(after.get(m::DB_POOL, &[]) >= 1.0);
    assert!(after.has(m::DB_POOL_IDLE));
    // The readiness probe's database ping is timed.
    assert!(after.sum(m::DB_QUERY_SECONDS, &[("op", "health.ping")]) >= 1.0);
    // So is every store query, labelled by its store module (on_db!).
    assert!(after.sum(m::DB_QUERY_SECONDS, &[("op", "coursebot::store::quiz")]) >= 1.0);
    assert!(after.sum(m::DB_QUERY_SECONDS, &[("op", "coursebot::store::settings")]) >= 1.0);
    let hash = format!("{:016x}", bot.app.content().hash);
    assert_eq!(after.get(m::CONTENT_INFO, &[("hash", &hash)]), 1.0);
    assert!(after.has(m::INDEX_BUILD));

    // A reload (nothing changed) is counted too.
    coursebot::ops::reload::reload(&bot.app).await;
    let last = scrape(&bot).await;
    assert_eq!(
        last.sum(m::RELOADS, &[("outcome", "ok")]) - after.sum(m::RELOADS, &[("outcome", "ok")]),
        1.0
    );

    // Every metric the code defines is exported, but the heartbeat latency (the fake
    // gateway's heartbeat interval is 41 s: no heartbeat during the test).
    for name in m::ALL {
        if *name != m::GATEWAY_LATENCY {
            assert!(last.has(name), "{name} missing from /metrics");
        }
    }
    // No user, guild or channel id in any label.
    let (_, text) = get(&bot, "/metrics").await;
    for id in [me.id, common::fake_discord::GUILD_ID, QUIZ_CHANNEL] {
        assert!(!text.contains(&id.to_string()), "{id} in /metrics");
    }
    bot.stop().await.unwrap();
}
