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

/// Operations: reload the course content (Manage Server or the moderator role).
#[poise::command(
    slash_command,
    guild_only,
    rename = "admin",
    default_member_permissions = "MANAGE_GUILD",
    subcommands("reload"),
    subcommand_required
)]
pub async fn admin(_ctx: Context<'_>) -> Result<(), Error> {
    Ok(())
}

/// Load the course files again; broken files are reported and the last good version kept.
///
/// Valid content and its new search index are served at once; otherwise every problem is
/// listed (path:line) and nothing changes.
#[poise::command(slash_command, guild_only)]
pub async fn reload(ctx: Context<'_>) -> Result<(), Error> {
    let app = ctx.data().app();
    crate::discord::checks::Actor::from_ctx(&ctx)
        .require_moderator(
            &app,
            poise::serenity_prelude::Permissions::MANAGE_GUILD,
            "Manage Server",
        )
        .await?;
    // Building the index may take longer than Discord's 3 s to answer.
    ctx.defer_ephemeral().await?;
    tracing::info!(
        user = ctx.author().id.get(),
        guild = ctx.guild_id().map(|g| g.get()).unwrap_or(0),
        "content reload asked on Discord"
    );
    let outcome = crate::ops::reload::reload(&app).await;
    crate::discord::ephemeral(ctx, reload_message(&outcome)).await
}

/// The moderator's view of a reload: within Discord's 2,000 characters, saying how many
/// problems were left out when they do not all fit (the log has them all).
pub fn reload_message(outcome: &crate::ops::reload::Outcome) -> String {
    const LIMIT: usize = 2000;
    let text = outcome.describe();
    if text.chars().count() <= LIMIT {
        return text;
    }
    let lines: Vec<&str> = text.lines().collect();
    let mut out = String::new();
    for (i, line) in lines.iter().enumerate() {
        let rest = lines.len() - i;
        let tail = format!("… and {rest} more line(s): see the bot's log.");
        let line = crate::discord::render::truncate(line, LIMIT - tail.len() - 1);
        if out.chars().count() + line.chars().count() + 1 + tail.chars().count() > LIMIT {
            out.push_str(&tail);
            return out;
        }
        out.push_str(&line);
        out.push('\n');
    }
    out
}
