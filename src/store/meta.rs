//! bot_meta: small key/value facts about the bot shared by all its processes (the hash of the
//! registered command set, [`COMMANDS_HASH`]).

use super::time::Ts;
use super::{on_db, Exec};
use chrono::{DateTime, Utc};

/// The key under which the hash of the last registered slash-command set is kept.
pub const COMMANDS_HASH: &str = "commands_hash";

/// The value stored under `key`, if any.
pub async fn get(ex: impl Into<Exec<'_>>, key: &str) -> sqlx::Result<Option<String>> {
    on_db!(ex, |c| {
        sqlx::query_scalar("SELECT value FROM bot_meta WHERE key = $1")
            .bind(key)
            .fetch_optional(&mut *c)
            .await
    })
}

/// Store `value` under `key` (replacing what was there).
pub async fn set(
    ex: impl Into<Exec<'_>>,
    key: &str,
    value: &str,
    now: DateTime<Utc>,
) -> sqlx::Result<()> {
    on_db!(ex, |c| {
        sqlx::query(
            "INSERT INTO bot_meta (key, value, updated_at) VALUES ($1, $2, $3)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
        )
        .bind(key)
        .bind(value)
        .bind(Ts::at(now))
        .execute(&mut *c)
        .await?;
        Ok(())
    })
}

/// Forget `key`.
pub async fn delete(ex: impl Into<Exec<'_>>, key: &str) -> sqlx::Result<()> {
    on_db!(ex, |c| {
        sqlx::query("DELETE FROM bot_meta WHERE key = $1")
            .bind(key)
            .execute(&mut *c)
            .await?;
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn set_get_replace_delete() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("m.db").display());
        let db = crate::store::connect(&url).await.unwrap();
        let now = chrono::Utc::now();
        assert_eq!(get(&db, COMMANDS_HASH).await.unwrap(), None);
        set(&db, COMMANDS_HASH, "a", now).await.unwrap();
        set(&db, COMMANDS_HASH, "b", now).await.unwrap();
        assert_eq!(get(&db, COMMANDS_HASH).await.unwrap().as_deref(), Some("b"));
        delete(&db, COMMANDS_HASH).await.unwrap();
        assert_eq!(get(&db, COMMANDS_HASH).await.unwrap(), None);
    }
}
