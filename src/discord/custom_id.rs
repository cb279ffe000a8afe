//! Every `custom_id` the bot puts on a button, select menu or modal, as one typed value.
//!
//! The string formats (kept stable, since old messages in a server still carry them):
//!
//! | id | meaning |
//! |---|---|
//! | `qz:<quiz>:<code>` | an answer to daily quiz `<quiz>` |
//! | `pr:<session>:<position>:<code>` | an answer in a practice session |
//! | `xm:<exam>:<position>:<code>` | an answer in an exam |
//! | `ex:<page>:<query>` | show result `<page>` of an `/explain` search to the clicker |
//! | `exp:<page>:<query>` | post result `<page>` in the channel |
//! | `rm:<question id>` | the lesson section of a question ("Read more") |
//! | `oh:remind:<series>` | toggle an office-hours reminder |
//! | `oh:lead:<series>` | the reminder lead-time select |
//!
//! Answer codes: `c<i>` (choice at displayed position i), `b1`/`b0` (true/false), `m` (the
//! matching select), `f` (the fill-in button that opens a modal) and `fm` (that modal).
//!
//! Parsing is strict and never panics: every number is canonical decimal ASCII and within its
//! bounds, so that a forged id cannot make the bot allocate, loop or index out of range, and a
//! parsed id prints back to exactly the string it came from. [`fmt::Display`] output is at most
//! [`MAX_LEN`] bytes by construction (the query and question fields are bounded newtypes).

use std::fmt;
use std::str::FromStr;

/// Discord's limit on a custom_id, in bytes.
pub const MAX_LEN: usize = 100;
/// `/explain` result pages a button may ask for: `0..MAX_EXPLAIN_PAGES`.
pub const MAX_EXPLAIN_PAGES: usize = 25;
/// Positions in a practice session or exam: `0..MAX_POSITIONS`.
pub const MAX_POSITIONS: usize = 200;
/// Choices a multiple-choice question may show: `0..MAX_CHOICES` (5 rows of 5 buttons).
pub const MAX_CHOICES: u8 = 25;
/// Longest query kept in an explain button, in bytes: `exp:` + two digits + `:` + this fits
/// in [`MAX_LEN`] with room to spare (`exp:255:` would too).
pub const MAX_QUERY_BYTES: usize = 90;
/// Longest question id (the content loader enforces the same: letters, digits, `-`, `_`).
pub const MAX_QUESTION_ID: usize = 40;

/// Why a custom_id was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CustomIdError {
    #[error("the id is longer than {MAX_LEN} bytes")]
    TooLong,
    #[error("unknown kind `{0}`")]
    UnknownKind(String),
    #[error("field `{0}` is missing")]
    Missing(&'static str),
    #[error("field `{field}` is not a number in {min}..={max}")]
    OutOfRange {
        field: &'static str,
        min: u64,
        max: u64,
    },
    #[error("unknown answer code `{0}`")]
    UnknownCode(String),
    #[error("field `{0}` is empty or not allowed")]
    BadText(&'static str),
    #[error("unexpected extra fields")]
    Extra,
}

/// How a click answers a question.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AnswerCode {
    /// `c<i>`: the choice shown at position `i` (`i < MAX_CHOICES`).
    Choice(u8),
    /// `b1` / `b0`
    Bool(bool),
    /// `m`: the matching select (its values carry the answer).
    Matching,
    /// `f`: the "Answer" button of a fill-in question (opens the modal).
    FillIn,
    /// `fm`: the fill-in modal's submission.
    FillInModal,
}

impl fmt::Display for AnswerCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AnswerCode::Choice(i) => write!(f, "c{i}"),
            AnswerCode::Bool(true) => f.write_str("b1"),
            AnswerCode::Bool(false) => f.write_str("b0"),
            AnswerCode::Matching => f.write_str("m"),
            AnswerCode::FillIn => f.write_str("f"),
            AnswerCode::FillInModal => f.write_str("fm"),
        }
    }
}

