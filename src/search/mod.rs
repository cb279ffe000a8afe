//! Full-text search over the course with tantivy: one document per lesson section (and per
//! `### ` sub-section of a section), per module introduction and per glossary entry. Question-bank
//! text is never a result: each section's questions only expand its document in a hidden,
//! low-weight field. Queries are plain words: syntax characters are ignored, typos are corrected
//! against the index's own vocabulary, course synonyms are expanded, Celery identifiers match
//! however they are spelled (see [`idents`]), and a passage that covers too little of what was
//! asked is not offered as an answer.

mod eval;
pub mod idents;
mod plain;
mod query;
mod typo;

use crate::content::{Course, Module};
use anyhow::{Context, Result};
use serde::Serialize;
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use tantivy::collector::TopDocs;
use tantivy::schema::{
    Field, IndexRecordOption, Schema, TextFieldIndexing, TextOptions, Value, STORED, STRING,
};
use tantivy::snippet::SnippetGenerator;
use tantivy::tokenizer::{
    Language, LowerCaser, RemoveLongFilter, SimpleTokenizer, Stemmer, StopWordFilter, TextAnalyzer,
    WhitespaceTokenizer,
};
use tantivy::{doc, DocAddress, DocSet, Index, IndexReader, ReloadPolicy, TantivyDocument, Term};

pub use eval::{
    answers, default_devset_path, evaluate, load_devset, render as render_eval, DevQuery, DevSet,
    EvalReport, Outcome, MRR_DEPTH,
};
pub use plain::to_plain;
pub use query::normalize_query;

/// Name of the analyzer registered for heading and body fields.
const ANALYZER: &str = "course_en";
/// Name of the analyzer of the identifier field: space-separated compounds, lowercased.
const IDENT_ANALYZER: &str = "course_ident";
/// File in the index directory that names the current index build (the content hash).
const CURRENT_FILE: &str = "CURRENT";
/// Bump when the schema or how documents are built changes: an index built by an older
/// binary from the same content is then rebuilt instead of being read with the wrong fields.
const INDEX_VERSION: u64 = 2;
/// Characters of excerpt shown for a hit.
pub const EXCERPT_CHARS: usize = 350;
/// The most results one search returns; any asked limit is clamped to 1..=MAX_LIMIT.
pub const MAX_LIMIT: usize = 25;
/// A passage is an answer only when it contains at least this share (IDF-weighted) of the
/// query's content words; below it, the course has no good answer.
pub const MIN_COVERAGE: f32 = 0.2;
/// Whether `### ` sub-sections are passages of their own (see BENCHMARKS.md for the measure).
const INDEX_SUBSECTIONS: bool = true;
/// Separator between a section's heading and a sub-section's in a hit's heading.
pub const SUBSECTION_SEPARATOR: &str = " › ";
/// Multiplier for a passage whose heading is the (longest) identifier the query names.
const EXACT_NAME_BONUS: f32 = 2.0;
/// Candidates read from the index before re-ranking and de-duplication: this many per asked
/// result, plus [`EXTRA_CANDIDATES`] (reading a candidate's stored passage is most of a
/// search's time).
const CANDIDATES_PER_RESULT: usize = 4;
const EXTRA_CANDIDATES: usize = 12;

/// What kind of document a hit is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum HitKind {
    Section,
    /// The introduction of a module (the text before its first `## ` section).
    Overview,
    Glossary,
}

impl HitKind {
    fn as_str(self) -> &'static str {
        match self {
            HitKind::Section => "section",
            HitKind::Overview => "overview",
            HitKind::Glossary => "glossary",
        }
    }
    fn parse(s: &str) -> Self {
        match s {
            "glossary" => HitKind::Glossary,
            "overview" => HitKind::Overview,
            _ => HitKind::Section,
        }
    }
    /// Lessons first: a glossary line or a module introduction is a weaker answer.
    fn weight(self) -> f32 {
        match self {
            HitKind::Section => 1.0,
            // A module's introduction names its topics; the topic's own section answers better.
            HitKind::Overview => 0.75,
            HitKind::Glossary => 0.8,
        }
    }
}

