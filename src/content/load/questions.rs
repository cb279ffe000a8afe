//! Question banks: `questions/<module>.toml`, one `[[questions]]` table per question. Every
//! problem names the question (its id, or its position when the id is missing) and the line of
//! the offending value.

use super::{line_of_span, toml_error, QuestionLines, Sink};
use super::{MAX_CHOICE, MAX_EXPLANATION, MAX_MATCH_LEFT, MAX_MATCH_RIGHT, MAX_PROMPT};
use crate::content::model::*;
use serde::Deserialize;
use std::collections::HashSet;
use std::ops::Range;
use std::path::Path;
use toml::Spanned;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawQuestionFile {
    module: Option<Spanned<String>>,
    #[serde(default)]
    questions: Vec<RawQuestion>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawQuestion {
    id: Option<Spanned<String>>,
    #[serde(rename = "type")]
    kind: Option<Spanned<String>>,
    topic: Option<Spanned<String>>,
    prompt: Option<Spanned<String>>,
    choices: Option<Spanned<Vec<String>>>,
    answer: Option<Spanned<toml::Value>>,
    answers: Option<Spanned<Vec<String>>>,
    pairs: Option<Spanned<Vec<Vec<String>>>>,
    explanation: Option<Spanned<String>>,
}

impl RawQuestion {
    /// The earliest span of the question's values: where it starts, for problems about it as
    /// a whole (a missing field).
    fn first_span(&self) -> Option<Range<usize>> {
        [
            self.id.as_ref().map(|s| s.span()),
            self.kind.as_ref().map(|s| s.span()),
            self.topic.as_ref().map(|s| s.span()),
            self.prompt.as_ref().map(|s| s.span()),
            self.choices.as_ref().map(|s| s.span()),
            self.answer.as_ref().map(|s| s.span()),
            self.answers.as_ref().map(|s| s.span()),
            self.pairs.as_ref().map(|s| s.span()),
            self.explanation.as_ref().map(|s| s.span()),
        ]
        .into_iter()
        .flatten()
        .min_by_key(|s| s.start)
    }
}

/// Problems of one question: prefixed with its name, at the line of a value.
struct Q<'a> {
    sink: &'a mut Sink,
    file: &'a Path,
    text: &'a str,
    name: String,
    start: usize,
}

impl Q<'_> {
    fn at(&mut self, span: Option<Range<usize>>, message: impl AsRef<str>) {
        let line = span
            .map(|s| line_of_span(self.text, &s, 0))
            .unwrap_or(self.start);
        let msg = format!("{}: {}", self.name, message.as_ref());
        self.sink.push(self.file, line, msg);
    }
}

