//! practice_sessions, practice_answers, review_items, module_completions.

use super::time::{parse_ts, row_ts, ts};
use super::{from_db, to_db};
use chrono::{DateTime, Utc};
use sqlx::{Row, SqlitePool};
use std::collections::HashMap;

#[derive(Debug, Clone, PartialEq)]
pub struct Session {
    pub id: i64,
    pub guild: u64,
    pub user: u64,
    pub module_id: String,
    /// `practice` (free practice) or `module` (a `/quiz module` run of exactly the quiz size).
    pub kind: String,
    /// Choices are shuffled (every session created since migration 0005).
    pub shuffled: bool,
    pub questions: Vec<String>,
    pub position: usize,
    pub correct: i64,
    pub finished: bool,
}

/// Store a new session of `kind` (`practice` or `module`) asking `questions` in order.
pub async fn create_session(
    pool: &SqlitePool,
    guild: u64,
    user: u64,
    module_id: &str,
    kind: &str,
    questions: &[String],
    now: DateTime<Utc>,
) -> sqlx::Result<i64> {
    let r = sqlx::query(
        "INSERT INTO practice_sessions (guild_id, user_id, module_id, kind, questions, started_at, shuffled)
         VALUES (?, ?, ?, ?, ?, ?, 1) RETURNING id",
    )
    .bind(to_db(guild))
    .bind(to_db(user))
    .bind(module_id)
    .bind(kind)
    .bind(questions.join(","))
    .bind(ts(now))
    .fetch_one(pool)
    .await?;
    Ok(r.get(0))
}

pub async fn get_session(pool: &SqlitePool, id: i64) -> sqlx::Result<Option<Session>> {
    let r = sqlx::query(
        "SELECT id, guild_id, user_id, module_id, questions, position, correct, finished_at, kind, shuffled
         FROM practice_sessions WHERE id = ?",
    )
    .bind(id)
    .fetch_optional(pool)
    .await?;
    Ok(r.map(|r| Session {
        id: r.get(0),
        guild: from_db(r.get(1)),
        user: from_db(r.get(2)),
        module_id: r.get(3),
        questions: r.get::<String, _>(4).split(',').map(String::from).collect(),
        position: r.get::<i64, _>(5) as usize,
        correct: r.get(6),
        finished: r.get::<Option<String>, _>(7).is_some(),
        kind: r.get(8),
        shuffled: r.get::<i64, _>(9) != 0,
    }))
}

/// Record the answer to the question at `position` and move the session on, atomically;
/// false when that position was already answered (a double click).
pub async fn answer(
    pool: &SqlitePool,
    session: i64,
    position: usize,
    question_id: &str,
    answer: &str,
    correct: bool,
    now: DateTime<Utc>,
) -> sqlx::Result<bool> {
    let mut tx = pool.begin().await?;
    let r = sqlx::query(
        "INSERT INTO practice_answers (session_id, position, question_id, answer, correct, answered_at)
         VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(session_id, position) DO NOTHING",
    )
    .bind(session)
    .bind(position as i64)
    .bind(question_id)
    .bind(answer)
    .bind(correct as i64)
    .bind(ts(now))
    .execute(&mut *tx)
    .await?;
    if r.rows_affected() == 0 {
        return Ok(false);
    }
    sqlx::query(
        "UPDATE practice_sessions SET position = position + 1, correct = correct + ? WHERE id = ? AND position = ?",
    )
    .bind(correct as i64)
    .bind(session)
    .bind(position as i64)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(true)
}

pub async fn finish(pool: &SqlitePool, session: i64, now: DateTime<Utc>) -> sqlx::Result<()> {
    sqlx::query("UPDATE practice_sessions SET finished_at = COALESCE(finished_at, ?) WHERE id = ?")
        .bind(ts(now))
        .bind(session)
        .execute(pool)
        .await?;
    Ok(())
}

/// (interval days, due at) per question id, for one member.
pub async fn reviews(
    pool: &SqlitePool,
    user: u64,
) -> sqlx::Result<HashMap<String, (i64, DateTime<Utc>)>> {
    let rows = sqlx::query(
        "SELECT question_id, interval_days, due_at FROM review_items WHERE user_id = ?",
    )
    .bind(to_db(user))
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|r| {
            let due = parse_ts(&r.get::<String, _>(2)).map_err(|e| sqlx::Error::ColumnDecode {
                index: "review_items.due_at".into(),
                source: Box::new(e),
            })?;
            Ok((r.get(0), (r.get(1), due)))
        })
        .collect()
}

pub async fn set_review(
    pool: &SqlitePool,
    user: u64,
    question: &str,
    interval: i64,
    due: DateTime<Utc>,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO review_items (user_id, question_id, interval_days, due_at) VALUES (?, ?, ?, ?)
         ON CONFLICT(user_id, question_id) DO UPDATE SET interval_days = excluded.interval_days, due_at = excluded.due_at",
    )
    .bind(to_db(user))
    .bind(question)
    .bind(interval)
    .bind(ts(due))
    .execute(pool)
    .await?;
    Ok(())
}

