//! The `jobs` table: one row per unit of background work (what, when, attempts, next attempt,
//! last error), and the runner's tick counter.

use crate::store::time::ts;
use chrono::{DateTime, Utc};
use sqlx::sqlite::SqliteRow;
use sqlx::{Executor, Row, Sqlite, SqlitePool};

/// A job as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct Job {
    pub id: i64,
    pub kind: String,
    pub key: String,
    pub payload: serde_json::Value,
    pub attempts: i64,
    pub state: String,
    pub last_error: Option<String>,
}

fn job(r: &SqliteRow) -> Job {
    Job {
        id: r.get(0),
        kind: r.get(1),
        key: r.get(2),
        // A payload that is not JSON reaches the handler as Null, which parks the row.
        payload: serde_json::from_str(&r.get::<String, _>(3)).unwrap_or_default(),
        attempts: r.get(4),
        state: r.get(5),
        last_error: r.get(6),
    }
}

macro_rules! cols {
    () => {
        "id, kind, key, payload, attempts, state, last_error"
    };
}

/// Add a job unless one of the same kind and key exists (whatever its state): work is
/// enqueued at most once.
pub async fn enqueue<'e, E: Executor<'e, Database = Sqlite>>(
    ex: E,
    kind: &str,
    key: &str,
    payload: &serde_json::Value,
    now: DateTime<Utc>,
) -> sqlx::Result<bool> {
    let r = sqlx::query(
        "INSERT INTO jobs (kind, key, payload, due_at, next_attempt_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(kind, key) DO NOTHING",
    )
    .bind(kind)
    .bind(key)
    .bind(payload.to_string())
    .bind(ts(now))
    .bind(ts(now))
    .bind(ts(now))
    .execute(ex)
    .await?;
    Ok(r.rows_affected() == 1)
}

/// Pending jobs whose next attempt is due, oldest first, at most `limit`.
pub async fn due(pool: &SqlitePool, now: DateTime<Utc>, limit: i64) -> sqlx::Result<Vec<Job>> {
    let rows = sqlx::query(concat!(
        "SELECT ",
        cols!(),
        " FROM jobs WHERE state = 'pending' AND next_attempt_at <= ? ORDER BY next_attempt_at, id LIMIT ?"
    ))
    .bind(ts(now))
    .bind(limit)
    .fetch_all(pool)
    .await?;
    Ok(rows.iter().map(job).collect())
}

/// One job by kind and key.
pub async fn get(pool: &SqlitePool, kind: &str, key: &str) -> sqlx::Result<Option<Job>> {
    let r = sqlx::query(concat!(
        "SELECT ",
        cols!(),
        " FROM jobs WHERE kind = ? AND key = ?"
    ))
    .bind(kind)
    .bind(key)
    .fetch_optional(pool)
    .await?;
    Ok(r.as_ref().map(job))
}

/// Every job of a kind (tests, diagnostics).
pub async fn of_kind(pool: &SqlitePool, kind: &str) -> sqlx::Result<Vec<Job>> {
    let rows = sqlx::query(concat!(
        "SELECT ",
        cols!(),
        " FROM jobs WHERE kind = ? ORDER BY id"
    ))
    .bind(kind)
    .fetch_all(pool)
    .await?;
    Ok(rows.iter().map(job).collect())
}

/// Finished for good.
pub async fn done(pool: &SqlitePool, id: i64, now: DateTime<Utc>) -> sqlx::Result<()> {
    sqlx::query("UPDATE jobs SET state = 'done', attempts = 0, last_error = NULL, updated_at = ? WHERE id = ?")
        .bind(ts(now))
        .bind(id)
        .execute(pool)
        .await?;
    Ok(())
}

/// Succeeded, and due again at `at` (recurring work such as a weekly series).
pub async fn again(
    pool: &SqlitePool,
    id: i64,
    at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> sqlx::Result<()> {
    sqlx::query("UPDATE jobs SET state = 'pending', attempts = 0, last_error = NULL, next_attempt_at = ?, updated_at = ? WHERE id = ?")
        .bind(ts(at))
        .bind(ts(now))
        .bind(id)
        .execute(pool)
        .await?;
    Ok(())
}

/// Failed; try again at `at`.
pub async fn retry(
    pool: &SqlitePool,
    id: i64,
    attempts: i64,
    at: DateTime<Utc>,
    error: &str,
    now: DateTime<Utc>,
) -> sqlx::Result<()> {
    sqlx::query("UPDATE jobs SET state = 'pending', attempts = ?, next_attempt_at = ?, last_error = ?, updated_at = ? WHERE id = ?")
        .bind(attempts)
        .bind(ts(at))
        .bind(error)
        .bind(ts(now))
        .bind(id)
        .execute(pool)
        .await?;
    Ok(())
}

/// Given up: kept with its error, never tried again by the runner.
pub async fn park(
    pool: &SqlitePool,
    id: i64,
    attempts: i64,
    error: &str,
    now: DateTime<Utc>,
) -> sqlx::Result<()> {
    sqlx::query("UPDATE jobs SET state = 'parked', attempts = ?, last_error = ?, updated_at = ? WHERE id = ?")
        .bind(attempts)
        .bind(error)
        .bind(ts(now))
        .bind(id)
        .execute(pool)
        .await?;
    Ok(())
}

/// Give a parked job another chance after what made it fail was fixed (a moderator edited the
/// session): back to pending, due now, attempts reset. Returns whether a parked row was revived;
/// pending and done rows are left alone.
pub async fn revive(
    pool: &SqlitePool,
    kind: &str,
    key: &str,
    now: DateTime<Utc>,
) -> sqlx::Result<bool> {
    let r = sqlx::query(
        "UPDATE jobs SET state = 'pending', attempts = 0, next_attempt_at = ?, updated_at = ?
         WHERE kind = ? AND key = ? AND state = 'parked'",
    )
    .bind(ts(now))
    .bind(ts(now))
    .bind(kind)
    .bind(key)
    .execute(pool)
    .await?;
    Ok(r.rows_affected() == 1)
}

/// Count one completed tick.
pub async fn count_tick(pool: &SqlitePool, now: DateTime<Utc>) -> sqlx::Result<()> {
    sqlx::query("UPDATE job_runner SET ticks = ticks + 1, last_tick = ? WHERE id = 1")
        .bind(ts(now))
        .execute(pool)
        .await?;
    Ok(())
}

/// Ticks completed since the database was created.
pub async fn ticks(pool: &SqlitePool) -> sqlx::Result<i64> {
    let r = sqlx::query("SELECT ticks FROM job_runner WHERE id = 1")
        .fetch_optional(pool)
        .await?;
    Ok(r.map(|r| r.get(0)).unwrap_or(0))
}
