//! Full-text search over the course with tantivy: one document per lesson section, per glossary
//! entry and per question explanation. Queries are plain words: syntax characters are ignored,
//! typos are corrected against the index's own vocabulary, and course synonyms are expanded.

mod query;
mod typo;

use crate::content::{Course, Module};
use anyhow::{Context, Result};
use serde::Serialize;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use tantivy::collector::TopDocs;
use tantivy::schema::{
    Field, IndexRecordOption, Schema, TextFieldIndexing, TextOptions, Value, STORED, STRING,
};
use tantivy::snippet::SnippetGenerator;
use tantivy::tokenizer::{
    Language, LowerCaser, RemoveLongFilter, SimpleTokenizer, Stemmer, StopWordFilter, TextAnalyzer,
};
use tantivy::{doc, Index, IndexReader, ReloadPolicy, TantivyDocument};

pub use query::normalize_query;

/// Name of the analyzer registered for heading and body fields.
const ANALYZER: &str = "course_en";
/// File in the index directory that names the current index build (the content hash).
const CURRENT_FILE: &str = "CURRENT";
/// Characters of excerpt shown for a hit.
pub const EXCERPT_CHARS: usize = 350;

/// What kind of document a hit is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum HitKind {
    Section,
    /// The introduction of a module (the text before its first `## ` section).
    Overview,
    Glossary,
    Question,
}

impl HitKind {
    fn as_str(self) -> &'static str {
        match self {
            HitKind::Section => "section",
            HitKind::Overview => "overview",
            HitKind::Glossary => "glossary",
            HitKind::Question => "question",
        }
    }
    fn parse(s: &str) -> Self {
        match s {
            "glossary" => HitKind::Glossary,
            "question" => HitKind::Question,
            "overview" => HitKind::Overview,
            _ => HitKind::Section,
        }
    }
    /// Lessons first: a question's explanation or a glossary line is a weaker answer.
    fn weight(self) -> f32 {
        match self {
            HitKind::Section => 1.0,
            // A module's introduction names its topics; the topic's own section answers better.
            HitKind::Overview => 0.75,
            HitKind::Glossary => 0.8,
            HitKind::Question => 0.55,
        }
    }
}

/// One search result.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Hit {
    pub module: String,
    pub module_title: String,
    pub path: String,
    pub heading: String,
    /// Part of the text around the matched words, each marked `**like this**`.
    pub excerpt: String,
    /// The whole section (or glossary definition, or question explanation).
    pub text: String,
    pub score: f32,
    pub kind: HitKind,
}

#[derive(Clone, Copy)]
struct Fields {
    kind: Field,
    module: Field,
    path: Field,
    heading: Field,
    body: Field,
}

fn schema() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let text = TextOptions::default()
        .set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(ANALYZER)
                .set_index_option(IndexRecordOption::WithFreqsAndPositions),
        )
        .set_stored();
    let fields = Fields {
        kind: b.add_text_field("kind", STRING | STORED),
        module: b.add_text_field("module", STRING | STORED),
        path: b.add_text_field("path", STRING | STORED),
        heading: b.add_text_field("heading", text.clone()),
        body: b.add_text_field("body", text),
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
    synonyms: Vec<(String, Vec<String>)>,
    module_titles: HashMap<String, String>,
    /// The query analyzer, built once (cloned per query).
    analyzer: TextAnalyzer,
    /// Headings and glossary terms, for autocomplete: (display text, analyzed tokens).
    suggestions: Vec<(String, Vec<String>)>,
    /// Directory of the build in use.
    pub dir: PathBuf,
    /// Whether opening had to (re)build the index because the content changed.
    pub rebuilt: bool,
}

impl SearchIndex {
    /// Open the index in `index_root` built from content with hash `hash`; build it first if
    /// it is missing or was built from other content. Old builds are removed.
    pub fn open_or_build(index_root: &Path, course: &Course, hash: u64) -> Result<SearchIndex> {
        let name = format!("{hash:016x}");
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
        index.tokenizers().register(ANALYZER, analyzer());
        fill(&index, fields, course)?;
        Self::from_index(index, course, PathBuf::new())
    }

    fn from_index(index: Index, course: &Course, dir: PathBuf) -> Result<SearchIndex> {
        index.tokenizers().register(ANALYZER, analyzer());
        let fields = schema().1;
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()
            .context("opening the search index reader")?;
        let vocab = typo::Vocab::from_reader(&reader, &[fields.heading, fields.body])?;
        let mut an = analyzer();
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
        Ok(SearchIndex {
            analyzer: an,
            index,
            reader,
            fields,
            vocab,
            synonyms,
            module_titles: course
                .modules
                .iter()
                .map(|m| (m.id.clone(), m.title.clone()))
                .collect(),
            suggestions,
            dir,
            rebuilt: false,
        })
    }

