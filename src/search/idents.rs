//! Celery identifiers as people type them: `acks_late`, `task_acks_late`, `CELERY_TASK_ACKS_LATE`,
//! "acks late", `WorkerLostError`, "worker lost error", `--concurrency` and `-c` all meet on the
//! same *compound* (the identifier's words joined, lowercased: `ackslate`, `workerlosterror`,
//! `concurrency`).
//!
//! Documents index the compounds of every identifier they mention (and of each of its word
//! suffixes, so `task_acks_late` also indexes `ackslate`); queries look up the compounds of what
//! was typed and of adjacent typed words joined. Old setting names and short worker flags are
//! rewritten to their documented new names first, from `content/setting_names.toml`.

use serde::Deserialize;
use std::collections::{BTreeMap, HashMap};
use std::sync::OnceLock;

/// Celery's old → new setting names and short → long command-line flags (data, not code).
const SETTING_NAMES: &str = include_str!("../../content/setting_names.toml");

/// Weight of a query identifier's full compound on the identifier field.
pub const FULL: f32 = 1.0;
/// Weight of a compound made of a word suffix of a typed identifier (`taskackslate` → `ackslate`).
pub const SUFFIX: f32 = 0.6;
/// Weight of two adjacent typed words joined ("acks late" → `ackslate`); three and four
/// joined weigh a little more.
pub const JOINED: f32 = 0.8;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    settings: BTreeMap<String, String>,
    flags: BTreeMap<String, Vec<String>>,
}

/// Old setting names and short flags with what they stand for.
#[derive(Debug, Default)]
pub struct Lexicon {
    /// Upper-case old name → new name (`CELERY_ACKS_LATE` → `task_acks_late`).
    old_to_new: HashMap<String, String>,
    /// Short flag (case-sensitive, `-c`) → long flags (`--concurrency`).
    flags: HashMap<String, Vec<String>>,
}

impl Lexicon {
    /// Parse a setting-names file; the error says what is wrong and where.
    pub fn parse(text: &str) -> Result<Lexicon, String> {
        let f: File = toml::from_str(text).map_err(|e| e.to_string())?;
        let mut old_to_new = HashMap::new();
        for (old, new) in f.settings {
            let ok =
                |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
            if !ok(&old) || !ok(&new) || old != old.to_uppercase() || new != new.to_lowercase() {
                return Err(format!(
                    "[settings] `{old} = \"{new}\"`: an upper-case old name and a lower-case new name are expected"
                ));
            }
            old_to_new.insert(old, new);
        }
        let mut flags = HashMap::new();
        for (short, longs) in f.flags {
            let short_ok = short.len() == 2
                && short.starts_with('-')
                && short.as_bytes()[1].is_ascii_alphabetic();
            if !short_ok || longs.is_empty() || longs.iter().any(|l| !l.starts_with("--")) {
                return Err(format!(
                    "[flags] `{short}`: a short flag like \"-c\" with long flags like [\"--concurrency\"] is expected"
                ));
            }
            flags.insert(short, longs);
        }
        Ok(Lexicon { old_to_new, flags })
    }

    /// The lexicon shipped in `content/setting_names.toml` (compiled in; a unit test checks it).
    pub fn builtin() -> &'static Lexicon {
        static L: OnceLock<Lexicon> = OnceLock::new();
        L.get_or_init(|| Lexicon::parse(SETTING_NAMES).unwrap_or_default())
    }

    /// The new name of an identifier written the old way (`CELERYD_CONCURRENCY`,
    /// `celery_acks_late`) or with Django's `CELERY_` namespace (`CELERY_TASK_ACKS_LATE`).
    pub fn new_name(&self, ident: &str) -> Option<String> {
        let upper = ident.to_uppercase();
        if let Some(n) = self.old_to_new.get(&upper) {
            return Some(n.clone());
        }
        let rest = upper.strip_prefix("CELERY_")?;
        (rest.contains('_') || rest.len() > 3).then(|| rest.to_lowercase())
    }

    /// `raw` with short flags replaced by their long forms and old or namespaced setting names
    /// by their new names; the rest is kept as typed.
    pub fn rewrite(&self, raw: &str) -> String {
        let mut out = String::with_capacity(raw.len() + 16);
        for (i, word) in raw.split_whitespace().enumerate() {
            if i > 0 {
                out.push(' ');
            }
            let core = word.trim_matches(|c: char| "`'\"(),;:!?".contains(c));
            if let Some(longs) = self.flags.get(core) {
                out.push_str(&longs.join(" "));
                continue;
            }
            if core.contains('_') && core.chars().all(|c| c.is_alphanumeric() || c == '_') {
                if let Some(n) = self.new_name(core) {
                    out.push_str(&n);
                    continue;
                }
            }
            out.push_str(word);
        }
        out
    }
}

