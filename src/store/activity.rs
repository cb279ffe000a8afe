//! Read-only aggregates for the charts: answers per day, modules a member practised.

use super::time::{locate, Day, Ts};
use super::{on_db, Exec};
use crate::ids::{GuildId, UserId};
use chrono::{DateTime, NaiveDate, Utc};

/// Per quiz date of the closed daily quizzes closing since `since` (optionally of one path):
/// (date, answers, right answers), oldest first. Days without answers are absent.
pub async fn daily_answers(
    ex: impl Into<Exec<'_>>,
    guild: GuildId,
    since: DateTime<Utc>,
    path: Option<&str>,
) -> sqlx::Result<Vec<(NaiveDate, i64, i64)>> {
    let rows: Vec<(Day, i64, i64)> = on_db!(ex, |c| {
        sqlx::query_as(
            "SELECT q.quiz_date, COUNT(*), CAST(COALESCE(SUM(CASE WHEN a.correct THEN 1 ELSE 0 END), 0) AS BIGINT)
             FROM quiz_answers a JOIN quizzes q ON q.id = a.quiz_id
             WHERE a.guild_id = $1 AND q.status = 'closed' AND q.closes_at >= $2 AND ($3 IS NULL OR q.path_id = $3)
             GROUP BY q.quiz_date ORDER BY q.quiz_date",
        )
        .bind(guild)
        .bind(Ts::at(since))
        .bind(path)
        .fetch_all(&mut *c)
        .await
        .map_err(|e| locate(e, "quizzes", None))?
    });
    Ok(rows.into_iter().map(|(d, n, r)| (d.0, n, r)).collect())
}

/// Modules in which a member started a practice or module quiz.
pub async fn practised_modules(
    ex: impl Into<Exec<'_>>,
    guild: GuildId,
    user: UserId,
) -> sqlx::Result<Vec<String>> {
    on_db!(ex, |c| {
        sqlx::query_scalar(
            "SELECT DISTINCT module_id FROM practice_sessions WHERE guild_id = $1 AND user_id = $2 ORDER BY module_id",
        )
        .bind(guild)
        .bind(user)
        .fetch_all(&mut *c)
        .await
    })
}
