//! Configuration: defaults, then `coursebot.toml` (optional), then the environment, which wins.

use crate::error::UserError;
use anyhow::{Context, Result};
use serde::Deserialize;
use std::fmt;
use std::path::{Path, PathBuf};

/// A secret that never shows in `Debug` or logs.
#[derive(Clone, Default, Deserialize, PartialEq)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    pub fn new(s: impl Into<String>) -> Self {
        Secret(s.into())
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
    pub fn is_empty(&self) -> bool {
        self.0.trim().is_empty()
    }
}
impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(if self.0.is_empty() {
            "<unset>"
        } else {
            "<redacted>"
        })
    }
}

/// `[discord]` in coursebot.toml.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct DiscordConfig {
    /// Bot token. Prefer the `DISCORD_TOKEN` environment variable, which wins over this.
    pub token: Secret,
    /// Base URL that replaces `https://discord.com` for every REST call (tests, staging).
    /// Environment: `DISCORD_API_BASE`.
    pub api_base: Option<String>,
    /// Guild ids where slash commands are registered per guild (instant); empty: globally.
    pub guilds: Vec<u64>,
    /// The inclusive range of gateway shards this process runs, e.g. `"0-3"` (or `"2"`).
    /// Environment: `COURSEBOT_SHARDS`. Unset: the number Discord recommends, all here.
    pub shards: Option<String>,
    /// How many shards the bot runs over all its processes. Environment:
    /// `COURSEBOT_SHARD_TOTAL`. Required with `shards`.
    pub shard_total: Option<u32>,
}

/// `log_format`: how the log is written to stderr.
#[derive(Debug, Clone, Copy, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// Human-readable lines (coloured only on a terminal).
    #[default]
    Text,
    /// One JSON object per line (for a log collector).
    Json,
}

impl std::str::FromStr for LogFormat {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "text" => Ok(LogFormat::Text),
            "json" => Ok(LogFormat::Json),
            other => Err(format!(
                "`{other}` is not a log format: use `text` or `json`"
            )),
        }
    }
}

/// The whole file; every field optional.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct FileConfig {
    pub discord: DiscordConfig,
    /// SQLite URL, e.g. `sqlite://coursebot.db`. Environment: `DATABASE_URL`.
    pub database_url: Option<String>,
    /// Where the course files are. Environment: `COURSEBOT_CONTENT_DIR`. Default `content`.
    pub content_dir: Option<PathBuf>,
    /// Where the search index is built. Environment: `COURSEBOT_INDEX_DIR`. Default `index`.
    pub index_dir: Option<PathBuf>,
    /// Address of the HTTP listener for `/metrics`, `/healthz` and `/readyz`, e.g.
    /// `127.0.0.1:9464`. Environment: `COURSEBOT_METRICS_ADDR`. Default: off.
    pub metrics_addr: Option<String>,
    /// `text` (default) or `json`. Environment: `COURSEBOT_LOG_FORMAT`.
    pub log_format: Option<LogFormat>,
    /// How often the job runner looks for due work (ms). Environment: `COURSEBOT_TICK_MS`.
    pub tick_ms: Option<u64>,
    /// Longest time one job may take (ms). Environment: `COURSEBOT_JOB_TIMEOUT_MS`.
    pub job_timeout_ms: Option<u64>,
    /// How long `run` keeps trying to reach Discord at start (s).
    /// Environment: `COURSEBOT_CONNECT_TIMEOUT_SECS`.
    pub connect_timeout_secs: Option<u64>,
    /// How long a claimed job stays this process's without being extended (s).
    /// Environment: `COURSEBOT_JOB_LEASE_SECS`.
    pub job_lease_secs: Option<u64>,
    /// How long the answer writer waits for more answers after the first of a batch (µs).
    /// Environment: `COURSEBOT_ANSWER_BATCH_WINDOW_US`.
    pub answer_batch_window_us: Option<u64>,
    /// Most answers in one transaction. Environment: `COURSEBOT_ANSWER_BATCH_MAX`.
    pub answer_batch_max: Option<u64>,
}

