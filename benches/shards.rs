//! 1,000 guilds whose daily quiz falls due in the same minute, with the fake Discord's global
//! rate limit on (50 requests per second): the time from the due minute until every question is
//! posted, against the floor of 1,000 / 50 = 20 s.
//!
//! Run: `cargo bench --bench shards` (one process, SQLite). With `-- --processes 3` several
//! bot processes share one database: that needs PostgreSQL (see BENCHMARKS.md).

#[path = "../tests/common/mod.rs"]
mod common;

use chrono::{TimeZone, Utc};
use common::fake_discord::{opt, sub, FakeDiscord, Member, GUILD_ID};
use common::harness::{TestBot, TOKEN};
use common::quiz_helpers::*;
use coursebot::clock::ManualClock;
use coursebot::config::ShardPlan;
use serde_json::json;
use std::collections::HashSet;
use std::sync::Arc;
use std::time::{Duration, Instant};

const FIRST_CHANNEL: u64 = 3_000_000_000_000_010_000;

async fn run(guilds: u64, processes: u32, per_second: u32) {
    std::env::set_var("NO_PROXY", "127.0.0.1,localhost");
    let fake = Arc::new(FakeDiscord::start().await);
    let clock = ManualClock::new(Utc.with_ymd_and_hms(2026, 3, 27, 12, 0, 0).unwrap());
    let content = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/mini");
    let dir = Arc::new(tempfile::tempdir().unwrap());
    let total = processes * 2;
    let mut bots = Vec::new();
    for p in 0..processes {
        let plan = if processes == 1 {
            ShardPlan::Auto
        } else {
            ShardPlan::Range {
                first: 2 * p,
                last: 2 * p + 1,
                total,
            }
        };
        bots.push(
            TestBot::launch_sharded(
                fake.clone(),
                dir.clone(),
                clock.clone(),
                content.clone(),
                plan,
                TOKEN,
            )
            .await,
        );
    }
    let bot = &bots[0];
    let admin = Member::admin(4_000_000_000_000_000_100, "mod");
    let s = fake
        .slash_full(
            &admin,
            "quiz-admin",
            json!([sub(
                "schedule",
                vec![
                    opt("channel", 7, FIRST_CHANNEL.to_string().into()),
                    opt("time", 3, "18:00".into()),
                    opt("timezone", 3, "Europe/Berlin".into()),
                    opt("path", 3, "foundation".into()),
                ]
            )]),
            resolved_channel(FIRST_CHANNEL),
        )
        .await;
    assert!(reply_text(&fake.callback(&s).await).contains("Daily quiz scheduled"));
    // The other guilds: the same schedule, one channel each, guild ids spread over the shards.
    let mut tx = bot
        .app
        .db
        .as_sqlite()
        .expect("this bench runs on SQLite")
        .begin()
        .await
        .unwrap();
    for i in 1..guilds {
        sqlx::query(
            "INSERT INTO quiz_schedules (guild_id, channel_id, local_time, timezone, pool_label, modules,
                 window_minutes, next_run_at, cycle, seed, created_by, created_at)
             SELECT ?, ?, local_time, timezone, pool_label, modules, window_minutes, next_run_at, cycle,
                 seed + ?, created_by, created_at FROM quiz_schedules WHERE channel_id = ?",
        )
        .bind((GUILD_ID + (i << 22)) as i64)
        .bind((FIRST_CHANNEL + i) as i64)
        .bind(i as i64)
        .bind(FIRST_CHANNEL as i64)
        .execute(&mut *tx)
        .await
        .unwrap();
    }
    tx.commit().await.unwrap();
    fake.set_global_rate_limit(Some(per_second));
    let before = fake.requests().len();
    let started = Instant::now();
    clock.set(Utc.with_ymd_and_hms(2026, 3, 27, 17, 0, 0).unwrap());
    let deadline = started + Duration::from_secs(300);
    let posted = || {
        fake.requests()
            .iter()
            .skip(before)
            .filter(|r| {
                r.method == "POST" && r.status == 200 && r.path.starts_with("/api/v10/channels/")
            })
            .map(|r| r.path.clone())
            .collect::<Vec<_>>()
    };
    loop {
        let p = posted();
        let distinct: HashSet<&String> = p.iter().collect();
        if distinct.len() as u64 >= guilds {
            let took = started.elapsed().as_secs_f64();
            let floor = guilds as f64 / per_second as f64;
            println!(
                "shards: {guilds} daily quizzes due at once, {processes} process(es), global limit {per_second}/s: all posted in {took:.1} s (floor {floor:.1} s, {:+.0} %); {} posts for {} channels; {} requests answered 429",
                (took / floor - 1.0) * 100.0,
                p.len(),
                distinct.len(),
                fake.rate_limited()
            );
            break;
        }
        assert!(
            Instant::now() < deadline,
            "only {} of {guilds} posted within 300 s",
            distinct.len()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    for b in bots {
        let _ = b.stop().await;
    }
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let args: Vec<String> = std::env::args().collect();
    let processes = args
        .iter()
        .position(|a| a == "--processes")
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(1u32);
    rt.block_on(run(1000, processes, 50));
}
