//! A member's answer to a question, its stable text form, and grading.

use crate::content::{normalize_answer, AnswerKey, Question};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    /// Index of the chosen choice (multiple choice).
    Choice(usize),
    Bool(bool),
    Text(String),
    /// For each left item (in the question's order), the index of the right item chosen
    /// (in the question's order).
    Matching(Vec<usize>),
}

impl Answer {
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

    /// How the answer reads to a member, for "your answer was …".
    pub fn describe(&self, q: &Question) -> String {
        match (self, &q.key) {
            (Answer::Choice(i), AnswerKey::MultipleChoice { choices, .. }) => format!(
                "{} — {}",
                letter(*i),
                choices.get(*i).map(String::as_str).unwrap_or("?")
            ),
            (Answer::Bool(b), _) => if *b { "True" } else { "False" }.to_string(),
            (Answer::Text(t), _) => t.clone(),
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

/// `A`…`E` for choice indexes 0…4.
pub fn letter(i: usize) -> char {
    (b'A' + (i as u8).min(25)) as char
}

/// Whether `a` answers `q` correctly. An answer of the wrong kind is simply wrong.
pub fn grade(q: &Question, a: &Answer) -> bool {
    match (&q.key, a) {
        (AnswerKey::MultipleChoice { answer, .. }, Answer::Choice(i)) => answer == i,
        (AnswerKey::TrueFalse(k), Answer::Bool(b)) => k == b,
        (AnswerKey::FillIn(accepted), Answer::Text(t)) => {
            let t = normalize_answer(t.trim_matches(|c: char| c == '`' || c == '"' || c == '\''));
            accepted.iter().any(|a| normalize_answer(a) == t)
        }
        (AnswerKey::Matching(pairs), Answer::Matching(v)) => {
            v.len() == pairs.len() && v.iter().enumerate().all(|(l, r)| l == *r)
        }
        _ => false,
    }
}

/// The correct answer as text, for the reveal.
pub fn correct_text(q: &Question) -> String {
    match &q.key {
        AnswerKey::MultipleChoice { choices, answer } => {
            format!("{} — {}", letter(*answer), choices[*answer])
        }
        AnswerKey::TrueFalse(b) => if *b { "True" } else { "False" }.to_string(),
        AnswerKey::FillIn(a) => a.join(" / "),
        AnswerKey::Matching(p) => p
            .iter()
            .map(|(l, r)| format!("{l} → {r}"))
            .collect::<Vec<_>>()
            .join("\n"),
    }
}

/// The order in which the right-hand items of a matching question are shown (a fixed
/// shuffle, so the answer is not simply "in order"): `shown[k]` is the index of the pair whose
/// right side is displayed at position k.
pub fn matching_display_order(question_id: &str, n: usize) -> Vec<usize> {
    let mut order: Vec<usize> = (0..n).collect();
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in question_id.bytes() {
        h ^= b as u64;
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    for i in (1..n).rev() {
        h = h
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let j = (h >> 33) as usize % (i + 1);
        order.swap(i, j);
    }
    if n > 1 && order.iter().enumerate().all(|(k, v)| k == *v) {
        order.rotate_left(1);
    }
    order
}

/// Parse matching select values `"<left>-<shown position>"` into an [`Answer::Matching`]:
/// exactly one choice per left item, no right item used twice.
pub fn parse_matching(values: &[String], n: usize, shown: &[usize]) -> Result<Answer, String> {
    let mut out = vec![usize::MAX; n];
    let mut used = vec![false; n];
    for v in values {
        let (l, k) = v
            .split_once('-')
            .and_then(|(l, k)| Some((l.parse::<usize>().ok()?, k.parse::<usize>().ok()?)))
            .ok_or_else(|| format!("unreadable choice `{v}`"))?;
        if l >= n || k >= n {
            return Err(format!("unreadable choice `{v}`"));
        }
        if out[l] != usize::MAX {
            return Err("Pick exactly one match for each item on the left.".into());
        }
        let r = shown[k];
        if used[r] {
            return Err("Each item on the right can be used only once.".into());
        }
        used[r] = true;
        out[l] = r;
    }
    if out.contains(&usize::MAX) {
        return Err("Pick a match for every item on the left.".into());
    }
    Ok(Answer::Matching(out))
}

#[cfg(test)]
mod tests {
    use super::*;

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

    #[test]
    fn grading_each_type() {
        let mc = q(AnswerKey::MultipleChoice {
            choices: vec!["a".into(), "b".into()],
            answer: 1,
        });
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
        let shown = matching_display_order("m02-001", 3);
        let mut sorted = shown.clone();
        sorted.sort();
        assert_eq!(sorted, vec![0, 1, 2]);
        // Choose, for each left l, the shown position of pair l: correct.
        let vals: Vec<String> = (0..3)
            .map(|l| format!("{l}-{}", shown.iter().position(|&r| r == l).unwrap()))
            .collect();
        assert_eq!(
            parse_matching(&vals, 3, &shown).unwrap(),
            Answer::Matching(vec![0, 1, 2])
        );
        assert!(parse_matching(&["0-0".into(), "0-1".into(), "2-2".into()], 3, &shown).is_err());
        assert!(parse_matching(&["0-0".into()], 3, &shown).is_err());
    }
}
