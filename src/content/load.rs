//! Reading `content/` from disk and validating it. Every problem is reported with its file and
//! line, and loading goes on after a problem so that one run shows them all.

use super::model::*;
use serde::Deserialize;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;
use std::path::{Path, PathBuf};

/// One thing wrong with the content, printed as `path:line: message`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub file: PathBuf,
    /// 1-based; 0 when the problem is about the file as a whole.
    pub line: usize,
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}: {}",
            self.file.display(),
            self.line.max(1),
            self.message
        )
    }
}

/// The content could not be loaded cleanly.
#[derive(Debug, Clone)]
pub struct ContentErrors(pub Vec<Problem>);

impl fmt::Display for ContentErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "{} problem(s) in the course content:", self.0.len())?;
        for p in &self.0 {
            writeln!(f, "{p}")?;
        }
        Ok(())
    }
}
impl std::error::Error for ContentErrors {}

/// Discord limits that content must respect, in characters.
pub const MAX_PROMPT: usize = 1000;
pub const MAX_EXPLANATION: usize = 1500;
pub const MAX_CHOICE: usize = 200;
pub const MAX_MATCH_LEFT: usize = 80;
pub const MAX_MATCH_RIGHT: usize = 200;

struct Sink {
    problems: Vec<Problem>,
}
impl Sink {
    fn push(&mut self, file: &Path, line: usize, message: impl Into<String>) {
        self.problems.push(Problem {
            file: file.to_path_buf(),
            line,
            message: message.into(),
        });
    }
}

fn line_of_offset(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())]
        .bytes()
        .filter(|b| *b == b'\n')
        .count()
        + 1
}

fn toml_error(sink: &mut Sink, file: &Path, text: &str, line_base: usize, e: &toml::de::Error) {
    let line = e.span().map(|s| line_of_offset(text, s.start)).unwrap_or(1);
    let msg = e.message().trim().replace('\n', " ");
    sink.push(file, line + line_base, msg);
}

// ---------- course.toml ----------

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCourseFile {
    course: RawCourseMeta,
    paths: Vec<RawPath>,
    #[serde(default)]
    certifications: Vec<RawCert>,
    #[serde(default)]
    grades: Vec<GradeBand>,
}
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCourseMeta {
    title: String,
    #[allow(dead_code)]
    #[serde(default)]
    version: Option<String>,
}
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPath {
    id: String,
    title: String,
    level: String,
    #[serde(default)]
    specialist: bool,
    #[allow(dead_code)]
    duration: Option<String>,
    #[allow(dead_code)]
    prerequisites: Option<String>,
    #[allow(dead_code)]
    outcome: Option<String>,
    pass_mark: u32,
    capstone: String,
    modules: Vec<RawModuleRef>,
}
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawModuleRef {
    id: String,
    number: u32,
    title: String,
    quiz_size: u32,
    #[allow(dead_code)]
    weeks: Option<u32>,
    /// The outline's "Topics Covered": each must be a `## ` heading of the lesson.
    #[serde(default)]
    topics: Vec<String>,
    /// Not written yet: its lesson and question bank may be missing (when present they are
    /// validated like any other). A draft cannot be practised, so its path's certificate
    /// cannot be earned until it is written.
    #[serde(default)]
    draft: bool,
}
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCert {
    id: String,
    title: String,
    prerequisite: Option<String>,
    paths: Vec<String>,
    #[serde(default)]
    any_path: bool,
    exam: Option<Exam>,
    #[serde(default)]
    capstone: bool,
    #[serde(default)]
    project_based: bool,
    #[serde(default)]
    portfolio: bool,
    #[serde(default)]
    requirements: Vec<String>,
}

// ---------- lessons ----------

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFrontMatter {
    id: Option<String>,
    title: Option<String>,
    path: Option<String>,
    objectives: Option<Vec<String>>,
    activities: Option<Vec<String>>,
    assessment: Option<Vec<String>>,
    #[serde(default)]
    synonyms: BTreeMap<String, Vec<String>>,
    #[serde(default)]
    glossary: Vec<GlossaryEntry>,
}

