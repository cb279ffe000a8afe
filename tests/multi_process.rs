//! Issue 16's multi-process test: three `coursebot run` processes (the real binary) over six
//! shards (0-1, 2-3, 4-5) against one PostgreSQL and the fake Discord. In 60 guilds spread over
//! the six shards, three kinds of work fall due at the same moment: each guild's daily quiz, the
//! 15-minute reminder of an office-hours session, and the announcement of a certificate just
//! earned (with its role). The fake's global rate limit (Discord's 50 requests per second)
//! keeps them in flight for seconds; meanwhile a process is killed with SIGKILL while it holds
//! work of every kind (a quiz to post, a certificate to announce or its role to grant, a
//! reminder claimed and not yet sent; else, after 3 s of looking, the process holding the most
//! claimed jobs). Then:
//! - every quiz is posted once (one message per quiz channel), revealed once, and every answer
//!   the bot acknowledged is stored once;
//! - every reminder is sent once (one reminder message per session in the guild's announcement
//!   channel, one `sent` row in the reminder ledger);
//! - every certificate is announced once (one announcement message per certificate) and its
//!   role granted (a second, idempotent grant only when the killed process made the first one
//!   and died before recording it);
//! - the killed process's jobs are taken over within the lease time plus what the remaining
//!   requests take at 50/s (its claimed reminders are sent again with the same nonce: Discord,
//!   and the fake, return the message already created, if any).
//!
//! Sessions and certificates are created as the bot creates them (the store functions that
//! `/officehours schedule` and exam grading use), in one transaction at the due moment.
//! Personal (DM) reminders are not part of it. Skipped (with a notice) where PostgreSQL is not
//! installed; required when CI=true. About 15 s.

mod common;

use chrono::{DateTime, Duration as Span, Timelike, Utc};
use common::fake_discord::{shard_of, FakeDiscord, Member, Request, APP_ID, GUILD_ID};
use common::quiz_helpers::component_ids;
use coursebot::ids::{ChannelId, GuildId, MessageId, RoleId, UserId};
use coursebot::store::{certification as certs, office_hours as oh, settings};
use std::collections::{HashMap, HashSet};
use std::io::Read;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const GUILDS: u64 = 60;
const TOTAL: u32 = 6;
const FIRST_CHANNEL: u64 = 3_000_000_000_000_020_000;
/// Guild `i`'s announcement channel (reminders and certificate announcements): this + `i`.
const FIRST_ANNOUNCE: u64 = 3_000_000_000_000_030_000;
/// The learner who earns a certificate in guild `i`: this + `i`.
const FIRST_LEARNER: u64 = 4_000_000_000_000_003_000;
/// Guild `i`'s role for the certificate: this + `i`.
const FIRST_ROLE: u64 = 5_000_000_000_000_000_000;
/// A certification of tests/fixtures/mini.
const CERT: &str = "foundation";
/// Short leases so that the takeover is quick (the default is 60 s).
const LEASE_SECS: u64 = 3;
/// Discord's global limit: keeps the 240 posts and grants in flight for about 5 s.
const PER_SECOND: u32 = 50;

fn guild(i: u64) -> u64 {
    GUILD_ID + (i << 22)
}

fn quiz_path(i: u64) -> String {
    format!("/api/v10/channels/{}/messages", FIRST_CHANNEL + i)
}

fn announce_path(i: u64) -> String {
    format!("/api/v10/channels/{}/messages", FIRST_ANNOUNCE + i)
}

