//! Turning what a member typed into a tantivy query, and judging whether a passage answers it.

use super::idents;
use super::tokens;
use super::typo::Vocab;
use std::collections::HashSet;
use tantivy::query::{BooleanQuery, BoostQuery, Occur, PhraseQuery, Query, TermQuery};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::tokenizer::TextAnalyzer;
use tantivy::Term;

/// How much a match in a heading counts against one in the body.
const HEADING_BOOST: f32 = 3.0;
/// The module title: a hint of the area, weaker than the section's own words.
const TITLE_BOOST: f32 = 0.5;
/// The hidden expansion (questions of the section): helps find, weighs little.
const EXPANSION_BOOST: f32 = 0.35;
/// A compound identifier match (`ackslate`) is precise: it counts like a heading word.
const IDENT_BOOST: f32 = 2.0;
/// Two query words next to each other in the passage.
const PHRASE_BOOST: f32 = 1.5;
/// Words between the two words of a phrase that still count as "next to each other".
const PHRASE_SLOP: u32 = 2;
/// At most this many adjacent pairs become phrase queries (keeps long pasted errors fast).
const MAX_PHRASES: usize = 8;
/// Weights of terms by where they came from.
const TYPED: f32 = 1.0;
const CORRECTED: f32 = 0.85;
const SYNONYM: f32 = 0.7;
/// Question words and filler ("how", "do", "my") still match, but barely.
const FILLER: f32 = 0.15;
/// Words of a synonym phrase, which the phrase's target replaces.
const PHRASE_WORD: f32 = 0.3;
/// Weight of a word the course does not use, against the rarest word the course uses.
pub const UNKNOWN_WEIGHT: f32 = 0.3;
/// Credit a corrected word earns when the passage has the correction, not what was typed.
const CORRECTED_CREDIT: f32 = 0.7;

/// Words that ask rather than say what about: ignored when judging whether a passage answers.
pub const FILLER_WORDS: &str =
    "how do does did doing done i i'm im my me we our you your what whats why when \
    where which who can could should would get gets got getting use used using want wants need \
    needs way ways possible please help anyone thanks hi hello still just also \
    there here something anything make makes made like one only doesn don t s isn didn wont \
    cant question q issue problem feature work works working worked";

/// Lowercase words only: every character that is not a letter, digit or `_` becomes a space,
/// so query syntax (`"`, `:`, `(`, `-`, `*`, `@`) is just a separator.
pub fn normalize_query(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_alphanumeric() || c == '_' {
                c.to_lowercase().next().unwrap_or(c)
            } else {
                ' '
            }
        })
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// A word of the query that a passage should contain to answer it.
#[derive(Debug, Clone)]
pub struct Core {
    /// The analyzed word as typed (may be unknown to the index).
    pub token: String,
    /// What also counts for it: typo corrections or a synonym phrase's target.
    pub alts: Vec<String>,
    /// Credit earned by an alternative instead of the word itself.
    pub alt_credit: f32,
    /// The course uses the word itself (in its text or as an identifier compound).
    pub known: bool,
}

/// Add `token`, a word the course uses, to the core words unless it is there already.
fn push_known(core: &mut Vec<Core>, token: &str) {
    if !core.iter().any(|c| c.token == token) {
        core.push(Core {
            token: token.to_string(),
            alts: Vec::new(),
            alt_credit: 0.0,
            known: true,
        });
    }
}

impl Core {
    /// Neither the word nor a trusted alternative is in the course.
    fn unknown(&self) -> bool {
        !self.known && self.alt_credit == 0.0
    }
}

/// The analyzed query.
pub struct Plan {
    terms: Vec<(String, f32)>,
    idents: Vec<(String, f32)>,
    phrases: Vec<[String; 2]>,
    /// Content words (no filler), for the heading bonus and the relevance floor.
    pub core: Vec<Core>,
}

/// Everything the planner reads besides the query.
pub struct Context<'a> {
    pub vocab: &'a Vocab,
    pub ident_vocab: &'a HashSet<String>,
    pub synonyms: &'a [(String, Vec<String>)],
    pub fillers: &'a HashSet<String>,
    pub lexicon: &'a idents::Lexicon,
    /// Words of headings, glossary terms and module titles: a typo correction earns credit
    /// toward the relevance floor only when it lands on one of these ("chrods" → chord), not
    /// on any word of the text ("plugh" → plug).
    pub topic_words: &'a HashSet<String>,
}

