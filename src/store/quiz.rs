//! quiz_schedules, quizzes, quiz_answers, member_streaks.

use super::time::{date, parse_date, row_date, row_ts, ts};
use super::{from_db, to_db};
use crate::quiz::scoring::Streak;
use chrono::{DateTime, NaiveDate, Utc};
use sqlx::sqlite::SqliteRow;
use sqlx::{Executor, Row, Sqlite, SqlitePool};

#[derive(Debug, Clone, PartialEq)]
pub struct Schedule {
    pub id: i64,
    pub guild: u64,
    pub channel: u64,
    pub local_time: String,
    pub timezone: String,
    pub pool_label: String,
    pub modules: Vec<String>,
    pub window_minutes: Option<i64>,
    pub next_run_at: DateTime<Utc>,
    pub cycle: i64,
    pub seed: i64,
}

pub struct NewSchedule<'a> {
    pub guild: u64,
    pub channel: u64,
    pub local_time: &'a str,
    pub timezone: &'a str,
    pub pool_label: &'a str,
    pub modules: &'a [String],
    pub window_minutes: Option<i64>,
    pub next_run_at: DateTime<Utc>,
    pub created_by: u64,
    pub now: DateTime<Utc>,
}

macro_rules! schedule_cols {
    () => {
        "id, guild_id, channel_id, local_time, timezone, pool_label, modules, window_minutes, next_run_at, cycle, seed"
    };
}

fn schedule(r: &SqliteRow) -> sqlx::Result<Schedule> {
    Ok(Schedule {
        id: r.get(0),
        guild: from_db(r.get(1)),
        channel: from_db(r.get(2)),
        local_time: r.get(3),
        timezone: r.get(4),
        pool_label: r.get(5),
        modules: r
            .get::<String, _>(6)
            .split(',')
            .filter(|s| !s.is_empty())
            .map(String::from)
            .collect(),
        window_minutes: r.get(7),
        next_run_at: row_ts(r, "quiz_schedules", 8)?,
        cycle: r.get(9),
        seed: r.get(10),
    })
}

/// Create the schedule of a channel, or replace it (one schedule per channel).
pub async fn upsert_schedule(pool: &SqlitePool, s: NewSchedule<'_>) -> sqlx::Result<i64> {
    let seed = (s.channel as i64) ^ s.now.timestamp();
    let r = sqlx::query(
        "INSERT INTO quiz_schedules (guild_id, channel_id, local_time, timezone, pool_label, modules,
             window_minutes, next_run_at, seed, created_by, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT(channel_id) DO UPDATE SET guild_id = excluded.guild_id,
             local_time = excluded.local_time, timezone = excluded.timezone,
             pool_label = excluded.pool_label, modules = excluded.modules,
             window_minutes = excluded.window_minutes, next_run_at = excluded.next_run_at,
             created_by = excluded.created_by, created_at = excluded.created_at
         RETURNING id",
    )
    .bind(to_db(s.guild))
    .bind(to_db(s.channel))
    .bind(s.local_time)
    .bind(s.timezone)
    .bind(s.pool_label)
    .bind(s.modules.join(","))
    .bind(s.window_minutes)
    .bind(ts(s.next_run_at))
    .bind(seed)
    .bind(to_db(s.created_by))
    .bind(ts(s.now))
    .fetch_one(pool)
    .await?;
    Ok(r.get(0))
}

/// Remove the schedule of `channel` in `guild`; whether there was one.
pub async fn delete_schedule(pool: &SqlitePool, guild: u64, channel: u64) -> sqlx::Result<bool> {
    let r = sqlx::query("DELETE FROM quiz_schedules WHERE guild_id = ? AND channel_id = ?")
        .bind(to_db(guild))
        .bind(to_db(channel))
        .execute(pool)
        .await?;
    Ok(r.rows_affected() > 0)
}

pub async fn schedules_of(pool: &SqlitePool, guild: u64) -> sqlx::Result<Vec<Schedule>> {
    let q = concat!(
        "SELECT ",
        schedule_cols!(),
        " FROM quiz_schedules WHERE guild_id = ? ORDER BY next_run_at"
    );
    let rows = sqlx::query(q).bind(to_db(guild)).fetch_all(pool).await?;
    rows.iter().map(schedule).collect()
}

