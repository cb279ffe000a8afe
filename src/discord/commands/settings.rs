//! `/settings`: per-guild announcement channel, moderator role and certificate roles
//! (Manage Server).

use crate::discord::checks::{self, Actor};
use crate::discord::ephemeral as reply;
use crate::discord::{Context, Error};
use crate::error::UserError;
use crate::store::settings as db;
use poise::serenity_prelude as serenity;
use serenity::Permissions;

const PERM: Permissions = Permissions::MANAGE_GUILD;
const PERM_NAME: &str = "Manage Server";

/// Server settings for the course bot.
#[poise::command(
    slash_command,
    guild_only,
    default_member_permissions = "MANAGE_GUILD",
    subcommands(
        "show",
        "announcements",
        "moderator_role",
        "cert_role",
        "reminders",
        "certification"
    ),
    subcommand_required
)]
pub async fn settings(_ctx: Context<'_>) -> Result<(), Error> {
    Ok(())
}

/// Show this server's settings.
#[poise::command(slash_command, guild_only, default_member_permissions = "MANAGE_GUILD")]
pub async fn show(ctx: Context<'_>) -> Result<(), Error> {
    let g = Actor::from_ctx(&ctx).require(PERM, PERM_NAME)?;
    let app = &ctx.data().app();
    let s = db::get(&app.db, g).await?;
    let mut text = String::from("**Course bot settings**\n");
    text.push_str(&format!(
        "Announcement channel: {}\n",
        s.announce_channel
            .map(|c| format!("<#{c}>"))
            .unwrap_or("not set".into())
    ));
    text.push_str(&format!(
        "Moderator role: {}\n",
        s.moderator_role
            .map(|r| format!("<@&{r}>"))
            .unwrap_or("not set".into())
    ));
    for c in &app.course.certifications {
        text.push_str(&format!(
            "Role for {}: {}\n",
            c.title,
            s.cert_roles
                .get(&c.id)
                .map(|r| format!("<@&{r}>"))
                .unwrap_or("not set".into())
        ));
    }
    reply(ctx, text).await
}

/// Set the channel where the bot announces office hours and certifications.
#[poise::command(slash_command, guild_only, default_member_permissions = "MANAGE_GUILD")]
pub async fn announcements(
    ctx: Context<'_>,
    #[description = "Announcement channel"]
    #[channel_types("Text", "News")]
    channel: serenity::ChannelId,
) -> Result<(), Error> {
    let g = Actor::from_ctx(&ctx).require(PERM, PERM_NAME)?;
    let app = &ctx.data().app();
    db::set_announce_channel(&app.db, g, Some(channel.get()), app.clock.now()).await?;
    reply(
        ctx,
        format!("Announcements will go to <#{}>.", channel.get()),
    )
    .await
}

/// Set the role whose members may use moderator commands (quizzes, office hours, capstones).
#[poise::command(slash_command, guild_only, default_member_permissions = "MANAGE_GUILD")]
pub async fn moderator_role(
    ctx: Context<'_>,
    #[description = "Moderator role"] role: serenity::RoleId,
) -> Result<(), Error> {
    let g = Actor::from_ctx(&ctx).require(PERM, PERM_NAME)?;
    let app = &ctx.data().app();
    db::set_moderator_role(&app.db, g, Some(role.get()), app.clock.now()).await?;
    reply(ctx, format!("Moderator role set to <@&{}>.", role.get())).await
}

async fn autocomplete_cert(
    ctx: Context<'_>,
    partial: &str,
) -> serenity::CreateAutocompleteResponse {
    let p = partial.to_lowercase();
    let choices = ctx
        .data()
        .app()
        .course
        .certifications
        .iter()
        .filter(|c| c.id.contains(&p) || c.title.to_lowercase().contains(&p))
        .map(|c| serenity::AutocompleteChoice::new(c.title.clone(), c.id.clone()))
        .collect();
    serenity::CreateAutocompleteResponse::new().set_choices(choices)
}

