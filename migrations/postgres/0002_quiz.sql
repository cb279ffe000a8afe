-- Daily quizzes: schedules per channel, posted quizzes, answers, per-member streaks.
CREATE TABLE quiz_schedules (
    id             BIGSERIAL PRIMARY KEY,
    guild_id       BIGINT NOT NULL,
    channel_id     BIGINT NOT NULL UNIQUE,
    local_time     TEXT NOT NULL,              -- HH:MM in `timezone`
    timezone       TEXT NOT NULL,              -- IANA name
    pool_label     TEXT NOT NULL,
    modules        TEXT NOT NULL,              -- comma-separated module ids of the pool
    window_minutes BIGINT,                     -- NULL: open until the next daily question
    next_run_at    TIMESTAMPTZ NOT NULL,
    cycle          BIGINT NOT NULL DEFAULT 0,  -- questions do not repeat within a cycle
    seed           BIGINT NOT NULL,
    created_by     BIGINT NOT NULL,
    created_at     TIMESTAMPTZ NOT NULL
);

CREATE TABLE quizzes (
    id            BIGSERIAL PRIMARY KEY,
    schedule_id   BIGINT REFERENCES quiz_schedules(id) ON DELETE SET NULL,
    guild_id      BIGINT NOT NULL,
    channel_id    BIGINT NOT NULL,
    question_id   TEXT NOT NULL,
    module_id     TEXT NOT NULL,
    path_id       TEXT NOT NULL,
    quiz_date     DATE NOT NULL,               -- local date of the schedule: one quiz per day
    cycle         BIGINT NOT NULL,
    posted_at     TIMESTAMPTZ NOT NULL,
    closes_at     TIMESTAMPTZ NOT NULL,
    message_id    BIGINT,                      -- set once Discord accepted the post
    status        TEXT NOT NULL CHECK (status IN ('posting', 'open', 'closed')),
    revealed      BOOLEAN NOT NULL DEFAULT FALSE,
    answer_count  BIGINT,
    correct_count BIGINT,
    UNIQUE (channel_id, quiz_date)
);
CREATE INDEX quizzes_due ON quizzes (status, closes_at);

CREATE TABLE quiz_answers (
    quiz_id     BIGINT NOT NULL REFERENCES quizzes(id) ON DELETE CASCADE,
    user_id     BIGINT NOT NULL,
    guild_id    BIGINT NOT NULL,
    answer      TEXT NOT NULL,
    correct     BOOLEAN NOT NULL,
    answered_at TIMESTAMPTZ NOT NULL,
    points      BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (quiz_id, user_id)             -- one answer per member per quiz
);
CREATE INDEX quiz_answers_guild ON quiz_answers (guild_id, answered_at);

CREATE TABLE member_streaks (
    guild_id     BIGINT NOT NULL,
    user_id      BIGINT NOT NULL,
    current      BIGINT NOT NULL DEFAULT 0,
    best         BIGINT NOT NULL DEFAULT 0,
    last_correct DATE,                         -- quiz date
    PRIMARY KEY (guild_id, user_id)
);

-- Practice quizzes (ephemeral, one question at a time) and spaced repetition.
CREATE TABLE practice_sessions (
    id           BIGSERIAL PRIMARY KEY,
    guild_id     BIGINT NOT NULL,
    user_id      BIGINT NOT NULL,
    module_id    TEXT NOT NULL,
    questions    TEXT NOT NULL,                -- comma-separated question ids in order
    position     BIGINT NOT NULL DEFAULT 0,
    correct      BIGINT NOT NULL DEFAULT 0,
    started_at   TIMESTAMPTZ NOT NULL,
    finished_at  TIMESTAMPTZ
);

CREATE TABLE practice_answers (
    session_id  BIGINT NOT NULL REFERENCES practice_sessions(id) ON DELETE CASCADE,
    position    BIGINT NOT NULL,
    question_id TEXT NOT NULL,
    answer      TEXT NOT NULL,
    correct     BOOLEAN NOT NULL,
    answered_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (session_id, position)
);

CREATE TABLE review_items (
    user_id       BIGINT NOT NULL,
    question_id   TEXT NOT NULL,
    interval_days BIGINT NOT NULL,
    due_at        TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (user_id, question_id)
);

CREATE TABLE module_completions (
    guild_id     BIGINT NOT NULL,
    user_id      BIGINT NOT NULL,
    module_id    TEXT NOT NULL,
    score        BIGINT NOT NULL,              -- percent
    completed_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (guild_id, user_id, module_id)
);