pub async fn due_schedules(pool: &SqlitePool, now: DateTime<Utc>) -> sqlx::Result<Vec<Schedule>> {
    let q = concat!(
        "SELECT ",
        schedule_cols!(),
        " FROM quiz_schedules WHERE next_run_at <= ? ORDER BY next_run_at"
    );
    let rows = sqlx::query(q).bind(ts(now)).fetch_all(pool).await?;
    rows.iter().map(schedule).collect()
}

pub async fn get_schedule<'e, E: Executor<'e, Database = Sqlite>>(
    ex: E,
    id: i64,
) -> sqlx::Result<Option<Schedule>> {
    let q = concat!(
        "SELECT ",
        schedule_cols!(),
        " FROM quiz_schedules WHERE id = ?"
    );
    let r = sqlx::query(q).bind(id).fetch_optional(ex).await?;
    r.as_ref().map(schedule).transpose()
}

pub async fn advance_schedule<'e, E: Executor<'e, Database = Sqlite>>(
    ex: E,
    id: i64,
    next_run_at: DateTime<Utc>,
    cycle: i64,
) -> sqlx::Result<()> {
    sqlx::query("UPDATE quiz_schedules SET next_run_at = ?, cycle = ? WHERE id = ?")
        .bind(ts(next_run_at))
        .bind(cycle)
        .bind(id)
        .execute(ex)
        .await?;
    Ok(())
}

#[derive(Debug, Clone, PartialEq)]
pub struct Quiz {
    pub id: i64,
    pub schedule_id: Option<i64>,
    pub guild: u64,
    pub channel: u64,
    pub question_id: String,
    pub module_id: String,
    pub path_id: String,
    pub quiz_date: NaiveDate,
    pub cycle: i64,
    pub posted_at: DateTime<Utc>,
    pub closes_at: DateTime<Utc>,
    pub message_id: Option<u64>,
    pub status: String,
    pub revealed: bool,
    /// Choices are shuffled for this quiz (every quiz created since migration 0005).
    pub shuffled: bool,
}

macro_rules! quiz_cols {
    () => {
        "id, schedule_id, guild_id, channel_id, question_id, module_id, path_id, quiz_date, cycle, posted_at, closes_at, message_id, status, revealed, shuffled"
    };
}

fn quiz(r: &SqliteRow) -> sqlx::Result<Quiz> {
    Ok(Quiz {
        id: r.get(0),
        schedule_id: r.get(1),
        guild: from_db(r.get(2)),
        channel: from_db(r.get(3)),
        question_id: r.get(4),
        module_id: r.get(5),
        path_id: r.get(6),
        quiz_date: row_date(r, "quizzes", 7)?,
        cycle: r.get(8),
        posted_at: row_ts(r, "quizzes", 9)?,
        closes_at: row_ts(r, "quizzes", 10)?,
        message_id: r.get::<Option<i64>, _>(11).map(from_db),
        status: r.get(12),
        revealed: r.get::<i64, _>(13) != 0,
        shuffled: r.get::<i64, _>(14) != 0,
    })
}

pub struct NewQuiz<'a> {
    pub schedule_id: i64,
    pub guild: u64,
    pub channel: u64,
    pub question_id: &'a str,
    pub module_id: &'a str,
    pub path_id: &'a str,
    pub quiz_date: NaiveDate,
    pub cycle: i64,
    pub posted_at: DateTime<Utc>,
    pub closes_at: DateTime<Utc>,
}

/// Create the quiz of a channel's day in state `posting`; `None` when that day already has one
/// (so a restart never posts twice).
pub async fn create_quiz<'e, E: Executor<'e, Database = Sqlite>>(
    ex: E,
    q: NewQuiz<'_>,
) -> sqlx::Result<Option<i64>> {
    let r = sqlx::query(
        "INSERT INTO quizzes (schedule_id, guild_id, channel_id, question_id, module_id, path_id,
             quiz_date, cycle, posted_at, closes_at, status, shuffled)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'posting', 1)
         ON CONFLICT(channel_id, quiz_date) DO NOTHING RETURNING id",
    )
    .bind(q.schedule_id)
    .bind(to_db(q.guild))
    .bind(to_db(q.channel))
    .bind(q.question_id)
    .bind(q.module_id)
    .bind(q.path_id)
    .bind(date(q.quiz_date))
    .bind(q.cycle)
    .bind(ts(q.posted_at))
    .bind(ts(q.closes_at))
    .fetch_optional(ex)
    .await?;
    Ok(r.map(|r| r.get(0)))
}

