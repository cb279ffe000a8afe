//! Sharding through the fake Discord (issue 16, item 3 and 6): a process runs an inclusive
//! range of shards or the count `GET /gateway/bot` recommends; each guild's events reach the
//! process that runs its shard and direct messages only shard 0's; the command set is
//! registered once, not once per start; a 429 from the global rate limit is waited out and
//! retried without posting anything twice.

mod common;

use chrono::{TimeZone, Utc};
use common::fake_discord::{opt, shard_of, FakeDiscord, Member, Request, APP_ID, GUILD_ID};
use common::harness::{TestBot, TOKEN};
use common::quiz_helpers::{reply_text, schedule_daily};
use coursebot::clock::ManualClock;
use coursebot::config::ShardPlan;
use serde_json::json;
use std::sync::Arc;
use std::time::Duration;

fn mini() -> std::path::PathBuf {
    std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/mini")
}

fn range(first: u32, last: u32, total: u32) -> ShardPlan {
    ShardPlan::Range { first, last, total }
}

fn new_dir() -> Arc<tempfile::TempDir> {
    Arc::new(tempfile::tempdir().unwrap())
}

fn clock() -> ManualClock {
    ManualClock::new(Utc.with_ymd_and_hms(2026, 3, 27, 12, 0, 0).unwrap())
}

/// A guild id (a snowflake near [`GUILD_ID`]) that lives on `shard` of `total`.
fn guild_on(shard: u32, total: u32) -> u64 {
    let mut g = GUILD_ID;
    while shard_of(g, total) != shard {
        g += 1 << 22;
    }
    g
}

fn puts_of_commands(fake: &FakeDiscord) -> usize {
    fake.count(|r| r.method == "PUT" && r.path.ends_with("/commands"))
}

