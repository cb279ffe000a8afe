//! The `jobs` table: one row per unit of background work (what, when, attempts, next attempt,
//! last error), who holds it (a lease: `owner`, `lease_until`), and the runner's tick counter.
//!
//! Several processes may share one PostgreSQL database: a due job is *claimed* (the owner and
//! a lease expiry written in the same statement that selects it, `FOR UPDATE SKIP LOCKED` so
//! two processes never take the same row), the owner extends the lease while it works, and
//! only the current owner can record the outcome. A process that dies stops extending: after
//! `lease_until` another process claims the job again.

use crate::store::time::{locate, Ts};
use crate::store::{on_db, Db, Exec};
use chrono::{DateTime, Utc};

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
    /// The process holding the job (`None` when nobody claimed it or after an outcome).
    pub owner: Option<String>,
    pub lease_until: Option<DateTime<Utc>>,
}

#[derive(sqlx::FromRow)]
struct Row {
    id: i64,
    kind: String,
    key: String,
    payload: String,
    attempts: i64,
    state: String,
    last_error: Option<String>,
    owner: Option<String>,
    lease_until: Option<Ts>,
}

impl From<Row> for Job {
    fn from(r: Row) -> Self {
        Job {
            id: r.id,
            kind: r.kind,
            key: r.key,
            // A payload that is not JSON reaches the handler as Null, which parks the row.
            payload: serde_json::from_str(&r.payload).unwrap_or_default(),
            attempts: r.attempts,
            state: r.state,
            last_error: r.last_error,
            owner: r.owner,
            lease_until: r.lease_until.map(|t| t.0),
        }
    }
}

macro_rules! cols {
    () => {
        "id, kind, key, payload, attempts, state, last_error, owner, lease_until"
    };
}

fn jobs(rows: Vec<Row>) -> Vec<Job> {
    rows.into_iter().map(Job::from).collect()
}

/// Add a job unless one of the same kind and key exists (whatever its state): work is
/// enqueued at most once, however many processes scan for it.
pub async fn enqueue(
    ex: impl Into<Exec<'_>>,
    kind: &str,
    key: &str,
    payload: &serde_json::Value,
    now: DateTime<Utc>,
) -> sqlx::Result<bool> {
    on_db!(ex, |c| {
        let r = sqlx::query(
            "INSERT INTO jobs (kind, key, payload, due_at, next_attempt_at, updated_at)
             VALUES ($1, $2, $3, $4, $4, $4) ON CONFLICT(kind, key) DO NOTHING",
        )
        .bind(kind)
        .bind(key)
        .bind(payload.to_string())
        .bind(Ts::at(now))
        .execute(&mut *c)
        .await?;
        Ok(r.rows_affected() == 1)
    })
}

/// Claim up to `limit` pending jobs whose next attempt is due and that nobody holds (or whose
/// holder's lease expired), oldest first: they become `owner`'s until `lease_until`. Two
/// processes claiming at once never get the same job.
pub async fn claim(
    db: &Db,
    owner: &str,
    now: DateTime<Utc>,
    lease_until: DateTime<Utc>,
    limit: i64,
) -> sqlx::Result<Vec<Job>> {
    // PostgreSQL: rows another transaction is claiming are skipped, not waited for. SQLite has
    // one writer at a time (and one process, see `store::lock`), so the plain form is enough.
    macro_rules! claim_sql {
        ($lock:literal) => {
            concat!(
                "UPDATE jobs SET owner = $1, lease_until = $2 WHERE id IN (
                     SELECT id FROM jobs WHERE state = 'pending' AND next_attempt_at <= $3
                     AND (owner IS NULL OR lease_until IS NULL OR lease_until < $3)
                     ORDER BY next_attempt_at, id LIMIT $4",
                $lock,
                ") RETURNING ",
                cols!()
            )
        };
    }
    const PG: &str = claim_sql!(" FOR UPDATE SKIP LOCKED");
    const SQLITE: &str = claim_sql!("");
    let q = match db.backend() {
        crate::store::Backend::Postgres => PG,
        crate::store::Backend::Sqlite => SQLITE,
    };
    let mut rows: Vec<Row> = on_db!(db, |c| {
        sqlx::query_as(q)
            .bind(owner)
            .bind(Ts::at(lease_until))
            .bind(Ts::at(now))
            .bind(limit)
            .fetch_all(&mut *c)
            .await
            .map_err(|e| locate(e, "jobs", None))?
    });
    rows.sort_by_key(|r| r.id);
    Ok(jobs(rows))
}

/// Extend `owner`'s lease on a job; false when it is no longer theirs (taken over after the
/// lease expired, or finished).
pub async fn extend(
    db: &Db,
    id: i64,
    owner: &str,
    lease_until: DateTime<Utc>,
) -> sqlx::Result<bool> {
    on_db!(db, |c| {
        let r = sqlx::query("UPDATE jobs SET lease_until = $1 WHERE id = $2 AND owner = $3")
            .bind(Ts::at(lease_until))
            .bind(id)
            .bind(owner)
            .execute(&mut *c)
            .await?;
        Ok(r.rows_affected() == 1)
    })
}

