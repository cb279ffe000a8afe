//! Office hours on Discord: announcements, scheduled events, reminders. Used by the job runner
//! and by the `/officehours` commands.

use crate::app::App;
use crate::discord::render::{no_pings, office_hours as view, ping_users};
use crate::office_hours::{due_reminders, Occurrence, Series};
use crate::store::office_hours::{self as db, Stored};
use crate::store::time::parse_ts;
use poise::serenity_prelude as serenity;
use serenity::{
    ChannelId, CreateMessage, CreateScheduledEvent, EditScheduledEvent, GuildId, ScheduledEventId,
    ScheduledEventType, UserId,
};

pub async fn run(app: &App, http: &serenity::Http) -> anyhow::Result<()> {
    let now = app.clock.now();
    // Reminders claimed before a crash and not confirmed: send them now if still useful.
    for (rid, sid, occ, lead, user) in db::unfinished(&app.db).await? {
        let occ = match parse_ts(&occ) {
            Ok(t) => t,
            Err(e) => {
                tracing::warn!(reminder = rid, error = %e, "unreadable reminder: given up");
                db::finish(&app.db, rid, false).await?;
                continue;
            }
        };
        let still_useful = if lead == 0 {
            now < occ + chrono::Duration::minutes(crate::office_hours::STARTING_NOW_GRACE_MINUTES)
        } else {
            now < occ
        };
        let stored = db::all_active(&app.db)
            .await?
            .into_iter()
            .find(|s| s.series.id == sid);
        match (still_useful, stored) {
            (true, Some(s)) => {
                let o = Occurrence {
                    start: occ,
                    end: occ + chrono::Duration::minutes(s.series.duration_minutes),
                };
                let ok = send_reminder(app, http, &s, o, lead, user, rid).await;
                db::finish(&app.db, rid, ok).await?;
            }
            _ => db::finish(&app.db, rid, false).await?,
        }
    }
    for s in db::all_active(&app.db).await? {
        let leads = db::leads(&app.db, s.series.guild).await?;
        for due in due_reminders(&s.series, &leads, now) {
            if let Some(rid) = db::claim(
                &app.db,
                s.series.id,
                due.occurrence.start,
                due.lead_minutes,
                0,
                now,
            )
            .await?
            {
                let ok =
                    send_reminder(app, http, &s, due.occurrence, due.lead_minutes, 0, rid).await;
                db::finish(&app.db, rid, ok).await?;
            }
        }
        // Personal reminders.
        for (user, lead) in db::subscribers(&app.db, s.series.id).await? {
            for occ in s.series.upcoming(now, 2) {
                if occ.start - chrono::Duration::minutes(lead) <= now && now < occ.start {
                    if let Some(rid) =
                        db::claim(&app.db, s.series.id, occ.start, lead, user, now).await?
                    {
                        let ok = send_reminder(app, http, &s, occ, lead, user, rid).await;
                        db::finish(&app.db, rid, ok).await?;
                    }
                }
            }
        }
        // Weekly series: the scheduled event follows the next occurrence.
        sync_event(app, http, &s, false).await;
    }
    Ok(())
}

/// Send one reminder (to the announcement channel when `user` is 0, else by DM). The nonce makes
/// a resend after a crash a no-op on Discord's side. Returns whether it was delivered.
async fn send_reminder(
    app: &App,
    http: &serenity::Http,
    s: &Stored,
    occ: Occurrence,
    lead: i64,
    user: u64,
    rid: i64,
) -> bool {
    let (text, embed) = view::reminder(&s.series, occ, lead);
    let nonce = serenity::Nonce::String(format!("ohr-{rid}"));
    if user == 0 {
        let Some(channel) =
            s.announce_channel
                .or(crate::store::settings::get(&app.db, s.series.guild)
                    .await
                    .ok()
                    .and_then(|g| g.announce_channel))
        else {
            return false;
        };
        let msg = CreateMessage::new()
            .content(text)
            .embed(embed)
            .allowed_mentions(no_pings())
            .nonce(nonce)
            .enforce_nonce(true);
        match ChannelId::new(channel).send_message(http, msg).await {
            Ok(_) => true,
            Err(e) => {
                tracing::warn!(series = s.series.id, error = %e, "office hours reminder failed");
                false
            }
        }
    } else {
        let msg = CreateMessage::new()
            .content(format!("<@{user}> {text}"))
            .embed(embed)
            .allowed_mentions(ping_users([user]))
            .nonce(nonce)
            .enforce_nonce(true);
        match UserId::new(user).direct_message(http, msg).await {
            Ok(_) => true,
            Err(e) => {
                tracing::warn!(series = s.series.id, user, error = %e, "office hours DM failed (DMs closed?)");
                false
            }
        }
    }
}

