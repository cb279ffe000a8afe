//! office_hours, office_hours_subscriptions, office_hours_reminders.

use super::time::{parse_date, ts};
use super::{from_db, to_db};
use crate::office_hours::Series;
use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use sqlx::sqlite::SqliteRow;
use sqlx::{Row, SqlitePool};

/// A stored session with what the bot created for it on Discord.
#[derive(Debug, Clone, PartialEq)]
pub struct Stored {
    pub series: Series,
    pub event_id: Option<u64>,
    pub event_start: Option<String>,
    pub announce_channel: Option<u64>,
    pub announce_message: Option<u64>,
    /// When the session was created or last moved (reminders due before that are skipped).
    pub planned_at: Option<DateTime<Utc>>,
    /// Why the stored row cannot be used (unreadable start or timezone), if so.
    pub problem: Option<String>,
}

macro_rules! cols {
    () => {
        "id, guild_id, topic, host_id, start_local, timezone, duration_minutes, weekly, until_date, channel_id, status, event_id, event_start, announce_channel_id, announce_message_id, channel_stage, COALESCE(planned_at, created_at)"
    };
}

fn row(r: &SqliteRow) -> Stored {
    let mut problems = Vec::new();
    let id: i64 = r.get(0);
    let tz_text = r.get::<String, _>(5);
    let tz = crate::quiz::schedule::parse_tz(&tz_text).unwrap_or_else(|_| {
        problems.push(format!("session #{id}: unknown timezone `{tz_text}`"));
        chrono_tz::UTC
    });
    let start_text = r.get::<String, _>(4);
    let start_local =
        NaiveDateTime::parse_from_str(&start_text, "%Y-%m-%dT%H:%M").unwrap_or_else(|_| {
            problems.push(format!("session #{id}: unreadable start `{start_text}`"));
            NaiveDateTime::default()
        });
    let series = Series {
        id,
        guild: from_db(r.get(1)),
        topic: r.get(2),
        host: r.get::<Option<i64>, _>(3).map(from_db),
        start_local,
        tz,
        duration_minutes: r.get(6),
        weekly: r.get::<i64, _>(7) != 0,
        until: r.get::<Option<String>, _>(8).and_then(|s| parse_date(&s)),
        channel: r.get::<Option<i64>, _>(9).map(from_db),
        cancelled: r.get::<String, _>(10) == "cancelled",
        channel_stage: r.get::<i64, _>(15) != 0,
    };
    if problems.is_empty() {
        problems.extend(series.problem());
    }
    Stored {
        series,
        event_id: r.get::<Option<i64>, _>(11).map(from_db),
        event_start: r.get(12),
        announce_channel: r.get::<Option<i64>, _>(13).map(from_db),
        announce_message: r.get::<Option<i64>, _>(14).map(from_db),
        planned_at: r
            .get::<Option<String>, _>(16)
            .and_then(|t| DateTime::parse_from_rfc3339(&t).ok())
            .map(|t| t.with_timezone(&Utc)),
        problem: (!problems.is_empty()).then(|| problems.join("; ")),
    }
}

pub struct New<'a> {
    pub guild: u64,
    pub topic: &'a str,
    pub host: Option<u64>,
    pub start_local: NaiveDateTime,
    pub timezone: &'a str,
    pub duration_minutes: i64,
    pub weekly: bool,
    pub until: Option<NaiveDate>,
    pub channel: Option<u64>,
    pub channel_stage: bool,
    pub created_by: u64,
    pub now: DateTime<Utc>,
}

pub async fn create(pool: &SqlitePool, n: New<'_>) -> sqlx::Result<i64> {
    let r = sqlx::query(
        "INSERT INTO office_hours (guild_id, topic, host_id, start_local, timezone, duration_minutes, weekly,
             until_date, channel_id, channel_stage, created_by, created_at, planned_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
    )
    .bind(to_db(n.guild))
    .bind(n.topic)
    .bind(n.host.map(to_db))
    .bind(n.start_local.format("%Y-%m-%dT%H:%M").to_string())
    .bind(n.timezone)
    .bind(n.duration_minutes)
    .bind(n.weekly as i64)
    .bind(n.until.map(super::time::date))
    .bind(n.channel.map(to_db))
    .bind(n.channel_stage as i64)
    .bind(to_db(n.created_by))
    .bind(ts(n.now))
    .bind(ts(n.now))
    .fetch_one(pool)
    .await?;
    Ok(r.get(0))
}