/// Question ids asked in `channel` during `cycle`.
pub async fn asked_in_cycle<'e, E: Executor<'e, Database = Sqlite>>(
    ex: E,
    channel: u64,
    cycle: i64,
) -> sqlx::Result<Vec<String>> {
    let rows = sqlx::query("SELECT question_id FROM quizzes WHERE channel_id = ? AND cycle = ?")
        .bind(to_db(channel))
        .bind(cycle)
        .fetch_all(ex)
        .await?;
    Ok(rows.iter().map(|r| r.get(0)).collect())
}

/// Close, at `at`, a channel's quiz that is still open with a later closing time (the next
/// daily question replaces it).
pub async fn shorten_open_quizzes<'e, E: Executor<'e, Database = Sqlite>>(
    ex: E,
    channel: u64,
    at: DateTime<Utc>,
) -> sqlx::Result<()> {
    sqlx::query("UPDATE quizzes SET closes_at = ? WHERE channel_id = ? AND status IN ('open', 'posting') AND closes_at > ?")
        .bind(ts(at))
        .bind(to_db(channel))
        .bind(ts(at))
        .execute(ex)
        .await?;
    Ok(())
}

pub async fn set_posted(pool: &SqlitePool, quiz_id: i64, message_id: u64) -> sqlx::Result<()> {
    sqlx::query("UPDATE quizzes SET message_id = ?, status = CASE WHEN status = 'posting' THEN 'open' ELSE status END WHERE id = ?")
        .bind(to_db(message_id))
        .bind(quiz_id)
        .execute(pool)
        .await?;
    Ok(())
}

pub async fn get_quiz<'e, E: Executor<'e, Database = Sqlite>>(
    ex: E,
    id: i64,
) -> sqlx::Result<Option<Quiz>> {
    let q = concat!("SELECT ", quiz_cols!(), " FROM quizzes WHERE id = ?");
    let r = sqlx::query(q).bind(id).fetch_optional(ex).await?;
    r.as_ref().map(quiz).transpose()
}

/// Quizzes created but not yet accepted by Discord (the bot stopped in between).
pub async fn quizzes_to_post(pool: &SqlitePool) -> sqlx::Result<Vec<Quiz>> {
    let q = concat!(
        "SELECT ",
        quiz_cols!(),
        " FROM quizzes WHERE status = 'posting' ORDER BY id"
    );
    sqlx::query(q)
        .fetch_all(pool)
        .await?
        .iter()
        .map(quiz)
        .collect()
}

/// Open quizzes whose window has ended.
pub async fn quizzes_to_close(pool: &SqlitePool, now: DateTime<Utc>) -> sqlx::Result<Vec<Quiz>> {
    let q = concat!(
        "SELECT ",
        quiz_cols!(),
        " FROM quizzes WHERE status = 'open' AND closes_at <= ? ORDER BY closes_at"
    );
    sqlx::query(q)
        .bind(ts(now))
        .fetch_all(pool)
        .await?
        .iter()
        .map(quiz)
        .collect()
}

/// Closed quizzes whose message still shows the question.
pub async fn quizzes_to_reveal(pool: &SqlitePool) -> sqlx::Result<Vec<Quiz>> {
    let q = concat!("SELECT ", quiz_cols!(), " FROM quizzes WHERE status = 'closed' AND revealed = 0 AND message_id IS NOT NULL ORDER BY id");
    sqlx::query(q)
        .fetch_all(pool)
        .await?
        .iter()
        .map(quiz)
        .collect()
}

/// Move an open quiz to closed; false when it was not open (someone else closed it).
pub async fn close_quiz<'e, E: Executor<'e, Database = Sqlite>>(
    ex: E,
    id: i64,
) -> sqlx::Result<bool> {
    let r = sqlx::query(
        "UPDATE quizzes SET status = 'closed',
            answer_count = (SELECT COUNT(*) FROM quiz_answers WHERE quiz_id = quizzes.id),
            correct_count = (SELECT COUNT(*) FROM quiz_answers WHERE quiz_id = quizzes.id AND correct = 1)
         WHERE id = ? AND status = 'open'",
    )
    .bind(id)
    .execute(ex)
    .await?;
    Ok(r.rows_affected() == 1)
}

pub async fn mark_revealed(pool: &SqlitePool, id: i64) -> sqlx::Result<()> {
    sqlx::query("UPDATE quizzes SET revealed = 1 WHERE id = ?")
        .bind(id)
        .execute(pool)
        .await?;
    Ok(())
}

