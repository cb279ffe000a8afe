//! Logging: `tracing` with the level from `RUST_LOG` (default `info`), to stderr. Colour only
//! when stderr is a terminal and `NO_COLOR` is not set, so log files hold plain text.

use std::io::IsTerminal;

use tracing_subscriber::EnvFilter;

pub fn init() {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| {
        EnvFilter::new("info,serenity=warn,tantivy=warn,sqlx=warn,poise=warn,tracing=warn")
    });
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(colour())
        .try_init();
}

/// Whether to colour the log: stderr is a terminal and `NO_COLOR` is unset or empty.
pub fn colour() -> bool {
    std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}
