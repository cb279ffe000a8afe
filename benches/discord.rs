//! Round trips through the fake Discord with the real serenity client:
//! - `/explain`: interaction dispatched by the fake → interaction callback received;
//! - answer bursts on one daily question (`burst`: 2,000 over 1 s, 2,000 at once, 10,000 over
//!   1 s; `sustained`: 2,000 a second for 30 s with RSS): answers recorded per second and
//!   acknowledgement latency (dispatch → callback) p50/p99.
//!
//! Run: `cargo bench --bench discord` (or `-- explain`, `-- burst`, `-- sustained`; add
//! `--postgres` for the bursts on a throwaway PostgreSQL cluster instead of SQLite).

#[path = "../tests/common/mod.rs"]
mod common;

use chrono::{TimeZone, Utc};
use common::fake_discord::{opt, Member};
use common::harness::{Options, TestBot};
use common::quiz_helpers::*;
use serde_json::json;
use std::collections::HashMap;
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

/// CPU seconds (user + system) used so far by this process's threads, split into the bot's
/// (its runtime's `bot-worker` threads and the `sqlx-sqlite-worker` threads of its database)
/// and the rest (the fake Discord and the load generator). Threads that ended are not counted.
fn cpu_split() -> (f64, f64) {
    let tick = 100.0; // USER_HZ on Linux
    let (mut bot, mut rest) = (0.0, 0.0);
    let Ok(tasks) = std::fs::read_dir("/proc/self/task") else {
        return (0.0, 0.0);
    };
    for t in tasks.flatten() {
        let comm = std::fs::read_to_string(t.path().join("comm")).unwrap_or_default();
        let stat = std::fs::read_to_string(t.path().join("stat")).unwrap_or_default();
        // Fields after the parenthesised name: state is field 3, utime 14, stime 15.
        let after = stat.rsplit(')').next().unwrap_or("");
        let f: Vec<&str> = after.split_whitespace().collect();
        let secs = (f.get(11).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0)
            + f.get(12).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0))
            / tick;
        if comm.starts_with("bot-worker") || comm.starts_with("sqlx-sqlite") {
            bot += secs;
        } else {
            rest += secs;
        }
    }
    (bot, rest)
}

/// Resident memory of this process (bot and fake Discord), in MiB.
fn rss_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
        })
        .map(|kb| kb / 1024.0)
        .unwrap_or(0.0)
}

fn load() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_default()
}

