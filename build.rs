//! Records the git commit the binary is built from, for `coursebot --version` and the
//! `coursebot_build_info` metric. Without git (a source tarball, a Docker build context
//! without `.git`) the version is the crate's alone; `COURSEBOT_GIT_COMMIT` set in the build
//! environment wins (the Dockerfile passes it as a build argument).

use std::process::Command;

fn git(args: &[&str]) -> Option<String> {
    let out = Command::new("git").args(args).output().ok()?;
    if !out.status.success() {
        return None;
    }
    let s = String::from_utf8(out.stdout).ok()?.trim().to_string();
    (!s.is_empty()).then_some(s)
}

fn main() {
    println!("cargo:rerun-if-env-changed=COURSEBOT_GIT_COMMIT");
    let commit = std::env::var("COURSEBOT_GIT_COMMIT")
        .ok()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .or_else(|| {
            // Rebuild when HEAD moves: HEAD itself and the branch it points at.
            for p in ["HEAD", "packed-refs"] {
                if let Some(path) = git(&["rev-parse", "--git-path", p]) {
                    if std::path::Path::new(&path).exists() {
                        println!("cargo:rerun-if-changed={path}");
                    }
                }
            }
            if let Some(r) = git(&["symbolic-ref", "-q", "HEAD"]) {
                if let Some(path) = git(&["rev-parse", "--git-path", &r]) {
                    if std::path::Path::new(&path).exists() {
                        println!("cargo:rerun-if-changed={path}");
                    }
                }
            }
            git(&["rev-parse", "--short=12", "HEAD"])
        });
    let version = env!("CARGO_PKG_VERSION");
    let (commit, full) = match commit {
        Some(c) => (c.clone(), format!("{version} (commit {c})")),
        None => ("unknown".to_string(), version.to_string()),
    };
    println!("cargo:rustc-env=COURSEBOT_GIT_COMMIT={commit}");
    println!("cargo:rustc-env=COURSEBOT_VERSION={full}");
}
