//! Reading `content/` from disk and validating it. Every problem is reported with its file and
//! line, and loading goes on after a problem so that one run shows them all.
//!
//! One file per file kind: [`course`] (`course.toml` and `synonyms.toml`), [`lesson`]
//! (`modules/<id>.md`) and [`questions`] (`questions/<id>.toml`). Line numbers come from the
//! spans TOML gives each value (`toml::Spanned`), never from searching the text.

mod course;
mod lesson;
mod questions;

use super::model::*;
use std::collections::HashMap;
use std::fmt;
use std::ops::Range;
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

/// Where a question was found: its bank and the line of its `id`.
pub type QuestionLines = HashMap<String, (PathBuf, usize)>;

/// Collects problems; loading never stops at the first one.
pub(crate) struct Sink {
    pub(crate) problems: Vec<Problem>,
}

impl Sink {
    fn new() -> Self {
        Sink {
            problems: Vec::new(),
        }
    }
    pub(crate) fn push(&mut self, file: &Path, line: usize, message: impl Into<String>) {
        self.problems.push(Problem {
            file: file.to_path_buf(),
            line,
            message: message.into(),
        });
    }
}

/// 1-based line of a byte offset (clamped to the text, and to a char boundary).
pub(crate) fn line_of_offset(text: &str, offset: usize) -> usize {
    let mut end = offset.min(text.len());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text.as_bytes()[..end]
        .iter()
        .filter(|b| **b == b'\n')
        .count()
        + 1
}

/// The line of a value's span in `text`, shifted by `line_base` lines (front matter).
pub(crate) fn line_of_span(text: &str, span: &Range<usize>, line_base: usize) -> usize {
    line_of_offset(text, span.start) + line_base
}

pub(crate) fn toml_error(
    sink: &mut Sink,
    file: &Path,
    text: &str,
    line_base: usize,
    e: &toml::de::Error,
) {
    let line = e.span().map(|s| line_of_offset(text, s.start)).unwrap_or(1);
    let msg = e.message().trim().replace('\n', " ");
    sink.push(file, line + line_base, msg);
}

pub(crate) fn is_id(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
}

/// Load and validate the course in `dir`. Returns the course only when there is no problem.
pub fn load_course(dir: &Path) -> Result<Course, ContentErrors> {
    let (course, problems) = load_course_lenient(dir);
    match course {
        Some(c) if problems.is_empty() => Ok(c),
        _ => Err(ContentErrors(problems)),
    }
}

/// Load what can be loaded and list every problem found in the files' format (what the bot
/// needs to run). `coursebot check` adds the author checks: see [`super::check`].
pub fn load_course_lenient(dir: &Path) -> (Option<Course>, Vec<Problem>) {
    let (course, problems, _) = load_with_lines(dir);
    (course, problems)
}

/// [`load_course_lenient`], plus where each question was found.
pub fn load_with_lines(dir: &Path) -> (Option<Course>, Vec<Problem>, QuestionLines) {
    let mut sink = Sink::new();
    let mut lines = QuestionLines::new();
    let course_path = dir.join("course.toml");
    let Some(outline) = course::load(&mut sink, &course_path) else {
        return (None, sink.problems, lines);
    };
    let mut synonyms = course::load_synonyms(&mut sink, &dir.join("synonyms.toml"));

    // Lessons.
    let mut modules = Vec::new();
    let mut drafts = Vec::new();
    for mref in &outline.modules {
        let file = dir.join("modules").join(format!("{}.md", mref.id));
        match std::fs::read_to_string(&file) {
            Ok(text) => {
                if let Some(m) = lesson::parse(&mut sink, &file, &text, mref, &mut synonyms) {
                    modules.push(m);
                }
            }
            Err(_) if mref.draft => drafts.push(mref.id.clone()),
            Err(_) => sink.push(
                &course_path,
                mref.line,
                format!("module `{}` has no lesson file {}", mref.id, file.display()),
            ),
        }
    }
    capstone_sections(&mut sink, dir, &outline.paths, &modules);
    stray_files(&mut sink, dir, &outline.modules);

    // Questions.
    let mut questions_out = Vec::new();
    for mref in &outline.modules {
        let file = dir.join("questions").join(format!("{}.toml", mref.id));
        let Ok(text) = std::fs::read_to_string(&file) else {
            if mref.draft && drafts.contains(&mref.id) {
                continue;
            }
            sink.push(
                &course_path,
                mref.line,
                format!(
                    "module `{}` has no question bank {}",
                    mref.id,
                    file.display()
                ),
            );
            continue;
        };
        let module = modules.iter().find(|m| m.id == mref.id);
        questions::parse(
            &mut sink,
            &file,
            &text,
            &mref.id,
            module,
            &mut lines,
            &mut questions_out,
        );
    }

    let course = Course {
        title: outline.title,
        paths: outline.paths,
        modules,
        questions: questions_out,
        certifications: outline.certifications,
        grades: outline.grades,
        synonyms,
        drafts,
    };
    (Some(course), sink.problems, lines)
}