/// One search result.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Hit {
    pub module: String,
    pub module_title: String,
    pub path: String,
    /// The section's heading; a sub-section's is `Section › Sub-section`.
    pub heading: String,
    /// Plain text around the matched words, each marked `**like this**`.
    pub excerpt: String,
    /// The whole passage as markdown (section, sub-section or glossary definition).
    pub text: String,
    pub score: f32,
    pub kind: HitKind,
}

/// What a search found: confident answers, or none and the closest headings.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Answer {
    /// Passages that answer, best first (empty when the course has no good answer).
    pub hits: Vec<Hit>,
    /// When `hits` is empty: headings of the nearest passages, for "did you mean".
    pub did_you_mean: Vec<String>,
}

#[derive(Clone, Copy)]
struct Fields {
    kind: Field,
    module: Field,
    path: Field,
    /// Passages of one `## ` section share a group: one of them per result list.
    group: Field,
    heading: Field,
    body: Field,
    /// The body as plain text, for excerpts (stored only).
    plain: Field,
    /// The module's title (indexed only).
    title: Field,
    /// Prompts and explanations of the section's questions (never shown).
    expansion: Field,
    /// Identifier compounds of heading and body (indexed only).
    idents: Field,
}

impl Fields {
    fn query(&self) -> query::QueryFields {
        query::QueryFields {
            heading: self.heading,
            body: self.body,
            title: self.title,
            expansion: self.expansion,
            idents: self.idents,
        }
    }
}

fn schema() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let indexed = |tokenizer: &str, positions: bool| {
        TextOptions::default().set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(tokenizer)
                .set_index_option(if positions {
                    IndexRecordOption::WithFreqsAndPositions
                } else {
                    IndexRecordOption::WithFreqs
                }),
        )
    };
    let fields = Fields {
        kind: b.add_text_field("kind", STRING | STORED),
        module: b.add_text_field("module", STRING | STORED),
        path: b.add_text_field("path", STRING | STORED),
        group: b.add_text_field("group", STRING | STORED),
        heading: b.add_text_field("heading", indexed(ANALYZER, true).set_stored()),
        body: b.add_text_field("body", indexed(ANALYZER, true).set_stored()),
        plain: b.add_text_field("plain", STORED),
        title: b.add_text_field("title", indexed(ANALYZER, false)),
        expansion: b.add_text_field("expansion", indexed(ANALYZER, false)),
        idents: b.add_text_field("idents", indexed(IDENT_ANALYZER, false)),
    };
    (b.build(), fields)
}

/// The analyzer used for both documents and queries: words, lowercased, English stop words
/// removed, English stemming.
pub fn analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(40))
        .filter(LowerCaser)
        .filter(StopWordFilter::new(Language::English).expect("tantivy ships English stop words"))
        .filter(Stemmer::new(Language::English))
        .build()
}

fn ident_analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(WhitespaceTokenizer::default())
        .filter(RemoveLongFilter::limit(60))
        .filter(LowerCaser)
        .build()
}

fn register(index: &Index) {
    index.tokenizers().register(ANALYZER, analyzer());
    index
        .tokenizers()
        .register(IDENT_ANALYZER, ident_analyzer());
}

/// Analyzed tokens of `text`.
pub fn tokens(analyzer: &mut TextAnalyzer, text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut stream = analyzer.token_stream(text);
    while stream.advance() {
        out.push(stream.token().text.clone());
    }
    out
}

/// The searchable course: a tantivy index plus what is needed to make hits readable.
pub struct SearchIndex {
    index: Index,
    reader: IndexReader,
    fields: Fields,
    vocab: typo::Vocab,
    ident_vocab: HashSet<String>,
    fillers: HashSet<String>,
    /// Analyzed words of headings, glossary terms and module titles.
    topic_words: HashSet<String>,
    synonyms: Vec<(String, Vec<String>)>,
    module_titles: HashMap<String, String>,
    /// The query analyzer, built once (cloned per query).
    analyzer: TextAnalyzer,
    /// Headings and glossary terms, for autocomplete: (display text, analyzed tokens).
    suggestions: Vec<(String, Vec<String>)>,
    /// Documents in the index, for IDF.
    num_docs: u64,
    /// Directory of the build in use.
    pub dir: PathBuf,
    /// Whether opening had to (re)build the index because the content changed.
    pub rebuilt: bool,
}

