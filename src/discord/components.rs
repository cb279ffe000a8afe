//! Buttons, select menus and modals, dispatched by their `custom_id` prefix.

use super::{render, user_message, Data};
use poise::serenity_prelude as serenity;
use serenity::{CreateInteractionResponse, CreateInteractionResponseMessage};
use std::time::Instant;

pub async fn handle_component(
    ctx: &serenity::Context,
    data: &Data,
    c: &serenity::ComponentInteraction,
) {
    let started = Instant::now();
    let id = c.data.custom_id.as_str();
    let r = if let Some(rest) = id.strip_prefix("ex:") {
        explain_button(ctx, data, c, rest, false).await
    } else if let Some(rest) = id.strip_prefix("exp:") {
        explain_button(ctx, data, c, rest, true).await
    } else {
        tracing::warn!(custom_id = id, "unknown component");
        Ok(())
    };
    if let Err(e) = r {
        let msg = user_message(&e, id);
        let _ = c
            .create_response(
                ctx,
                CreateInteractionResponse::Message(
                    CreateInteractionResponseMessage::new()
                        .content(msg)
                        .ephemeral(true)
                        .allowed_mentions(render::no_pings()),
                ),
            )
            .await;
    }
    tracing::info!(
        component = id.split(':').next().unwrap_or(""),
        guild = c.guild_id.map(|g| g.get()).unwrap_or(0),
        user = c.user.id.get(),
        latency_ms = format!("{:.1}", started.elapsed().as_secs_f64() * 1000.0),
        "interaction"
    );
}

pub async fn handle_modal(_ctx: &serenity::Context, _data: &Data, m: &serenity::ModalInteraction) {
    tracing::debug!(custom_id = %m.data.custom_id, "modal not handled here");
}

/// `ex:<n>:<query>` shows result n to the clicker; `exp:<n>:<query>` posts result n in the channel.
async fn explain_button(
    ctx: &serenity::Context,
    data: &Data,
    c: &serenity::ComponentInteraction,
    rest: &str,
    post: bool,
) -> anyhow::Result<()> {
    let (n, query) = rest.split_once(':').unwrap_or(("0", rest));
    let n: usize = n.parse().unwrap_or(0);
    let app = &data.app;
    let search = app
        .search_within(std::time::Duration::from_secs(2))
        .await
        .ok_or(crate::error::UserError::IndexNotReady)?;
    let hits = search.search(query, n + 3);
    if n >= hits.len() {
        return Err(crate::error::UserError::Invalid(
            "That result is no longer available; run /explain again.".into(),
        )
        .into());
    }
    let (embed, rows) = render::explain_page(&app.course, &hits, n, query, !post);
    let mut msg = CreateInteractionResponseMessage::new()
        .embed(embed)
        .allowed_mentions(render::no_pings());
    if post {
        msg = msg
            .content(format!("Shared by <@{}>", c.user.id.get()))
            .components(rows);
    } else {
        msg = msg.components(rows).ephemeral(true);
    }
    c.create_response(ctx, CreateInteractionResponse::Message(msg))
        .await?;
    Ok(())
}
