-- Assessments that measure knowledge (issue 13).
-- A practice session says whether it was a free practice or a `/quiz module` run; a module
-- completion says what it rests on and how many questions that practice had, so a module is
-- complete only after a passed practice of at least the module's quiz size.
ALTER TABLE practice_sessions ADD COLUMN kind TEXT NOT NULL DEFAULT 'practice'
    CHECK (kind IN ('practice', 'module'));

-- Rows written before this migration get basis 'legacy' (and questions 0): they are kept and
-- shown; they count only when the member's finished practice sessions of that module include a
-- passed one of at least the quiz size (decided in code, where the quiz size and pass mark are
-- known). New rows are always written with basis 'practice' or 'module'.
ALTER TABLE module_completions ADD COLUMN basis TEXT NOT NULL DEFAULT 'legacy'
    CHECK (basis IN ('legacy', 'practice', 'module'));
ALTER TABLE module_completions ADD COLUMN questions INTEGER NOT NULL DEFAULT 0;

-- Quizzes, practice sessions and exams created from now on shuffle their choices per
-- presentation (shuffled = 1, set on insert). Rows from before were shown in file order: they
-- keep it (shuffled = 0), so a quiz or exam open during the upgrade reads clicks as shown.
ALTER TABLE quizzes ADD COLUMN shuffled INTEGER NOT NULL DEFAULT 0;
ALTER TABLE practice_sessions ADD COLUMN shuffled INTEGER NOT NULL DEFAULT 0;
ALTER TABLE exams ADD COLUMN shuffled INTEGER NOT NULL DEFAULT 0;
