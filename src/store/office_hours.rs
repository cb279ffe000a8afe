//! office_hours, office_hours_subscriptions, office_hours_reminders.

use super::time::{locate, Day, Ts};
use super::{on_db, Exec};
use crate::ids::{ChannelId, GuildId, MessageId, UserId};
use crate::office_hours::Series;
use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};

/// A stored session with what the bot created for it on Discord.
#[derive(Debug, Clone, PartialEq)]
pub struct Stored {
    pub series: Series,
    pub event_id: Option<u64>,
    /// The UTC start the scheduled event was created for.
    pub event_start: Option<DateTime<Utc>>,
    pub announce_channel: Option<ChannelId>,
    pub announce_message: Option<MessageId>,
    /// When the session was created or last moved (reminders due before that are skipped).
    pub planned_at: Option<DateTime<Utc>>,
    /// Why the stored row cannot be used (unreadable start or timezone), if so.
    pub problem: Option<String>,
}

macro_rules! cols {
    () => {
        "id, guild_id, topic, host_id, start_local, timezone, duration_minutes, weekly, until_date, channel_id, status, event_id, event_start, announce_channel_id, announce_message_id, channel_stage, COALESCE(planned_at, created_at) AS planned_at"
    };
}

#[derive(sqlx::FromRow)]
struct Row {
    id: i64,
    guild_id: GuildId,
    topic: String,
    host_id: Option<UserId>,
    start_local: String,
    timezone: String,
    duration_minutes: i64,
    weekly: bool,
    until_date: Option<Day>,
    channel_id: Option<ChannelId>,
    status: String,
    event_id: Option<i64>,
    event_start: Option<Ts>,
    announce_channel_id: Option<ChannelId>,
    announce_message_id: Option<MessageId>,
    channel_stage: bool,
    planned_at: Option<Ts>,
}

impl From<Row> for Stored {
    fn from(r: Row) -> Self {
        let mut problems = Vec::new();
        let id = r.id;
        let tz = crate::quiz::schedule::parse_tz(&r.timezone).unwrap_or_else(|_| {
            problems.push(format!("session #{id}: unknown timezone `{}`", r.timezone));
            chrono_tz::UTC
        });
        let start_local = NaiveDateTime::parse_from_str(&r.start_local, "%Y-%m-%dT%H:%M")
            .unwrap_or_else(|_| {
                problems.push(format!(
                    "session #{id}: unreadable start `{}`",
                    r.start_local
                ));
                NaiveDateTime::default()
            });
        let series = Series {
            id,
            guild: r.guild_id,
            topic: r.topic,
            host: r.host_id,
            start_local,
            tz,
            duration_minutes: r.duration_minutes,
            weekly: r.weekly,
            until: r.until_date.map(|d| d.0),
            channel: r.channel_id,
            cancelled: r.status == "cancelled",
            channel_stage: r.channel_stage,
        };
        if problems.is_empty() {
            problems.extend(series.problem());
        }
        Stored {
            series,
            event_id: r.event_id.map(|e| e as u64),
            event_start: r.event_start.map(|t| t.0),
            announce_channel: r.announce_channel_id,
            announce_message: r.announce_message_id,
            planned_at: r.planned_at.map(|t| t.0),
            problem: (!problems.is_empty()).then(|| problems.join("; ")),
        }
    }
}

pub struct New<'a> {
    pub guild: GuildId,
    pub topic: &'a str,
    pub host: Option<UserId>,
    pub start_local: NaiveDateTime,
    pub timezone: &'a str,
    pub duration_minutes: i64,
    pub weekly: bool,
    pub until: Option<NaiveDate>,
    pub channel: Option<ChannelId>,
    pub channel_stage: bool,
    pub created_by: UserId,
    pub now: DateTime<Utc>,
}

