//! The operations side of the command line, as an operator types it: `export` opens the
//! database read-only and fails clearly without one, `--version` names the commit, `run --help`
//! lists the environment, `healthcheck` reports an unreachable bot, and
//! `COURSEBOT_LOG_FORMAT=json` writes one JSON object per log line.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn mini() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/mini")
}

/// The binary in `dir`, with none of the caller's configuration.
fn cmd(dir: &Path, args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_coursebot"));
    c.args(args).current_dir(dir).env("RUST_LOG", "info");
    for (k, _, _) in coursebot::config::ENV_VARS {
        c.env_remove(k);
    }
    c.env_remove("COURSEBOT_CONFIG").env_remove("NO_COLOR");
    c
}

fn run(c: &mut Command) -> (Output, String, String) {
    let o = c.output().unwrap();
    let (out, err) = (
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    );
    (o, out, err)
}

#[test]
fn export_without_a_database_fails_naming_it_and_creates_nothing() {
    let t = tempfile::tempdir().unwrap();
    let (o, out, err) = run(&mut cmd(t.path(), &["export", "scores"]));
    assert!(!o.status.success());
    assert!(out.is_empty(), "no header for nothing: {out}");
    let expected = t.path().join("coursebot.db");
    assert!(
        err.contains(&format!("no database at {}", expected.display()))
            || err.contains("no database at") && err.contains("coursebot.db"),
        "{err}"
    );
    assert!(!expected.exists(), "export created a database");
    let (o, _, err) = run(cmd(t.path(), &["export", "progress"]).env(
        "DATABASE_URL",
        format!("sqlite://{}", t.path().join("elsewhere.db").display()),
    ));
    assert!(!o.status.success());
    assert!(err.contains("elsewhere.db"), "{err}");
    assert_eq!(std::fs::read_dir(t.path()).unwrap().count(), 0);
}

#[tokio::test]
async fn export_reads_an_existing_database_without_writing_it() {
    let t = tempfile::tempdir().unwrap();
    let db = t.path().join("bot.db");
    let url = format!("sqlite://{}", db.display());
    let pool = coursebot::store::connect(&url).await.unwrap();
    pool.close().await;
    let before = std::fs::read(&db).unwrap();
    let (o, out, err) = run(cmd(t.path(), &["export", "scores"])
        .env("DATABASE_URL", &url)
        .env("COURSEBOT_CONTENT_DIR", mini()));
    assert!(o.status.success(), "{err}");
    assert!(out.starts_with("guild_id,user_id,quiz_id"), "{out}");
    assert_eq!(std::fs::read(&db).unwrap(), before, "the database changed");
    // A file that is not a coursebot database is named too.
    let other = t.path().join("other.db");
    std::fs::write(&other, b"").unwrap();
    let (o, _, err) = run(cmd(t.path(), &["export", "scores"])
        .env("DATABASE_URL", format!("sqlite://{}", other.display())));
    assert!(!o.status.success());
    assert!(err.contains("other.db"), "{err}");
}

#[test]
fn version_names_the_commit_when_built_from_git() {
    let t = tempfile::tempdir().unwrap();
    let (o, out, _) = run(&mut cmd(t.path(), &["--version"]));
    assert!(o.status.success());
    assert!(
        out.starts_with(&format!("coursebot {}", env!("CARGO_PKG_VERSION"))),
        "{out}"
    );
    let head = Command::new("git")
        .args(["rev-parse", "--short=12", "HEAD"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output();
    match head {
        Ok(h) if h.status.success() && std::env::var_os("COURSEBOT_GIT_COMMIT").is_none() => {
            let sha = String::from_utf8_lossy(&h.stdout).trim().to_string();
            // Built at this commit or an earlier one of this checkout: a commit is named.
            assert!(out.contains("(commit "), "{out}");
            assert_eq!(coursebot::cli::GIT_COMMIT.len(), sha.len(), "{out}");
        }
        _ => eprintln!("skipped: not built from a git checkout; version is {out}"),
    }
}

#[test]
fn run_help_lists_every_environment_variable() {
    let t = tempfile::tempdir().unwrap();
    let (o, out, _) = run(&mut cmd(t.path(), &["run", "--help"]));
    assert!(o.status.success());
    for (var, key, _) in coursebot::config::ENV_VARS {
        assert!(out.contains(var), "{var} missing:\n{out}");
        assert!(out.contains(key), "{key} missing:\n{out}");
    }
}

#[test]
fn healthcheck_fails_clearly_when_nothing_answers() {
    let t = tempfile::tempdir().unwrap();
    // A port nobody listens on: bind one, then free it.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let (o, _, err) = run(&mut cmd(
        t.path(),
        &["healthcheck", "--addr", &format!("127.0.0.1:{port}")],
    ));
    assert!(!o.status.success());
    assert!(err.contains(&format!("127.0.0.1:{port}")), "{err}");
    let (o, _, err) = run(&mut cmd(t.path(), &["healthcheck"]));
    assert!(!o.status.success());
    assert!(err.contains("COURSEBOT_METRICS_ADDR"), "{err}");
}

#[test]
fn json_logs_are_one_object_per_line_and_text_logs_have_no_colour_in_a_file() {
    let t = tempfile::tempdir().unwrap();
    let index = t.path().join("index");
    let (o, _, err) = run(cmd(t.path(), &["explain", "chords"])
        .env("COURSEBOT_CONTENT_DIR", mini())
        .env("COURSEBOT_INDEX_DIR", &index)
        .env("COURSEBOT_LOG_FORMAT", "json"));
    assert!(o.status.success(), "{err}");
    let lines: Vec<&str> = err.lines().filter(|l| !l.trim().is_empty()).collect();
    assert!(!lines.is_empty(), "the index build is logged");
    for l in &lines {
        let v: serde_json::Value =
            serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}"));
        assert!(v["level"].is_string() && v["timestamp"].is_string(), "{l}");
        assert!(v["message"].is_string(), "{l}");
    }
    assert!(
        lines.iter().any(|l| l.contains("search index built")),
        "{err}"
    );
    // Text (the default) into a pipe: no escape codes.
    std::fs::remove_dir_all(&index).unwrap();
    let (o, _, err) = run(cmd(t.path(), &["explain", "chords"])
        .env("COURSEBOT_CONTENT_DIR", mini())
        .env("COURSEBOT_INDEX_DIR", &index));
    assert!(o.status.success());
    assert!(err.contains("search index built"), "{err}");
    assert!(!err.contains('\u{1b}'), "colour codes in a file: {err:?}");
    let (o, _, err) = run(cmd(t.path(), &["stats"]).env("COURSEBOT_LOG_FORMAT", "xml"));
    assert!(!o.status.success());
    assert!(err.contains("COURSEBOT_LOG_FORMAT"), "{err}");
}
