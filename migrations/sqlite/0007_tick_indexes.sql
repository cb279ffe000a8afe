-- Indexes for the queries the job runner makes on every tick, and for the per-member lookups
-- of the hardening work (issue 15). Without them each tick scans whole tables, which grow
-- with every quiz, certificate and office-hours session a server ever had.

-- quiz_schedules due: WHERE next_run_at <= ?
CREATE INDEX IF NOT EXISTS quiz_schedules_due ON quiz_schedules (next_run_at);
-- a guild's quizzes (stats, shortening open quizzes when a schedule changes)
CREATE INDEX IF NOT EXISTS quizzes_guild ON quizzes (guild_id, status);
-- certificates to announce: WHERE announced = 0 AND revoked_at IS NULL
CREATE INDEX IF NOT EXISTS certificates_unannounced ON certificates (announced, revoked_at);
-- active office hours (all guilds, and one guild's)
CREATE INDEX IF NOT EXISTS office_hours_active ON office_hours (status, guild_id);
-- reminders claimed but not confirmed (after a crash): WHERE state = 'claimed'
CREATE INDEX IF NOT EXISTS office_hours_reminders_state ON office_hours_reminders (state);
-- exams past their deadline: WHERE status = 'open' AND deadline <= ?
CREATE INDEX IF NOT EXISTS exams_due ON exams (status, deadline);
-- a member's open practice sessions (the cap on open sessions)
CREATE INDEX IF NOT EXISTS practice_sessions_open ON practice_sessions (guild_id, user_id)
    WHERE finished_at IS NULL;