/// Each path's capstone brief is a section of its last module.
fn capstone_sections(sink: &mut Sink, dir: &Path, paths: &[LearningPath], modules: &[Module]) {
    for p in paths {
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
}

/// Lesson and question files that belong to no module of course.toml.
fn stray_files(sink: &mut Sink, dir: &Path, modules: &[course::ModuleRef]) {
    for (sub, ext) in [("modules", "md"), ("questions", "toml")] {
        if let Ok(rd) = std::fs::read_dir(dir.join(sub)) {
            let mut names: Vec<_> = rd.flatten().map(|e| e.path()).collect();
            names.sort();
            for f in names {
                if f.extension().and_then(|e| e.to_str()) != Some(ext) {
                    continue;
                }
                let stem = f.file_stem().and_then(|s| s.to_str()).unwrap_or("");
                if !modules.iter().any(|m| m.id == stem) {
                    sink.push(
                        &f,
                        1,
                        format!("unknown module `{stem}`: it is not listed in course.toml"),
                    );
                }
            }
        }
    }
}

#[cfg(test)]
mod never_panics {
    //! Property tests: whatever the bytes of a content file, the loaders return problems with a
    //! line inside the file, never a panic.
    use super::*;
    use proptest::prelude::*;

    /// Text made of fragments that look like content, so the parsers get past the first byte.
    fn contentish() -> impl Strategy<Value = String> {
        let frag = prop_oneof![
            Just("+++\n".to_string()),
            Just("[[questions]]\n".to_string()),
            Just("[[paths]]\n".to_string()),
            Just("id = \"m01-001\"\n".to_string()),
            Just("id = \"m01\"\n".to_string()),
            Just("type = \"multiple_choice\"\n".to_string()),
            Just("type = \"matching\"\n".to_string()),
            Just("choices = [\"a\", \"b\"]\n".to_string()),
            Just("pairs = [[\"a\", \"b\"], [\"c\"]]\n".to_string()),
            Just("answer = 1\n".to_string()),
            Just("answer = -9223372036854775808\n".to_string()),
            Just("module = \"m01\"\n".to_string()),
            Just("## Heading\n".to_string()),
            Just("```\n".to_string()),
            Just(
                "modules = [{ id = \"m01\", number = 1, title = \"T\", quiz_size = 3 }]\n"
                    .to_string()
            ),
            "[ -~\\n\u{e9}\u{1F600}]{0,20}",
        ];
        prop::collection::vec(frag, 0..24).prop_map(|v| v.concat())
    }

    fn lines_ok(problems: &[Problem], text: &str) {
        let n = text.lines().count();
        for p in problems {
            assert!(p.line <= n + 1, "line {} past {n}: {p}", p.line);
        }
    }

    fn mref() -> course::ModuleRef {
        course::ModuleRef {
            id: "m01".into(),
            number: 1,
            title: "One".into(),
            quiz_size: 3,
            topics: vec!["Heading".into()],
            draft: false,
            path: "foundation".into(),
            line: 1,
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

        #[test]
        fn course_file(text in contentish()) {
            let mut sink = Sink::new();
            course::parse(&mut sink, Path::new("course.toml"), &text);
            lines_ok(&sink.problems, &text);
        }

        #[test]
        fn lesson_file(text in contentish()) {
            let mut sink = Sink::new();
            let mut syn = Default::default();
            lesson::parse(&mut sink, Path::new("m01.md"), &text, &mref(), &mut syn);
            lines_ok(&sink.problems, &text);
        }

        #[test]
        fn question_file(text in contentish()) {
            let mut sink = Sink::new();
            let mut lines = QuestionLines::new();
            let mut out = Vec::new();
            questions::parse(&mut sink, Path::new("m01.toml"), &text, "m01", None, &mut lines, &mut out);
            lines_ok(&sink.problems, &text);
        }

        #[test]
        fn any_bytes(text in "\\PC{0,200}") {
            let mut sink = Sink::new();
            course::parse(&mut sink, Path::new("course.toml"), &text);
            let mut syn = Default::default();
            lesson::parse(&mut sink, Path::new("m01.md"), &text, &mref(), &mut syn);
            let mut lines = QuestionLines::new();
            questions::parse(&mut sink, Path::new("m01.toml"), &text, "m01", None, &mut lines, &mut Vec::new());
        }
    }
}
