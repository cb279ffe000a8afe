//! One process per SQLite file: a second `coursebot run` on the same database refuses to start
//! with a clear error while the first serves; `coursebot export` still works meanwhile.

mod common;

use common::fake_discord::FakeDiscord;
use std::process::{Command, Stdio};
use std::time::Duration;

const TOKEN: &str = "MTIzNDU2Nzg5.GhIjKl.SECRET-TOKEN-never-in-logs";

fn coursebot(tmp: &std::path::Path, api_base: &str) -> Command {
    let mini = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/mini");
    let mut c = Command::new(env!("CARGO_BIN_EXE_coursebot"));
    c.env("DISCORD_TOKEN", TOKEN)
        .env("DISCORD_API_BASE", api_base)
        .env(
            "DATABASE_URL",
            format!("sqlite://{}", tmp.join("bot.db").display()),
        )
        .env("COURSEBOT_CONTENT_DIR", &mini)
        .env("COURSEBOT_INDEX_DIR", tmp.join("index"))
        .env("RUST_LOG", "warn")
        .env("NO_PROXY", "127.0.0.1,localhost")
        .current_dir(tmp)
        .stdin(Stdio::null());
    c
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_run_on_the_same_sqlite_file_refuses_to_start() {
    let fake = FakeDiscord::start().await;
    let tmp = tempfile::tempdir().unwrap();
    let mut first = coursebot(tmp.path(), &fake.rest_url)
        .arg("run")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    fake.wait_request(60, |r| r.method == "PUT" && r.path.ends_with("/commands"))
        .await
        .expect("the first process serves");

    let out = tokio::task::spawn_blocking({
        let (tmp, base) = (tmp.path().to_path_buf(), fake.rest_url.clone());
        move || coursebot(&tmp, &base).arg("run").output().unwrap()
    })
    .await
    .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("another coursebot process is already running")
            && err.contains("bot.db")
            && err.contains("PostgreSQL"),
        "{err}"
    );
    assert!(!err.contains("SECRET-TOKEN"));

    // Reading the database still works while the bot runs.
    let out = coursebot(tmp.path(), &fake.rest_url)
        .args(["export", "scores"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("guild_id,user_id"));

    // Once the first stops, the file is free again.
    Command::new("kill")
        .args(["-TERM", &first.id().to_string()])
        .status()
        .unwrap();
    let mut stopped = false;
    for _ in 0..100 {
        if first.try_wait().unwrap().is_some() {
            stopped = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(stopped, "the first process stops on SIGTERM");
    let lock = lock_path(tmp.path());
    let f = std::fs::OpenOptions::new().write(true).open(lock).unwrap();
    f.try_lock()
        .expect("the lock is released when the process ends");
}

fn lock_path(dir: &std::path::Path) -> std::path::PathBuf {
    dir.join("bot.db.lock")
}
