//! guild_settings and cert_roles.

use super::{from_db, to_db};
use chrono::{DateTime, Utc};
use sqlx::{Executor, Row, Sqlite};
use std::collections::BTreeMap;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GuildSettings {
    pub announce_channel: Option<u64>,
    pub moderator_role: Option<u64>,
    /// certification id → role id
    pub cert_roles: BTreeMap<String, u64>,
}

/// The settings of `guild`; defaults (nothing set) for a guild never configured.
pub async fn get(pool: &sqlx::SqlitePool, guild: u64) -> sqlx::Result<GuildSettings> {
    let mut s = GuildSettings::default();
    if let Some(r) = sqlx::query(
        "SELECT announce_channel_id, moderator_role_id FROM guild_settings WHERE guild_id = ?",
    )
    .bind(to_db(guild))
    .fetch_optional(pool)
    .await?
    {
        s.announce_channel = r.get::<Option<i64>, _>(0).map(from_db);
        s.moderator_role = r.get::<Option<i64>, _>(1).map(from_db);
    }
    for r in sqlx::query("SELECT certification, role_id FROM cert_roles WHERE guild_id = ?")
        .bind(to_db(guild))
        .fetch_all(pool)
        .await?
    {
        s.cert_roles.insert(r.get(0), from_db(r.get(1)));
    }
    Ok(s)
}

pub async fn set_announce_channel<'e, E: Executor<'e, Database = Sqlite>>(
    ex: E,
    guild: u64,
    channel: Option<u64>,
    now: DateTime<Utc>,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO guild_settings (guild_id, announce_channel_id, updated_at) VALUES (?, ?, ?)
         ON CONFLICT(guild_id) DO UPDATE SET announce_channel_id = excluded.announce_channel_id,
         updated_at = excluded.updated_at",
    )
    .bind(to_db(guild))
    .bind(channel.map(to_db))
    .bind(now)
    .execute(ex)
    .await?;
    Ok(())
}

pub async fn set_moderator_role<'e, E: Executor<'e, Database = Sqlite>>(
    ex: E,
    guild: u64,
    role: Option<u64>,
    now: DateTime<Utc>,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO guild_settings (guild_id, moderator_role_id, updated_at) VALUES (?, ?, ?)
         ON CONFLICT(guild_id) DO UPDATE SET moderator_role_id = excluded.moderator_role_id,
         updated_at = excluded.updated_at",
    )
    .bind(to_db(guild))
    .bind(role.map(to_db))
    .bind(now)
    .execute(ex)
    .await?;
    Ok(())
}

pub async fn set_cert_role<'e, E: Executor<'e, Database = Sqlite>>(
    ex: E,
    guild: u64,
    certification: &str,
    role: u64,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO cert_roles (guild_id, certification, role_id) VALUES (?, ?, ?)
         ON CONFLICT(guild_id, certification) DO UPDATE SET role_id = excluded.role_id",
    )
    .bind(to_db(guild))
    .bind(certification)
    .bind(to_db(role))
    .execute(ex)
    .await?;
    Ok(())
}

/// Set the certification options given (others unchanged).
pub async fn set_certification_options(
    pool: &sqlx::SqlitePool,
    guild: u64,
    exam_cooldown_minutes: Option<i64>,
    remove_previous_role: Option<bool>,
    now: DateTime<Utc>,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO guild_settings (guild_id, exam_cooldown_minutes, remove_previous_role, updated_at)
         VALUES (?1, ?2, COALESCE(?3, 0), ?4)
         ON CONFLICT(guild_id) DO UPDATE SET
             exam_cooldown_minutes = COALESCE(?2, exam_cooldown_minutes),
             remove_previous_role = COALESCE(?3, remove_previous_role),
             updated_at = excluded.updated_at",
    )
    .bind(to_db(guild))
    .bind(exam_cooldown_minutes)
    .bind(remove_previous_role.map(|b| b as i64))
    .bind(now)
    .execute(pool)
    .await?;
    Ok(())
}
