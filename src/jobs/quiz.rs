//! Daily quizzes: close and reveal, then post the questions that are due. The scan closes and
//! starts quizzes in the database and enqueues one `quiz_post` / `quiz_reveal` row per quiz;
//! the handlers talk to Discord.

use super::rows::{self, Job};
use super::{Failure, JobResult, Next};
use crate::app::App;
use crate::discord::render::{no_pings, quiz as view};
use crate::quiz::daily;
use crate::quiz::present::Presentation;
use crate::store::quiz as db;
use chrono::{DateTime, Utc};
use poise::serenity_prelude as serenity;
use serenity::{ChannelId, CreateMessage, EditMessage, MessageId};

pub const POST: &str = "quiz_post";
pub const REVEAL: &str = "quiz_reveal";

pub async fn scan(app: App, now: DateTime<Utc>) -> JobResult {
    daily::close_due(&app, now).await?;
    for q in db::quizzes_to_reveal(&app.db).await? {
        rows::enqueue(
            &app.db,
            REVEAL,
            &q.id.to_string(),
            &serde_json::Value::Null,
            now,
        )
        .await?;
    }
    daily::start_due(&app, now).await?;
    for q in db::quizzes_to_post(&app.db).await? {
        rows::enqueue(
            &app.db,
            POST,
            &q.id.to_string(),
            &serde_json::Value::Null,
            now,
        )
        .await?;
    }
    Ok(Next::Done)
}

async fn quiz_of(app: &App, job: &Job) -> Result<Option<db::Quiz>, Failure> {
    let id: i64 = job
        .key
        .parse()
        .map_err(|_| Failure::Permanent(format!("`{}` is not a quiz id", job.key)))?;
    Ok(db::get_quiz(&app.db, id).await?)
}

pub async fn post(app: &App, http: &serenity::Http, job: &Job) -> JobResult {
    let Some(q) = quiz_of(app, job).await? else {
        return Ok(Next::Done);
    };
    if q.status != "posting" {
        return Ok(Next::Done);
    }
    let Ok(question) = daily::question(&app.course, &q.question_id) else {
        tracing::warn!(quiz = q.id, question = %q.question_id, "question left the course; quiz dropped");
        db::set_posted(&app.db, q.id, 0).await?;
        return Ok(Next::Done);
    };
    let (embed, rows) = view::daily_question(
        &app.course,
        question,
        Presentation::of_quiz(&q),
        q.closes_at,
    );
    // The nonce makes Discord drop a second post of the same quiz (a retry after a crash).
    let msg = CreateMessage::new()
        .embed(embed)
        .components(rows)
        .allowed_mentions(no_pings())
        .nonce(serenity::Nonce::String(format!("quiz-{}", q.id)))
        .enforce_nonce(true);
    match ChannelId::new(q.channel).send_message(http, msg).await {
        Ok(m) => {
            db::set_posted(&app.db, q.id, m.id.get()).await?;
            tracing::info!(quiz = q.id, channel = q.channel, question = %q.question_id, "daily quiz posted");
            Ok(Next::Done)
        }
        Err(e) if super::is_permanent(&e) => {
            tracing::error!(quiz = q.id, channel = q.channel, error = %e, "cannot post the daily quiz in this channel (check the bot's permissions); skipped");
            db::set_posted(&app.db, q.id, 0).await?;
            Err(e.into())
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn reveal(app: &App, http: &serenity::Http, job: &Job) -> JobResult {
    let Some(q) = quiz_of(app, job).await? else {
        return Ok(Next::Done);
    };
    let Some(message) = q.message_id.filter(|m| *m != 0) else {
        db::mark_revealed(&app.db, q.id).await?;
        return Ok(Next::Done);
    };
    let fig = daily::reveal_figures(app, q.id).await?;
    // A content reload may have removed the question while the quiz was open: reveal what
    // was stored (the figures; points come from the stored grading) instead of its answer.
    let (embed, rows) = match daily::question(&app.course, &q.question_id) {
        Ok(question) => view::daily_reveal(
            &app.course,
            question,
            Presentation::of_quiz(&q),
            fig.answered,
            fig.percent_right(),
        ),
        Err(_) => {
            tracing::warn!(quiz = q.id, question = %q.question_id, "question left the course while the quiz was open; revealed without it");
            view::daily_reveal_removed(&q.question_id, fig.answered, fig.percent_right())
        }
    };
    let edit = EditMessage::new()
        .embed(embed)
        .components(rows)
        .allowed_mentions(no_pings());
    match ChannelId::new(q.channel)
        .edit_message(http, MessageId::new(message), edit)
        .await
    {
        Ok(_) => {
            db::mark_revealed(&app.db, q.id).await?;
            tracing::info!(
                quiz = q.id,
                answered = fig.answered,
                right = fig.correct,
                "daily quiz revealed"
            );
            Ok(Next::Done)
        }
        Err(e) if super::is_permanent(&e) => {
            tracing::error!(quiz = q.id, error = %e, "cannot edit the daily quiz message; reveal skipped");
            db::mark_revealed(&app.db, q.id).await?;
            Err(e.into())
        }
        Err(e) => Err(e.into()),
    }
}