impl SearchIndex {
    /// Open the index in `index_root` built from content with hash `hash`; build it first if
    /// it is missing or was built from other content (or by a binary with another schema).
    /// Old builds are removed.
    pub fn open_or_build(index_root: &Path, course: &Course, hash: u64) -> Result<SearchIndex> {
        let name = format!(
            "{:016x}",
            hash ^ INDEX_VERSION.wrapping_mul(0x9e37_79b9_7f4a_7c15)
        );
        let dir = index_root.join(&name);
        let current = std::fs::read_to_string(index_root.join(CURRENT_FILE)).ok();
        let (index, rebuilt) = if current.as_deref().map(str::trim) == Some(name.as_str())
            && dir.join("meta.json").exists()
        {
            match Index::open_in_dir(&dir) {
                Ok(i) => (i, false),
                Err(e) => {
                    tracing::warn!(error = %e, "search index unreadable; rebuilding");
                    (build(index_root, &dir, &name, course)?, true)
                }
            }
        } else {
            (build(index_root, &dir, &name, course)?, true)
        };
        let mut s = Self::from_index(index, course, dir)?;
        s.rebuilt = rebuilt;
        Ok(s)
    }

    /// An index held in memory (benchmarks and tests of ranking).
    pub fn in_memory(course: &Course) -> Result<SearchIndex> {
        let (schema, fields) = schema();
        let index = Index::create_in_ram(schema);
        register(&index);
        fill(&index, fields, course)?;
        Self::from_index(index, course, PathBuf::new())
    }

    fn from_index(index: Index, course: &Course, dir: PathBuf) -> Result<SearchIndex> {
        register(&index);
        let fields = schema().1;
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()
            .context("opening the search index reader")?;
        let vocab = typo::Vocab::from_reader(&reader, &[fields.heading, fields.body])?;
        let ident_vocab = typo::Vocab::terms_of(&reader, fields.idents)?;
        let mut an = analyzer();
        let fillers = tokens(&mut an, query::FILLER_WORDS).into_iter().collect();
        let synonyms = course
            .synonyms
            .iter()
            .map(|(k, v)| (normalize_query(k), v.clone()))
            .collect();
        let mut suggestions: Vec<(String, Vec<String>)> = Vec::new();
        let mut seen = std::collections::HashSet::new();
        for m in &course.modules {
            for text in std::iter::once(m.title.as_str())
                .chain(m.topic_sections().map(|s| s.heading.as_str()))
                .chain(m.glossary.iter().map(|g| g.term.as_str()))
            {
                if seen.insert(text.to_lowercase()) {
                    suggestions.push((text.to_string(), tokens(&mut an, text)));
                }
            }
        }
        let num_docs = reader.searcher().num_docs();
        let topic_words = suggestions
            .iter()
            .flat_map(|(_, t)| t.iter().cloned())
            .collect();
        Ok(SearchIndex {
            analyzer: an,
            index,
            reader,
            fields,
            vocab,
            ident_vocab,
            fillers,
            topic_words,
            synonyms,
            module_titles: course
                .modules
                .iter()
                .map(|m| (m.id.clone(), m.title.clone()))
                .collect(),
            suggestions,
            num_docs,
            dir,
            rebuilt: false,
        })
    }

    /// The passages that answer `query`, best first, at most `limit` (clamped to
    /// 1..=[`MAX_LIMIT`]), from as many different sections. Never fails on user input: an
    /// empty, meaningless or off-topic query returns no hits.
    pub fn search(&self, query: &str, limit: usize) -> Vec<Hit> {
        self.answer(query, limit).hits
    }

    /// Like [`SearchIndex::search`], and when nothing answers well enough, the headings of the
    /// nearest passages ("did you mean").
    pub fn answer(&self, query: &str, limit: usize) -> Answer {
        let started = std::time::Instant::now();
        let a = match self.try_answer(query, limit.clamp(1, MAX_LIMIT)) {
            Ok(a) => a,
            Err(e) => {
                tracing::error!(error = %e, "search failed");
                Answer::default()
            }
        };
        crate::ops::metrics::search(started.elapsed());
        a
    }

