-- Office hours: sessions (one-off or weekly series), member reminder subscriptions, and a
-- ledger of reminders sent so that none is sent twice.
CREATE TABLE office_hours (
    id                  INTEGER PRIMARY KEY,
    guild_id            INTEGER NOT NULL,
    topic               TEXT NOT NULL,
    host_id             INTEGER,
    start_local         TEXT NOT NULL,            -- YYYY-MM-DDTHH:MM in `timezone`
    timezone            TEXT NOT NULL,
    duration_minutes    INTEGER NOT NULL CHECK (duration_minutes BETWEEN 1 AND 480),
    weekly              INTEGER NOT NULL DEFAULT 0,
    until_date          TEXT,                     -- last local date of a weekly series
    channel_id          INTEGER,                  -- voice or stage channel
    channel_stage       INTEGER NOT NULL DEFAULT 0, -- 1: channel_id is a stage channel
    status              TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'cancelled')),
    event_id            INTEGER,                  -- Discord scheduled event of the next occurrence
    event_start         TEXT,                     -- UTC start the event was created for
    announce_channel_id INTEGER,
    announce_message_id INTEGER,
    created_by          INTEGER NOT NULL,
    created_at          TEXT NOT NULL
);

CREATE TABLE office_hours_subscriptions (
    office_hours_id INTEGER NOT NULL REFERENCES office_hours(id) ON DELETE CASCADE,
    user_id         INTEGER NOT NULL,
    lead_minutes    INTEGER NOT NULL,
    PRIMARY KEY (office_hours_id, user_id)
);

CREATE TABLE office_hours_reminders (
    id              INTEGER PRIMARY KEY,
    office_hours_id INTEGER NOT NULL REFERENCES office_hours(id) ON DELETE CASCADE,
    occurrence      TEXT NOT NULL,                -- UTC start of the occurrence
    lead_minutes    INTEGER NOT NULL,             -- 0: "starting now"
    user_id         INTEGER NOT NULL DEFAULT 0,   -- 0: the announcement channel
    state           TEXT NOT NULL CHECK (state IN ('claimed', 'sent', 'failed')),
    claimed_at      TEXT NOT NULL,
    UNIQUE (office_hours_id, occurrence, lead_minutes, user_id)
);

-- Reminder lead times of a guild, in minutes, comma-separated (default 1440,15).
ALTER TABLE guild_settings ADD COLUMN reminder_leads TEXT;
