//! How a question is presented: the order of its choices (multiple choice) or of its right-hand
//! items (matching) for one presentation (a daily quiz, a practice session or an exam).
//!
//! Files keep the canonical order; every presentation shows a shuffle of it, derived only from
//! the presentation and the question id (FNV-1a, then SplitMix64 and Fisher-Yates). Nothing
//! depends on the wall clock or on std's hashers, so a restart, a re-render or another build shows
//! the same order, and a displayed position always maps back to the same canonical choice.

use crate::content::{AnswerKey, Question};
use crate::hash::{fnv1a, splitmix64};

/// The kind of a presentation, with the prefix its components use (`qz`, `pr`, `xm`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A daily quiz posted in a channel (`qz:<quiz id>`).
    Daily,
    /// A practice session (`pr:<session id>`).
    Practice,
    /// A certification exam (`xm:<exam id>`).
    Exam,
}

impl Kind {
    pub fn prefix(self) -> &'static str {
        match self {
            Kind::Daily => "qz",
            Kind::Practice => "pr",
            Kind::Exam => "xm",
        }
    }
    pub fn from_prefix(p: &str) -> Option<Kind> {
        match p {
            "qz" => Some(Kind::Daily),
            "pr" => Some(Kind::Practice),
            "xm" => Some(Kind::Exam),
            _ => None,
        }
    }
}

/// One presentation: a daily quiz, a practice session or an exam, by its database id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Presentation {
    pub kind: Kind,
    pub id: i64,
    /// Shuffled (every presentation created since migration 0005). A row from before shows
    /// choices in file order (and matchings in the old per-question order), as it was posted.
    pub shuffled: bool,
}

impl Presentation {
    /// A (shuffled) daily quiz.
    pub fn daily(id: i64) -> Self {
        Presentation {
            kind: Kind::Daily,
            id,
            shuffled: true,
        }
    }
    /// A (shuffled) practice session.
    pub fn practice(id: i64) -> Self {
        Presentation {
            kind: Kind::Practice,
            id,
            shuffled: true,
        }
    }
    /// A (shuffled) exam.
    pub fn exam(id: i64) -> Self {
        Presentation {
            kind: Kind::Exam,
            id,
            shuffled: true,
        }
    }
    /// The same presentation, shuffled or (a row from before migration 0005) not.
    pub fn with_shuffle(self, shuffled: bool) -> Self {
        Presentation { shuffled, ..self }
    }

    pub fn of_quiz(q: &crate::store::quiz::Quiz) -> Self {
        Self::daily(q.id).with_shuffle(q.shuffled)
    }
    pub fn of_session(s: &crate::store::practice::Session) -> Self {
        Self::practice(s.id).with_shuffle(s.shuffled)
    }
    pub fn of_exam(e: &crate::store::certification::Exam) -> Self {
        Self::exam(e.id).with_shuffle(e.shuffled)
    }

    /// The (shuffled) presentation a component custom id belongs to (`qz:<id>:…`, `pr:<id>:…`,
    /// `xm:<id>:…`); `None` for anything else.
    pub fn from_custom_id(custom_id: &str) -> Option<Self> {
        let mut parts = custom_id.split(':');
        let kind = Kind::from_prefix(parts.next()?)?;
        let id = parts.next()?.parse().ok()?;
        Some(Presentation {
            kind,
            id,
            shuffled: true,
        })
    }

    /// The seed of a question's shuffle in this presentation: FNV-1a over
    /// `"<prefix>:<id>:<question id>"`, stable across builds and platforms.
    pub fn seed(&self, question_id: &str) -> u64 {
        fnv1a(format!("{}:{}:{}", self.kind.prefix(), self.id, question_id).as_bytes())
    }

    /// How `q` is shown in this presentation.
    pub fn order(&self, q: &Question) -> Order {
        let n = match &q.key {
            AnswerKey::MultipleChoice { choices, .. } => choices.len(),
            AnswerKey::Matching(pairs) => pairs.len(),
            AnswerKey::TrueFalse(_) | AnswerKey::FillIn(_) => 0,
        };
        if !self.shuffled {
            return Order {
                shown: match q.key {
                    AnswerKey::Matching(_) => legacy_matching_order(&q.id, n),
                    _ => (0..n).collect(),
                },
            };
        }
        let mut shown = shuffle(n, self.seed(&q.id));
        // A matching shown in file order would be answered "1-A, 2-B, …" without reading.
        if matches!(q.key, AnswerKey::Matching(_))
            && n > 1
            && shown.iter().enumerate().all(|(k, v)| k == *v)
        {
            shown.rotate_left(1);
        }
        Order { shown }
    }
}

/// The displayed order of a question's choices (or right-hand matching items).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Order {
    /// `shown[k]` is the canonical index displayed at position `k`.
    pub shown: Vec<usize>,
}

impl Order {
    /// The canonical index shown at display position `k`; `None` when there is no such position.
    pub fn canonical(&self, k: usize) -> Option<usize> {
        self.shown.get(k).copied()
    }
    /// The display position of canonical index `i`; `None` when the question has no such index.
    pub fn position_of(&self, i: usize) -> Option<usize> {
        self.shown.iter().position(|&c| c == i)
    }
    pub fn len(&self) -> usize {
        self.shown.len()
    }
    pub fn is_empty(&self) -> bool {
        self.shown.is_empty()
    }
}

