//! quiz_schedules, quizzes, quiz_answers, member_streaks.

use super::time::{date, locate, ts, Day, Ts};
use super::{on_db, Exec};
use crate::ids::{ChannelId, GuildId, MessageId, UserId};
use crate::quiz::scoring::Streak;
use chrono::{DateTime, NaiveDate, Utc};

#[derive(Debug, Clone, PartialEq)]
pub struct Schedule {
    pub id: i64,
    pub guild: GuildId,
    pub channel: ChannelId,
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
    pub guild: GuildId,
    pub channel: ChannelId,
    pub local_time: &'a str,
    pub timezone: &'a str,
    pub pool_label: &'a str,
    pub modules: &'a [String],
    pub window_minutes: Option<i64>,
    pub next_run_at: DateTime<Utc>,
    pub created_by: UserId,
    pub now: DateTime<Utc>,
}

macro_rules! schedule_cols {
    () => {
        "id, guild_id, channel_id, local_time, timezone, pool_label, modules, window_minutes, next_run_at, cycle, seed"
    };
}

#[derive(sqlx::FromRow)]
struct ScheduleRow {
    id: i64,
    guild_id: GuildId,
    channel_id: ChannelId,
    local_time: String,
    timezone: String,
    pool_label: String,
    modules: String,
    window_minutes: Option<i64>,
    next_run_at: Ts,
    cycle: i64,
    seed: i64,
}

impl From<ScheduleRow> for Schedule {
    fn from(r: ScheduleRow) -> Self {
        Schedule {
            id: r.id,
            guild: r.guild_id,
            channel: r.channel_id,
            local_time: r.local_time,
            timezone: r.timezone,
            pool_label: r.pool_label,
            modules: r
                .modules
                .split(',')
                .filter(|s| !s.is_empty())
                .map(String::from)
                .collect(),
            window_minutes: r.window_minutes,
            next_run_at: r.next_run_at.0,
            cycle: r.cycle,
            seed: r.seed,
        }
    }
}

fn schedules(rows: Vec<ScheduleRow>) -> Vec<Schedule> {
    rows.into_iter().map(Schedule::from).collect()
}

/// Create the schedule of a channel, or replace it (one schedule per channel).
pub async fn upsert_schedule(ex: impl Into<Exec<'_>>, s: NewSchedule<'_>) -> sqlx::Result<i64> {
    let seed = (s.channel.get() as i64) ^ s.now.timestamp();
    on_db!(ex, |c| {
        sqlx::query_scalar(
            "INSERT INTO quiz_schedules (guild_id, channel_id, local_time, timezone, pool_label, modules,
                 window_minutes, next_run_at, seed, created_by, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
             ON CONFLICT(channel_id) DO UPDATE SET guild_id = excluded.guild_id,
                 local_time = excluded.local_time, timezone = excluded.timezone,
                 pool_label = excluded.pool_label, modules = excluded.modules,
                 window_minutes = excluded.window_minutes, next_run_at = excluded.next_run_at,
                 created_by = excluded.created_by, created_at = excluded.created_at
             RETURNING id",
        )
        .bind(s.guild)
        .bind(s.channel)
        .bind(s.local_time)
        .bind(s.timezone)
        .bind(s.pool_label)
        .bind(s.modules.join(","))
        .bind(s.window_minutes)
        .bind(Ts::at(s.next_run_at))
        .bind(seed)
        .bind(s.created_by)
        .bind(Ts::at(s.now))
        .fetch_one(&mut *c)
        .await
    })
}

/// Remove the schedule of `channel` in `guild`; whether there was one.
pub async fn delete_schedule(
    ex: impl Into<Exec<'_>>,
    guild: GuildId,
    channel: ChannelId,
) -> sqlx::Result<bool> {
    on_db!(ex, |c| {
        let r = sqlx::query("DELETE FROM quiz_schedules WHERE guild_id = $1 AND channel_id = $2")
            .bind(guild)
            .bind(channel)
            .execute(&mut *c)
            .await?;
        Ok(r.rows_affected() > 0)
    })
}

pub async fn schedules_of(ex: impl Into<Exec<'_>>, guild: GuildId) -> sqlx::Result<Vec<Schedule>> {
    let q = concat!(
        "SELECT ",
        schedule_cols!(),
        " FROM quiz_schedules WHERE guild_id = $1 ORDER BY next_run_at, id"
    );
    on_db!(ex, |c| {
        let rows = sqlx::query_as(q)
            .bind(guild)
            .fetch_all(&mut *c)
            .await
            .map_err(|e| locate(e, "quiz_schedules", None))?;
        Ok(schedules(rows))
    })
}

