//! bot_meta: small key/value facts about the bot shared by all its processes (the hash of the
//! registered command set, [`COMMANDS_HASH`]).

use super::time::ts;
use chrono::{DateTime, Utc};
use sqlx::{Executor, Sqlite};

/// The key under which the hash of the last registered slash-command set is kept.
pub const COMMANDS_HASH: &str = "commands_hash";

/// The value stored under `key`, if any.
pub async fn get<'e, E: Executor<'e, Database = Sqlite>>(
    ex: E,
    key: &str,
) -> sqlx::Result<Option<String>> {
    sqlx::query_scalar("SELECT value FROM bot_meta WHERE key = ?")
        .bind(key)
        .fetch_optional(ex)
        .await
}

/// Store `value` under `key` (replacing what was there).
pub async fn set<'e, E: Executor<'e, Database = Sqlite>>(
    ex: E,
    key: &str,
    value: &str,
    now: DateTime<Utc>,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO bot_meta (key, value, updated_at) VALUES (?, ?, ?)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
    )
    .bind(key)
    .bind(value)
    .bind(ts(now))
    .execute(ex)
    .await?;
    Ok(())
}

/// Forget `key`.
pub async fn delete<'e, E: Executor<'e, Database = Sqlite>>(ex: E, key: &str) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM bot_meta WHERE key = ?")
        .bind(key)
        .execute(ex)
        .await?;
    Ok(())
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
