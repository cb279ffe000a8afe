-- PostgreSQL twin of migrations/sqlite/0001_settings.sql: same tables, same keys.
-- Discord ids are BIGINT (the snowflake's bits as a signed 64-bit integer), timestamps
-- TIMESTAMPTZ, flags BOOLEAN, calendar dates DATE.

-- Per-guild settings (the /settings command).
CREATE TABLE guild_settings (
    guild_id            BIGINT PRIMARY KEY,
    announce_channel_id BIGINT,
    moderator_role_id   BIGINT,
    updated_at          TIMESTAMPTZ NOT NULL
);

-- The role given for each certificate, per guild.
CREATE TABLE cert_roles (
    guild_id      BIGINT NOT NULL,
    certification TEXT NOT NULL,
    role_id       BIGINT NOT NULL,
    PRIMARY KEY (guild_id, certification)
);