pub fn plan(raw: &str, an: &mut TextAnalyzer, cx: &Context<'_>) -> Plan {
    let rewritten = cx.lexicon.rewrite(raw);
    let norm = normalize_query(&rewritten);
    let mut terms: Vec<(String, f32)> = Vec::new();
    let mut core: Vec<Core> = Vec::new();
    let add = |terms: &mut Vec<(String, f32)>, t: String, w: f32| {
        if let Some(e) = terms.iter_mut().find(|(x, _)| *x == t) {
            e.1 = e.1.max(w);
        } else {
            terms.push((t, w));
        }
    };
    let toks = tokens(an, &norm);
    let mut phrases: Vec<[String; 2]> = Vec::new();
    let mut prev: Option<String> = None;
    for t in &toks {
        if cx.fillers.contains(t) {
            if cx.vocab.contains(t) {
                add(&mut terms, t.clone(), FILLER);
            }
            prev = None;
            continue;
        }
        if cx.vocab.contains(t) {
            if let Some(p) = prev.take() {
                if phrases.len() < MAX_PHRASES && p != *t {
                    phrases.push([p, t.clone()]);
                }
            }
            prev = Some(t.clone());
            push_known(&mut core, t);
            add(&mut terms, t.clone(), TYPED);
        } else if cx.ident_vocab.contains(t) {
            // `SoftTimeLimit`: not a word of the text, but an identifier compound of it.
            prev = None;
            push_known(&mut core, t);
        } else {
            prev = None;
            // Identifier parts and numbers are not typos of words.
            let fixes = if t.chars().any(|c| c.is_ascii_digit()) {
                Vec::new()
            } else {
                cx.vocab.correct(t)
            };
            for f in &fixes {
                add(&mut terms, f.clone(), CORRECTED);
            }
            if !core.iter().any(|c| c.token == *t) {
                let trusted = fixes.iter().any(|f| cx.topic_words.contains(f));
                core.push(Core {
                    token: t.clone(),
                    alts: fixes,
                    alt_credit: if trusted { CORRECTED_CREDIT } else { 0.0 },
                    known: false,
                });
            }
        }
    }
    // Synonyms: whole words or phrases of the query. A phrase ("callback after group") stands
    // for its target ("chord"), so its own words count less and the target counts fully.
    let padded = format!(" {norm} ");
    for (key, targets) in cx.synonyms {
        if key.is_empty() || !padded.contains(&format!(" {key} ")) {
            continue;
        }
        let phrase = key.contains(' ');
        let mut target_tokens = Vec::new();
        for target in targets {
            for t in tokens(an, target) {
                if cx.vocab.contains(&t) {
                    target_tokens.push(t);
                }
            }
        }
        if phrase {
            let words = tokens(an, key);
            for (t, w) in terms.iter_mut() {
                if words.contains(t) {
                    *w = PHRASE_WORD;
                }
            }
            core.retain(|c| !words.contains(&c.token));
            for t in &target_tokens {
                push_known(&mut core, t);
                add(&mut terms, t.clone(), TYPED);
            }
        } else {
            let key_tokens = tokens(an, key);
            for c in core.iter_mut().filter(|c| key_tokens.contains(&c.token)) {
                for t in &target_tokens {
                    if !c.alts.contains(t) {
                        c.alts.push(t.clone());
                    }
                }
                c.alt_credit = c.alt_credit.max(SYNONYM);
            }
            for t in target_tokens {
                add(&mut terms, t, SYNONYM);
            }
        }
    }
    let idents = idents::query_compounds(&rewritten)
        .into_iter()
        .filter(|(c, _)| cx.ident_vocab.contains(c))
        .collect();
    Plan {
        terms,
        idents,
        phrases,
        core,
    }
}

/// Fields a query looks in.
#[derive(Clone, Copy)]
pub struct QueryFields {
    pub heading: Field,
    pub body: Field,
    pub title: Field,
    pub expansion: Field,
    pub idents: Field,
}

