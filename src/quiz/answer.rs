//! A member's answer to a question, its stable text form, how a clicked code is read against
//! the question it answers, and grading.
//!
//! Answers are always canonical: a choice index or a matching is in the file's order, whatever
//! order the presentation showed ([`super::present`]). A code that does not fit the question
//! (a choice the question does not have, true/false on a choice question, a matching on a
//! true/false, a typed answer on anything but a fill-in) is an [`AnswerError`]: nothing is
//! stored and nothing is used up.

use super::present::Order;
use crate::content::{AnswerKey, Question, QuestionType};

/// Longest typed answer, in characters (the modal's limit).
pub const MAX_TEXT_CHARS: usize = 200;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    /// Index of the chosen choice (multiple choice), in the file's order.
    Choice(usize),
    Bool(bool),
    Text(String),
    /// For each left item (in the question's order), the index of the right item chosen
    /// (in the question's order).
    Matching(Vec<usize>),
}

/// Why an answer could not be read for a question.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AnswerError {
    /// A code no question uses (`c` without a number, `zz`, …).
    #[error("`{0}` is not an answer")]
    Unreadable(String),
    /// A choice position (as displayed) the question does not have.
    #[error("this question has no choice {0}")]
    NoSuchChoice(String),
    /// An answer of another question type.
    #[error("a {given} answer does not fit this {expected} question")]
    WrongKind {
        given: &'static str,
        expected: &'static str,
    },
    /// A typed answer with nothing in it.
    #[error("the answer is empty")]
    Empty,
    /// A typed answer longer than the modal allows ([`MAX_TEXT_CHARS`]).
    #[error("the answer is longer than {MAX_TEXT_CHARS} characters")]
    TooLong,
    /// A matching that is not one match per item, each used once.
    #[error("{0}")]
    Matching(String),
}

impl AnswerError {
    /// What the member is told (ephemeral): nothing was stored, try again.
    pub fn user_message(&self) -> String {
        match self {
            AnswerError::Matching(m) => format!("{m} Nothing was saved; pick again."),
            e => format!("Could not read that answer ({e}). Nothing was saved."),
        }
    }
}

fn type_name(t: QuestionType) -> &'static str {
    match t {
        QuestionType::MultipleChoice => "multiple-choice",
        QuestionType::TrueFalse => "true/false",
        QuestionType::FillIn => "fill-in",
        QuestionType::Matching => "matching",
    }
}

fn expect_kind(q: &Question, given: QuestionType) -> Result<(), AnswerError> {
    if q.kind() == given {
        Ok(())
    } else {
        Err(AnswerError::WrongKind {
            given: type_name(given),
            expected: type_name(q.kind()),
        })
    }
}

impl Answer {
    fn kind(&self) -> QuestionType {
        match self {
            Answer::Choice(_) => QuestionType::MultipleChoice,
            Answer::Bool(_) => QuestionType::TrueFalse,
            Answer::Text(_) => QuestionType::FillIn,
            Answer::Matching(_) => QuestionType::Matching,
        }
    }

    /// Whether this (canonical) answer can answer `q`: the same type, a choice that exists,
    /// a typed answer that is not empty, one distinct match per item.
    pub fn check_against(&self, q: &Question) -> Result<(), AnswerError> {
        expect_kind(q, self.kind())?;
        match (self, &q.key) {
            (Answer::Choice(i), AnswerKey::MultipleChoice { choices, .. })
                if *i >= choices.len() =>
            {
                Err(AnswerError::NoSuchChoice(format!("#{}", i + 1)))
            }
            (Answer::Text(t), _) if t.trim().is_empty() => Err(AnswerError::Empty),
            (Answer::Text(t), _) if t.chars().count() > MAX_TEXT_CHARS => Err(AnswerError::TooLong),
            (Answer::Matching(v), AnswerKey::Matching(pairs)) => {
                let n = pairs.len();
                let mut used = vec![false; n];
                if v.len() != n {
                    return Err(AnswerError::Matching(
                        "Pick one match for every numbered item.".into(),
                    ));
                }
                for r in v {
                    if *r >= n || std::mem::replace(&mut used[*r], true) {
                        return Err(AnswerError::Matching(
                            "Each lettered item can be matched only once.".into(),
                        ));
                    }
                }
                Ok(())
            }
            _ => Ok(()),
        }
    }

