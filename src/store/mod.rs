//! The database: SQLite (embedded, the default) or PostgreSQL (several processes), chosen by
//! `DATABASE_URL`. One file per table family with intent-named functions; each takes anything
//! that converts into an [`Exec`] (`&Db` for the pool, `&mut Tx` inside a transaction), so
//! functions compose in one transaction on either backend.
//!
//! Every query is written once, with `$1, $2, ...` placeholders (SQLite accepts them too), and
//! runs through [`on_db!`], which expands the same body once per backend so each query is
//! type-checked against both. Rows decode through `#[derive(sqlx::FromRow)]` into typed fields:
//! Discord ids are [`crate::ids`] newtypes (BIGINT), timestamps [`time::Ts`] (UTC text on
//! SQLite, `TIMESTAMPTZ` on PostgreSQL), dates [`time::Day`], flags `bool`.

pub mod activity;
pub mod answer_batch;
pub mod backup;
pub mod certification;
pub mod copy;
pub mod lock;
pub mod meta;
pub mod office_hours;
pub mod practice;
pub mod quiz;
pub mod settings;
pub mod time;

use anyhow::{Context, Result};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Database, PgPool, Pool, Postgres, Sqlite, SqlitePool};
use std::str::FromStr;
use std::time::Duration;

/// Which database a [`Db`] talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A connection pool of either backend (cheap to clone).
#[derive(Debug, Clone)]
pub enum Db {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// An open transaction of either backend; [`Tx::commit`] or drop (rolls back).
pub enum Tx {
    Sqlite(sqlx::Transaction<'static, Sqlite>),
    Postgres(sqlx::Transaction<'static, Postgres>),
}

/// Where one store function runs: the pool, or a connection (a transaction's).
pub enum Exec<'c> {
    Sqlite(Hold<'c, Sqlite>),
    Postgres(Hold<'c, Postgres>),
}

impl Exec<'_> {
    /// The same place for one more call (a function taking an [`Exec`] several times).
    pub fn reborrow(&mut self) -> Exec<'_> {
        match self {
            Exec::Sqlite(Hold::Pool(p)) => Exec::Sqlite(Hold::Pool(p)),
            Exec::Sqlite(Hold::Conn(c)) => Exec::Sqlite(Hold::Conn(&mut **c)),
            Exec::Postgres(Hold::Pool(p)) => Exec::Postgres(Hold::Pool(p)),
            Exec::Postgres(Hold::Conn(c)) => Exec::Postgres(Hold::Conn(&mut **c)),
        }
    }
}

/// A pool to take a connection from, or a connection already held.
pub enum Hold<'c, DB: Database> {
    Pool(&'c Pool<DB>),
    Conn(&'c mut DB::Connection),
}

impl<'c> From<&'c Db> for Exec<'c> {
    fn from(db: &'c Db) -> Self {
        match db {
            Db::Sqlite(p) => Exec::Sqlite(Hold::Pool(p)),
            Db::Postgres(p) => Exec::Postgres(Hold::Pool(p)),
        }
    }
}

impl<'c> From<&'c SqlitePool> for Exec<'c> {
    fn from(p: &'c SqlitePool) -> Self {
        Exec::Sqlite(Hold::Pool(p))
    }
}

impl<'c> From<&'c PgPool> for Exec<'c> {
    fn from(p: &'c PgPool) -> Self {
        Exec::Postgres(Hold::Pool(p))
    }
}

impl<'c> From<&'c mut Tx> for Exec<'c> {
    fn from(tx: &'c mut Tx) -> Self {
        match tx {
            Tx::Sqlite(t) => Exec::Sqlite(Hold::Conn(&mut **t)),
            Tx::Postgres(t) => Exec::Postgres(Hold::Conn(&mut **t)),
        }
    }
}