pub async fn create(ex: impl Into<Exec<'_>>, n: New<'_>) -> sqlx::Result<i64> {
    on_db!(ex, |c| {
        sqlx::query_scalar(
            "INSERT INTO office_hours (guild_id, topic, host_id, start_local, timezone, duration_minutes, weekly,
                 until_date, channel_id, channel_stage, created_by, created_at, planned_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12) RETURNING id",
        )
        .bind(n.guild)
        .bind(n.topic)
        .bind(n.host)
        .bind(n.start_local.format("%Y-%m-%dT%H:%M").to_string())
        .bind(n.timezone)
        .bind(n.duration_minutes)
        .bind(n.weekly)
        .bind(n.until.map(Day))
        .bind(n.channel)
        .bind(n.channel_stage)
        .bind(n.created_by)
        .bind(Ts::at(n.now))
        .fetch_one(&mut *c)
        .await
    })
}

/// Replace the editable fields of a session.
pub async fn update(ex: impl Into<Exec<'_>>, s: &Series) -> sqlx::Result<()> {
    on_db!(ex, |c| {
        sqlx::query(
            "UPDATE office_hours SET topic = $1, host_id = $2, start_local = $3, timezone = $4, duration_minutes = $5,
                 weekly = $6, until_date = $7, channel_id = $8, channel_stage = $9 WHERE id = $10",
        )
        .bind(&s.topic)
        .bind(s.host)
        .bind(s.start_local.format("%Y-%m-%dT%H:%M").to_string())
        .bind(s.tz.name())
        .bind(s.duration_minutes)
        .bind(s.weekly)
        .bind(s.until.map(Day))
        .bind(s.channel)
        .bind(s.channel_stage)
        .bind(s.id)
        .execute(&mut *c)
        .await?;
        Ok(())
    })
}

pub async fn get(ex: impl Into<Exec<'_>>, guild: GuildId, id: i64) -> sqlx::Result<Option<Stored>> {
    let q = concat!(
        "SELECT ",
        cols!(),
        " FROM office_hours WHERE id = $1 AND guild_id = $2"
    );
    let r: Option<Row> = on_db!(ex, |c| {
        sqlx::query_as(q)
            .bind(id)
            .bind(guild)
            .fetch_optional(&mut *c)
            .await
            .map_err(|e| locate(e, "office_hours", Some(id)))?
    });
    Ok(r.map(Stored::from))
}

/// A session of any guild, by id (the job runner).
pub async fn get_any(ex: impl Into<Exec<'_>>, id: i64) -> sqlx::Result<Option<Stored>> {
    let q = concat!("SELECT ", cols!(), " FROM office_hours WHERE id = $1");
    let r: Option<Row> = on_db!(ex, |c| {
        sqlx::query_as(q)
            .bind(id)
            .fetch_optional(&mut *c)
            .await
            .map_err(|e| locate(e, "office_hours", Some(id)))?
    });
    Ok(r.map(Stored::from))
}

/// Ids of every active session (the job runner enqueues one row per session).
pub async fn active_ids(ex: impl Into<Exec<'_>>) -> sqlx::Result<Vec<i64>> {
    on_db!(ex, |c| {
        sqlx::query_scalar("SELECT id FROM office_hours WHERE status = 'active' ORDER BY id")
            .fetch_all(&mut *c)
            .await
    })
}

/// The session was moved: reminders whose time is already past are skipped.
pub async fn set_planned(ex: impl Into<Exec<'_>>, id: i64, now: DateTime<Utc>) -> sqlx::Result<()> {
    on_db!(ex, |c| {
        sqlx::query("UPDATE office_hours SET planned_at = $1 WHERE id = $2")
            .bind(Ts::at(now))
            .bind(id)
            .execute(&mut *c)
            .await?;
        Ok(())
    })
}

async fn list(ex: Exec<'_>, q: &'static str, guild: Option<GuildId>) -> sqlx::Result<Vec<Stored>> {
    let rows: Vec<Row> = on_db!(ex, |c| {
        sqlx::query_as(q)
            .bind(guild)
            .fetch_all(&mut *c)
            .await
            .map_err(|e| locate(e, "office_hours", None))?
    });
    Ok(rows.into_iter().map(Stored::from).collect())
}