    /// The best passages for `query`, best first, at most `limit`. Never fails on user input:
    /// an empty or meaningless query returns no hits.
    pub fn search(&self, query: &str, limit: usize) -> Vec<Hit> {
        match self.try_search(query, limit) {
            Ok(h) => h,
            Err(e) => {
                tracing::error!(error = %e, "search failed");
                Vec::new()
            }
        }
    }

    fn try_search(&self, raw: &str, limit: usize) -> Result<Vec<Hit>> {
        if limit == 0 {
            return Ok(Vec::new());
        }
        let mut an = self.analyzer.clone();
        let plan = query::plan(raw, &mut an, &self.vocab, &self.synonyms);
        let Some(q) = plan.to_query(self.fields.heading, self.fields.body) else {
            return Ok(Vec::new());
        };
        let searcher = self.reader.searcher();
        let fetch = limit * 3 + 10;
        let top = searcher.search(&q, &TopDocs::with_limit(fetch).order_by_score())?;
        let mut hits = Vec::with_capacity(top.len());
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
            let text = get(self.fields.body);
            let heading_tokens = tokens(&mut an, &heading);
            let bonus = plan.heading_bonus(&heading_tokens);
            let module = get(self.fields.module);
            hits.push(Hit {
                module_title: self.module_titles.get(&module).cloned().unwrap_or_default(),
                module,
                path: get(self.fields.path),
                excerpt: String::new(),
                heading,
                text,
                score: score * kind.weight() * bonus,
                kind,
            });
        }
        hits.sort_by(|a, b| b.score.total_cmp(&a.score));
        // A question's explanation adds nothing under the section it tests.
        let mut shown: Vec<(String, String)> = Vec::new();
        hits.retain(|h| {
            let key = (h.module.clone(), h.heading.to_lowercase());
            if h.kind == HitKind::Question && shown.contains(&key) {
                return false;
            }
            shown.push(key);
            true
        });
        hits.truncate(limit);
        // Excerpts only for what is returned: marking matches tokenizes the whole section.
        let mut snip = SnippetGenerator::create(&searcher, &*q, self.fields.body)?;
        snip.set_max_num_chars(EXCERPT_CHARS);
        for h in &mut hits {
            h.excerpt = excerpt(&snip, &h.text);
        }
        Ok(hits)
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
            if h.kind != HitKind::Question {
                push(&mut out, &h.heading);
            }
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
        self.reader.searcher().num_docs()
    }

    /// Access for diagnostics and benchmarks.
    pub fn index(&self) -> &Index {
        &self.index
    }
}

fn excerpt(snip: &SnippetGenerator, text: &str) -> String {
    let s = snip.snippet(text);
    if s.fragment().is_empty() {
        let mut e: String = text.chars().take(EXCERPT_CHARS).collect();
        if e.len() < text.len() {
            e.push('…');
        }
        return e;
    }
    let frag = s.fragment();
    let mut out = String::with_capacity(frag.len() + 16);
    let mut pos = 0;
    for r in s.highlighted() {
        if r.start < pos || r.end > frag.len() {
            continue;
        }
        out.push_str(&frag[pos..r.start]);
        out.push_str("**");
        out.push_str(&frag[r.clone()]);
        out.push_str("**");
        pos = r.end;
    }
    out.push_str(&frag[pos..]);
    let range = s.fragment_range();
    let mut out = out.trim().to_string();
    if range.start > 0 {
        out.insert(0, '…');
    }
    if range.end < text.len() {
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
    index.tokenizers().register(ANALYZER, analyzer());
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
    for m in &course.modules {
        add_module(&mut writer, f, m)?;
    }
    for q in &course.questions {
        let path = course
            .module(&q.module)
            .map(|m| m.path.clone())
            .unwrap_or_default();
        writer.add_document(doc!(
            f.kind => HitKind::Question.as_str(),
            f.module => q.module.clone(),
            f.path => path,
            f.heading => q.topic.clone(),
            f.body => format!("{}\n\n{}", q.prompt, q.explanation),
        ))?;
    }
    writer.commit().context("committing the search index")?;
    Ok(())
}

fn add_module(writer: &mut tantivy::IndexWriter, f: Fields, m: &Module) -> Result<()> {
    for s in &m.sections {
        writer.add_document(doc!(
            f.kind => if s.overview { HitKind::Overview } else { HitKind::Section }.as_str(),
            f.module => m.id.clone(),
            f.path => m.path.clone(),
            f.heading => s.heading.clone(),
            f.body => s.body.clone(),
        ))?;
    }
    for g in &m.glossary {
        writer.add_document(doc!(
            f.kind => HitKind::Glossary.as_str(),
            f.module => m.id.clone(),
            f.path => m.path.clone(),
            f.heading => g.term.clone(),
            f.body => g.definition.clone(),
        ))?;
    }
    Ok(())
}
