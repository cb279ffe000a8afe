//! `/explain topic [private]`: the course passage that answers a question.

use crate::discord::render;
use crate::discord::{Context, Error};
use crate::error::UserError;
use poise::serenity_prelude as serenity;
use std::time::Duration;

/// How long a command waits for the search index at start-up.
const INDEX_WAIT: Duration = Duration::from_secs(2);
/// Autocomplete must answer within Discord's 3 s; it waits less for the index.
const AUTOCOMPLETE_INDEX_WAIT: Duration = Duration::from_millis(1500);
/// Discord's cap on autocomplete choices.
pub const MAX_CHOICES: usize = 25;

async fn autocomplete_topic(
    ctx: Context<'_>,
    partial: &str,
) -> serenity::CreateAutocompleteResponse {
    let started = std::time::Instant::now();
    let choices = match ctx
        .data()
        .app()
        .search_within(AUTOCOMPLETE_INDEX_WAIT)
        .await
    {
        Some(s) => s
            .suggest(partial, MAX_CHOICES)
            .into_iter()
            .take(MAX_CHOICES)
            .map(|h| {
                let v = render::truncate(&h, 100);
                serenity::AutocompleteChoice::new(v.clone(), v)
            })
            .collect(),
        None => Vec::new(),
    };
    tracing::info!(
        command = "explain",
        kind = "autocomplete",
        latency_ms = format!("{:.1}", started.elapsed().as_secs_f64() * 1000.0),
        "interaction"
    );
    serenity::CreateAutocompleteResponse::new().set_choices(choices)
}

/// Explain a Celery topic with the right passage of the course.
#[poise::command(slash_command)]
pub async fn explain(
    ctx: Context<'_>,
    #[description = "What you want explained, in your own words (e.g. chords, retries)"]
    #[autocomplete = "autocomplete_topic"]
    #[max_length = 200]
    topic: String,
    #[description = "Only you see the answer (you can still post it in the channel)"]
    private: Option<bool>,
) -> Result<(), Error> {
    let app = &ctx.data().app();
    let search = app
        .search_within(INDEX_WAIT)
        .await
        .ok_or(UserError::IndexNotReady)?;
    let answer = search.answer(&topic, 3);
    let hits = answer.hits;
    if hits.is_empty() {
        let closest = crate::explain::did_you_mean(&app.course, &topic, &answer.did_you_mean, 5);
        ctx.send(
            poise::CreateReply::default()
                .content(render::nothing_found(&topic, &closest))
                .ephemeral(true)
                .allowed_mentions(render::no_pings()),
        )
        .await?;
        return Ok(());
    }
    let mut private = private.unwrap_or(false);
    // A public answer is a post in the channel for the member: it needs their Send Messages
    // permission there and respects the post cooldown; otherwise it is shown to them only.
    let mut note = String::new();
    let actor = crate::discord::checks::Actor::from_ctx(&ctx);
    if !private && actor.guild.is_some() {
        let posted =
            ctx.data()
                .post_cooldowns
                .try_post(&actor, ctx.author().id.get(), app.clock.now());
        if let Err(refused) = posted {
            private = true;
            note = format!("{} Only you see this answer.", refused.message());
        }
    }
    let (embed, rows) = render::explain_page(&app.course, &hits, 0, &topic, private);
    let mut reply = poise::CreateReply::default()
        .embed(embed)
        .components(rows)
        .ephemeral(private)
        .allowed_mentions(render::no_pings());
    if !note.is_empty() {
        reply = reply.content(note);
    }
    ctx.send(reply).await?;
    Ok(())
}
