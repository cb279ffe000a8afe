//! The staff command groups. Discord applies `default_member_permissions` only to top-level
//! commands (a subcommand inherits its parent's), so every staff action lives under a
//! top-level group of its own, hidden from members by default, while the member commands of
//! the same family stay in their own group. Hiding is only the default a server can change
//! (Server Settings → Integrations), so each subcommand still checks the invoker on the server
//! ([`crate::discord::checks`]): the permission below, or the server's moderator role.

use crate::discord::{Context, Error};

/// Daily quizzes: schedule, unschedule, statistics (Manage Server or the moderator role).
#[poise::command(
    slash_command,
    guild_only,
    rename = "quiz-admin",
    default_member_permissions = "MANAGE_GUILD",
    subcommands(
        "super::quiz::schedule",
        "super::quiz::unschedule",
        "super::quiz::stats"
    ),
    subcommand_required
)]
pub async fn quiz_admin(_ctx: Context<'_>) -> Result<(), Error> {
    Ok(())
}

/// Office hours: schedule, edit, cancel (Manage Events or the moderator role).
#[poise::command(
    slash_command,
    guild_only,
    rename = "officehours-admin",
    default_member_permissions = "MANAGE_EVENTS",
    subcommands(
        "super::office_hours::schedule",
        "super::office_hours::edit",
        "super::office_hours::cancel"
    ),
    subcommand_required
)]
pub async fn officehours_admin(_ctx: Context<'_>) -> Result<(), Error> {
    Ok(())
}

/// Capstone reviews: queue, approve, reject (Manage Server or the moderator role).
#[poise::command(
    slash_command,
    guild_only,
    rename = "capstone-admin",
    default_member_permissions = "MANAGE_GUILD",
    subcommands(
        "super::certification::queue",
        "super::certification::approve",
        "super::certification::reject"
    ),
    subcommand_required
)]
pub async fn capstone_admin(_ctx: Context<'_>) -> Result<(), Error> {
    Ok(())
}

/// Certificates: revoke (Manage Server or the moderator role).
#[poise::command(
    slash_command,
    guild_only,
    rename = "certs-admin",
    default_member_permissions = "MANAGE_GUILD",
    subcommands("super::certification::revoke"),
    subcommand_required
)]
pub async fn certs_admin(_ctx: Context<'_>) -> Result<(), Error> {
    Ok(())
}