// ---------- questions ----------

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawQuestionFile {
    module: Option<String>,
    #[serde(default)]
    questions: Vec<RawQuestion>,
}
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawQuestion {
    id: Option<String>,
    #[serde(rename = "type")]
    kind: Option<String>,
    topic: Option<String>,
    prompt: Option<String>,
    choices: Option<Vec<String>>,
    answer: Option<toml::Value>,
    answers: Option<Vec<String>>,
    pairs: Option<Vec<Vec<String>>>,
    explanation: Option<String>,
}

/// Load and validate the course in `dir`. Returns the course only when there is no problem.
pub fn load_course(dir: &Path) -> Result<Course, ContentErrors> {
    let (course, problems) = load_course_lenient(dir);
    match course {
        Some(c) if problems.is_empty() => Ok(c),
        _ => Err(ContentErrors(problems)),
    }
}

/// Load what can be loaded and list every problem found (what `coursebot check` prints).
pub fn load_course_lenient(dir: &Path) -> (Option<Course>, Vec<Problem>) {
    let mut sink = Sink {
        problems: Vec::new(),
    };
    let course_path = dir.join("course.toml");
    let text = match std::fs::read_to_string(&course_path) {
        Ok(t) => t,
        Err(e) => {
            sink.push(&course_path, 0, format!("cannot read course file: {e}"));
            return (None, sink.problems);
        }
    };
    let raw: RawCourseFile = match toml::from_str(&text) {
        Ok(r) => r,
        Err(e) => {
            toml_error(&mut sink, &course_path, &text, 0, &e);
            return (None, sink.problems);
        }
    };
    let find_line = |needle: &str| -> usize {
        text.lines()
            .position(|l| l.contains(needle))
            .map(|i| i + 1)
            .unwrap_or(1)
    };

    // Paths and their modules.
    let mut paths = Vec::new();
    let mut module_refs: Vec<(RawModuleRef, String)> = Vec::new();
    let mut seen_paths = HashSet::new();
    let mut seen_modules = HashSet::new();
    for p in raw.paths {
        let pline = find_line(&format!("id = \"{}\"", p.id));
        if !seen_paths.insert(p.id.clone()) {
            sink.push(&course_path, pline, format!("duplicate path id `{}`", p.id));
        }
        if p.modules.is_empty() {
            sink.push(
                &course_path,
                pline,
                format!("path `{}` has no modules", p.id),
            );
        }
        if p.pass_mark == 0 || p.pass_mark > 100 {
            sink.push(
                &course_path,
                pline,
                format!("path `{}`: pass_mark must be 1–100", p.id),
            );
        }
        let mut ids = Vec::new();
        for m in p.modules {
            if !is_id(&m.id) {
                sink.push(
                    &course_path,
                    find_line(&format!("id = \"{}\"", m.id)),
                    format!("module id `{}` must be lowercase letters and digits", m.id),
                );
            }
            if !seen_modules.insert(m.id.clone()) {
                sink.push(
                    &course_path,
                    find_line(&format!("id = \"{}\"", m.id)),
                    format!("duplicate module id `{}`", m.id),
                );
                continue;
            }
            ids.push(m.id.clone());
            module_refs.push((m, p.id.clone()));
        }
        paths.push(LearningPath {
            id: p.id,
            title: p.title,
            level: p.level,
            specialist: p.specialist,
            pass_mark: p.pass_mark,
            capstone: p.capstone,
            module_ids: ids,
        });
    }

    // Certifications.
    let mut certifications = Vec::new();
    for c in raw.certifications {
        let cline = find_line(&format!("id = \"{}\"", c.id));
        for p in &c.paths {
            if !seen_paths.contains(p) {
                sink.push(
                    &course_path,
                    cline,
                    format!("certification `{}` names unknown path `{p}`", c.id),
                );
            }
        }
        if let Some(e) = &c.exam {
            if e.questions == 0 || e.minutes == 0 || e.pass_percent == 0 || e.pass_percent > 100 {
                sink.push(
                    &course_path,
                    cline,
                    format!(
                        "certification `{}`: exam needs questions, minutes and a pass_percent of 1–100",
                        c.id
                    ),
                );
            }
        } else if !c.project_based {
            sink.push(
                &course_path,
                cline,
                format!(
                    "certification `{}` has neither an exam nor project_based = true",
                    c.id
                ),
            );
        }
        certifications.push(Certification {
            id: c.id,
            title: c.title,
            prerequisite: c.prerequisite,
            paths: c.paths,
            any_path: c.any_path,
            exam: c.exam,
            capstone: c.capstone,
            project_based: c.project_based,
            portfolio: c.portfolio,
            requirements: c.requirements,
        });
    }
    let cert_ids: HashSet<_> = certifications.iter().map(|c| c.id.clone()).collect();
    for c in &certifications {
        if let Some(p) = &c.prerequisite {
            if !cert_ids.contains(p) {
                sink.push(
                    &course_path,
                    find_line(&format!("prerequisite = \"{p}\"")),
                    format!(
                        "certification `{}` requires unknown certification `{p}`",
                        c.id
                    ),
                );
            }
        }
    }

    // Grading scale: descending, ending at 0.
    let grades = raw.grades;
    if grades.is_empty() {
        sink.push(&course_path, 0, "the grading scale ([[grades]]) is empty");
    } else {
        if grades.windows(2).any(|w| w[0].min <= w[1].min) {
            sink.push(
                &course_path,
                find_line("[[grades]]"),
                "grades must be listed from the highest `min` to the lowest",
            );
        }
        if grades.last().map(|g| g.min) != Some(0) {
            sink.push(
                &course_path,
                find_line("[[grades]]"),
                "the last grade must have min = 0 so every score has a grade",
            );
        }
    }

    // Synonyms.
    let mut synonyms = BTreeMap::new();
    let syn_path = dir.join("synonyms.toml");
    if syn_path.exists() {
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct SynFile {
            #[serde(default)]
            synonyms: BTreeMap<String, Vec<String>>,
        }
        match std::fs::read_to_string(&syn_path)
            .map_err(|e| e.to_string())
            .and_then(|t| {
                toml::from_str::<SynFile>(&t)
                    .map_err(|e| (e, t))
                    .map_err(|(e, t)| {
                        let line = e.span().map(|s| line_of_offset(&t, s.start)).unwrap_or(1);
                        format!("{line}\u{0}{}", e.message().trim())
                    })
            }) {
            Ok(s) => merge_synonyms(&mut synonyms, s.synonyms),
            Err(e) => {
                let (line, msg) = e
                    .split_once('\u{0}')
                    .map(|(l, m)| (l.parse().unwrap_or(1), m.to_string()))
                    .unwrap_or((0, e.clone()));
                sink.push(&syn_path, line, msg);
            }
        }
    }

    // Lessons.
    let mut modules = Vec::new();
    let mut drafts = Vec::new();
    for (mref, path_id) in &module_refs {
        let file = dir.join("modules").join(format!("{}.md", mref.id));
        match std::fs::read_to_string(&file) {
            Ok(text) => {
                if let Some(m) = parse_lesson(&mut sink, &file, &text, mref, path_id, &mut synonyms)
                {
                    modules.push(m);
                }
            }
            Err(_) if mref.draft => drafts.push(mref.id.clone()),
            Err(_) => sink.push(
                &course_path,
                find_line(&format!("id = \"{}\"", mref.id)),
                format!("module `{}` has no lesson file {}", mref.id, file.display()),
            ),
        }
    }
    // Each path's capstone brief is a section of its last module.
    for p in &paths {
        let Some(last) = p.module_ids.last() else {
            continue;
        };
        if let Some(m) = modules.iter().find(|m| &m.id == last) {
            let want = format!("Capstone project: {}", p.capstone);
            if !m
                .sections
                .iter()
                .any(|s| s.heading.eq_ignore_ascii_case(&want))
            {
                sink.push(
                    &dir.join("modules").join(format!("{last}.md")),
                    1,
                    format!(
                        "the last module of path `{}` needs the section `## {want}`",
                        p.id
                    ),
                );
            }
        }
    }

    // Files that belong to no module.
    for (sub, ext) in [("modules", "md"), ("questions", "toml")] {
        if let Ok(rd) = std::fs::read_dir(dir.join(sub)) {
            let mut names: Vec<_> = rd.flatten().map(|e| e.path()).collect();
            names.sort();
            for f in names {
                if f.extension().and_then(|e| e.to_str()) != Some(ext) {
                    continue;
                }
                let stem = f.file_stem().and_then(|s| s.to_str()).unwrap_or("");
                if !seen_modules.contains(stem) {
                    sink.push(
                        &f,
                        1,
                        format!("unknown module `{stem}`: it is not listed in course.toml"),
                    );
                }
            }
        }
    }

    // Questions.
    let mut questions = Vec::new();
    let mut seen_q: HashMap<String, (PathBuf, usize)> = HashMap::new();
    for (mref, _) in &module_refs {
        let file = dir.join("questions").join(format!("{}.toml", mref.id));
        let Ok(text) = std::fs::read_to_string(&file) else {
            if mref.draft && drafts.contains(&mref.id) {
                continue;
            }
            sink.push(
                &course_path,
                find_line(&format!("id = \"{}\"", mref.id)),
                format!(
                    "module `{}` has no question bank {}",
                    mref.id,
                    file.display()
                ),
            );
            continue;
        };
        let module = modules.iter().find(|m| m.id == mref.id);
        parse_questions(
            &mut sink,
            &file,
            &text,
            &mref.id,
            module,
            &mut seen_q,
            &mut questions,
        );
    }

    let course = Course {
        title: raw.course.title,
        paths,
        modules,
        questions,
        certifications,
        grades,
        synonyms,
        drafts,
    };
    (Some(course), sink.problems)
}