/// The callback of `sent` within `secs`, or None.
async fn callback_within(
    fake: &FakeDiscord,
    sent: &common::fake_discord::Sent,
    secs: u64,
) -> Option<Request> {
    let p = sent.callback_path();
    fake.wait_request(secs, |r| r.path == p).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_shard_range_runs_every_shard_of_it_the_end_included() {
    let fake = Arc::new(FakeDiscord::start().await);
    let bot = TestBot::launch_sharded(
        fake.clone(),
        new_dir(),
        clock(),
        mini(),
        range(0, 3, 8),
        TOKEN,
    )
    .await;
    let want = [[0, 8], [1, 8], [2, 8], [3, 8]];
    // serenity starts the shards of one process 5 s apart.
    assert!(
        fake.wait_identified(&want, 30).await,
        "shards 0 to 3 of 8 identified: {:?}",
        fake.identified_shards()
    );
    tokio::time::sleep(Duration::from_millis(300)).await;
    let mut got = fake.identified_shards();
    got.sort();
    assert_eq!(got, want, "exactly shards 0-3, each once");
    // `GET /gateway/bot` was asked once (the start-up check), not used to pick the shards.
    bot.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_range_the_process_runs_what_discord_recommends() {
    let fake = Arc::new(FakeDiscord::start().await);
    fake.set_gateway_bot(2, 1000, 998, 0, 1);
    let bot = TestBot::launch_sharded(
        fake.clone(),
        new_dir(),
        clock(),
        mini(),
        ShardPlan::Auto,
        TOKEN,
    )
    .await;
    assert!(
        fake.wait_identified(&[[0, 2], [1, 2]], 20).await,
        "two shards from /gateway/bot: {:?}",
        fake.identified_shards()
    );
    assert!(fake.count(|r| r.path == "/api/v10/gateway/bot") >= 1);
    bot.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_guild_is_served_by_the_process_of_its_shard_and_dms_by_shard_zero() {
    let fake = Arc::new(FakeDiscord::start().await);
    let (clk, content) = (clock(), mini());
    // Two processes of one bot: 0-1 and 2-3 of 4. Each gets its own token so that the fake
    // can tell who answered (Discord does not care which process answers an interaction).
    let a = TestBot::launch_sharded(
        fake.clone(),
        new_dir(),
        clk.clone(),
        content.clone(),
        range(0, 1, 4),
        "token-of-A",
    )
    .await;
    let b = TestBot::launch_sharded(
        fake.clone(),
        new_dir(),
        clk.clone(),
        content.clone(),
        range(2, 3, 4),
        "token-of-B",
    )
    .await;
    assert!(
        fake.wait_identified(&[[0, 4], [1, 4], [2, 4], [3, 4]], 30)
            .await,
        "{:?}",
        fake.identified_shards()
    );
    let who = |r: &Request| -> &'static str {
        if r.auth.contains("token-of-A") {
            "A"
        } else if r.auth.contains("token-of-B") {
            "B"
        } else {
            "?"
        }
    };
    let me = Member::new(4_000_000_000_000_000_001, "alice");
    let topic = json!([opt("topic", 3, "chords".into())]);
    for (shard, process) in [(3, "B"), (2, "B"), (1, "A"), (0, "A")] {
        let g = guild_on(shard, 4);
        let sent = fake.slash_in(Some(g), &me, "explain", topic.clone()).await;
        let cb = callback_within(&fake, &sent, 15)
            .await
            .unwrap_or_else(|| panic!("/explain in guild {g} (shard {shard}) answered"));
        assert_eq!(
            who(&cb),
            process,
            "guild on shard {shard} answered by {process}"
        );
    }
    // A direct message: Discord sends it to shard 0, run by A.
    let dm = fake.slash_in(None, &me, "explain", topic.clone()).await;
    let cb = callback_within(&fake, &dm, 15)
        .await
        .expect("the DM is answered");
    assert_eq!(who(&cb), "A");
    assert!(reply_text(&cb).to_lowercase().contains("chord") || !cb.json.is_null());
    // Should one reach a shard other than 0 anyway, that process leaves it alone.
    let stray = fake
        .slash_on_shard(2, None, &me, "explain", topic.clone())
        .await;
    assert!(
        callback_within(&fake, &stray, 2).await.is_none(),
        "a DM on shard 2 is ignored"
    );
    let stray = fake.slash_on_shard(1, None, &me, "explain", topic).await;
    assert!(
        callback_within(&fake, &stray, 2).await.is_none(),
        "a DM on shard 1 is ignored (A handles DMs on shard 0 only)"
    );
    a.stop().await.unwrap();
    b.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn commands_are_registered_once_per_set_not_once_per_start() {
    let fake = Arc::new(FakeDiscord::start().await);
    let (dir, clk) = (new_dir(), clock());
    let start = || {
        TestBot::launch_sharded(
            fake.clone(),
            dir.clone(),
            clk.clone(),
            mini(),
            ShardPlan::Auto,
            TOKEN,
        )
    };
    let bot = start().await;
    assert_eq!(puts_of_commands(&fake), 1, "first start registers");
    bot.stop().await.unwrap();
    let bot = start().await;
    assert_eq!(
        puts_of_commands(&fake),
        1,
        "same set: no second bulk overwrite"
    );
    // A different set (here: its stored hash no longer matches) is registered again.
    coursebot::store::meta::set(
        &bot.app.db,
        coursebot::store::meta::COMMANDS_HASH,
        "0123456789abcdef",
        Utc::now(),
    )
    .await
    .unwrap();
    bot.stop().await.unwrap();
    let bot = start().await;
    assert_eq!(puts_of_commands(&fake), 2, "changed set: registered again");
    let stored = coursebot::store::meta::get(&bot.app.db, coursebot::store::meta::COMMANDS_HASH)
        .await
        .unwrap()
        .unwrap();
    let current = coursebot::discord::registration::set_hash(
        &coursebot::discord::registration::command_set(),
        &[GUILD_ID],
    )
    .unwrap();
    assert_eq!(stored, current);
    bot.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn register_commands_is_a_step_of_its_own() {
    let fake = Arc::new(FakeDiscord::start().await);
    let dir = new_dir();
    let cfg = dir.path().join("coursebot.toml");
    std::fs::write(&cfg, format!("[discord]\nguilds = [{GUILD_ID}]\n")).unwrap();
    let db = format!("sqlite://{}", dir.path().join("bot.db").display());
    let register = |extra: &[&str]| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_coursebot"))
            .args(["--config", cfg.to_str().unwrap(), "register-commands"])
            .args(extra)
            .env(
                "DISCORD_TOKEN",
                "MTIzNDU2Nzg5.GhIjKl.SECRET-TOKEN-never-in-logs",
            )
            .env("DISCORD_API_BASE", &fake.rest_url)
            .env("DATABASE_URL", &db)
            .env("NO_PROXY", "127.0.0.1,localhost")
            .current_dir(dir.path())
            .output()
            .unwrap();
        let (stdout, stderr) = (
            String::from_utf8_lossy(&out.stdout).to_string(),
            String::from_utf8_lossy(&out.stderr).to_string(),
        );
        assert!(out.status.success(), "{stdout}\n{stderr}");
        assert!(
            !stderr.contains("SECRET-TOKEN"),
            "the token leaked: {stderr}"
        );
        stdout
    };
    let path = format!("/api/v10/applications/{APP_ID}/guilds/{GUILD_ID}/commands");
    let puts = || fake.count(|r| r.method == "PUT" && r.path == path);
    let stdout = tokio::task::block_in_place(|| register(&[]));
    assert!(stdout.contains("registered in 1 guild"), "{stdout}");
    assert_eq!(puts(), 1);
    let stdout = tokio::task::block_in_place(|| register(&[]));
    assert!(stdout.contains("already registered"), "{stdout}");
    assert_eq!(puts(), 1, "unchanged: not registered again");
    // A bot started afterwards on that database does not register again either.
    let bot = TestBot::launch_sharded(
        fake.clone(),
        dir.clone(),
        clock(),
        mini(),
        ShardPlan::Auto,
        TOKEN,
    )
    .await;
    assert_eq!(puts_of_commands(&fake), 1);
    bot.stop().await.unwrap();
    let stdout = tokio::task::block_in_place(|| register(&["--force"]));
    assert!(stdout.contains("registered in 1 guild"), "{stdout}");
    assert_eq!(puts(), 2, "--force registers anyway");
    // Bad input is refused with the flag named.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_coursebot"))
        .args(["run", "--shards", "3-1", "--shard-total", "4"])
        .env(
            "DISCORD_TOKEN",
            "MTIzNDU2Nzg5.GhIjKl.SECRET-TOKEN-never-in-logs",
        )
        .env("DATABASE_URL", &db)
        .current_dir(dir.path())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        stderr.contains("--shards `3-1`") && stderr.contains("starts after it ends"),
        "{stderr}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rate_limited_posts_are_retried_and_posted_once() {
    std::env::set_var("COURSEBOT_TICK_MS", "50");
    let fake = Arc::new(FakeDiscord::start().await);
    let clk = clock();
    let bot = TestBot::launch_sharded(
        fake.clone(),
        new_dir(),
        clk.clone(),
        mini(),
        ShardPlan::Auto,
        TOKEN,
    )
    .await;
    // Ten channels (of ten guilds) whose daily quiz falls due in the same minute.
    let first_channel = 3_000_000_000_000_000_801u64;
    let admin = Member::admin(4_000_000_000_000_000_100, "mod");
    let s = schedule_daily(
        &fake,
        &admin,
        first_channel,
        "18:00",
        "Europe/Berlin",
        vec![opt("path", 3, "foundation".into())],
    )
    .await;
    assert!(reply_text(&fake.callback(&s).await).contains("Daily quiz scheduled"));
    let channels: Vec<u64> = (0..10).map(|i| first_channel + i).collect();
    for (i, ch) in channels.iter().enumerate().skip(1) {
        sqlx::query(
            "INSERT INTO quiz_schedules (guild_id, channel_id, local_time, timezone, pool_label, modules,
                 window_minutes, next_run_at, cycle, seed, created_by, created_at)
             SELECT ?, ?, local_time, timezone, pool_label, modules, window_minutes, next_run_at, cycle,
                 seed + ?, created_by, created_at FROM quiz_schedules WHERE channel_id = ?",
        )
        .bind((GUILD_ID + i as u64) as i64)
        .bind(*ch as i64)
        .bind(i as i64)
        .bind(first_channel as i64)
        .execute(bot.app.db.as_sqlite().unwrap())
        .await
        .unwrap();
    }
    // Three requests per second: most of the ten posts are first refused with a 429.
    fake.set_global_rate_limit(Some(3));
    clk.set(Utc.with_ymd_and_hms(2026, 3, 27, 17, 0, 0).unwrap());
    let posted = |ch: u64| {
        let p = format!("/api/v10/channels/{ch}/messages");
        fake.count(|r| r.method == "POST" && r.path == p && r.status == 200)
    };
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while channels.iter().any(|c| posted(*c) == 0) {
        assert!(
            std::time::Instant::now() < deadline,
            "not every quiz was posted within 30 s"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(fake.rate_limited() > 0, "the limit was hit");
    let refused = fake.count(|r| r.status == 429);
    assert!(refused > 0);
    // Refused posts were retried after the window, within the same attempt: no job failed.
    bot.wait_ticks(2).await;
    for c in &channels {
        assert_eq!(posted(*c), 1, "channel {c}: posted exactly once");
    }
    let failed: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM jobs WHERE attempts > 0")
        .fetch_one(bot.app.db.as_sqlite().unwrap())
        .await
        .unwrap();
    assert_eq!(failed, 0, "429s are not counted as failed attempts");
    let unposted: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM quizzes WHERE message_id IS NULL OR message_id = 0",
    )
    .fetch_one(bot.app.db.as_sqlite().unwrap())
    .await
    .unwrap();
    assert_eq!(unposted, 0, "every quiz knows its message");
    // What the fake answered on a 429 is what Discord sends.
    let r = fake
        .requests()
        .into_iter()
        .find(|r| r.status == 429)
        .unwrap();
    assert_eq!(r.response["global"], true);
    assert!(r.response["retry_after"].as_f64().unwrap() <= 1.0);
    bot.stop().await.unwrap();
}
