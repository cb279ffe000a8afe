//! The real binary: `coursebot run` against the fake Discord, configured only through the
//! environment; registers its commands globally, answers, never logs the token, and stops
//! cleanly on SIGTERM.

mod common;

use common::fake_discord::{opt, FakeDiscord, Member};
use std::io::Read;
use std::process::{Command, Stdio};
use std::time::Duration;

const TOKEN: &str = "MTIzNDU2Nzg5.SECRET-TOKEN-never-in-logs";

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
    // Every request carried the token, so it was really used.
    assert!(fake.requests().len() > 2);
}
