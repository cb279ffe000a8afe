//! Certification with the database: exams, capstones, awarding certificates.

use super::{cert_for_path, draw_exam, evaluate, CertStatus, MemberState, ModuleCompletion};
use crate::app::App;
use crate::content::{Certification, GradeBand};
use crate::error::UserError;
use crate::ids::{GuildId, UserId};
use crate::quiz::answer::{grade, Answer};
use crate::store::answer_batch::{AnswerRow, Outcome};
use crate::store::certification as db;
use anyhow::Result;
use chrono::{DateTime, Duration, Utc};

/// How the member completed each module they have a completion for, and whether it counts.
pub async fn module_completions(
    app: &App,
    guild: GuildId,
    user: UserId,
) -> Result<Vec<ModuleCompletion>> {
    use crate::quiz::practice;
    let mut out = Vec::new();
    for c in crate::store::practice::completions(&app.db, guild, user).await? {
        let required = app
            .course
            .module(&c.module_id)
            .map(|m| practice::required_questions(&app.course, m))
            .unwrap_or(0);
        out.push(ModuleCompletion {
            counts: practice::completion_counts(app, guild, user, &c).await?,
            module: c.module_id,
            basis: c.basis,
            questions: c.questions,
            score: c.score,
            required,
        });
    }
    Ok(out)
}

/// Everything certification rules need to know about a member. Only module completions that
/// meet the rule today count (a legacy one is kept and shown, but counts only when backed by a
/// long enough passed practice).
pub async fn member_state(app: &App, guild: GuildId, user: UserId) -> Result<MemberState> {
    Ok(MemberState {
        completed_modules: module_completions(app, guild, user)
            .await?
            .into_iter()
            .filter(|c| c.counts)
            .map(|c| c.module)
            .collect(),
        best_exam: db::best_exams(&app.db, guild, user)
            .await?
            .into_iter()
            .map(|(c, p, passed)| (c, (p, passed)))
            .collect(),
        capstone: db::capstone_states(&app.db, guild, user)
            .await?
            .into_iter()
            .collect(),
        held: db::held(&app.db, guild, user)
            .await?
            .into_iter()
            .map(|c| c.cert_id)
            .collect(),
    })
}

pub async fn progress(app: &App, guild: GuildId, user: UserId) -> Result<Vec<CertStatus>> {
    Ok(evaluate(
        &app.course,
        &member_state(app, guild, user).await?,
    ))
}

fn cert_of<'a>(app: &'a App, path: &str) -> Result<&'a Certification, UserError> {
    let p = app
        .course
        .path(path.trim())
        .ok_or_else(|| UserError::UnknownPath(path.trim().to_string()))?;
    cert_for_path(&app.course, &p.id).ok_or_else(|| {
        UserError::Invalid(format!("No certificate is attached to the {} path.", p.id))
    })
}

/// Start an exam: only when the path's modules are complete and the prerequisite certificate is
/// held, no exam is in progress, and the guild's retake cooldown has passed.
pub async fn start_exam(app: &App, guild: GuildId, user: UserId, path: &str) -> Result<db::Exam> {
    let cert = cert_of(app, path)?;
    let Some(exam) = &cert.exam else {
        return Err(UserError::Invalid(format!(
            "The {} is project-based: submit your project with /capstone submit.",
            cert.title
        ))
        .into());
    };
    if let Some(open) = db::open_exam(&app.db, guild, user).await? {
        return Err(UserError::Invalid(format!(
            "You already have an exam in progress (#{}): continue it with /exam resume.",
            open.id
        ))
        .into());
    }
    let state = member_state(app, guild, user).await?;
    let status = evaluate(&app.course, &state)
        .into_iter()
        .find(|s| s.cert_id == cert.id)
        .expect("evaluated");
    if !status.prerequisite_met || !status.modules_met {
        let missing: Vec<String> = status
            .missing
            .iter()
            .take(status.missing_before_exam)
            .cloned()
            .collect();
        return Err(UserError::Invalid(format!(
            "Before the {} exam you need to: {}.",
            cert.title,
            missing.join("; ")
        ))
        .into());
    }
    let now = app.clock.now();
    let (cooldown, _) = db::guild_options(&app.db, guild).await?;
    if let (Some(cd), Some(last)) = (
        cooldown.filter(|c| *c > 0),
        db::last_graded(&app.db, guild, user, &cert.id).await?,
    ) {
        let next = last.graded_at.unwrap_or(last.started_at) + Duration::minutes(cd);
        if now < next {
            return Err(UserError::RetakeLater(next).into());
        }
    }
    let seed = user.get() ^ (now.timestamp() as u64);
    let questions = draw_exam(&app.course, cert, exam.questions as usize, seed);
    if questions.is_empty() {
        return Err(UserError::Invalid("This exam has no questions yet.".into()).into());
    }
    let deadline = now + Duration::minutes(exam.minutes as i64);
    let id = db::start_exam(&app.db, guild, user, &cert.id, &questions, now, deadline)
        .await?
        .ok_or_else(|| {
            UserError::Invalid("You already have an exam in progress: /exam resume.".into())
        })?;
    Ok(db::get_exam(&app.db, id).await?.expect("just created"))
}

