//! Certification: grade exams past their deadline (and tell the learner by DM), announce new
//! certificates, give and take away roles. Every Discord action is its own job row, so a role
//! that fails transiently is retried with back-off without announcing twice.

use super::rows::{self, Job};
use super::{Failure, JobResult, Next};
use crate::app::App;
use crate::certification::service;
use crate::discord::render::{certification as cert_view, no_pings, ping_users, quiz, COLOR};
use crate::ids;
use crate::store::certification as db;
use chrono::{DateTime, Utc};
use poise::serenity_prelude as serenity;
use serde_json::json;
use serenity::{ChannelId, CreateEmbed, CreateMessage, GuildId, RoleId, UserId};

pub const ANNOUNCE: &str = "cert_announce";
pub const ROLE_ADD: &str = "role_add";
pub const ROLE_REMOVE: &str = "role_remove";
pub const EXAM_DM: &str = "exam_dm";

/// Exams past their deadline get a DM row (before grading, so a crash in between cannot lose
/// it), then are graded; new certificates get an announcement row.
pub async fn scan(app: App, now: DateTime<Utc>) -> JobResult {
    for e in db::overdue_exams(&app.db, now).await? {
        rows::enqueue(&app.db, EXAM_DM, &e.id.to_string(), &json!(null), now).await?;
    }
    service::grade_overdue(&app, now).await?;
    for c in db::unannounced(&app.db).await? {
        rows::enqueue(&app.db, ANNOUNCE, &c.id.to_string(), &json!(null), now).await?;
    }
    Ok(Next::Done)
}

fn id_of(job: &Job) -> Result<i64, Failure> {
    job.key
        .trim_start_matches("prev:")
        .parse()
        .map_err(|_| Failure::Permanent(format!("`{}` is not an id", job.key)))
}

fn title_of(app: &App, cert: &str) -> String {
    app.course
        .certification(cert)
        .map(|x| x.title.clone())
        .unwrap_or_else(|| cert.to_string())
}

/// Tell the moderators in the announcement channel (or only the log when there is none).
async fn tell_moderators(
    app: &App,
    http: &serenity::Http,
    guild: ids::GuildId,
    note: &str,
    nonce: &str,
) {
    tracing::warn!(guild = %guild, "{note}");
    let channel = crate::store::settings::get(&app.db, guild)
        .await
        .ok()
        .and_then(|s| s.announce_channel);
    if let Some(channel) = channel {
        let _ = ChannelId::from(channel)
            .send_message(
                http,
                CreateMessage::new()
                    .content(note)
                    .allowed_mentions(no_pings())
                    .nonce(serenity::Nonce::String(nonce.to_string()))
                    .enforce_nonce(true),
            )
            .await;
    }
}

/// Post the announcement: the member's mention in `content` (pinging only them) and the
/// certificate in an embed. Then the role, as its own row.
pub async fn announce(app: &App, http: &serenity::Http, job: &Job) -> JobResult {
    let Some(c) = db::certificate_by_id(&app.db, id_of(job)?).await? else {
        return Ok(Next::Done);
    };
    if c.revoked {
        db::mark_announced(&app.db, c.id).await?;
        return Ok(Next::Done);
    }
    let settings = crate::store::settings::get(&app.db, c.guild_id).await?;
    let title = title_of(app, &c.cert_id);
    let mut result = Ok(Next::Done);
    if let Some(channel) = settings.announce_channel {
        let mut desc = format!("<@{}> earned the **{}**", c.user_id, title);
        if let Some(l) = &c.grade_label {
            desc.push_str(&format!(" with **{l}**"));
            if let Some(p) = c.percent {
                desc.push_str(&format!(" ({p:.0}%)"));
            }
        }
        desc.push_str(&format!(
            ".\nAwarded {}",
            c.awarded_at.get(..10).unwrap_or(&c.awarded_at)
        ));
        let msg = CreateMessage::new()
            .content(format!("🎓 Congratulations <@{}>!", c.user_id))
            .embed(
                CreateEmbed::new()
                    .title(format!("🎓 {title}"))
                    .description(desc)
                    .color(COLOR),
            )
            .allowed_mentions(ping_users([c.user_id.get()]))
            .nonce(serenity::Nonce::String(format!("cert-{}", c.id)))
            .enforce_nonce(true);
        if let Err(e) = ChannelId::from(channel).send_message(http, msg).await {
            if !super::is_permanent(&e) {
                return Err(e.into());
            }
            tracing::error!(cert = c.id, channel = %channel, error = %e, "cannot post the certificate announcement");
            result = Err(e.into());
        }
    } else {
        tracing::warn!(
            cert = c.id,
            guild = %c.guild_id,
            "certificate not announced: no announcement channel is set (/settings announcements)"
        );
    }
    match settings.cert_roles.get(&c.cert_id) {
        Some(role) => {
            let payload =
                json!({"guild": c.guild_id, "user": c.user_id, "role": role, "cert": c.id});
            rows::enqueue(
                &app.db,
                ROLE_ADD,
                &c.id.to_string(),
                &payload,
                app.clock.now(),
            )
            .await?;
        }
        None => db::mark_announced(&app.db, c.id).await?,
    }
    result
}

