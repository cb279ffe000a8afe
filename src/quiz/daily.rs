//! Daily quizzes: scheduling a channel, starting the quiz of the day, answers, closing with
//! points and streaks. Everything is in SQLite; nothing here knows Discord.

use super::answer::{grade, Answer};
use super::{pool, schedule as sched, scoring};
use crate::app::App;
use crate::content::{Course, Question};
use crate::error::UserError;
use crate::ids::{ChannelId, GuildId, UserId};
use crate::store::answer_batch::{AnswerRow, Outcome};
use crate::store::quiz as db;
use crate::store::Db;
use anyhow::Result;
use chrono::{DateTime, Duration, Utc};
use chrono_tz::Tz;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// What a moderator asked for.
pub struct ScheduleRequest<'a> {
    pub guild: GuildId,
    pub channel: ChannelId,
    pub time: &'a str,
    pub timezone: &'a str,
    pub path: Option<&'a str>,
    /// Comma- or space-separated module ids or titles.
    pub modules: Option<&'a str>,
    /// Minutes the question stays open; `None`: until the next daily question.
    pub window_minutes: Option<i64>,
    pub by: UserId,
}

/// Longest window, in minutes (a day: the next question closes the previous one anyway).
pub const MAX_WINDOW_MINUTES: i64 = 24 * 60;

/// The question pool for a path and/or module list; errors name what is unknown.
pub fn resolve_pool(
    course: &Course,
    path: Option<&str>,
    modules: Option<&str>,
) -> Result<(Vec<String>, String), UserError> {
    let mut ids: Vec<String> = Vec::new();
    let mut label = Vec::new();
    if let Some(p) = path.filter(|p| !p.trim().is_empty()) {
        let lp = course
            .path(p.trim())
            .ok_or_else(|| UserError::UnknownPath(p.trim().to_string()))?;
        ids.extend(lp.module_ids.iter().cloned());
        label.push(format!("path {}", lp.id));
    }
    if let Some(m) = modules.filter(|m| !m.trim().is_empty()) {
        for part in m.split([',', ' ']).filter(|s| !s.trim().is_empty()) {
            let module = course
                .find_module(part)
                .ok_or_else(|| UserError::UnknownModule(part.trim().to_string()))?;
            if !ids.contains(&module.id) {
                ids.push(module.id.clone());
            }
        }
        label.push(format!("modules {m}"));
    }
    if ids.is_empty() {
        // Default: the whole course.
        ids = course.modules.iter().map(|m| m.id.clone()).collect();
        label.push("the whole course".into());
    }
    if !ids.iter().any(|m| course.questions_of(m).next().is_some()) {
        return Err(UserError::Invalid(
            "Those modules have no questions yet.".into(),
        ));
    }
    Ok((ids, label.join(", ")))
}

/// Create or replace the daily quiz of a channel. Returns the stored schedule.
pub async fn schedule(app: &App, r: ScheduleRequest<'_>) -> Result<db::Schedule> {
    let time = sched::parse_local_time(r.time).map_err(UserError::Invalid)?;
    let tz: Tz = sched::parse_tz(r.timezone).map_err(UserError::Invalid)?;
    if let Some(w) = r.window_minutes {
        if !(1..=MAX_WINDOW_MINUTES).contains(&w) {
            return Err(UserError::Invalid(format!(
                "The window must be 1 to {MAX_WINDOW_MINUTES} minutes."
            ))
            .into());
        }
    }
    let (modules, label) = resolve_pool(&app.course, r.path, r.modules)?;
    let now = app.clock.now();
    let next = sched::next_run(time, tz, now);
    let local_time = time.format("%H:%M").to_string();
    let id = db::upsert_schedule(
        &app.db,
        db::NewSchedule {
            guild: r.guild,
            channel: r.channel,
            local_time: &local_time,
            timezone: tz.name(),
            pool_label: &label,
            modules: &modules,
            window_minutes: r.window_minutes,
            next_run_at: next,
            created_by: r.by,
            now,
        },
    )
    .await?;
    Ok(db::get_schedule(&app.db, id).await?.expect("just stored"))
}

