//! Registering the slash commands with Discord as a step of its own: `coursebot
//! register-commands` always registers; `coursebot run` registers only when the set differs
//! from the one last registered (its hash is kept in the database, `bot_meta`), so that N
//! processes starting together do not overwrite the commands N times.

use crate::store::meta;
use anyhow::{Context, Result};
use chrono::{DateTime, Utc};
use poise::serenity_prelude as serenity;
use serde_json::Value;

/// The command set as Discord receives it (the body of the bulk overwrite).
pub fn command_set() -> Vec<serenity::CreateCommand> {
    poise::builtins::create_application_commands(&super::commands::all())
}

/// A stable hash of a command set and where it goes (globally, or in `guilds`): FNV-1a of
/// the JSON with object keys sorted, so the same set gives the same hash on every build.
pub fn set_hash(commands: &[serenity::CreateCommand], guilds: &[u64]) -> Result<String> {
    let json = serde_json::to_value(commands).context("serializing the command set")?;
    let mut text = String::new();
    canonical(&json, &mut text);
    let mut guilds = guilds.to_vec();
    guilds.sort_unstable();
    text.push_str(&format!("|guilds={guilds:?}"));
    Ok(format!("{:016x}", crate::hash::fnv1a(text.as_bytes())))
}

/// `v` as JSON text with every object's keys in order.
fn canonical(v: &Value, out: &mut String) {
    match v {
        Value::Object(m) => {
            let mut keys: Vec<&String> = m.keys().collect();
            keys.sort();
            out.push('{');
            for (i, k) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String(k.clone()).to_string());
                out.push(':');
                canonical(&m[k], out);
            }
            out.push('}');
        }
        Value::Array(a) => {
            out.push('[');
            for (i, x) in a.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                canonical(x, out);
            }
            out.push(']');
        }
        other => out.push_str(&other.to_string()),
    }
}

/// Overwrite the commands (globally when `guilds` is empty) and remember the set's hash.
/// `http` must know the application id (after READY, or [`ensure_application_id`]).
pub async fn register(
    db: &crate::store::Db,
    http: &serenity::Http,
    guilds: &[u64],
    now: DateTime<Utc>,
) -> Result<()> {
    let cmds = command_set();
    let hash = set_hash(&cmds, guilds)?;
    if guilds.is_empty() {
        serenity::Command::set_global_commands(http, cmds)
            .await
            .context("registering the slash commands globally")?;
        tracing::info!(commands_hash = %hash, "slash commands registered globally");
    } else {
        for g in guilds {
            serenity::GuildId::new(*g)
                .set_commands(http, cmds.clone())
                .await
                .with_context(|| format!("registering the slash commands in guild {g}"))?;
        }
        tracing::info!(commands_hash = %hash, guilds = ?guilds, "slash commands registered per guild");
    }
    meta::set(db, meta::COMMANDS_HASH, &hash, now).await?;
    Ok(())
}

/// What [`register_if_changed`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Registered,
    Unchanged,
}

/// Register only when the stored hash differs from the current set's (or none is stored).
/// Without a gateway session the application id is asked from Discord first.
pub async fn register_if_changed(
    db: &crate::store::Db,
    http: &serenity::Http,
    guilds: &[u64],
    now: DateTime<Utc>,
) -> Result<Outcome> {
    let hash = set_hash(&command_set(), guilds)?;
    let stored = meta::get(db, meta::COMMANDS_HASH).await?;
    if stored.as_deref() == Some(hash.as_str()) {
        tracing::info!(commands_hash = %hash, "slash commands already registered; not registering again");
        return Ok(Outcome::Unchanged);
    }
    ensure_application_id(http).await?;
    register(db, http, guilds, now).await?;
    Ok(Outcome::Registered)
}

/// Make `http` know the application id without a gateway session (`GET
/// /oauth2/applications/@me`), for registering from the command line.
pub async fn ensure_application_id(http: &serenity::Http) -> Result<()> {
    if http.application_id().is_none() {
        let info = http
            .get_current_application_info()
            .await
            .context("asking Discord for the application id")?;
        http.set_application_id(info.id);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_is_stable_and_sensitive() {
        let a = command_set();
        let h = set_hash(&a, &[]).unwrap();
        assert_eq!(h, set_hash(&command_set(), &[]).unwrap());
        assert_eq!(h.len(), 16);
        assert_ne!(h, set_hash(&a, &[1]).unwrap());
        assert_eq!(
            set_hash(&a, &[2, 1]).unwrap(),
            set_hash(&a, &[1, 2]).unwrap()
        );
        let fewer = &a[1..];
        assert_ne!(h, set_hash(fewer, &[]).unwrap());
    }

    #[test]
    fn canonical_sorts_keys() {
        let mut s = String::new();
        canonical(
            &serde_json::json!({"b": [1, {"d": 1, "c": "x"}], "a": null}),
            &mut s,
        );
        assert_eq!(s, r#"{"a":null,"b":[1,{"c":"x","d":1}]}"#);
    }
}
