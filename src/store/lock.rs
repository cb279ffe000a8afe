//! One process per SQLite file: `coursebot run` holds an exclusive lock on `<db>.lock` for as
//! long as it runs, so a second `coursebot run` on the same file refuses to start (two
//! processes would each post every daily quiz and reminder). Read-only commands (`export`,
//! `stats`) do not take it and work while the bot runs. PostgreSQL needs no such lock: jobs
//! are claimed with leases there (see `jobs::rows::claim`).

use anyhow::{bail, Context, Result};
use sqlx::sqlite::SqliteConnectOptions;
use std::fs::{File, OpenOptions, TryLockError};
use std::path::PathBuf;
use std::str::FromStr;

/// The held lock; released when dropped (or when the process ends, however it ends).
#[derive(Debug)]
pub struct ProcessLock {
    _file: File,
    pub path: PathBuf,
}

/// Take the single-process lock of the SQLite database at `url`. `None` for PostgreSQL and
/// in-memory databases. Errors, naming the database, when another process holds it.
pub fn lock_for_run(url: &str) -> Result<Option<ProcessLock>> {
    if super::is_postgres(url) {
        return Ok(None);
    }
    let opts = SqliteConnectOptions::from_str(url).with_context(|| {
        format!(
            "invalid DATABASE_URL `{}` (expected e.g. sqlite://coursebot.db)",
            super::redact(url)
        )
    })?;
    let db = opts.get_filename();
    let text = db.to_string_lossy();
    if text.is_empty() || text.contains(":memory:") || url.contains(":memory:") {
        return Ok(None);
    }
    let mut path = db.as_os_str().to_owned();
    path.push(".lock");
    let path = PathBuf::from(path);
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("creating the directory of {}", db.display()))?;
    }
    let file = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .with_context(|| format!("opening the lock file {}", path.display()))?;
    match file.try_lock() {
        Ok(()) => Ok(Some(ProcessLock { _file: file, path })),
        Err(TryLockError::WouldBlock) => bail!(
            "another coursebot process is already running on the SQLite database {} (it holds {}). \
             Stop it first: SQLite serves one process. To run several processes, use PostgreSQL \
             (DATABASE_URL=postgres://...).",
            db.display(),
            path.display()
        ),
        Err(TryLockError::Error(e)) => {
            Err(e).with_context(|| format!("locking {}", path.display()))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_lock_on_the_same_file_is_refused_with_a_clear_error() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("bot.db").display());
        let first = lock_for_run(&url)
            .unwrap()
            .expect("a file database is locked");
        let e = lock_for_run(&url).unwrap_err().to_string();
        assert!(
            e.contains("already running") && e.contains("bot.db") && e.contains("PostgreSQL"),
            "{e}"
        );
        drop(first);
        assert!(
            lock_for_run(&url).unwrap().is_some(),
            "free again once released"
        );
        assert!(lock_for_run("sqlite::memory:").unwrap().is_none());
        assert!(lock_for_run("postgres://u@h/db").unwrap().is_none());
    }
}
