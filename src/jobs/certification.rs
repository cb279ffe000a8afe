//! Certification: grade exams past their deadline, announce new certificates and give roles.

use crate::app::App;
use crate::certification::service;
use crate::discord::render::{no_pings, ping_users, COLOR};
use crate::store::certification as db;
use poise::serenity_prelude as serenity;
use serenity::{ChannelId, CreateEmbed, CreateMessage, GuildId, RoleId, UserId};

pub async fn run(app: &App, http: &serenity::Http) -> anyhow::Result<()> {
    service::grade_overdue(app, app.clock.now()).await?;
    for c in db::unannounced(&app.db).await? {
        announce(app, http, &c).await?;
    }
    Ok(())
}

/// Post the announcement (once: the row is marked, and the nonce makes a resend after a crash
/// a no-op) and give the certificate's role. A missing permission is reported to the
/// moderators in the announcement channel (or the log); the certificate stays recorded.
async fn announce(app: &App, http: &serenity::Http, c: &db::Certificate) -> anyhow::Result<()> {
    let settings = crate::store::settings::get(&app.db, c.guild_id).await?;
    let title = app
        .course
        .certification(&c.cert_id)
        .map(|x| x.title.clone())
        .unwrap_or_else(|| c.cert_id.clone());
    let mut problems = Vec::new();
    if let Some(channel) = settings.announce_channel {
        let mut desc = format!("<@{}> earned the **{}**", c.user_id, title);
        if let Some(l) = &c.grade_label {
            desc.push_str(&format!(" with **{l}**"));
            if let Some(p) = c.percent {
                desc.push_str(&format!(" ({p:.0}%)"));
            }
        }
        desc.push_str(&format!(".\nAwarded {}", &c.awarded_at[..10]));
        let msg = CreateMessage::new()
            .embed(
                CreateEmbed::new()
                    .title(format!("🎓 {title}"))
                    .description(desc)
                    .color(COLOR),
            )
            .allowed_mentions(ping_users([c.user_id]))
            .nonce(serenity::Nonce::String(format!("cert-{}", c.id)))
            .enforce_nonce(true);
        if let Err(e) = ChannelId::new(channel).send_message(http, msg).await {
            if !super::is_permanent(&e) {
                tracing::warn!(cert = c.id, error = %e, "certificate announcement failed; will retry");
                return Ok(());
            }
            tracing::error!(cert = c.id, channel, error = %e, "cannot post the certificate announcement");
        }
    } else {
        problems.push("no announcement channel is set (/settings announcements)".to_string());
    }
    if let Some(role) = settings.cert_roles.get(&c.cert_id) {
        let member = (GuildId::new(c.guild_id), UserId::new(c.user_id));
        if let Err(e) = http
            .add_member_role(
                member.0,
                member.1,
                RoleId::new(*role),
                Some("certificate earned"),
            )
            .await
        {
            tracing::error!(cert = c.id, role, error = %e, "cannot give the certificate role");
            problems.push(format!("I could not give <@&{role}> to <@{}> ({}): check that I have Manage Roles and that my role is above it", c.user_id, short(&e)));
        } else {
            let (_, remove_previous) = db::guild_options(&app.db, c.guild_id).await?;
            if remove_previous {
                if let Some(prev) = app
                    .course
                    .certification(&c.cert_id)
                    .and_then(|x| x.prerequisite.clone())
                    .and_then(|p| settings.cert_roles.get(&p).copied())
                {
                    let _ = http
                        .remove_member_role(
                            member.0,
                            member.1,
                            RoleId::new(prev),
                            Some("next certificate earned"),
                        )
                        .await;
                }
            }
        }
    }
    if !problems.is_empty() {
        let note = format!(
            "Moderators: the {} of <@{}> is recorded, but {}.",
            title,
            c.user_id,
            problems.join("; ")
        );
        tracing::warn!(cert = c.id, "{note}");
        if let Some(channel) = settings.announce_channel {
            let _ = ChannelId::new(channel)
                .send_message(
                    http,
                    CreateMessage::new()
                        .content(note)
                        .allowed_mentions(no_pings())
                        .nonce(serenity::Nonce::String(format!("certp-{}", c.id)))
                        .enforce_nonce(true),
                )
                .await;
        }
    }
    db::mark_announced(&app.db, c.id).await?;
    Ok(())
}

fn short(e: &serenity::Error) -> String {
    match e {
        serenity::Error::Http(serenity::HttpError::UnsuccessfulRequest(r)) => format!(
            "Discord said {}: {}",
            r.status_code.as_u16(),
            r.error.message
        ),
        other => other.to_string(),
    }
}
