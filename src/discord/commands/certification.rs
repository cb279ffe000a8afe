//! `/progress`, `/exam start|resume`, `/capstone submit`, `/certs holders`; the staff subcommands `queue|approve|reject` and `revoke` are registered under `/capstone-admin` and `/certs-admin` (see `staff.rs`).

use super::quiz::autocomplete_path;
use crate::certification::service;
use crate::charts;
use crate::discord::checks::Actor;
use crate::discord::ephemeral;
use crate::discord::render::{self, certification as view, truncate};
use crate::discord::{Context, Error};
use crate::error::UserError;
use crate::ids;
use crate::store::certification as db;
use poise::serenity_prelude as serenity;
use serenity::{CreateMessage, Permissions};

const MOD_PERM: Permissions = Permissions::MANAGE_GUILD;
const MOD_PERM_NAME: &str = "Manage Server";

/// Where you (or a member) stand on the certification ladder, with a progress card.
#[poise::command(slash_command, guild_only)]
pub async fn progress(
    ctx: Context<'_>,
    #[description = "Member (default: you)"] member: Option<serenity::User>,
) -> Result<(), Error> {
    let app = &ctx.data().app();
    let g = Actor::from_ctx(&ctx).guild()?;
    let user = member.as_ref().unwrap_or(ctx.author());
    let who = user.id.get();
    let p = charts::data::progress(app, g, user.id.into(), user.display_name()).await?;
    let embed = view::progress(&app.course, who, &p.statuses, &p.completions)
        .image(format!("attachment://{}", charts::PROGRESS_FILE));
    let card = p.card;
    let png = charts::data::render_blocking(move || charts::progress_png(&card)).await?;
    ctx.send(
        poise::CreateReply::default()
            .embed(embed)
            .attachment(serenity::CreateAttachment::bytes(
                png,
                charts::PROGRESS_FILE,
            ))
            .ephemeral(true)
            .allowed_mentions(render::no_pings()),
    )
    .await?;
    Ok(())
}

/// Certification exams.
#[poise::command(
    slash_command,
    guild_only,
    subcommands("start", "resume"),
    subcommand_required
)]
pub async fn exam(_ctx: Context<'_>) -> Result<(), Error> {
    Ok(())
}

/// Start a timed certification exam (only you see it).
#[poise::command(slash_command, guild_only)]
pub async fn start(
    ctx: Context<'_>,
    #[description = "foundation, professional or expert"]
    #[autocomplete = "autocomplete_path"]
    path: String,
) -> Result<(), Error> {
    let app = &ctx.data().app();
    let g = Actor::from_ctx(&ctx).guild()?;
    let e = service::start_exam(app, g, ids::UserId::from(ctx.author().id), &path).await?;
    let q = crate::quiz::daily::question(&app.course, &e.questions[0])?;
    let (embed, rows) = view::exam_question(&app.course, &e, q, 0);
    ctx.send(
        poise::CreateReply::default()
            .content(format!(
                "Exam started: {} questions, ends {}. Good luck!",
                e.questions.len(),
                render::quiz::deadline(e.deadline)
            ))
            .embed(embed)
            .components(rows)
            .ephemeral(true)
            .allowed_mentions(render::no_pings()),
    )
    .await?;
    Ok(())
}

