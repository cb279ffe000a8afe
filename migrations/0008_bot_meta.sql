-- Small facts about the bot itself, shared by all its processes: e.g. `commands_hash`, the hash
-- of the slash-command set last registered with Discord (so N processes do not re-register).
CREATE TABLE IF NOT EXISTS bot_meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
