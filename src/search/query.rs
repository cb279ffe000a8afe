//! Turning what a member typed into a tantivy query.

use super::tokens;
use super::typo::Vocab;
use tantivy::query::{BooleanQuery, BoostQuery, Occur, Query, TermQuery};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::tokenizer::TextAnalyzer;
use tantivy::Term;

/// How much a match in a heading counts against one in the body.
const HEADING_BOOST: f32 = 3.0;
/// Weights of terms by where they came from.
const TYPED: f32 = 1.0;
const CORRECTED: f32 = 0.85;
const SYNONYM: f32 = 0.7;
/// Words of a synonym phrase, which the phrase's target replaces.
const PHRASE_WORD: f32 = 0.3;

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

/// The analyzed query: terms with weights.
pub struct Plan {
    terms: Vec<(String, f32)>,
    /// Analyzed tokens as typed (after typo correction), for the heading bonus.
    core: Vec<String>,
}

pub fn plan(
    raw: &str,
    an: &mut TextAnalyzer,
    vocab: &Vocab,
    synonyms: &[(String, Vec<String>)],
) -> Plan {
    let norm = normalize_query(raw);
    let mut terms: Vec<(String, f32)> = Vec::new();
    let mut core = Vec::new();
    let add = |terms: &mut Vec<(String, f32)>, t: String, w: f32| {
        if let Some(e) = terms.iter_mut().find(|(x, _)| *x == t) {
            e.1 = e.1.max(w);
        } else {
            terms.push((t, w));
        }
    };
    for t in tokens(an, &norm) {
        if vocab.contains(&t) {
            core.push(t.clone());
            add(&mut terms, t, TYPED);
        } else {
            let fixes = vocab.correct(&t);
            if let Some(first) = fixes.first() {
                core.push(first.clone());
            }
            for f in fixes {
                add(&mut terms, f, CORRECTED);
            }
        }
    }
    // Synonyms: whole words or phrases of the query. A phrase ("callback after group") stands
    // for its target ("chord"), so its own words count less and the target counts fully.
    let padded = format!(" {norm} ");
    for (key, targets) in synonyms {
        if key.is_empty() || !padded.contains(&format!(" {key} ")) {
            continue;
        }
        let phrase = key.contains(' ');
        if phrase {
            let words = tokens(an, key);
            for (t, w) in terms.iter_mut() {
                if words.contains(t) {
                    *w = PHRASE_WORD;
                }
            }
            core.retain(|t| !words.contains(t));
        }
        for target in targets {
            for t in tokens(an, target) {
                if vocab.contains(&t) {
                    if phrase {
                        core.push(t.clone());
                        add(&mut terms, t, TYPED);
                    } else {
                        add(&mut terms, t, SYNONYM);
                    }
                }
            }
        }
    }
    Plan { terms, core }
}

impl Plan {
    pub fn to_query(&self, heading: Field, body: Field) -> Option<Box<dyn Query>> {
        if self.terms.is_empty() {
            return None;
        }
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        for (t, w) in &self.terms {
            for (field, boost) in [(heading, HEADING_BOOST), (body, 1.0)] {
                let tq = TermQuery::new(
                    Term::from_field_text(field, t),
                    IndexRecordOption::WithFreqs,
                );
                clauses.push((
                    Occur::Should,
                    Box::new(BoostQuery::new(Box::new(tq), boost * w)),
                ));
            }
        }
        Some(Box::new(BooleanQuery::new(clauses)))
    }

    /// Multiplier for a hit whose heading says what was asked: 1.6 when the heading's words are
    /// exactly the query's, 1.25 when the heading contains them all, 1.0 otherwise.
    pub fn heading_bonus(&self, heading_tokens: &[String]) -> f32 {
        if self.core.is_empty() {
            return 1.0;
        }
        let all_in = self.core.iter().all(|t| heading_tokens.contains(t));
        if !all_in {
            return 1.0;
        }
        if heading_tokens.iter().all(|t| self.core.contains(t)) {
            1.6
        } else {
            1.25
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
