//! `course.toml` (paths, modules, certifications, grading scale) and `synonyms.toml`.

use super::{is_id, line_of_span, toml_error, Sink};
use crate::content::model::*;
use serde::Deserialize;
use std::collections::{BTreeMap, HashSet};
use std::path::Path;
use toml::Spanned;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCourseFile {
    course: RawCourseMeta,
    paths: Vec<RawPath>,
    #[serde(default)]
    certifications: Vec<RawCert>,
    #[serde(default)]
    grades: Vec<RawGrade>,
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
    id: Spanned<String>,
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
    pass_mark: Spanned<u32>,
    capstone: String,
    modules: Spanned<Vec<RawModuleRef>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawModuleRef {
    id: Spanned<String>,
    number: u32,
    title: String,
    quiz_size: Spanned<u32>,
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
struct RawExam {
    questions: Spanned<u32>,
    minutes: Spanned<u32>,
    pass_percent: Spanned<u32>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCert {
    id: Spanned<String>,
    title: String,
    prerequisite: Option<Spanned<String>>,
    paths: Spanned<Vec<String>>,
    #[serde(default)]
    any_path: bool,
    exam: Option<RawExam>,
    #[serde(default)]
    capstone: bool,
    #[serde(default)]
    project_based: bool,
    #[serde(default)]
    portfolio: bool,
    #[serde(default)]
    requirements: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawGrade {
    min: Spanned<u32>,
    grade: String,
    label: String,
}

/// A module as `course.toml` lists it, with the line of its `id`.
pub(crate) struct ModuleRef {
    pub id: String,
    pub number: u32,
    pub title: String,
    pub quiz_size: u32,
    pub topics: Vec<String>,
    pub draft: bool,
    pub path: String,
    pub line: usize,
}

/// What `course.toml` says, validated as far as it can be on its own.
pub(crate) struct Outline {
    pub title: String,
    pub paths: Vec<LearningPath>,
    pub modules: Vec<ModuleRef>,
    pub certifications: Vec<Certification>,
    pub grades: Vec<GradeBand>,
}

/// Read and check `course.toml`; `None` when it cannot be read or parsed at all.
pub(crate) fn load(sink: &mut Sink, file: &Path) -> Option<Outline> {
    let text = match std::fs::read_to_string(file) {
        Ok(t) => t,
        Err(e) => {
            sink.push(file, 0, format!("cannot read course file: {e}"));
            return None;
        }
    };
    parse(sink, file, &text)
}

pub(crate) fn parse(sink: &mut Sink, file: &Path, text: &str) -> Option<Outline> {
    let raw: RawCourseFile = match toml::from_str(text) {
        Ok(r) => r,
        Err(e) => {
            toml_error(sink, file, text, 0, &e);
            return None;
        }
    };
    let line = |span: std::ops::Range<usize>| line_of_span(text, &span, 0);

    let mut paths = Vec::new();
    let mut modules = Vec::new();
    let mut seen_paths = HashSet::new();
    let mut seen_modules = HashSet::new();
    for p in raw.paths {
        let pline = line(p.id.span());
        let pid = p.id.into_inner();
        if !seen_paths.insert(pid.clone()) {
            sink.push(file, pline, format!("duplicate path id `{pid}`"));
        }
        if p.modules.get_ref().is_empty() {
            sink.push(
                file,
                line(p.modules.span()),
                format!("path `{pid}` has no modules"),
            );
        }
        let pass_mark = *p.pass_mark.get_ref();
        if pass_mark == 0 || pass_mark > 100 {
            sink.push(
                file,
                line(p.pass_mark.span()),
                format!("path `{pid}`: pass_mark must be 1–100, found {pass_mark}"),
            );
        }
        let mut ids = Vec::new();
        for m in p.modules.into_inner() {
            let mline = line(m.id.span());
            let mid = m.id.into_inner();
            if !is_id(&mid) {
                sink.push(
                    file,
                    mline,
                    format!("module id `{mid}` must be lowercase letters and digits"),
                );
            }
            if *m.quiz_size.get_ref() == 0 {
                sink.push(
                    file,
                    line(m.quiz_size.span()),
                    format!("module `{mid}`: quiz_size must be at least 1"),
                );
            }
            if !seen_modules.insert(mid.clone()) {
                sink.push(file, mline, format!("duplicate module id `{mid}`"));
                continue;
            }
            ids.push(mid.clone());
            modules.push(ModuleRef {
                id: mid,
                number: m.number,
                title: m.title,
                quiz_size: m.quiz_size.into_inner(),
                topics: m.topics,
                draft: m.draft,
                path: pid.clone(),
                line: mline,
            });
        }
        paths.push(LearningPath {
            id: pid,
            title: p.title,
            level: p.level,
            specialist: p.specialist,
            pass_mark,
            capstone: p.capstone,
            module_ids: ids,
        });
    }

    let mut certifications = Vec::new();
    let mut prerequisites = Vec::new();
    for c in raw.certifications {
        let cline = line(c.id.span());
        let cid = c.id.into_inner();
        for p in c.paths.get_ref() {
            if !seen_paths.contains(p) {
                sink.push(
                    file,
                    line(c.paths.span()),
                    format!("certification `{cid}` names unknown path `{p}`"),
                );
            }
        }
        let exam = c.exam.map(|e| {
            for (name, v) in [
                ("questions", &e.questions),
                ("minutes", &e.minutes),
                ("pass_percent", &e.pass_percent),
            ] {
                let n = *v.get_ref();
                let bad = n == 0 || (name == "pass_percent" && n > 100);
                if bad {
                    let want = if name == "pass_percent" {
                        "1–100"
                    } else {
                        "at least 1"
                    };
                    sink.push(
                        file,
                        line(v.span()),
                        format!("certification `{cid}`: exam {name} must be {want}, found {n}"),
                    );
                }
            }
            Exam {
                questions: e.questions.into_inner(),
                minutes: e.minutes.into_inner(),
                pass_percent: e.pass_percent.into_inner(),
            }
        });
        if exam.is_none() && !c.project_based {
            sink.push(
                file,
                cline,
                format!("certification `{cid}` has neither an exam nor project_based = true"),
            );
        }
        if let Some(p) = &c.prerequisite {
            prerequisites.push((cid.clone(), p.get_ref().clone(), line(p.span())));
        }
        certifications.push(Certification {
            id: cid,
            title: c.title,
            prerequisite: c.prerequisite.map(Spanned::into_inner),
            paths: c.paths.into_inner(),
            any_path: c.any_path,
            exam,
            capstone: c.capstone,
            project_based: c.project_based,
            portfolio: c.portfolio,
            requirements: c.requirements,
        });
    }
    for (cid, p, pline) in prerequisites {
        if !certifications.iter().any(|c| c.id == p) {
            sink.push(
                file,
                pline,
                format!("certification `{cid}` requires unknown certification `{p}`"),
            );
        }
    }

    // Grading scale: descending, ending at 0.
    if raw.grades.is_empty() {
        sink.push(file, 0, "the grading scale ([[grades]]) is empty");
    } else {
        for w in raw.grades.windows(2) {
            if w[0].min.get_ref() <= w[1].min.get_ref() {
                sink.push(
                    file,
                    line(w[1].min.span()),
                    "grades must be listed from the highest `min` to the lowest",
                );
            }
        }
        let last = raw.grades.last().expect("not empty");
        if *last.min.get_ref() != 0 {
            sink.push(
                file,
                line(last.min.span()),
                "the last grade must have min = 0 so every score has a grade",
            );
        }
    }
    let grades = raw
        .grades
        .into_iter()
        .map(|g| GradeBand {
            min: g.min.into_inner(),
            grade: g.grade,
            label: g.label,
        })
        .collect();

    Some(Outline {
        title: raw.course.title,
        paths,
        modules,
        certifications,
        grades,
    })
}

/// The global synonyms file (optional): lowercase phrase -> course terms.
pub(crate) fn load_synonyms(sink: &mut Sink, file: &Path) -> BTreeMap<String, Vec<String>> {
    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct SynFile {
        #[serde(default)]
        synonyms: BTreeMap<String, Vec<String>>,
    }
    let mut out = BTreeMap::new();
    if !file.exists() {
        return out;
    }
    let text = match std::fs::read_to_string(file) {
        Ok(t) => t,
        Err(e) => {
            sink.push(file, 0, format!("cannot read synonyms file: {e}"));
            return out;
        }
    };
    match toml::from_str::<SynFile>(&text) {
        Ok(s) => merge_synonyms(&mut out, s.synonyms),
        Err(e) => toml_error(sink, file, &text, 0, &e),
    }
    out
}

pub(crate) fn merge_synonyms(
    into: &mut BTreeMap<String, Vec<String>>,
    from: BTreeMap<String, Vec<String>>,
) {
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    const GOOD: &str = r#"
[course]
title = "T"

[[paths]]
id = "foundation"
title = "F"
level = "Beginner"
pass_mark = 70
capstone = "C"
modules = [
  { id = "m01", number = 1, title = "One", quiz_size = 3 },
]

[[certifications]]
id = "foundation"
title = "Cert"
paths = ["foundation"]
exam = { questions = 5, minutes = 10, pass_percent = 70 }

[[grades]]
min = 70
grade = "B"
label = "Pass"

[[grades]]
min = 0
grade = "F"
label = "Fail"
"#;

    fn problems(text: &str) -> Vec<String> {
        let mut sink = Sink::new();
        parse(&mut sink, &PathBuf::from("course.toml"), text);
        sink.problems.iter().map(|p| p.to_string()).collect()
    }

    #[test]
    fn a_good_outline_has_no_problem() {
        assert_eq!(problems(GOOD), Vec::<String>::new());
    }

    #[test]
    fn pass_percent_is_reported_on_its_own_line() {
        let bad = GOOD.replace("pass_percent = 70 }", "pass_percent = 170 }");
        let line = bad
            .lines()
            .position(|l| l.contains("pass_percent = 170"))
            .unwrap()
            + 1;
        assert_eq!(
            problems(&bad),
            vec![format!(
                "course.toml:{line}: certification `foundation`: exam pass_percent must be 1–100, found 170"
            )]
        );
    }

    #[test]
    fn pass_mark_out_of_range() {
        let bad = GOOD.replace("pass_mark = 70", "pass_mark = 0");
        let p = problems(&bad);
        assert_eq!(p.len(), 1, "{p:?}");
        assert!(
            p[0].starts_with("course.toml:9: path `foundation`: pass_mark"),
            "{p:?}"
        );
    }

    #[test]
    fn duplicate_module_and_bad_id() {
        let bad = GOOD.replace(
            "{ id = \"m01\", number = 1, title = \"One\", quiz_size = 3 },",
            "{ id = \"m01\", number = 1, title = \"One\", quiz_size = 3 },\n  { id = \"m01\", number = 2, title = \"Two\", quiz_size = 3 },\n  { id = \"M3\", number = 3, title = \"Three\", quiz_size = 0 },",
        );
        let p = problems(&bad);
        assert!(
            p.iter()
                .any(|x| x.starts_with("course.toml:13: duplicate module id `m01`")),
            "{p:?}"
        );
        assert!(
            p.iter()
                .any(|x| x.contains(":14: module id `M3` must be lowercase")),
            "{p:?}"
        );
        assert!(
            p.iter()
                .any(|x| x.contains(":14: module `M3`: quiz_size must be at least 1")),
            "{p:?}"
        );
    }

    #[test]
    fn unknown_prerequisite_and_path() {
        let bad = GOOD.replace(
            "paths = [\"foundation\"]",
            "paths = [\"nope\"]\nprerequisite = \"ghost\"",
        );
        let p = problems(&bad);
        assert!(
            p.iter()
                .any(|x| x.contains(":18: certification `foundation` names unknown path `nope`")),
            "{p:?}"
        );
        assert!(
            p.iter().any(|x| x.contains(
                ":19: certification `foundation` requires unknown certification `ghost`"
            )),
            "{p:?}"
        );
    }

    #[test]
    fn grades_out_of_order_and_not_ending_at_zero() {
        let bad = GOOD.replace("min = 0", "min = 80");
        let p = problems(&bad);
        assert!(
            p.iter().any(|x| x.contains("from the highest `min`")),
            "{p:?}"
        );
        assert!(
            p.iter()
                .any(|x| x.contains("the last grade must have min = 0")),
            "{p:?}"
        );
    }

    #[test]
    fn syntax_error_has_its_line() {
        let bad = GOOD.replace("level = \"Beginner\"", "level = Beginner");
        let p = problems(&bad);
        assert_eq!(p.len(), 1);
        assert!(p[0].starts_with("course.toml:8:"), "{p:?}");
    }
}
