-- Daily quizzes: schedules per channel, posted quizzes, answers, per-member streaks.
CREATE TABLE quiz_schedules (
    id            INTEGER PRIMARY KEY,
    guild_id      INTEGER NOT NULL,
    channel_id    INTEGER NOT NULL UNIQUE,
    local_time    TEXT NOT NULL,              -- HH:MM in `timezone`
    timezone      TEXT NOT NULL,              -- IANA name
    pool_label    TEXT NOT NULL,              -- what the moderator asked for (path or modules)
    modules       TEXT NOT NULL,              -- comma-separated module ids of the pool
    window_minutes INTEGER,                   -- NULL: open until the next daily question
    next_run_at   TEXT NOT NULL,              -- UTC
    cycle         INTEGER NOT NULL DEFAULT 0, -- questions do not repeat within a cycle
    seed          INTEGER NOT NULL,
    created_by    INTEGER NOT NULL,
    created_at    TEXT NOT NULL
);

CREATE TABLE quizzes (
    id            INTEGER PRIMARY KEY,
    schedule_id   INTEGER REFERENCES quiz_schedules(id) ON DELETE SET NULL,
    guild_id      INTEGER NOT NULL,
    channel_id    INTEGER NOT NULL,
    question_id   TEXT NOT NULL,
    module_id     TEXT NOT NULL,
    path_id       TEXT NOT NULL,
    quiz_date     TEXT NOT NULL,              -- local date of the schedule: one quiz per day
    cycle         INTEGER NOT NULL,
    posted_at     TEXT NOT NULL,
    closes_at     TEXT NOT NULL,
    message_id    INTEGER,                    -- set once Discord accepted the post
    status        TEXT NOT NULL CHECK (status IN ('posting', 'open', 'closed')),
    revealed      INTEGER NOT NULL DEFAULT 0, -- the message was edited with the answer
    answer_count  INTEGER,
    correct_count INTEGER,
    UNIQUE (channel_id, quiz_date)
);
CREATE INDEX quizzes_due ON quizzes (status, closes_at);

CREATE TABLE quiz_answers (
    quiz_id     INTEGER NOT NULL REFERENCES quizzes(id) ON DELETE CASCADE,
    user_id     INTEGER NOT NULL,
    guild_id    INTEGER NOT NULL,
    answer      TEXT NOT NULL,
    correct     INTEGER NOT NULL,
    answered_at TEXT NOT NULL,
    points      INTEGER NOT NULL DEFAULT 0,   -- awarded when the quiz closes
    PRIMARY KEY (quiz_id, user_id)            -- one answer per member per quiz
);
CREATE INDEX quiz_answers_guild ON quiz_answers (guild_id, answered_at);

CREATE TABLE member_streaks (
    guild_id     INTEGER NOT NULL,
    user_id      INTEGER NOT NULL,
    current      INTEGER NOT NULL DEFAULT 0,
    best         INTEGER NOT NULL DEFAULT 0,
    last_correct TEXT,                        -- quiz date
    PRIMARY KEY (guild_id, user_id)
);

-- Practice quizzes (ephemeral, one question at a time) and spaced repetition.
CREATE TABLE practice_sessions (
    id           INTEGER PRIMARY KEY,
    guild_id     INTEGER NOT NULL,
    user_id      INTEGER NOT NULL,
    module_id    TEXT NOT NULL,
    questions    TEXT NOT NULL,               -- comma-separated question ids in order
    position     INTEGER NOT NULL DEFAULT 0,  -- index of the question being asked
    correct      INTEGER NOT NULL DEFAULT 0,
    started_at   TEXT NOT NULL,
    finished_at  TEXT
);

CREATE TABLE practice_answers (
    session_id  INTEGER NOT NULL REFERENCES practice_sessions(id) ON DELETE CASCADE,
    position    INTEGER NOT NULL,
    question_id TEXT NOT NULL,
    answer      TEXT NOT NULL,
    correct     INTEGER NOT NULL,
    answered_at TEXT NOT NULL,
    PRIMARY KEY (session_id, position)
);

CREATE TABLE review_items (
    user_id       INTEGER NOT NULL,
    question_id   TEXT NOT NULL,
    interval_days INTEGER NOT NULL,
    due_at        TEXT NOT NULL,
    PRIMARY KEY (user_id, question_id)
);

-- A module is complete for a member once they pass its practice quiz at the path's pass mark.
CREATE TABLE module_completions (
    guild_id     INTEGER NOT NULL,
    user_id      INTEGER NOT NULL,
    module_id    TEXT NOT NULL,
    score        INTEGER NOT NULL,           -- percent
    completed_at TEXT NOT NULL,
    PRIMARY KEY (guild_id, user_id, module_id)
);
