//! The real binary: `coursebot run` against the fake Discord, configured only through the
//! environment; registers its commands globally, answers, never logs the token, and stops
//! cleanly on SIGTERM. Start-up failures (a token of the wrong shape, a token Discord rejects,
//! no network) end with a clear error and exit status 1 within a bounded time.

mod common;

use common::fake_discord::{opt, FakeDiscord, Member};
use std::io::Read;
use std::process::{Command, Stdio};
use std::time::Duration;

const TOKEN: &str = "MTIzNDU2Nzg5.GhIjKl.SECRET-TOKEN-never-in-logs";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn run_serves_and_stops_on_sigterm_without_logging_the_token() {
    let fake = FakeDiscord::start().await;
    let tmp = tempfile::tempdir().unwrap();
    let mini = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/mini");
    let mut child = Command::new(env!("CARGO_BIN_EXE_coursebot"))
        .arg("run")
        .env("DISCORD_TOKEN", TOKEN)
        .env("DISCORD_API_BASE", &fake.rest_url)
        .env(
            "DATABASE_URL",
            format!("sqlite://{}", tmp.path().join("bot.db").display()),
        )
        .env("COURSEBOT_CONTENT_DIR", &mini)
        .env("COURSEBOT_INDEX_DIR", tmp.path().join("index"))
        .env("RUST_LOG", "debug")
        .env("NO_PROXY", "127.0.0.1,localhost")
        .current_dir(tmp.path())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Drain stderr as it comes (a full pipe would block the bot).
    let mut stderr = child.stderr.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut log = String::new();
        let _ = stderr.read_to_string(&mut log);
        log
    });
    // No guilds configured: commands are registered globally.
    let reg = fake
        .wait_request(60, |r| r.method == "PUT" && r.path.ends_with("/commands"))
        .await
        .expect("commands registered");
    assert_eq!(
        reg.path,
        "/api/v10/applications/1000000000000000001/commands"
    );
    let names: Vec<String> = reg
        .json
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap().to_string())
        .collect();
    for n in [
        "explain",
        "settings",
        "quiz",
        "leaderboard",
        "score",
        "officehours",
        "progress",
        "exam",
        "capstone",
        "certs",
    ] {
        assert!(names.contains(&n.to_string()), "{n} registered: {names:?}");
    }
    // Staff commands are hidden from members.
    let settings = reg
        .json
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "settings")
        .unwrap();
    assert_eq!(settings["default_member_permissions"], "32");

    let me = Member::new(4_000_000_000_000_000_001, "alice");
    let sent = fake
        .slash(
            &me,
            "explain",
            serde_json::json!([opt("topic", 3, "chords".into())]),
        )
        .await;
    let cb = fake.callback(&sent).await;
    assert_eq!(cb.json["data"]["embeds"][0]["title"], "Chords");

    // SIGTERM: a clean stop.
    Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    let mut status = None;
    for _ in 0..100 {
        if let Some(s) = child.try_wait().unwrap() {
            status = Some(s);
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let status = status.expect("stopped within 10 s of SIGTERM");
    let log = reader.join().unwrap();
    assert!(status.success(), "clean exit: {status:?}\n{log}");
    assert!(
        log.contains("shutting down") && log.contains("stopped"),
        "{log}"
    );
    assert!(
        log.contains("latency_ms"),
        "one line per interaction with its latency"
    );
    assert!(
        !log.contains(TOKEN) && !log.contains("SECRET-TOKEN"),
        "the token leaked into the log"
    );
    assert!(log.contains("connecting to Discord"), "{log}");
    assert!(
        !log.contains('\u{1b}'),
        "no colour codes when stderr is not a terminal"
    );
    assert!(
        !fake
            .requests()
            .iter()
            .any(|r| r.path.contains("/oauth2/applications")),
        "no owner lookup at start"
    );
    // Every request carried the token, so it was really used.
    assert!(fake.requests().len() > 2);
}

/// Run `coursebot run` with `token` against `api_base` and return (exit status, stderr, how
/// long it took); kills it after 60 s.
async fn run_briefly(token: &str, api_base: &str) -> (std::process::ExitStatus, String, Duration) {
    let tmp = tempfile::tempdir().unwrap();
    let mini = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/mini");
    let started = std::time::Instant::now();
    let mut child = Command::new(env!("CARGO_BIN_EXE_coursebot"))
        .arg("run")
        .env("DISCORD_TOKEN", token)
        .env("DISCORD_API_BASE", api_base)
        .env(
            "DATABASE_URL",
            format!("sqlite://{}", tmp.path().join("bot.db").display()),
        )
        .env("COURSEBOT_CONTENT_DIR", &mini)
        .env("COURSEBOT_INDEX_DIR", tmp.path().join("index"))
        .env("COURSEBOT_CONNECT_TIMEOUT_SECS", "4")
        .env("RUST_LOG", "info")
        .env("NO_PROXY", "127.0.0.1,localhost")
        .current_dir(tmp.path())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = child.stderr.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut log = String::new();
        let _ = stderr.read_to_string(&mut log);
        log
    });
    let mut status = None;
    for _ in 0..600 {
        if let Some(s) = child.try_wait().unwrap() {
            status = Some(s);
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let status = match status {
        Some(s) => s,
        None => {
            let _ = child.kill();
            panic!("still running after 60 s");
        }
    };
    (status, reader.join().unwrap(), started.elapsed())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_of_the_wrong_shape_is_refused_offline() {
    let fake = FakeDiscord::start().await;
    let secret = "not-a-real-token-SECRET";
    let (status, log, _) = run_briefly(secret, &fake.rest_url).await;
    assert_eq!(status.code(), Some(1), "{log}");
    assert!(
        log.contains("DISCORD_TOKEN does not look like a bot token") && log.contains("Reset Token"),
        "{log}"
    );
    assert!(!log.contains(secret), "the token is never echoed: {log}");
    assert!(fake.requests().is_empty(), "checked offline");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_discord_rejects_ends_with_a_clear_error() {
    let fake = FakeDiscord::start().await;
    fake.respond_with(
        "GET",
        "/gateway/bot",
        401,
        serde_json::json!({"code": 0, "message": "401: Unauthorized"}),
    );
    let (status, log, _) = run_briefly(TOKEN, &fake.rest_url).await;
    assert_eq!(status.code(), Some(1), "{log}");
    assert!(log.contains("token rejected"), "{log}");
    assert!(!log.contains("SECRET-TOKEN"), "{log}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_network_backs_off_then_exits_with_cannot_reach_discord() {
    // A port nobody listens on.
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let (status, log, took) = run_briefly(TOKEN, &format!("http://127.0.0.1:{port}")).await;
    assert_eq!(status.code(), Some(1), "{log}");
    assert!(log.contains("cannot reach Discord"), "{log}");
    assert!(log.contains("connecting to Discord"), "{log}");
    // Backing off: 1 s, then 2 s; within the 4 s bound, not a retry every few ms.
    let retries = log.matches("Discord is not reachable yet").count();
    assert!((1..=3).contains(&retries), "{retries} retries: {log}");
    assert!(took < Duration::from_secs(30), "{took:?}");
    assert!(!log.contains("SECRET-TOKEN"), "{log}");
}
