//! The `coursebot` command line on content: check, index, explain, stats.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn mini() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/mini")
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let p = e.path();
        if p.is_dir() {
            copy_dir(&p, &to.join(e.file_name()));
        } else {
            std::fs::copy(&p, to.join(e.file_name())).unwrap();
        }
    }
}

/// A writable copy of the mini course.
fn scratch() -> (tempfile::TempDir, PathBuf) {
    let t = tempfile::tempdir().unwrap();
    let c = t.path().join("content");
    copy_dir(&mini(), &c);
    (t, c)
}

fn coursebot(content: &Path, index: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_coursebot"))
        .args(args)
        .env("COURSEBOT_CONTENT_DIR", content)
        .env("COURSEBOT_INDEX_DIR", index)
        .env_remove("DISCORD_TOKEN")
        .env("RUST_LOG", "warn")
        .current_dir(content.parent().unwrap())
        .output()
        .unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).to_string()
}

fn edit(path: &Path, from: &str, to: &str) {
    let s = std::fs::read_to_string(path).unwrap();
    assert!(s.contains(from), "{from:?} not in {}", path.display());
    std::fs::write(path, s.replacen(from, to, 1)).unwrap();
}

#[test]
fn check_passes_on_good_content() {
    let (t, c) = scratch();
    let o = coursebot(&c, &t.path().join("index"), &["check", "--format-only"]);
    assert!(o.status.success(), "{}", stdout(&o));
    assert!(stdout(&o).starts_with("ok:"));
}

/// The shipped course passes every check, the author checks included (what CI enforces).
#[test]
fn check_passes_on_the_shipped_course_with_the_author_checks() {
    let shipped = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("content");
    let t = tempfile::tempdir().unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_coursebot"))
        .args(["check", "--content"])
        .arg(&shipped)
        .env("COURSEBOT_INDEX_DIR", t.path().join("index"))
        .env_remove("DISCORD_TOKEN")
        .current_dir(t.path())
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stdout(&o));
    assert!(stdout(&o).starts_with("ok:"), "{}", stdout(&o));
}

/// The mini fixture is deliberately terse: the author checks say what and where.
#[test]
fn author_checks_report_path_and_line() {
    let (t, c) = scratch();
    // A second question with the same prompt, and a right choice that is the longest.
    edit(
        &c.join("questions/m02.toml"),
        "module = \"m02\"\n",
        "module = \"m02\"\n\n[[questions]]\nid = \"m02-099\"\ntype = \"multiple_choice\"\ntopic = \"Chords\"\nprompt = \"Which setting names the broker?\"\nchoices = [\"a\", \"the longest choice of all\"]\nanswer = 1\nexplanation = \"One two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen.\"\n",
    );
    let o = coursebot(&c, &t.path().join("index"), &["check"]);
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(1), "{out}");
    let m01 = c.join("questions/m01.toml");
    let m02 = c.join("questions/m02.toml");
    for want in [
        format!(
            "{}:4: question `m01-001`: the explanation has 8 words; give the reason (at least 15)",
            m01.display()
        ),
        format!(
            "{}:4: question `m02-099`: same prompt as `m01-001` ({}:4)",
            m02.display(),
            m01.display()
        ),
        format!("{}:1: the right choice is the longest in", m02.display()),
        format!("{}:", c.join("modules/m01.md").display()),
    ] {
        assert!(
            out.lines().any(|l| l.starts_with(&want)),
            "expected {want}\n got:\n{out}"
        );
    }
    assert!(out.contains("words (at least 150)"), "{out}");
    // Format-only skips them.
    let o = coursebot(&c, &t.path().join("index"), &["check", "--format-only"]);
    assert!(o.status.success(), "{}", stdout(&o));
}

