//! practice_sessions, practice_answers, review_items, module_completions.

use super::time::{locate, Ts};
use super::{on_db, Exec};
use crate::ids::{GuildId, UserId};
use chrono::{DateTime, Utc};
use std::collections::HashMap;

#[derive(Debug, Clone, PartialEq)]
pub struct Session {
    pub id: i64,
    pub guild: GuildId,
    pub user: UserId,
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

#[derive(sqlx::FromRow)]
struct SessionRow {
    id: i64,
    guild_id: GuildId,
    user_id: UserId,
    module_id: String,
    questions: String,
    position: i64,
    correct: i64,
    finished_at: Option<Ts>,
    kind: String,
    shuffled: bool,
}

/// Store a new session of `kind` (`practice` or `module`) asking `questions` in order.
pub async fn create_session(
    ex: impl Into<Exec<'_>>,
    guild: GuildId,
    user: UserId,
    module_id: &str,
    kind: &str,
    questions: &[String],
    now: DateTime<Utc>,
) -> sqlx::Result<i64> {
    on_db!(ex, |c| {
        sqlx::query_scalar(
            "INSERT INTO practice_sessions (guild_id, user_id, module_id, kind, questions, started_at, shuffled)
             VALUES ($1, $2, $3, $4, $5, $6, TRUE) RETURNING id",
        )
        .bind(guild)
        .bind(user)
        .bind(module_id)
        .bind(kind)
        .bind(questions.join(","))
        .bind(Ts::at(now))
        .fetch_one(&mut *c)
        .await
    })
}

pub async fn get_session(ex: impl Into<Exec<'_>>, id: i64) -> sqlx::Result<Option<Session>> {
    let r: Option<SessionRow> = on_db!(ex, |c| {
        sqlx::query_as(
            "SELECT id, guild_id, user_id, module_id, questions, position, correct, finished_at, kind, shuffled
             FROM practice_sessions WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(&mut *c)
        .await
        .map_err(|e| locate(e, "practice_sessions", Some(id)))?
    });
    Ok(r.map(|r| Session {
        id: r.id,
        guild: r.guild_id,
        user: r.user_id,
        module_id: r.module_id,
        questions: r.questions.split(',').map(String::from).collect(),
        position: r.position.max(0) as usize,
        correct: r.correct,
        finished: r.finished_at.is_some(),
        kind: r.kind,
        shuffled: r.shuffled,
    }))
}

pub async fn finish(ex: impl Into<Exec<'_>>, session: i64, now: DateTime<Utc>) -> sqlx::Result<()> {
    on_db!(ex, |c| {
        sqlx::query(
            "UPDATE practice_sessions SET finished_at = COALESCE(finished_at, $1) WHERE id = $2",
        )
        .bind(Ts::at(now))
        .bind(session)
        .execute(&mut *c)
        .await?;
        Ok(())
    })
}

/// (interval days, due at) per question id, for one member.
pub async fn reviews(
    ex: impl Into<Exec<'_>>,
    user: UserId,
) -> sqlx::Result<HashMap<String, (i64, DateTime<Utc>)>> {
    let rows: Vec<(String, i64, Ts)> = on_db!(ex, |c| {
        sqlx::query_as(
            "SELECT question_id, interval_days, due_at FROM review_items WHERE user_id = $1",
        )
        .bind(user)
        .fetch_all(&mut *c)
        .await
        .map_err(|e| locate(e, "review_items", None))?
    });
    Ok(rows
        .into_iter()
        .map(|(q, interval, due)| (q, (interval, due.0)))
        .collect())
}

pub async fn set_review(
    ex: impl Into<Exec<'_>>,
    user: UserId,
    question: &str,
    interval: i64,
    due: DateTime<Utc>,
) -> sqlx::Result<()> {
    on_db!(ex, |c| {
        sqlx::query(
            "INSERT INTO review_items (user_id, question_id, interval_days, due_at) VALUES ($1, $2, $3, $4)
             ON CONFLICT(user_id, question_id) DO UPDATE SET interval_days = excluded.interval_days, due_at = excluded.due_at",
        )
        .bind(user)
        .bind(question)
        .bind(interval)
        .bind(Ts::at(due))
        .execute(&mut *c)
        .await?;
        Ok(())
    })
}

/// A stored module completion.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct Completion {
    pub module_id: String,
    /// `module` (a `/quiz module` run), `practice` (a practice of at least the quiz size) or
    /// `legacy` (written before completions recorded their basis).
    pub basis: String,
    /// Questions of the practice that completed the module (0 for legacy rows).
    pub questions: i64,
    /// Best percent.
    pub score: i64,
    #[sqlx(try_from = "Ts")]
    pub completed_at: DateTime<Utc>,
}

/// Mark a module complete on `basis` (`practice` or `module`) with a passed practice of
/// `questions` questions, keeping the best score; a legacy row is upgraded to the new basis.
/// True when the row is new.
#[allow(clippy::too_many_arguments)]
pub async fn complete_module(
    ex: impl Into<Exec<'_>>,
    guild: GuildId,
    user: UserId,
    module: &str,
    score: i64,
    basis: &str,
    questions: usize,
    now: DateTime<Utc>,
) -> sqlx::Result<bool> {
    let at = Ts::at(now);
    let stored: Ts = on_db!(ex, |c| {
        sqlx::query_scalar(
            "INSERT INTO module_completions AS m (guild_id, user_id, module_id, score, completed_at, basis, questions)
             VALUES ($1, $2, $3, $4, $5, $6, $7)
             ON CONFLICT(guild_id, user_id, module_id) DO UPDATE SET
                 score = CASE WHEN excluded.score > m.score THEN excluded.score ELSE m.score END,
                 basis = CASE WHEN m.basis = 'legacy' OR excluded.questions > m.questions
                              THEN excluded.basis ELSE m.basis END,
                 questions = CASE WHEN excluded.questions > m.questions THEN excluded.questions ELSE m.questions END
             RETURNING completed_at",
        )
        .bind(guild)
        .bind(user)
        .bind(module)
        .bind(score)
        .bind(at)
        .bind(basis)
        .bind(questions as i64)
        .fetch_one(&mut *c)
        .await
        .map_err(|e| locate(e, "module_completions", None))?
    });
    Ok(stored == at)
}

/// A member's module completions in a guild, by module id.
pub async fn completions(
    ex: impl Into<Exec<'_>>,
    guild: GuildId,
    user: UserId,
) -> sqlx::Result<Vec<Completion>> {
    on_db!(ex, |c| {
        sqlx::query_as(
            "SELECT module_id, basis, questions, score, completed_at FROM module_completions
             WHERE guild_id = $1 AND user_id = $2 ORDER BY module_id",
        )
        .bind(guild)
        .bind(user)
        .fetch_all(&mut *c)
        .await
        .map_err(|e| locate(e, "module_completions", None))
    })
}

/// The most questions of a finished practice of `module` by the member that scored at least
/// `pass_mark` percent; `None` when there is none. (How legacy completions are judged.)
pub async fn largest_passed_practice(
    ex: impl Into<Exec<'_>>,
    guild: GuildId,
    user: UserId,
    module: &str,
    pass_mark: u32,
) -> sqlx::Result<Option<i64>> {
    on_db!(ex, |c| {
        sqlx::query_scalar(
            "SELECT CAST(MAX(n) AS BIGINT) FROM (
                 SELECT length(questions) - length(replace(questions, ',', '')) + 1 AS n, correct
                 FROM practice_sessions
                 WHERE guild_id = $1 AND user_id = $2 AND module_id = $3 AND finished_at IS NOT NULL
             ) AS s WHERE correct * 100 >= $4 * n",
        )
        .bind(guild)
        .bind(user)
        .bind(module)
        .bind(pass_mark as i64)
        .fetch_one(&mut *c)
        .await
    })
}

