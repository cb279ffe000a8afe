//! A bounded mutation test: corrupt the content files in many small ways and check that
//! `check` never panics and always says where (`path:line` inside the file it names).

use coursebot::content;
use std::path::{Path, PathBuf};

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let p = e.path();
        if p.is_dir() {
            copy_dir(&p, &to.join(e.file_name()));
        } else {
            std::fs::copy(&p, to.join(e.file_name())).unwrap();
        }
    }
}

/// A fixed sequence (the crate's SplitMix64), so a failure is reproducible from its seed.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        coursebot::hash::splitmix64(&mut self.0)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

const JUNK: &[&str] = &[
    "\"",
    "[",
    "]",
    "[[questions]]",
    "+++",
    "=",
    "## ",
    "```",
    "answer = 99",
    "type = \"x\"",
    "\u{0}",
    "é",
    "id = \"m01-001\"",
    "choices = []",
    "pairs = [[\"a\"]]",
    "{",
    "#",
    "\n",
    "'''",
];

fn mutate(text: &str, rng: &mut Rng) -> String {
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    if lines.is_empty() {
        return JUNK[rng.below(JUNK.len())].to_string();
    }
    let i = rng.below(lines.len());
    match rng.below(6) {
        0 => {
            lines.remove(i);
        }
        1 => {
            let l = lines[i].clone();
            lines.insert(i, l);
        }
        2 => {
            let j = JUNK[rng.below(JUNK.len())];
            lines.insert(i, j.to_string());
        }
        3 => {
            // Cut a line at a char boundary.
            let l = &lines[i];
            let cut = l
                .char_indices()
                .map(|(k, _)| k)
                .nth(rng.below(l.chars().count() + 1))
                .unwrap_or(l.len());
            lines[i] = l[..cut].to_string();
        }
        4 => {
            let j = JUNK[rng.below(JUNK.len())];
            lines[i].push_str(j);
        }
        _ => {
            // Swap two lines.
            let k = rng.below(lines.len());
            lines.swap(i, k);
        }
    }
    lines.join("\n") + "\n"
}

#[test]
fn corrupted_content_is_reported_with_path_and_line_never_a_panic() {
    let mini = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/mini");
    let files = [
        "course.toml",
        "synonyms.toml",
        "modules/m01.md",
        "modules/m02.md",
        "questions/m01.toml",
        "questions/m02.toml",
    ];
    let t = tempfile::tempdir().unwrap();
    let mut rng = Rng(0x5eed);
    let mut reported = 0;
    for round in 0..240 {
        let dir = t.path().join(format!("r{round}"));
        copy_dir(&mini, &dir);
        let file = files[round % files.len()];
        let path = dir.join(file);
        let original = std::fs::read_to_string(&path).unwrap();
        let mut text = original.clone();
        for _ in 0..=rng.below(3) {
            text = mutate(&text, &mut rng);
        }
        std::fs::write(&path, &text).unwrap();
        let (_, problems) = std::panic::catch_unwind(|| content::load_course_lenient(&dir))
            .unwrap_or_else(|_| panic!("the loader panicked on {file} (round {round}):\n{text}"));
        let (_, all) = std::panic::catch_unwind(|| content::check(&dir))
            .unwrap_or_else(|_| panic!("check panicked on {file} (round {round}):\n{text}"));
        assert!(all.len() >= problems.len());
        for p in &problems {
            assert!(
                p.file.starts_with(&dir),
                "round {round}: a problem outside the content dir: {p}"
            );
            if p.file.is_file() {
                let n = std::fs::read_to_string(&p.file)
                    .map(|s| s.lines().count())
                    .unwrap_or(0);
                assert!(
                    p.line <= n + 1,
                    "round {round}: line {} past the end ({n} lines) of {}: {p}\n{text}",
                    p.line,
                    p.file.display()
                );
            }
            assert!(!p.message.trim().is_empty(), "round {round}: empty message");
        }
        if text != original && !problems.is_empty() {
            reported += 1;
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }
    // Most corruptions are noticed (some are harmless: a duplicated blank line, a comment).
    assert!(
        reported > 100,
        "only {reported} of 240 corruptions were reported"
    );
}