/// Pending jobs whose next attempt is due, oldest first, at most `limit` (diagnostics: the
/// runner claims with [`claim`]).
pub async fn due(db: &Db, now: DateTime<Utc>, limit: i64) -> sqlx::Result<Vec<Job>> {
    let rows: Vec<Row> = on_db!(db, |c| {
        sqlx::query_as(concat!(
            "SELECT ",
            cols!(),
            " FROM jobs WHERE state = 'pending' AND next_attempt_at <= $1 ORDER BY next_attempt_at, id LIMIT $2"
        ))
        .bind(Ts::at(now))
        .bind(limit)
        .fetch_all(&mut *c)
        .await
        .map_err(|e| locate(e, "jobs", None))?
    });
    Ok(jobs(rows))
}

/// One job by kind and key.
pub async fn get(db: &Db, kind: &str, key: &str) -> sqlx::Result<Option<Job>> {
    let r: Option<Row> = on_db!(db, |c| {
        sqlx::query_as(concat!(
            "SELECT ",
            cols!(),
            " FROM jobs WHERE kind = $1 AND key = $2"
        ))
        .bind(kind)
        .bind(key)
        .fetch_optional(&mut *c)
        .await
        .map_err(|e| locate(e, "jobs", None))?
    });
    Ok(r.map(Job::from))
}

/// Every job of a kind (tests, diagnostics).
pub async fn of_kind(db: &Db, kind: &str) -> sqlx::Result<Vec<Job>> {
    let rows: Vec<Row> = on_db!(db, |c| {
        sqlx::query_as(concat!(
            "SELECT ",
            cols!(),
            " FROM jobs WHERE kind = $1 ORDER BY id"
        ))
        .bind(kind)
        .fetch_all(&mut *c)
        .await
        .map_err(|e| locate(e, "jobs", None))?
    });
    Ok(jobs(rows))
}

/// Finished for good. False (nothing written) when `owner` no longer holds the job.
pub async fn done(db: &Db, id: i64, owner: &str, now: DateTime<Utc>) -> sqlx::Result<bool> {
    settle(db, id, owner, ("done", 0, None, None), now).await
}

/// Succeeded, and due again at `at` (recurring work such as a weekly series). False when
/// `owner` no longer holds the job.
pub async fn again(
    db: &Db,
    id: i64,
    owner: &str,
    at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> sqlx::Result<bool> {
    settle(db, id, owner, ("pending", 0, Some(at), None), now).await
}

/// Failed; try again at `at`. False when `owner` no longer holds the job.
pub async fn retry(
    db: &Db,
    id: i64,
    owner: &str,
    attempts: i64,
    at: DateTime<Utc>,
    error: &str,
    now: DateTime<Utc>,
) -> sqlx::Result<bool> {
    settle(
        db,
        id,
        owner,
        ("pending", attempts, Some(at), Some(error)),
        now,
    )
    .await
}

/// Given up: kept with its error, never tried again by the runner. False when `owner` no
/// longer holds the job.
pub async fn park(
    db: &Db,
    id: i64,
    owner: &str,
    attempts: i64,
    error: &str,
    now: DateTime<Utc>,
) -> sqlx::Result<bool> {
    settle(db, id, owner, ("parked", attempts, None, Some(error)), now).await
}

/// The outcome of an attempt, written only while `owner` holds the job, which it releases:
/// (state, attempts, next attempt — `None` keeps it —, last error — `None` clears it).
async fn settle(
    db: &Db,
    id: i64,
    owner: &str,
    (state, attempts, next, error): (&str, i64, Option<DateTime<Utc>>, Option<&str>),
    now: DateTime<Utc>,
) -> sqlx::Result<bool> {
    on_db!(db, |c| {
        let r = sqlx::query(
            "UPDATE jobs SET state = $1, attempts = $2, next_attempt_at = COALESCE($3, next_attempt_at),
                 last_error = $4, owner = NULL, lease_until = NULL, updated_at = $5
             WHERE id = $6 AND owner = $7",
        )
        .bind(state)
        .bind(attempts)
        .bind(next.map(Ts::at))
        .bind(error)
        .bind(Ts::at(now))
        .bind(id)
        .bind(owner)
        .execute(&mut *c)
        .await?;
        Ok(r.rows_affected() == 1)
    })
}

/// Give a parked job another chance after what made it fail was fixed (a moderator edited the
/// session): back to pending, due now, attempts reset. Returns whether a parked row was revived;
/// pending and done rows are left alone.
pub async fn revive(db: &Db, kind: &str, key: &str, now: DateTime<Utc>) -> sqlx::Result<bool> {
    on_db!(db, |c| {
        let r = sqlx::query(
            "UPDATE jobs SET state = 'pending', attempts = 0, next_attempt_at = $1, updated_at = $1,
                 owner = NULL, lease_until = NULL
             WHERE kind = $2 AND key = $3 AND state = 'parked'",
        )
        .bind(Ts::at(now))
        .bind(kind)
        .bind(key)
        .execute(&mut *c)
        .await?;
        Ok(r.rows_affected() == 1)
    })
}

/// Count one completed tick.
pub async fn count_tick(db: &Db, now: DateTime<Utc>) -> sqlx::Result<()> {
    on_db!(db, |c| {
        sqlx::query("UPDATE job_runner SET ticks = ticks + 1, last_tick = $1 WHERE id = 1")
            .bind(Ts::at(now))
            .execute(&mut *c)
            .await?;
        Ok(())
    })
}

/// Ticks completed since the database was created (by every process).
pub async fn ticks(db: &Db) -> sqlx::Result<i64> {
    let r: Option<i64> = on_db!(db, |c| {
        sqlx::query_scalar("SELECT ticks FROM job_runner WHERE id = 1")
            .fetch_optional(&mut *c)
            .await?
    });
    Ok(r.unwrap_or(0))
}