/// Replace the editable fields of a session.
pub async fn update(pool: &SqlitePool, s: &Series) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE office_hours SET topic = ?, host_id = ?, start_local = ?, timezone = ?, duration_minutes = ?,
             weekly = ?, until_date = ?, channel_id = ?, channel_stage = ? WHERE id = ?",
    )
    .bind(&s.topic)
    .bind(s.host.map(to_db))
    .bind(s.start_local.format("%Y-%m-%dT%H:%M").to_string())
    .bind(s.tz.name())
    .bind(s.duration_minutes)
    .bind(s.weekly as i64)
    .bind(s.until.map(super::time::date))
    .bind(s.channel.map(to_db))
    .bind(s.channel_stage as i64)
    .bind(s.id)
    .execute(pool)
    .await?;
    Ok(())
}

pub async fn get(pool: &SqlitePool, guild: u64, id: i64) -> sqlx::Result<Option<Stored>> {
    let r = sqlx::query(concat!(
        "SELECT ",
        cols!(),
        " FROM office_hours WHERE id = ? AND guild_id = ?"
    ))
    .bind(id)
    .bind(to_db(guild))
    .fetch_optional(pool)
    .await?;
    Ok(r.as_ref().map(row))
}

/// A session of any guild, by id (the job runner).
pub async fn get_any(pool: &SqlitePool, id: i64) -> sqlx::Result<Option<Stored>> {
    let r = sqlx::query(concat!(
        "SELECT ",
        cols!(),
        " FROM office_hours WHERE id = ?"
    ))
    .bind(id)
    .fetch_optional(pool)
    .await?;
    Ok(r.as_ref().map(row))
}

/// Ids of every active session (the job runner enqueues one row per session).
pub async fn active_ids(pool: &SqlitePool) -> sqlx::Result<Vec<i64>> {
    let rows = sqlx::query("SELECT id FROM office_hours WHERE status = 'active' ORDER BY id")
        .fetch_all(pool)
        .await?;
    Ok(rows.iter().map(|r| r.get(0)).collect())
}

/// The session was moved: reminders whose time is already past are skipped.
pub async fn set_planned(pool: &SqlitePool, id: i64, now: DateTime<Utc>) -> sqlx::Result<()> {
    sqlx::query("UPDATE office_hours SET planned_at = ? WHERE id = ?")
        .bind(ts(now))
        .bind(id)
        .execute(pool)
        .await?;
    Ok(())
}

/// Active sessions of a guild.
pub async fn active_of(pool: &SqlitePool, guild: u64) -> sqlx::Result<Vec<Stored>> {
    let rows = sqlx::query(concat!(
        "SELECT ",
        cols!(),
        " FROM office_hours WHERE guild_id = ? AND status = 'active' ORDER BY id"
    ))
    .bind(to_db(guild))
    .fetch_all(pool)
    .await?;
    Ok(rows.iter().map(row).collect())
}

/// Every active session (for the job runner).
pub async fn all_active(pool: &SqlitePool) -> sqlx::Result<Vec<Stored>> {
    let rows = sqlx::query(concat!(
        "SELECT ",
        cols!(),
        " FROM office_hours WHERE status = 'active' ORDER BY id"
    ))
    .fetch_all(pool)
    .await?;
    Ok(rows.iter().map(row).collect())
}

pub async fn cancel(pool: &SqlitePool, guild: u64, id: i64) -> sqlx::Result<bool> {
    let r = sqlx::query("UPDATE office_hours SET status = 'cancelled' WHERE id = ? AND guild_id = ? AND status = 'active'")
        .bind(id)
        .bind(to_db(guild))
        .execute(pool)
        .await?;
    Ok(r.rows_affected() == 1)
}

pub async fn set_event(
    pool: &SqlitePool,
    id: i64,
    event: Option<u64>,
    start: Option<DateTime<Utc>>,
) -> sqlx::Result<()> {
    sqlx::query("UPDATE office_hours SET event_id = ?, event_start = ? WHERE id = ?")
        .bind(event.map(to_db))
        .bind(start.map(ts))
        .bind(id)
        .execute(pool)
        .await?;
    Ok(())
}

pub async fn set_announcement(
    pool: &SqlitePool,
    id: i64,
    channel: u64,
    message: u64,
) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE office_hours SET announce_channel_id = ?, announce_message_id = ? WHERE id = ?",
    )
    .bind(to_db(channel))
    .bind(to_db(message))
    .bind(id)
    .execute(pool)
    .await?;
    Ok(())
}

/// Toggle a member's reminder: subscribe with `lead` minutes, or `None` to stop. Returns whether
/// they were subscribed before.
pub async fn subscription(pool: &SqlitePool, id: i64, user: u64) -> sqlx::Result<Option<i64>> {
    let r = sqlx::query("SELECT lead_minutes FROM office_hours_subscriptions WHERE office_hours_id = ? AND user_id = ?")
        .bind(id)
        .bind(to_db(user))
        .fetch_optional(pool)
        .await?;
    Ok(r.map(|r| r.get(0)))
}