/// Every environment variable the configuration reads: (variable, coursebot.toml key, meaning).
/// `coursebot run --help` lists them; a test checks that every key of the file has one.
pub const ENV_VARS: &[(&str, &str, &str)] = &[
    (
        "DISCORD_TOKEN",
        "discord.token",
        "bot token (required for `run`)",
    ),
    (
        "DISCORD_GUILDS",
        "discord.guilds",
        "guild ids, comma-separated: register commands there only (instant); empty: globally",
    ),
    (
        "COURSEBOT_SHARDS",
        "discord.shards",
        "gateway shards this process runs, e.g. 0-3 (with COURSEBOT_SHARD_TOTAL); default: all Discord recommends",
    ),
    (
        "COURSEBOT_SHARD_TOTAL",
        "discord.shard_total",
        "shards over all processes (with COURSEBOT_SHARDS)",
    ),
    (
        "DISCORD_API_BASE",
        "discord.api_base",
        "base URL instead of https://discord.com (tests, staging)",
    ),
    (
        "DATABASE_URL",
        "database_url",
        "database, default sqlite://coursebot.db",
    ),
    (
        "COURSEBOT_CONTENT_DIR",
        "content_dir",
        "course files, default `content`",
    ),
    (
        "COURSEBOT_INDEX_DIR",
        "index_dir",
        "search index directory, default `index`",
    ),
    (
        "COURSEBOT_METRICS_ADDR",
        "metrics_addr",
        "serve /metrics, /healthz, /readyz here (e.g. 127.0.0.1:9464); default off",
    ),
    (
        "COURSEBOT_LOG_FORMAT",
        "log_format",
        "`text` (default) or `json` (one object per line)",
    ),
    (
        "COURSEBOT_TICK_MS",
        "tick_ms",
        "how often the job runner looks for due work, default 1000",
    ),
    (
        "COURSEBOT_JOB_TIMEOUT_MS",
        "job_timeout_ms",
        "longest time one job may take, default 30000",
    ),
    (
        "COURSEBOT_CONNECT_TIMEOUT_SECS",
        "connect_timeout_secs",
        "how long `run` keeps trying to reach Discord at start, default 300",
    ),
    (
        "COURSEBOT_JOB_LEASE_SECS",
        "job_lease_secs",
        "how long a claimed job stays this process's before another may take it over, default 60 (1 to 86400)",
    ),
    (
        "COURSEBOT_ANSWER_BATCH_WINDOW_US",
        "answer_batch_window_us",
        "µs the answer writer waits for more answers after the first, default 0 (0 to 100000)",
    ),
    (
        "COURSEBOT_ANSWER_BATCH_MAX",
        "answer_batch_max",
        "most answers in one transaction, default 256 (1 to 10000)",
    ),
];

/// Resolved configuration.
#[derive(Debug, Clone)]
pub struct Config {
    pub token: Secret,
    pub api_base: Option<String>,
    pub guilds: Vec<u64>,
    /// Which gateway shards this process runs (`--shards`/`--shard-total`, `[discord] shards`
    /// and `shard_total`, `COURSEBOT_SHARDS`/`COURSEBOT_SHARD_TOTAL`).
    pub shards: ShardPlan,
    pub database_url: String,
    pub content_dir: PathBuf,
    pub index_dir: PathBuf,
    /// Where `/metrics`, `/healthz` and `/readyz` are served; `None`: not at all.
    pub metrics_addr: Option<std::net::SocketAddr>,
    pub log_format: LogFormat,
    pub tick_ms: u64,
    pub job_timeout_ms: u64,
    pub connect_timeout_secs: u64,
    pub job_lease_secs: u64,
    pub answer_batch_window_us: u64,
    pub answer_batch_max: u64,
}

/// Default database: a file next to where the bot runs, created on first start.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://coursebot.db";
/// How often the job runner looks for due work (ms).
pub const DEFAULT_TICK_MS: u64 = 1000;
/// Longest time one job may take (ms).
pub const DEFAULT_JOB_TIMEOUT_MS: u64 = 30_000;
/// How long to keep trying to reach Discord before giving up (s).
pub const DEFAULT_CONNECT_TIMEOUT_SECS: u64 = 300;
/// How long a claimed job stays one process's without being extended (s).
pub const DEFAULT_JOB_LEASE_SECS: u64 = 60;
/// The answer writer's window (µs): 0 takes what queued during the previous commit.
pub const DEFAULT_ANSWER_BATCH_WINDOW_US: u64 = 0;
/// Most answers in one transaction.
pub const DEFAULT_ANSWER_BATCH_MAX: u64 = 256;