impl Plan {
    pub fn to_query(&self, f: QueryFields) -> Option<Box<dyn Query>> {
        if self.terms.is_empty() && self.idents.is_empty() {
            return None;
        }
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        let term = |field: Field, t: &str, boost: f32| -> (Occur, Box<dyn Query>) {
            let tq = TermQuery::new(
                Term::from_field_text(field, t),
                IndexRecordOption::WithFreqs,
            );
            (
                Occur::Should,
                Box::new(BoostQuery::new(Box::new(tq), boost)),
            )
        };
        for (t, w) in &self.terms {
            clauses.push(term(f.heading, t, HEADING_BOOST * w));
            clauses.push(term(f.body, t, *w));
            clauses.push(term(f.title, t, TITLE_BOOST * w));
            clauses.push(term(f.expansion, t, EXPANSION_BOOST * w));
        }
        for (c, w) in &self.idents {
            clauses.push(term(f.idents, c, IDENT_BOOST * w));
        }
        for [a, b] in &self.phrases {
            let mut pq = PhraseQuery::new(vec![
                Term::from_field_text(f.body, a),
                Term::from_field_text(f.body, b),
            ]);
            pq.set_slop(PHRASE_SLOP);
            clauses.push((
                Occur::Should,
                Box::new(BoostQuery::new(Box::new(pq), PHRASE_BOOST)),
            ));
        }
        Some(Box::new(BooleanQuery::new(clauses)))
    }

    /// When the heading is an identifier the query names, however spelled
    /// (`SoftTimeLimitExceeded` for "soft time limit exceeded", `acks_late` for
    /// `CELERY_ACKS_LATE`): how much of the longest named identifier it is (0 to 1], so the
    /// fullest name wins (`SoftTimeLimitExceeded` over `soft_time_limit`).
    pub fn names_heading(&self, heading: &str) -> Option<f32> {
        let key: String = heading
            .chars()
            .filter(|c| c.is_alphanumeric())
            .flat_map(char::to_lowercase)
            .collect();
        let longest = self.idents.iter().map(|(c, _)| c.len()).max()?;
        (!key.is_empty() && self.idents.iter().any(|(c, _)| *c == key))
            .then(|| key.len() as f32 / longest as f32)
    }

    /// Multiplier for a hit whose heading says what was asked: 1.6 when the heading's words are
    /// exactly the query's, 1.25 when the heading contains them all, 1.0 otherwise.
    pub fn heading_bonus(&self, heading_tokens: &[String]) -> f32 {
        if self.core.is_empty() {
            return 1.0;
        }
        let has = |c: &Core| {
            heading_tokens.contains(&c.token) || c.alts.iter().any(|a| heading_tokens.contains(a))
        };
        if !self.core.iter().all(has) {
            return 1.0;
        }
        let all_of_heading = heading_tokens.iter().all(|t| {
            self.core
                .iter()
                .any(|c| c.token == *t || c.alts.contains(t))
        });
        if all_of_heading {
            1.6
        } else {
            1.25
        }
    }

    /// Whether the course can answer at all: some content words, at most half of them unknown
    /// to the course ("best pizza in naples", "who won the world cup" cannot be answered).
    pub fn answerable(&self) -> bool {
        let unknown = self.core.iter().filter(|c| c.unknown()).count();
        !self.core.is_empty() && unknown * 2 <= self.core.len()
    }

    /// Share (0 to 1) of the query's content, weighted by how rare each word is (`idf`), that
    /// a passage with the analyzed words `have` contains. A word the course never uses weighs
    /// [`UNKNOWN_WEIGHT`] of the rarest word's weight: real questions carry words of their own
    /// project ("heroku", "mysql") that no lesson needs to contain.
    pub fn coverage(&self, have: &HashSet<String>, idf: impl Fn(&str) -> f32) -> f32 {
        let mut total = 0.0;
        let mut got = 0.0;
        for c in &self.core {
            let w = idf(&c.token) * if c.known { 1.0 } else { UNKNOWN_WEIGHT };
            total += w;
            if have.contains(&c.token) {
                got += w;
            } else if c.alts.iter().any(|a| have.contains(a)) {
                got += w * c.alt_credit;
            }
        }
        if total > 0.0 {
            got / total
        } else {
            0.0
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn syntax_characters_become_spaces() {
        assert_eq!(
            normalize_query("\"chords\": (group) -x *"),
            "chords group x"
        );
        assert_eq!(
            normalize_query("@everyone task_acks_late"),
            "everyone task_acks_late"
        );
        assert_eq!(normalize_query("  "), "");
    }
}
