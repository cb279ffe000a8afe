//! The Discord layer: poise commands, component handlers and rendering. Glue only: parse the
//! interaction, call the domain, render what it returns.

pub mod checks;
pub mod commands;
mod components;
pub mod custom_id;
pub mod registration;
pub mod render;

use crate::app::App;
use crate::error::UserError;
use crate::ops::metrics::Outcome;
use poise::serenity_prelude as serenity;
use std::time::Instant;

pub struct Data {
    /// The app as started; [`Data::app`] gives a fresh snapshot (the content may have been
    /// reloaded since).
    started: App,
    /// Per-member cooldown of posts the bot makes in a channel for a member.
    pub post_cooldowns: checks::PostCooldowns,
}

impl Data {
    pub fn new(app: App) -> Data {
        Data {
            started: app,
            post_cooldowns: Default::default(),
        }
    }

    /// A snapshot of the app with the current content: one per interaction.
    pub fn app(&self) -> App {
        self.started.current()
    }
}

pub type Error = anyhow::Error;
pub type Context<'a> = poise::Context<'a, Data, Error>;

/// What a member sees when something fails on the bot's side (the cause goes to the log).
pub const APOLOGY: &str =
    "Sorry, something went wrong on my side. It has been logged for the moderators.";

/// Called once at the first READY (not on reconnects): registers the slash commands when the
/// set changed ([`registration`]) and hands over the shared state. Any error here is fatal (see `bot::serve`).
pub type OnReady = Box<dyn FnOnce(&App, std::sync::Arc<serenity::Http>) + Send + Sync>;

/// The poise framework with every command of [`commands::all`].
pub fn framework(app: App, guilds: Vec<u64>, on_ready: OnReady) -> poise::Framework<Data, Error> {
    poise::Framework::builder()
        .options(poise::FrameworkOptions {
            commands: commands::all(),
            on_error: |e| Box::pin(on_error(e)),
            pre_command: |ctx| {
                Box::pin(async move {
                    ctx.set_invocation_data(Instant::now()).await;
                })
            },
            post_command: |ctx| Box::pin(log_done(ctx, Outcome::Ok)),
            event_handler: |fw, ev| Box::pin(event_handler(fw, ev)),
            allowed_mentions: Some(render::no_pings()),
            initialize_owners: false,
            ..Default::default()
        })
        // The builder's own flag wins over `FrameworkOptions::initialize_owners`: without this
        // poise looks the owners up over HTTP at every start (and warns when it cannot).
        .initialize_owners(false)
        .setup(move |ctx, ready, _fw| {
            Box::pin(async move {
                // Only when the set changed since the last registration (by any process).
                let outcome =
                    registration::register_if_changed(&app.db, &ctx.http, &guilds, app.clock.now())
                        .await?;
                tracing::info!(user = %ready.user.name, ?outcome, "ready");
                on_ready(&app, ctx.http.clone());
                Ok(Data::new(app))
            })
        })
        .build()
}

/// Reply to the member only (ephemeral), pinging nobody.
pub async fn ephemeral(ctx: Context<'_>, text: String) -> Result<(), Error> {
    ctx.send(
        poise::CreateReply::default()
            .content(render::truncate(&text, 2000))
            .ephemeral(true)
            .allowed_mentions(render::no_pings()),
    )
    .await?;
    Ok(())
}

/// Reply with an embed (to the member only when `ephemeral`), pinging nobody.
pub async fn reply_embed(
    ctx: Context<'_>,
    embed: serenity::CreateEmbed,
    ephemeral: bool,
) -> Result<(), Error> {
    ctx.send(
        poise::CreateReply::default()
            .embed(embed)
            .ephemeral(ephemeral)
            .allowed_mentions(render::no_pings()),
    )
    .await?;
    Ok(())
}

/// Log a finished slash command once (command, guild, latency, outcome) and count it.
async fn log_done(ctx: Context<'_>, outcome: Outcome) {
    let started = ctx.invocation_data::<Instant>().await.map(|t| *t);
    let took = started.map(|t| t.elapsed()).unwrap_or_default();
    let command = &ctx.command().qualified_name;
    crate::ops::metrics::interaction(command, outcome, took);
    tracing::info!(
        command = %command,
        guild = ctx.guild_id().map(|g| g.get()).unwrap_or(0),
        user = ctx.author().id.get(),
        latency_ms = format!("{:.1}", took.as_secs_f64() * 1000.0),
        outcome = outcome.label(),
        "interaction"
    );
}

async fn on_error(err: poise::FrameworkError<'_, Data, Error>) {
    match err {
        poise::FrameworkError::Command { error, ctx, .. } => {
            let outcome = if error.downcast_ref::<UserError>().is_some() {
                Outcome::UserError
            } else {
                Outcome::Error
            };
            log_done(ctx, outcome).await;
            let msg = user_message(&error, &ctx.command().qualified_name);
            let reply = poise::CreateReply::default()
                .content(msg)
                .ephemeral(true)
                .allowed_mentions(render::no_pings());
            if let Err(e) = ctx.send(reply).await {
                tracing::warn!(error = %e, "could not report an error to the member");
            }
        }
        poise::FrameworkError::ArgumentParse {
            error, input, ctx, ..
        } => {
            tracing::warn!(command = %ctx.command().qualified_name, input = ?input, error = %error, "unreadable options");
            log_done(ctx, Outcome::UserError).await;
            options_not_understood(ctx).await;
        }
        poise::FrameworkError::CommandStructureMismatch {
            description, ctx, ..
        } => {
            // Discord's view of the command differs from ours (say, resolved data is missing).
            tracing::warn!(command = %ctx.command().qualified_name, description, "command structure mismatch");
            options_not_understood(poise::Context::Application(ctx)).await;
        }
        poise::FrameworkError::Setup { error, .. } => {
            tracing::error!(error = format!("{error:#}"), "setup at READY failed");
            // Fatal: without registered commands and state every later event would hang.
            eprintln!("error: start-up failed: {error:#}");
            std::process::exit(1);
        }
        other => {
            if let Err(e) = poise::builtins::on_error(other).await {
                tracing::warn!(error = %e, "error while handling an error");
            }
        }
    }
}

async fn options_not_understood(ctx: Context<'_>) {
    let reply = poise::CreateReply::default()
        .content("I could not read the options of that command; please check them and try again.")
        .ephemeral(true)
        .allowed_mentions(render::no_pings());
    if let Err(e) = ctx.send(reply).await {
        tracing::warn!(error = %e, "could not report unreadable options");
    }
}

/// A member-facing message for `error`: its text for a [`UserError`], an apology otherwise
/// (and the cause logged).
pub fn user_message(error: &anyhow::Error, what: &str) -> String {
    match error.downcast_ref::<UserError>() {
        Some(u) => u.to_string(),
        None => {
            tracing::error!(what, error = format!("{error:#}"), "interaction failed");
            APOLOGY.to_string()
        }
    }
}

async fn event_handler(
    fw: poise::FrameworkContext<'_, Data, Error>,
    event: &serenity::FullEvent,
) -> Result<(), Error> {
    if let serenity::FullEvent::InteractionCreate { interaction } = event {
        match interaction {
            serenity::Interaction::Component(c) => {
                components::handle_component(fw.serenity_context, fw.user_data, c).await;
            }
            serenity::Interaction::Modal(m) => {
                components::handle_modal(fw.serenity_context, fw.user_data, m).await;
            }
            _ => {}
        }
    }
    Ok(())
}
