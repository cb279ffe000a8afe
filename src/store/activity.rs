//! Read-only aggregates for the charts: answers per day, modules a member practised.

use super::time::{parse_date, ts};
use super::to_db;
use chrono::{DateTime, NaiveDate, Utc};
use sqlx::{Row, SqlitePool};

/// Per quiz date of the closed daily quizzes closing since `since` (optionally of one path):
/// (date, answers, right answers), oldest first. Days without answers are absent.
pub async fn daily_answers(
    pool: &SqlitePool,
    guild: u64,
    since: DateTime<Utc>,
    path: Option<&str>,
) -> sqlx::Result<Vec<(NaiveDate, i64, i64)>> {
    let rows = sqlx::query(
        "SELECT q.quiz_date, COUNT(*), COALESCE(SUM(a.correct), 0)
         FROM quiz_answers a JOIN quizzes q ON q.id = a.quiz_id
         WHERE a.guild_id = ? AND q.status = 'closed' AND q.closes_at >= ? AND (? IS NULL OR q.path_id = ?)
         GROUP BY q.quiz_date ORDER BY q.quiz_date",
    )
    .bind(to_db(guild))
    .bind(ts(since))
    .bind(path)
    .bind(path)
    .fetch_all(pool)
    .await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in &rows {
        let d: String = r.get(0);
        let date = parse_date(&d).ok_or_else(|| {
            sqlx::Error::Decode(format!("unreadable date {d:?} in quizzes.quiz_date").into())
        })?;
        out.push((date, r.get(1), r.get(2)));
    }
    Ok(out)
}

/// Modules in which a member started a practice or module quiz.
pub async fn practised_modules(
    pool: &SqlitePool,
    guild: u64,
    user: u64,
) -> sqlx::Result<Vec<String>> {
    let rows = sqlx::query(
        "SELECT DISTINCT module_id FROM practice_sessions WHERE guild_id = ? AND user_id = ?",
    )
    .bind(to_db(guild))
    .bind(to_db(user))
    .fetch_all(pool)
    .await?;
    Ok(rows.iter().map(|r| r.get(0)).collect())
}
