//! Practice quizzes: a member works through a module's questions one at a time; questions they
//! got wrong come back sooner (spaced repetition). Passing at the path's pass mark completes the
//! module only when the practice had at least the module's quiz size (from course.toml): a
//! `/quiz module` run draws exactly that many; a shorter practice trains and schedules reviews
//! but completes nothing.

use super::answer::{grade, Answer};
use super::scoring;
use crate::app::App;
use crate::content::{Course, GradeBand, Module};
use crate::error::UserError;
use crate::ids::{GuildId, UserId};
use crate::store::answer_batch::{AnswerRow, Outcome};
use crate::store::practice as db;
use anyhow::Result;
use chrono::{DateTime, Utc};
use std::collections::HashMap;

/// Most questions one practice quiz asks.
pub const MAX_COUNT: usize = 50;
/// Practice sessions a member may have open at once (per server); starting another closes
/// the oldest.
pub const MAX_OPEN_SESSIONS: usize = 3;

/// What a practice session is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `/quiz practice`: any number of questions.
    Practice,
    /// `/quiz module`: exactly the module's quiz size.
    Module,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Practice => "practice",
            Kind::Module => "module",
        }
    }
}

/// Questions a passed practice needs to complete `module`: its quiz size from course.toml, or
/// every question of its bank when the bank is smaller (at least 1).
pub fn required_questions(course: &Course, module: &Module) -> usize {
    let bank = course.questions_of(&module.id).count();
    (module.quiz_size as usize).min(bank).max(1)
}

/// The pass mark (percent) of the path `module` belongs to (70 when it has none).
pub fn pass_mark(course: &Course, module: &str) -> u32 {
    course
        .module(module)
        .and_then(|m| course.path(&m.path))
        .map(|p| p.pass_mark)
        .unwrap_or(70)
}

/// Order a module's questions for a member: those due for review first (longest overdue first),
/// then never-seen ones, then the rest by when they fall due.
pub fn order_for_review(
    ids: &[String],
    reviews: &HashMap<String, (i64, DateTime<Utc>)>,
    now: DateTime<Utc>,
) -> Vec<String> {
    let mut keyed: Vec<(u8, DateTime<Utc>, usize, &String)> = ids
        .iter()
        .enumerate()
        .map(|(i, id)| match reviews.get(id) {
            Some((_, due)) if *due <= now => (0, *due, i, id),
            None => (1, now, i, id),
            Some((_, due)) => (2, *due, i, id),
        })
        .collect();
    keyed.sort();
    keyed.into_iter().map(|k| k.3.clone()).collect()
}

/// Start a practice quiz of `module` (id or title) with `count` questions (default: the
/// module's quiz size from the outline). A [`Kind::Module`] run always asks exactly the
/// [`required_questions`] (`count` is ignored).
pub async fn start<'a>(
    app: &'a App,
    guild: GuildId,
    user: UserId,
    module: &str,
    count: Option<i64>,
    kind: Kind,
) -> Result<(db::Session, &'a Module)> {
    let m = app.course.find_module(module).ok_or_else(|| {
        let id = module.trim().to_lowercase();
        if app.course.drafts.contains(&id) {
            UserError::Invalid(format!("Module {id} is not written yet; try another one."))
        } else {
            UserError::UnknownModule(module.trim().to_string())
        }
    })?;
    let ids: Vec<String> = app
        .course
        .questions_of(&m.id)
        .map(|q| q.id.clone())
        .collect();
    if ids.is_empty() {
        return Err(UserError::Invalid(format!("Module {} has no questions yet.", m.id)).into());
    }
    let count = if kind == Kind::Module { None } else { count };
    let want = match count {
        Some(c) if c < 1 || c as usize > MAX_COUNT => {
            return Err(UserError::Invalid(format!("count must be 1 to {MAX_COUNT}.")).into())
        }
        Some(c) => c as usize,
        None => required_questions(&app.course, m),
    }
    .min(ids.len());
    let now = app.clock.now();
    let reviews = db::reviews(&app.db, user).await?;
    let chosen: Vec<String> = order_for_review(&ids, &reviews, now)
        .into_iter()
        .take(want)
        .collect();
    // At most MAX_OPEN_SESSIONS open per member: the oldest is closed rather than the new one
    // refused, because an abandoned practice is an ephemeral message the member may no
    // longer see (it is gone after a reload), so they could not finish it to make room.
    db::close_open_beyond(&app.db, guild, user, MAX_OPEN_SESSIONS - 1, now).await?;
    let id = db::create_session(&app.db, guild, user, &m.id, kind.as_str(), &chosen, now).await?;
    let s = db::get_session(&app.db, id).await?.expect("just created");
    Ok((s, m))
}

/// Whether a stored completion meets the rule today: a passed practice of at least the module's
/// [`required_questions`]. A legacy row (written before completions recorded their basis) counts
/// when the member's finished practices of the module include a passed one that long.
pub async fn completion_counts(
    app: &App,
    guild: GuildId,
    user: UserId,
    c: &db::Completion,
) -> Result<bool> {
    let Some(m) = app.course.module(&c.module_id) else {
        return Ok(false);
    };
    let required = required_questions(&app.course, m);
    if c.basis != "legacy" {
        return Ok(c.questions as usize >= required);
    }
    let pass = pass_mark(&app.course, &m.id);
    Ok(
        db::largest_passed_practice(&app.db, guild, user, &m.id, pass)
            .await?
            .is_some_and(|n| n as usize >= required),
    )
}