/// Parse and check one question bank, appending its valid questions to `out` and recording
/// where each id was found in `lines` (duplicates across banks are problems).
pub(crate) fn parse(
    sink: &mut Sink,
    file: &Path,
    text: &str,
    module_id: &str,
    module: Option<&Module>,
    lines: &mut QuestionLines,
    out: &mut Vec<Question>,
) {
    let raw: RawQuestionFile = match toml::from_str(text) {
        Ok(r) => r,
        Err(e) => {
            toml_error(sink, file, text, 0, &e);
            return;
        }
    };
    match &raw.module {
        None => sink.push(file, 1, "missing `module = \"...\"` at the top"),
        Some(m) if m.get_ref() != module_id => sink.push(
            file,
            line_of_span(text, &m.span(), 0),
            format!(
                "unknown module `{}`: this file is the question bank of `{module_id}`",
                m.get_ref()
            ),
        ),
        _ => {}
    }
    if raw.questions.is_empty() {
        sink.push(file, 1, "no questions ([[questions]] tables) in this file");
    }
    for (n, q) in raw.questions.into_iter().enumerate() {
        let before = sink.problems.len();
        let start = q
            .first_span()
            .map(|s| line_of_span(text, &s, 0))
            .unwrap_or(1);
        let name = match q.id.as_ref().map(|s| s.get_ref().trim()) {
            Some(id) if !id.is_empty() => format!("question `{id}`"),
            _ => format!("question #{} (no id)", n + 1),
        };
        let mut qs = Q {
            sink,
            file,
            text,
            name,
            start,
        };
        let need = |qs: &mut Q, field: &str, v: &Option<Spanned<String>>| -> String {
            match v {
                Some(s) if !s.get_ref().trim().is_empty() => s.get_ref().trim().to_string(),
                Some(s) => {
                    qs.at(Some(s.span()), format!("empty `{field}`"));
                    String::new()
                }
                None => {
                    qs.at(None, format!("missing `{field}`"));
                    String::new()
                }
            }
        };
        let id = need(&mut qs, "id", &q.id);
        let kind_s = need(&mut qs, "type", &q.kind);
        let topic = need(&mut qs, "topic", &q.topic);
        let prompt = need(&mut qs, "prompt", &q.prompt);
        let explanation = need(&mut qs, "explanation", &q.explanation);
        let span_of = |v: &Option<Spanned<String>>| v.as_ref().map(|s| s.span());
        if !id.is_empty() {
            let id_span = span_of(&q.id);
            if !id.starts_with(&format!("{module_id}-")) {
                qs.at(
                    id_span.clone(),
                    format!("the id must start with `{module_id}-`"),
                );
            }
            if id.len() > 40
                || !id
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
            {
                qs.at(
                    id_span.clone(),
                    "the id must be at most 40 letters, digits, `-` or `_`",
                );
            }
            let id_line = id_span.map(|s| line_of_span(text, &s, 0)).unwrap_or(start);
            if let Some((f, l)) = lines.get(&id) {
                let msg = format!("duplicate question id (first at {}:{l})", f.display());
                qs.at(span_of(&q.id), msg);
            } else {
                lines.insert(id.clone(), (file.to_path_buf(), id_line));
            }
        }
        if prompt.chars().count() > MAX_PROMPT {
            qs.at(
                span_of(&q.prompt),
                format!("prompt longer than {MAX_PROMPT} characters"),
            );
        }
        if explanation.chars().count() > MAX_EXPLANATION {
            qs.at(
                span_of(&q.explanation),
                format!("explanation longer than {MAX_EXPLANATION} characters"),
            );
        }
        if let (Some(m), false) = (module, topic.is_empty()) {
            if !m
                .topic_sections()
                .any(|s| s.heading.eq_ignore_ascii_case(&topic))
            {
                qs.at(
                    span_of(&q.topic),
                    format!("topic `{topic}` is not a `## ` heading of the lesson {module_id}.md"),
                );
            }
        }
        let key = match QuestionType::parse(&kind_s) {
            None if kind_s.is_empty() => None,
            None => {
                qs.at(
                    span_of(&q.kind),
                    format!(
                        "unknown question type `{kind_s}` (expected multiple_choice, true_false, fill_in or matching)"
                    ),
                );
                None
            }
            Some(t) => build_key(&mut qs, t, &q),
        };
        if sink.problems.len() == before {
            if let Some(key) = key {
                out.push(Question {
                    id,
                    module: module_id.to_string(),
                    topic,
                    prompt,
                    key,
                    explanation,
                });
            }
        }
    }
}

fn build_key(qs: &mut Q, t: QuestionType, q: &RawQuestion) -> Option<AnswerKey> {
    let stray: [(&str, Option<Range<usize>>, bool); 4] = [
        (
            "choices",
            q.choices.as_ref().map(|s| s.span()),
            t == QuestionType::MultipleChoice,
        ),
        (
            "answer",
            q.answer.as_ref().map(|s| s.span()),
            matches!(t, QuestionType::MultipleChoice | QuestionType::TrueFalse),
        ),
        (
            "answers",
            q.answers.as_ref().map(|s| s.span()),
            t == QuestionType::FillIn,
        ),
        (
            "pairs",
            q.pairs.as_ref().map(|s| s.span()),
            t == QuestionType::Matching,
        ),
    ];
    for (name, span, belongs) in stray {
        if span.is_some() && !belongs {
            qs.at(
                span,
                format!("`{name}` does not belong in a {} question", t.as_str()),
            );
        }
    }
    match t {
        QuestionType::MultipleChoice => multiple_choice(qs, q),
        QuestionType::TrueFalse => match &q.answer {
            Some(a) => match a.get_ref() {
                toml::Value::Boolean(b) => Some(AnswerKey::TrueFalse(*b)),
                _ => {
                    qs.at(Some(a.span()), "a true_false answer must be true or false");
                    None
                }
            },
            None => {
                qs.at(None, "true_false question is missing `answer`");
                None
            }
        },
        QuestionType::FillIn => {
            let Some(answers) = &q.answers else {
                qs.at(None, "fill_in question is missing `answers`");
                return None;
            };
            let list: Vec<String> = answers
                .get_ref()
                .iter()
                .map(|a| a.trim().to_string())
                .filter(|a| !a.is_empty())
                .collect();
            if list.is_empty() || list.len() != answers.get_ref().len() {
                qs.at(
                    Some(answers.span()),
                    "fill_in needs at least one answer and no empty ones",
                );
                return None;
            }
            Some(AnswerKey::FillIn(list))
        }
        QuestionType::Matching => matching(qs, q),
    }
}

