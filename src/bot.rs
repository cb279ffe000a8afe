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

/// What is wrong with a token's shape, checked offline: a bot token is three base64url parts
/// joined by dots, the first being the bot's user id in base64. The message never contains the
/// token.
pub fn token_shape_problem(token: &str) -> Option<String> {
    const HELP: &str = "copy it again from https://discord.com/developers/applications -> your application -> Bot -> Reset Token";
    let token = token.trim();
    if token.starts_with("Bot ") {
        return Some(format!(
            "DISCORD_TOKEN starts with \"Bot \": give the token alone, without that prefix ({HELP})"
        ));
    }
    let parts: Vec<&str> = token.split('.').collect();
    let base64url = |p: &str| {
        p.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    };
    if parts.len() != 3 || parts.iter().any(|p| p.is_empty()) {
        return Some(format!(
            "DISCORD_TOKEN does not look like a bot token: expected three parts separated by dots, found {} ({} characters); {HELP}",
            parts.len(),
            token.chars().count()
        ));
    }
    if !parts.iter().all(|p| base64url(p)) {
        return Some(format!(
            "DISCORD_TOKEN does not look like a bot token: it contains characters other than letters, digits, `-` and `_` between the dots (a space or quote pasted with it?); {HELP}"
        ));
    }
    match decode_base64url(parts[0]) {
        Some(id) if !id.is_empty() && id.iter().all(u8::is_ascii_digit) => None,
        _ => Some(format!(
            "DISCORD_TOKEN does not look like a bot token: its first part is not a bot id (is this a client secret or a public key instead?); {HELP}"
        )),
    }
}

/// Decode unpadded base64url (or standard base64); `None` when it is not.
fn decode_base64url(s: &str) -> Option<Vec<u8>> {
    let val = |c: u8| -> Option<u32> {
        Some(match c {
            b'A'..=b'Z' => (c - b'A') as u32,
            b'a'..=b'z' => (c - b'a') as u32 + 26,
            b'0'..=b'9' => (c - b'0') as u32 + 52,
            b'-' | b'+' => 62,
            b'_' | b'/' => 63,
            _ => return None,
        })
    };
    let s = s.trim_end_matches('=').as_bytes();
    if s.len() % 4 == 1 {
        return None;
    }
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    for chunk in s.chunks(4) {
        let mut acc = 0u32;
        for (i, &c) in chunk.iter().enumerate() {
            acc |= val(c)? << (18 - 6 * i);
        }
        let bytes = acc.to_be_bytes();
        out.extend_from_slice(&bytes[1..chunk.len()]);
    }
    Some(out)
}

/// How long to keep trying to reach Discord before giving up (s); `COURSEBOT_CONNECT_TIMEOUT_SECS`.
pub const DEFAULT_CONNECT_TIMEOUT_SECS: u64 = 300;

fn connect_timeout() -> std::time::Duration {
    std::time::Duration::from_secs(
        std::env::var("COURSEBOT_CONNECT_TIMEOUT_SECS")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(DEFAULT_CONNECT_TIMEOUT_SECS)
            .max(1),
    )
}

/// `coursebot run`.
pub async fn run(config: Config) -> Result<()> {
    if config.token.is_empty() {
        bail!(NO_TOKEN_HELP);
    }
    if let Some(p) = token_shape_problem(config.token.expose()) {
        bail!(p);
    }
    // One process per SQLite file (held until `run` returns); PostgreSQL takes several.
    let _lock = crate::store::lock::lock_for_run(&config.database_url)?;
    let clock: SharedClock = Arc::new(SystemClock);
    let app = App::open(&config, clock).await?;
    serve(&config, app, shutdown_signal()).await
}