struct RoleChange {
    guild: ids::GuildId,
    user: ids::UserId,
    role: ids::RoleId,
    cert: i64,
}

fn role_change(job: &Job) -> Result<RoleChange, Failure> {
    let p = &job.payload;
    let num = |k: &str| {
        p[k].as_u64()
            .ok_or_else(|| Failure::Permanent(format!("job payload has no `{k}`: {p}")))
    };
    Ok(RoleChange {
        guild: ids::GuildId::new(num("guild")?),
        user: ids::UserId::new(num("user")?),
        role: ids::RoleId::new(num("role")?),
        cert: p["cert"].as_i64().unwrap_or(0),
    })
}

/// Give the certificate's role. A transient failure is retried (the certificate stays
/// unannounced meanwhile); a refusal (403: Manage Roles missing or the role above the bot's)
/// is reported to the moderators once.
pub async fn role_add(app: &App, http: &serenity::Http, job: &Job) -> JobResult {
    let r = role_change(job)?;
    let cert = db::certificate_by_id(&app.db, r.cert).await?;
    if cert.as_ref().map(|c| c.revoked).unwrap_or(false) {
        db::mark_announced(&app.db, r.cert).await?;
        return Ok(Next::Done);
    }
    match http
        .add_member_role(
            GuildId::from(r.guild),
            UserId::from(r.user),
            RoleId::from(r.role),
            Some("certificate earned"),
        )
        .await
    {
        Ok(()) => {
            tracing::info!(
                cert = r.cert,
                role = %r.role,
                user = %r.user,
                "certificate role given"
            );
            db::mark_announced(&app.db, r.cert).await?;
            // The previous level's role goes, if the guild wants that.
            let (_, remove_previous) = db::guild_options(&app.db, r.guild).await?;
            if let (true, Some(c)) = (remove_previous, cert) {
                let settings = crate::store::settings::get(&app.db, r.guild).await?;
                if let Some(prev) = app
                    .course
                    .certification(&c.cert_id)
                    .and_then(|x| x.prerequisite.clone())
                    .and_then(|p| settings.cert_roles.get(&p).copied())
                {
                    let payload = json!({"guild": r.guild, "user": r.user, "role": prev, "cert": r.cert, "reason": "next certificate earned"});
                    rows::enqueue(
                        &app.db,
                        ROLE_REMOVE,
                        &format!("prev:{}", r.cert),
                        &payload,
                        app.clock.now(),
                    )
                    .await?;
                }
            }
            Ok(Next::Done)
        }
        Err(e) if super::is_permanent(&e) => {
            let title = cert
                .as_ref()
                .map(|c| title_of(app, &c.cert_id))
                .unwrap_or_else(|| "certificate".into());
            let note = format!(
                "Moderators: the {title} of <@{}> is recorded, but I could not give <@&{}> ({}): check that I have Manage Roles and that my role is above it.",
                r.user,
                r.role,
                super::describe(&e)
            );
            tell_moderators(app, http, r.guild, &note, &format!("certp-{}", r.cert)).await;
            db::mark_announced(&app.db, r.cert).await?;
            Err(e.into())
        }
        Err(e) => Err(e.into()),
    }
}

