//! Configuration: defaults, then `coursebot.toml` (optional), then the environment, which wins.

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
        Ok(Config {
            token: env("DISCORD_TOKEN")
                .map(Secret::new)
                .unwrap_or(fc.discord.token),
            api_base: env("DISCORD_API_BASE").or(fc.discord.api_base),
            guilds: fc.discord.guilds,
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
