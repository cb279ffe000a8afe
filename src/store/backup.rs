//! `coursebot backup PATH`: a consistent copy of the database while the bot runs.
//!
//! SQLite in WAL mode is not safely copied as a file (the last transactions may still be in
//! `coursebot.db-wal`), so the copy is made by SQLite itself with `VACUUM INTO`, which reads one
//! snapshot and writes a compact, self-contained database. The copy is then opened and checked
//! (`PRAGMA integrity_check`, the same row count per table as the snapshot it came from).
//! PostgreSQL is backed up with `pg_dump` (see docs/DEPLOYMENT.md).

use anyhow::{bail, Context, Result};
use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{Connection, SqliteConnection};
use std::path::{Path, PathBuf};

/// What a backup wrote, for the command's report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackupReport {
    pub path: PathBuf,
    pub bytes: u64,
    /// (table, rows), in name order; sqlx's bookkeeping table included.
    pub tables: Vec<(String, i64)>,
}

impl BackupReport {
    pub fn total_rows(&self) -> i64 {
        self.tables.iter().map(|(_, n)| n).sum()
    }
}

/// Copy the SQLite database at `url` to `dest` (a new file; an existing one is refused, so a
/// good backup is never overwritten by mistake) and verify the copy.
pub async fn backup_sqlite(url: &str, dest: &Path) -> Result<BackupReport> {
    let (opts, source) = super::existing_sqlite(url, "nothing to back up (check DATABASE_URL)")?;
    if dest.exists() {
        bail!(
            "{} already exists: choose a new file name (a backup never overwrites)",
            dest.display()
        );
    }
    if let Some(parent) = dest.parent().filter(|p| !p.as_os_str().is_empty()) {
        if !parent.is_dir() {
            bail!(
                "cannot write {}: folder {} does not exist",
                dest.display(),
                parent.display()
            );
        }
    }
    let dest_str = dest
        .to_str()
        .with_context(|| format!("backup path {} is not valid UTF-8", dest.display()))?;

    // Read-only: a backup never writes to the live database, and works beside a running bot.
    let mut src = SqliteConnection::connect_with(&opts.read_only(true))
        .await
        .with_context(|| format!("opening {}", source.display()))?;
    // VACUUM INTO reads one snapshot. The bot may write meanwhile, so the copy's row counts are
    // read from the copy; it is checked for integrity and for having every table of the source.
    sqlx::query("VACUUM INTO $1")
        .bind(dest_str)
        .execute(&mut src)
        .await
        .with_context(|| format!("writing the backup to {}", dest.display()))?;
    let source_tables = table_names(&mut src).await?;
    src.close().await.ok();

    let mut copy =
        SqliteConnection::connect_with(&SqliteConnectOptions::new().filename(dest).read_only(true))
            .await
            .with_context(|| format!("opening the backup {}", dest.display()))?;
    let check: String = sqlx::query_scalar("PRAGMA integrity_check")
        .fetch_one(&mut copy)
        .await
        .context("checking the backup")?;
    if check != "ok" {
        bail!(
            "the backup {} failed its integrity check: {check}",
            dest.display()
        );
    }
    let copied = table_names(&mut copy).await?;
    if copied != source_tables {
        bail!(
            "the backup {} has tables {:?}, the database has {:?}",
            dest.display(),
            copied,
            source_tables
        );
    }
    let mut tables = Vec::with_capacity(copied.len());
    for t in copied {
        // Table names come from sqlite_master of the copy, quoted as identifiers.
        let sql = format!("SELECT COUNT(*) FROM \"{}\"", t.replace('"', "\"\""));
        let n: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
            .fetch_one(&mut copy)
            .await
            .with_context(|| format!("counting rows of {t} in the backup"))?;
        tables.push((t, n));
    }
    copy.close().await.ok();
    let bytes = std::fs::metadata(dest).map(|m| m.len()).unwrap_or(0);
    Ok(BackupReport {
        path: dest.to_path_buf(),
        bytes,
        tables,
    })
}

async fn table_names(c: &mut SqliteConnection) -> Result<Vec<String>> {
    sqlx::query_scalar(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
    )
    .fetch_all(c)
    .await
    .context("listing tables")
}