    /// Read a component code against the question it answers, as shown in `order`:
    /// `c<k>` (the choice displayed at position k), `b1`/`b0` (true/false), `m` (the matching
    /// select's `values`). The result is canonical and has passed [`Answer::check_against`].
    pub fn from_code(
        code: &str,
        values: &[String],
        q: &Question,
        order: &Order,
    ) -> Result<Answer, AnswerError> {
        let answer = if let Some(k) = code.strip_prefix('c') {
            expect_kind(q, QuestionType::MultipleChoice)?;
            let k: usize = k
                .parse()
                .map_err(|_| AnswerError::Unreadable(code.to_string()))?;
            let i = order.canonical(k).ok_or_else(|| {
                AnswerError::NoSuchChoice(if k < 26 {
                    letter(k).to_string()
                } else {
                    format!("#{}", k + 1)
                })
            })?;
            Answer::Choice(i)
        } else {
            match code {
                "b1" | "b0" => {
                    expect_kind(q, QuestionType::TrueFalse)?;
                    Answer::Bool(code == "b1")
                }
                "m" => {
                    expect_kind(q, QuestionType::Matching)?;
                    parse_matching(values, order)?
                }
                "f" => {
                    // The fill-in button opens a modal; it is not an answer itself.
                    expect_kind(q, QuestionType::FillIn)?;
                    return Err(AnswerError::Unreadable(code.to_string()));
                }
                _ => return Err(AnswerError::Unreadable(code.to_string())),
            }
        };
        answer.check_against(q)?;
        Ok(answer)
    }

    /// Whether the "Answer" button (`f`) may open a typed-answer modal for `q`.
    pub fn modal_allowed(q: &Question) -> Result<(), AnswerError> {
        expect_kind(q, QuestionType::FillIn)
    }

    /// Stable text form stored in SQLite: `c:2`, `b:true`, `t:...`, `m:0,2,1`.
    pub fn encode(&self) -> String {
        match self {
            Answer::Choice(i) => format!("c:{i}"),
            Answer::Bool(b) => format!("b:{b}"),
            Answer::Text(t) => format!("t:{t}"),
            Answer::Matching(v) => format!(
                "m:{}",
                v.iter()
                    .map(|i| i.to_string())
                    .collect::<Vec<_>>()
                    .join(",")
            ),
        }
    }

    pub fn decode(s: &str) -> Option<Answer> {
        let (k, v) = s.split_once(':')?;
        match k {
            "c" => v.parse().ok().map(Answer::Choice),
            "b" => v.parse().ok().map(Answer::Bool),
            "t" => Some(Answer::Text(v.to_string())),
            "m" if v.is_empty() => Some(Answer::Matching(vec![])),
            "m" => v
                .split(',')
                .map(|x| x.parse().ok())
                .collect::<Option<Vec<usize>>>()
                .map(Answer::Matching),
            _ => None,
        }
    }

    /// How the answer reads to a member ("You picked: …"): the canonical text of the choice,
    /// never a letter (letters change with every presentation).
    pub fn describe(&self, q: &Question) -> String {
        match (self, &q.key) {
            (Answer::Choice(i), AnswerKey::MultipleChoice { choices, .. }) => {
                choices.get(*i).cloned().unwrap_or_else(|| "?".to_string())
            }
            (Answer::Bool(b), _) => if *b { "True" } else { "False" }.to_string(),
            (Answer::Text(t), _) => t.trim().to_string(),
            (Answer::Matching(v), AnswerKey::Matching(pairs)) => v
                .iter()
                .enumerate()
                .map(|(l, r)| {
                    format!(
                        "{} → {}",
                        pairs.get(l).map(|p| p.0.as_str()).unwrap_or("?"),
                        pairs.get(*r).map(|p| p.1.as_str()).unwrap_or("?")
                    )
                })
                .collect::<Vec<_>>()
                .join("; "),
            _ => "?".to_string(),
        }
    }
}