impl Default for Config {
    /// The defaults alone: no file, no environment.
    fn default() -> Self {
        Config {
            token: Secret::default(),
            api_base: None,
            guilds: Vec::new(),
            shards: ShardPlan::Auto,
            database_url: DEFAULT_DATABASE_URL.to_string(),
            content_dir: PathBuf::from("content"),
            index_dir: PathBuf::from("index"),
            metrics_addr: None,
            log_format: LogFormat::Text,
            tick_ms: DEFAULT_TICK_MS,
            job_timeout_ms: DEFAULT_JOB_TIMEOUT_MS,
            connect_timeout_secs: DEFAULT_CONNECT_TIMEOUT_SECS,
            job_lease_secs: DEFAULT_JOB_LEASE_SECS,
            answer_batch_window_us: DEFAULT_ANSWER_BATCH_WINDOW_US,
            answer_batch_max: DEFAULT_ANSWER_BATCH_MAX,
        }
    }
}

/// Parse an environment variable's value, the error naming the variable.
fn env_parse<T: std::str::FromStr>(
    env: &dyn Fn(&str) -> Option<String>,
    name: &str,
    what: &str,
) -> Result<Option<T>> {
    match env(name) {
        None => Ok(None),
        Some(v) => v
            .trim()
            .parse()
            .map(Some)
            .map_err(|_| anyhow::anyhow!("{name}={v:?} is not {what}")),
    }
}

/// A whole number from the environment variable `names.0`, else the file's key `names.1`, else
/// `default`; outside `lo..=hi` it is an error naming where the value came from.
fn bounded(
    env: &dyn Fn(&str) -> Option<String>,
    names: (&str, &str),
    file: Option<u64>,
    default: u64,
    (lo, hi): (u64, u64),
    what: &str,
) -> Result<u64> {
    let (value, from) = match env_parse::<u64>(env, names.0, what)? {
        Some(v) => (v, names.0.to_string()),
        None => match file {
            Some(v) => (v, format!("{} in the config file", names.1)),
            None => return Ok(default),
        },
    };
    if (lo..=hi).contains(&value) {
        Ok(value)
    } else {
        Err(anyhow::anyhow!(
            "{from} = {value} is out of range: use {lo} to {hi}"
        ))
    }
}

/// `DISCORD_GUILDS`: ids separated by commas (or spaces).
fn parse_guilds(v: &str) -> Result<Vec<u64>> {
    v.split([',', ' '])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| {
            s.parse::<u64>().map_err(|_| {
                anyhow::anyhow!(
                    "DISCORD_GUILDS: `{s}` is not a guild id (a number); give ids separated by commas, e.g. DISCORD_GUILDS=123,456"
                )
            })
        })
        .collect()
}

fn parse_addr(v: &str, origin: &str) -> Result<std::net::SocketAddr> {
    v.trim().parse().map_err(|_| {
        anyhow::anyhow!("{origin}: `{v}` is not an address with a port, e.g. 127.0.0.1:9464")
    })
}

impl Config {
    /// Load `file` (or `coursebot.toml` in the working directory when it exists) and apply the
    /// environment on top. A missing default file is fine; a named file that is missing or
    /// malformed is an error saying where.
    pub fn load(file: Option<&Path>) -> Result<Config> {
        Self::load_with(file, &real_env)
    }

    /// The defaults with the environment applied, ignoring any file (tests, tools).
    pub fn from_env() -> Result<Config> {
        Self::layer(FileConfig::default(), &real_env)
    }

    pub fn load_with(file: Option<&Path>, env: &dyn Fn(&str) -> Option<String>) -> Result<Config> {
        let fc = match file {
            Some(p) => parse_file(p)?,
            None if Path::new("coursebot.toml").exists() => {
                parse_file(Path::new("coursebot.toml"))?
            }
            None => FileConfig::default(),
        };
        Self::layer(fc, env)
    }