/// Each broken file gives `path:line: message` for the right line, and exit 1.
#[test]
fn check_reports_path_and_line() {
    let cases: Vec<(&str, &str, &str, &str, usize, &str)> = vec![
        // (file, from, to, expected file suffix, line, message fragment)
        ("questions/m01.toml", "answer = 1", "answer = 7", "questions/m01.toml", 9, "answer index 7 out of range"),
        ("questions/m01.toml", "id = \"m01-002\"", "id = \"m01-001\"", "questions/m01.toml", 13, "question `m01-001`: duplicate question id (first at"),
        ("questions/m01.toml", "explanation = \"broker_url is where the client sends task messages.\"", "explanation = \"  \"", "questions/m01.toml", 10, "question `m01-001`: empty `explanation`"),
        ("questions/m02.toml", "module = \"m02\"", "module = \"m99\"", "questions/m02.toml", 1, "unknown module `m99`"),
        ("questions/m01.toml", "topic = \"Message brokers overview\"", "topic = \"Brokers\"", "questions/m01.toml", 6, "topic `Brokers` is not a `## ` heading"),
        ("questions/m02.toml", "type = \"true_false\"", "type = \"essay\"", "questions/m02.toml", 25, "unknown question type `essay`"),
        ("modules/m02.md", "title = \"Workflows\"\n", "", "modules/m02.md", 1, "front matter is missing the field `title`"),
        ("modules/m02.md", "## Groups", "## Group execution", "modules/m02.md", 8, "no `## Groups` section: course.toml lists it"),
        ("modules/m02.md", "## Capstone project: Tiny capstone", "## Capstone", "modules/m02.md", 1, "needs the section `## Capstone project: Tiny capstone`"),
        ("modules/m01.md", "objectives = [\"Understand brokers\"]", "objectives = [\"Understand brokers\"", "modules/m01.md", 6, ""),
        ("course.toml", "topics = [\"Chords\", \"Groups\"] },", "topics = [\"Chords\", \"Groups\"] },\n  { id = \"m03\", number = 3, title = \"Extra\", quiz_size = 3 },", "course.toml", 14, "module `m03` has no lesson file"),
    ];
    for (file, from, to, want_file, want_line, want_msg) in cases {
        let (t, c) = scratch();
        edit(&c.join(file), from, to);
        let o = coursebot(&c, &t.path().join("index"), &["check", "--format-only"]);
        let out = stdout(&o);
        assert_eq!(o.status.code(), Some(1), "{file}: {out}");
        let want = format!("{}:{}: ", c.join(want_file).display(), want_line);
        let line = out
            .lines()
            .find(|l| l.starts_with(&want))
            .unwrap_or_else(|| panic!("expected a line starting with {want}\n got:\n{out}"));
        assert!(line.contains(want_msg), "{line}");
    }
}

#[test]
fn a_lesson_file_without_a_module_is_reported() {
    let (t, c) = scratch();
    std::fs::copy(c.join("modules/m01.md"), c.join("modules/m42.md")).unwrap();
    let o = coursebot(&c, &t.path().join("index"), &["check"]);
    assert!(
        stdout(&o).contains("unknown module `m42`"),
        "{}",
        stdout(&o)
    );
    assert_eq!(o.status.code(), Some(1));
}

fn explain_json(c: &Path, index: &Path, q: &str) -> Vec<Value> {
    let o = coursebot(c, index, &["explain", "--json", q]);
    assert!(
        o.status.success(),
        "{} {}",
        stdout(&o),
        String::from_utf8_lossy(&o.stderr)
    );
    serde_json::from_str::<Vec<Value>>(&stdout(&o)).unwrap()
}

