-- The job runner (src/jobs/): every unit of background work that talks to Discord is a row.
CREATE TABLE jobs (
    id              BIGSERIAL PRIMARY KEY,
    kind            TEXT NOT NULL,
    key             TEXT NOT NULL,
    payload         TEXT NOT NULL DEFAULT '{}',
    due_at          TIMESTAMPTZ NOT NULL,
    next_attempt_at TIMESTAMPTZ NOT NULL,
    attempts        BIGINT NOT NULL DEFAULT 0,
    state           TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'done', 'parked')),
    last_error      TEXT,
    updated_at      TIMESTAMPTZ NOT NULL,
    UNIQUE (kind, key)
);
CREATE INDEX jobs_due ON jobs (state, next_attempt_at);

CREATE TABLE job_runner (
    id        BIGINT PRIMARY KEY CHECK (id = 1),
    ticks     BIGINT NOT NULL DEFAULT 0,
    last_tick TIMESTAMPTZ
);
INSERT INTO job_runner (id, ticks) VALUES (1, 0);

ALTER TABLE office_hours ADD COLUMN planned_at TIMESTAMPTZ;