    /// Defaults, then `fc`, then `env`.
    fn layer(fc: FileConfig, env: &dyn Fn(&str) -> Option<String>) -> Result<Config> {
        let d = Config::default();
        let metrics_addr = match env("COURSEBOT_METRICS_ADDR") {
            Some(v) => Some(parse_addr(&v, "COURSEBOT_METRICS_ADDR")?),
            None => match fc.metrics_addr.as_deref().map(str::trim) {
                Some("") | None => None,
                Some(v) => Some(parse_addr(v, "metrics_addr in the config file")?),
            },
        };
        let log_format = match env("COURSEBOT_LOG_FORMAT") {
            Some(v) => v
                .parse()
                .map_err(|e| anyhow::anyhow!("COURSEBOT_LOG_FORMAT: {e}"))?,
            None => fc.log_format.unwrap_or(d.log_format),
        };
        let ms = "a whole number of milliseconds";
        let shards = {
            let range = env("COURSEBOT_SHARDS").or(fc.discord.shards.clone());
            let total = match env("COURSEBOT_SHARD_TOTAL") {
                Some(t) => Some(t.trim().parse::<u32>().map_err(|_| {
                    UserError::Invalid(format!(
                        "COURSEBOT_SHARD_TOTAL=`{t}` is not a whole number of shards"
                    ))
                })?),
                None => fc.discord.shard_total,
            };
            ShardPlan::from_parts(
                range.as_deref(),
                total,
                "COURSEBOT_SHARDS / [discord] shards",
            )?
        };
        Ok(Config {
            token: env("DISCORD_TOKEN")
                .map(Secret::new)
                .unwrap_or(fc.discord.token),
            api_base: env("DISCORD_API_BASE").or(fc.discord.api_base),
            guilds: match env("DISCORD_GUILDS") {
                Some(v) => parse_guilds(&v)?,
                None => fc.discord.guilds,
            },
            shards,
            database_url: env("DATABASE_URL")
                .or(fc.database_url)
                .unwrap_or(d.database_url),
            content_dir: env("COURSEBOT_CONTENT_DIR")
                .map(PathBuf::from)
                .or(fc.content_dir)
                .unwrap_or(d.content_dir),
            index_dir: env("COURSEBOT_INDEX_DIR")
                .map(PathBuf::from)
                .or(fc.index_dir)
                .unwrap_or(d.index_dir),
            metrics_addr,
            log_format,
            tick_ms: env_parse(env, "COURSEBOT_TICK_MS", ms)?
                .or(fc.tick_ms)
                .unwrap_or(d.tick_ms)
                .max(10),
            job_timeout_ms: env_parse(env, "COURSEBOT_JOB_TIMEOUT_MS", ms)?
                .or(fc.job_timeout_ms)
                .unwrap_or(d.job_timeout_ms)
                .max(10),
            connect_timeout_secs: env_parse(
                env,
                "COURSEBOT_CONNECT_TIMEOUT_SECS",
                "a whole number of seconds",
            )?
            .or(fc.connect_timeout_secs)
            .unwrap_or(d.connect_timeout_secs)
            .max(1),
            job_lease_secs: bounded(
                env,
                ("COURSEBOT_JOB_LEASE_SECS", "job_lease_secs"),
                fc.job_lease_secs,
                d.job_lease_secs,
                (1, 86_400),
                "a whole number of seconds",
            )?,
            answer_batch_window_us: bounded(
                env,
                ("COURSEBOT_ANSWER_BATCH_WINDOW_US", "answer_batch_window_us"),
                fc.answer_batch_window_us,
                d.answer_batch_window_us,
                (0, 100_000),
                "a whole number of microseconds",
            )?,
            answer_batch_max: bounded(
                env,
                ("COURSEBOT_ANSWER_BATCH_MAX", "answer_batch_max"),
                fc.answer_batch_max,
                d.answer_batch_max,
                (1, 10_000),
                "a whole number of answers",
            )?,
        })
    }
}

/// The process environment; a variable set to blanks counts as unset.
fn real_env(k: &str) -> Option<String> {
    std::env::var(k).ok().filter(|v| !v.trim().is_empty())
}

/// The `coursebot run --help` paragraph listing [`ENV_VARS`].
pub fn env_help() -> String {
    let mut s =
        String::from("Environment (wins over coursebot.toml; the file key is in brackets):\n");
    for (var, key, what) in ENV_VARS {
        s.push_str(&format!("  {var:<32} [{key}] {what}\n"));
    }
    s
}

/// Which gateway shards one process runs.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum ShardPlan {
    /// As many shards as Discord recommends (`GET /gateway/bot`), all in this process.
    #[default]
    Auto,
    /// Shards `first..=last` of `total` (both ends included).
    Range { first: u32, last: u32, total: u32 },
}