impl FromStr for AnswerCode {
    type Err = CustomIdError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "b1" => Ok(AnswerCode::Bool(true)),
            "b0" => Ok(AnswerCode::Bool(false)),
            "m" => Ok(AnswerCode::Matching),
            "f" => Ok(AnswerCode::FillIn),
            "fm" => Ok(AnswerCode::FillInModal),
            _ => match s.strip_prefix('c') {
                Some(i) => {
                    let i = number(i, "choice", 0, u64::from(MAX_CHOICES) - 1)?;
                    Ok(AnswerCode::Choice(i as u8))
                }
                None => Err(CustomIdError::UnknownCode(s.chars().take(20).collect())),
            },
        }
    }
}

/// What a set of answer components answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AnswerTarget {
    /// `qz:<quiz>`
    Daily { quiz: i64 },
    /// `pr:<session>:<position>`
    Practice { session: i64, position: usize },
    /// `xm:<exam>:<position>`
    Exam { exam: i64, position: usize },
}

impl AnswerTarget {
    /// The custom_id of answer `code` to this target.
    pub fn id(self, code: AnswerCode) -> CustomId {
        CustomId::Answer { target: self, code }
    }

    /// The custom_id string of answer `code` to this target.
    pub fn code(self, code: AnswerCode) -> String {
        self.id(code).to_string()
    }
}

/// An `/explain` query as carried in a button: non-empty, at most [`MAX_QUERY_BYTES`] bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Query(String);

impl Query {
    /// `s` cut (at a character boundary) to [`MAX_QUERY_BYTES`]; `None` when it is blank.
    pub fn fit(s: &str) -> Option<Query> {
        let mut out = String::new();
        for c in s.chars() {
            if out.len() + c.len_utf8() > MAX_QUERY_BYTES {
                break;
            }
            out.push(c);
        }
        (!out.trim().is_empty()).then_some(Query(out))
    }