/// `A`…`Z` for display positions 0…25.
pub fn letter(i: usize) -> char {
    (b'A' + (i as u8).min(25)) as char
}

/// How fill-in answers are compared: lowercase; backticks and surrounding quotes dropped;
/// whitespace collapsed; no spaces around `,` and `=`; a trailing `()` dropped. So `bind=True`,
/// `restore()` and `10, 3` match keys written `bind = true`, `restore` and `10,3`.
pub fn normalize_fill_in(s: &str) -> String {
    let s = s.replace('`', "");
    let s = s
        .trim()
        .trim_matches(|c: char| c == '"' || c == '\'' || c.is_whitespace());
    let mut s = s
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase();
    for (from, to) in [(" ,", ","), (", ", ","), (" =", "="), ("= ", "=")] {
        while s.contains(from) {
            s = s.replace(from, to);
        }
    }
    while let Some(rest) = s.strip_suffix("()") {
        s = rest.trim_end().to_string();
    }
    s
}

/// Whether `a` answers `q` correctly. An answer of the wrong kind is simply wrong (callers
/// reject it before with [`Answer::check_against`]).
pub fn grade(q: &Question, a: &Answer) -> bool {
    match (&q.key, a) {
        (AnswerKey::MultipleChoice { answer, .. }, Answer::Choice(i)) => answer == i,
        (AnswerKey::TrueFalse(k), Answer::Bool(b)) => k == b,
        (AnswerKey::FillIn(accepted), Answer::Text(t)) => {
            let t = normalize_fill_in(t);
            !t.is_empty() && accepted.iter().any(|a| normalize_fill_in(a) == t)
        }
        (AnswerKey::Matching(pairs), Answer::Matching(v)) => {
            v.len() == pairs.len() && v.iter().enumerate().all(|(l, r)| l == *r)
        }
        _ => false,
    }
}

/// The correct answer as text, for the reveal and feedback: the canonical text, no letter.
pub fn correct_text(q: &Question) -> String {
    match &q.key {
        AnswerKey::MultipleChoice { choices, answer } => choices[*answer].clone(),
        AnswerKey::TrueFalse(b) => if *b { "True" } else { "False" }.to_string(),
        AnswerKey::FillIn(a) => a.join(" / "),
        AnswerKey::Matching(p) => p
            .iter()
            .map(|(l, r)| format!("{l} → {r}"))
            .collect::<Vec<_>>()
            .join("\n"),
    }
}