/// Record a member's answer; false when they had already answered this quiz.
pub async fn record_answer(
    pool: &SqlitePool,
    quiz_id: i64,
    guild: u64,
    user: u64,
    answer: &str,
    correct: bool,
    now: DateTime<Utc>,
) -> sqlx::Result<bool> {
    let r = sqlx::query(
        "INSERT INTO quiz_answers (quiz_id, user_id, guild_id, answer, correct, answered_at)
         VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(quiz_id, user_id) DO NOTHING",
    )
    .bind(quiz_id)
    .bind(to_db(user))
    .bind(to_db(guild))
    .bind(answer)
    .bind(correct as i64)
    .bind(ts(now))
    .execute(pool)
    .await?;
    Ok(r.rows_affected() == 1)
}

/// (user, correct) of every answer to a quiz, in the order given.
pub async fn answers_of<'e, E: Executor<'e, Database = Sqlite>>(
    ex: E,
    quiz_id: i64,
) -> sqlx::Result<Vec<(u64, bool)>> {
    let rows = sqlx::query(
        "SELECT user_id, correct FROM quiz_answers WHERE quiz_id = ? ORDER BY answered_at, user_id",
    )
    .bind(quiz_id)
    .fetch_all(ex)
    .await?;
    Ok(rows
        .iter()
        .map(|r| (from_db(r.get(0)), r.get::<i64, _>(1) != 0))
        .collect())
}

pub async fn set_points<'e, E: Executor<'e, Database = Sqlite>>(
    ex: E,
    quiz_id: i64,
    user: u64,
    points: i64,
) -> sqlx::Result<()> {
    sqlx::query("UPDATE quiz_answers SET points = ? WHERE quiz_id = ? AND user_id = ?")
        .bind(points)
        .bind(quiz_id)
        .bind(to_db(user))
        .execute(ex)
        .await?;
    Ok(())
}

pub async fn get_streak<'e, E: Executor<'e, Database = Sqlite>>(
    ex: E,
    guild: u64,
    user: u64,
) -> sqlx::Result<Streak> {
    let r = sqlx::query(
        "SELECT current, best, last_correct FROM member_streaks WHERE guild_id = ? AND user_id = ?",
    )
    .bind(to_db(guild))
    .bind(to_db(user))
    .fetch_optional(ex)
    .await?;
    Ok(r.map(|r| Streak {
        current: r.get(0),
        best: r.get(1),
        last_correct: r.get::<Option<String>, _>(2).and_then(|s| parse_date(&s)),
    })
    .unwrap_or_default())
}

pub async fn set_streak<'e, E: Executor<'e, Database = Sqlite>>(
    ex: E,
    guild: u64,
    user: u64,
    s: &Streak,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO member_streaks (guild_id, user_id, current, best, last_correct) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT(guild_id, user_id) DO UPDATE SET current = excluded.current, best = excluded.best,
             last_correct = excluded.last_correct",
    )
    .bind(to_db(guild))
    .bind(to_db(user))
    .bind(s.current)
    .bind(s.best)
    .bind(s.last_correct.map(date))
    .execute(ex)
    .await?;
    Ok(())
}

/// One row of a leaderboard.
#[derive(Debug, Clone, PartialEq)]
pub struct Standing {
    pub user: u64,
    pub points: i64,
    pub answered: i64,
    pub correct: i64,
}

/// Every member with an answer in a closed quiz since `since` (optionally of one path), best
/// first: points, then correct answers, then user id.
pub async fn standings(
    pool: &SqlitePool,
    guild: u64,
    since: DateTime<Utc>,
    path: Option<&str>,
) -> sqlx::Result<Vec<Standing>> {
    let rows = sqlx::query(
        "SELECT a.user_id, SUM(a.points), COUNT(*), SUM(a.correct)
         FROM quiz_answers a JOIN quizzes q ON q.id = a.quiz_id
         WHERE a.guild_id = ? AND q.status = 'closed' AND q.closes_at >= ? AND (? IS NULL OR q.path_id = ?)
         GROUP BY a.user_id
         ORDER BY SUM(a.points) DESC, SUM(a.correct) DESC, a.user_id ASC",
    )
    .bind(to_db(guild))
    .bind(ts(since))
    .bind(path)
    .bind(path)
    .fetch_all(pool)
    .await?;
    Ok(rows
        .iter()
        .map(|r| Standing {
            user: from_db(r.get(0)),
            points: r.get(1),
            answered: r.get(2),
            correct: r.get(3),
        })
        .collect())
}