/// Continue your exam in progress where you left it.
#[poise::command(slash_command, guild_only)]
pub async fn resume(ctx: Context<'_>) -> Result<(), Error> {
    let app = &ctx.data().app();
    let g = Actor::from_ctx(&ctx).guild()?;
    let user = ids::UserId::from(ctx.author().id);
    let Some(e) = db::open_exam(&app.db, g, user).await? else {
        // No exam in progress: if the last one ended (time ran out, or finished), say so and
        // show its result rather than "no exam".
        let last = db::latest_exam(&app.db, g, user).await?.ok_or_else(|| {
            UserError::Invalid("You have no exam in progress: /exam start.".into())
        })?;
        let r = service::grade_exam(app, &last).await?;
        let when = last.graded_at.unwrap_or(last.deadline);
        let ended = if r.timed_out {
            format!(
                "Your exam #{} ended at its deadline, {}: time ran out. Here is its result; /exam start to take it again.",
                last.id,
                render::quiz::deadline(last.deadline)
            )
        } else {
            format!(
                "You have no exam in progress. Your last exam (#{}) was finished {}; here is its result.",
                last.id,
                render::quiz::deadline(when)
            )
        };
        ctx.send(
            poise::CreateReply::default()
                .content(ended)
                .embed(view::exam_result(&app.course, &r))
                .ephemeral(true)
                .allowed_mentions(render::no_pings()),
        )
        .await?;
        return Ok(());
    };
    if app.clock.now() > e.deadline {
        let r = service::grade_exam(app, &e).await?;
        ctx.send(
            poise::CreateReply::default()
                .content(format!(
                    "Your exam #{} ended at its deadline, {}: time ran out. Here is its result.",
                    e.id,
                    render::quiz::deadline(e.deadline)
                ))
                .embed(view::exam_result(&app.course, &r))
                .ephemeral(true)
                .allowed_mentions(render::no_pings()),
        )
        .await?;
        return Ok(());
    }
    let pos = service::next_position(app, &e).await?;
    let q =
        crate::quiz::daily::question(&app.course, &e.questions[pos.min(e.questions.len() - 1)])?;
    let (embed, rows) = view::exam_question(&app.course, &e, q, pos);
    ctx.send(
        poise::CreateReply::default()
            .embed(embed)
            .components(rows)
            .ephemeral(true)
            .allowed_mentions(render::no_pings()),
    )
    .await?;
    Ok(())
}

/// Capstone projects.
#[poise::command(slash_command, guild_only, subcommands("submit"), subcommand_required)]
pub async fn capstone(_ctx: Context<'_>) -> Result<(), Error> {
    Ok(())
}

/// Submit your capstone (or, for a specialist track, your architecture portfolio) for review.
#[poise::command(slash_command, guild_only)]
pub async fn submit(
    ctx: Context<'_>,
    #[description = "Learning path or specialist track"]
    #[autocomplete = "autocomplete_path"]
    path: String,
    #[description = "Link to your repository or portfolio"] link: String,
) -> Result<(), Error> {
    let app = &ctx.data().app();
    let g = Actor::from_ctx(&ctx).guild()?;
    let (id, what) =
        service::submit_capstone(app, g, ids::UserId::from(ctx.author().id), &path, &link).await?;
    ephemeral(ctx, format!("Your {what} is submitted (#{id}). A moderator will review it; you will get a direct message.")).await
}

/// Submissions awaiting review (moderators).
#[poise::command(slash_command, guild_only, default_member_permissions = "MANAGE_GUILD")]
pub async fn queue(ctx: Context<'_>) -> Result<(), Error> {
    let app = &ctx.data().app();
    let g = Actor::from_ctx(&ctx)
        .require_moderator(app, MOD_PERM, MOD_PERM_NAME)
        .await?;
    let list = db::pending_capstones(&app.db, g).await?;
    let mut desc = String::new();
    if list.is_empty() {
        desc.push_str("Nothing to review.");
    }
    for c in list.iter().take(20) {
        desc.push_str(&format!(
            "**#{}** <@{}> · {} · {}\n{}\n",
            c.id,
            c.user,
            c.cert_id,
            render::quiz::relative(c.submitted_at),
            truncate(&render::defuse(&c.link), 300)
        ));
    }
    crate::discord::reply_embed(ctx, render::card("Capstone queue", &desc), true).await?;
    Ok(())
}

async fn tell_member(ctx: Context<'_>, user: ids::UserId, text: String) -> bool {
    serenity::UserId::from(user)
        .direct_message(
            ctx.http(),
            CreateMessage::new()
                .content(truncate(&text, 2000))
                .allowed_mentions(render::no_pings()),
        )
        .await
        .is_ok()
}

/// Approve a submission (moderators).
#[poise::command(slash_command, guild_only, default_member_permissions = "MANAGE_GUILD")]
pub async fn approve(
    ctx: Context<'_>,
    #[description = "Submission number"] id: i64,
) -> Result<(), Error> {
    let app = &ctx.data().app();
    let g = Actor::from_ctx(&ctx)
        .require_moderator(app, MOD_PERM, MOD_PERM_NAME)
        .await?;
    let (c, awarded) =
        service::review_capstone(app, g, id, true, ids::UserId::from(ctx.author().id), None)
            .await?;
    let dm = tell_member(
        ctx,
        c.user,
        format!("Your submission #{} ({}) was approved. 🎉", c.id, c.cert_id),
    )
    .await;
    ephemeral(
        ctx,
        format!(
            "Approved #{}.{}{}",
            c.id,
            if awarded.is_empty() {
                String::new()
            } else {
                format!(" Certificate earned: {}.", awarded.join(", "))
            },
            if dm {
                ""
            } else {
                " (The member could not be told by DM.)"
            }
        ),
    )
    .await
}

