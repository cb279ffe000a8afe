//! Issue 16's multi-process test: three `coursebot run` processes (the real binary) over six
//! shards (0-1, 2-3, 4-5) against one PostgreSQL and the fake Discord. 60 guilds' daily quizzes
//! fall due at the same moment while the fake's global rate limit keeps posts in flight; one
//! process is killed with SIGKILL meanwhile. Every quiz is posted once (one message per
//! channel), the dead process's jobs are taken over once their lease expires, every answer the
//! bot acknowledged is stored once, and every quiz is revealed once.
//!
//! Skipped (with a notice) where PostgreSQL is not installed; required when CI=true. About
//! 11 s. Office-hours reminders and certificate announcements are not part of it yet.

mod common;

use common::fake_discord::{shard_of, FakeDiscord, Member, Request, APP_ID, GUILD_ID};
use common::quiz_helpers::component_ids;
use std::collections::{HashMap, HashSet};
use std::io::Read;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const GUILDS: u64 = 60;
const TOTAL: u32 = 6;
const FIRST_CHANNEL: u64 = 3_000_000_000_000_020_000;
/// Short leases so that the takeover is quick (the default is 60 s).
const LEASE_SECS: u64 = 3;

fn guild(i: u64) -> u64 {
    GUILD_ID + (i << 22)
}

struct Proc {
    name: &'static str,
    child: Child,
    log: Option<std::thread::JoinHandle<String>>,
}

impl Proc {
    fn start(
        fake: &FakeDiscord,
        url: &str,
        dir: &std::path::Path,
        name: &'static str,
        shards: &str,
    ) -> Proc {
        let mini = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/mini");
        let mut child = Command::new(env!("CARGO_BIN_EXE_coursebot"))
            .args([
                "run",
                "--shards",
                shards,
                "--shard-total",
                &TOTAL.to_string(),
            ])
            // One bot, one token; the third part differs so the fake can tell who sent what.
            .env(
                "DISCORD_TOKEN",
                format!("MTIzNDU2Nzg5.GhIjKl.process-{name}"),
            )
            .env("DISCORD_API_BASE", &fake.rest_url)
            .env("DATABASE_URL", url)
            .env("COURSEBOT_CONTENT_DIR", &mini)
            .env("COURSEBOT_INDEX_DIR", dir.join(format!("index-{name}")))
            .env("COURSEBOT_TICK_MS", "100")
            .env("COURSEBOT_JOB_LEASE_SECS", LEASE_SECS.to_string())
            .env("RUST_LOG", "info")
            .env("NO_PROXY", "127.0.0.1,localhost")
            .current_dir(dir)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut stderr = child.stderr.take().unwrap();
        let log = std::thread::spawn(move || {
            let mut s = String::new();
            let _ = stderr.read_to_string(&mut s);
            s
        });
        Proc {
            name,
            child,
            log: Some(log),
        }
    }

    fn kill9(&mut self) {
        Command::new("kill")
            .args(["-KILL", &self.child.id().to_string()])
            .status()
            .unwrap();
        let _ = self.child.wait();
    }