/// Active sessions of a guild.
pub async fn active_of(ex: impl Into<Exec<'_>>, guild: GuildId) -> sqlx::Result<Vec<Stored>> {
    let q = concat!(
        "SELECT ",
        cols!(),
        " FROM office_hours WHERE guild_id = $1 AND status = 'active' ORDER BY id"
    );
    list(ex.into(), q, Some(guild)).await
}

/// Every active session (for the job runner).
pub async fn all_active(ex: impl Into<Exec<'_>>) -> sqlx::Result<Vec<Stored>> {
    let q = concat!(
        "SELECT ",
        cols!(),
        " FROM office_hours WHERE status = 'active' AND ($1 IS NULL OR guild_id = $1) ORDER BY id"
    );
    list(ex.into(), q, None).await
}

pub async fn cancel(ex: impl Into<Exec<'_>>, guild: GuildId, id: i64) -> sqlx::Result<bool> {
    on_db!(ex, |c| {
        let r = sqlx::query("UPDATE office_hours SET status = 'cancelled' WHERE id = $1 AND guild_id = $2 AND status = 'active'")
            .bind(id)
            .bind(guild)
            .execute(&mut *c)
            .await?;
        Ok(r.rows_affected() == 1)
    })
}

pub async fn set_event(
    ex: impl Into<Exec<'_>>,
    id: i64,
    event: Option<u64>,
    start: Option<DateTime<Utc>>,
) -> sqlx::Result<()> {
    on_db!(ex, |c| {
        sqlx::query("UPDATE office_hours SET event_id = $1, event_start = $2 WHERE id = $3")
            .bind(event.map(|e| e as i64))
            .bind(start.map(Ts::at))
            .bind(id)
            .execute(&mut *c)
            .await?;
        Ok(())
    })
}

pub async fn set_announcement(
    ex: impl Into<Exec<'_>>,
    id: i64,
    channel: ChannelId,
    message: MessageId,
) -> sqlx::Result<()> {
    on_db!(ex, |c| {
        sqlx::query(
            "UPDATE office_hours SET announce_channel_id = $1, announce_message_id = $2 WHERE id = $3",
        )
        .bind(channel)
        .bind(message)
        .bind(id)
        .execute(&mut *c)
        .await?;
        Ok(())
    })
}

/// The member's reminder lead (minutes) for a session, `None` when not subscribed.
pub async fn subscription(
    ex: impl Into<Exec<'_>>,
    id: i64,
    user: UserId,
) -> sqlx::Result<Option<i64>> {
    on_db!(ex, |c| {
        sqlx::query_scalar("SELECT lead_minutes FROM office_hours_subscriptions WHERE office_hours_id = $1 AND user_id = $2")
            .bind(id)
            .bind(user)
            .fetch_optional(&mut *c)
            .await
    })
}

pub async fn subscribe(
    ex: impl Into<Exec<'_>>,
    id: i64,
    user: UserId,
    lead: i64,
) -> sqlx::Result<()> {
    on_db!(ex, |c| {
        sqlx::query(
            "INSERT INTO office_hours_subscriptions (office_hours_id, user_id, lead_minutes) VALUES ($1, $2, $3)
             ON CONFLICT(office_hours_id, user_id) DO UPDATE SET lead_minutes = excluded.lead_minutes",
        )
        .bind(id)
        .bind(user)
        .bind(lead)
        .execute(&mut *c)
        .await?;
        Ok(())
    })
}

pub async fn unsubscribe(ex: impl Into<Exec<'_>>, id: i64, user: UserId) -> sqlx::Result<bool> {
    on_db!(ex, |c| {
        let r = sqlx::query(
            "DELETE FROM office_hours_subscriptions WHERE office_hours_id = $1 AND user_id = $2",
        )
        .bind(id)
        .bind(user)
        .execute(&mut *c)
        .await?;
        Ok(r.rows_affected() > 0)
    })
}

/// (user, lead minutes) of every member who asked to be reminded of a session.
pub async fn subscribers(ex: impl Into<Exec<'_>>, id: i64) -> sqlx::Result<Vec<(UserId, i64)>> {
    on_db!(ex, |c| {
        sqlx::query_as(
            "SELECT user_id, lead_minutes FROM office_hours_subscriptions WHERE office_hours_id = $1 ORDER BY user_id",
        )
        .bind(id)
        .fetch_all(&mut *c)
        .await
    })
}

