-- Per-guild settings (the /settings command).
CREATE TABLE guild_settings (
    guild_id            INTEGER PRIMARY KEY,
    announce_channel_id INTEGER,
    moderator_role_id   INTEGER,
    updated_at          TEXT NOT NULL
);

-- The role given for each certificate, per guild.
CREATE TABLE cert_roles (
    guild_id      INTEGER NOT NULL,
    certification TEXT NOT NULL,
    role_id       INTEGER NOT NULL,
    PRIMARY KEY (guild_id, certification)
);