/// The matching order used before presentations were shuffled (keyed only by the question id),
/// for quizzes, sessions and exams created before migration 0005.
fn legacy_matching_order(question_id: &str, n: usize) -> Vec<usize> {
    let mut order: Vec<usize> = (0..n).collect();
    let mut h = fnv1a(question_id.as_bytes());
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

/// A uniform permutation of `0..n` (Fisher-Yates driven by SplitMix64 from `seed`).
pub fn shuffle(n: usize, seed: u64) -> Vec<usize> {
    let mut order: Vec<usize> = (0..n).collect();
    let mut state = seed;
    for i in (1..n).rev() {
        // Multiply-shift maps a 64-bit value onto 0..=i without modulo bias worth measuring.
        let j = ((splitmix64(&mut state) as u128 * (i as u128 + 1)) >> 64) as usize;
        order.swap(i, j);
    }
    order
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::content::AnswerKey;

    fn mc(id: &str, n: usize, answer: usize) -> Question {
        Question {
            id: id.into(),
            module: "m01".into(),
            topic: "t".into(),
            prompt: "p".into(),
            key: AnswerKey::MultipleChoice {
                choices: (0..n).map(|i| format!("choice {i}")).collect(),
                answer,
            },
            explanation: "e".into(),
        }
    }

    #[test]
    fn known_values_do_not_change_between_builds() {
        // FNV-1a test vectors.
        assert_eq!(fnv1a(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a(b"a"), 0xaf63_dc4c_8601_ec8c);
        // SplitMix64 from 0 (reference implementation).
        let mut s = 0;
        assert_eq!(splitmix64(&mut s), 0xe220_a839_7b1d_cdaf);
        // A fixed presentation always shows the same order.
        let q = mc("m01-001", 4, 1);
        let a = Presentation::daily(7).order(&q);
        assert_eq!(a, Presentation::daily(7).order(&q));
        assert_eq!(
            Presentation::daily(7).seed("m01-001"),
            fnv1a(b"qz:7:m01-001")
        );
    }

    #[test]
    fn every_order_is_a_permutation_and_maps_back() {
        for id in 0..200 {
            let q = mc("m02-010", 5, 1);
            let o = Presentation::practice(id).order(&q);
            let mut s = o.shown.clone();
            s.sort();
            assert_eq!(s, vec![0, 1, 2, 3, 4]);
            for k in 0..5 {
                assert_eq!(o.position_of(o.canonical(k).unwrap()), Some(k));
            }
            assert_eq!(o.canonical(5), None);
        }
    }

    #[test]
    fn presentations_differ() {
        let q = mc("m03-004", 4, 1);
        let orders: std::collections::HashSet<Vec<usize>> = (0..50)
            .map(|i| Presentation::exam(i).order(&q).shown)
            .collect();
        assert!(orders.len() > 10, "{orders:?}");
        assert_ne!(
            Presentation::exam(3).order(&q),
            Presentation::practice(3).order(&q).clone()
        );
    }

    /// 10,000 seeded presentations: no display position holds the right answer more often
    /// than 1/n + 5 percentage points, for 3, 4 and 5 choices, wherever the key is in the file.
    #[test]
    fn the_right_answer_is_spread_over_positions() {
        for n in [3usize, 4, 5] {
            for answer in 0..n {
                let q = mc(&format!("m05-0{n}{answer}"), n, answer);
                let mut at = vec![0usize; n];
                for id in 0..10_000 {
                    let o = Presentation::daily(id).order(&q);
                    at[o.position_of(answer).unwrap()] += 1;
                }
                let limit = 10_000.0 * (1.0 / n as f64 + 0.05);
                for (k, c) in at.iter().enumerate() {
                    assert!(
                        (*c as f64) <= limit,
                        "n={n} answer={answer}: position {k} right {c} times of 10000 ({at:?})"
                    );
                }
            }
        }
    }

    #[test]
    fn matching_is_never_shown_in_file_order() {
        let q = Question {
            key: AnswerKey::Matching(vec![
                ("a".into(), "1".into()),
                ("b".into(), "2".into()),
                ("c".into(), "3".into()),
            ]),
            ..mc("m04-001", 1, 0)
        };
        for id in 0..500 {
            let o = Presentation::daily(id).order(&q);
            assert_ne!(o.shown, vec![0, 1, 2]);
        }
    }

    #[test]
    fn rows_from_before_the_shuffle_keep_their_order() {
        let q = mc("m01-001", 4, 1);
        let old = Presentation::daily(7).with_shuffle(false);
        assert_eq!(old.order(&q).shown, vec![0, 1, 2, 3]);
        let m = Question {
            key: AnswerKey::Matching(vec![
                ("a".into(), "1".into()),
                ("b".into(), "2".into()),
                ("c".into(), "3".into()),
            ]),
            ..mc("m02-001", 1, 0)
        };
        // The old order depended on the question only.
        assert_eq!(
            old.order(&m),
            Presentation::exam(99).with_shuffle(false).order(&m)
        );
        assert_eq!(old.order(&m).shown, legacy_matching_order("m02-001", 3));
    }

    #[test]
    fn custom_ids_name_their_presentation() {
        assert_eq!(
            Presentation::from_custom_id("qz:12:c0"),
            Some(Presentation::daily(12))
        );
        assert_eq!(
            Presentation::from_custom_id("xm:3:4:b1"),
            Some(Presentation::exam(3))
        );
        assert_eq!(
            Presentation::from_custom_id("pr:9"),
            Some(Presentation::practice(9))
        );
        assert_eq!(Presentation::from_custom_id("rm:m01-001"), None);
        assert_eq!(Presentation::from_custom_id("qz:x:c0"), None);
    }
}
