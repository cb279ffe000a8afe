//! `/officehours list|calendar`; the staff subcommands `schedule|edit|cancel` are registered under `/officehours-admin` (see `staff.rs`).

use super::quiz::autocomplete_timezone;
use crate::discord::checks::Actor;
use crate::discord::ephemeral;
use crate::discord::render::{self, office_hours as view};
use crate::discord::{Context, Error};
use crate::error::UserError;
use crate::jobs::office_hours::{cancel_event, sync_event};
use crate::office_hours::{plan, Series};
use crate::store::office_hours as db;
use poise::serenity_prelude as serenity;
use serenity::{ChannelId, CreateAttachment, CreateMessage, Permissions};

const PERM: Permissions = Permissions::MANAGE_EVENTS;
const PERM_NAME: &str = "Manage Events";

#[derive(Debug, Clone, Copy, PartialEq, Eq, poise::ChoiceParameter)]
pub enum Repeat {
    #[name = "once"]
    Once,
    #[name = "weekly"]
    Weekly,
}

/// Office hours with the instructors.
#[poise::command(
    slash_command,
    guild_only,
    rename = "officehours",
    subcommands("list", "calendar"),
    subcommand_required
)]
pub async fn officehours(_ctx: Context<'_>) -> Result<(), Error> {
    Ok(())
}

/// Post a note about a session in the announcement channel; returns the message id.
async fn announce(
    ctx: Context<'_>,
    channel: Option<u64>,
    msg: CreateMessage,
) -> Option<(u64, u64)> {
    let channel = channel?;
    match ChannelId::new(channel).send_message(ctx.http(), msg).await {
        Ok(m) => Some((channel, m.id.get())),
        Err(e) => {
            tracing::warn!(channel, error = %e, "office hours announcement failed");
            None
        }
    }
}

/// Schedule office hours (moderators).
#[poise::command(
    slash_command,
    guild_only,
    default_member_permissions = "MANAGE_EVENTS"
)]
pub async fn schedule(
    ctx: Context<'_>,
    #[description = "Start, YYYY-MM-DD HH:MM in the timezone below"] start: String,
    #[description = "IANA timezone, e.g. Europe/Berlin"]
    #[autocomplete = "autocomplete_timezone"]
    timezone: String,
    #[description = "Length in minutes (1-480)"] duration: i64,
    #[description = "What the session is about"]
    #[max_length = 200]
    topic: String,
    #[description = "Who hosts it"] host: Option<serenity::UserId>,
    #[description = "once (default) or weekly"] repeat: Option<Repeat>,
    #[description = "Last date of a weekly series, YYYY-MM-DD"] until: Option<String>,
    #[description = "Voice or stage channel"]
    #[channel_types("Voice", "Stage")]
    channel: Option<serenity::PartialChannel>,
) -> Result<(), Error> {
    let app = &ctx.data().app();
    let g = Actor::from_ctx(&ctx)
        .require_moderator(app, PERM, PERM_NAME)
        .await?;
    let now = app.clock.now();
    let weekly = repeat == Some(Repeat::Weekly);
    let p = plan(&start, &timezone, duration, weekly, until.as_deref(), now)
        .map_err(UserError::Invalid)?;
    let topic = topic.trim().to_string();
    if topic.is_empty() {
        return Err(UserError::Invalid("The topic cannot be empty.".into()).into());
    }
    let id = db::create(
        &app.db,
        db::New {
            guild: g,
            topic: &topic,
            host: host.map(|h| h.get()),
            start_local: p.start_local,
            timezone: p.tz.name(),
            duration_minutes: p.duration_minutes,
            weekly,
            until: p.until,
            channel: channel.as_ref().map(|c| c.id.get()),
            channel_stage: channel
                .as_ref()
                .map(|c| c.kind == serenity::ChannelType::Stage)
                .unwrap_or(false),
            created_by: ctx.author().id.get(),
            now,
        },
    )
    .await?;
    let stored = db::get(&app.db, g, id)
        .await?
        .ok_or_else(|| anyhow::anyhow!("office hours #{id} vanished after being stored"))?;
    let next = stored.series.next(now).ok_or_else(|| {
        UserError::Invalid("That session has no occurrence in the future.".into())
    })?;
    let settings = crate::store::settings::get(&app.db, g).await?;
    let (embed, rows) = view::announcement(&stored.series, next);
    let announced = announce(
        ctx,
        settings.announce_channel,
        CreateMessage::new()
            .embed(embed)
            .components(rows)
            .allowed_mentions(render::no_pings()),
    )
    .await;
    if let Some((c, m)) = announced {
        db::set_announcement(&app.db, id, c, m).await?;
    }
    let stored = db::get(&app.db, g, id)
        .await?
        .ok_or_else(|| anyhow::anyhow!("office hours #{id} vanished after being stored"))?;
    sync_event(app, ctx.http(), &stored, false).await;
    ephemeral(
        ctx,
        format!(
            "Scheduled office hours **#{id}**: {} — {} ({}).\n{}",
            render::defuse(&topic),
            view_full(next.start),
            view_rel(next.start),
            match announced {
                Some((c, _)) => format!("Announced in <#{c}>."),
                None if settings.announce_channel.is_none() =>
                    "No announcement channel is set: `/settings announcements`.".into(),
                None => "The announcement could not be posted (check the bot's permissions there)."
                    .into(),
            }
        ),
    )
    .await
}

