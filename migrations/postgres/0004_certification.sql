-- Certification: timed exams, capstones, certificates.
CREATE TABLE exams (
    id            BIGSERIAL PRIMARY KEY,
    guild_id      BIGINT NOT NULL,
    user_id       BIGINT NOT NULL,
    cert_id       TEXT NOT NULL,
    questions     TEXT NOT NULL,
    started_at    TIMESTAMPTZ NOT NULL,
    deadline      TIMESTAMPTZ NOT NULL,
    status        TEXT NOT NULL CHECK (status IN ('open', 'graded')),
    correct       BIGINT,
    percent       DOUBLE PRECISION,
    passed        BOOLEAN,
    graded_at     TIMESTAMPTZ
);
-- At most one exam in progress per member and guild.
CREATE UNIQUE INDEX exams_one_open ON exams (guild_id, user_id) WHERE status = 'open';

CREATE TABLE exam_answers (
    exam_id     BIGINT NOT NULL REFERENCES exams(id) ON DELETE CASCADE,
    position    BIGINT NOT NULL,
    question_id TEXT NOT NULL,
    answer      TEXT NOT NULL,
    correct     BOOLEAN NOT NULL,
    answered_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (exam_id, position)
);

CREATE TABLE capstones (
    id           BIGSERIAL PRIMARY KEY,
    guild_id     BIGINT NOT NULL,
    user_id      BIGINT NOT NULL,
    cert_id      TEXT NOT NULL,
    path_id      TEXT NOT NULL,
    link         TEXT NOT NULL,
    status       TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'rejected')),
    submitted_at TIMESTAMPTZ NOT NULL,
    reviewed_by  BIGINT,
    reviewed_at  TIMESTAMPTZ,
    feedback     TEXT
);
CREATE UNIQUE INDEX capstones_one_pending ON capstones (guild_id, user_id, cert_id) WHERE status = 'pending';

CREATE TABLE certificates (
    id            BIGSERIAL PRIMARY KEY,
    guild_id      BIGINT NOT NULL,
    user_id       BIGINT NOT NULL,
    cert_id       TEXT NOT NULL,
    grade_label   TEXT,
    percent       DOUBLE PRECISION,
    awarded_at    TIMESTAMPTZ NOT NULL,
    announced     BOOLEAN NOT NULL DEFAULT FALSE,
    revoked_at    TIMESTAMPTZ,
    revoke_reason TEXT,
    UNIQUE (guild_id, user_id, cert_id)           -- never twice
);

ALTER TABLE guild_settings ADD COLUMN exam_cooldown_minutes BIGINT;
ALTER TABLE guild_settings ADD COLUMN remove_previous_role BOOLEAN NOT NULL DEFAULT FALSE;
