//! Author checks: rules about the quality of lessons and assessments that `coursebot check` (and
//! therefore CI) applies on top of the format checks of the loader. The running bot does not
//! refuse to start on them: they are about what authors write, not about what the bot can read.

use super::load::{Problem, QuestionLines};
use super::model::*;
use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};

/// At most this share (percent) of a bank's multiple-choice questions may have the right choice
/// as the longest one (ties count as longest), so that length gives nothing away.
pub const MAX_LONGEST_RIGHT_PERCENT: usize = 40;
/// An explanation gives a reason: at least this many words.
pub const MIN_EXPLANATION_WORDS: usize = 15;
/// Two prompts whose word sets overlap at least this much (Jaccard) are near-duplicates.
pub const NEAR_DUPLICATE_SIMILARITY: f64 = 0.8;
/// Prompts with fewer distinct words than this are too short to compare for near-duplicates.
const NEAR_DUPLICATE_MIN_WORDS: usize = 4;
/// Every `## ` section that teaches (not a lab, not a capstone brief) has at least this many words.
pub const MIN_SECTION_WORDS: usize = 150;

/// Every author problem in `course`, whose files are in `dir`; `lines` says where each question
/// is (from the loader).
pub fn author_checks(dir: &Path, course: &Course, lines: &QuestionLines) -> Vec<Problem> {
    let mut out = Vec::new();
    lessons(dir, course, &mut out);
    let at = |q: &Question| -> (PathBuf, usize) {
        lines
            .get(&q.id)
            .cloned()
            .unwrap_or_else(|| (dir.join("questions").join(format!("{}.toml", q.module)), 0))
    };
    explanations(course, &at, &mut out);
    longest_right_choice(dir, course, &mut out);
    duplicate_prompts(course, &at, &mut out);
    out
}

fn problem(file: PathBuf, line: usize, message: String) -> Problem {
    Problem {
        file,
        line,
        message,
    }
}

fn lessons(dir: &Path, course: &Course, out: &mut Vec<Problem>) {
    for m in &course.modules {
        let file = dir.join("modules").join(format!("{}.md", m.id));
        for a in &m.activities {
            let lab = format!("Lab: {a}");
            if !m
                .sections
                .iter()
                .any(|s| !s.overview && s.heading.eq_ignore_ascii_case(&lab))
            {
                out.push(problem(
                    file.clone(),
                    1,
                    format!("hands-on activity `{a}` has no `## {lab}` section"),
                ));
            }
        }
        for s in m.topic_sections() {
            let exempt =
                s.heading.starts_with("Lab:") || s.heading.starts_with("Capstone project:");
            let words = s.words();
            if !exempt && words < MIN_SECTION_WORDS {
                out.push(problem(
                    file.clone(),
                    s.line,
                    format!(
                        "section `{}` has {words} words (at least {MIN_SECTION_WORDS})",
                        s.heading
                    ),
                ));
            }
        }
    }
}

fn explanations(
    course: &Course,
    at: &dyn Fn(&Question) -> (PathBuf, usize),
    out: &mut Vec<Problem>,
) {
    for q in &course.questions {
        let words = q.explanation.split_whitespace().count();
        if words < MIN_EXPLANATION_WORDS {
            let (f, l) = at(q);
            out.push(problem(
                f,
                l,
                format!(
                    "question `{}`: the explanation has {words} words; give the reason (at least {MIN_EXPLANATION_WORDS})",
                    q.id
                ),
            ));
        }
    }
}

/// Whether the right choice is at least as long as every other choice.
pub fn right_choice_is_longest(choices: &[String], answer: usize) -> bool {
    let len = |s: &String| s.chars().count();
    choices
        .get(answer)
        .map(|right| {
            choices
                .iter()
                .enumerate()
                .all(|(i, c)| i == answer || len(c) <= len(right))
        })
        .unwrap_or(false)
}