fn multiple_choice(qs: &mut Q, q: &RawQuestion) -> Option<AnswerKey> {
    let Some(choices) = &q.choices else {
        qs.at(None, "multiple_choice question is missing `choices`");
        return None;
    };
    let span = Some(choices.span());
    let choices = choices.get_ref();
    if !(2..=5).contains(&choices.len()) {
        qs.at(
            span,
            format!(
                "multiple_choice needs 2 to 5 choices, found {}",
                choices.len()
            ),
        );
        return None;
    }
    let mut uniq = HashSet::new();
    for c in choices {
        if c.trim().is_empty() {
            qs.at(span.clone(), "empty choice");
        } else if c.chars().count() > MAX_CHOICE {
            qs.at(
                span.clone(),
                format!("choice longer than {MAX_CHOICE} characters"),
            );
        } else if !uniq.insert(normalize_answer(c)) {
            qs.at(span.clone(), format!("duplicate choice `{c}`"));
        }
    }
    let Some(a) = &q.answer else {
        qs.at(None, "multiple_choice question is missing `answer`");
        return None;
    };
    let answer = match a.get_ref() {
        toml::Value::Integer(i) if *i >= 0 && (*i as usize) < choices.len() => *i as usize,
        toml::Value::Integer(i) => {
            qs.at(
                Some(a.span()),
                format!(
                    "answer index {i} out of range: there are {} choices (0 to {})",
                    choices.len(),
                    choices.len() - 1
                ),
            );
            return None;
        }
        _ => {
            qs.at(
                Some(a.span()),
                "answer must be the 0-based index of the correct choice",
            );
            return None;
        }
    };
    Some(AnswerKey::MultipleChoice {
        choices: choices.iter().map(|c| c.trim().to_string()).collect(),
        answer,
    })
}

