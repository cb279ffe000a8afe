//! Background work. What is due lives in SQLite (quizzes to post, close and reveal; later
//! reminders); every tick reads the injected clock, does what is due and records it, so a
//! restart finds the same rows and nothing is done twice. Started once, at the first READY.

mod certification;
pub mod office_hours;
mod quiz;

use crate::app::App;
use poise::serenity_prelude as serenity;
use std::sync::Arc;
use std::time::Duration;

/// How often the runner looks for due work (ms); `COURSEBOT_TICK_MS` overrides it.
pub const DEFAULT_TICK_MS: u64 = 1000;

fn tick_interval() -> Duration {
    Duration::from_millis(
        std::env::var("COURSEBOT_TICK_MS")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(DEFAULT_TICK_MS)
            .max(10),
    )
}

/// Start the runner for `app`, sending through `http`. Abort the returned handle to stop it
/// (between ticks nothing is lost: what is due stays in SQLite).
pub fn start(app: App, http: Arc<serenity::Http>) -> tokio::task::AbortHandle {
    let every = tick_interval();
    tokio::spawn(async move {
        tracing::info!(every_ms = every.as_millis() as u64, "job runner started");
        loop {
            if let Err(e) = tick(&app, &http).await {
                tracing::error!(error = format!("{e:#}"), "job tick failed");
            }
            tokio::time::sleep(every).await;
        }
    })
    .abort_handle()
}

/// Do everything that is due now.
pub async fn tick(app: &App, http: &serenity::Http) -> anyhow::Result<()> {
    // Independent: a failure in one does not hold up the other.
    let q = quiz::run(app, http).await;
    let o = office_hours::run(app, http).await;
    let c = certification::run(app, http).await;
    q?;
    o?;
    c?;
    Ok(())
}

/// Whether an HTTP error is permanent (Discord refused: missing access, unknown channel...),
/// in which case retrying is pointless.
pub fn is_permanent(e: &serenity::Error) -> bool {
    match e {
        serenity::Error::Http(serenity::HttpError::UnsuccessfulRequest(r)) => {
            r.status_code.is_client_error() && r.status_code.as_u16() != 429
        }
        _ => false,
    }
}
