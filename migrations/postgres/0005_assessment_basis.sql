-- Assessments that measure knowledge (issue 13); see migrations/sqlite/0005.
ALTER TABLE practice_sessions ADD COLUMN kind TEXT NOT NULL DEFAULT 'practice'
    CHECK (kind IN ('practice', 'module'));

ALTER TABLE module_completions ADD COLUMN basis TEXT NOT NULL DEFAULT 'legacy'
    CHECK (basis IN ('legacy', 'practice', 'module'));
ALTER TABLE module_completions ADD COLUMN questions BIGINT NOT NULL DEFAULT 0;

ALTER TABLE quizzes ADD COLUMN shuffled BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE practice_sessions ADD COLUMN shuffled BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE exams ADD COLUMN shuffled BOOLEAN NOT NULL DEFAULT FALSE;