fn longest_right_choice(dir: &Path, course: &Course, out: &mut Vec<Problem>) {
    for m in &course.modules {
        let mut total = 0;
        let mut longest = Vec::new();
        for q in course.questions_of(&m.id) {
            if let AnswerKey::MultipleChoice { choices, answer } = &q.key {
                total += 1;
                if right_choice_is_longest(choices, *answer) {
                    longest.push(q.id.as_str());
                }
            }
        }
        if total > 0 && longest.len() * 100 > total * MAX_LONGEST_RIGHT_PERCENT {
            out.push(problem(
                dir.join("questions").join(format!("{}.toml", m.id)),
                1,
                format!(
                    "the right choice is the longest in {} of {total} multiple-choice questions (at most {MAX_LONGEST_RIGHT_PERCENT}%): {}; make distractors as long and as plausible",
                    longest.len(),
                    longest.join(", ")
                ),
            ));
        }
    }
}

/// Lowercase words of a prompt, punctuation dropped: what prompt comparisons look at.
pub fn prompt_words(prompt: &str) -> Vec<String> {
    prompt
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| w.to_lowercase())
        .collect()
}

/// Jaccard similarity of two word sets (0 when both are empty).
pub fn similarity(a: &BTreeSet<String>, b: &BTreeSet<String>) -> f64 {
    let union = a.union(b).count();
    if union == 0 {
        return 0.0;
    }
    a.intersection(b).count() as f64 / union as f64
}