/// Discord wants a stage-instance event for a stage channel and a voice event otherwise.
fn channel_event_type(s: &Series) -> ScheduledEventType {
    if s.channel_stage {
        ScheduledEventType::StageInstance
    } else {
        ScheduledEventType::Voice
    }
}

fn event_builder<'a>(s: &Series, occ: Occurrence) -> CreateScheduledEvent<'a> {
    let name = crate::discord::render::truncate(&format!("Office hours: {}", s.topic), 100);
    let b = match s.channel {
        Some(c) => CreateScheduledEvent::new(channel_event_type(s), name, occ.start)
            .channel_id(ChannelId::new(c)),
        None => CreateScheduledEvent::new(ScheduledEventType::External, name, occ.start)
            .location("Discord: see the announcement"),
    };
    b.end_time(occ.end)
        .description(crate::discord::render::truncate(
            &view::event_description(s),
            1000,
        ))
}

/// Make the guild's scheduled event match the session's next occurrence: create it, move it
/// (after an edit, or to the next week of a series), or leave it. Failures are logged; the
/// session itself is kept.
/// With `changed`, the event is updated even when its start stays (a new topic or length).
pub async fn sync_event(app: &App, http: &serenity::Http, s: &Stored, changed: bool) {
    let now = app.clock.now();
    let Some(next) = s.series.next(now) else {
        return;
    };
    let event_start = s.event_start.as_deref().and_then(|t| parse_ts(t).ok());
    if !changed && event_start == Some(next.start) {
        return;
    }
    let guild = GuildId::new(s.series.guild);
    // An event whose occurrence has not started yet is moved; one in the past is replaced.
    let movable = s
        .event_id
        .filter(|_| event_start.map(|t| t > now).unwrap_or(false));
    let result = match movable {
        Some(eid) => {
            let name =
                crate::discord::render::truncate(&format!("Office hours: {}", s.series.topic), 100);
            let mut e = EditScheduledEvent::new()
                .name(name)
                .start_time(next.start)
                .end_time(next.end)
                .description(crate::discord::render::truncate(
                    &view::event_description(&s.series),
                    1000,
                ));
            e = match s.series.channel {
                Some(c) => e
                    .kind(ScheduledEventType::Voice)
                    .channel_id(ChannelId::new(c)),
                None => e
                    .kind(ScheduledEventType::External)
                    .location("Discord: see the announcement"),
            };
            guild
                .edit_scheduled_event(http, ScheduledEventId::new(eid), e)
                .await
                .map(|ev| ev.id.get())
        }
        None => guild
            .create_scheduled_event(http, event_builder(&s.series, next))
            .await
            .map(|ev| ev.id.get()),
    };
    match result {
        Ok(id) => {
            if let Err(e) = db::set_event(&app.db, s.series.id, Some(id), Some(next.start)).await {
                tracing::error!(error = %e, "storing the scheduled event failed");
            }
        }
        Err(e) => {
            tracing::warn!(series = s.series.id, error = %e, "scheduled event not created (Manage Events permission?)");
            // Do not retry every tick: remember the occurrence.
            let _ = db::set_event(&app.db, s.series.id, s.event_id, Some(next.start)).await;
        }
    }
}

/// Cancel the scheduled event of a session, if any.
pub async fn cancel_event(http: &serenity::Http, s: &Stored) {
    if let Some(eid) = s.event_id {
        if let Err(e) = GuildId::new(s.series.guild)
            .delete_scheduled_event(http, ScheduledEventId::new(eid))
            .await
        {
            tracing::warn!(series = s.series.id, error = %e, "deleting the scheduled event failed");
        }
    }
}
