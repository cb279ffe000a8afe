//! guild_settings and cert_roles.

use super::time::Ts;
use super::{on_db, Exec};
use crate::ids::{ChannelId, GuildId, RoleId};
use chrono::{DateTime, Utc};
use std::collections::BTreeMap;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GuildSettings {
    pub announce_channel: Option<ChannelId>,
    pub moderator_role: Option<RoleId>,
    /// certification id → role id
    pub cert_roles: BTreeMap<String, RoleId>,
}

/// The settings of `guild`; defaults (nothing set) for a guild never configured.
pub async fn get(ex: impl Into<Exec<'_>>, guild: GuildId) -> sqlx::Result<GuildSettings> {
    on_db!(ex, |c| {
        let mut s = GuildSettings::default();
        if let Some((channel, role)) = sqlx::query_as::<_, (Option<ChannelId>, Option<RoleId>)>(
            "SELECT announce_channel_id, moderator_role_id FROM guild_settings WHERE guild_id = $1",
        )
        .bind(guild)
        .fetch_optional(&mut *c)
        .await?
        {
            s.announce_channel = channel;
            s.moderator_role = role;
        }
        s.cert_roles = sqlx::query_as::<_, (String, RoleId)>(
            "SELECT certification, role_id FROM cert_roles WHERE guild_id = $1",
        )
        .bind(guild)
        .fetch_all(&mut *c)
        .await?
        .into_iter()
        .collect();
        Ok(s)
    })
}

pub async fn set_announce_channel(
    ex: impl Into<Exec<'_>>,
    guild: GuildId,
    channel: Option<ChannelId>,
    now: DateTime<Utc>,
) -> sqlx::Result<()> {
    on_db!(ex, |c| {
        sqlx::query(
            "INSERT INTO guild_settings (guild_id, announce_channel_id, updated_at) VALUES ($1, $2, $3)
             ON CONFLICT(guild_id) DO UPDATE SET announce_channel_id = excluded.announce_channel_id,
             updated_at = excluded.updated_at",
        )
        .bind(guild)
        .bind(channel)
        .bind(Ts::at(now))
        .execute(&mut *c)
        .await?;
        Ok(())
    })
}

pub async fn set_moderator_role(
    ex: impl Into<Exec<'_>>,
    guild: GuildId,
    role: Option<RoleId>,
    now: DateTime<Utc>,
) -> sqlx::Result<()> {
    on_db!(ex, |c| {
        sqlx::query(
            "INSERT INTO guild_settings (guild_id, moderator_role_id, updated_at) VALUES ($1, $2, $3)
             ON CONFLICT(guild_id) DO UPDATE SET moderator_role_id = excluded.moderator_role_id,
             updated_at = excluded.updated_at",
        )
        .bind(guild)
        .bind(role)
        .bind(Ts::at(now))
        .execute(&mut *c)
        .await?;
        Ok(())
    })
}

pub async fn set_cert_role(
    ex: impl Into<Exec<'_>>,
    guild: GuildId,
    certification: &str,
    role: RoleId,
) -> sqlx::Result<()> {
    on_db!(ex, |c| {
        sqlx::query(
            "INSERT INTO cert_roles (guild_id, certification, role_id) VALUES ($1, $2, $3)
             ON CONFLICT(guild_id, certification) DO UPDATE SET role_id = excluded.role_id",
        )
        .bind(guild)
        .bind(certification)
        .bind(role)
        .execute(&mut *c)
        .await?;
        Ok(())
    })
}

/// Set the certification options given (others unchanged).
pub async fn set_certification_options(
    ex: impl Into<Exec<'_>>,
    guild: GuildId,
    exam_cooldown_minutes: Option<i64>,
    remove_previous_role: Option<bool>,
    now: DateTime<Utc>,
) -> sqlx::Result<()> {
    on_db!(ex, |c| {
        sqlx::query(
            "INSERT INTO guild_settings (guild_id, exam_cooldown_minutes, remove_previous_role, updated_at)
             VALUES ($1, $2, COALESCE($3, FALSE), $4)
             ON CONFLICT(guild_id) DO UPDATE SET
                 exam_cooldown_minutes = COALESCE($2, guild_settings.exam_cooldown_minutes),
                 remove_previous_role = COALESCE($3, guild_settings.remove_previous_role),
                 updated_at = excluded.updated_at",
        )
        .bind(guild)
        .bind(exam_cooldown_minutes)
        .bind(remove_previous_role)
        .bind(Ts::at(now))
        .execute(&mut *c)
        .await?;
        Ok(())
    })
}