/// Run `body` with `ex` bound to a `&mut` connection of whichever backend `handle` (a `&Db` or
/// a `&mut Tx`) talks to; the body is expanded once per backend. Every query of the store goes
/// through here, so this is the one place to time or count them.
///
/// ```ignore
/// on_db!(db, |ex| sqlx::query("DELETE FROM t WHERE id = $1").bind(id).execute(&mut *ex).await)
/// ```
#[macro_export]
macro_rules! on_db {
    ($handle:expr, |$ex:ident| $body:expr) => {{
        // Timed per store module (`coursebot::store::quiz`, …: a bounded label set), waiting
        // for a pooled connection included; an early `?` return is not timed.
        let __started = ::std::time::Instant::now();
        let __result = match ::core::convert::Into::<$crate::store::Exec<'_>>::into($handle) {
            $crate::store::Exec::Sqlite(hold) => {
                let mut held;
                let $ex: &mut ::sqlx::SqliteConnection = match hold {
                    $crate::store::Hold::Pool(p) => {
                        held = p.acquire().await?;
                        &mut *held
                    }
                    $crate::store::Hold::Conn(c) => c,
                };
                $body
            }
            $crate::store::Exec::Postgres(hold) => {
                let mut held;
                let $ex: &mut ::sqlx::PgConnection = match hold {
                    $crate::store::Hold::Pool(p) => {
                        held = p.acquire().await?;
                        &mut *held
                    }
                    $crate::store::Hold::Conn(c) => c,
                };
                $body
            }
        };
        $crate::ops::metrics::observe_db_query(::core::module_path!(), __started.elapsed());
        __result
    }};
}
pub use on_db;

impl Db {
    /// Open the database at `url` (`sqlite://...`, the default, or `postgres://...`), creating
    /// an SQLite file if needed, and apply that backend's migrations.
    pub async fn connect(url: &str) -> Result<Db> {
        if is_postgres(url) {
            Self::connect_postgres(url).await
        } else {
            Self::connect_sqlite(url).await
        }
    }