    fn idf(&self, t: &str) -> f32 {
        let n = self.num_docs.max(1) as f32;
        let df = self.vocab.df(t) as f32;
        (1.0 + n / (df + 1.0)).ln()
    }

    fn try_answer(&self, raw: &str, limit: usize) -> Result<Answer> {
        let mut an = self.analyzer.clone();
        let cx = query::Context {
            vocab: &self.vocab,
            ident_vocab: &self.ident_vocab,
            synonyms: &self.synonyms,
            fillers: &self.fillers,
            lexicon: idents::Lexicon::builtin(),
            topic_words: &self.topic_words,
        };
        let plan = query::plan(raw, &mut an, &cx);
        let Some(q) = plan.to_query(self.fields.query()) else {
            return Ok(Answer::default());
        };
        let searcher = self.reader.searcher();
        let top = searcher.search(
            &q,
            &TopDocs::with_limit(limit * CANDIDATES_PER_RESULT + EXTRA_CANDIDATES).order_by_score(),
        )?;
        struct Cand {
            hit: Hit,
            group: String,
            addr: DocAddress,
        }
        let mut cands = Vec::with_capacity(top.len());
        for (score, addr) in top {
            let d: TantivyDocument = searcher.doc(addr)?;
            let get = |f: Field| {
                d.get_first(f)
                    .and_then(|v| v.as_str())
                    .unwrap_or_default()
                    .to_string()
            };
            let kind = HitKind::parse(&get(self.fields.kind));
            let heading = get(self.fields.heading);
            let heading_tokens = tokens(&mut an, &heading);
            let bonus = match plan.names_heading(&heading) {
                Some(share) if share >= 1.0 => EXACT_NAME_BONUS,
                _ => plan.heading_bonus(&heading_tokens),
            };
            let module = get(self.fields.module);
            cands.push(Cand {
                hit: Hit {
                    module_title: self.module_titles.get(&module).cloned().unwrap_or_default(),
                    module,
                    path: get(self.fields.path),
                    excerpt: get(self.fields.plain),
                    heading,
                    text: get(self.fields.body),
                    score: score * kind.weight() * bonus,
                    kind,
                },
                group: get(self.fields.group),
                addr,
            });
        }
        cands.sort_by(|a, b| b.hit.score.total_cmp(&a.hit.score));
        // One passage per section: the best of a section and its sub-sections.
        let mut groups = HashSet::new();
        cands.retain(|c| groups.insert(c.group.clone()));
        let answerable = plan.answerable();
        let mut hits = Vec::new();
        let mut weak = Vec::new();
        for c in cands {
            if hits.len() >= limit {
                break;
            }
            let have = self.terms_in(&searcher, c.addr, &plan)?;
            if answerable && plan.coverage(&have, |t| self.idf(t)) >= MIN_COVERAGE {
                hits.push(c.hit);
            } else if weak.len() < 5 {
                weak.push(c.hit.heading);
            }
        }
        if hits.is_empty() {
            return Ok(Answer {
                hits,
                did_you_mean: weak,
            });
        }
        // Excerpts only for what is returned: marking matches tokenizes the whole passage.
        let mut snip = SnippetGenerator::create(&searcher, &*q, self.fields.body)?;
        snip.set_max_num_chars(EXCERPT_CHARS);
        for h in &mut hits {
            h.excerpt = excerpt(&snip, &h.excerpt);
        }
        Ok(Answer {
            hits,
            did_you_mean: Vec::new(),
        })
    }

    /// Which of the plan's content words (and their alternatives) the document at `addr`
    /// contains, in any searchable field, read from the postings (no re-tokenizing).
    fn terms_in(
        &self,
        searcher: &tantivy::Searcher,
        addr: DocAddress,
        plan: &query::Plan,
    ) -> Result<HashSet<String>> {
        let seg = searcher.segment_reader(addr.segment_ord);
        let f = self.fields;
        let mut have = HashSet::new();
        for c in &plan.core {
            for t in std::iter::once(&c.token).chain(&c.alts) {
                if have.contains(t) {
                    continue;
                }
                for field in [f.heading, f.body, f.expansion, f.title, f.idents] {
                    let inv = seg.inverted_index(field)?;
                    let term = Term::from_field_text(field, t);
                    if let Some(mut p) = inv.read_postings(&term, IndexRecordOption::Basic)? {
                        // `seek` only moves forward: a list may start past the document.
                        let at = if p.doc() < addr.doc_id {
                            p.seek(addr.doc_id)
                        } else {
                            p.doc()
                        };
                        if at == addr.doc_id {
                            have.insert(t.clone());
                            break;
                        }
                    }
                }
            }
        }
        Ok(have)
    }

