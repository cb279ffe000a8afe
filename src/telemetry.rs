//! Logging: `tracing` with the level from `RUST_LOG` (default `info`), to stderr.
//!
//! `log_format = "text"` (the default): human-readable lines, coloured only when stderr is a
//! terminal and `NO_COLOR` is not set, so log files hold plain text. `"json"`
//! (`COURSEBOT_LOG_FORMAT=json`): one JSON object per line (timestamp, level, target, the
//! event's fields flattened beside `message`), for a log collector; never coloured.

use crate::config::LogFormat;
use std::io::IsTerminal;
use tracing_subscriber::EnvFilter;

const DEFAULT_FILTER: &str = "info,serenity=warn,tantivy=warn,sqlx=warn,poise=warn,tracing=warn";

pub fn init(format: LogFormat) {
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(DEFAULT_FILTER));
    let _ = match format {
        LogFormat::Text => tracing_subscriber::fmt()
            .with_env_filter(filter)
            .with_writer(std::io::stderr)
            .with_ansi(colour())
            .try_init(),
        LogFormat::Json => tracing_subscriber::fmt()
            .json()
            .flatten_event(true)
            .with_current_span(false)
            .with_env_filter(filter)
            .with_writer(std::io::stderr)
            .with_ansi(false)
            .try_init(),
    };
}

/// Whether to colour the log: stderr is a terminal and `NO_COLOR` is unset or empty.
pub fn colour() -> bool {
    std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}