/// A stored module completion.
#[derive(Debug, Clone, PartialEq)]
pub struct Completion {
    pub module_id: String,
    /// `module` (a `/quiz module` run), `practice` (a practice of at least the quiz size) or
    /// `legacy` (written before completions recorded their basis).
    pub basis: String,
    /// Questions of the practice that completed the module (0 for legacy rows).
    pub questions: i64,
    /// Best percent.
    pub score: i64,
    pub completed_at: DateTime<Utc>,
}

/// Mark a module complete on `basis` (`practice` or `module`) with a passed practice of
/// `questions` questions, keeping the best score; a legacy row is upgraded to the new basis.
/// True when the row is new.
#[allow(clippy::too_many_arguments)]
pub async fn complete_module(
    pool: &SqlitePool,
    guild: u64,
    user: u64,
    module: &str,
    score: i64,
    basis: &str,
    questions: usize,
    now: DateTime<Utc>,
) -> sqlx::Result<bool> {
    let r = sqlx::query(
        "INSERT INTO module_completions (guild_id, user_id, module_id, score, completed_at, basis, questions)
         VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT(guild_id, user_id, module_id) DO UPDATE SET
             score = MAX(score, excluded.score),
             basis = CASE WHEN basis = 'legacy' OR excluded.questions > questions
                          THEN excluded.basis ELSE basis END,
             questions = MAX(questions, excluded.questions)
         RETURNING completed_at",
    )
    .bind(to_db(guild))
    .bind(to_db(user))
    .bind(module)
    .bind(score)
    .bind(ts(now))
    .bind(basis)
    .bind(questions as i64)
    .fetch_one(pool)
    .await?;
    Ok(r.get::<String, _>(0) == ts(now))
}

/// A member's module completions in a guild, by module id.
pub async fn completions(
    pool: &SqlitePool,
    guild: u64,
    user: u64,
) -> sqlx::Result<Vec<Completion>> {
    let rows = sqlx::query(
        "SELECT module_id, basis, questions, score, completed_at FROM module_completions
         WHERE guild_id = ? AND user_id = ? ORDER BY module_id",
    )
    .bind(to_db(guild))
    .bind(to_db(user))
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Completion {
                module_id: r.get(0),
                basis: r.get(1),
                questions: r.get(2),
                score: r.get(3),
                completed_at: row_ts(r, "module_completions", 4)?,
            })
        })
        .collect()
}

/// The most questions of a finished practice of `module` by the member that scored at least
/// `pass_mark` percent; `None` when there is none. (How legacy completions are judged.)
pub async fn largest_passed_practice(
    pool: &SqlitePool,
    guild: u64,
    user: u64,
    module: &str,
    pass_mark: u32,
) -> sqlx::Result<Option<i64>> {
    let r = sqlx::query(
        "SELECT MAX(n) FROM (
             SELECT length(questions) - length(replace(questions, ',', '')) + 1 AS n, correct
             FROM practice_sessions
             WHERE guild_id = ? AND user_id = ? AND module_id = ? AND finished_at IS NOT NULL
         ) WHERE correct * 100 >= ? * n",
    )
    .bind(to_db(guild))
    .bind(to_db(user))
    .bind(module)
    .bind(pass_mark as i64)
    .fetch_one(pool)
    .await?;
    Ok(r.get(0))
}

/// Modules with a completion row in a guild (whatever its basis; certification counts only
/// those that meet the rule, see `certification::service::member_state`).
pub async fn completed_modules(
    pool: &SqlitePool,
    guild: u64,
    user: u64,
) -> sqlx::Result<Vec<String>> {
    let rows = sqlx::query("SELECT module_id FROM module_completions WHERE guild_id = ? AND user_id = ? ORDER BY module_id")
        .bind(to_db(guild))
        .bind(to_db(user))
        .fetch_all(pool)
        .await?;
    Ok(rows.iter().map(|r| r.get(0)).collect())
}

/// Close the member's open practice sessions in `guild` beyond the newest `keep` (marking them
/// finished where they stand); returns how many were closed.
pub async fn close_open_beyond(
    pool: &SqlitePool,
    guild: u64,
    user: u64,
    keep: usize,
    now: DateTime<Utc>,
) -> sqlx::Result<u64> {
    let r = sqlx::query(
        "UPDATE practice_sessions SET finished_at = ?1 WHERE id IN (
             SELECT id FROM practice_sessions
             WHERE guild_id = ?2 AND user_id = ?3 AND finished_at IS NULL
             ORDER BY id DESC LIMIT -1 OFFSET ?4)",
    )
    .bind(ts(now))
    .bind(to_db(guild))
    .bind(to_db(user))
    .bind(keep as i64)
    .execute(pool)
    .await?;
    Ok(r.rows_affected())
}
