//! The shipped course in content/: valid and complete (all 32 modules written, no drafts; every
//! outline topic a section of at least 150 words, a lab per hands-on activity, twice the
//! outline's quiz size in questions on the three main paths and 12 per specialist module, all four
//! types, none above half); searchable by every outline topic; Python examples that parse.

use coursebot::content::{load_course, stats::stats, Course, QuestionType};
use coursebot::search::SearchIndex;
use std::path::PathBuf;
use std::sync::OnceLock;

/// Print past libtest's output capture, so the notice shows in every run.
fn notice(text: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr(), "{text}");
}

fn course() -> &'static Course {
    static C: OnceLock<Course> = OnceLock::new();
    C.get_or_init(|| {
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("content");
        load_course(&dir).unwrap_or_else(|e| panic!("{e}"))
    })
}

/// Questions each module needs: twice the outline's quiz size on the three main paths, 12 per
/// specialist module.
fn required_questions(path: &str, quiz_size: u32) -> usize {
    match path {
        "foundation" | "professional" | "expert" => 2 * quiz_size as usize,
        _ => 12,
    }
}

#[test]
fn every_module_is_complete() {
    let c = course();
    let s = stats(c);
    let mut problems = Vec::new();
    for m in &c.modules {
        let st = s.modules.iter().find(|x| x.id == m.id).unwrap();
        if st.sections < m.topics.len() {
            problems.push(format!(
                "{}: {} sections for {} outline topics",
                m.id,
                st.sections,
                m.topics.len()
            ));
        }
        for t in &m.topics {
            let sec = m
                .topic_sections()
                .find(|x| x.heading.eq_ignore_ascii_case(t))
                .unwrap();
            if sec.words() < 150 {
                problems.push(format!(
                    "{}: section `{t}` has {} words (< 150)",
                    m.id,
                    sec.words()
                ));
            }
        }
        for a in &m.activities {
            let lab = format!("Lab: {a}");
            if !m
                .sections
                .iter()
                .any(|x| x.heading.eq_ignore_ascii_case(&lab))
            {
                problems.push(format!(
                    "{}: no `## {lab}` section for the hands-on activity",
                    m.id
                ));
            }
        }
        let need = required_questions(&m.path, m.quiz_size);
        let q = &st.questions;
        if q.total < need {
            problems.push(format!("{}: {} questions, needs {need}", m.id, q.total));
        }
        for (t, n) in [
            (QuestionType::MultipleChoice, q.multiple_choice),
            (QuestionType::TrueFalse, q.true_false),
            (QuestionType::FillIn, q.fill_in),
            (QuestionType::Matching, q.matching),
        ] {
            if n == 0 {
                problems.push(format!("{}: no {} question", m.id, t.as_str()));
            }
            if n * 2 > q.total {
                problems.push(format!(
                    "{}: {} is more than half ({n}/{})",
                    m.id,
                    t.as_str(),
                    q.total
                ));
            }
        }
    }
    assert_eq!(
        c.modules.len() + c.drafts.len(),
        32,
        "the outline's 32 modules are in course.toml"
    );
    // The shipped course is complete: every module of every path and track is written.
    assert!(
        c.drafts.is_empty(),
        "draft modules in the shipped course: {}",
        c.drafts.join(", ")
    );
    assert!(
        problems.is_empty(),
        "{} problem(s):\n{}",
        problems.len(),
        problems.join("\n")
    );
}

#[test]
fn every_outline_topic_is_the_top_result_for_its_own_name() {
    let c = course();
    let idx = SearchIndex::in_memory(c).unwrap();
    let mut misses = Vec::new();
    for m in &c.modules {
        for t in &m.topics {
            let hits = idx.search(t, 1);
            match hits.first() {
                Some(h) if h.heading.eq_ignore_ascii_case(t) => {}
                Some(h) => misses.push(format!("{} `{t}` → {} `{}`", m.id, h.module, h.heading)),
                None => misses.push(format!("{} `{t}` → nothing", m.id)),
            }
        }
    }
    assert!(
        misses.is_empty(),
        "{} topic(s) not found first:\n{}",
        misses.len(),
        misses.join("\n")
    );
}

#[test]
fn chords_typos_and_synonyms_on_the_real_course() {
    let idx = SearchIndex::in_memory(course()).unwrap();
    for q in [
        "chords",
        "chrods",
        "callback after group",
        "what is a chord",
    ] {
        let h = idx.search(q, 1);
        assert!(
            h[0].heading.to_lowercase().contains("chord")
                || h[0].text.to_lowercase().contains("chord"),
            "{q}: {:?}",
            h[0].heading
        );
    }
    let h = idx.search("run a task every monday morning cron", 3);
    assert!(
        h.iter().any(|h| h.module == "m10"),
        "periodic tasks: {:?}",
        h.iter()
            .map(|h| (&h.module, &h.heading))
            .collect::<Vec<_>>()
    );
}

#[test]
fn python_examples_parse() {
    let c = course();
    let mut blocks: Vec<(String, String)> = Vec::new();
    for m in &c.modules {
        for s in &m.sections {
            let mut in_py = false;
            let mut cur = String::new();
            for line in s.body.lines() {
                let t = line.trim_start();
                if !in_py && (t.starts_with("```python") || t.starts_with("```py")) {
                    in_py = true;
                    cur.clear();
                } else if in_py && t.starts_with("```") {
                    in_py = false;
                    blocks.push((format!("{} / {}", m.id, s.heading), cur.clone()));
                } else if in_py {
                    cur.push_str(line);
                    cur.push('\n');
                }
            }
        }
    }
    let python = std::process::Command::new("python3")
        .arg("--version")
        .output();
    if python.is_err() {
        notice(&format!("NOTICE: python3 is not installed: the {} Python examples were NOT checked with ast (skipped)", blocks.len()));
        return;
    }
    // One python3 process checks every block.
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("blocks.json");
    let list: Vec<serde_json::Value> = blocks
        .iter()
        .map(|(w, c)| serde_json::json!([w, c]))
        .collect();
    std::fs::write(&f, serde_json::to_string(&list).unwrap()).unwrap();
    let script = "import ast,json,sys\nfor w,c in json.load(open(sys.argv[1])):\n    try:\n        ast.parse(c)\n    except SyntaxError as e:\n        print(f'{w}: line {e.lineno}: {e.msg}')\n";
    let o = std::process::Command::new("python3")
        .args(["-c", script])
        .arg(&f)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let failures: Vec<String> = String::from_utf8_lossy(&o.stdout)
        .lines()
        .map(String::from)
        .collect();
    assert!(!blocks.is_empty());
    assert!(
        failures.is_empty(),
        "Python blocks that do not parse:\n{}",
        failures.join("\n")
    );
}
