//! Search on the shipped course as a member meets it: no question-bank text in any result, no
//! confident answer to an off-topic question, Celery identifiers matched however they are
//! spelled, limits clamped, excerpts that read as text.

use coursebot::content::{load_course, AnswerKey, Course};
use coursebot::search::{SearchIndex, MAX_LIMIT};
use std::path::PathBuf;
use std::sync::OnceLock;

fn course() -> &'static Course {
    static C: OnceLock<Course> = OnceLock::new();
    C.get_or_init(|| {
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("content");
        load_course(&dir).unwrap_or_else(|e| panic!("{e}"))
    })
}

fn index() -> &'static SearchIndex {
    static I: OnceLock<SearchIndex> = OnceLock::new();
    I.get_or_init(|| SearchIndex::in_memory(course()).expect("index builds"))
}

/// Lowercase words separated by one space, for containment checks that ignore layout.
fn words(s: &str) -> String {
    s.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

#[test]
fn no_result_shows_question_bank_text_for_any_question() {
    let c = course();
    let idx = index();
    // Everything a lesson says, for telling lesson text from question-bank text.
    let lessons: Vec<String> = c
        .modules
        .iter()
        .flat_map(|m| {
            m.sections
                .iter()
                .map(|s| format!("{}\n{}", s.heading, s.body))
                .chain(
                    m.glossary
                        .iter()
                        .map(|g| format!("{}\n{}", g.term, g.definition)),
                )
        })
        .collect();
    let lesson_words: Vec<String> = lessons.iter().map(|l| words(l)).collect();
    let in_lessons = |w: &str| lesson_words.iter().any(|l| l.contains(w));
    let mut leaks = Vec::new();
    for q in &c.questions {
        // What only the bank says: its explanation, a long prompt, a long right choice, unless
        // a lesson says the same words (a lesson teaches what its questions ask).
        let mut secrets = vec![words(&q.explanation)];
        let prompt = words(&q.prompt);
        if prompt.len() >= 60 {
            secrets.push(prompt);
        }
        if let AnswerKey::MultipleChoice { choices, answer } = &q.key {
            let right = words(&choices[*answer]);
            if right.len() >= 60 {
                secrets.push(right);
            }
        }
        secrets.retain(|s| !in_lessons(s));
        for query in [&q.prompt, &q.explanation] {
            for h in idx.search(query, 3) {
                // Every passage is a lesson's own text.
                let body = h.text.trim();
                if !lessons.iter().any(|l| l.contains(body)) {
                    leaks.push(format!(
                        "{}: {} `{}` is not lesson text",
                        q.id, h.module, h.heading
                    ));
                }
                let shown = words(&format!("{}\n{}\n{}", h.heading, h.text, h.excerpt));
                for s in &secrets {
                    if shown.contains(s.as_str()) {
                        leaks.push(format!(
                            "{}: `{}` shows `{}` ({} {})",
                            q.id,
                            query.chars().take(50).collect::<String>(),
                            s.chars().take(60).collect::<String>(),
                            h.module,
                            h.heading
                        ));
                    }
                }
            }
        }
    }
    assert!(
        leaks.is_empty(),
        "{} leak(s):\n{}",
        leaks.len(),
        leaks.join("\n")
    );
}

#[test]
fn off_topic_questions_get_no_confident_answer() {
    let idx = index();
    for q in [
        "xyzzy plugh",
        "how do I make coffee",
        "plugh",
        "best pizza in naples",
        "what is the capital of france",
        "how do I",
    ] {
        let a = idx.answer(q, 3);
        assert!(
            a.hits.is_empty(),
            "{q}: {:?}",
            a.hits.iter().map(|h| &h.heading).collect::<Vec<_>>()
        );
    }
    // Typos of real words still answer.
    for q in ["chrods", "retyr a task", "rabbitqm"] {
        assert!(!idx.search(q, 3).is_empty(), "{q}");
    }
}

fn top_passages(q: &str) -> Vec<String> {
    index()
        .search(q, 3)
        .iter()
        .map(|h| format!("{} {}", h.module, h.heading))
        .collect()
}

#[test]
fn identifier_spellings_find_the_same_passages() {
    for family in [
        &[
            "task_acks_late",
            "acks_late",
            "CELERY_TASK_ACKS_LATE",
            "CELERY_ACKS_LATE",
            "acks late",
        ][..],
        &["--concurrency", "-c", "concurrency"][..],
        &[
            "worker_concurrency",
            "CELERYD_CONCURRENCY",
            "CELERY_WORKER_CONCURRENCY",
        ][..],
        &[
            "worker_prefetch_multiplier",
            "CELERYD_PREFETCH_MULTIPLIER",
            "prefetch multiplier",
        ][..],
        &["SoftTimeLimitExceeded", "soft time limit exceeded"][..],
    ] {
        let first = top_passages(family[0]);
        assert!(!first.is_empty(), "{}: nothing", family[0]);
        for q in &family[1..] {
            let other = top_passages(q);
            assert!(
                other.first().is_some_and(|o| first.contains(o)),
                "{q}: {other:?} vs {}: {first:?}",
                family[0]
            );
        }
    }
}

#[test]
fn limits_are_clamped_to_1_through_25() {
    let idx = index();
    assert_eq!(idx.search("chords", 0).len(), 1);
    let many = idx.search("task worker broker result", 10_000);
    assert!(
        !many.is_empty() && many.len() <= MAX_LIMIT,
        "{}",
        many.len()
    );
}

#[test]
fn results_come_from_different_sections() {
    for q in [
        "chords",
        "retry a task",
        "visibility timeout",
        "task_acks_late",
    ] {
        let hits = index().search(q, 10);
        let mut groups: Vec<String> = hits
            .iter()
            .map(|h| {
                let top = h.heading.split(" › ").next().unwrap_or_default();
                format!("{}/{}", h.module, top.to_lowercase())
            })
            .collect();
        let n = groups.len();
        groups.sort();
        groups.dedup();
        assert_eq!(groups.len(), n, "{q}: a section twice");
    }
}

#[test]
fn excerpts_read_as_text() {
    for q in [
        "retry_backoff_max",
        "retry backoff",
        "chords",
        "task_acks_late",
        "beat schedule crontab",
        "docker compose worker",
    ] {
        for h in index().search(q, 5) {
            let e = &h.excerpt;
            assert!(!e.contains("```"), "{q}: a code fence in {e}");
            assert!(!e.contains("]("), "{q}: a markdown link in {e}");
            // A highlight never cuts an identifier: `**retry**_backoff_max`.
            let b = e.as_bytes();
            for (i, w) in e.match_indices("**") {
                let _ = w;
                let before = i.checked_sub(1).map(|j| b[j]);
                let after = b.get(i + 2).copied();
                let ident =
                    |c: Option<u8>| c.is_some_and(|c| c.is_ascii_alphanumeric() || c == b'_');
                assert!(
                    !(ident(before) && ident(after)),
                    "{q}: highlight inside an identifier: {e}"
                );
            }
        }
    }
}