fn is_id(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
}

fn merge_synonyms(into: &mut BTreeMap<String, Vec<String>>, from: BTreeMap<String, Vec<String>>) {
    for (k, v) in from {
        let e = into.entry(k.trim().to_lowercase()).or_default();
        for t in v {
            let t = t.trim().to_lowercase();
            if !t.is_empty() && !e.contains(&t) {
                e.push(t);
            }
        }
    }
}

fn parse_lesson(
    sink: &mut Sink,
    file: &Path,
    text: &str,
    mref: &RawModuleRef,
    path_id: &str,
    synonyms: &mut BTreeMap<String, Vec<String>>,
) -> Option<Module> {
    let lines: Vec<&str> = text.lines().collect();
    if lines.first().map(|l| l.trim()) != Some("+++") {
        sink.push(
            file,
            1,
            "lesson must start with TOML front matter between `+++` lines",
        );
        return None;
    }
    let Some(end) = lines
        .iter()
        .skip(1)
        .position(|l| l.trim() == "+++")
        .map(|i| i + 1)
    else {
        sink.push(file, 1, "front matter is not closed by a `+++` line");
        return None;
    };
    let fm_text = lines[1..end].join("\n");
    let fm: RawFrontMatter = match toml::from_str(&fm_text) {
        Ok(f) => f,
        Err(e) => {
            toml_error(sink, file, &fm_text, 1, &e);
            return None;
        }
    };
    let mut ok = true;
    let mut missing = |name: &str, present: bool| {
        if !present {
            sink.push(
                file,
                1,
                format!("front matter is missing the field `{name}`"),
            );
            ok = false;
        }
    };
    missing("id", fm.id.is_some());
    missing("title", fm.title.is_some());
    missing("path", fm.path.is_some());
    missing("objectives", fm.objectives.is_some());
    missing("activities", fm.activities.is_some());
    missing("assessment", fm.assessment.is_some());
    let fm_line = |key: &str| {
        lines[..end]
            .iter()
            .position(|l| l.trim_start().starts_with(key))
            .map(|i| i + 1)
            .unwrap_or(1)
    };
    if let Some(id) = &fm.id {
        if id != &mref.id {
            sink.push(
                file,
                fm_line("id"),
                format!(
                    "front matter id `{id}` does not match the file name `{}`",
                    mref.id
                ),
            );
        }
    }
    if let Some(p) = &fm.path {
        if p != path_id {
            sink.push(
                file,
                fm_line("path"),
                format!(
                    "path `{p}` does not match course.toml, where module `{}` is in path `{path_id}`",
                    mref.id
                ),
            );
        }
    }
    for (name, list) in [
        ("objectives", &fm.objectives),
        ("activities", &fm.activities),
        ("assessment", &fm.assessment),
    ] {
        if let Some(l) = list {
            if l.is_empty() || l.iter().any(|s| s.trim().is_empty()) {
                sink.push(
                    file,
                    fm_line(name),
                    format!("`{name}` must list non-empty items"),
                );
            }
        }
    }
    for g in &fm.glossary {
        if g.term.trim().is_empty() || g.definition.trim().is_empty() {
            sink.push(
                file,
                fm_line("[[glossary]]"),
                "a glossary entry needs a term and a definition",
            );
        }
    }
    merge_synonyms(synonyms, fm.synonyms);

    // Sections.
    let mut sections: Vec<Section> = Vec::new();
    let mut cur = Section {
        heading: mref.title.clone(),
        body: String::new(),
        line: end + 2,
        overview: true,
    };
    let mut in_fence = false;
    let mut fence_line = 0;
    for (i, raw_line) in lines.iter().enumerate().skip(end + 1) {
        let line_no = i + 1;
        let t = raw_line.trim_start();
        if t.starts_with("```") || t.starts_with("~~~") {
            in_fence = !in_fence;
            fence_line = line_no;
        }
        if !in_fence {
            if let Some(h) = raw_line.strip_prefix("## ") {
                sections.push(std::mem::replace(
                    &mut cur,
                    Section {
                        heading: h.trim().to_string(),
                        body: String::new(),
                        line: line_no,
                        overview: false,
                    },
                ));
                continue;
            }
            if cur.overview && raw_line.starts_with("# ") && cur.body.trim().is_empty() {
                continue; // the module's title line
            }
        }
        cur.body.push_str(raw_line);
        cur.body.push('\n');
    }
    if in_fence {
        sink.push(file, fence_line, "code fence is never closed");
    }
    sections.push(cur);
    if sections[0].body.trim().is_empty() {
        sections.remove(0);
    }
    let mut seen = HashSet::new();
    for s in &sections {
        if s.overview {
            continue;
        }
        if s.heading.is_empty() {
            sink.push(file, s.line, "empty `## ` heading");
        } else if !seen.insert(s.heading.to_lowercase()) {
            sink.push(file, s.line, format!("duplicate heading `{}`", s.heading));
        }
        if s.body.trim().is_empty() {
            sink.push(file, s.line, format!("section `{}` is empty", s.heading));
        }
        if s.heading.chars().count() > 256 {
            sink.push(
                file,
                s.line,
                "heading longer than 256 characters (Discord's embed title limit)",
            );
        }
    }
    if !sections.iter().any(|s| !s.overview) {
        sink.push(file, end + 1, "lesson has no `## ` section");
    }
    for t in &mref.topics {
        if !sections
            .iter()
            .any(|s| !s.overview && s.heading.eq_ignore_ascii_case(t))
        {
            sink.push(
                file,
                end + 1,
                format!("no `## {t}` section: course.toml lists it among the module's topics"),
            );
        }
    }
    for s in &mut sections {
        s.body = s.body.trim().to_string();
    }
    if !ok {
        return None;
    }
    Some(Module {
        id: mref.id.clone(),
        number: mref.number,
        title: fm.title.unwrap_or_else(|| mref.title.clone()),
        path: path_id.to_string(),
        quiz_size: mref.quiz_size,
        topics: mref.topics.clone(),
        objectives: fm.objectives.unwrap_or_default(),
        activities: fm.activities.unwrap_or_default(),
        assessment: fm.assessment.unwrap_or_default(),
        glossary: fm.glossary,
        sections,
    })
}