pub async fn subscribe(pool: &SqlitePool, id: i64, user: u64, lead: i64) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO office_hours_subscriptions (office_hours_id, user_id, lead_minutes) VALUES (?, ?, ?)
         ON CONFLICT(office_hours_id, user_id) DO UPDATE SET lead_minutes = excluded.lead_minutes",
    )
    .bind(id)
    .bind(to_db(user))
    .bind(lead)
    .execute(pool)
    .await?;
    Ok(())
}

pub async fn unsubscribe(pool: &SqlitePool, id: i64, user: u64) -> sqlx::Result<bool> {
    let r = sqlx::query(
        "DELETE FROM office_hours_subscriptions WHERE office_hours_id = ? AND user_id = ?",
    )
    .bind(id)
    .bind(to_db(user))
    .execute(pool)
    .await?;
    Ok(r.rows_affected() > 0)
}

/// (user, lead minutes) of every member who asked to be reminded of a session.
pub async fn subscribers(pool: &SqlitePool, id: i64) -> sqlx::Result<Vec<(u64, i64)>> {
    let rows = sqlx::query(
        "SELECT user_id, lead_minutes FROM office_hours_subscriptions WHERE office_hours_id = ?",
    )
    .bind(id)
    .fetch_all(pool)
    .await?;
    Ok(rows.iter().map(|r| (from_db(r.get(0)), r.get(1))).collect())
}

/// Claim a reminder before sending it; `Some(id)` when this call claimed it, `None` when it
/// was already claimed or sent (so it is never sent twice).
pub async fn claim(
    pool: &SqlitePool,
    id: i64,
    occurrence: DateTime<Utc>,
    lead: i64,
    user: u64,
    now: DateTime<Utc>,
) -> sqlx::Result<Option<i64>> {
    let r = sqlx::query(
        "INSERT INTO office_hours_reminders (office_hours_id, occurrence, lead_minutes, user_id, state, claimed_at)
         VALUES (?, ?, ?, ?, 'claimed', ?)
         ON CONFLICT(office_hours_id, occurrence, lead_minutes, user_id) DO NOTHING RETURNING id",
    )
    .bind(id)
    .bind(ts(occurrence))
    .bind(lead)
    .bind(to_db(user))
    .bind(ts(now))
    .fetch_optional(pool)
    .await?;
    Ok(r.map(|r| r.get(0)))
}

/// Reminders of one session claimed but not confirmed sent (the bot stopped in between):
/// (row id, occurrence, lead, user).
pub async fn unfinished_of(
    pool: &SqlitePool,
    id: i64,
) -> sqlx::Result<Vec<(i64, String, i64, u64)>> {
    let rows = sqlx::query("SELECT id, occurrence, lead_minutes, user_id FROM office_hours_reminders WHERE office_hours_id = ? AND state = 'claimed'")
        .bind(id)
        .fetch_all(pool)
        .await?;
    Ok(rows
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2), from_db(r.get(3))))
        .collect())
}

pub async fn finish(pool: &SqlitePool, reminder: i64, sent: bool) -> sqlx::Result<()> {
    sqlx::query("UPDATE office_hours_reminders SET state = ? WHERE id = ?")
        .bind(if sent { "sent" } else { "failed" })
        .bind(reminder)
        .execute(pool)
        .await?;
    Ok(())
}

/// The guild's reminder lead times (minutes), or the defaults.
pub async fn leads(pool: &SqlitePool, guild: u64) -> sqlx::Result<Vec<i64>> {
    let r = sqlx::query("SELECT reminder_leads FROM guild_settings WHERE guild_id = ?")
        .bind(to_db(guild))
        .fetch_optional(pool)
        .await?;
    let parsed = r
        .and_then(|r| r.get::<Option<String>, _>(0))
        .and_then(|s| crate::office_hours::parse_leads(&s).ok());
    Ok(parsed.unwrap_or_else(|| crate::office_hours::DEFAULT_LEADS.to_vec()))
}

pub async fn set_leads(
    pool: &SqlitePool,
    guild: u64,
    leads: &[i64],
    now: DateTime<Utc>,
) -> sqlx::Result<()> {
    let text = leads
        .iter()
        .map(|l| l.to_string())
        .collect::<Vec<_>>()
        .join(",");
    sqlx::query(
        "INSERT INTO guild_settings (guild_id, reminder_leads, updated_at) VALUES (?, ?, ?)
         ON CONFLICT(guild_id) DO UPDATE SET reminder_leads = excluded.reminder_leads, updated_at = excluded.updated_at",
    )
    .bind(to_db(guild))
    .bind(text)
    .bind(now)
    .execute(pool)
    .await?;
    Ok(())
}