pub async fn due_schedules(
    ex: impl Into<Exec<'_>>,
    now: DateTime<Utc>,
) -> sqlx::Result<Vec<Schedule>> {
    let q = concat!(
        "SELECT ",
        schedule_cols!(),
        " FROM quiz_schedules WHERE next_run_at <= $1 ORDER BY next_run_at, id"
    );
    on_db!(ex, |c| {
        let rows = sqlx::query_as(q)
            .bind(Ts::at(now))
            .fetch_all(&mut *c)
            .await
            .map_err(|e| locate(e, "quiz_schedules", None))?;
        Ok(schedules(rows))
    })
}

pub async fn get_schedule(ex: impl Into<Exec<'_>>, id: i64) -> sqlx::Result<Option<Schedule>> {
    let q = concat!(
        "SELECT ",
        schedule_cols!(),
        " FROM quiz_schedules WHERE id = $1"
    );
    on_db!(ex, |c| {
        let r: Option<ScheduleRow> = sqlx::query_as(q)
            .bind(id)
            .fetch_optional(&mut *c)
            .await
            .map_err(|e| locate(e, "quiz_schedules", Some(id)))?;
        Ok(r.map(Schedule::from))
    })
}

/// Move a schedule that is due at `now` on to its next run (after `now`); false when it is no
/// longer due because another process moved it first: the caller then leaves that run to it.
pub async fn advance_schedule(
    ex: impl Into<Exec<'_>>,
    id: i64,
    now: DateTime<Utc>,
    next_run_at: DateTime<Utc>,
    cycle: i64,
) -> sqlx::Result<bool> {
    on_db!(ex, |c| {
        let r = sqlx::query(
            "UPDATE quiz_schedules SET next_run_at = $1, cycle = $2 WHERE id = $3 AND next_run_at <= $4",
        )
        .bind(Ts::at(next_run_at))
        .bind(cycle)
        .bind(id)
        .bind(Ts::at(now))
        .execute(&mut *c)
        .await?;
        Ok(r.rows_affected() == 1)
    })
}

#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct Quiz {
    pub id: i64,
    pub schedule_id: Option<i64>,
    #[sqlx(rename = "guild_id")]
    pub guild: GuildId,
    #[sqlx(rename = "channel_id")]
    pub channel: ChannelId,
    pub question_id: String,
    pub module_id: String,
    pub path_id: String,
    #[sqlx(try_from = "Day")]
    pub quiz_date: NaiveDate,
    pub cycle: i64,
    #[sqlx(try_from = "Ts")]
    pub posted_at: DateTime<Utc>,
    #[sqlx(try_from = "Ts")]
    pub closes_at: DateTime<Utc>,
    /// Set once Discord accepted the post; `MessageId(0)` when the post was given up.
    pub message_id: Option<MessageId>,
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

pub struct NewQuiz<'a> {
    pub schedule_id: i64,
    pub guild: GuildId,
    pub channel: ChannelId,
    pub question_id: &'a str,
    pub module_id: &'a str,
    pub path_id: &'a str,
    pub quiz_date: NaiveDate,
    pub cycle: i64,
    pub posted_at: DateTime<Utc>,
    pub closes_at: DateTime<Utc>,
}

/// Create the quiz of a channel's day in state `posting`; `None` when that day already has one
/// (so a restart, or a second process, never posts twice).
pub async fn create_quiz(ex: impl Into<Exec<'_>>, q: NewQuiz<'_>) -> sqlx::Result<Option<i64>> {
    on_db!(ex, |c| {
        sqlx::query_scalar(
            "INSERT INTO quizzes (schedule_id, guild_id, channel_id, question_id, module_id, path_id,
                 quiz_date, cycle, posted_at, closes_at, status, shuffled)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'posting', TRUE)
             ON CONFLICT(channel_id, quiz_date) DO NOTHING RETURNING id",
        )
        .bind(q.schedule_id)
        .bind(q.guild)
        .bind(q.channel)
        .bind(q.question_id)
        .bind(q.module_id)
        .bind(q.path_id)
        .bind(Day(q.quiz_date))
        .bind(q.cycle)
        .bind(Ts::at(q.posted_at))
        .bind(Ts::at(q.closes_at))
        .fetch_optional(&mut *c)
        .await
    })
}