/// `members` distinct members answer one daily question, spread evenly over `over` (zero: all
/// at once). Latency is from dispatching the interaction to its callback arriving at the fake.
/// The fake's request log is drained as the run goes (so a long run measures the bot's memory,
/// not the log's); RSS is printed every 10 s when `over` is longer than that.
async fn answer_burst(members: u64, over: Duration, postgres: bool) {
    std::env::set_var("COURSEBOT_TICK_MS", "50");
    let content = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/mini");
    let o = Options {
        content,
        start: Utc.with_ymd_and_hms(2026, 6, 1, 8, 0, 0).unwrap(),
    };
    let bot = if postgres {
        let url = common::pg::database()
            .await
            .expect("--postgres needs PostgreSQL (initdb and pg_ctl)");
        TestBot::start_on_database(url, o).await
    } else {
        TestBot::start_with(o).await
    };
    let channel: u64 = 3_000_000_000_000_000_999;
    let admin = Member::admin(4_000_000_000_000_000_100, "mod");
    let s = schedule_daily(
        &bot.fake,
        &admin,
        channel,
        "10:00",
        "UTC",
        vec![opt("modules", 3, "m01".into())],
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
    let is_callback = |r: &common::fake_discord::Request| r.path.ends_with("/callback");
    bot.fake.drain_paths(|_| false);
    let load_before = load();
    let rss_start = rss_mib();
    let cpu_start = cpu_split();
    let mut rss_marks = vec![(0u64, rss_start)];
    // `members` answers spread evenly over `over` (zero: all at once).
    let spacing = over / members as u32;
    let mut arrived: HashMap<String, Instant> = HashMap::with_capacity(members as usize);
    let t0 = Instant::now();
    let mut sent_at = Vec::with_capacity(members as usize);
    for n in 0..members {
        let due = t0 + spacing * n as u32;
        let now = Instant::now();
        if due > now {
            tokio::time::sleep(due - now).await;
        }
        let m = Member::new(5_000_000_000_000_000_000 + n, &format!("u{n}"));
        let t = Instant::now();
        let s = answer(&bot.fake, &m, &msg, &format!("qz:{quiz}"), &q, n % 2 == 0).await;
        sent_at.push((s.callback_path(), t));
        if n % 1000 == 999 {
            arrived.extend(bot.fake.drain_paths(is_callback));
            let secs = t0.elapsed().as_secs();
            if over >= Duration::from_secs(10) && secs / 10 > rss_marks.last().unwrap().0 / 10 {
                rss_marks.push((secs, rss_mib()));
            }
        }
    }
    let dispatch = t0.elapsed();
    let deadline = Instant::now() + Duration::from_secs(120);
    while arrived.len() < members as usize {
        assert!(Instant::now() < deadline, "burst timed out");
        tokio::time::sleep(Duration::from_millis(20)).await;
        arrived.extend(bot.fake.drain_paths(is_callback));
    }
    let total = arrived.values().max().unwrap().duration_since(t0);
    let mut lat: Vec<Duration> = sent_at
        .iter()
        .map(|(p, t)| arrived[p].saturating_duration_since(*t))
        .collect();
    lat.sort();
    let rss_end = rss_mib();
    let cpu_end = cpu_split();
    let stored = coursebot::store::quiz::answers_of(&bot.app.db, quiz)
        .await
        .unwrap()
        .len();
    println!(
        "answer burst of {members} over {:?} on {}: stored={stored} dispatched in {:.0} ms, last acknowledged after {:.0} ms => {:.0} answers/s; ack latency p50={:.2} ms p99={:.2} ms max={:.2} ms; load before {load_before}, after {}",
        over,
        if postgres { "PostgreSQL" } else { "SQLite" },
        dispatch.as_secs_f64() * 1e3,
        total.as_secs_f64() * 1e3,
        members as f64 / total.as_secs_f64(),
        pct(&lat, 0.5),
        pct(&lat, 0.99),
        lat.last().unwrap().as_secs_f64() * 1e3,
        load()
    );
    rss_marks.push((t0.elapsed().as_secs(), rss_end));
    let marks: Vec<String> = rss_marks
        .iter()
        .map(|(s, m)| format!("{s} s: {m:.1} MiB"))
        .collect();
    println!("  RSS (bot + fake Discord): {}", marks.join(", "));
    let (bot_cpu, rest_cpu) = (cpu_end.0 - cpu_start.0, cpu_end.1 - cpu_start.1);
    println!(
        "  CPU: bot {:.2} s ({:.0} µs per answer), fake Discord and load {:.2} s ({:.0} µs per answer)",
        bot_cpu,
        bot_cpu * 1e6 / members as f64,
        rest_cpu,
        rest_cpu * 1e6 / members as f64
    );
    let w = bot.app.answers.stats();
    println!(
        "  answer writer: {} transactions, {:.1} answers per transaction on average, largest {}",
        w.batches,
        w.answers as f64 / w.batches.max(1) as f64,
        w.largest
    );
    assert_eq!(stored, members as usize, "every answer stored exactly once");
    bot.stop().await.unwrap();
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    // `cargo bench --bench discord -- explain` or `-- burst` runs one part; `--postgres` runs
    // the answer bursts on a throwaway PostgreSQL instead of SQLite.
    let postgres = std::env::args().any(|a| a == "--postgres");
    let only: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    let want = |name: &str| only.is_empty() || only.iter().any(|o| o == name);
    rt.block_on(async {
        if want("explain") {
            explain_round_trips(500).await;
        }
        if want("burst") {
            answer_burst(2000, Duration::from_secs(1), postgres).await;
            answer_burst(2000, Duration::ZERO, postgres).await;
            answer_burst(10_000, Duration::from_secs(1), postgres).await;
        }
        // 2,000 answers a second for 30 s.
        if want("sustained") {
            answer_burst(60_000, Duration::from_secs(30), postgres).await;
        }
    });
}
