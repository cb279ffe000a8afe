-- Office hours: sessions, member reminder subscriptions, and a ledger of reminders sent so that
-- none is sent twice.
CREATE TABLE office_hours (
    id                  BIGSERIAL PRIMARY KEY,
    guild_id            BIGINT NOT NULL,
    topic               TEXT NOT NULL,
    host_id             BIGINT,
    start_local         TEXT NOT NULL,            -- YYYY-MM-DDTHH:MM in `timezone`
    timezone            TEXT NOT NULL,
    duration_minutes    BIGINT NOT NULL CHECK (duration_minutes BETWEEN 1 AND 480),
    weekly              BOOLEAN NOT NULL DEFAULT FALSE,
    until_date          DATE,                     -- last local date of a weekly series
    channel_id          BIGINT,
    channel_stage       BOOLEAN NOT NULL DEFAULT FALSE,
    status              TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'cancelled')),
    event_id            BIGINT,
    event_start         TIMESTAMPTZ,
    announce_channel_id BIGINT,
    announce_message_id BIGINT,
    created_by          BIGINT NOT NULL,
    created_at          TIMESTAMPTZ NOT NULL
);

CREATE TABLE office_hours_subscriptions (
    office_hours_id BIGINT NOT NULL REFERENCES office_hours(id) ON DELETE CASCADE,
    user_id         BIGINT NOT NULL,
    lead_minutes    BIGINT NOT NULL,
    PRIMARY KEY (office_hours_id, user_id)
);

CREATE TABLE office_hours_reminders (
    id              BIGSERIAL PRIMARY KEY,
    office_hours_id BIGINT NOT NULL REFERENCES office_hours(id) ON DELETE CASCADE,
    occurrence      TIMESTAMPTZ NOT NULL,
    lead_minutes    BIGINT NOT NULL,              -- 0: "starting now"
    user_id         BIGINT NOT NULL DEFAULT 0,    -- 0: the announcement channel
    state           TEXT NOT NULL CHECK (state IN ('claimed', 'sent', 'failed')),
    claimed_at      TIMESTAMPTZ NOT NULL,
    UNIQUE (office_hours_id, occurrence, lead_minutes, user_id)
);

ALTER TABLE guild_settings ADD COLUMN reminder_leads TEXT;