/// Question ids asked in `channel` during `cycle`.
pub async fn asked_in_cycle(
    ex: impl Into<Exec<'_>>,
    channel: ChannelId,
    cycle: i64,
) -> sqlx::Result<Vec<String>> {
    on_db!(ex, |c| {
        sqlx::query_scalar(
            "SELECT question_id FROM quizzes WHERE channel_id = $1 AND cycle = $2 ORDER BY id",
        )
        .bind(channel)
        .bind(cycle)
        .fetch_all(&mut *c)
        .await
    })
}

/// Close, at `at`, a channel's quiz that is still open with a later closing time (the next
/// daily question replaces it).
pub async fn shorten_open_quizzes(
    ex: impl Into<Exec<'_>>,
    channel: ChannelId,
    at: DateTime<Utc>,
) -> sqlx::Result<()> {
    on_db!(ex, |c| {
        sqlx::query("UPDATE quizzes SET closes_at = $1 WHERE channel_id = $2 AND status IN ('open', 'posting') AND closes_at > $1")
            .bind(Ts::at(at))
            .bind(channel)
            .execute(&mut *c)
            .await?;
        Ok(())
    })
}

pub async fn set_posted(
    ex: impl Into<Exec<'_>>,
    quiz_id: i64,
    message_id: MessageId,
) -> sqlx::Result<()> {
    on_db!(ex, |c| {
        sqlx::query("UPDATE quizzes SET message_id = $1, status = CASE WHEN status = 'posting' THEN 'open' ELSE status END WHERE id = $2")
            .bind(message_id)
            .bind(quiz_id)
            .execute(&mut *c)
            .await?;
        Ok(())
    })
}

pub async fn get_quiz(ex: impl Into<Exec<'_>>, id: i64) -> sqlx::Result<Option<Quiz>> {
    let q = concat!("SELECT ", quiz_cols!(), " FROM quizzes WHERE id = $1");
    on_db!(ex, |c| {
        sqlx::query_as(q)
            .bind(id)
            .fetch_optional(&mut *c)
            .await
            .map_err(|e| locate(e, "quizzes", Some(id)))
    })
}

/// Quizzes created but not yet accepted by Discord (the bot stopped in between).
pub async fn quizzes_to_post(ex: impl Into<Exec<'_>>) -> sqlx::Result<Vec<Quiz>> {
    let q = concat!(
        "SELECT ",
        quiz_cols!(),
        " FROM quizzes WHERE status = 'posting' ORDER BY id"
    );
    on_db!(ex, |c| {
        sqlx::query_as(q)
            .fetch_all(&mut *c)
            .await
            .map_err(|e| locate(e, "quizzes", None))
    })
}

/// Open quizzes whose window has ended.
pub async fn quizzes_to_close(
    ex: impl Into<Exec<'_>>,
    now: DateTime<Utc>,
) -> sqlx::Result<Vec<Quiz>> {
    let q = concat!(
        "SELECT ",
        quiz_cols!(),
        " FROM quizzes WHERE status = 'open' AND closes_at <= $1 ORDER BY closes_at, id"
    );
    on_db!(ex, |c| {
        sqlx::query_as(q)
            .bind(Ts::at(now))
            .fetch_all(&mut *c)
            .await
            .map_err(|e| locate(e, "quizzes", None))
    })
}

/// Closed quizzes whose message still shows the question.
pub async fn quizzes_to_reveal(ex: impl Into<Exec<'_>>) -> sqlx::Result<Vec<Quiz>> {
    let q = concat!(
        "SELECT ",
        quiz_cols!(),
        " FROM quizzes WHERE status = 'closed' AND revealed = FALSE AND message_id IS NOT NULL ORDER BY id"
    );
    on_db!(ex, |c| {
        sqlx::query_as(q)
            .fetch_all(&mut *c)
            .await
            .map_err(|e| locate(e, "quizzes", None))
    })
}

/// Move an open quiz to closed; false when it was not open (someone else closed it).
pub async fn close_quiz(ex: impl Into<Exec<'_>>, id: i64) -> sqlx::Result<bool> {
    on_db!(ex, |c| {
        let r = sqlx::query(
            "UPDATE quizzes SET status = 'closed',
                answer_count = (SELECT COUNT(*) FROM quiz_answers WHERE quiz_id = quizzes.id),
                correct_count = (SELECT COUNT(*) FROM quiz_answers WHERE quiz_id = quizzes.id AND correct = TRUE)
             WHERE id = $1 AND status = 'open'",
        )
        .bind(id)
        .execute(&mut *c)
        .await?;
        Ok(r.rows_affected() == 1)
    })
}

