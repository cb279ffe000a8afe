//! Measuring search on a dev set of real questions (`coursebot eval`).
//!
//! A question is answered at rank k when the k-th hit's *visible passage* (its heading and the
//! passage text a member is shown: the section or sub-section markdown, or the glossary
//! definition; never the hidden question-bank expansion) contains, case-insensitively, one of
//! the question's `must_contain_any` strings.

use super::{Hit, SearchIndex};
use anyhow::{bail, Context, Result};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// Ranks looked at for MRR (a hit lower than this counts 0).
pub const MRR_DEPTH: usize = 10;

/// A dev-set file: `[[query]]` tables.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DevSet {
    pub query: Vec<DevQuery>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DevQuery {
    pub text: String,
    #[serde(default)]
    pub source: String,
    #[serde(default)]
    pub topic: String,
    #[serde(default)]
    pub answer: String,
    pub must_contain_any: Vec<String>,
}

/// How one question fared.
#[derive(Debug, Clone, Serialize)]
pub struct Outcome {
    pub text: String,
    /// 1-based rank of the first answering hit within [`MRR_DEPTH`], if any.
    pub rank: Option<usize>,
    /// `module: heading` of the top 3 hits (empty when the course had no good answer).
    pub top: Vec<String>,
    /// The search said the course has no good answer.
    pub no_answer: bool,
}

/// Recall at 1 and 3 and MRR over a dev set, with every question's outcome.
#[derive(Debug, Clone, Serialize)]
pub struct EvalReport {
    pub file: String,
    pub questions: usize,
    pub answered_at_1: usize,
    pub answered_at_3: usize,
    pub recall_at_1: f64,
    pub recall_at_3: f64,
    pub mrr: f64,
    pub outcomes: Vec<Outcome>,
}

impl EvalReport {
    /// Questions whose answer is not in the top 3.
    pub fn misses(&self) -> impl Iterator<Item = &Outcome> {
        self.outcomes
            .iter()
            .filter(|o| o.rank.is_none_or(|r| r > 3))
    }
}

/// The dev set used when no file is given: `../shared/search-devset.toml` beside the
/// repository, i.e. relative to the parent of the content directory; `COURSEBOT_DEVSET`
/// overrides it.
pub fn default_devset_path(content_dir: &Path) -> PathBuf {
    if let Some(p) = std::env::var_os("COURSEBOT_DEVSET") {
        return PathBuf::from(p);
    }
    let repo = content_dir
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    repo.join("..").join("shared").join("search-devset.toml")
}

/// Read and check a dev set; errors name the file (and, from TOML, the line).
pub fn load_devset(path: &Path) -> Result<DevSet> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("reading the dev set {}", path.display()))?;
    let set: DevSet =
        toml::from_str(&text).with_context(|| format!("{}: not a dev set", path.display()))?;
    if set.query.is_empty() {
        bail!("{}: no [[query]] in the dev set", path.display());
    }
    for (i, q) in set.query.iter().enumerate() {
        if q.text.trim().is_empty() || q.must_contain_any.iter().all(|m| m.trim().is_empty()) {
            bail!(
                "{}: query {} needs a `text` and a non-empty `must_contain_any`",
                path.display(),
                i + 1
            );
        }
    }
    Ok(set)
}

/// Whether `hit`, as a member sees it, contains one of `must` (case-insensitive).
pub fn answers(hit: &Hit, must: &[String]) -> bool {
    let seen = format!("{}\n{}", hit.heading, hit.text).to_lowercase();
    must.iter()
        .filter(|m| !m.trim().is_empty())
        .any(|m| seen.contains(&m.to_lowercase()))
}

/// Run every question of `set` through `index`.
pub fn evaluate(index: &SearchIndex, set: &DevSet, file: &str) -> EvalReport {
    let mut outcomes = Vec::with_capacity(set.query.len());
    for q in &set.query {
        let hits = index.search(&q.text, MRR_DEPTH);
        let rank = hits
            .iter()
            .position(|h| answers(h, &q.must_contain_any))
            .map(|i| i + 1);
        outcomes.push(Outcome {
            text: q.text.clone(),
            rank,
            top: hits
                .iter()
                .take(3)
                .map(|h| format!("{}: {}", h.module, h.heading))
                .collect(),
            no_answer: hits.is_empty(),
        });
    }
    let n = outcomes.len();
    let at = |k: usize| {
        outcomes
            .iter()
            .filter(|o| o.rank.is_some_and(|r| r <= k))
            .count()
    };
    let (a1, a3) = (at(1), at(3));
    let mrr = outcomes
        .iter()
        .map(|o| o.rank.map_or(0.0, |r| 1.0 / r as f64))
        .sum::<f64>();
    let div = n.max(1) as f64;
    EvalReport {
        file: file.to_string(),
        questions: n,
        answered_at_1: a1,
        answered_at_3: a3,
        recall_at_1: a1 as f64 / div,
        recall_at_3: a3 as f64 / div,
        mrr: mrr / div,
        outcomes,
    }
}

/// The report as text: the three figures, then (with `misses`) each missed question.
pub fn render(report: &EvalReport, misses: bool) -> String {
    let mut s = format!(
        "{}: {} questions\nrecall@1 {:.1} % ({}/{})\nrecall@3 {:.1} % ({}/{})\nMRR@{MRR_DEPTH} {:.3}\n",
        report.file,
        report.questions,
        report.recall_at_1 * 100.0,
        report.answered_at_1,
        report.questions,
        report.recall_at_3 * 100.0,
        report.answered_at_3,
        report.questions,
        report.mrr,
    );
    if misses {
        let list: Vec<_> = report.misses().collect();
        s.push_str(&format!("\nmissed ({}):\n", list.len()));
        for o in list {
            s.push_str(&format!("- {}\n", o.text));
            if o.no_answer {
                s.push_str("    (no good answer)\n");
            }
            for t in &o.top {
                s.push_str(&format!("    {t}\n"));
            }
        }
    }
    s
}