    /// Up to `limit` headings or glossary terms for what a member has typed so far, best first:
    /// headings of the best search hits, then headings with a word starting with the last,
    /// possibly unfinished, word. An empty input lists module titles.
    pub fn suggest(&self, typed: &str, limit: usize) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        let push = |out: &mut Vec<String>, s: &str| {
            if out.len() < limit && !out.iter().any(|o| o.eq_ignore_ascii_case(s)) {
                out.push(s.to_string());
            }
        };
        let norm = normalize_query(typed);
        if norm.is_empty() {
            for (s, _) in &self.suggestions {
                push(&mut out, s);
            }
            return out;
        }
        let lower_typed = typed.trim().to_lowercase();
        // Headings that start with what was typed come first.
        for (s, _) in &self.suggestions {
            if s.to_lowercase().starts_with(&lower_typed) {
                push(&mut out, s);
            }
        }
        for h in self.search(typed, limit * 2) {
            push(&mut out, &h.heading);
        }
        if let Some(last) = norm.split(' ').next_back() {
            for (s, _) in &self.suggestions {
                if s.to_lowercase()
                    .split(|c: char| !c.is_alphanumeric())
                    .any(|w| w.starts_with(last))
                {
                    push(&mut out, s);
                }
            }
        }
        out
    }

    /// Number of documents in the index.
    pub fn num_docs(&self) -> u64 {
        self.num_docs
    }

    /// Access for diagnostics and benchmarks.
    pub fn index(&self) -> &Index {
        &self.index
    }
}

/// The part of `plain` (a passage as plain text) around the matched words, each marked
/// `**like this**`; whole identifiers are marked, never a piece of one.
fn excerpt(snip: &SnippetGenerator, plain: &str) -> String {
    let s = snip.snippet(plain);
    if s.fragment().is_empty() {
        let mut e: String = plain.chars().take(EXCERPT_CHARS).collect();
        if e.len() < plain.len() {
            e.push('…');
        }
        return e;
    }
    let range = s.fragment_range();
    // Work on the whole text so a highlight can grow to an identifier's edge.
    let marks: Vec<_> = s
        .highlighted()
        .iter()
        .map(|r| r.start + range.start..r.end + range.start)
        .collect();
    let marks = plain::widen_to_identifiers(plain, &marks);
    let start = marks
        .first()
        .map_or(range.start, |m| m.start.min(range.start));
    let end = marks.last().map_or(range.end, |m| m.end.max(range.end));
    let mut out = String::with_capacity(end - start + 16);
    let mut pos = start;
    for m in &marks {
        out.push_str(&plain[pos..m.start]);
        out.push_str("**");
        out.push_str(&plain[m.clone()]);
        out.push_str("**");
        pos = m.end;
    }
    out.push_str(&plain[pos..end]);
    let mut out = out.trim().to_string();
    if start > 0 {
        out.insert(0, '…');
    }
    if end < plain.len() {
        out.push('…');
    }
    out
}

fn build(index_root: &Path, dir: &Path, name: &str, course: &Course) -> Result<Index> {
    std::fs::create_dir_all(index_root)
        .with_context(|| format!("creating index directory {}", index_root.display()))?;
    if dir.exists() {
        std::fs::remove_dir_all(dir)
            .with_context(|| format!("removing half-built index {}", dir.display()))?;
    }
    std::fs::create_dir_all(dir)?;
    let (schema, fields) = schema();
    let index = Index::create_in_dir(dir, schema)
        .with_context(|| format!("creating search index in {}", dir.display()))?;
    register(&index);
    fill(&index, fields, course)?;
    // Point CURRENT at the new build atomically, then remove older builds.
    let tmp = index_root.join(format!("{CURRENT_FILE}.tmp"));
    std::fs::write(&tmp, name)?;
    std::fs::rename(&tmp, index_root.join(CURRENT_FILE))?;
    if let Ok(rd) = std::fs::read_dir(index_root) {
        for e in rd.flatten() {
            let p = e.path();
            let fname = e.file_name().to_string_lossy().to_string();
            if p.is_dir()
                && fname != name
                && fname.len() == 16
                && fname.bytes().all(|b| b.is_ascii_hexdigit())
            {
                let _ = std::fs::remove_dir_all(&p);
            }
        }
    }
    Ok(index)
}

