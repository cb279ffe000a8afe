-- Indexes for the queries the job runner makes on every tick (see migrations/sqlite/0007).
CREATE INDEX IF NOT EXISTS quiz_schedules_due ON quiz_schedules (next_run_at);
CREATE INDEX IF NOT EXISTS quizzes_guild ON quizzes (guild_id, status);
CREATE INDEX IF NOT EXISTS certificates_unannounced ON certificates (announced, revoked_at);
CREATE INDEX IF NOT EXISTS office_hours_active ON office_hours (status, guild_id);
CREATE INDEX IF NOT EXISTS office_hours_reminders_state ON office_hours_reminders (state);
CREATE INDEX IF NOT EXISTS exams_due ON exams (status, deadline);
CREATE INDEX IF NOT EXISTS practice_sessions_open ON practice_sessions (guild_id, user_id)
    WHERE finished_at IS NULL;
