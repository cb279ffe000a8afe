//! SQLite through sqlx: connecting, migrating, and one file per table family with
//! intent-named functions that take an executor so they compose in a transaction.

pub mod activity;
pub mod backup;
pub mod certification;
pub mod copy;
pub mod meta;
pub mod office_hours;
pub mod practice;
pub mod quiz;
pub mod settings;
pub mod time;

use anyhow::{Context, Result};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::SqlitePool;
use std::str::FromStr;
use std::time::Duration;

/// Open (creating if needed) the database at `url` and apply the migrations in `migrations/`.
/// WAL, `synchronous = NORMAL`, foreign keys and a busy timeout are set on every connection.
pub async fn connect(url: &str) -> Result<SqlitePool> {
    let opts = SqliteConnectOptions::from_str(url)
        .with_context(|| {
            format!("invalid DATABASE_URL `{url}` (expected e.g. sqlite://coursebot.db)")
        })?
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Normal)
        .foreign_keys(true)
        .busy_timeout(Duration::from_secs(10));
    let pool = SqlitePoolOptions::new()
        .max_connections(4)
        .connect_with(opts)
        .await
        .with_context(|| format!("opening database {url}"))?;
    sqlx::migrate!("./migrations")
        .run(&pool)
        .await
        .context("applying database migrations")?;
    Ok(pool)
}

/// Discord ids are u64 snowflakes below 2^63; SQLite stores them as INTEGER.
pub fn to_db(id: u64) -> i64 {
    id as i64
}
pub fn from_db(id: i64) -> u64 {
    id as u64
}