fn matching(qs: &mut Q, q: &RawQuestion) -> Option<AnswerKey> {
    let Some(pairs) = &q.pairs else {
        qs.at(None, "matching question is missing `pairs`");
        return None;
    };
    let span = Some(pairs.span());
    let pairs = pairs.get_ref();
    if !(2..=5).contains(&pairs.len()) {
        qs.at(
            span,
            format!("matching needs 2 to 5 pairs, found {}", pairs.len()),
        );
        return None;
    }
    let mut out = Vec::new();
    let (mut ls, mut rs) = (HashSet::new(), HashSet::new());
    for p in pairs {
        if p.len() != 2 || p.iter().any(|s| s.trim().is_empty()) {
            qs.at(
                span.clone(),
                "each pair must be [left, right], both non-empty",
            );
            return None;
        }
        let (l, r) = (p[0].trim().to_string(), p[1].trim().to_string());
        if l.chars().count() > MAX_MATCH_LEFT || r.chars().count() > MAX_MATCH_RIGHT {
            qs.at(
                span.clone(),
                format!("pair `{l}`: left side at most {MAX_MATCH_LEFT}, right side at most {MAX_MATCH_RIGHT} characters"),
            );
        }
        if !ls.insert(normalize_answer(&l)) || !rs.insert(normalize_answer(&r)) {
            qs.at(
                span.clone(),
                format!("pair `{l}`: left and right sides must be distinct"),
            );
        }
        out.push((l, r));
    }
    Some(AnswerKey::Matching(out))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    const GOOD: &str = r#"module = "m01"

# A comment before the first question.
[[questions]]  # a trailing comment
id = "m01-001"
type = "multiple_choice"
topic = "Alpha"
prompt = "Which?"
choices = ["a", "b", "c"]
answer = 1
explanation = "Because b."

[[questions]]
id = "m01-002"
type = "true_false"
topic = "Alpha"
prompt = "True?"
answer = true
explanation = "Yes."
"#;

    fn run(text: &str) -> (Vec<Question>, Vec<String>) {
        let mut sink = Sink::new();
        let mut lines = QuestionLines::new();
        let mut out = Vec::new();
        parse(
            &mut sink,
            &PathBuf::from("m01.toml"),
            text,
            "m01",
            None,
            &mut lines,
            &mut out,
        );
        (out, sink.problems.iter().map(|p| p.to_string()).collect())
    }

    #[test]
    fn good_bank() {
        let (qs, p) = run(GOOD);
        assert!(p.is_empty(), "{p:?}");
        assert_eq!(qs.len(), 2);
    }

    #[test]
    fn answer_out_of_range_names_the_question_and_its_line() {
        let (qs, p) = run(&GOOD.replace("answer = 1", "answer = 7"));
        assert_eq!(qs.len(), 1);
        assert_eq!(
            p,
            vec!["m01.toml:10: question `m01-001`: answer index 7 out of range: there are 3 choices (0 to 2)"]
        );
    }

    #[test]
    fn second_question_after_comments_has_the_right_line() {
        let (_, p) = run(&GOOD.replace("answer = true", "answer = \"yes\""));
        assert_eq!(
            p,
            vec!["m01.toml:18: question `m01-002`: a true_false answer must be true or false"]
        );
    }

    #[test]
    fn missing_id_and_fields() {
        let text = GOOD
            .replace("id = \"m01-002\"\n", "")
            .replace("prompt = \"True?\"\n", "");
        let (_, p) = run(&text);
        assert!(
            p.iter()
                .any(|x| x == "m01.toml:14: question #2 (no id): missing `id`"),
            "{p:?}"
        );
        assert!(
            p.iter()
                .any(|x| x == "m01.toml:14: question #2 (no id): missing `prompt`"),
            "{p:?}"
        );
    }

    #[test]
    fn wrong_type_fields_and_unknown_type() {
        let (_, p) = run(&GOOD.replace("answer = true", "answer = true\nchoices = [\"x\", \"y\"]"));
        assert!(
            p.iter().any(|x| x.contains(
                ":19: question `m01-002`: `choices` does not belong in a true_false question"
            )),
            "{p:?}"
        );
        let (_, p) = run(&GOOD.replace("type = \"true_false\"", "type = \"essay\""));
        assert!(
            p.iter()
                .any(|x| x.contains(":15: question `m01-002`: unknown question type `essay`")),
            "{p:?}"
        );
    }

    #[test]
    fn duplicate_ids_and_prefix() {
        let (_, p) = run(&GOOD.replace("m01-002", "m01-001"));
        assert!(
            p.iter().any(|x| x.starts_with(
                "m01.toml:14: question `m01-001`: duplicate question id (first at m01.toml:5)"
            )),
            "{p:?}"
        );
        let (_, p) = run(&GOOD.replace("m01-002", "m02-002"));
        assert!(
            p.iter().any(|x| x.contains("must start with `m01-`")),
            "{p:?}"
        );
    }

    #[test]
    fn matching_and_fill_in_shapes() {
        let text = format!(
            "{GOOD}\n[[questions]]\nid = \"m01-003\"\ntype = \"matching\"\ntopic = \"Alpha\"\nprompt = \"Match\"\npairs = [[\"a\", \"x\"], [\"a\", \"y\"]]\nexplanation = \"e\"\n\n[[questions]]\nid = \"m01-004\"\ntype = \"fill_in\"\ntopic = \"Alpha\"\nprompt = \"Fill\"\nanswers = [\" \"]\nexplanation = \"e\"\n"
        );
        let (qs, p) = run(&text);
        assert_eq!(qs.len(), 2);
        assert!(
            p.iter().any(|x| x
                .contains("question `m01-003`: pair `a`: left and right sides must be distinct")),
            "{p:?}"
        );
        assert!(
            p.iter()
                .any(|x| x.contains("question `m01-004`: fill_in needs at least one answer")),
            "{p:?}"
        );
    }

    #[test]
    fn wrong_module_line() {
        let (_, p) = run(&GOOD.replace("module = \"m01\"", "\nmodule = \"m09\""));
        assert!(
            p.iter()
                .any(|x| x.starts_with("m01.toml:2: unknown module `m09`")),
            "{p:?}"
        );
    }
}
