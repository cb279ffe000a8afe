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
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let mut eat = |bytes: &[u8]| {
        for b in bytes {
            h ^= *b as u64;
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
    };
    for f in files {
        let rel = f.strip_prefix(dir).unwrap_or(&f);
        eat(rel.to_string_lossy().as_bytes());
        eat(&[0]);
        eat(&std::fs::read(&f)?);
        eat(&[0]);
    }
    Ok(h)
}
