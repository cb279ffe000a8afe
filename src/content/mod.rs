//! The course content: files in `content/`, loaded and validated into [`Course`].

pub mod checks;
mod load;
mod model;
pub mod stats;

pub use load::{
    load_course, load_course_lenient, load_with_lines, ContentErrors, Problem, QuestionLines,
};
pub use load::{MAX_CHOICE, MAX_EXPLANATION, MAX_MATCH_LEFT, MAX_MATCH_RIGHT, MAX_PROMPT};
pub use model::*;

/// What `coursebot check` reports: every format problem of the loader, then the author checks
/// ([`checks`]: labs, section lengths, explanations, longest right choice, duplicate prompts).
/// The course is returned when it could be read at all.
pub fn check(dir: &std::path::Path) -> (Option<Course>, Vec<Problem>) {
    let (course, mut problems, lines) = load_with_lines(dir);
    if let Some(c) = &course {
        problems.extend(checks::author_checks(dir, c, &lines));
    }
    (course, problems)
}

/// A stable 64-bit FNV-1a hash of every file under `dir` (paths and bytes, in sorted order):
/// the search index records it to know when it is stale.
pub fn content_hash(dir: &std::path::Path) -> std::io::Result<u64> {
    fn walk(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) -> std::io::Result<()> {
        for e in std::fs::read_dir(dir)? {
            let p = e?.path();
            if p.is_dir() {
                walk(&p, out)?;
            } else {
                out.push(p);
            }
        }
        Ok(())
    }
    let mut files = Vec::new();
    walk(dir, &mut files)?;
    files.sort();
    let mut h = crate::hash::FNV1A_START;
    for f in files {
        let rel = f.strip_prefix(dir).unwrap_or(&f);
        h = crate::hash::fnv1a_extend(h, rel.to_string_lossy().as_bytes());
        h = crate::hash::fnv1a_extend(h, &[0]);
        h = crate::hash::fnv1a_extend(h, &std::fs::read(&f)?);
        h = crate::hash::fnv1a_extend(h, &[0]);
    }
    Ok(h)
}