/// Parse matching select values `"<left>-<shown position>"` (right-hand items shown in
/// `order`) into an [`Answer::Matching`]: exactly one match per left item, no right-hand item
/// used twice. Errors say which items clash.
pub fn parse_matching(values: &[String], order: &Order) -> Result<Answer, AnswerError> {
    let n = order.len();
    let mut out = vec![usize::MAX; n];
    let mut taken_by: Vec<Option<usize>> = vec![None; n];
    for v in values {
        let (l, k) = v
            .split_once('-')
            .and_then(|(l, k)| Some((l.parse::<usize>().ok()?, k.parse::<usize>().ok()?)))
            .filter(|(l, k)| *l < n && *k < n)
            .ok_or_else(|| AnswerError::Unreadable(v.clone()))?;
        if out[l] != usize::MAX {
            return Err(AnswerError::Matching(format!(
                "Item {} got two matches: pick exactly one letter for each numbered item.",
                l + 1
            )));
        }
        if let Some(other) = taken_by[k] {
            return Err(AnswerError::Matching(format!(
                "Items {} and {} both got **{}**: each letter can be used only once.",
                other + 1,
                l + 1,
                letter(k)
            )));
        }
        taken_by[k] = Some(l);
        out[l] = order.canonical(k).expect("k < n");
    }
    if let Some(l) = out.iter().position(|r| *r == usize::MAX) {
        return Err(AnswerError::Matching(format!(
            "Item {} has no match: pick one letter for every numbered item.",
            l + 1
        )));
    }
    Ok(Answer::Matching(out))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::quiz::present::Presentation;

    fn q(key: AnswerKey) -> Question {
        Question {
            id: "m01-001".into(),
            module: "m01".into(),
            topic: "t".into(),
            prompt: "p".into(),
            key,
            explanation: "e".into(),
        }
    }

    fn mc() -> Question {
        q(AnswerKey::MultipleChoice {
            choices: vec!["a".into(), "b".into(), "c".into()],
            answer: 1,
        })
    }

    fn matching() -> Question {
        q(AnswerKey::Matching(vec![
            ("a".into(), "1".into()),
            ("b".into(), "2".into()),
            ("c".into(), "3".into()),
        ]))
    }

    #[test]
    fn grading_each_type() {
        let mc = mc();
        assert!(grade(&mc, &Answer::Choice(1)));
        assert!(!grade(&mc, &Answer::Choice(0)));
        assert!(!grade(&mc, &Answer::Bool(true)));
        let tf = q(AnswerKey::TrueFalse(false));
        assert!(grade(&tf, &Answer::Bool(false)));
        let fi = q(AnswerKey::FillIn(vec![
            "task_acks_late".into(),
            "acks late".into(),
        ]));
        assert!(grade(&fi, &Answer::Text("  Task_Acks_Late ".into())));
        assert!(grade(&fi, &Answer::Text("`task_acks_late`".into())));
        assert!(grade(&fi, &Answer::Text("ACKS   late".into())));
        assert!(!grade(&fi, &Answer::Text("acks".into())));
        let m = q(AnswerKey::Matching(vec![
            ("a".into(), "1".into()),
            ("b".into(), "2".into()),
        ]));
        assert!(grade(&m, &Answer::Matching(vec![0, 1])));
        assert!(!grade(&m, &Answer::Matching(vec![1, 0])));
    }

    #[test]
    fn fill_in_normalization() {
        let key = |k: &str| q(AnswerKey::FillIn(vec![k.into()]));
        for (key_text, typed) in [
            ("bind = true", "bind=True"),
            ("bind = true", "`bind = True`"),
            ("restore", "restore()"),
            ("restore", "`restore()`"),
            ("10,3", "10, 3"),
            ("10,3", "10 ,3"),
            ("10, 3", "10,3"),
            ("max_retries=3", "max_retries = 3"),
            ("app.control.revoke", "  'app.control.revoke'  "),
            ("group(a, b)", "group(a,b)"),
        ] {
            assert!(
                grade(&key(key_text), &Answer::Text(typed.into())),
                "`{typed}` should match `{key_text}`"
            );
        }
        for (key_text, typed) in [
            ("restore", "restored"),
            ("10,3", "103"),
            ("bind = true", "bind = false"),
            ("restore", ""),
            ("restore", "()"),
        ] {
            assert!(
                !grade(&key(key_text), &Answer::Text(typed.into())),
                "`{typed}` should not match `{key_text}`"
            );
        }
        assert_eq!(normalize_fill_in(" A  =  B ,  C() "), "a=b,c");
    }

    #[test]
    fn codes_are_read_against_the_question() {
        let p = Presentation::daily(1);
        let mc = mc();
        let o = p.order(&mc);
        // c<k> is the displayed position k, mapped back to the canonical choice.
        for k in 0..3 {
            assert_eq!(
                Answer::from_code(&format!("c{k}"), &[], &mc, &o),
                Ok(Answer::Choice(o.shown[k]))
            );
        }
        assert!(matches!(
            Answer::from_code("c3", &[], &mc, &o),
            Err(AnswerError::NoSuchChoice(_))
        ));
        assert!(matches!(
            Answer::from_code("c99", &[], &mc, &o),
            Err(AnswerError::NoSuchChoice(_))
        ));
        assert!(matches!(
            Answer::from_code("cx", &[], &mc, &o),
            Err(AnswerError::Unreadable(_))
        ));
        assert!(matches!(
            Answer::from_code("b1", &[], &mc, &o),
            Err(AnswerError::WrongKind { .. })
        ));
        assert!(matches!(
            Answer::from_code("m", &["0-0".into()], &mc, &o),
            Err(AnswerError::WrongKind { .. })
        ));
        assert!(Answer::modal_allowed(&mc).is_err());
        assert!(Answer::Text("b".into()).check_against(&mc).is_err());

        let tf = q(AnswerKey::TrueFalse(true));
        let o = p.order(&tf);
        assert_eq!(
            Answer::from_code("b0", &[], &tf, &o),
            Ok(Answer::Bool(false))
        );
        assert!(Answer::from_code("c0", &[], &tf, &o).is_err());
        assert!(Answer::from_code("m", &[], &tf, &o).is_err());
        assert!(Answer::from_code("b2", &[], &tf, &o).is_err());

        let fi = q(AnswerKey::FillIn(vec!["x".into()]));
        assert!(Answer::modal_allowed(&fi).is_ok());
        assert!(Answer::Text("x".into()).check_against(&fi).is_ok());
        assert_eq!(
            Answer::Text("  ".into()).check_against(&fi),
            Err(AnswerError::Empty)
        );
        assert_eq!(
            Answer::Text("x".repeat(201)).check_against(&fi),
            Err(AnswerError::TooLong)
        );
        assert!(Answer::from_code("b1", &[], &fi, &p.order(&fi)).is_err());
    }

    #[test]
    fn describe_and_correct_text_use_the_canonical_text() {
        let mc = mc();
        assert_eq!(Answer::Choice(2).describe(&mc), "c");
        assert_eq!(correct_text(&mc), "b");
        assert_eq!(
            Answer::Matching(vec![0, 2, 1]).describe(&matching()),
            "a → 1; b → 3; c → 2"
        );
    }

    #[test]
    fn encode_roundtrip() {
        for a in [
            Answer::Choice(3),
            Answer::Bool(true),
            Answer::Text("x: y".into()),
            Answer::Matching(vec![2, 0, 1]),
        ] {
            assert_eq!(Answer::decode(&a.encode()), Some(a));
        }
    }

    #[test]
    fn matching_values() {
        let m = matching();
        let o = Presentation::practice(4).order(&m);
        // Choose, for each left l, the shown position of pair l: correct.
        let vals: Vec<String> = (0..3)
            .map(|l| format!("{l}-{}", o.position_of(l).unwrap()))
            .collect();
        let a = Answer::from_code("m", &vals, &m, &o).unwrap();
        assert_eq!(a, Answer::Matching(vec![0, 1, 2]));
        assert!(grade(&m, &a));
        // One letter for two items: rejected, naming both items and the letter.
        let e = parse_matching(&["0-0".into(), "1-0".into(), "2-2".into()], &o).unwrap_err();
        assert_eq!(
            e.to_string(),
            "Items 1 and 2 both got **A**: each letter can be used only once."
        );
        // Two letters for one item.
        assert!(parse_matching(&["0-0".into(), "0-1".into(), "2-2".into()], &o).is_err());
        // Missing items, out-of-range values, garbage.
        assert!(parse_matching(&["0-0".into()], &o).is_err());
        assert!(parse_matching(&["0-3".into(), "1-0".into(), "2-1".into()], &o).is_err());
        assert!(parse_matching(&["zz".into()], &o).is_err());
        // A canonical matching that uses an item twice is rejected too.
        assert!(Answer::Matching(vec![0, 0, 1]).check_against(&m).is_err());
        assert!(Answer::Matching(vec![0, 1]).check_against(&m).is_err());
    }
}
