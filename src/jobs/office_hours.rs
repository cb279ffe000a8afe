//! Office hours on Discord: announcements, scheduled events, reminders. Used by the job runner
//! and by the `/officehours` commands.

use super::rows::{self, Job};
use super::{Failure, JobResult, Next};
use crate::app::App;
use crate::discord::render::{no_pings, office_hours as view, ping_users};
use crate::ids;
use crate::office_hours::{due_reminders, Occurrence, Series, STARTING_NOW_GRACE_MINUTES};
use crate::store::office_hours::{self as db, Stored};
use chrono::{DateTime, Utc};
use poise::serenity_prelude as serenity;
use serenity::{
    ChannelId, CreateMessage, CreateScheduledEvent, EditScheduledEvent, GuildId, ScheduledEventId,
    ScheduledEventType, UserId,
};

/// One row per active session, due every tick: its reminders and its scheduled event.
pub const SERIES: &str = "oh_series";

pub async fn scan(app: App, now: DateTime<Utc>) -> JobResult {
    for id in db::active_ids(&app.db).await? {
        rows::enqueue(
            &app.db,
            SERIES,
            &id.to_string(),
            &serde_json::Value::Null,
            now,
        )
        .await?;
    }
    Ok(Next::Done)
}

/// Everything due for one session: reminders claimed before a crash, channel reminders,
/// members' reminders (and their "starting now"), and the scheduled event. A row that cannot
/// be read (a start outside the years that can be scheduled) is parked: it fails permanently.
pub async fn series(app: &App, http: &serenity::Http, job: &Job) -> JobResult {
    let id: i64 = job
        .key
        .parse()
        .map_err(|_| Failure::Permanent(format!("`{}` is not a session id", job.key)))?;
    let Some(s) = db::get_any(&app.db, id).await? else {
        return Ok(Next::Done);
    };
    if s.series.cancelled {
        return Ok(Next::Done);
    }
    if let Some(p) = &s.problem {
        return Err(Failure::Permanent(p.clone()));
    }
    let now = app.clock.now();
    // Reminders claimed before a crash and not confirmed: send them now if still useful.
    for r in db::unfinished_of(&app.db, id).await? {
        let (rid, lead, user) = (r.id, r.lead, r.user);
        let occ = Some(r.occurrence);
        let still_useful = occ.is_some_and(|occ| {
            if lead == 0 {
                occ.checked_add_signed(chrono::Duration::minutes(STARTING_NOW_GRACE_MINUTES))
                    .is_some_and(|end| now < end)
            } else {
                now < occ
            }
        });
        let o = occ.and_then(|start| {
            chrono::Duration::try_minutes(s.series.duration_minutes)
                .and_then(|d| start.checked_add_signed(d))
                .map(|end| Occurrence { start, end })
        });
        match (still_useful, o) {
            (true, Some(o)) => {
                let ok = send_reminder(app, http, &s, o, lead, user, rid).await?;
                db::finish(&app.db, rid, ok).await?;
            }
            _ => db::finish(&app.db, rid, false).await?,
        }
    }
    let leads = db::leads(&app.db, s.series.guild).await?;
    for due in due_reminders(&s.series, &leads, s.planned_at, now) {
        if let Some(rid) = db::claim(
            &app.db,
            s.series.id,
            due.occurrence.start,
            due.lead_minutes,
            ids::UserId(0),
            now,
        )
        .await?
        {
            let ok = send_reminder(
                app,
                http,
                &s,
                due.occurrence,
                due.lead_minutes,
                ids::UserId(0),
                rid,
            )
            .await?;
            db::finish(&app.db, rid, ok).await?;
        }
    }
    // Personal reminders, and "starting now" by DM.
    for (user, lead) in db::subscribers(&app.db, s.series.id).await? {
        for due in due_reminders(&s.series, &[lead], s.planned_at, now) {
            if let Some(rid) = db::claim(
                &app.db,
                s.series.id,
                due.occurrence.start,
                due.lead_minutes,
                user,
                now,
            )
            .await?
            {
                let ok = send_reminder(app, http, &s, due.occurrence, due.lead_minutes, user, rid)
                    .await?;
                db::finish(&app.db, rid, ok).await?;
            }
        }
    }
    // Weekly series: the scheduled event follows the next occurrence.
    sync_event(app, http, &s, false).await;
    Ok(Next::Again(now))
}

/// Send one reminder (to the announcement channel when `user` is 0, else by DM), worded from
/// the real time left. The nonce makes a resend after a crash a no-op on Discord's side.
/// Returns whether it was delivered; when Discord answered 429 (rate limited), the error, so
/// that the job is run again after the limit's window and the reminder, still claimed, is
/// sent then (instead of being recorded as failed and lost).
async fn send_reminder(
    app: &App,
    http: &serenity::Http,
    s: &Stored,
    occ: Occurrence,
    lead: i64,
    user: ids::UserId,
    rid: i64,
) -> Result<bool, Failure> {
    let (text, embed) = view::reminder(&s.series, occ, lead, app.clock.now());
    let nonce = serenity::Nonce::String(format!("ohr-{rid}"));
    if user == ids::UserId(0) {
        let Some(channel) =
            s.announce_channel
                .or(crate::store::settings::get(&app.db, s.series.guild)
                    .await
                    .ok()
                    .and_then(|g| g.announce_channel))
        else {
            return Ok(false);
        };
        let msg = CreateMessage::new()
            .content(text)
            .embed(embed)
            .allowed_mentions(no_pings())
            .nonce(nonce)
            .enforce_nonce(true);
        match ChannelId::from(channel).send_message(http, msg).await {
            Ok(_) => Ok(true),
            Err(e) if super::is_rate_limited(&e) => Err(e.into()),
            Err(e) => {
                tracing::warn!(series = s.series.id, error = %e, "office hours reminder failed");
                Ok(false)
            }
        }
    } else {
        let msg = CreateMessage::new()
            .content(format!("<@{user}> {text}"))
            .embed(embed)
            .allowed_mentions(ping_users([user.get()]))
            .nonce(nonce)
            .enforce_nonce(true);
        match UserId::from(user).direct_message(http, msg).await {
            Ok(_) => Ok(true),
            Err(e) if super::is_rate_limited(&e) => Err(e.into()),
            Err(e) => {
                tracing::warn!(series = s.series.id, user = %user, error = %e, "office hours DM failed (DMs closed?)");
                Ok(false)
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
            .channel_id(ChannelId::from(c)),
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
    if !changed && s.event_start == Some(next.start) {
        return;
    }
    let guild = GuildId::from(s.series.guild);
    // An event whose occurrence has not started yet is moved; one in the past is replaced.
    let movable = s
        .event_id
        .filter(|_| s.event_start.is_some_and(|t| t > now));
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
                    .channel_id(ChannelId::from(c)),
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
        // Rate limited: nothing was created; the session's next job run tries again.
        Err(e) if super::is_rate_limited(&e) => {
            tracing::debug!(series = s.series.id, error = %e, "scheduled event rate limited; trying again");
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
        if let Err(e) = GuildId::from(s.series.guild)
            .delete_scheduled_event(http, ScheduledEventId::new(eid))
            .await
        {
            tracing::warn!(series = s.series.id, error = %e, "deleting the scheduled event failed");
        }
    }
}