/// The graded result of an exam.
#[derive(Debug, Clone, PartialEq)]
pub struct ExamResult {
    pub exam: db::Exam,
    pub correct: i64,
    pub total: usize,
    pub answered: usize,
    pub percent: f64,
    pub pass_percent: u32,
    pub passed: bool,
    pub grade: GradeBand,
    /// Topics of questions answered wrongly or not at all, in exam order, without repeats.
    pub missed_topics: Vec<String>,
    /// Certificates this result completed.
    pub awarded: Vec<String>,
    /// The deadline passed before every question was answered.
    pub timed_out: bool,
}

/// What answering did.
#[derive(Debug, Clone, PartialEq)]
pub enum ExamStep {
    Next {
        exam: db::Exam,
        position: usize,
        /// What the member chose for the question just answered, as text.
        picked: String,
    },
    Finished(Box<ExamResult>),
}

/// The position of the next question to answer (= answers given).
pub async fn next_position(app: &App, exam: &db::Exam) -> Result<usize> {
    Ok(db::answers(&app.db, exam.id).await?.len())
}

/// Answer the question at `position`. After the deadline nothing counts and the exam is graded
/// with what was answered.
pub async fn answer(
    app: &App,
    exam_id: i64,
    user: UserId,
    position: usize,
    a: &Answer,
) -> Result<ExamStep> {
    let exam = db::get_exam(&app.db, exam_id)
        .await?
        .filter(|e| e.user == user)
        .ok_or_else(|| UserError::Invalid("This is not your exam.".into()))?;
    if !exam.open {
        return Err(
            UserError::Invalid("This exam is already graded; see /progress.".into()).into(),
        );
    }
    let now = app.clock.now();
    if now > exam.deadline {
        return Ok(ExamStep::Finished(Box::new(grade_exam(app, &exam).await?)));
    }
    let expected = next_position(app, &exam).await?;
    if position != expected {
        return Err(UserError::Invalid(
            "You already answered that question; continue with /exam resume.".into(),
        )
        .into());
    }
    let qid = exam.questions.get(position).cloned().unwrap_or_default();
    let q = crate::quiz::daily::question(&app.course, &qid)?;
    a.check_against(q)
        .map_err(|e| UserError::Invalid(e.user_message()))?;
    // Stored by the answer writer (batched with other answers); returns once committed.
    let row = AnswerRow::Exam {
        exam: exam.id,
        position,
        question_id: qid.clone(),
        answer: a.encode(),
        correct: grade(q, a),
        at: now,
    };
    if app.answers.store(row).await? != Outcome::Stored {
        return Err(UserError::Invalid("You already answered that question.".into()).into());
    }
    if position + 1 >= exam.questions.len() {
        Ok(ExamStep::Finished(Box::new(grade_exam(app, &exam).await?)))
    } else {
        Ok(ExamStep::Next {
            exam,
            position: position + 1,
            picked: a.describe(q),
        })
    }
}

/// Grade an exam (idempotent: a graded exam is reported as it was) and award what it completes.
pub async fn grade_exam(app: &App, exam: &db::Exam) -> Result<ExamResult> {
    let cert = app
        .course
        .certification(&exam.cert_id)
        .ok_or_else(|| UserError::UnknownCertification(exam.cert_id.clone()))?;
    let pass_percent = cert.exam.as_ref().map(|e| e.pass_percent).unwrap_or(100);
    let answers = db::answers(&app.db, exam.id).await?;
    let total = exam.questions.len();
    let correct = answers.iter().filter(|a| a.1).count() as i64;
    let percent = if total == 0 {
        0.0
    } else {
        correct as f64 * 100.0 / total as f64
    };
    let passed = percent + 1e-9 >= pass_percent as f64;
    let now = app.clock.now();
    db::grade(&app.db, exam.id, correct, percent, passed, now).await?;
    let mut missed_topics = Vec::new();
    for (i, qid) in exam.questions.iter().enumerate() {
        let right = answers.iter().any(|(p, c)| *p == i && *c);
        if !right {
            if let Some(q) = app.course.question(qid) {
                if !missed_topics.contains(&q.topic) {
                    missed_topics.push(q.topic.clone());
                }
            }
        }
    }
    let awarded = check_awards(app, exam.guild, exam.user).await?;
    let exam = db::get_exam(&app.db, exam.id).await?.expect("exists");
    Ok(ExamResult {
        timed_out: answers.len() < total && now > exam.deadline,
        exam,
        correct,
        total,
        answered: answers.len(),
        percent,
        pass_percent,
        passed,
        grade: app.course.grade_for(percent).clone(),
        missed_topics,
        awarded,
    })
}