/// Words of one identifier: split at `_`, `-` and lower→upper case changes (`HTTPError` →
/// `HTTP`, `Error`), lowercased.
fn parts(ident: &str) -> Vec<String> {
    let chars: Vec<char> = ident.chars().collect();
    let mut out = Vec::new();
    let mut cur = String::new();
    for (i, &c) in chars.iter().enumerate() {
        if c == '_' || c == '-' {
            if !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
            continue;
        }
        let boundary = i > 0
            && c.is_uppercase()
            && (chars[i - 1].is_lowercase()
                || chars[i - 1].is_ascii_digit()
                || (chars[i - 1].is_uppercase()
                    && chars.get(i + 1).is_some_and(|n| n.is_lowercase())));
        if boundary && !cur.is_empty() {
            out.push(std::mem::take(&mut cur));
        }
        cur.extend(c.to_lowercase());
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// Identifier-looking words of `text`: runs of letters, digits, `_` and `-` (split at `.`) that
/// have at least two words (`acks_late`, `WorkerLostError`, `--max-tasks-per-child`).
fn identifiers(text: &str) -> impl Iterator<Item = &str> {
    text.split(|c: char| !(c.is_alphanumeric() || c == '_' || c == '-'))
        .map(|w| w.trim_matches(|c| c == '-' || c == '_'))
        .filter(|w| w.len() > 2)
}

/// Compounds of one identifier: all its words joined, then each suffix of at least two words.
fn push_compounds(ident: &str, out: &mut Vec<(String, f32)>) {
    let p = parts(ident);
    if p.len() < 2 {
        return;
    }
    for start in 0..p.len() - 1 {
        let c: String = p[start..].concat();
        let w = if start == 0 { FULL } else { SUFFIX };
        if !out.iter().any(|(x, _)| *x == c) {
            out.push((c, w));
        }
    }
}

/// The identifier-field text of a document: the compounds of every identifier it mentions,
/// with old setting names also under their new names, space-separated.
pub fn document_compounds(text: &str, lex: &Lexicon) -> String {
    let mut out: Vec<(String, f32)> = Vec::new();
    for ident in identifiers(text) {
        push_compounds(ident, &mut out);
        if ident.contains('_') {
            if let Some(n) = lex.new_name(ident) {
                push_compounds(&n, &mut out);
            }
        }
    }
    let mut s = String::new();
    for (c, _) in out {
        s.push_str(&c);
        s.push(' ');
    }
    s
}

/// Compounds to look up for a (rewritten) query, with weights: typed identifiers, then pairs
/// and triples of adjacent typed words joined.
pub fn query_compounds(rewritten: &str) -> Vec<(String, f32)> {
    let mut out: Vec<(String, f32)> = Vec::new();
    for ident in identifiers(rewritten) {
        push_compounds(ident, &mut out);
    }
    let words: Vec<String> = rewritten
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect();
    // Longer runs are more precise: "soft time limit exceeded" is one exception's name.
    for (n, w) in [(2, JOINED), (3, JOINED + 0.1), (4, JOINED + 0.2)] {
        for run in words.windows(n) {
            let c = run.concat();
            if !out.iter().any(|(x, _)| *x == c) {
                out.push((c, w));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(text: &str) -> Vec<String> {
        document_compounds(text, Lexicon::builtin())
            .split_whitespace()
            .map(String::from)
            .collect()
    }

    fn query(text: &str) -> Vec<String> {
        query_compounds(&Lexicon::builtin().rewrite(text))
            .into_iter()
            .map(|(c, _)| c)
            .collect()
    }

    #[test]
    fn shipped_setting_names_parse() {
        let l = Lexicon::parse(SETTING_NAMES).expect("content/setting_names.toml parses");
        assert!(l.old_to_new.len() > 100);
        assert_eq!(
            l.old_to_new.get("CELERY_ACKS_LATE").map(String::as_str),
            Some("task_acks_late")
        );
        assert_eq!(l.flags["-c"], vec!["--concurrency".to_string()]);
    }

    #[test]
    fn bad_setting_names_are_refused_with_the_line() {
        let e = Lexicon::parse("[settings]\nacks = \"X\"\n[flags]\n").unwrap_err();
        assert!(e.contains("acks"), "{e}");
        let e = Lexicon::parse("[settings]\n[flags]\n\"c\" = [\"--c\"]\n").unwrap_err();
        assert!(e.contains("\"-c\""), "{e}");
    }

    #[test]
    fn splitting() {
        assert_eq!(parts("task_acks_late"), ["task", "acks", "late"]);
        assert_eq!(parts("WorkerLostError"), ["worker", "lost", "error"]);
        assert_eq!(parts("HTTPError"), ["http", "error"]);
        assert_eq!(
            parts("max-tasks-per-child"),
            ["max", "tasks", "per", "child"]
        );
    }

    #[test]
    fn every_spelling_of_acks_late_meets_the_document() {
        let d = doc("Set `task_acks_late = True` so the message is acked after the task.");
        for q in [
            "acks_late",
            "task_acks_late",
            "CELERY_TASK_ACKS_LATE",
            "CELERY_ACKS_LATE",
            "acks late",
        ] {
            assert!(
                query(q).iter().any(|c| d.contains(c)),
                "{q}: {:?} vs {d:?}",
                query(q)
            );
        }
    }

    #[test]
    fn flags_and_exceptions() {
        let d =
            doc("Start it with `celery -A proj worker --concurrency 4`; a WorkerLostError means…");
        assert!(Lexicon::builtin()
            .rewrite("worker -c 4")
            .contains("--concurrency"));
        assert!(query("worker lost error")
            .iter()
            .any(|c| c == "workerlosterror" && d.contains(c)));
        let d = doc("the worker_max_tasks_per_child setting");
        assert!(query("--max-tasks-per-child").iter().any(|c| d.contains(c)));
        // Old names in a document are found by their new names too.
        let d = doc("CELERYD_CONCURRENCY = 8");
        assert!(d.contains(&"workerconcurrency".to_string()), "{d:?}");
    }
}
