-- Certification: timed exams, capstones, certificates.
CREATE TABLE exams (
    id            INTEGER PRIMARY KEY,
    guild_id      INTEGER NOT NULL,
    user_id       INTEGER NOT NULL,
    cert_id       TEXT NOT NULL,
    questions     TEXT NOT NULL,                 -- comma-separated question ids in order
    started_at    TEXT NOT NULL,
    deadline      TEXT NOT NULL,                 -- UTC; answers after it do not count
    status        TEXT NOT NULL CHECK (status IN ('open', 'graded')),
    correct       INTEGER,
    percent       REAL,
    passed        INTEGER,
    graded_at     TEXT
);
-- At most one exam in progress per member and guild.
CREATE UNIQUE INDEX exams_one_open ON exams (guild_id, user_id) WHERE status = 'open';

CREATE TABLE exam_answers (
    exam_id     INTEGER NOT NULL REFERENCES exams(id) ON DELETE CASCADE,
    position    INTEGER NOT NULL,
    question_id TEXT NOT NULL,
    answer      TEXT NOT NULL,
    correct     INTEGER NOT NULL,
    answered_at TEXT NOT NULL,
    PRIMARY KEY (exam_id, position)
);

CREATE TABLE capstones (
    id           INTEGER PRIMARY KEY,
    guild_id     INTEGER NOT NULL,
    user_id      INTEGER NOT NULL,
    cert_id      TEXT NOT NULL,
    path_id      TEXT NOT NULL,
    link         TEXT NOT NULL,
    status       TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'rejected')),
    submitted_at TEXT NOT NULL,
    reviewed_by  INTEGER,
    reviewed_at  TEXT,
    feedback     TEXT
);
CREATE UNIQUE INDEX capstones_one_pending ON capstones (guild_id, user_id, cert_id) WHERE status = 'pending';

CREATE TABLE certificates (
    id            INTEGER PRIMARY KEY,
    guild_id      INTEGER NOT NULL,
    user_id       INTEGER NOT NULL,
    cert_id       TEXT NOT NULL,
    grade_label   TEXT,                          -- e.g. "Distinction" (exam-based certificates)
    percent       REAL,
    awarded_at    TEXT NOT NULL,
    announced     INTEGER NOT NULL DEFAULT 0,    -- announcement posted and role given (or given up)
    revoked_at    TEXT,
    revoke_reason TEXT,
    UNIQUE (guild_id, user_id, cert_id)          -- never twice
);

ALTER TABLE guild_settings ADD COLUMN exam_cooldown_minutes INTEGER;
ALTER TABLE guild_settings ADD COLUMN remove_previous_role INTEGER NOT NULL DEFAULT 0;