/// Award every certificate whose requirements the member now meets (each at most once, ever).
/// Returns the ids of certificates awarded by this call.
pub async fn check_awards(app: &App, guild: GuildId, user: UserId) -> Result<Vec<String>> {
    let mut awarded = Vec::new();
    loop {
        let state = member_state(app, guild, user).await?;
        let mut progressed = false;
        for st in evaluate(&app.course, &state) {
            if st.held || !st.requirements_met() {
                continue;
            }
            let label = st
                .exam_best
                .map(|(p, _)| app.course.grade_for(p).label.clone());
            if db::award(
                &app.db,
                guild,
                user,
                &st.cert_id,
                label.as_deref(),
                st.exam_best.map(|b| b.0),
                app.clock.now(),
            )
            .await?
            .is_some()
            {
                tracing::info!(guild = %guild, user = %user, cert = %st.cert_id, "certificate awarded");
                awarded.push(st.cert_id.clone());
                progressed = true;
            }
        }
        if !progressed {
            return Ok(awarded);
        }
    }
}

/// Grade exams whose deadline passed while nobody was answering.
pub async fn grade_overdue(app: &App, now: DateTime<Utc>) -> Result<Vec<ExamResult>> {
    let mut out = Vec::new();
    for e in db::overdue_exams(&app.db, now).await? {
        out.push(grade_exam(app, &e).await?);
    }
    Ok(out)
}

/// Submit a capstone (or the Architect project with its portfolio link) for review.
pub async fn submit_capstone(
    app: &App,
    guild: GuildId,
    user: UserId,
    path: &str,
    link: &str,
) -> Result<(i64, &'static str)> {
    let cert = cert_of(app, path)?;
    let link = link.trim();
    if !(link.starts_with("https://") || link.starts_with("http://"))
        || link.len() > 500
        || link.contains(char::is_whitespace)
    {
        return Err(UserError::Invalid(
            "The link must be a single http(s) URL (your repository or portfolio).".into(),
        )
        .into());
    }
    if db::held(&app.db, guild, user)
        .await?
        .iter()
        .any(|c| c.cert_id == cert.id)
    {
        return Err(UserError::Invalid(format!("You already hold the {}.", cert.title)).into());
    }
    let p = app.course.path(path.trim()).expect("checked").id.clone();
    let id = db::submit_capstone(&app.db, guild, user, &cert.id, &p, link, app.clock.now())
        .await?
        .ok_or_else(|| {
            UserError::Invalid(
                "You already have a submission awaiting review for this certificate.".into(),
            )
        })?;
    Ok((
        id,
        if cert.project_based {
            "project assessment"
        } else {
            "capstone"
        },
    ))
}

/// Approve or reject a pending capstone. Returns it and the certificates the approval completed.
pub async fn review_capstone(
    app: &App,
    guild: GuildId,
    id: i64,
    approve: bool,
    by: UserId,
    reason: Option<&str>,
) -> Result<(db::Capstone, Vec<String>)> {
    let c = db::get_capstone(&app.db, guild, id)
        .await?
        .ok_or_else(|| UserError::Invalid(format!("There is no submission #{id}.")))?;
    if c.user == by {
        // A moderator's own work is reviewed by someone else.
        return Err(UserError::OwnSubmission(id).into());
    }
    if !db::review_capstone(&app.db, id, approve, by, reason, app.clock.now()).await? {
        return Err(UserError::Invalid(format!(
            "Submission #{id} was already reviewed ({}).",
            c.status
        ))
        .into());
    }
    let awarded = if approve {
        check_awards(app, guild, c.user).await?
    } else {
        Vec::new()
    };
    let c = db::get_capstone(&app.db, guild, id).await?.expect("exists");
    Ok((c, awarded))
}