/// Check that Discord answers and accepts the token (`GET /gateway/bot` needs a valid one),
/// retrying network errors and 5xx with exponential back-off for at most `limit`. A 401 is
/// final: "token rejected".
async fn preflight(http: &serenity::Http, base: &str, limit: std::time::Duration) -> Result<()> {
    let started = tokio::time::Instant::now();
    let mut delay = std::time::Duration::from_secs(1);
    let mut attempt = 0u32;
    loop {
        attempt += 1;
        let err = match http.get_bot_gateway().await {
            Ok(_) => return Ok(()),
            Err(e) => e,
        };
        if let serenity::Error::Http(serenity::HttpError::UnsuccessfulRequest(r)) = &err {
            if r.status_code.as_u16() == 401 {
                bail!(
                    "token rejected: Discord answered 401 Unauthorized. The token in DISCORD_TOKEN was reset or belongs to another application; copy a new one from https://discord.com/developers/applications -> your application -> Bot -> Reset Token"
                );
            }
        }
        let what = crate::jobs::describe(&err);
        let elapsed = started.elapsed();
        if elapsed + delay > limit {
            bail!(
                "cannot reach Discord at {base} after {attempt} attempts in {} s ({what}). Check the network connection, a proxy (HTTPS_PROXY) or a firewall; DISCORD_API_BASE if you set it. COURSEBOT_CONNECT_TIMEOUT_SECS sets how long to keep trying.",
                elapsed.as_secs()
            );
        }
        tracing::warn!(attempt, retry_in_s = delay.as_secs(), error = %what, "Discord is not reachable yet; retrying");
        tokio::time::sleep(delay).await;
        delay = (delay * 2).min(std::time::Duration::from_secs(60));
    }
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
    let http = http.build();
    let base = config
        .api_base
        .clone()
        .unwrap_or_else(|| "https://discord.com".into());
    let limit = connect_timeout();
    tracing::info!(api = %base, "connecting to Discord");
    preflight(&http, &base, limit).await?;
    let db = app.db.clone();
    let jobs_app = app.clone();
    let jobs: Arc<std::sync::Mutex<Option<tokio::task::AbortHandle>>> = Arc::default();
    let jobs_slot = jobs.clone();
    let ready = Arc::new(tokio::sync::Notify::new());
    let ready_tx = ready.clone();
    let framework = crate::discord::framework(
        app,
        config.guilds.clone(),
        Box::new(move |_app: &App, http| {
            let handle = crate::jobs::start(jobs_app, http);
            *jobs_slot.lock().unwrap_or_else(|e| e.into_inner()) = Some(handle);
            ready_tx.notify_one();
        }),
    );
    let mut client = serenity::ClientBuilder::new_with_http(http, intents())
        .framework(framework)
        .await
        .context("building the Discord client")?;
    let shards = client.shard_manager.clone();
    // serenity retries a gateway that cannot be reached every few seconds, forever: give up
    // with a clear error when the first READY does not come within the bound.
    let watchdog = async {
        if tokio::time::timeout(limit, ready.notified()).await.is_err() {
            return Err(anyhow::anyhow!(
                "cannot reach Discord: no gateway session within {} s (the REST API answered). Check that websockets to gateway.discord.gg are allowed (proxy, firewall).",
                limit.as_secs()
            ));
        }
        tracing::info!("connected to Discord");
        std::future::pending::<Result<()>>().await
    };
    let outcome = tokio::select! {
        r = client.start() => match r {
            Err(serenity::Error::Gateway(serenity::GatewayError::InvalidAuthentication)) => Err(anyhow::anyhow!(
                "token rejected by the Discord gateway (4004 Authentication failed): copy a new token from https://discord.com/developers/applications -> your application -> Bot -> Reset Token"
            )),
            Err(serenity::Error::Gateway(serenity::GatewayError::DisallowedGatewayIntents)) => Err(anyhow::anyhow!(
                "Discord refused the gateway intents (4014): enable them for the bot in the Developer Portal"
            )),
            r => r.context("Discord connection"),
        },
        r = watchdog => r,
        _ = shutdown => {
            tracing::info!("shutting down");
            Ok(())
        }
    };
    shards.shutdown_all().await;
    if let Some(j) = jobs.lock().unwrap_or_else(|e| e.into_inner()).take() {
        j.abort();
    }
    db.close().await;
    outcome?;
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_shapes() {
        // The shape of a real token (made up): id in base64, timestamp, HMAC.
        assert_eq!(
            token_shape_problem(
                "MTIzNDU2Nzg5MDEyMzQ1Njc4.GhIjKl.abcdefghijklmnopqrstuvwxyz0123456789_-"
            ),
            None
        );
        for bad in [
            "",
            "not-a-token",
            "MTIzNDU2Nzg5.only-two",
            "a.b.c.d",
            "MTIzNDU2Nzg5..x",
            "MTIzNDU2Nzg5.ab cd.ef",
            "\"MTIzNDU2Nzg5.GhIjKl.abc\"",
            "aGVsbG8.GhIjKl.abc",
            "Bot MTIzNDU2Nzg5.GhIjKl.abc",
        ] {
            let p = token_shape_problem(bad).unwrap_or_else(|| panic!("{bad} accepted"));
            assert!(p.contains("DISCORD_TOKEN"), "{p}");
            if bad.len() > 3 {
                assert!(
                    !p.contains(bad.trim_start_matches("Bot ")),
                    "the token is echoed: {p}"
                );
            }
        }
    }

    #[test]
    fn base64url() {
        assert_eq!(decode_base64url("MTIzNDU2Nzg5").unwrap(), b"123456789");
        assert_eq!(decode_base64url("aGk").unwrap(), b"hi");
        assert!(decode_base64url("a").is_none());
        assert!(decode_base64url("a*bc").is_none());
    }
}
