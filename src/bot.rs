//! Running the bot: connect to Discord (or whatever `DISCORD_API_BASE` points at) and serve
//! until SIGINT/SIGTERM.

use crate::app::App;
use crate::clock::Clock;
use crate::clock::{SharedClock, SystemClock};
use crate::config::{Config, ShardPlan};
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

/// How long to keep trying to reach Discord before giving up (s); `COURSEBOT_CONNECT_TIMEOUT_SECS`
/// (`connect_timeout_secs`).
pub const DEFAULT_CONNECT_TIMEOUT_SECS: u64 = crate::config::DEFAULT_CONNECT_TIMEOUT_SECS;

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
async fn preflight(
    http: &serenity::Http,
    base: &str,
    limit: std::time::Duration,
) -> Result<serenity::BotGateway> {
    let started = tokio::time::Instant::now();
    let mut delay = std::time::Duration::from_secs(1);
    let mut attempt = 0u32;
    loop {
        attempt += 1;
        let err = match http.get_bot_gateway().await {
            Ok(g) => return Ok(g),
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

/// The HTTP client for `config`: through `api_base` when set (serenity's rate limiter off,
/// since it ignores the proxy).
fn http_client(config: &Config) -> serenity::Http {
    let mut http = serenity::HttpBuilder::new(config.token.expose());
    if let Some(base) = &config.api_base {
        // The proxy is ignored while serenity's rate limiter is on (it builds its own requests).
        http = http
            .proxy(base.trim_end_matches('/'))
            .ratelimiter_disabled(true);
    }
    http.build()
}

/// `coursebot register-commands [--force]`: register the command set when it differs from
/// the stored one (always with `force`) and remember its hash. Returns what to print.
pub async fn register_commands(config: &Config, force: bool) -> Result<String> {
    use crate::discord::registration::{self, Outcome};
    if config.token.is_empty() {
        bail!(NO_TOKEN_HELP);
    }
    if let Some(p) = token_shape_problem(config.token.expose()) {
        bail!(p);
    }
    let db = crate::store::connect(&config.database_url).await?;
    let http = http_client(config);
    let now = SystemClock.now();
    let outcome = if force {
        registration::ensure_application_id(&http).await?;
        registration::register(&db, &http, &config.guilds, now).await?;
        Outcome::Registered
    } else {
        registration::register_if_changed(&db, &http, &config.guilds, now).await?
    };
    db.close().await;
    let place = if config.guilds.is_empty() {
        "globally".to_string()
    } else {
        format!("in {} guild(s)", config.guilds.len())
    };
    Ok(match outcome {
        Outcome::Registered => format!("slash commands registered {place}"),
        Outcome::Unchanged => {
            format!(
                "slash commands already registered {place} (unchanged; --force registers anyway)"
            )
        }
    })
}

/// serenity's `start_shard_range` takes a `Range` whose end is *inclusive* (`0..1` starts
/// shards 0 and 1): the argument for shards `first..=last`.
pub fn serenity_shard_range(first: u32, last: u32) -> std::ops::Range<u32> {
    first..last
}

/// Only shard 0 receives what is not tied to a guild (direct messages); a process that does
/// not run shard 0 drops such events should one reach it, so DMs are handled exactly once.
struct ShardScope<F> {
    inner: F,
}

/// Whether `event` is something Discord sends to shard 0 alone (no guild).
fn is_shard_zero_only(event: &serenity::FullEvent) -> bool {
    match event {
        serenity::FullEvent::InteractionCreate { interaction } => interaction.guild_id().is_none(),
        serenity::FullEvent::Message { new_message } => new_message.guild_id.is_none(),
        _ => false,
    }
}

#[serenity::async_trait]
impl<F: serenity::Framework> serenity::Framework for ShardScope<F> {
    async fn init(&mut self, client: &serenity::Client) {
        self.inner.init(client).await;
    }
    async fn dispatch(&self, ctx: serenity::Context, event: serenity::FullEvent) {
        if ctx.shard_id.0 != 0 && is_shard_zero_only(&event) {
            tracing::debug!(
                shard = ctx.shard_id.0,
                "ignoring a direct-message event: shard 0 handles those"
            );
            return;
        }
        self.inner.dispatch(ctx, event).await;
    }
}

/// Serve until `shutdown` completes, then close the shards and the database.
pub async fn serve(config: &Config, app: App, shutdown: impl Future<Output = ()>) -> Result<()> {
    serve_notify(config, app, shutdown, None).await
}

/// [`serve`], telling `ready_signal` once the first shard is ready and the commands are registered
/// (when they had to be) and the job runner runs.
pub async fn serve_notify(
    config: &Config,
    app: App,
    shutdown: impl Future<Output = ()>,
    ready_signal: Option<tokio::sync::oneshot::Sender<()>>,
) -> Result<()> {
    let http = http_client(config);
    let base = config
        .api_base
        .clone()
        .unwrap_or_else(|| "https://discord.com".into());
    let limit = std::time::Duration::from_secs(config.connect_timeout_secs.max(1));
    // Operations: /metrics, /healthz, /readyz (before connecting: /readyz says "waiting for
    // READY" meanwhile) and reload on SIGHUP.
    // How many shards this process runs is known after the preflight (set below).
    let probe = crate::ops::health::Probe::new(app.clone(), 1);
    let mut ops_tasks = Vec::new();
    if let Some(addr) = config.metrics_addr {
        ops_tasks.push(crate::ops::health::start(addr, probe.clone()).await?);
    }
    ops_tasks.extend(crate::ops::reload::on_sighup(app.clone()));
    let stop_ops = || ops_tasks.iter().for_each(|t| t.abort());
    tracing::info!(api = %base, "connecting to Discord");
    let gateway = match preflight(&http, &base, limit).await {
        Ok(g) => g,
        Err(e) => {
            stop_ops();
            return Err(e);
        }
    };
    let (first, last, total) = match config.shards {
        ShardPlan::Auto => (0, gateway.shards.max(1) - 1, gateway.shards.max(1)),
        ShardPlan::Range { first, last, total } => (first, last, total),
    };
    let starts = u64::from(last - first + 1);
    probe.set_expected_shards(last - first + 1);
    let limits = &gateway.session_start_limit;
    tracing::info!(
        shards = %format!("{first}-{last}"),
        shard_total = total,
        chosen_by = if config.shards == ShardPlan::Auto { "Discord (GET /gateway/bot)" } else { "configuration" },
        handles_direct_messages = first == 0,
        "gateway shards of this process"
    );
    if limits.remaining < starts {
        tracing::warn!(
            remaining = limits.remaining,
            needed = starts,
            reset_after_ms = limits.reset_after,
            "Discord's session start limit is nearly used up: some shards will wait for it to reset"
        );
    }
    let db = app.db.clone();
    let answers = app.answers.clone();
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
            if let Some(r) = ready_signal {
                let _ = r.send(());
            }
        }),
    );
    let mut client = match serenity::ClientBuilder::new_with_http(http, intents())
        .framework(ShardScope { inner: framework })
        .await
    {
        Ok(c) => c,
        Err(e) => {
            stop_ops();
            return Err(anyhow::Error::new(e).context("building the Discord client"));
        }
    };
    let shards = client.shard_manager.clone();
    probe.set_shards(shards.clone());
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
        r = client.start_shard_range(serenity_shard_range(first, last), total) => match r {
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
    stop_ops();
    if let Some(j) = jobs.lock().unwrap_or_else(|e| e.into_inner()).take() {
        j.abort();
    }
    // Answers already handed to the writer are committed (and their members answered) before
    // the database closes.
    answers.shutdown().await;
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
    fn the_serenity_range_end_is_the_last_shard() {
        // serenity starts `end - start + 1` shards from `start`.
        let r = serenity_shard_range(0, 3);
        assert_eq!(r.end - r.start + 1, 4);
        assert_eq!((r.start, r.end), (0, 3));
        let one = serenity_shard_range(5, 5);
        assert_eq!(one.end - one.start + 1, 1);
    }

    #[test]
    fn base64url() {
        assert_eq!(decode_base64url("MTIzNDU2Nzg5").unwrap(), b"123456789");
        assert_eq!(decode_base64url("aGk").unwrap(), b"hi");
        assert!(decode_base64url("a").is_none());
        assert!(decode_base64url("a*bc").is_none());
    }
}