pub async fn mark_revealed(ex: impl Into<Exec<'_>>, id: i64) -> sqlx::Result<()> {
    on_db!(ex, |c| {
        sqlx::query("UPDATE quizzes SET revealed = TRUE WHERE id = $1")
            .bind(id)
            .execute(&mut *c)
            .await?;
        Ok(())
    })
}

/// (user, correct) of every answer to a quiz, in the order given.
pub async fn answers_of(
    ex: impl Into<Exec<'_>>,
    quiz_id: i64,
) -> sqlx::Result<Vec<(UserId, bool)>> {
    on_db!(ex, |c| {
        sqlx::query_as(
            "SELECT user_id, correct FROM quiz_answers WHERE quiz_id = $1 ORDER BY answered_at, user_id",
        )
        .bind(quiz_id)
        .fetch_all(&mut *c)
        .await
    })
}

pub async fn set_points(
    ex: impl Into<Exec<'_>>,
    quiz_id: i64,
    user: UserId,
    points: i64,
) -> sqlx::Result<()> {
    on_db!(ex, |c| {
        sqlx::query("UPDATE quiz_answers SET points = $1 WHERE quiz_id = $2 AND user_id = $3")
            .bind(points)
            .bind(quiz_id)
            .bind(user)
            .execute(&mut *c)
            .await?;
        Ok(())
    })
}

pub async fn get_streak(
    ex: impl Into<Exec<'_>>,
    guild: GuildId,
    user: UserId,
) -> sqlx::Result<Streak> {
    on_db!(ex, |c| {
        let r: Option<(i64, i64, Option<Day>)> = sqlx::query_as(
            "SELECT current, best, last_correct FROM member_streaks WHERE guild_id = $1 AND user_id = $2",
        )
        .bind(guild)
        .bind(user)
        .fetch_optional(&mut *c)
        .await
        .map_err(|e| locate(e, "member_streaks", None))?;
        Ok(r.map(|(current, best, last)| Streak {
            current,
            best,
            last_correct: last.map(|d| d.0),
        })
        .unwrap_or_default())
    })
}

pub async fn set_streak(
    ex: impl Into<Exec<'_>>,
    guild: GuildId,
    user: UserId,
    s: &Streak,
) -> sqlx::Result<()> {
    on_db!(ex, |c| {
        sqlx::query(
            "INSERT INTO member_streaks (guild_id, user_id, current, best, last_correct) VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT(guild_id, user_id) DO UPDATE SET current = excluded.current, best = excluded.best,
                 last_correct = excluded.last_correct",
        )
        .bind(guild)
        .bind(user)
        .bind(s.current)
        .bind(s.best)
        .bind(s.last_correct.map(Day))
        .execute(&mut *c)
        .await?;
        Ok(())
    })
}

/// One row of a leaderboard.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct Standing {
    #[sqlx(rename = "user_id")]
    pub user: UserId,
    pub points: i64,
    pub answered: i64,
    pub correct: i64,
}

/// Every member with an answer in a closed quiz since `since` (optionally of one path), best
/// first: points, then correct answers, then user id.
pub async fn standings(
    ex: impl Into<Exec<'_>>,
    guild: GuildId,
    since: DateTime<Utc>,
    path: Option<&str>,
) -> sqlx::Result<Vec<Standing>> {
    on_db!(ex, |c| {
        sqlx::query_as(
            "SELECT a.user_id, CAST(SUM(a.points) AS BIGINT) AS points, COUNT(*) AS answered,
                    CAST(SUM(CASE WHEN a.correct THEN 1 ELSE 0 END) AS BIGINT) AS correct
             FROM quiz_answers a JOIN quizzes q ON q.id = a.quiz_id
             WHERE a.guild_id = $1 AND q.status = 'closed' AND q.closes_at >= $2 AND ($3 IS NULL OR q.path_id = $3)
             GROUP BY a.user_id
             ORDER BY 2 DESC, 4 DESC, a.user_id ASC",
        )
        .bind(guild)
        .bind(Ts::at(since))
        .bind(path)
        .fetch_all(&mut *c)
        .await
    })
}

