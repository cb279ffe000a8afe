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
}

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
}

/// Default database: a file next to where the bot runs, created on first start.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://coursebot.db";

impl Config {
    /// Load `file` (or `coursebot.toml` in the working directory when it exists) and apply the
    /// environment on top. A missing default file is fine; a named file that is missing or
    /// malformed is an error saying where.
    pub fn load(file: Option<&Path>) -> Result<Config> {
        let env = |k: &str| std::env::var(k).ok().filter(|v| !v.trim().is_empty());
        Self::load_with(file, &env)
    }

    pub fn load_with(file: Option<&Path>, env: &dyn Fn(&str) -> Option<String>) -> Result<Config> {
        let fc = match file {
            Some(p) => parse_file(p)?,
            None if Path::new("coursebot.toml").exists() => {
                parse_file(Path::new("coursebot.toml"))?
            }
            None => FileConfig::default(),
        };
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
                Some(list) => parse_guilds(&list)?,
                None => fc.discord.guilds,
            },
            shards,
            database_url: env("DATABASE_URL")
                .or(fc.database_url)
                .unwrap_or_else(|| DEFAULT_DATABASE_URL.to_string()),
            content_dir: env("COURSEBOT_CONTENT_DIR")
                .map(PathBuf::from)
                .or(fc.content_dir)
                .unwrap_or_else(|| PathBuf::from("content")),
            index_dir: env("COURSEBOT_INDEX_DIR")
                .map(PathBuf::from)
                .or(fc.index_dir)
                .unwrap_or_else(|| PathBuf::from("index")),
        })
    }
}

/// `DISCORD_GUILDS`: guild ids separated by commas or spaces.
fn parse_guilds(list: &str) -> Result<Vec<u64>> {
    list.split(|c: char| c == ',' || c.is_whitespace())
        .filter(|s| !s.is_empty())
        .map(|s| {
            s.parse::<u64>().map_err(|_| {
                UserError::Invalid(format!(
                    "DISCORD_GUILDS: `{s}` is not a guild id (expected numbers separated by commas)"
                ))
                .into()
            })
        })
        .collect()
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