/// Per path: (path id, points, answered, correct) of one member's closed quizzes.
pub async fn member_paths(
    pool: &SqlitePool,
    guild: u64,
    user: u64,
) -> sqlx::Result<Vec<(String, i64, i64, i64)>> {
    let rows = sqlx::query(
        "SELECT q.path_id, SUM(a.points), COUNT(*), SUM(a.correct)
         FROM quiz_answers a JOIN quizzes q ON q.id = a.quiz_id
         WHERE a.guild_id = ? AND a.user_id = ? AND q.status = 'closed'
         GROUP BY q.path_id ORDER BY q.path_id",
    )
    .bind(to_db(guild))
    .bind(to_db(user))
    .fetch_all(pool)
    .await?;
    Ok(rows
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2), r.get(3)))
        .collect())
}

/// Per question of closed quizzes: (question id, module id, answered, correct).
pub async fn question_stats(
    pool: &SqlitePool,
    guild: u64,
) -> sqlx::Result<Vec<(String, String, i64, i64)>> {
    let rows = sqlx::query(
        "SELECT q.question_id, q.module_id, COUNT(a.user_id), COALESCE(SUM(a.correct), 0)
         FROM quizzes q LEFT JOIN quiz_answers a ON a.quiz_id = q.id
         WHERE q.guild_id = ? AND q.status = 'closed'
         GROUP BY q.question_id, q.module_id",
    )
    .bind(to_db(guild))
    .fetch_all(pool)
    .await?;
    Ok(rows
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2), r.get(3)))
        .collect())
}

/// Wrong answers of closed quizzes per question: (question id, stored answer, how many).
pub async fn wrong_answers(
    pool: &SqlitePool,
    guild: u64,
) -> sqlx::Result<Vec<(String, String, i64)>> {
    let rows = sqlx::query(
        "SELECT q.question_id, a.answer, COUNT(*)
         FROM quizzes q JOIN quiz_answers a ON a.quiz_id = q.id
         WHERE q.guild_id = ? AND q.status = 'closed' AND a.correct = 0
         GROUP BY q.question_id, a.answer",
    )
    .bind(to_db(guild))
    .fetch_all(pool)
    .await?;
    Ok(rows
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2)))
        .collect())
}

/// One answer with its quiz, for exports.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ExportedAnswer {
    pub guild_id: u64,
    pub user_id: u64,
    pub quiz_id: i64,
    pub channel_id: u64,
    pub quiz_date: String,
    pub question_id: String,
    pub module_id: String,
    pub path_id: String,
    /// Stored form: `c:<canonical choice index>`, `b:true`, `t:<typed>`, `m:<canonical matches>`.
    pub answer: String,
    /// The answer as text (the choice's text, never a letter); filled by the export from the
    /// course, empty when the question left it.
    pub answer_text: String,
    pub correct: bool,
    pub points: i64,
    pub answered_at: String,
}

pub async fn export_answers(
    pool: &SqlitePool,
    guild: Option<u64>,
) -> sqlx::Result<Vec<ExportedAnswer>> {
    let rows = sqlx::query(
        "SELECT a.guild_id, a.user_id, q.id, q.channel_id, q.quiz_date, q.question_id, q.module_id,
                q.path_id, a.answer, a.correct, a.points, a.answered_at
         FROM quiz_answers a JOIN quizzes q ON q.id = a.quiz_id
         WHERE (? IS NULL OR a.guild_id = ?)
         ORDER BY a.guild_id, a.user_id, a.answered_at",
    )
    .bind(guild.map(to_db))
    .bind(guild.map(to_db))
    .fetch_all(pool)
    .await?;
    Ok(rows
        .iter()
        .map(|r| ExportedAnswer {
            guild_id: from_db(r.get(0)),
            user_id: from_db(r.get(1)),
            quiz_id: r.get(2),
            channel_id: from_db(r.get(3)),
            quiz_date: r.get(4),
            question_id: r.get(5),
            module_id: r.get(6),
            path_id: r.get(7),
            answer: r.get(8),
            answer_text: String::new(),
            correct: r.get::<i64, _>(9) != 0,
            points: r.get(10),
            answered_at: r.get(11),
        })
        .collect())
}