/// Take a role away (a revoked certificate, or the previous level's role).
pub async fn role_remove(app: &App, http: &serenity::Http, job: &Job) -> JobResult {
    let r = role_change(job)?;
    let reason = job.payload["reason"]
        .as_str()
        .unwrap_or("certificate revoked")
        .to_string();
    match http
        .remove_member_role(
            GuildId::from(r.guild),
            UserId::from(r.user),
            RoleId::from(r.role),
            Some(&reason),
        )
        .await
    {
        Ok(()) => {
            tracing::info!(role = %r.role, user = %r.user, reason = %reason, "certificate role removed");
            Ok(Next::Done)
        }
        Err(e) if super::is_permanent(&e) => {
            let note = format!(
                "Moderators: I could not remove <@&{}> from <@{}> ({reason}; {}): check that I have Manage Roles and that my role is above it.",
                r.role,
                r.user,
                super::describe(&e)
            );
            tell_moderators(app, http, r.guild, &note, &format!("rr-{}", job.id)).await;
            Err(e.into())
        }
        Err(e) => Err(e.into()),
    }
}

/// The DM after an exam's deadline passed: score, grade, and what to do next. Sent once (the
/// row; the nonce covers a crash between sending and recording).
pub async fn exam_dm(app: &App, http: &serenity::Http, job: &Job) -> JobResult {
    let Some(exam) = db::get_exam(&app.db, id_of(job)?).await? else {
        return Ok(Next::Done);
    };
    let result = service::grade_exam(app, &exam).await?;
    let text = exam_timeout_text(app, &result).await?;
    let msg = CreateMessage::new()
        .content(text)
        .embed(cert_view::exam_result(&app.course, &result))
        .allowed_mentions(no_pings())
        .nonce(serenity::Nonce::String(format!("examdm-{}", exam.id)))
        .enforce_nonce(true);
    UserId::from(exam.user).direct_message(http, msg).await?;
    tracing::info!(exam = exam.id, user = %exam.user, "exam time-out DM sent");
    Ok(Next::Done)
}

/// What the learner reads: the deadline (absolute and relative), score and grade, and the next
/// step (the certificate, what is still missing, or when to retake).
pub async fn exam_timeout_text(app: &App, r: &service::ExamResult) -> anyhow::Result<String> {
    let e = &r.exam;
    let title = title_of(app, &e.cert_id);
    let mut t = format!(
        "⏰ Time is up for your **{title}** exam: the deadline was {} ({}). You scored **{}/{}** ({:.0}%), grade **{} {}**: {}.\n",
        quiz_f(e.deadline),
        quiz::relative(e.deadline),
        r.correct,
        r.total,
        r.percent,
        r.grade.grade,
        r.grade.label,
        if r.passed { "passed" } else { "not passed" },
    );
    let statuses = service::progress(app, e.guild, e.user).await?;
    let this = statuses.iter().find(|s| s.cert_id == e.cert_id);
    if r.passed {
        match this {
            Some(s) if s.held => {
                t.push_str(&format!("🎓 You hold the **{title}**."));
                let next: Vec<&str> = app
                    .course
                    .certifications
                    .iter()
                    .filter(|c| c.prerequisite.as_deref() == Some(e.cert_id.as_str()))
                    .map(|c| c.title.as_str())
                    .collect();
                if !next.is_empty() {
                    t.push_str(&format!(
                        " Next: the {} (see /progress).",
                        next.join(" or the ")
                    ));
                }
            }
            Some(s) => t.push_str(&format!(
                "To get the certificate you still need to: {}.",
                s.missing.join("; ")
            )),
            None => {}
        }
    } else {
        let (cooldown, _) = db::guild_options(&app.db, e.guild).await?;
        let from = e.graded_at.unwrap_or(e.deadline);
        let at = cooldown
            .filter(|c| *c > 0)
            .and_then(|c| from.checked_add_signed(chrono::Duration::minutes(c)))
            .filter(|at| *at > app.clock.now());
        match at {
            Some(at) => t.push_str(&format!(
                "You can retake it from {} ({}) with /exam start.",
                quiz_f(at),
                quiz::relative(at)
            )),
            None => t.push_str("You can retake it now with /exam start."),
        }
        if !r.missed_topics.is_empty() {
            t.push_str(" Review the topics listed below first.");
        }
    }
    Ok(t)
}

/// `<t:X:f>`: date and time in the reader's timezone.
fn quiz_f(t: DateTime<Utc>) -> String {
    format!("<t:{}:f>", t.timestamp())
}