fn view_full(t: chrono::DateTime<chrono::Utc>) -> String {
    render::quiz::full(t)
}
fn view_rel(t: chrono::DateTime<chrono::Utc>) -> String {
    render::quiz::relative(t)
}

/// Dates shown per session in `/officehours list` (a weekly series shows its next ones).
const LIST_DATES: usize = 4;

/// The next office hours, in your own timezone.
#[poise::command(slash_command, guild_only)]
pub async fn list(ctx: Context<'_>) -> Result<(), Error> {
    let app = &ctx.data().app();
    let g = Actor::from_ctx(&ctx).guild()?;
    let now = app.clock.now();
    let mut items: Vec<(Series, Vec<crate::office_hours::Occurrence>)> = db::active_of(&app.db, g)
        .await?
        .into_iter()
        .filter(|s| s.problem.is_none())
        .map(|s| {
            let next = s.series.upcoming(now, LIST_DATES);
            (s.series, next)
        })
        .filter(|(_, o)| !o.is_empty())
        .collect();
    items.sort_by_key(|(_, o)| o.first().map(|o| o.start));
    ctx.send(
        poise::CreateReply::default()
            .embed(view::list(&items))
            .allowed_mentions(render::no_pings()),
    )
    .await?;
    Ok(())
}

/// Change a session (moderators).
#[poise::command(
    slash_command,
    guild_only,
    default_member_permissions = "MANAGE_EVENTS"
)]
pub async fn edit(
    ctx: Context<'_>,
    #[description = "Session number (see /officehours list)"] id: i64,
    #[description = "New start, YYYY-MM-DD HH:MM"] start: Option<String>,
    #[description = "New timezone"]
    #[autocomplete = "autocomplete_timezone"]
    timezone: Option<String>,
    #[description = "New length in minutes"] duration: Option<i64>,
    #[description = "New topic"]
    #[max_length = 200]
    topic: Option<String>,
    #[description = "New host"] host: Option<serenity::UserId>,
    #[description = "New voice or stage channel"]
    #[channel_types("Voice", "Stage")]
    channel: Option<serenity::PartialChannel>,
) -> Result<(), Error> {
    let app = &ctx.data().app();
    let g = Actor::from_ctx(&ctx)
        .require_moderator(app, PERM, PERM_NAME)
        .await?;
    let now = app.clock.now();
    let stored = db::get(&app.db, g, id)
        .await?
        .filter(|s| !s.series.cancelled)
        .ok_or_else(|| UserError::Invalid(format!("There is no active session #{id}.")))?;
    let mut s = stored.series.clone();
    let mut moved = false;
    if start.is_some() || timezone.is_some() || duration.is_some() {
        let start_s = start.unwrap_or_else(|| s.start_local.format("%Y-%m-%d %H:%M").to_string());
        let tz_s = timezone.unwrap_or_else(|| s.tz.name().to_string());
        let until_s = s.until.map(|u| u.to_string());
        let d = duration.unwrap_or(s.duration_minutes);
        let tz = crate::quiz::schedule::parse_tz(&tz_s).map_err(UserError::Invalid)?;
        let current = s.start_local.format("%Y-%m-%d %H:%M").to_string();
        let started = crate::office_hours::instant(tz, s.start_local).is_none_or(|t| t <= now);
        // A weekly series that already started keeps its first start when only the duration
        // or timezone changes; anything else is validated as a new plan.
        let p = if s.weekly && start_s.trim() == current && started {
            if !(1..=crate::office_hours::MAX_DURATION_MINUTES).contains(&d) {
                return Err(UserError::Invalid(
                    "The duration must be 1 to 480 minutes (8 hours).".into(),
                )
                .into());
            }
            crate::office_hours::Plan {
                start_local: s.start_local,
                tz,
                duration_minutes: d,
                weekly: true,
                until: s.until,
                first_start: now,
            }
        } else {
            plan(&start_s, &tz_s, d, s.weekly, until_s.as_deref(), now)
                .map_err(UserError::Invalid)?
        };
        moved = p.start_local != s.start_local || p.tz != s.tz;
        s.start_local = p.start_local;
        s.tz = p.tz;
        s.duration_minutes = p.duration_minutes;
    }
    if let Some(t) = topic
        .map(|t| t.trim().to_string())
        .filter(|t| !t.is_empty())
    {
        s.topic = t;
    }
    if let Some(h) = host {
        s.host = Some(h.get());
    }
    if let Some(c) = channel {
        s.channel = Some(c.id.get());
        s.channel_stage = c.kind == serenity::ChannelType::Stage;
    }
    db::update(&app.db, &s).await?;
    // A session whose job was parked (e.g. its event kept failing) gets another chance now
    // that a moderator changed it.
    if crate::jobs::rows::revive(
        &app.db,
        crate::jobs::office_hours::SERIES,
        &id.to_string(),
        now,
    )
    .await?
    {
        tracing::info!(session = id, "office-hours job revived after an edit");
    }
    if moved {
        // Reminders whose time already passed for the new start are skipped.
        db::set_planned(&app.db, id, now).await?;
    }
    let stored = db::get(&app.db, g, id)
        .await?
        .ok_or_else(|| UserError::Invalid(format!("There is no active session #{id}.")))?;
    sync_event(app, ctx.http(), &stored, true).await;
    let next = s.next(now);
    if let (Some(next), Some(c)) = (next, stored.announce_channel) {
        let (embed, rows) = view::announcement(&s, next);
        announce(
            ctx,
            Some(c),
            CreateMessage::new()
                .content(format!("Office hours #{id} changed:"))
                .embed(embed)
                .components(rows)
                .allowed_mentions(render::no_pings()),
        )
        .await;
    }
    ephemeral(
        ctx,
        match next {
            Some(n) => format!(
                "Session #{id} updated: next {} ({}).",
                view_full(n.start),
                view_rel(n.start)
            ),
            None => format!("Session #{id} updated; it has no future occurrence."),
        },
    )
    .await
}