fn duplicate_prompts(
    course: &Course,
    at: &dyn Fn(&Question) -> (PathBuf, usize),
    out: &mut Vec<Problem>,
) {
    let mut exact: HashMap<String, &Question> = HashMap::new();
    let mut sets: Vec<(&Question, BTreeSet<String>)> = Vec::new();
    for q in &course.questions {
        let words = prompt_words(&q.prompt);
        let key = words.join(" ");
        let set: BTreeSet<String> = words.into_iter().collect();
        let (f, l) = at(q);
        if let Some(first) = exact.get(&key) {
            let (ff, fl) = at(first);
            out.push(problem(
                f,
                l,
                format!(
                    "question `{}`: same prompt as `{}` ({}:{fl})",
                    q.id,
                    first.id,
                    ff.display()
                ),
            ));
            continue;
        }
        exact.insert(key, q);
        if set.len() >= NEAR_DUPLICATE_MIN_WORDS {
            for (other, oset) in &sets {
                let sim = similarity(&set, oset);
                if sim >= NEAR_DUPLICATE_SIMILARITY {
                    let (of, ol) = at(other);
                    out.push(problem(
                        f.clone(),
                        l,
                        format!(
                            "question `{}`: near-duplicate of `{}` ({}:{ol}), {:.0}% of their words shared",
                            q.id,
                            other.id,
                            of.display(),
                            sim * 100.0
                        ),
                    ));
                }
            }
            sets.push((q, set));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn course(questions: Vec<Question>) -> Course {
        Course {
            title: "T".into(),
            paths: vec![],
            modules: vec![Module {
                id: "m01".into(),
                number: 1,
                title: "One".into(),
                path: "foundation".into(),
                quiz_size: 2,
                topics: vec!["Alpha".into()],
                objectives: vec![],
                activities: vec!["Build it".into()],
                assessment: vec![],
                glossary: vec![],
                sections: vec![
                    Section {
                        heading: "Alpha".into(),
                        body: "word ".repeat(149),
                        line: 12,
                        overview: false,
                    },
                    Section {
                        heading: "Lab: Build something else".into(),
                        body: "short".into(),
                        line: 30,
                        overview: false,
                    },
                ],
            }],
            questions,
            certifications: vec![],
            grades: vec![],
            synonyms: Default::default(),
            drafts: vec![],
        }
    }

    const REASON: &str = "Because the worker acknowledges the message only after the task returns, so a crash redelivers it.";

    fn mc(id: &str, prompt: &str, choices: &[&str], answer: usize, explanation: &str) -> Question {
        Question {
            id: id.into(),
            module: "m01".into(),
            topic: "Alpha".into(),
            prompt: prompt.into(),
            key: AnswerKey::MultipleChoice {
                choices: choices.iter().map(|c| c.to_string()).collect(),
                answer,
            },
            explanation: explanation.into(),
        }
    }

    fn run(qs: Vec<Question>) -> Vec<String> {
        let mut lines = QuestionLines::new();
        for (i, q) in qs.iter().enumerate() {
            lines.insert(q.id.clone(), (PathBuf::from("q/m01.toml"), 10 * (i + 1)));
        }
        author_checks(Path::new("c"), &course(qs), &lines)
            .iter()
            .map(|p| p.to_string())
            .collect()
    }

    #[test]
    fn short_sections_and_missing_labs() {
        let p = run(vec![]);
        assert!(
            p.contains(
                &"c/modules/m01.md:12: section `Alpha` has 149 words (at least 150)".to_string()
            ),
            "{p:?}"
        );
        assert!(p.contains(&"c/modules/m01.md:1: hands-on activity `Build it` has no `## Lab: Build it` section".to_string()), "{p:?}");
        // The lab itself is exempt from the word count.
        assert!(
            !p.iter().any(|x| x.contains("Lab: Build something else")),
            "{p:?}"
        );
    }

    #[test]
    fn explanations_need_a_reason() {
        let p = run(vec![mc(
            "m01-001",
            "Which one is it?",
            &["aaaa", "b", "cc"],
            1,
            "Because.",
        )]);
        assert!(p.contains(&"q/m01.toml:10: question `m01-001`: the explanation has 1 words; give the reason (at least 15)".to_string()), "{p:?}");
    }

    #[test]
    fn the_right_choice_may_not_be_the_longest_too_often() {
        let qs = vec![
            mc(
                "m01-001",
                "First question about acks?",
                &["a", "the long right one"],
                1,
                REASON,
            ),
            mc(
                "m01-002",
                "Second question on routing keys?",
                &["a", "the long right one"],
                1,
                REASON,
            ),
            mc(
                "m01-003",
                "Third thing about result expiry?",
                &["a much longer wrong one", "right"],
                1,
                REASON,
            ),
        ];
        let p = run(qs);
        assert!(
            p.iter().any(|x| x.starts_with("c/questions/m01.toml:1: the right choice is the longest in 2 of 3 multiple-choice questions (at most 40%): m01-001, m01-002")),
            "{p:?}"
        );
        let qs = vec![
            mc(
                "m01-001",
                "First question about acks?",
                &["a", "the long right one"],
                1,
                REASON,
            ),
            mc(
                "m01-002",
                "Second question on routing keys?",
                &["a wrong one, much longer", "right"],
                1,
                REASON,
            ),
            mc(
                "m01-003",
                "Third thing about result expiry?",
                &["a much longer wrong one", "right"],
                1,
                REASON,
            ),
        ];
        assert!(!run(qs).iter().any(|x| x.contains("longest")));
    }

    #[test]
    fn ties_count_as_longest() {
        assert!(right_choice_is_longest(&["ab".into(), "cd".into()], 1));
        assert!(!right_choice_is_longest(&["abc".into(), "cd".into()], 1));
        assert!(!right_choice_is_longest(&["abc".into()], 3));
    }

    #[test]
    fn same_and_near_duplicate_prompts_name_both_places() {
        let qs = vec![
            mc(
                "m01-001",
                "What does acks_late change for a task?",
                &["aaaaaaa", "b"],
                1,
                REASON,
            ),
            mc(
                "m01-002",
                "what does ACKS_LATE change for a task",
                &["aaaaaaa", "b"],
                1,
                REASON,
            ),
            mc(
                "m01-003",
                "What does acks_late change for a long task?",
                &["aaaaaaa", "b"],
                1,
                REASON,
            ),
            mc(
                "m01-004",
                "Which broker supports priorities natively?",
                &["aaaaaaa", "b"],
                1,
                REASON,
            ),
        ];
        let p = run(qs);
        assert!(
            p.contains(
                &"q/m01.toml:20: question `m01-002`: same prompt as `m01-001` (q/m01.toml:10)"
                    .to_string()
            ),
            "{p:?}"
        );
        assert!(
            p.iter().any(|x| x.starts_with(
                "q/m01.toml:30: question `m01-003`: near-duplicate of `m01-001` (q/m01.toml:10)"
            )),
            "{p:?}"
        );
        assert!(!p.iter().any(|x| x.contains("m01-004")), "{p:?}");
    }
}