/// Start the quiz of the day for every schedule that is due: pick the next question of the
/// channel's pool, store the quiz (once per channel per local date, so a restart or a long
/// downtime posts once, not once per missed day) and move the schedule to its next run.
/// Returns the quizzes to post.
pub async fn start_due(app: &App, now: DateTime<Utc>) -> Result<Vec<db::Quiz>> {
    let mut started = Vec::new();
    for s in db::due_schedules(&app.db, now).await? {
        let Ok(tz) = sched::parse_tz(&s.timezone) else {
            continue;
        };
        let Ok(time) = sched::parse_local_time(&s.local_time) else {
            continue;
        };
        let next = sched::next_run(time, tz, now);
        let quiz_date = sched::local_date(now, tz);
        let pool_ids: Vec<String> = s
            .modules
            .iter()
            .flat_map(|m| app.course.questions_of(m).map(|q| q.id.clone()))
            .collect();
        let mut tx = app.db.begin().await?;
        let asked = db::asked_in_cycle(&mut tx, s.channel, s.cycle).await?;
        let pick = pool::next_question(&pool_ids, s.seed as u64, s.cycle, &asked);
        let cycle = pick.as_ref().map_or(s.cycle, |p| p.1);
        // Claim the run first: with several processes, the one whose update moves the
        // schedule on starts the quiz; the others see it already moved and leave it.
        if !db::advance_schedule(&mut tx, s.id, now, next, cycle).await? {
            continue;
        }
        let Some((qid, cycle)) = pick else {
            tx.commit().await?;
            continue;
        };
        let q = app.course.question(&qid).expect("pool is from the course");
        let path = app
            .course
            .module(&q.module)
            .map(|m| m.path.clone())
            .unwrap_or_default();
        let closes = match s.window_minutes {
            Some(w) => (now + Duration::minutes(w)).min(next),
            None => next,
        };
        // The new question ends the previous one of the channel, if still open.
        db::shorten_open_quizzes(&mut tx, s.channel, now).await?;
        let id = db::create_quiz(
            &mut tx,
            db::NewQuiz {
                schedule_id: s.id,
                guild: s.guild,
                channel: s.channel,
                question_id: &qid,
                module_id: &q.module,
                path_id: &path,
                quiz_date,
                cycle,
                posted_at: now,
                closes_at: closes,
            },
        )
        .await?;
        tx.commit().await?;
        if let Some(id) = id {
            if let Some(q) = db::get_quiz(&app.db, id).await? {
                started.push(q);
            }
        }
    }
    Ok(started)
}

/// What happened to an answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AnswerOutcome {
    /// Stored; `picked` is what the member chose, as text ("You picked: …").
    Recorded {
        closes_at: DateTime<Utc>,
        picked: String,
    },
    AlreadyAnswered,
}

/// Record a member's answer to an open daily quiz. Errors (as [`UserError`]) when the quiz is
/// closed or unknown, belongs to another guild, or the answer does not fit its question
/// (nothing is stored then).
pub async fn answer(
    app: &App,
    quiz_id: i64,
    guild: GuildId,
    user: UserId,
    a: &Answer,
) -> Result<AnswerOutcome> {
    let now = app.clock.now();
    let quiz = app
        .quizzes
        .get(&app.db, quiz_id, now)
        .await?
        .ok_or_else(|| UserError::Invalid("This quiz no longer exists.".into()))?;
    if quiz.guild != guild {
        return Err(UserError::Invalid(
            "Could not read that answer: this quiz belongs to another server. Nothing was saved."
                .into(),
        )
        .into());
    }
    if quiz.status == "closed" || now >= quiz.closes_at {
        return Err(closed().into());
    }
    let q = question(&app.course, &quiz.question_id)?;
    a.check_against(q)
        .map_err(|e| UserError::Invalid(e.user_message()))?;
    let row = AnswerRow::Daily {
        quiz_id,
        guild,
        user,
        answer: a.encode(),
        correct: grade(q, a),
        at: now,
    };
    // Stored by the answer writer, in one transaction with the answers arriving at the same
    // time; returns once committed.
    match app.answers.store(row).await? {
        Outcome::Stored => Ok(AnswerOutcome::Recorded {
            closes_at: quiz.closes_at,
            picked: a.describe(q),
        }),
        Outcome::AlreadyAnswered => Ok(AnswerOutcome::AlreadyAnswered),
        // Closed between the check above and the write (the next question replaced it).
        Outcome::Closed => Err(closed().into()),
    }
}

