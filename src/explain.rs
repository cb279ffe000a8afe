//! `/explain` and `coursebot explain` beyond the raw search: what to say when nothing matches.

use crate::content::Course;
use crate::library::Library;
use crate::search::normalize_query;
use std::collections::HashSet;

/// Headings of the course closest in spelling to `query` (character trigram overlap), best
/// first. Used when the search finds nothing, so the member sees what they might have meant.
pub fn closest_headings(course: &Course, query: &str, n: usize) -> Vec<String> {
    let q = trigrams(&normalize_query(query));
    let mut scored: Vec<(f32, &str)> = course
        .modules
        .iter()
        .flat_map(|m| m.topic_sections().map(|s| s.heading.as_str()))
        .map(|h| {
            let t = trigrams(&normalize_query(h));
            let inter = q.intersection(&t).count() as f32;
            let union = (q.len() + t.len()) as f32 - inter;
            (if union > 0.0 { inter / union } else { 0.0 }, h)
        })
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(b.1)));
    let mut seen = HashSet::new();
    scored
        .into_iter()
        .filter(|(_, h)| seen.insert(h.to_lowercase()))
        .take(n)
        .map(|(_, h)| h.to_string())
        .collect()
}

fn trigrams(s: &str) -> HashSet<[char; 3]> {
    let padded: Vec<char> = format!("  {s} ").chars().collect();
    padded.windows(3).map(|w| [w[0], w[1], w[2]]).collect()
}

/// What to offer when the course has no good answer: the nearest passages' headings from the
/// search, then headings close in spelling, at most `n`, without repeats.
pub fn did_you_mean(course: &Course, query: &str, nearest: &[String], n: usize) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for h in nearest
        .iter()
        .cloned()
        .chain(closest_headings(course, query, n))
    {
        if out.len() < n && !out.iter().any(|o| o.eq_ignore_ascii_case(&h)) {
            out.push(h);
        }
    }
    out
}

/// The message printed by `coursebot explain` when the course has no good answer.
pub fn no_answer_text(lib: &Library, query: &str, nearest: &[String]) -> String {
    let close = did_you_mean(&lib.course, query, nearest, 5);
    let mut s = format!(
        "Nothing in the course matches \"{}\" well enough: the course has no good answer to that.",
        query.trim()
    );
    if !close.is_empty() {
        s.push_str("\nDid you mean:");
        for h in close {
            s.push_str(&format!("\n  - {h}"));
        }
    }
    s.push_str("\nTry other words, e.g. `coursebot explain chords`.");
    s
}