/// Modules with a completion row in a guild (whatever its basis; certification counts only
/// those that meet the rule, see `certification::service::member_state`).
pub async fn completed_modules(
    ex: impl Into<Exec<'_>>,
    guild: GuildId,
    user: UserId,
) -> sqlx::Result<Vec<String>> {
    on_db!(ex, |c| {
        sqlx::query_scalar("SELECT module_id FROM module_completions WHERE guild_id = $1 AND user_id = $2 ORDER BY module_id")
            .bind(guild)
            .bind(user)
            .fetch_all(&mut *c)
            .await
    })
}

/// Close the member's open practice sessions in `guild` beyond the newest `keep` (marking them
/// finished where they stand); returns how many were closed.
pub async fn close_open_beyond(
    ex: impl Into<Exec<'_>>,
    guild: GuildId,
    user: UserId,
    keep: usize,
    now: DateTime<Utc>,
) -> sqlx::Result<u64> {
    on_db!(ex, |c| {
        let r = sqlx::query(
            "UPDATE practice_sessions SET finished_at = $1
             WHERE guild_id = $2 AND user_id = $3 AND finished_at IS NULL AND id NOT IN (
                 SELECT id FROM practice_sessions
                 WHERE guild_id = $2 AND user_id = $3 AND finished_at IS NULL
                 ORDER BY id DESC LIMIT $4)",
        )
        .bind(Ts::at(now))
        .bind(guild)
        .bind(user)
        .bind(keep as i64)
        .execute(&mut *c)
        .await?;
        Ok(r.rows_affected())
    })
}
