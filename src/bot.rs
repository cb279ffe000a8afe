//! Running the bot: connect to Discord (or whatever `DISCORD_API_BASE` points at) and serve
//! until SIGINT/SIGTERM.

use crate::app::App;
use crate::clock::{SharedClock, SystemClock};
use crate::config::Config;
use anyhow::{bail, Context, Result};
use poise::serenity_prelude as serenity;
use std::future::Future;
use std::sync::Arc;

/// Printed when no token is configured.
pub const NO_TOKEN_HELP: &str =
    "no Discord bot token: set DISCORD_TOKEN (or [discord] token in coursebot.toml).
Get one at https://discord.com/developers/applications -> your application -> Bot -> Reset Token
(README.md, section \"Create the Discord application\", walks through it).
To try the course offline without Discord: `coursebot explain chords`, `coursebot stats`.";

/// Gateway intents: interactions need none; GUILDS keeps the gateway session useful.
pub fn intents() -> serenity::GatewayIntents {
    serenity::GatewayIntents::GUILDS
}

/// `coursebot run`.
pub async fn run(config: Config) -> Result<()> {
    if config.token.is_empty() {
        bail!(NO_TOKEN_HELP);
    }
    let clock: SharedClock = Arc::new(SystemClock);
    let app = App::open(&config, clock).await?;
    serve(&config, app, shutdown_signal()).await
}

/// Serve until `shutdown` completes, then close the shards and the database.
pub async fn serve(config: &Config, app: App, shutdown: impl Future<Output = ()>) -> Result<()> {
    let mut http = serenity::HttpBuilder::new(config.token.expose());
    if let Some(base) = &config.api_base {
        // The proxy is ignored while serenity's rate limiter is on (it builds its own requests).
        http = http
            .proxy(base.trim_end_matches('/'))
            .ratelimiter_disabled(true);
    }
    let db = app.db.clone();
    let jobs_app = app.clone();
    let jobs: Arc<std::sync::Mutex<Option<tokio::task::AbortHandle>>> = Arc::default();
    let jobs_slot = jobs.clone();
    let framework = crate::discord::framework(
        app,
        config.guilds.clone(),
        Box::new(move |_app: &App, http| {
            let handle = crate::jobs::start(jobs_app, http);
            *jobs_slot.lock().unwrap_or_else(|e| e.into_inner()) = Some(handle);
        }),
    );
    let mut client = serenity::ClientBuilder::new_with_http(http.build(), intents())
        .framework(framework)
        .await
        .context("building the Discord client")?;
    let shards = client.shard_manager.clone();
    tokio::select! {
        r = client.start() => {
            r.context("Discord connection")?;
        }
        _ = shutdown => {
            tracing::info!("shutting down");
            shards.shutdown_all().await;
        }
    }
    if let Some(j) = jobs.lock().unwrap_or_else(|e| e.into_inner()).take() {
        j.abort();
    }
    db.close().await;
    tracing::info!("stopped");
    Ok(())
}

/// Completes on SIGINT or SIGTERM.
pub async fn shutdown_signal() {
    #[cfg(unix)]
    {
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
            .expect("installing the SIGTERM handler");
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