fn role_path(i: u64) -> String {
    format!(
        "/api/v10/guilds/{}/members/{}/roles/{}",
        guild(i),
        FIRST_LEARNER + i,
        FIRST_ROLE + i
    )
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

/// Distinct messages created in the channel at `path` by posts whose nonce starts with
/// `prefix` (`ohr-`: an office-hours reminder, `cert-`: a certificate announcement). A post
/// repeated with the same nonce returns the same message, as on Discord.
fn messages_with_nonce(fake: &FakeDiscord, path: &str, prefix: &str) -> HashSet<String> {
    fake.requests()
        .iter()
        .filter(|r| is_post(r) && r.path == path)
        .filter(|r| {
            r.json["nonce"]
                .as_str()
                .is_some_and(|n| n.starts_with(prefix))
        })
        .map(|r| r.response["id"].as_str().unwrap_or("").to_string())
        .collect()
}

fn granted(r: &Request, path: &str) -> bool {
    r.method == "PUT" && r.status == 204 && r.path == path
}

/// How many guilds have their quiz posted, their reminder sent, their certificate announced,
/// their role granted.
fn progress(fake: &FakeDiscord) -> [u64; 4] {
    let reqs = fake.requests();
    let posted: HashSet<&str> = reqs
        .iter()
        .filter(|r| is_post(r))
        .map(|r| r.path.as_str())
        .collect();
    let with = |prefix: &str| {
        let ann: HashSet<&str> = reqs
            .iter()
            .filter(|r| is_post(r))
            .filter(|r| {
                r.json["nonce"]
                    .as_str()
                    .is_some_and(|n| n.starts_with(prefix))
            })
            .map(|r| r.path.as_str())
            .collect();
        (0..GUILDS)
            .filter(|i| ann.contains(announce_path(*i).as_str()))
            .count() as u64
    };
    let grants: HashSet<&str> = reqs
        .iter()
        .filter(|r| r.method == "PUT" && r.status == 204)
        .map(|r| r.path.as_str())
        .collect();
    [
        (0..GUILDS)
            .filter(|i| posted.contains(quiz_path(*i).as_str()))
            .count() as u64,
        with("ohr-"),
        with("cert-"),
        (0..GUILDS)
            .filter(|i| grants.contains(role_path(*i).as_str()))
            .count() as u64,
    ]
}

/// The due moment's work besides the quizzes, in one transaction: in every guild an
/// office-hours session whose 15-minute reminder falls due now (planned at the start of this
/// minute, starting 15 minutes later: only that lead is due, the day-before one was already
/// past when it was planned), with the announcement message and scheduled event that
/// `/officehours schedule` creates; and a certificate just earned, not yet announced.
async fn due_now(db: &coursebot::store::Db, now: DateTime<Utc>) {
    let minute = now.with_second(0).unwrap().with_nanosecond(0).unwrap();
    let start = minute + Span::minutes(15);
    let mut tx = db.begin().await.unwrap();
    for i in 0..GUILDS {
        let g = GuildId(guild(i));
        let id = oh::create(
            &mut tx,
            oh::New {
                guild: g,
                topic: &format!("Celery beat, guild {i}"),
                host: None,
                start_local: start.naive_utc(),
                timezone: "UTC",
                duration_minutes: 60,
                weekly: false,
                until: None,
                channel: None,
                channel_stage: false,
                created_by: UserId(4_000_000_000_000_000_100),
                now: minute,
            },
        )
        .await
        .unwrap();
        oh::set_announcement(
            &mut tx,
            id,
            ChannelId(FIRST_ANNOUNCE + i),
            MessageId(6_000_000_000_000_000_000 + i),
        )
        .await
        .unwrap();
        oh::set_event(
            &mut tx,
            id,
            Some(7_000_000_000_000_000_000 + i),
            Some(start),
        )
        .await
        .unwrap();
        let cert = certs::award(
            &mut tx,
            g,
            UserId(FIRST_LEARNER + i),
            CERT,
            Some("Distinction"),
            Some(92.0),
            now,
        )
        .await
        .unwrap();
        assert!(cert.is_some(), "a new certificate");
    }
    tx.commit().await.unwrap();
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

    // 60 guilds, one daily-quiz channel each, spread over the six shards; each has an
    // announcement channel and a role for the certificate.
    let db = sqlx::PgPool::connect(&url).await.unwrap();
    let store = coursebot::store::connect(&url).await.unwrap();
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
        let g = GuildId(guild(i));
        settings::set_announce_channel(&store, g, Some(ChannelId(FIRST_ANNOUNCE + i)), Utc::now())
            .await
            .unwrap();
        settings::set_cert_role(&store, g, CERT, RoleId(FIRST_ROLE + i))
            .await
            .unwrap();
    }
    let spread: HashSet<u32> = (0..GUILDS).map(|i| shard_of(guild(i), TOTAL)).collect();
    assert_eq!(spread.len(), TOTAL as usize, "guilds on every shard");

    let mut procs = vec![
        Proc::start(&fake, &url, dir.path(), "a", "0-1"),
        Proc::start(&fake, &url, dir.path(), "b", "2-3"),
        Proc::start(&fake, &url, dir.path(), "c", "4-5"),
    ];
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

    // Everything falls due now: the quizzes, the reminders, the announcements. At 50 requests
    // per second the 240 posts and grants stay in flight for seconds.
    fake.set_global_rate_limit(Some(PER_SECOND));
    sqlx::query("UPDATE quiz_schedules SET next_run_at = now()")
        .execute(&db)
        .await
        .unwrap();
    due_now(&store, Utc::now()).await;
    wait_until("the first posts", 30, || fake.count(is_post) >= 1).await;

    // Kill a process while it has work of every kind in flight: a quiz to post, a certificate
    // to announce (or its role to grant), a reminder claimed and not yet sent. Jobs are
    // claimed with an owner `host:pid:random`; the first process seen with all three is
    // killed, or after 3 s the one with the most in flight.
    let pid_of = |owner: &str| owner.split(':').nth(1).unwrap_or("").to_string();
    let looking = Instant::now();
    let (victim, victim_kinds) = loop {
        let held: Vec<(String, String)> = sqlx::query_as(
            "SELECT j.owner, CASE WHEN j.kind = 'role_add' THEN 'cert_announce' ELSE j.kind END
             FROM jobs j WHERE j.state = 'pending' AND j.owner IS NOT NULL AND j.lease_until > now()
             AND (j.kind <> 'oh_series' OR EXISTS (SELECT 1 FROM office_hours_reminders r
                 WHERE r.office_hours_id = CAST(j.key AS BIGINT) AND r.state = 'claimed'))",
        )
        .fetch_all(&db)
        .await
        .unwrap();
        let of = |p: usize| {
            let pid = procs[p].child.id().to_string();
            let mut kinds: Vec<String> = held
                .iter()
                .filter(|(o, _)| pid_of(o) == pid)
                .map(|(_, k)| k.clone())
                .collect();
            let n = kinds.len();
            kinds.sort();
            kinds.dedup();
            (kinds, n)
        };
        if let Some(p) = (0..procs.len()).find(|&p| of(p).0.len() == 3) {
            break (p, of(p).0);
        }
        if looking.elapsed() > Duration::from_secs(3) {
            let p = (0..procs.len()).max_by_key(|&p| of(p).1).unwrap();
            break (p, of(p).0);
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    };
    let killed_at = Instant::now();
    procs[victim].kill9();
    let mut killed = procs.remove(victim);
    let name = killed.name;
    let _ = killed.log.take();
    assert!(
        !victim_kinds.is_empty(),
        "process {name} held jobs when it was killed"
    );
    println!("killed process {name} holding jobs of kinds {victim_kinds:?}");

    // Its jobs are taken over after their lease expired; everything is done once.
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let p = progress(&fake);
        if p == [GUILDS; 4] {
            break;
        }
        if Instant::now() > deadline {
            let jobs: Vec<(String, String, i64, Option<String>)> = sqlx::query_as(
                "SELECT kind, state, COUNT(*), MAX(last_error) FROM jobs GROUP BY kind, state ORDER BY 1, 2",
            )
            .fetch_all(&db)
            .await
            .unwrap();
            let ledger: Vec<(i64, String)> =
                sqlx::query_as("SELECT office_hours_id, state FROM office_hours_reminders")
                    .fetch_all(&db)
                    .await
                    .unwrap();
            let logs: String = std::mem::take(&mut procs)
                .into_iter()
                .map(Proc::stop)
                .flat_map(|l| {
                    l.lines()
                        .filter(|l| {
                            l.contains("WARN") || l.contains("ERROR") || l.starts_with("---")
                        })
                        .map(String::from)
                        .collect::<Vec<_>>()
                })
                .take(60)
                .collect::<Vec<_>>()
                .join("\n");
            panic!("posted within 60 s (quizzes, reminders, announcements, roles): {p:?}; jobs: {jobs:#?}; ledger: {ledger:?}\n{logs}");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let takeover = killed_at.elapsed();
    println!("everything posted {takeover:?} after the kill");
    // Within the lease plus what the remaining requests take at 50/s.
    assert!(
        takeover < Duration::from_secs(LEASE_SECS + 3 + 10),
        "takeover took {takeover:?}"
    );
    // Every outcome recorded: the certificates announced (after their role), the reminders
    // confirmed sent.
    let recorded = || async {
        let announced: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM certificates WHERE announced")
                .fetch_one(&db)
                .await
                .unwrap();
        let sent: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM office_hours_reminders WHERE state = 'sent'")
                .fetch_one(&db)
                .await
                .unwrap();
        (announced, sent)
    };
    let deadline = Instant::now() + Duration::from_secs(20);
    while recorded().await != (GUILDS as i64, GUILDS as i64) {
        assert!(
            Instant::now() < deadline,
            "recorded (announced, sent): {:?}",
            recorded().await
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // A few more ticks of every live process: nothing is sent again.
    tokio::time::sleep(Duration::from_millis(500)).await;

    let per = messages_per_channel(&fake);
    let reqs = fake.requests();
    let victim_token = format!("process-{name}");
    for i in 0..GUILDS {
        let q = per.get(&quiz_path(i)).cloned().unwrap_or_default();
        assert_eq!(q.len(), 1, "guild {i}: one quiz message, not {q:?}");
        let ann = per.get(&announce_path(i)).cloned().unwrap_or_default();
        let reminders = messages_with_nonce(&fake, &announce_path(i), "ohr-");
        let announcements = messages_with_nonce(&fake, &announce_path(i), "cert-");
        assert_eq!(
            reminders.len(),
            1,
            "guild {i}: one reminder, not {reminders:?}"
        );
        assert_eq!(
            announcements.len(),
            1,
            "guild {i}: one certificate announcement, not {announcements:?}"
        );
        assert_eq!(
            ann.len(),
            2,
            "guild {i}: nothing else in the announcement channel: {ann:?}"
        );
        // A role grant is repeated only when the killed process made it and died before
        // recording it (PUT is idempotent on Discord).
        let p = role_path(i);
        let grants: Vec<&Request> = reqs.iter().filter(|r| granted(r, &p)).collect();
        assert!(
            grants.len() == 1 || (grants.len() == 2 && grants[0].auth.contains(&victim_token)),
            "guild {i}: the role granted once, not {} times (by {:?})",
            grants.len(),
            grants.iter().map(|r| r.auth.clone()).collect::<Vec<_>>()
        );
    }
    let ledger: Vec<(i64, i64)> = sqlx::query_as(
        "SELECT office_hours_id, COUNT(*) FROM office_hours_reminders GROUP BY office_hours_id",
    )
    .fetch_all(&db)
    .await
    .unwrap();
    assert_eq!(ledger.len() as u64, GUILDS, "a reminder for every session");
    assert!(
        ledger.iter().all(|(_, n)| *n == 1),
        "one reminder per session: {ledger:?}"
    );
    let posted: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM quizzes WHERE message_id IS NOT NULL AND message_id <> 0",
    )
    .fetch_one(&db)
    .await
    .unwrap();
    assert_eq!(posted, GUILDS as i64, "every quiz knows its message");

    // Members answer in the guilds of the live processes (the killed one's shards have no
    // process now, as on Discord their events would wait for it); each answer the bot
    // acknowledged is stored once, a second click by the same member is refused.
    fake.set_global_rate_limit(None);
    let dead_shards = [2 * victim as u32, 2 * victim as u32 + 1];
    let live = |g: u64| !dead_shards.contains(&shard_of(g, TOTAL));
    let posts: Vec<Request> = fake.requests().into_iter().filter(is_post).collect();
    let mut acked = 0;
    let mut recorded = 0;
    let mut sent = Vec::new();
    for i in (0..GUILDS).filter(|i| live(guild(*i))) {
        let msg = posts
            .iter()
            .find(|r| r.path == quiz_path(i))
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

    let logs = procs
        .into_iter()
        .map(Proc::stop)
        .collect::<Vec<_>>()
        .join("\n");
    assert!(!logs.contains("panicked"), "{logs}");
    assert!(!logs.contains("SECRET"), "no token in the logs");
}