/// Claim a reminder before sending it; `Some(id)` when this call claimed it, `None` when it
/// was already claimed or sent (so it is never sent twice, whichever process asks).
/// `user` 0 is the announcement channel.
pub async fn claim(
    ex: impl Into<Exec<'_>>,
    id: i64,
    occurrence: DateTime<Utc>,
    lead: i64,
    user: UserId,
    now: DateTime<Utc>,
) -> sqlx::Result<Option<i64>> {
    on_db!(ex, |c| {
        sqlx::query_scalar(
            "INSERT INTO office_hours_reminders (office_hours_id, occurrence, lead_minutes, user_id, state, claimed_at)
             VALUES ($1, $2, $3, $4, 'claimed', $5)
             ON CONFLICT(office_hours_id, occurrence, lead_minutes, user_id) DO NOTHING RETURNING id",
        )
        .bind(id)
        .bind(Ts::at(occurrence))
        .bind(lead)
        .bind(user)
        .bind(Ts::at(now))
        .fetch_optional(&mut *c)
        .await
    })
}

/// A reminder claimed but not confirmed sent.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct Unfinished {
    pub id: i64,
    #[sqlx(try_from = "Ts")]
    pub occurrence: DateTime<Utc>,
    #[sqlx(rename = "lead_minutes")]
    pub lead: i64,
    #[sqlx(rename = "user_id")]
    pub user: UserId,
}

/// Reminders of one session claimed but not confirmed sent (the bot stopped in between).
pub async fn unfinished_of(ex: impl Into<Exec<'_>>, id: i64) -> sqlx::Result<Vec<Unfinished>> {
    on_db!(ex, |c| {
        sqlx::query_as("SELECT id, occurrence, lead_minutes, user_id FROM office_hours_reminders WHERE office_hours_id = $1 AND state = 'claimed' ORDER BY id")
            .bind(id)
            .fetch_all(&mut *c)
            .await
            .map_err(|e| locate(e, "office_hours_reminders", None))
    })
}

pub async fn finish(ex: impl Into<Exec<'_>>, reminder: i64, sent: bool) -> sqlx::Result<()> {
    on_db!(ex, |c| {
        sqlx::query("UPDATE office_hours_reminders SET state = $1 WHERE id = $2")
            .bind(if sent { "sent" } else { "failed" })
            .bind(reminder)
            .execute(&mut *c)
            .await?;
        Ok(())
    })
}

/// The guild's reminder lead times (minutes), or the defaults.
pub async fn leads(ex: impl Into<Exec<'_>>, guild: GuildId) -> sqlx::Result<Vec<i64>> {
    let r: Option<Option<String>> = on_db!(ex, |c| {
        sqlx::query_scalar("SELECT reminder_leads FROM guild_settings WHERE guild_id = $1")
            .bind(guild)
            .fetch_optional(&mut *c)
            .await?
    });
    let parsed = r
        .flatten()
        .and_then(|s| crate::office_hours::parse_leads(&s).ok());
    Ok(parsed.unwrap_or_else(|| crate::office_hours::DEFAULT_LEADS.to_vec()))
}

pub async fn set_leads(
    ex: impl Into<Exec<'_>>,
    guild: GuildId,
    leads: &[i64],
    now: DateTime<Utc>,
) -> sqlx::Result<()> {
    let text = leads
        .iter()
        .map(|l| l.to_string())
        .collect::<Vec<_>>()
        .join(",");
    on_db!(ex, |c| {
        sqlx::query(
            "INSERT INTO guild_settings (guild_id, reminder_leads, updated_at) VALUES ($1, $2, $3)
             ON CONFLICT(guild_id) DO UPDATE SET reminder_leads = excluded.reminder_leads, updated_at = excluded.updated_at",
        )
        .bind(guild)
        .bind(&text)
        .bind(Ts::at(now))
        .execute(&mut *c)
        .await?;
        Ok(())
    })
}
