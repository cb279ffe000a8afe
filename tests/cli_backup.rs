//! `coursebot backup PATH`: a checked copy of the SQLite database, made while it is in use.

use chrono::{TimeZone, Utc};
use std::path::Path;
use std::process::{Command, Output};

fn backup(db_url: &str, dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_coursebot"))
        .arg("backup")
        .args(args)
        .env("DATABASE_URL", db_url)
        .env_remove("DISCORD_TOKEN")
        .env("RUST_LOG", "warn")
        .current_dir(dir)
        .output()
        .unwrap()
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

#[tokio::test]
async fn backup_copies_what_is_still_in_the_wal_and_checks_the_copy() {
    let t = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", t.path().join("live.db").display());
    // The pool stays open: the settings row lives in live.db-wal, not yet in live.db, so a
    // plain file copy would miss it.
    let pool = coursebot::store::connect(&url).await.unwrap();
    let now = Utc.with_ymd_and_hms(2026, 11, 27, 6, 0, 0).unwrap();
    coursebot::store::settings::set_announce_channel(&pool, 4242, Some(777), now)
        .await
        .unwrap();
    assert!(t.path().join("live.db-wal").exists(), "WAL mode expected");

    let o = backup(&url, t.path(), &["copy.db"]);
    assert!(o.status.success(), "{}", text(&o));
    let out = text(&o);
    assert!(out.contains("backed up to copy.db"), "{out}");
    assert!(out.contains("integrity ok"), "{out}");
    assert!(
        !t.path().join("copy.db-wal").exists(),
        "the copy is self-contained"
    );

    let copy =
        coursebot::store::connect(&format!("sqlite://{}", t.path().join("copy.db").display()))
            .await
            .unwrap();
    let s = coursebot::store::settings::get(&copy, 4242).await.unwrap();
    assert_eq!(s.announce_channel, Some(777));

    // A second backup to the same name is refused and leaves the first one alone.
    let before = std::fs::read(t.path().join("copy.db")).unwrap();
    let o = backup(&url, t.path(), &["copy.db"]);
    assert!(!o.status.success());
    assert!(text(&o).contains("already exists"), "{}", text(&o));
    assert_eq!(std::fs::read(t.path().join("copy.db")).unwrap(), before);
    pool.close().await;
}

#[test]
fn backup_says_what_is_wrong() {
    let t = tempfile::tempdir().unwrap();
    let missing = format!("sqlite://{}", t.path().join("nope.db").display());
    let o = backup(&missing, t.path(), &["b.db"]);
    assert!(!o.status.success());
    assert!(text(&o).contains("no database at"), "{}", text(&o));
    assert!(
        !t.path().join("nope.db").exists(),
        "backup must not create the database"
    );

    let o = backup("postgres://u:secret@127.0.0.1/db", t.path(), &["b.db"]);
    assert!(!o.status.success());
    assert!(text(&o).contains("pg_dump"), "{}", text(&o));
    assert!(
        !text(&o).contains("secret"),
        "password leaked: {}",
        text(&o)
    );

    let url = format!("sqlite://{}", t.path().join("x.db").display());
    std::fs::write(t.path().join("x.db"), b"").unwrap();
    let o = backup(&url, t.path(), &["no/such/folder/b.db"]);
    assert!(!o.status.success());
    assert!(text(&o).contains("does not exist"), "{}", text(&o));
}
