//! Lessons: `modules/<id>.md`, TOML front matter between `+++` lines, then Markdown split at
//! `## ` headings into sections.

use super::course::{merge_synonyms, ModuleRef};
use super::{line_of_span, toml_error, Sink};
use crate::content::model::*;
use serde::Deserialize;
use std::collections::{BTreeMap, HashSet};
use std::path::Path;
use toml::Spanned;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFrontMatter {
    id: Option<Spanned<String>>,
    title: Option<String>,
    path: Option<Spanned<String>>,
    objectives: Option<Spanned<Vec<String>>>,
    activities: Option<Spanned<Vec<String>>>,
    assessment: Option<Spanned<Vec<String>>>,
    #[serde(default)]
    synonyms: BTreeMap<String, Vec<String>>,
    #[serde(default)]
    glossary: Vec<Spanned<GlossaryEntry>>,
}

/// Parse and check one lesson; `None` when it is too broken to use (its problems are in `sink`).
pub(crate) fn parse(
    sink: &mut Sink,
    file: &Path,
    text: &str,
    mref: &ModuleRef,
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
    // Front matter starts on line 2.
    let line = |span: std::ops::Range<usize>| line_of_span(&fm_text, &span, 1);
    let mut ok = true;
    for (name, present) in [
        ("id", fm.id.is_some()),
        ("title", fm.title.is_some()),
        ("path", fm.path.is_some()),
        ("objectives", fm.objectives.is_some()),
        ("activities", fm.activities.is_some()),
        ("assessment", fm.assessment.is_some()),
    ] {
        if !present {
            sink.push(
                file,
                1,
                format!("front matter is missing the field `{name}`"),
            );
            ok = false;
        }
    }
    if let Some(id) = &fm.id {
        if id.get_ref() != &mref.id {
            sink.push(
                file,
                line(id.span()),
                format!(
                    "front matter id `{}` does not match the file name `{}`",
                    id.get_ref(),
                    mref.id
                ),
            );
        }
    }
    if let Some(p) = &fm.path {
        if p.get_ref() != &mref.path {
            sink.push(
                file,
                line(p.span()),
                format!(
                    "path `{}` does not match course.toml, where module `{}` is in path `{}`",
                    p.get_ref(),
                    mref.id,
                    mref.path
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
            if l.get_ref().is_empty() || l.get_ref().iter().any(|s| s.trim().is_empty()) {
                sink.push(
                    file,
                    line(l.span()),
                    format!("`{name}` must list non-empty items"),
                );
            }
        }
    }
    for g in &fm.glossary {
        if g.get_ref().term.trim().is_empty() || g.get_ref().definition.trim().is_empty() {
            sink.push(
                file,
                line(g.span()),
                "a glossary entry needs a term and a definition",
            );
        }
    }
    merge_synonyms(synonyms, fm.synonyms);

    let sections = split_sections(sink, file, &lines, end, &mref.title);
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
    if !ok {
        return None;
    }
    Some(Module {
        id: mref.id.clone(),
        number: mref.number,
        title: fm.title.unwrap_or_else(|| mref.title.clone()),
        path: mref.path.clone(),
        quiz_size: mref.quiz_size,
        topics: mref.topics.clone(),
        objectives: fm.objectives.map(Spanned::into_inner).unwrap_or_default(),
        activities: fm.activities.map(Spanned::into_inner).unwrap_or_default(),
        assessment: fm.assessment.map(Spanned::into_inner).unwrap_or_default(),
        glossary: fm.glossary.into_iter().map(Spanned::into_inner).collect(),
        sections,
    })
}

/// The Markdown after the front matter (which ends on line index `end`), split at `## `
/// headings outside code fences. The text before the first heading is the overview.
fn split_sections(
    sink: &mut Sink,
    file: &Path,
    lines: &[&str],
    end: usize,
    module_title: &str,
) -> Vec<Section> {
    let mut sections: Vec<Section> = Vec::new();
    let mut cur = Section {
        heading: module_title.to_string(),
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
    for s in &mut sections {
        s.body = s.body.trim().to_string();
    }
    sections
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn mref() -> ModuleRef {
        ModuleRef {
            id: "m01".into(),
            number: 1,
            title: "One".into(),
            quiz_size: 3,
            topics: vec!["Alpha".into()],
            draft: false,
            path: "foundation".into(),
            line: 1,
        }
    }

    const GOOD: &str = "+++\nid = \"m01\"\ntitle = \"One\"\npath = \"foundation\"\nobjectives = [\"o\"]\nactivities = [\"a\"]\nassessment = [\"q\"]\n\n[[glossary]]\nterm = \"t\"\ndefinition = \"d\"\n+++\n\n# Module 1\n\nIntro.\n\n## Alpha\n\nBody.\n\n```python\n## not a heading\n```\n";

    fn run(text: &str) -> (Option<Module>, Vec<String>) {
        let mut sink = Sink::new();
        let mut syn = BTreeMap::new();
        let m = parse(&mut sink, &PathBuf::from("m01.md"), text, &mref(), &mut syn);
        (m, sink.problems.iter().map(|p| p.to_string()).collect())
    }

    #[test]
    fn a_good_lesson_splits_into_sections() {
        let (m, p) = run(GOOD);
        assert!(p.is_empty(), "{p:?}");
        let m = m.unwrap();
        assert_eq!(m.sections.len(), 2);
        assert_eq!(m.sections[1].heading, "Alpha");
        assert_eq!(m.sections[1].line, 18);
        assert!(m.sections[1].body.contains("## not a heading"));
    }

    #[test]
    fn wrong_path_is_reported_on_its_line() {
        let (_, p) = run(&GOOD.replace("path = \"foundation\"", "path = \"expert\""));
        assert_eq!(p.len(), 1);
        assert!(
            p[0].starts_with("m01.md:4: path `expert` does not match"),
            "{p:?}"
        );
    }

    #[test]
    fn wrong_id_and_missing_field() {
        let (m, p) = run(&GOOD
            .replace("id = \"m01\"", "id = \"m02\"")
            .replace("activities = [\"a\"]\n", ""));
        assert!(m.is_none());
        assert!(
            p.iter()
                .any(|x| x.starts_with("m01.md:2: front matter id `m02`")),
            "{p:?}"
        );
        assert!(
            p.iter()
                .any(|x| x.contains("missing the field `activities`")),
            "{p:?}"
        );
    }

    #[test]
    fn empty_glossary_entry_on_its_line() {
        let (_, p) = run(&GOOD.replace("definition = \"d\"", "definition = \" \""));
        assert_eq!(p.len(), 1, "{p:?}");
        assert!(
            p[0].contains("a glossary entry needs a term and a definition"),
            "{p:?}"
        );
    }

    #[test]
    fn missing_topic_duplicate_heading_unclosed_fence() {
        let text = GOOD.replace("## Alpha", "## Beta") + "\n## Beta\n\nx\n\n```\nopen\n";
        let (_, p) = run(&text);
        assert!(
            p.iter().any(|x| x.contains("duplicate heading `Beta`")),
            "{p:?}"
        );
        assert!(
            p.iter().any(|x| x.contains("no `## Alpha` section")),
            "{p:?}"
        );
        assert!(
            p.iter().any(|x| x.contains("code fence is never closed")),
            "{p:?}"
        );
    }

    #[test]
    fn no_front_matter() {
        let (m, p) = run("# Hello\n");
        assert!(m.is_none());
        assert_eq!(
            p,
            vec!["m01.md:1: lesson must start with TOML front matter between `+++` lines"]
        );
    }

    #[test]
    fn front_matter_syntax_error_line() {
        let (_, p) = run(&GOOD.replace("title = \"One\"", "title = One"));
        assert_eq!(p.len(), 1);
        assert!(p[0].starts_with("m01.md:3:"), "{p:?}");
    }
}