/// Set the role given to members who earn a certificate.
///
/// Refused (so that this command cannot hand out power): @everyone, roles managed by an
/// integration, roles with elevated permissions ([`checks::ELEVATED`]), and roles at or above
/// the invoker's highest role unless the invoker owns the server.
#[poise::command(slash_command, guild_only, default_member_permissions = "MANAGE_GUILD")]
pub async fn cert_role(
    ctx: Context<'_>,
    #[description = "Certificate (foundation, professional, expert, architect)"]
    #[autocomplete = "autocomplete_cert"]
    certification: String,
    #[description = "Role to give"] role: serenity::Role,
) -> Result<(), Error> {
    let actor = Actor::from_ctx(&ctx);
    let g = actor.require(PERM, PERM_NAME)?;
    let app = &ctx.data().app();
    let cert = app
        .course
        .certifications
        .iter()
        .find(|c| {
            c.id.eq_ignore_ascii_case(certification.trim())
                || c.title.eq_ignore_ascii_case(certification.trim())
        })
        .ok_or_else(|| UserError::UnknownCertification(certification.clone()))?;
    // What the role itself carries is refused for everyone, the owner too (no request needed).
    if let Some(why) = checks::cert_role_refusal(&role, g, None, true) {
        return Err(UserError::Invalid(why).into());
    }
    let guild = serenity::GuildId::new(g);
    let owner = guild.to_partial_guild(ctx.http()).await?.owner_id == ctx.author().id;
    if !owner {
        let roles = guild.roles(ctx.http()).await?;
        let current = roles.get(&role.id).unwrap_or(&role);
        let mine = actor.member.map(|m| m.roles.as_slice()).unwrap_or(&[]);
        if let Some(why) =
            checks::cert_role_refusal(current, g, checks::highest_role(&roles, mine), false)
        {
            return Err(UserError::Invalid(why).into());
        }
    }
    db::set_cert_role(&app.db, g, &cert.id, role.id.get()).await?;
    reply(
        ctx,
        format!(
            "Members who earn the {} will get <@&{}>.",
            cert.title,
            role.id.get()
        ),
    )
    .await
}

/// Set when office-hours reminders go out, e.g. `24h, 15m` (default).
#[poise::command(slash_command, guild_only, default_member_permissions = "MANAGE_GUILD")]
pub async fn reminders(
    ctx: Context<'_>,
    #[description = "Lead times before each session, e.g. 24h, 15m"] leads: String,
) -> Result<(), Error> {
    let g = Actor::from_ctx(&ctx).require(PERM, PERM_NAME)?;
    let app = &ctx.data().app();
    let parsed = crate::office_hours::parse_leads(&leads).map_err(UserError::Invalid)?;
    crate::store::office_hours::set_leads(&app.db, g, &parsed, app.clock.now()).await?;
    let text = parsed
        .iter()
        .map(|m| crate::office_hours::lead_text(*m))
        .collect::<Vec<_>>()
        .join(", ");
    reply(
        ctx,
        format!("Office-hours reminders will go out: {text} (and when a session starts)."),
    )
    .await
}

/// Exam retake cooldown, and whether a new certificate removes the previous role.
#[poise::command(slash_command, guild_only, default_member_permissions = "MANAGE_GUILD")]
pub async fn certification(
    ctx: Context<'_>,
    #[description = "Minutes between two attempts at the same exam (0: none)"]
    #[min = 0]
    #[max = 43200]
    exam_cooldown: Option<i64>,
    #[description = "Remove the previous level's role when a member earns the next certificate"]
    remove_previous_role: Option<bool>,
) -> Result<(), Error> {
    let g = Actor::from_ctx(&ctx).require(PERM, PERM_NAME)?;
    let app = &ctx.data().app();
    db::set_certification_options(
        &app.db,
        g,
        exam_cooldown,
        remove_previous_role,
        app.clock.now(),
    )
    .await?;
    let (cd, rm) = crate::store::certification::guild_options(&app.db, g).await?;
    reply(
        ctx,
        format!(
            "Exam cooldown: {}. Previous role removed on promotion: {}.",
            cd.filter(|c| *c > 0)
                .map(|c| format!("{c} minutes"))
                .unwrap_or_else(|| "none".into()),
            if rm { "yes" } else { "no" }
        ),
    )
    .await
}