/// Reject a submission with feedback for the member (moderators).
#[poise::command(slash_command, guild_only, default_member_permissions = "MANAGE_GUILD")]
pub async fn reject(
    ctx: Context<'_>,
    #[description = "Submission number"] id: i64,
    #[description = "What to improve"]
    #[max_length = 1000]
    reason: String,
) -> Result<(), Error> {
    let app = &ctx.data().app();
    let g = Actor::from_ctx(&ctx)
        .require_moderator(app, MOD_PERM, MOD_PERM_NAME)
        .await?;
    let (c, _) = service::review_capstone(
        app,
        g,
        id,
        false,
        ids::UserId::from(ctx.author().id),
        Some(&reason),
    )
    .await?;
    let dm = tell_member(ctx, c.user, format!("Your submission #{} ({}) needs more work:\n{}\nSubmit again with /capstone submit when ready.", c.id, c.cert_id, render::defuse(&reason))).await;
    ephemeral(
        ctx,
        format!(
            "Rejected #{}.{}",
            c.id,
            if dm {
                " The member was told by DM."
            } else {
                " (The member could not be told by DM.)"
            }
        ),
    )
    .await
}

/// Certificate holders, newest first.
#[poise::command(slash_command, guild_only, subcommands("holders"), subcommand_required)]
pub async fn certs(_ctx: Context<'_>) -> Result<(), Error> {
    Ok(())
}

/// Who holds the certificates (or one of them), newest first.
#[poise::command(slash_command, guild_only)]
pub async fn holders(
    ctx: Context<'_>,
    #[description = "Only this path's certificate"]
    #[autocomplete = "autocomplete_path"]
    path: Option<String>,
) -> Result<(), Error> {
    let app = &ctx.data().app();
    let g = Actor::from_ctx(&ctx).guild()?;
    let cert = match path.as_deref() {
        Some(p) => Some(
            crate::certification::cert_for_path(&app.course, p)
                .ok_or_else(|| UserError::UnknownPath(p.into()))?
                .id
                .clone(),
        ),
        None => None,
    };
    let list = db::holders(&app.db, g, cert.as_deref()).await?;
    let mut desc = String::new();
    if list.is_empty() {
        desc.push_str("Nobody yet.");
    }
    for c in list.iter().take(25) {
        let t = app
            .course
            .certification(&c.cert_id)
            .map(|x| x.title.clone())
            .unwrap_or_default();
        desc.push_str(&format!(
            "<@{}> · {}{} · {}\n",
            c.user_id,
            t,
            c.grade_label
                .as_ref()
                .map(|l| format!(" ({l})"))
                .unwrap_or_default(),
            c.awarded_at.get(..10).unwrap_or(&c.awarded_at)
        ));
    }
    crate::discord::reply_embed(ctx, render::card("Certificate holders", &desc), false).await?;
    Ok(())
}

/// Revoke a member's certificate (moderators).
#[poise::command(slash_command, guild_only, default_member_permissions = "MANAGE_GUILD")]
pub async fn revoke(
    ctx: Context<'_>,
    #[description = "Member"] member: serenity::UserId,
    #[description = "Path of the certificate"]
    #[autocomplete = "autocomplete_path"]
    path: String,
    #[description = "Why"]
    #[max_length = 500]
    reason: String,
) -> Result<(), Error> {
    let app = &ctx.data().app();
    let g = Actor::from_ctx(&ctx)
        .require_moderator(app, MOD_PERM, MOD_PERM_NAME)
        .await?;
    let cert = crate::certification::cert_for_path(&app.course, &path)
        .ok_or_else(|| UserError::UnknownPath(path.clone()))?;
    if !db::revoke(
        &app.db,
        g,
        member.into(),
        &cert.id,
        &reason,
        app.clock.now(),
    )
    .await?
    {
        return Err(UserError::Invalid(format!(
            "<@{}> does not hold the {}.",
            member.get(),
            cert.title
        ))
        .into());
    }
    ephemeral(
        ctx,
        format!("Revoked the {} of <@{}>.", cert.title, member.get()),
    )
    .await
}
