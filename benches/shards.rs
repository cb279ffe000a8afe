//! 1,000 guilds whose daily quiz falls due in the same minute, with the fake Discord's global
//! rate limit on (50 requests per second): the time from the due minute until every question is
//! posted, against the floor of 1,000 / 50 = 20 s. Each quiz must be posted exactly once (one
//! message per channel, no second post after the first): the bench fails otherwise.
//!
//! Three modes (see BENCHMARKS.md):
//! - `cargo bench --bench shards`: one bot process on SQLite (the default deployment);
//! - `cargo bench --bench shards -- --postgres`: one bot process on PostgreSQL;
//! - `cargo bench --bench shards -- --processes 3`: three bot processes (shards 0-1, 2-3, 4-5
//!   of 6) sharing one PostgreSQL database, as a multi-process deployment runs; the jobs are
//!   claimed with leases, so each quiz is posted by one of them.
//!
//! The bots run in this process, each in its own runtime (`TestBot::launch_sharded_on`), with
//! one injected clock. PostgreSQL is a throwaway cluster (`tests/common/pg.rs`: PostgreSQL 15's
//! binaries must be installed; the bench fails if they are not). `--guilds N` changes the number
//! of guilds (e.g. `cargo test --bench shards -- --processes 3 --guilds 100` for a quick check in
//! the dev profile).

#[path = "../tests/common/mod.rs"]
mod common;

use chrono::{TimeZone, Utc};
use common::fake_discord::{opt, FakeDiscord, Member, GUILD_ID};
use common::harness::{TestBot, TOKEN};
use common::quiz_helpers::*;
use coursebot::clock::ManualClock;
use coursebot::config::ShardPlan;
use coursebot::store::{Db, Exec};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

const FIRST_CHANNEL: u64 = 3_000_000_000_000_010_000;

/// The other guilds: the schedule made through the command in the first one, copied with one
/// channel each, guild ids spread over the shards. One transaction, on either backend.
async fn copy_schedule(db: &Db, guilds: u64) -> sqlx::Result<()> {
    let mut tx = db.begin().await?;
    for i in 1..guilds {
        let ex: Exec<'_> = (&mut tx).into();
        coursebot::on_db!(ex, |c| {
            sqlx::query(
                "INSERT INTO quiz_schedules (guild_id, channel_id, local_time, timezone, pool_label, modules,
                     window_minutes, next_run_at, cycle, seed, created_by, created_at)
                 SELECT $1, $2, local_time, timezone, pool_label, modules, window_minutes, next_run_at, cycle,
                     seed + $3, created_by, created_at FROM quiz_schedules WHERE channel_id = $4",
            )
            .bind((GUILD_ID + (i << 22)) as i64)
            .bind((FIRST_CHANNEL + i) as i64)
            .bind(i as i64)
            .bind(FIRST_CHANNEL as i64)
            .execute(&mut *c)
            .await?;
        });
    }
    tx.commit().await
}

struct Mode {
    guilds: u64,
    processes: u32,
    postgres: bool,
    per_second: u32,
}