/// Quiz rows read by the answers to them, so that a burst of answers to one question reads
/// its row once instead of once per answer. Only what never changes while a quiz takes
/// answers is relied on (guild, question, module); its status and closing time are a first
/// check only: a cached closed quiz, or a closing time passed, is closed for sure (a closing
/// time is only ever brought forward), while a cached open one may have been closed since,
/// possibly by another process, so the answer writer checks that again in the insert
/// ([`Outcome::Closed`]). Entries go when their closing time has passed.
#[derive(Clone, Default)]
pub struct QuizCache(Arc<Mutex<HashMap<i64, Arc<db::Quiz>>>>);

impl QuizCache {
    /// Most quizzes kept; past it, those past their closing time go, then all.
    const MAX: usize = 4096;

    /// The quiz, from the cache when it was read before and its closing time is still ahead.
    pub async fn get(
        &self,
        pool: &Db,
        id: i64,
        now: DateTime<Utc>,
    ) -> Result<Option<Arc<db::Quiz>>> {
        if let Some(q) = self.lock().get(&id) {
            if now < q.closes_at {
                return Ok(Some(q.clone()));
            }
        }
        let Some(q) = db::get_quiz(pool, id).await? else {
            return Ok(None);
        };
        let q = Arc::new(q);
        if q.status != "closed" && now < q.closes_at {
            let mut m = self.lock();
            if m.len() >= Self::MAX {
                m.retain(|_, v| now < v.closes_at);
                if m.len() >= Self::MAX {
                    m.clear();
                }
            }
            m.insert(id, q.clone());
        }
        Ok(Some(q))
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<i64, Arc<db::Quiz>>> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}

fn closed() -> UserError {
    UserError::Invalid("This quiz is closed; answers are no longer accepted.".into())
}

pub fn question<'a>(course: &'a Course, id: &str) -> Result<&'a Question> {
    Ok(course.question(id).ok_or_else(|| {
        UserError::Invalid(format!("Question `{id}` is no longer in the course."))
    })?)
}

/// Close every open quiz whose window has ended: mark it closed, award points and update streaks
/// in one transaction (so points are awarded exactly once). Returns the closed quizzes, to reveal.
pub async fn close_due(app: &App, now: DateTime<Utc>) -> Result<Vec<db::Quiz>> {
    let mut closed = Vec::new();
    for quiz in db::quizzes_to_close(&app.db, now).await? {
        let mut tx = app.db.begin().await?;
        if !db::close_quiz(&mut tx, quiz.id).await? {
            continue;
        }
        for (user, correct) in db::answers_of(&mut tx, quiz.id).await? {
            let s = db::get_streak(&mut tx, quiz.guild, user).await?;
            let (s2, points) = scoring::apply(s, quiz.quiz_date, correct);
            db::set_streak(&mut tx, quiz.guild, user, &s2).await?;
            db::set_points(&mut tx, quiz.id, user, points).await?;
        }
        tx.commit().await?;
        closed.push(quiz);
    }
    Ok(closed)
}

/// Figures shown when a quiz is revealed.
#[derive(Debug, Clone, PartialEq)]
pub struct Reveal {
    pub answered: usize,
    pub correct: usize,
}

impl Reveal {
    pub fn percent_right(&self) -> u32 {
        if self.answered == 0 {
            0
        } else {
            ((self.correct as f64 / self.answered as f64) * 100.0).round() as u32
        }
    }
}

pub async fn reveal_figures(app: &App, quiz_id: i64) -> Result<Reveal> {
    let answers = db::answers_of(&app.db, quiz_id).await?;
    Ok(Reveal {
        answered: answers.len(),
        correct: answers.iter().filter(|a| a.1).count(),
    })
}