/// Per path: (path id, points, answered, correct) of one member's closed quizzes.
pub async fn member_paths(
    ex: impl Into<Exec<'_>>,
    guild: GuildId,
    user: UserId,
) -> sqlx::Result<Vec<(String, i64, i64, i64)>> {
    on_db!(ex, |c| {
        sqlx::query_as(
            "SELECT q.path_id, CAST(SUM(a.points) AS BIGINT), COUNT(*),
                    CAST(SUM(CASE WHEN a.correct THEN 1 ELSE 0 END) AS BIGINT)
             FROM quiz_answers a JOIN quizzes q ON q.id = a.quiz_id
             WHERE a.guild_id = $1 AND a.user_id = $2 AND q.status = 'closed'
             GROUP BY q.path_id ORDER BY q.path_id",
        )
        .bind(guild)
        .bind(user)
        .fetch_all(&mut *c)
        .await
    })
}

/// Per question of closed quizzes: (question id, module id, answered, correct).
pub async fn question_stats(
    ex: impl Into<Exec<'_>>,
    guild: GuildId,
) -> sqlx::Result<Vec<(String, String, i64, i64)>> {
    on_db!(ex, |c| {
        sqlx::query_as(
            "SELECT q.question_id, q.module_id, COUNT(a.user_id),
                    CAST(COALESCE(SUM(CASE WHEN a.correct THEN 1 ELSE 0 END), 0) AS BIGINT)
             FROM quizzes q LEFT JOIN quiz_answers a ON a.quiz_id = q.id
             WHERE q.guild_id = $1 AND q.status = 'closed'
             GROUP BY q.question_id, q.module_id
             ORDER BY q.question_id, q.module_id",
        )
        .bind(guild)
        .fetch_all(&mut *c)
        .await
    })
}

/// Wrong answers of closed quizzes per question: (question id, stored answer, how many).
pub async fn wrong_answers(
    ex: impl Into<Exec<'_>>,
    guild: GuildId,
) -> sqlx::Result<Vec<(String, String, i64)>> {
    on_db!(ex, |c| {
        sqlx::query_as(
            "SELECT q.question_id, a.answer, COUNT(*)
             FROM quizzes q JOIN quiz_answers a ON a.quiz_id = q.id
             WHERE q.guild_id = $1 AND q.status = 'closed' AND a.correct = FALSE
             GROUP BY q.question_id, a.answer
             ORDER BY q.question_id, a.answer",
        )
        .bind(guild)
        .fetch_all(&mut *c)
        .await
    })
}

/// One answer with its quiz, for exports.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ExportedAnswer {
    pub guild_id: GuildId,
    pub user_id: UserId,
    pub quiz_id: i64,
    pub channel_id: ChannelId,
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

#[derive(sqlx::FromRow)]
struct ExportRow {
    guild_id: GuildId,
    user_id: UserId,
    quiz_id: i64,
    channel_id: ChannelId,
    quiz_date: Day,
    question_id: String,
    module_id: String,
    path_id: String,
    answer: String,
    correct: bool,
    points: i64,
    answered_at: Ts,
}

pub async fn export_answers(
    ex: impl Into<Exec<'_>>,
    guild: Option<GuildId>,
) -> sqlx::Result<Vec<ExportedAnswer>> {
    let rows: Vec<ExportRow> = on_db!(ex, |c| {
        sqlx::query_as(
            "SELECT a.guild_id, a.user_id, q.id AS quiz_id, q.channel_id, q.quiz_date, q.question_id,
                    q.module_id, q.path_id, a.answer, a.correct, a.points, a.answered_at
             FROM quiz_answers a JOIN quizzes q ON q.id = a.quiz_id
             WHERE ($1 IS NULL OR a.guild_id = $1)
             ORDER BY a.guild_id, a.user_id, a.answered_at, q.id",
        )
        .bind(guild)
        .fetch_all(&mut *c)
        .await
        .map_err(|e| locate(e, "quiz_answers", None))?
    });
    Ok(rows
        .into_iter()
        .map(|r| ExportedAnswer {
            guild_id: r.guild_id,
            user_id: r.user_id,
            quiz_id: r.quiz_id,
            channel_id: r.channel_id,
            quiz_date: date(r.quiz_date.0),
            question_id: r.question_id,
            module_id: r.module_id,
            path_id: r.path_id,
            answer: r.answer,
            answer_text: String::new(),
            correct: r.correct,
            points: r.points,
            answered_at: ts(r.answered_at.0),
        })
        .collect())
}