async fn run(m: Mode) {
    std::env::set_var("NO_PROXY", "127.0.0.1,localhost");
    let Mode {
        guilds,
        processes,
        postgres,
        per_second,
    } = m;
    // Several processes share one database: only PostgreSQL allows that.
    let database_url = if postgres || processes > 1 {
        match tokio::task::spawn_blocking(common::pg::cluster)
            .await
            .unwrap()
        {
            Ok(_) => Some(common::pg::database().await.expect("a PostgreSQL database")),
            Err(why) => panic!(
                "this mode needs PostgreSQL (PostgreSQL 15's initdb and pg_ctl installed): {why}"
            ),
        }
    } else {
        None
    };
    let backend = if database_url.is_some() {
        "PostgreSQL"
    } else {
        "SQLite"
    };
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
            TestBot::launch_sharded_on(
                fake.clone(),
                dir.clone(),
                clock.clone(),
                content.clone(),
                plan,
                TOKEN,
                database_url.clone(),
            )
            .await,
        );
    }
    let bot = &bots[0];
    let admin = Member::admin(4_000_000_000_000_000_100, "mod");
    let s = schedule_daily(
        &fake,
        &admin,
        FIRST_CHANNEL,
        "18:00",
        "Europe/Berlin",
        vec![opt("path", 3, "foundation".into())],
    )
    .await;
    assert!(reply_text(&fake.callback(&s).await).contains("Daily quiz scheduled"));
    copy_schedule(&bot.app.db, guilds).await.unwrap();
    fake.set_global_rate_limit(Some(per_second));
    let before = fake.requests().len();
    let started = Instant::now();
    clock.set(Utc.with_ymd_and_hms(2026, 3, 27, 17, 0, 0).unwrap());
    let deadline = started + Duration::from_secs(300);
    // Accepted posts since the due minute: (channel path, message id).
    let posted = || {
        fake.requests()
            .iter()
            .skip(before)
            .filter(|r| {
                r.method == "POST" && r.status == 200 && r.path.starts_with("/api/v10/channels/")
            })
            .map(|r| {
                (
                    r.path.clone(),
                    r.response["id"].as_str().unwrap_or("").to_string(),
                )
            })
            .collect::<Vec<_>>()
    };
    // Polled without copying the request log (that would compete with the bots); which
    // channels got them is checked once at the end.
    let is_post = |r: &common::fake_discord::Request| {
        r.method == "POST" && r.status == 200 && r.path.starts_with("/api/v10/channels/")
    };
    let already = fake.count(is_post);
    loop {
        let n = fake.count(is_post) - already;
        if n as u64 >= guilds {
            let took = started.elapsed().as_secs_f64();
            let floor = guilds as f64 / per_second as f64;
            println!(
                "shards: {guilds} daily quizzes due at once, {processes} process(es) on {backend}, global limit {per_second}/s: all posted in {took:.1} s (floor {floor:.1} s, {:+.0} %); {} requests answered 429",
                (took / floor - 1.0) * 100.0,
                fake.rate_limited()
            );
            break;
        }
        assert!(
            Instant::now() < deadline,
            "only {n} of {guilds} posted within 300 s"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // Exactly once: a few more ticks of every bot post nothing more, and each channel has one
    // message (a repeated post would carry the quiz's nonce and get the same message back:
    // counted as a second post all the same).
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let p = posted();
    let mut per: HashMap<&str, Vec<&str>> = HashMap::new();
    for (path, id) in &p {
        per.entry(path).or_default().push(id);
    }
    assert_eq!(per.len() as u64, guilds, "one channel per guild");
    let twice: Vec<_> = per.iter().filter(|(_, ids)| ids.len() != 1).collect();
    assert!(
        twice.is_empty(),
        "every quiz posted exactly once; {} channels got more: {:?}",
        twice.len(),
        twice.iter().take(5).collect::<Vec<_>>()
    );
    let stored: i64 = {
        let ex: Exec<'_> = (&bot.app.db).into();
        let r: sqlx::Result<i64> = async {
            Ok(coursebot::on_db!(ex, |c| {
                sqlx::query_scalar(
                    "SELECT COUNT(*) FROM quizzes WHERE message_id IS NOT NULL AND message_id <> 0",
                )
                .fetch_one(&mut *c)
                .await?
            }))
        }
        .await;
        r.unwrap()
    };
    assert_eq!(stored as u64, guilds, "every quiz knows its one message");
    println!(
        "shards: each of the {guilds} quizzes posted exactly once ({} posts for {} channels)",
        p.len(),
        per.len()
    );
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
    let value = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .map(|v| {
                v.parse::<u64>()
                    .unwrap_or_else(|_| panic!("{name} wants a number, not `{v}`"))
            })
    };
    let processes = value("--processes").unwrap_or(1) as u32;
    assert!(
        (1..=8).contains(&processes),
        "--processes: 1 to 8, not {processes}"
    );
    let guilds = value("--guilds").unwrap_or(1000);
    assert!(guilds >= 1, "--guilds: at least 1");
    rt.block_on(run(Mode {
        guilds,
        processes,
        postgres: args.iter().any(|a| a == "--postgres"),
        per_second: 50,
    }));
}