fn fill(index: &Index, f: Fields, course: &Course) -> Result<()> {
    let mut writer: tantivy::IndexWriter = index
        .writer_with_num_threads(1, 30_000_000)
        .context("index writer")?;
    // The question bank, as hidden expansion of the section each question is about.
    let mut expansions: HashMap<(String, String), String> = HashMap::new();
    for q in &course.questions {
        let e = expansions
            .entry((q.module.clone(), q.topic.to_lowercase()))
            .or_default();
        e.push_str(&q.prompt);
        e.push('\n');
        e.push_str(&q.explanation);
        e.push('\n');
    }
    for m in &course.modules {
        add_module(&mut writer, f, m, &expansions)?;
    }
    writer.commit().context("committing the search index")?;
    Ok(())
}

/// A section's `### ` sub-sections: (heading, body), outside code fences. Empty when it has
/// none.
pub fn subsections(body: &str) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    let mut fence: Option<&str> = None;
    for line in body.lines() {
        let t = line.trim_start();
        for marker in ["```", "~~~"] {
            if t.starts_with(marker) {
                match fence {
                    None => fence = Some(marker),
                    Some(m) if m == marker => fence = None,
                    Some(_) => {}
                }
            }
        }
        if fence.is_none() {
            if let Some(h) = line.strip_prefix("### ") {
                out.push((h.trim().to_string(), String::new()));
                continue;
            }
        }
        if let Some((_, b)) = out.last_mut() {
            b.push_str(line);
            b.push('\n');
        }
    }
    out
}

fn add_module(
    writer: &mut tantivy::IndexWriter,
    f: Fields,
    m: &Module,
    expansions: &HashMap<(String, String), String>,
) -> Result<()> {
    let lex = idents::Lexicon::builtin();
    let add = |kind: HitKind, group: String, heading: &str, body: &str, expansion: &str| {
        writer.add_document(doc!(
            f.kind => kind.as_str(),
            f.module => m.id.clone(),
            f.path => m.path.clone(),
            f.group => group,
            f.heading => heading.to_string(),
            f.body => body.to_string(),
            f.plain => to_plain(body),
            f.title => m.title.clone(),
            f.expansion => expansion.to_string(),
            f.idents => idents::document_compounds(&format!("{heading}\n{body}"), lex),
        ))
    };
    for s in &m.sections {
        let kind = if s.overview {
            HitKind::Overview
        } else {
            HitKind::Section
        };
        let group = format!("{}/{}", m.id, s.heading.to_lowercase());
        let expansion = expansions
            .get(&(m.id.clone(), s.heading.to_lowercase()))
            .map(String::as_str)
            .unwrap_or_default();
        add(kind, group.clone(), &s.heading, &s.body, expansion)?;
        if INDEX_SUBSECTIONS && !s.overview {
            for (sub, body) in subsections(&s.body) {
                let heading = format!("{}{SUBSECTION_SEPARATOR}{sub}", s.heading);
                add(kind, group.clone(), &heading, body.trim(), "")?;
            }
        }
    }
    for g in &m.glossary {
        add(
            HitKind::Glossary,
            format!("{}/glossary/{}", m.id, g.term.to_lowercase()),
            &g.term,
            &g.definition,
            "",
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subsections_skip_code_fences() {
        let body = "intro\n\n### One\nfirst\n```\n### not a heading\n```\n### Two\nsecond\n";
        let s = subsections(body);
        assert_eq!(s.len(), 2);
        assert_eq!(s[0].0, "One");
        assert!(s[0].1.contains("### not a heading"));
        assert_eq!(s[1], ("Two".to_string(), "second\n".to_string()));
    }
}
