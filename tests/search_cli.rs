//! `coursebot explain` as a shell user types it: flags anywhere, `--` ends them, limits out of
//! 1..=25 refused clearly, a closed pipe ends quietly, off-topic questions get no answer.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

fn mini() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/mini")
}

fn shipped() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("content")
}

fn cmd(content: &Path, index: &Path, args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_coursebot"));
    c.args(args)
        .env("COURSEBOT_CONTENT_DIR", content)
        .env("COURSEBOT_INDEX_DIR", index)
        .env("RUST_LOG", "warn");
    c
}

fn run(content: &Path, index: &Path, args: &[&str]) -> Output {
    cmd(content, index, args).output().unwrap()
}

fn out(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn err(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn flags_are_read_wherever_they_are() {
    let t = tempfile::tempdir().unwrap();
    let idx = t.path().join("index");
    let o = run(
        &mini(),
        &idx,
        &["explain", "chords", "--json", "--limit", "1"],
    );
    assert!(o.status.success(), "{}", err(&o));
    let v: Vec<serde_json::Value> = serde_json::from_str(&out(&o)).expect("JSON, not text");
    assert_eq!(v.len(), 1);
    assert_eq!(v[0]["heading"], "Chords");
    let o = run(&mini(), &idx, &["explain", "--limit=2", "chords", "--json"]);
    let v: Vec<serde_json::Value> = serde_json::from_str(&out(&o)).unwrap();
    assert!(v.len() <= 2 && !v.is_empty());
    // After `--`, `--json` is part of the question: text output.
    let o = run(&mini(), &idx, &["explain", "chords", "--", "--json"]);
    assert!(o.status.success());
    assert!(serde_json::from_str::<serde_json::Value>(&out(&o)).is_err());
}

#[test]
fn limits_outside_1_to_25_are_refused() {
    let t = tempfile::tempdir().unwrap();
    let idx = t.path().join("index");
    for args in [
        &["explain", "chords", "--limit", "0"][..],
        &["explain", "--limit", "0", "chords"][..],
        &["explain", "chords", "--limit=26"][..],
        &["explain", "chords", "--limit", "many"][..],
    ] {
        let o = run(&mini(), &idx, args);
        assert!(!o.status.success(), "{args:?} accepted");
        assert!(err(&o).contains("1 to 25"), "{args:?}: {}", err(&o));
        assert!(out(&o).is_empty(), "{args:?}: {}", out(&o));
    }
}

#[test]
fn off_topic_questions_get_the_no_good_answer_reply() {
    let t = tempfile::tempdir().unwrap();
    let idx = t.path().join("index");
    for q in ["xyzzy plugh", "how do I make coffee"] {
        let o = run(&shipped(), &idx, &["explain", q]);
        assert!(o.status.success(), "{}", err(&o));
        let s = out(&o);
        assert!(s.contains("the course has no good answer"), "{q}: {s}");
        let o = run(&shipped(), &idx, &["explain", "--json", q]);
        assert_eq!(out(&o).trim(), "[]", "{q}");
    }
}

#[test]
fn a_closed_pipe_ends_quietly() {
    let t = tempfile::tempdir().unwrap();
    let idx = t.path().join("index");
    // Build the index first so the write happens after the reader is gone.
    assert!(run(&shipped(), &idx, &["index"]).status.success());
    for args in [
        &["explain", "--limit", "25", "task", "worker", "broker"][..],
        &["eval", "--misses"][..],
    ] {
        let dev = t.path().join("dev.toml");
        std::fs::write(
            &dev,
            "[[query]]\ntext = \"chords\"\nmust_contain_any = [\"zzzz\"]\n".repeat(50),
        )
        .unwrap();
        let mut child = cmd(&shipped(), &idx, args)
            .env("COURSEBOT_DEVSET", &dev)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        drop(child.stdout.take());
        let o = child.wait_with_output().unwrap();
        let e = err(&o);
        assert!(
            !e.contains("panicked") && !e.contains("Broken pipe"),
            "{args:?}: {e}"
        );
        assert!(o.status.success(), "{args:?}: {:?} {e}", o.status);
    }
}