    /// SQLite: WAL, `synchronous = NORMAL`, foreign keys and a busy timeout on every connection.
    async fn connect_sqlite(url: &str) -> Result<Db> {
        let opts = SqliteConnectOptions::from_str(url)
            .with_context(|| {
                format!(
                    "invalid DATABASE_URL `{}` (expected e.g. sqlite://coursebot.db or postgres://user@host/db)",
                    redact(url)
                )
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
            .with_context(|| format!("opening database {}", redact(url)))?;
        sqlx::migrate!("./migrations/sqlite")
            .run(&pool)
            .await
            .context("applying database migrations")?;
        Ok(Db::Sqlite(pool))
    }

    async fn connect_postgres(url: &str) -> Result<Db> {
        let opts = PgConnectOptions::from_str(url).with_context(|| {
            format!(
                "invalid DATABASE_URL `{}` (expected e.g. postgres://user:password@host:5432/db)",
                redact(url)
            )
        })?;
        let pool = PgPoolOptions::new()
            .max_connections(10)
            .acquire_timeout(Duration::from_secs(10))
            .connect_with(opts)
            .await
            .with_context(|| format!("connecting to PostgreSQL at {}", redact(url)))?;
        sqlx::migrate!("./migrations/postgres")
            .run(&pool)
            .await
            .context("applying database migrations")?;
        Ok(Db::Postgres(pool))
    }

    pub fn backend(&self) -> Backend {
        match self {
            Db::Sqlite(_) => Backend::Sqlite,
            Db::Postgres(_) => Backend::Postgres,
        }
    }

    /// Start a transaction.
    pub async fn begin(&self) -> sqlx::Result<Tx> {
        Ok(match self {
            Db::Sqlite(p) => Tx::Sqlite(p.begin().await?),
            Db::Postgres(p) => Tx::Postgres(p.begin().await?),
        })
    }

    /// A pool of ONE connection to the same database, opened at its first use, for a task
    /// that must not queue behind the shared pool's users (the answer writer). It has the
    /// same connect options (on SQLite: WAL, foreign keys, busy timeout; an in-memory database
    /// is shared through its cache). Migrations were applied by [`Db::connect`].
    pub fn single(&self) -> Db {
        match self {
            Db::Sqlite(p) => Db::Sqlite(
                SqlitePoolOptions::new()
                    .max_connections(1)
                    .connect_lazy_with((*p.connect_options()).clone()),
            ),
            Db::Postgres(p) => Db::Postgres(
                PgPoolOptions::new()
                    .max_connections(1)
                    .acquire_timeout(Duration::from_secs(10))
                    .connect_lazy_with((*p.connect_options()).clone()),
            ),
        }
    }

    /// The SQLite pool, when this is SQLite (tests and SQLite-only tools).
    pub fn as_sqlite(&self) -> Option<&SqlitePool> {
        match self {
            Db::Sqlite(p) => Some(p),
            Db::Postgres(_) => None,
        }
    }

    /// The PostgreSQL pool, when this is PostgreSQL.
    pub fn as_postgres(&self) -> Option<&PgPool> {
        match self {
            Db::Sqlite(_) => None,
            Db::Postgres(p) => Some(p),
        }
    }

    /// `SELECT 1` (health checks).
    pub async fn ping(&self) -> sqlx::Result<i64> {
        on_db!(self, |c| {
            sqlx::query_scalar("SELECT CAST(1 AS BIGINT)")
                .fetch_one(&mut *c)
                .await
        })
    }

    /// Connections open (in use or idle).
    pub fn size(&self) -> u32 {
        match self {
            Db::Sqlite(p) => p.size(),
            Db::Postgres(p) => p.size(),
        }
    }

    /// Idle connections.
    pub fn num_idle(&self) -> usize {
        match self {
            Db::Sqlite(p) => p.num_idle(),
            Db::Postgres(p) => p.num_idle(),
        }
    }

    /// Close every connection (waits for those in use).
    pub async fn close(&self) {
        match self {
            Db::Sqlite(p) => p.close().await,
            Db::Postgres(p) => p.close().await,
        }
    }
}

impl Tx {
    pub async fn commit(self) -> sqlx::Result<()> {
        match self {
            Tx::Sqlite(t) => t.commit().await,
            Tx::Postgres(t) => t.commit().await,
        }
    }
}

/// Whether `url` names a PostgreSQL database.
pub fn is_postgres(url: &str) -> bool {
    url.starts_with("postgres://") || url.starts_with("postgresql://")
}

/// `url` with any password replaced by `***` (for logs and errors).
/// The options and file of the SQLite database at `url`, which must already exist: commands
/// that read a database (export, backup, migrate) never create an empty one. `nothing` ends the
/// error, e.g. "nothing to back up (check DATABASE_URL)". An in-memory URL is let through.
pub fn existing_sqlite(
    url: &str,
    nothing: &str,
) -> Result<(SqliteConnectOptions, std::path::PathBuf)> {
    let opts = SqliteConnectOptions::from_str(url).with_context(|| {
        format!(
            "invalid database URL `{}` (expected e.g. sqlite://coursebot.db)",
            redact(url)
        )
    })?;
    let file = opts.get_filename().to_path_buf();
    let in_memory = file.as_os_str().is_empty() || file.as_os_str() == ":memory:";
    if !in_memory && !file.is_file() {
        let shown = std::path::absolute(&file).unwrap_or_else(|_| file.clone());
        anyhow::bail!("no database at {}: {nothing}", shown.display());
    }
    Ok((opts, file))
}

pub fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let (auth, host) = match rest.rfind('@') {
        Some(at) => (&rest[..at], &rest[at..]),
        None => return url.to_string(),
    };
    match auth.split_once(':') {
        Some((user, _)) => format!("{scheme}://{user}:***{host}"),
        None => url.to_string(),
    }
}

/// Open the database (see [`Db::connect`]).
pub async fn connect(url: &str) -> Result<Db> {
    Db::connect(url).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_never_show() {
        assert_eq!(
            redact("postgres://bot:s3cr:et@db:5432/cb"),
            "postgres://bot:***@db:5432/cb"
        );
        assert_eq!(redact("postgres://bot@db/cb"), "postgres://bot@db/cb");
        assert_eq!(redact("sqlite://x.db"), "sqlite://x.db");
        assert!(is_postgres("postgresql://x/y") && !is_postgres("sqlite://p.db"));
    }

    /// SQLite accepts PostgreSQL's `$N` placeholders, including one used twice.
    #[tokio::test]
    async fn sqlite_takes_numbered_placeholders() -> sqlx::Result<()> {
        let pool = SqlitePool::connect("sqlite::memory:").await.unwrap();
        let db = Db::Sqlite(pool);
        let (a, b): (i64, String) = on_db!(&db, |ex| {
            sqlx::query_as("SELECT $1 + $1, $2")
                .bind(20i64)
                .bind("x")
                .fetch_one(&mut *ex)
                .await?
        });
        assert_eq!((a, b.as_str()), (40, "x"));
        let n: Option<i64> = on_db!(&db, |ex| {
            sqlx::query_scalar("SELECT CASE WHEN $1 IS NULL THEN NULL ELSE $1 * 2 END")
                .bind(Option::<i64>::None)
                .fetch_one(&mut *ex)
                .await?
        });
        assert_eq!(n, None);
        Ok(())
    }
}