#[test]
fn explain_finds_typos_synonyms_and_survives_syntax() {
    let (t, c) = scratch();
    let idx = t.path().join("index");
    let hits = explain_json(&c, &idx, "chrods");
    assert_eq!(hits[0]["heading"], "Chords", "{hits:?}");
    for k in [
        "module",
        "module_title",
        "path",
        "heading",
        "excerpt",
        "text",
        "score",
    ] {
        assert!(hits[0].get(k).is_some(), "missing {k}");
    }
    assert_eq!(hits[0]["module"], "m02");
    assert!(
        hits[0]["excerpt"].as_str().unwrap().contains("**"),
        "matched words marked"
    );
    // A synonym phrase: "callback after group" means chord.
    let hits = explain_json(&c, &idx, "callback after group");
    assert_eq!(hits[0]["heading"], "Chords", "{hits:?}");
    // A one-word synonym: periodic → beat.
    let hits = explain_json(&c, &idx, "periodic");
    assert_eq!(hits[0]["heading"], "Periodic tasks with beat");
    // Syntax characters never error.
    for q in [
        "\"chords",
        "chords:",
        "(chords",
        "-chords",
        "chords*",
        "a:b(c)\"-*",
        "AND OR NOT",
        "~^[]{}\\/",
    ] {
        let o = coursebot(&c, &idx, &["explain", q]);
        assert!(
            o.status.success(),
            "{q}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
    }
    // No match: a helpful message, exit 0.
    let o = coursebot(&c, &idx, &["explain", "qwxzv"]);
    assert!(o.status.success());
    assert!(
        stdout(&o).contains("Nothing in the course matches"),
        "{}",
        stdout(&o)
    );
    // Text output names heading and module.
    let o = coursebot(&c, &idx, &["explain", "chords"]);
    let s = stdout(&o);
    assert!(s.contains("Chords") && s.contains("m02 Workflows"), "{s}");
}

#[test]
fn a_content_edit_rebuilds_the_index_before_the_next_search() {
    let (t, c) = scratch();
    let idx = t.path().join("index");
    assert!(explain_json(&c, &idx, "idempotency").is_empty());
    let current = std::fs::read_to_string(idx.join("CURRENT")).unwrap();
    edit(
        &c.join("modules/m02.md"),
        "## Groups",
        "## Idempotency\n\nAn idempotent task can run twice safely.\n\n## Groups",
    );
    let hits = explain_json(&c, &idx, "idempotency");
    assert_eq!(hits[0]["heading"], "Idempotency");
    let after = std::fs::read_to_string(idx.join("CURRENT")).unwrap();
    assert_ne!(current, after, "a new build");
    assert!(
        !idx.join(current.trim()).exists(),
        "the stale build is removed"
    );
    // `coursebot index` on unchanged content does not rebuild.
    let o = coursebot(&c, &idx, &["index"]);
    assert!(stdout(&o).starts_with("up-to-date"), "{}", stdout(&o));
}

#[test]
fn stats_json_has_the_promised_shape() {
    let (t, c) = scratch();
    let o = coursebot(&c, &t.path().join("index"), &["stats", "--json"]);
    assert!(o.status.success());
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    let m = &v["modules"][0];
    assert_eq!(m["id"], "m01");
    assert_eq!(m["path"], "foundation");
    assert_eq!(m["title"], "Basics");
    assert_eq!(m["sections"], 2);
    assert!(m["words"].as_u64().unwrap() > 20);
    let q = &m["questions"];
    assert_eq!(
        (
            q["multiple_choice"].as_u64(),
            q["true_false"].as_u64(),
            q["fill_in"].as_u64(),
            q["matching"].as_u64(),
            q["total"].as_u64()
        ),
        (Some(1), Some(1), Some(1), Some(0), Some(3))
    );
    assert_eq!(v["paths"][0]["id"], "foundation");
    assert_eq!(v["paths"][0]["questions"]["total"], 6);
}

#[test]
fn run_without_a_token_explains_how_to_get_one() {
    let (t, c) = scratch();
    let o = Command::new(env!("CARGO_BIN_EXE_coursebot"))
        .env_remove("DISCORD_TOKEN")
        .env("COURSEBOT_CONTENT_DIR", &c)
        .current_dir(t.path())
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("DISCORD_TOKEN") && err.contains("coursebot explain"),
        "{err}"
    );
}

#[test]
fn a_draft_module_may_lack_files_but_is_validated_when_written() {
    let (t, c) = scratch();
    edit(
        &c.join("course.toml"),
        "topics = [\"Chords\", \"Groups\"] },",
        "topics = [\"Chords\", \"Groups\"] },\n  { id = \"m03\", number = 3, title = \"Later\", quiz_size = 3, draft = true },",
    );
    let o = coursebot(&c, &t.path().join("index"), &["check", "--format-only"]);
    assert!(o.status.success(), "{}", stdout(&o));
    assert!(
        stdout(&o).contains("1 draft module(s) without a lesson yet: m03"),
        "{}",
        stdout(&o)
    );
    // Once written, a draft is checked like any module.
    std::fs::write(
        c.join("modules/m03.md"),
        "+++\nid = \"m03\"\n+++\n\n## A\n\ntext\n",
    )
    .unwrap();
    let o = coursebot(&c, &t.path().join("index"), &["check"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stdout(&o).contains("front matter is missing the field `title`"),
        "{}",
        stdout(&o)
    );
}