/// The end of a practice quiz.
#[derive(Debug, Clone, PartialEq)]
pub struct Summary {
    pub correct: i64,
    pub total: usize,
    pub percent: f64,
    pub grade: GradeBand,
    pub pass_mark: u32,
    pub passed: bool,
    /// Questions a passed practice needs to complete the module.
    pub required: usize,
    /// This practice had enough questions to complete the module (when passed).
    pub counts: bool,
    /// The module became complete with this quiz.
    pub newly_completed: bool,
}

/// The result of answering one practice question.
#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    pub question_id: String,
    pub correct: bool,
    /// What the member chose, as text (the choice's text, never a letter).
    pub picked: String,
    pub session: db::Session,
    pub summary: Option<Summary>,
}

/// Answer the question at `position` of a session. Only the member who started it may answer,
/// each position once.
pub async fn answer(
    app: &App,
    session_id: i64,
    user: UserId,
    position: usize,
    a: &Answer,
) -> Result<Step> {
    let s = db::get_session(&app.db, session_id).await?.ok_or_else(|| {
        UserError::Invalid("This practice quiz no longer exists; start a new one.".into())
    })?;
    if s.user != user {
        return Err(UserError::Invalid(
            "This is someone else's practice quiz: start your own with /quiz practice.".into(),
        )
        .into());
    }
    if s.finished && s.position < s.questions.len() {
        return Err(UserError::Invalid(format!(
            "This practice quiz was closed: you may have {MAX_OPEN_SESSIONS} open at a time and started newer ones. Start it again with /quiz practice."
        ))
        .into());
    }
    if s.finished || s.position != position {
        return Err(UserError::Invalid("You already answered that question.".into()).into());
    }
    let qid = s.questions.get(position).cloned().unwrap_or_default();
    let q = super::daily::question(&app.course, &qid)?;
    a.check_against(q)
        .map_err(|e| UserError::Invalid(e.user_message()))?;
    let correct = grade(q, a);
    let now = app.clock.now();
    let prev = db::reviews(&app.db, user)
        .await?
        .get(&qid)
        .map(|r| r.0)
        .unwrap_or(0);
    let (interval, due) = scoring::next_review(prev, correct, now);
    // The answer, the session's move to the next question and the review are stored together
    // by the answer writer (batched with other answers); returns once committed.
    let row = AnswerRow::Practice {
        session: session_id,
        position,
        user,
        question_id: qid.clone(),
        answer: a.encode(),
        correct,
        at: now,
        review_interval: interval,
        review_due: due,
    };
    if app.answers.store(row).await? != Outcome::Stored {
        return Err(UserError::Invalid("You already answered that question.".into()).into());
    }
    let s = db::get_session(&app.db, session_id).await?.expect("exists");
    let summary = if s.position >= s.questions.len() {
        // Whether the module counted as complete before this practice finished.
        let counted_before = match db::completions(&app.db, s.guild, user)
            .await?
            .into_iter()
            .find(|c| c.module_id == s.module_id)
        {
            Some(c) => completion_counts(app, s.guild, user, &c).await?,
            None => false,
        };
        db::finish(&app.db, session_id, now).await?;
        let total = s.questions.len();
        let percent = s.correct as f64 * 100.0 / total as f64;
        let pass_mark = pass_mark(&app.course, &s.module_id);
        let passed = percent + 1e-9 >= pass_mark as f64;
        let required = app
            .course
            .module(&s.module_id)
            .map(|m| required_questions(&app.course, m))
            .unwrap_or(total);
        let counts = total >= required;
        let newly_completed = if passed && counts {
            let basis = if s.kind == Kind::Module.as_str() {
                Kind::Module
            } else {
                Kind::Practice
            };
            db::complete_module(
                &app.db,
                s.guild,
                user,
                &s.module_id,
                percent.round() as i64,
                basis.as_str(),
                total,
                now,
            )
            .await?;
            !counted_before
        } else {
            false
        };
        Some(Summary {
            correct: s.correct,
            total,
            percent,
            grade: app.course.grade_for(percent).clone(),
            pass_mark,
            passed,
            required,
            counts,
            newly_completed,
        })
    } else {
        None
    };
    Ok(Step {
        picked: a.describe(q),
        question_id: qid,
        correct,
        session: s,
        summary,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn wrong_answers_come_back_first() {
        let now = Utc.with_ymd_and_hms(2026, 3, 1, 0, 0, 0).unwrap();
        let ids: Vec<String> = ["a", "b", "c", "d"].iter().map(|s| s.to_string()).collect();
        let mut r = HashMap::new();
        r.insert("c".to_string(), (0, now - chrono::Duration::hours(1))); // wrong: due
        r.insert("a".to_string(), (4, now + chrono::Duration::days(4))); // right: later
        let o = order_for_review(&ids, &r, now);
        assert_eq!(o, vec!["c", "b", "d", "a"]);
    }
}