impl ShardPlan {
    /// Read a range (`"0-3"`, `"5"`) and a total; `what` names where they came from in errors
    /// (`--shards`, `COURSEBOT_SHARDS`). Neither: [`ShardPlan::Auto`].
    pub fn from_parts(range: Option<&str>, total: Option<u32>, what: &str) -> Result<ShardPlan> {
        let (range, total) = match (range.map(str::trim), total) {
            (None, None) => return Ok(ShardPlan::Auto),
            (Some(r), Some(t)) => (r, t),
            (Some(r), None) => {
                return Err(UserError::Invalid(format!(
                    "{what} `{r}` needs the total number of shards as well (--shard-total, shard_total, COURSEBOT_SHARD_TOTAL)"
                ))
                .into())
            }
            (None, Some(t)) => {
                return Err(UserError::Invalid(format!(
                    "a shard total ({t}) needs the range this process runs as well (--shards 0-{}, shards, COURSEBOT_SHARDS)",
                    t.saturating_sub(1)
                ))
                .into())
            }
        };
        let bad = |why: String| -> anyhow::Error {
            UserError::Invalid(format!("{what} `{range}`: {why}")).into()
        };
        let num = |s: &str| {
            s.trim().parse::<u32>().map_err(|_| {
                bad(format!(
                    "`{}` is not a shard number (expected e.g. 0-3)",
                    s.trim()
                ))
            })
        };
        let (first, last) = match range.split_once('-') {
            Some((a, b)) => (num(a)?, num(b)?),
            None => {
                let n = num(range)?;
                (n, n)
            }
        };
        if total == 0 {
            return Err(bad("the shard total must be at least 1".into()));
        }
        if first > last {
            return Err(bad(format!(
                "the range starts after it ends ({first} > {last}); write it as {last}-{first}"
            )));
        }
        if last >= total {
            return Err(bad(format!(
                "shard {last} is outside a total of {total} (shards are numbered 0 to {})",
                total - 1
            )));
        }
        Ok(ShardPlan::Range { first, last, total })
    }

    /// Whether this process runs shard 0 (the one Discord sends direct messages to). Auto runs
    /// every shard.
    pub fn runs_shard_zero(&self) -> bool {
        match self {
            ShardPlan::Auto => true,
            ShardPlan::Range { first, .. } => *first == 0,
        }
    }
}

impl fmt::Display for ShardPlan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ShardPlan::Auto => f.write_str("as many as Discord recommends"),
            ShardPlan::Range { first, last, total } => write!(f, "{first}-{last} of {total}"),
        }
    }
}