/// Cancel a session or series (moderators).
#[poise::command(
    slash_command,
    guild_only,
    default_member_permissions = "MANAGE_EVENTS"
)]
pub async fn cancel(
    ctx: Context<'_>,
    #[description = "Session number (see /officehours list)"] id: i64,
) -> Result<(), Error> {
    let app = &ctx.data().app();
    let g = Actor::from_ctx(&ctx)
        .require_moderator(app, PERM, PERM_NAME)
        .await?;
    let stored = db::get(&app.db, g, id)
        .await?
        .ok_or_else(|| UserError::Invalid(format!("There is no session #{id}.")))?;
    if !db::cancel(&app.db, g, id).await? {
        return Err(UserError::Invalid(format!("Session #{id} is already cancelled.")).into());
    }
    cancel_event(ctx.http(), &stored).await;
    announce(
        ctx,
        stored.announce_channel,
        CreateMessage::new()
            .content(format!(
                "Office hours #{id} **{}** are cancelled.",
                render::user_text(&stored.series.topic, 200)
            ))
            .allowed_mentions(render::no_pings()),
    )
    .await;
    ephemeral(ctx, format!("Session #{id} cancelled.")).await
}

/// An .ics file of the office hours, for your calendar app.
#[poise::command(slash_command, guild_only)]
pub async fn calendar(ctx: Context<'_>) -> Result<(), Error> {
    let app = &ctx.data().app();
    let g = Actor::from_ctx(&ctx).guild()?;
    let series: Vec<Series> = db::active_of(&app.db, g)
        .await?
        .into_iter()
        .filter(|s| s.problem.is_none())
        .map(|s| s.series)
        .collect();
    let ics = crate::office_hours::ics::calendar(&series, app.clock.now(), &Default::default());
    ctx.send(
        poise::CreateReply::default()
            .content(format!(
                "{} session(s). Open the file with your calendar app to import them.",
                series.len()
            ))
            .attachment(
                CreateAttachment::bytes(ics.into_bytes(), "office-hours.ics")
                    .description("Office hours (iCalendar)"),
            )
            .ephemeral(true)
            .allowed_mentions(render::no_pings()),
    )
    .await?;
    Ok(())
}