    /// Exactly `s`, or `None` when it is blank or too long.
    pub fn exact(s: &str) -> Option<Query> {
        (s.len() <= MAX_QUERY_BYTES && !s.trim().is_empty()).then(|| Query(s.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A question id as carried in a "Read more" button: 1 to [`MAX_QUESTION_ID`] ASCII letters,
/// digits, `-` or `_`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuestionRef(String);

impl QuestionRef {
    pub fn new(s: &str) -> Option<QuestionRef> {
        let ok = !s.is_empty()
            && s.len() <= MAX_QUESTION_ID
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        ok.then(|| QuestionRef(s.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Every custom_id the bot creates or accepts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CustomId {
    /// `qz:…`, `pr:…`, `xm:…`: an answer.
    Answer {
        target: AnswerTarget,
        code: AnswerCode,
    },
    /// `ex:<page>:<query>` (`post: false`) or `exp:<page>:<query>` (`post: true`).
    Explain { page: u8, query: Query, post: bool },
    /// `rm:<question id>`
    ReadMore { question: QuestionRef },
    /// `oh:remind:<series>`
    Remind { series: i64 },
    /// `oh:lead:<series>`
    RemindLead { series: i64 },
}

impl CustomId {
    /// The explain button for result `page` of `query`; `None` when the page is past
    /// [`MAX_EXPLAIN_PAGES`] or the query is blank (the button is then not shown).
    pub fn explain(page: usize, query: &str, post: bool) -> Option<CustomId> {
        if page >= MAX_EXPLAIN_PAGES {
            return None;
        }
        Some(CustomId::Explain {
            page: page as u8,
            query: Query::fit(query)?,
            post,
        })
    }

    /// The "Read more" button of question `id`; `None` for an id a button cannot carry.
    pub fn read_more(id: &str) -> Option<CustomId> {
        QuestionRef::new(id).map(|question| CustomId::ReadMore { question })
    }

    /// The custom_id's kind, for logs (never the user-chosen part).
    pub fn kind(&self) -> &'static str {
        match self {
            CustomId::Answer {
                target: AnswerTarget::Daily { .. },
                ..
            } => "qz",
            CustomId::Answer {
                target: AnswerTarget::Practice { .. },
                ..
            } => "pr",
            CustomId::Answer {
                target: AnswerTarget::Exam { .. },
                ..
            } => "xm",
            CustomId::Explain { post: false, .. } => "ex",
            CustomId::Explain { post: true, .. } => "exp",
            CustomId::ReadMore { .. } => "rm",
            CustomId::Remind { .. } => "oh:remind",
            CustomId::RemindLead { .. } => "oh:lead",
        }
    }
}

impl fmt::Display for CustomId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CustomId::Answer { target, code } => match target {
                AnswerTarget::Daily { quiz } => write!(f, "qz:{quiz}:{code}"),
                AnswerTarget::Practice { session, position } => {
                    write!(f, "pr:{session}:{position}:{code}")
                }
                AnswerTarget::Exam { exam, position } => write!(f, "xm:{exam}:{position}:{code}"),
            },
            CustomId::Explain { page, query, post } => {
                let kind = if *post { "exp" } else { "ex" };
                write!(f, "{kind}:{page}:{}", query.0)
            }
            CustomId::ReadMore { question } => write!(f, "rm:{}", question.0),
            CustomId::Remind { series } => write!(f, "oh:remind:{series}"),
            CustomId::RemindLead { series } => write!(f, "oh:lead:{series}"),
        }
    }
}

/// A canonical decimal number in `min..=max`: ASCII digits only, no sign, no leading zero.
fn number(s: &str, field: &'static str, min: u64, max: u64) -> Result<u64, CustomIdError> {
    let out = || CustomIdError::OutOfRange { field, min, max };
    if s.is_empty() {
        return Err(CustomIdError::Missing(field));
    }
    if s.len() > 19 || !s.bytes().all(|b| b.is_ascii_digit()) || (s.len() > 1 && s.starts_with('0'))
    {
        return Err(out());
    }
    let n: u64 = s.parse().map_err(|_| out())?;
    if n < min || n > max {
        return Err(out());
    }
    Ok(n)
}

/// A row id: 1..=i64::MAX.
fn row_id(s: Option<&str>, field: &'static str) -> Result<i64, CustomIdError> {
    let s = s.ok_or(CustomIdError::Missing(field))?;
    Ok(number(s, field, 1, i64::MAX as u64)? as i64)
}

fn position(s: Option<&str>) -> Result<usize, CustomIdError> {
    let s = s.ok_or(CustomIdError::Missing("position"))?;
    Ok(number(s, "position", 0, MAX_POSITIONS as u64 - 1)? as usize)
}

fn code(s: Option<&str>) -> Result<AnswerCode, CustomIdError> {
    s.ok_or(CustomIdError::Missing("code"))?.parse()
}

fn end<'a>(mut parts: impl Iterator<Item = &'a str>) -> Result<(), CustomIdError> {
    match parts.next() {
        None => Ok(()),
        Some(_) => Err(CustomIdError::Extra),
    }
}

impl FromStr for CustomId {
    type Err = CustomIdError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s.len() > MAX_LEN {
            return Err(CustomIdError::TooLong);
        }
        let (kind, rest) = s.split_once(':').unwrap_or((s, ""));
        match kind {
            "qz" => {
                let mut p = rest.split(':');
                let quiz = row_id(p.next(), "quiz")?;
                let code = code(p.next())?;
                end(p)?;
                Ok(AnswerTarget::Daily { quiz }.id(code))
            }
            "pr" | "xm" => {
                let mut p = rest.split(':');
                let id = row_id(p.next(), if kind == "pr" { "session" } else { "exam" })?;
                let position = position(p.next())?;
                let code = code(p.next())?;
                end(p)?;
                let target = if kind == "pr" {
                    AnswerTarget::Practice {
                        session: id,
                        position,
                    }
                } else {
                    AnswerTarget::Exam { exam: id, position }
                };
                Ok(target.id(code))
            }
            "ex" | "exp" => {
                let (page, query) = rest
                    .split_once(':')
                    .ok_or(CustomIdError::Missing("query"))?;
                let page = number(page, "page", 0, MAX_EXPLAIN_PAGES as u64 - 1)? as u8;
                let query = Query::exact(query).ok_or(CustomIdError::BadText("query"))?;
                Ok(CustomId::Explain {
                    page,
                    query,
                    post: kind == "exp",
                })
            }
            "rm" => {
                let question = QuestionRef::new(rest).ok_or(CustomIdError::BadText("question"))?;
                Ok(CustomId::ReadMore { question })
            }
            "oh" => {
                let mut p = rest.split(':');
                let what = p.next().unwrap_or("");
                let series = row_id(p.next(), "session")?;
                end(p)?;
                match what {
                    "remind" => Ok(CustomId::Remind { series }),
                    "lead" => Ok(CustomId::RemindLead { series }),
                    other => Err(CustomIdError::UnknownKind(format!(
                        "oh:{}",
                        other.chars().take(20).collect::<String>()
                    ))),
                }
            }
            other => Err(CustomIdError::UnknownKind(other.chars().take(20).collect())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn parse(s: &str) -> Result<CustomId, CustomIdError> {
        s.parse()
    }

    #[test]
    fn known_formats_parse() {
        assert_eq!(
            parse("qz:12:c3"),
            Ok(AnswerTarget::Daily { quiz: 12 }.id(AnswerCode::Choice(3)))
        );
        assert_eq!(
            parse("pr:7:2:b0"),
            Ok(AnswerTarget::Practice {
                session: 7,
                position: 2
            }
            .id(AnswerCode::Bool(false)))
        );
        assert_eq!(
            parse("xm:9:0:fm"),
            Ok(AnswerTarget::Exam {
                exam: 9,
                position: 0
            }
            .id(AnswerCode::FillInModal))
        );
        assert_eq!(
            parse("ex:1:chord: with a colon").map(|c| c.to_string()),
            Ok("ex:1:chord: with a colon".to_string())
        );
        assert_eq!(
            parse("rm:m01-001"),
            Ok(CustomId::read_more("m01-001").unwrap())
        );
        assert_eq!(parse("oh:lead:4"), Ok(CustomId::RemindLead { series: 4 }));
        assert_eq!(parse("oh:remind:4"), Ok(CustomId::Remind { series: 4 }));
    }

    #[test]
    fn hostile_ids_are_refused() {
        for s in [
            "ex:1000000000:x",
            "ex:25:x",
            "exp:18446744073709551616:x",
            "ex:-1:x",
            "ex:+1:x",
            "ex:01:x",
            "ex:1:",
            "ex:1:   ",
            "ex",
            "ex:",
            "exp",
            "rm",
            "rm:",
            "rm:../../etc",
            "rm:é",
            "qz:0:c1",
            "qz:-5:c1",
            "qz:9223372036854775808:c1",
            "qz:1:c25",
            "qz:1:c",
            "qz:1:x",
            "qz:1:c1:extra",
            "pr:1:200:c0",
            "pr:1:1",
            "xm:1::c0",
            "oh:remind:",
            "oh:remind:0",
            "oh:other:1",
            "oh:remind:1:2",
            "zz:1",
            "",
            ":",
        ] {
            assert!(parse(s).is_err(), "{s:?} was accepted");
        }
        assert_eq!(parse(&"x".repeat(101)), Err(CustomIdError::TooLong));
    }

    #[test]
    fn explain_buttons_fit_and_stop_at_the_last_page() {
        let q = "é".repeat(200);
        let id = CustomId::explain(24, &q, true).unwrap().to_string();
        assert!(id.len() <= MAX_LEN);
        assert!(id.starts_with("exp:24:é"));
        assert_eq!(parse(&id).map(|c| c.to_string()), Ok(id));
        assert!(CustomId::explain(25, "x", false).is_none());
        assert!(CustomId::explain(0, "  ", false).is_none());
    }

    fn code_strategy() -> impl Strategy<Value = AnswerCode> {
        prop_oneof![
            (0..MAX_CHOICES).prop_map(AnswerCode::Choice),
            any::<bool>().prop_map(AnswerCode::Bool),
            Just(AnswerCode::Matching),
            Just(AnswerCode::FillIn),
            Just(AnswerCode::FillInModal),
        ]
    }

    fn valid_strategy() -> impl Strategy<Value = CustomId> {
        let id = 1..=i64::MAX;
        let pos = 0..MAX_POSITIONS;
        prop_oneof![
            (id.clone(), code_strategy()).prop_map(|(quiz, c)| AnswerTarget::Daily { quiz }.id(c)),
            (id.clone(), pos.clone(), code_strategy()).prop_map(|(session, position, c)| {
                AnswerTarget::Practice { session, position }.id(c)
            }),
            (id.clone(), pos, code_strategy()).prop_map(|(exam, position, c)| AnswerTarget::Exam {
                exam,
                position
            }
            .id(c)),
            (0..MAX_EXPLAIN_PAGES, any::<String>(), any::<bool>())
                .prop_filter_map("blank query", |(p, q, post)| CustomId::explain(p, &q, post)),
            proptest::collection::vec(
                prop_oneof![
                    proptest::char::range('a', 'z'),
                    proptest::char::range('0', '9'),
                    Just('-'),
                    Just('_')
                ],
                1..=MAX_QUESTION_ID
            )
            .prop_map(|v| CustomId::read_more(&v.into_iter().collect::<String>()).unwrap()),
            id.clone().prop_map(|series| CustomId::Remind { series }),
            id.prop_map(|series| CustomId::RemindLead { series }),
        ]
    }

    /// Strings that look like ids: a known prefix, then pieces that are often numbers.
    fn id_like_strategy() -> impl Strategy<Value = String> {
        let prefix = prop_oneof![
            Just("qz"),
            Just("pr"),
            Just("xm"),
            Just("ex"),
            Just("exp"),
            Just("rm"),
            Just("oh"),
            Just("oh:remind"),
            Just("oh:lead")
        ];
        let piece = prop_oneof![
            any::<i64>().prop_map(|n| n.to_string()),
            any::<u64>().prop_map(|n| n.to_string()),
            (0u32..300).prop_map(|n| n.to_string()),
            Just("c1".to_string()),
            Just("fm".to_string()),
            Just(String::new()),
            any::<String>(),
        ];
        (prefix, proptest::collection::vec(piece, 0..5))
            .prop_map(|(p, pieces)| format!("{p}:{}", pieces.join(":")))
    }

    proptest! {
        #[test]
        fn valid_ids_round_trip_within_discord_limit(id in valid_strategy()) {
            let s = id.to_string();
            prop_assert!(s.len() <= MAX_LEN, "{} bytes: {}", s.len(), s);
            prop_assert_eq!(parse(&s), Ok(id));
        }

        #[test]
        fn any_string_parses_without_panic_and_canonically(s in any::<String>()) {
            if let Ok(id) = parse(&s) {
                prop_assert_eq!(id.to_string(), s);
            }
        }

        #[test]
        fn id_like_strings_parse_canonically_and_in_bounds(s in id_like_strategy()) {
            if let Ok(id) = parse(&s) {
                prop_assert_eq!(id.to_string(), s.clone());
                prop_assert!(s.len() <= MAX_LEN);
                match id {
                    CustomId::Explain { page, .. } => prop_assert!((page as usize) < MAX_EXPLAIN_PAGES),
                    CustomId::Answer { target: AnswerTarget::Practice { position, session }, .. }
                    | CustomId::Answer { target: AnswerTarget::Exam { position, exam: session }, .. } => {
                        prop_assert!(position < MAX_POSITIONS);
                        prop_assert!(session > 0);
                    }
                    CustomId::Answer { target: AnswerTarget::Daily { quiz }, .. } => prop_assert!(quiz > 0),
                    CustomId::Remind { series } | CustomId::RemindLead { series } => prop_assert!(series > 0),
                    CustomId::ReadMore { .. } => {}
                }
            }
        }
    }
}