fn parse_file(p: &Path) -> Result<FileConfig> {
    let text = std::fs::read_to_string(p)
        .with_context(|| format!("reading config file {}", p.display()))?;
    toml::from_str(&text).map_err(|e| {
        let line = e
            .span()
            .map(|s| text[..s.start].matches('\n').count() + 1)
            .unwrap_or(1);
        anyhow::anyhow!("{}:{}: {}", p.display(), line, e.message().trim())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_wins_and_token_is_redacted() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("c.toml");
        std::fs::write(
            &f,
            "database_url = \"sqlite://x.db\"\n[discord]\ntoken = \"file-token\"\nguilds = [1, 2]\n",
        )
        .unwrap();
        let env = |k: &str| (k == "DISCORD_TOKEN").then(|| "env-token".to_string());
        let c = Config::load_with(Some(&f), &env).unwrap();
        assert_eq!(c.token.expose(), "env-token");
        assert_eq!(c.guilds, vec![1, 2]);
        assert_eq!(c.database_url, "sqlite://x.db");
        assert!(!format!("{c:?}").contains("env-token"));
        let none = |_: &str| None;
        let c = Config::load_with(Some(&f), &none).unwrap();
        assert_eq!(c.token.expose(), "file-token");
    }

    #[test]
    fn every_key_comes_from_the_environment_too() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("c.toml");
        std::fs::write(
            &f,
            "metrics_addr = \"127.0.0.1:1\"\nlog_format = \"text\"\ntick_ms = 5000\njob_timeout_ms = 7\nconnect_timeout_secs = 9\n[discord]\nguilds = [1]\n",
        )
        .unwrap();
        let c = Config::load_with(Some(&f), &|_| None).unwrap();
        assert_eq!(c.metrics_addr, Some("127.0.0.1:1".parse().unwrap()));
        assert_eq!(
            (c.tick_ms, c.job_timeout_ms, c.connect_timeout_secs),
            (5000, 10, 9)
        );
        let vars: std::collections::HashMap<&str, &str> = [
            ("DISCORD_GUILDS", "1, 2,3"),
            ("COURSEBOT_METRICS_ADDR", "0.0.0.0:9464"),
            ("COURSEBOT_LOG_FORMAT", "JSON"),
            ("COURSEBOT_TICK_MS", "50"),
            ("COURSEBOT_JOB_TIMEOUT_MS", "2000"),
            ("COURSEBOT_CONNECT_TIMEOUT_SECS", "4"),
            ("COURSEBOT_CONTENT_DIR", "/c"),
            ("COURSEBOT_INDEX_DIR", "/i"),
            ("DISCORD_API_BASE", "http://x"),
            ("DATABASE_URL", "sqlite://y.db"),
            ("DISCORD_TOKEN", "t"),
        ]
        .into_iter()
        .collect();
        let env = |k: &str| vars.get(k).map(|v| v.to_string());
        let c = Config::load_with(Some(&f), &env).unwrap();
        assert_eq!(c.guilds, vec![1, 2, 3]);
        assert_eq!(c.metrics_addr, Some("0.0.0.0:9464".parse().unwrap()));
        assert_eq!(c.log_format, LogFormat::Json);
        assert_eq!(
            (c.tick_ms, c.job_timeout_ms, c.connect_timeout_secs),
            (50, 2000, 4)
        );
        assert_eq!(c.content_dir, PathBuf::from("/c"));
        assert_eq!(c.index_dir, PathBuf::from("/i"));
        assert_eq!(c.api_base.as_deref(), Some("http://x"));
        assert_eq!(c.database_url, "sqlite://y.db");
        // Every variable the loader read is listed in ENV_VARS (so in `run --help`).
        for k in vars.keys() {
            assert!(ENV_VARS.iter().any(|(v, _, _)| v == k), "{k} not listed");
        }
        // And every key of the file has a variable: the example file names every key.
        let example = std::fs::read_to_string(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("coursebot.toml.example"),
        )
        .unwrap();
        // Keys of the example, set or commented out (`# key = value`), under their table.
        let mut keys = Vec::new();
        let mut table = String::new();
        for line in example.lines() {
            let l = line.trim_start_matches(['#', ' ']);
            if let Some(t) = l.strip_prefix('[').and_then(|t| t.strip_suffix(']')) {
                table = format!("{t}.");
            } else if let Some((k, _)) = l.split_once(" = ") {
                if k.bytes().all(|b| b.is_ascii_lowercase() || b == b'_') {
                    keys.push(format!("{table}{k}"));
                }
            }
        }
        assert!(keys.len() >= 13, "{keys:?}");
        for k in keys {
            assert!(
                ENV_VARS.iter().any(|(_, key, _)| *key == k),
                "{k} has no variable"
            );
        }
    }

    #[test]
    fn bad_environment_values_name_the_variable() {
        for (k, v) in [
            ("DISCORD_GUILDS", "12,abc"),
            ("COURSEBOT_TICK_MS", "fast"),
            ("COURSEBOT_METRICS_ADDR", "localhost"),
            ("COURSEBOT_LOG_FORMAT", "xml"),
        ] {
            let env = |q: &str| (q == k).then(|| v.to_string());
            let e = Config::load_with(None, &env).unwrap_err().to_string();
            assert!(e.contains(k), "{k}: {e}");
        }
    }

    #[test]
    fn lease_and_answer_batches_from_file_and_env_within_their_ranges() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("c.toml");
        std::fs::write(
            &f,
            "job_lease_secs = 5\nanswer_batch_window_us = 2000\nanswer_batch_max = 64\n",
        )
        .unwrap();
        let c = Config::load_with(Some(&f), &|_| None).unwrap();
        assert_eq!(
            (
                c.job_lease_secs,
                c.answer_batch_window_us,
                c.answer_batch_max
            ),
            (5, 2000, 64)
        );
        let env = |k: &str| (k == "COURSEBOT_ANSWER_BATCH_MAX").then(|| "8".to_string());
        assert_eq!(
            Config::load_with(Some(&f), &env).unwrap().answer_batch_max,
            8
        );
        let d = Config::load_with(None, &|_| None).unwrap();
        assert_eq!(
            (
                d.job_lease_secs,
                d.answer_batch_window_us,
                d.answer_batch_max
            ),
            (60, 0, 256)
        );
        // Out of range or not a number: an error naming where the value came from.
        for (k, v) in [
            ("COURSEBOT_JOB_LEASE_SECS", "0"),
            ("COURSEBOT_JOB_LEASE_SECS", "soon"),
            ("COURSEBOT_ANSWER_BATCH_WINDOW_US", "1000000"),
            ("COURSEBOT_ANSWER_BATCH_MAX", "0"),
        ] {
            let env = |q: &str| (q == k).then(|| v.to_string());
            let e = Config::load_with(None, &env).unwrap_err().to_string();
            assert!(e.contains(k), "{k}={v}: {e}");
        }
        std::fs::write(&f, "answer_batch_max = 20000\n").unwrap();
        let e = Config::load_with(Some(&f), &|_| None)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("answer_batch_max in the config file") && e.contains("1 to 10000"),
            "{e}"
        );
    }

    #[test]
    fn shard_ranges_from_file_and_env() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("c.toml");
        std::fs::write(&f, "[discord]\nshards = \"0-3\"\nshard_total = 8\n").unwrap();
        let c = Config::load_with(Some(&f), &|_| None).unwrap();
        assert_eq!(
            c.shards,
            ShardPlan::Range {
                first: 0,
                last: 3,
                total: 8
            }
        );
        let env = |k: &str| match k {
            "COURSEBOT_SHARDS" => Some("4-7".to_string()),
            _ => None,
        };
        let c = Config::load_with(Some(&f), &env).unwrap();
        assert_eq!(
            c.shards,
            ShardPlan::Range {
                first: 4,
                last: 7,
                total: 8
            }
        );
        assert!(!c.shards.runs_shard_zero());
        let c = Config::load_with(None, &|_| None).unwrap();
        assert_eq!(c.shards, ShardPlan::Auto);
        let env = |k: &str| (k == "DISCORD_GUILDS").then(|| "5, 6".to_string());
        assert_eq!(
            Config::load_with(Some(&f), &env).unwrap().guilds,
            vec![5, 6]
        );
        let env = |k: &str| (k == "DISCORD_GUILDS").then(|| "5;6".to_string());
        let e = Config::load_with(Some(&f), &env).unwrap_err().to_string();
        assert!(e.contains("DISCORD_GUILDS") && e.contains("5;6"), "{e}");
        let env = |k: &str| (k == "COURSEBOT_SHARD_TOTAL").then(|| "eight".to_string());
        let e = Config::load_with(Some(&f), &env).unwrap_err().to_string();
        assert!(
            e.contains("COURSEBOT_SHARD_TOTAL") && e.contains("eight"),
            "{e}"
        );
    }

    #[test]
    fn bad_shard_ranges_say_what_is_wrong() {
        let p = |r: &str, t: u32| {
            ShardPlan::from_parts(Some(r), Some(t), "--shards")
                .unwrap_err()
                .to_string()
        };
        assert!(
            p("3-1", 8).contains("starts after it ends"),
            "{}",
            p("3-1", 8)
        );
        assert!(
            p("6-8", 8).contains("outside a total of 8"),
            "{}",
            p("6-8", 8)
        );
        assert!(p("a-2", 8).contains("`a` is not a shard number"));
        assert!(p("0-1", 0).contains("at least 1"));
        for e in [p("3-1", 8), p("6-8", 8), p("x", 2)] {
            assert!(e.starts_with("--shards `"), "{e}");
        }
        let e = ShardPlan::from_parts(Some("0-1"), None, "--shards")
            .unwrap_err()
            .to_string();
        assert!(e.contains("--shard-total"), "{e}");
        let e = ShardPlan::from_parts(None, Some(4), "--shards")
            .unwrap_err()
            .to_string();
        assert!(e.contains("--shards 0-3"), "{e}");
        assert_eq!(
            ShardPlan::from_parts(Some(" 5 "), Some(6), "x").unwrap(),
            ShardPlan::Range {
                first: 5,
                last: 5,
                total: 6
            }
        );
        assert_eq!(
            ShardPlan::from_parts(Some("0-3"), Some(4), "x")
                .unwrap()
                .to_string(),
            "0-3 of 4"
        );
    }

    #[test]
    fn unknown_field_is_an_error_with_line() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("c.toml");
        std::fs::write(&f, "[discord]\ntokn = \"x\"\n").unwrap();
        let err = Config::load_with(Some(&f), &|_| None)
            .unwrap_err()
            .to_string();
        assert!(err.contains("c.toml:2:"), "{err}");
        assert!(err.contains("tokn"), "{err}");
    }
}