fn parse_questions(
    sink: &mut Sink,
    file: &Path,
    text: &str,
    module_id: &str,
    module: Option<&Module>,
    seen: &mut HashMap<String, (PathBuf, usize)>,
    out: &mut Vec<Question>,
) {
    let raw: RawQuestionFile = match toml::from_str(text) {
        Ok(r) => r,
        Err(e) => {
            toml_error(sink, file, text, 0, &e);
            return;
        }
    };
    let lines: Vec<&str> = text.lines().collect();
    match &raw.module {
        None => sink.push(file, 1, "missing `module = \"...\"` at the top"),
        Some(m) if m != module_id => sink.push(
            file,
            lines
                .iter()
                .position(|l| l.trim_start().starts_with("module"))
                .map(|i| i + 1)
                .unwrap_or(1),
            format!("unknown module `{m}`: this file is the question bank of `{module_id}`"),
        ),
        _ => {}
    }
    // The line where each [[questions]] table starts, in order.
    let starts: Vec<usize> = lines
        .iter()
        .enumerate()
        .filter(|(_, l)| l.trim() == "[[questions]]")
        .map(|(i, _)| i + 1)
        .collect();
    if raw.questions.is_empty() {
        sink.push(file, 1, "no questions ([[questions]] tables) in this file");
    }
    for (n, q) in raw.questions.into_iter().enumerate() {
        let start = starts.get(n).copied().unwrap_or(1);
        let stop = starts.get(n + 1).copied().unwrap_or(lines.len() + 1);
        let field_line = |name: &str| -> usize {
            (start..stop)
                .find(|&l| {
                    let t = lines.get(l - 1).map(|s| s.trim_start()).unwrap_or("");
                    t.strip_prefix(name)
                        .map(|r| r.trim_start().starts_with('='))
                        .unwrap_or(false)
                })
                .unwrap_or(start)
        };
        let before = sink.problems.len();
        let mut need = |name: &str, v: &Option<String>| -> String {
            match v.as_deref().map(str::trim) {
                Some(s) if !s.is_empty() => s.to_string(),
                Some(_) => {
                    sink.push(file, field_line(name), format!("empty {name}"));
                    String::new()
                }
                None => {
                    sink.push(file, start, format!("question is missing `{name}`"));
                    String::new()
                }
            }
        };
        let id = need("id", &q.id);
        let kind_s = need("type", &q.kind);
        let topic = need("topic", &q.topic);
        let prompt = need("prompt", &q.prompt);
        let explanation = need("explanation", &q.explanation);
        if !id.is_empty() {
            if !id.starts_with(&format!("{module_id}-")) {
                sink.push(
                    file,
                    field_line("id"),
                    format!("question id `{id}` must start with `{module_id}-`"),
                );
            }
            if id.len() > 40
                || !id
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
            {
                sink.push(
                    file,
                    field_line("id"),
                    format!("question id `{id}` must be at most 40 letters, digits, `-` or `_`"),
                );
            }
            if let Some((f, l)) = seen.get(&id) {
                sink.push(
                    file,
                    field_line("id"),
                    format!(
                        "duplicate question id `{id}` (first at {}:{l})",
                        f.display()
                    ),
                );
            } else {
                seen.insert(id.clone(), (file.to_path_buf(), field_line("id")));
            }
        }
        if prompt.chars().count() > MAX_PROMPT {
            sink.push(
                file,
                field_line("prompt"),
                format!("prompt longer than {MAX_PROMPT} characters"),
            );
        }
        if explanation.chars().count() > MAX_EXPLANATION {
            sink.push(
                file,
                field_line("explanation"),
                format!("explanation longer than {MAX_EXPLANATION} characters"),
            );
        }
        if let (Some(m), false) = (module, topic.is_empty()) {
            if !m
                .topic_sections()
                .any(|s| s.heading.eq_ignore_ascii_case(&topic))
            {
                sink.push(
                    file,
                    field_line("topic"),
                    format!("topic `{topic}` is not a `## ` heading of the lesson {module_id}.md"),
                );
            }
        }
        let key = match QuestionType::parse(&kind_s) {
            None if kind_s.is_empty() => None,
            None => {
                sink.push(
                    file,
                    field_line("type"),
                    format!(
                        "unknown question type `{kind_s}` (expected multiple_choice, true_false, fill_in or matching)"
                    ),
                );
                None
            }
            Some(t) => build_key(sink, file, t, &q, &field_line, start),
        };
        if sink.problems.len() == before {
            if let Some(key) = key {
                out.push(Question {
                    id,
                    module: module_id.to_string(),
                    topic,
                    prompt,
                    key,
                    explanation,
                });
            }
        }
    }
}

