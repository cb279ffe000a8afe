-- The job runner (src/jobs/): every unit of background work that talks to Discord is a row, so
-- that attempts, back-off and a parked failure survive a restart and one bad row never blocks
-- the others.
CREATE TABLE jobs (
    id              INTEGER PRIMARY KEY,
    kind            TEXT NOT NULL,               -- quiz_post, quiz_reveal, oh_series, cert_announce, role_add, role_remove, exam_dm
    key             TEXT NOT NULL,               -- what it is about (a quiz id, a certificate id...)
    payload         TEXT NOT NULL DEFAULT '{}',  -- JSON the handler needs besides the key
    due_at          TEXT NOT NULL,               -- UTC: when it became due
    next_attempt_at TEXT NOT NULL,               -- UTC: not tried before this (back-off)
    attempts        INTEGER NOT NULL DEFAULT 0,  -- failed attempts in a row
    state           TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'done', 'parked')),
    last_error      TEXT,
    updated_at      TEXT NOT NULL,
    UNIQUE (kind, key)
);
CREATE INDEX jobs_due ON jobs (state, next_attempt_at);

-- One row: how many ticks the runner has completed (tests wait for a tick instead of sleeping;
-- operators see that the runner is alive).
CREATE TABLE job_runner (
    id        INTEGER PRIMARY KEY CHECK (id = 1),
    ticks     INTEGER NOT NULL DEFAULT 0,
    last_tick TEXT
);
INSERT INTO job_runner (id, ticks) VALUES (1, 0);

-- When a session was scheduled or last moved: reminder leads whose time had already passed then
-- are skipped instead of all being posted at once.
ALTER TABLE office_hours ADD COLUMN planned_at TEXT;