    fn stop(mut self) -> String {
        Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap();
        let _ = self.child.wait();
        let log = self.log.take().unwrap().join().unwrap_or_default();
        format!("--- {} ---\n{log}", self.name)
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn is_post(r: &Request) -> bool {
    r.method == "POST"
        && r.status == 200
        && r.path.starts_with("/api/v10/channels/")
        && r.path.ends_with("/messages")
}

/// Messages created per channel path (distinct message ids among accepted posts).
fn messages_per_channel(fake: &FakeDiscord) -> HashMap<String, HashSet<String>> {
    let mut m: HashMap<String, HashSet<String>> = HashMap::new();
    for r in fake.requests().iter().filter(|r| is_post(r)) {
        m.entry(r.path.clone())
            .or_default()
            .insert(r.response["id"].as_str().unwrap_or("").to_string());
    }
    m
}

async fn wait_until(what: &str, secs: u64, mut f: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(secs);
    while !f() {
        assert!(Instant::now() < deadline, "{what} within {secs} s");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_processes_six_shards_one_killed_everything_once() {
    let Some(url) = common::pg::database().await else {
        return;
    };
    let fake = FakeDiscord::start().await;
    fake.set_gateway_bot(TOTAL, 1000, 1000, 0, 1);
    let dir = tempfile::tempdir().unwrap();

    // Registration is its own step: once, before the shards start (it also migrates).
    let out = Command::new(env!("CARGO_BIN_EXE_coursebot"))
        .arg("register-commands")
        .env("DISCORD_TOKEN", "MTIzNDU2Nzg5.GhIjKl.process-register")
        .env("DISCORD_API_BASE", &fake.rest_url)
        .env("DATABASE_URL", &url)
        .env("NO_PROXY", "127.0.0.1,localhost")
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    // 60 guilds, one daily-quiz channel each, spread over the six shards.
    let db = sqlx::PgPool::connect(&url).await.unwrap();
    for i in 0..GUILDS {
        sqlx::query(
            "INSERT INTO quiz_schedules (guild_id, channel_id, local_time, timezone, pool_label, modules,
                 window_minutes, next_run_at, cycle, seed, created_by, created_at)
             VALUES ($1, $2, '18:00', 'UTC', 'foundation', 'm01,m02', NULL, now() + interval '1 day', 0, $3, 1, now())",
        )
        .bind(guild(i) as i64)
        .bind((FIRST_CHANNEL + i) as i64)
        .bind(i as i64)
        .execute(&db)
        .await
        .unwrap();
    }
    let spread: HashSet<u32> = (0..GUILDS).map(|i| shard_of(guild(i), TOTAL)).collect();
    assert_eq!(spread.len(), TOTAL as usize, "guilds on every shard");

    let a = Proc::start(&fake, &url, dir.path(), "a", "0-1");
    let mut b = Proc::start(&fake, &url, dir.path(), "b", "2-3");
    let c = Proc::start(&fake, &url, dir.path(), "c", "4-5");
    let all: Vec<[u32; 2]> = (0..TOTAL).map(|s| [s, TOTAL]).collect();
    assert!(
        fake.wait_identified(&all, 40).await,
        "six shards: {:?}",
        fake.identified_shards()
    );
    assert_eq!(
        fake.count(
            |r| r.method == "PUT" && r.path == format!("/api/v10/applications/{APP_ID}/commands")
        ),
        1,
        "three processes did not register again"
    );

    // Everything falls due now; 20 requests per second keep posts in flight for seconds.
    fake.set_global_rate_limit(Some(20));
    sqlx::query("UPDATE quiz_schedules SET next_run_at = now()")
        .execute(&db)
        .await
        .unwrap();
    wait_until("the first posts", 30, || fake.count(is_post) >= 10).await;
    let killed_at = Instant::now();
    b.kill9();
    // Jobs b had claimed are taken over after their lease expired.
    wait_until("every quiz posted", 60, || {
        messages_per_channel(&fake).len() as u64 == GUILDS
    })
    .await;
    let takeover = killed_at.elapsed();
    let per = messages_per_channel(&fake);
    for (ch, ids) in &per {
        assert_eq!(ids.len(), 1, "{ch}: one message, not {ids:?}");
    }
    let posted: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM quizzes WHERE message_id IS NOT NULL AND message_id <> 0",
    )
    .fetch_one(&db)
    .await
    .unwrap();
    assert_eq!(posted, GUILDS as i64, "every quiz knows its message");
    // Within the lease plus what 60 posts at 20/s take.
    assert!(
        takeover < Duration::from_secs(LEASE_SECS + 3 + 10),
        "takeover took {takeover:?}"
    );

    // Members answer in the guilds of the live processes (b's shards have no process now,
    // as on Discord their events would wait for it); each answer the bot acknowledged is
    // stored once, a second click by the same member is refused.
    fake.set_global_rate_limit(None);
    let live = |g: u64| !matches!(shard_of(g, TOTAL), 2 | 3);
    let posts: Vec<Request> = fake.requests().into_iter().filter(is_post).collect();
    let mut acked = 0;
    let mut recorded = 0;
    let mut sent = Vec::new();
    for i in (0..GUILDS).filter(|i| live(guild(*i))) {
        let ch = FIRST_CHANNEL + i;
        let msg = posts
            .iter()
            .find(|r| r.path == format!("/api/v10/channels/{ch}/messages"))
            .unwrap()
            .response
            .clone();
        let button = component_ids(&msg)
            .into_iter()
            .next()
            .expect("answer buttons");
        for m in 0..2u64 {
            let who = Member::new(4_000_000_000_000_002_000 + m, "member");
            sent.push(fake.click_in(guild(i), &who, &msg, &button).await);
            sent.push(fake.click_in(guild(i), &who, &msg, &button).await);
        }
    }
    for s in &sent {
        let p = s.callback_path();
        if let Some(r) = fake.wait_request(15, |r| r.path == p).await {
            acked += 1;
            // The first button is not an answer for every question type (a matching question
            // wants every item matched, a fill-in opens a form): those are refused or
            // answered by a form, and nothing is stored for them.
            if r.json.to_string().contains("Answer recorded") {
                recorded += 1;
            }
        }
    }
    assert_eq!(acked, sent.len(), "every click acknowledged");
    let stored: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM quiz_answers")
        .fetch_one(&db)
        .await
        .unwrap();
    assert!(recorded > 0, "some clicks were answers");
    assert!(
        recorded <= sent.len() / 2,
        "a second click by the same member is refused"
    );
    assert_eq!(
        stored as usize, recorded,
        "every acknowledged answer is stored, once"
    );

    // Close every quiz now: each is revealed once (one edit of its message).
    sqlx::query("UPDATE quizzes SET closes_at = now()")
        .execute(&db)
        .await
        .unwrap();
    let edits = |fake: &FakeDiscord| {
        fake.count(|r| {
            r.method == "PATCH" && r.status == 200 && r.path.starts_with("/api/v10/channels/")
        })
    };
    wait_until("every quiz revealed", 60, || edits(&fake) as u64 >= GUILDS).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let revealed: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM quizzes WHERE revealed")
        .fetch_one(&db)
        .await
        .unwrap();
    assert_eq!(revealed, GUILDS as i64);
    assert_eq!(edits(&fake) as u64, GUILDS, "one reveal edit per quiz");

    let logs = [a.stop(), c.stop()].join("\n");
    assert!(!logs.contains("panicked"), "{logs}");
    assert!(!logs.contains("SECRET"), "no token in the logs");
}