fn build_key(
    sink: &mut Sink,
    file: &Path,
    t: QuestionType,
    q: &RawQuestion,
    field_line: &dyn Fn(&str) -> usize,
    start: usize,
) -> Option<AnswerKey> {
    let mut stray = |name: &str, present: bool| {
        if present {
            sink.push(
                file,
                field_line(name),
                format!("`{name}` does not belong in a {} question", t.as_str()),
            );
        }
    };
    match t {
        QuestionType::MultipleChoice => {
            stray("answers", q.answers.is_some());
            stray("pairs", q.pairs.is_some());
        }
        QuestionType::TrueFalse => {
            stray("choices", q.choices.is_some());
            stray("answers", q.answers.is_some());
            stray("pairs", q.pairs.is_some());
        }
        QuestionType::FillIn => {
            stray("choices", q.choices.is_some());
            stray("answer", q.answer.is_some());
            stray("pairs", q.pairs.is_some());
        }
        QuestionType::Matching => {
            stray("choices", q.choices.is_some());
            stray("answer", q.answer.is_some());
            stray("answers", q.answers.is_some());
        }
    }
    match t {
        QuestionType::MultipleChoice => {
            let Some(choices) = &q.choices else {
                sink.push(file, start, "multiple_choice question is missing `choices`");
                return None;
            };
            let line = field_line("choices");
            if !(2..=5).contains(&choices.len()) {
                sink.push(
                    file,
                    line,
                    format!(
                        "multiple_choice needs 2 to 5 choices, found {}",
                        choices.len()
                    ),
                );
                return None;
            }
            let mut uniq = HashSet::new();
            for c in choices {
                if c.trim().is_empty() {
                    sink.push(file, line, "empty choice");
                } else if c.chars().count() > MAX_CHOICE {
                    sink.push(
                        file,
                        line,
                        format!("choice longer than {MAX_CHOICE} characters"),
                    );
                } else if !uniq.insert(normalize_answer(c)) {
                    sink.push(file, line, format!("duplicate choice `{c}`"));
                }
            }
            let aline = field_line("answer");
            let answer = match &q.answer {
                Some(toml::Value::Integer(i)) if *i >= 0 && (*i as usize) < choices.len() => {
                    *i as usize
                }
                Some(toml::Value::Integer(i)) => {
                    sink.push(
                        file,
                        aline,
                        format!(
                            "answer index {i} out of range: there are {} choices (0 to {})",
                            choices.len(),
                            choices.len() - 1
                        ),
                    );
                    return None;
                }
                Some(_) => {
                    sink.push(
                        file,
                        aline,
                        "answer must be the 0-based index of the correct choice",
                    );
                    return None;
                }
                None => {
                    sink.push(file, start, "multiple_choice question is missing `answer`");
                    return None;
                }
            };
            Some(AnswerKey::MultipleChoice {
                choices: choices.iter().map(|c| c.trim().to_string()).collect(),
                answer,
            })
        }
        QuestionType::TrueFalse => match &q.answer {
            Some(toml::Value::Boolean(b)) => Some(AnswerKey::TrueFalse(*b)),
            Some(_) => {
                sink.push(
                    file,
                    field_line("answer"),
                    "true_false answer must be true or false",
                );
                None
            }
            None => {
                sink.push(file, start, "true_false question is missing `answer`");
                None
            }
        },
        QuestionType::FillIn => {
            let Some(answers) = &q.answers else {
                sink.push(file, start, "fill_in question is missing `answers`");
                return None;
            };
            let list: Vec<String> = answers
                .iter()
                .map(|a| a.trim().to_string())
                .filter(|a| !a.is_empty())
                .collect();
            if list.is_empty() || list.len() != answers.len() {
                sink.push(
                    file,
                    field_line("answers"),
                    "fill_in needs at least one answer and no empty ones",
                );
                return None;
            }
            Some(AnswerKey::FillIn(list))
        }
        QuestionType::Matching => {
            let Some(pairs) = &q.pairs else {
                sink.push(file, start, "matching question is missing `pairs`");
                return None;
            };
            let line = field_line("pairs");
            if !(2..=5).contains(&pairs.len()) {
                sink.push(
                    file,
                    line,
                    format!("matching needs 2 to 5 pairs, found {}", pairs.len()),
                );
                return None;
            }
            let mut out = Vec::new();
            let (mut ls, mut rs) = (HashSet::new(), HashSet::new());
            for p in pairs {
                if p.len() != 2 || p.iter().any(|s| s.trim().is_empty()) {
                    sink.push(
                        file,
                        line,
                        "each pair must be [left, right], both non-empty",
                    );
                    return None;
                }
                let (l, r) = (p[0].trim().to_string(), p[1].trim().to_string());
                if l.chars().count() > MAX_MATCH_LEFT || r.chars().count() > MAX_MATCH_RIGHT {
                    sink.push(file, line, format!("pair `{l}`: left side at most {MAX_MATCH_LEFT}, right side at most {MAX_MATCH_RIGHT} characters"));
                }
                if !ls.insert(normalize_answer(&l)) || !rs.insert(normalize_answer(&r)) {
                    sink.push(
                        file,
                        line,
                        format!("pair `{l}`: left and right sides must be distinct"),
                    );
                }
                out.push((l, r));
            }
            Some(AnswerKey::Matching(out))
        }
    }
}
