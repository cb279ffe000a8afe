//! Buttons, select menus and modals, dispatched by their `custom_id` prefix:
//! `ex`/`exp` (explain results), `qz` (daily quiz answers), `pr` (practice), `rm` (read more).

use super::{render, user_message, Data};
use crate::content::Question;
use crate::error::UserError;
use crate::quiz::answer::Answer;
use crate::quiz::present::Presentation;
use crate::quiz::{daily, practice};
use poise::serenity_prelude as serenity;
use render::quiz as view;
use serenity::{CreateEmbed, CreateInteractionResponse, CreateInteractionResponseMessage};
use std::time::Instant;

fn ephemeral(text: impl Into<String>) -> CreateInteractionResponse {
    CreateInteractionResponse::Message(
        CreateInteractionResponseMessage::new()
            .content(render::truncate(&text.into(), 2000))
            .ephemeral(true)
            .allowed_mentions(render::no_pings()),
    )
}

fn log_done(
    kind: &str,
    id: &str,
    guild: Option<serenity::GuildId>,
    user: serenity::UserId,
    started: Instant,
) {
    tracing::info!(
        component = kind,
        custom_id = id,
        guild = guild.map(|g| g.get()).unwrap_or(0),
        user = user.get(),
        latency_ms = format!("{:.1}", started.elapsed().as_secs_f64() * 1000.0),
        "interaction"
    );
}

pub async fn handle_component(
    ctx: &serenity::Context,
    data: &Data,
    c: &serenity::ComponentInteraction,
) {
    let started = Instant::now();
    let id = c.data.custom_id.as_str();
    let values: Vec<String> = match &c.data.kind {
        serenity::ComponentInteractionDataKind::StringSelect { values } => values.clone(),
        _ => Vec::new(),
    };
    let r = match id.split(':').next().unwrap_or("") {
        "ex" => explain_button(ctx, data, c, &id[3..], false).await,
        "exp" => explain_button(ctx, data, c, &id[4..], true).await,
        "qz" => daily_component(ctx, data, c, id, &values).await,
        "pr" => sequenced_component(ctx, data, c, Flow::Practice, id, &values).await,
        "rm" => read_more(ctx, data, c, &id[3..]).await,
        "oh" => office_hours_component(ctx, data, c, id, &values).await,
        "xm" => sequenced_component(ctx, data, c, Flow::Exam, id, &values).await,
        _ => {
            tracing::warn!(custom_id = id, "unknown component");
            Err(UserError::Invalid("This button is no longer in use.".into()).into())
        }
    };
    if let Err(e) = r {
        let _ = c
            .create_response(ctx, ephemeral(user_message(&e, id)))
            .await;
    }
    log_done("component", id, c.guild_id, c.user.id, started);
}

pub async fn handle_modal(ctx: &serenity::Context, data: &Data, m: &serenity::ModalInteraction) {
    let started = Instant::now();
    let id = m.data.custom_id.as_str();
    let text = m
        .data
        .components
        .iter()
        .flat_map(|row| row.components.iter())
        .find_map(|c| match c {
            serenity::ActionRowComponent::InputText(t) => t.value.clone(),
            _ => None,
        })
        .unwrap_or_default();
    let answer = Answer::Text(text);
    let r = match id.split(':').next().unwrap_or("") {
        "qz" => match parse_quiz_id(id) {
            Some(quiz) => daily_answer(ctx, data, m.guild_id, m.user.id, quiz, &answer).await,
            None => Err(UserError::Invalid("Unknown quiz.".into()).into()),
        },
        p @ ("pr" | "xm") => {
            let flow = if p == "pr" {
                Flow::Practice
            } else {
                Flow::Exam
            };
            match parse_practice(id) {
                Some((seq, position, _)) => {
                    flow.step(data, m.user.id.get(), seq, position, &answer)
                        .await
                }
                None => Err(UserError::Invalid("Unknown quiz.".into()).into()),
            }
        }
        _ => {
            tracing::debug!(custom_id = id, "modal not ours");
            return;
        }
    };
    match r {
        Ok(resp) => {
            if let Err(e) = m.create_response(ctx, resp).await {
                tracing::warn!(error = %e, "modal response failed");
            }
        }
        Err(e) => {
            let _ = m
                .create_response(ctx, ephemeral(user_message(&e, id)))
                .await;
        }
    }
    log_done("modal", id, m.guild_id, m.user.id, started);
}

fn parse_quiz_id(id: &str) -> Option<i64> {
    id.split(':').nth(1)?.parse().ok()
}

/// An answer from a component code (`c<k>` = the choice displayed at position k, `b1`/`b0`,
/// `m` with the select's values), read against the question as this presentation shows it.
/// A code that does not fit the question is refused before anything is stored.
fn answer_from_code(
    code: &str,
    values: &[String],
    q: &Question,
    shown: Presentation,
) -> anyhow::Result<Answer> {
    Answer::from_code(code, values, q, &shown.order(q))
        .map_err(|e| UserError::Invalid(e.user_message()).into())
}

/// A typed-answer modal is only for fill-in questions.
fn modal_allowed(q: &Question) -> anyhow::Result<()> {
    Answer::modal_allowed(q).map_err(|e| UserError::Invalid(e.user_message()).into())
}

async fn daily_component(
    ctx: &serenity::Context,
    data: &Data,
    c: &serenity::ComponentInteraction,
    id: &str,
    values: &[String],
) -> anyhow::Result<()> {
    let parts: Vec<&str> = id.split(':').collect();
    let (Some(quiz), Some(code)) = (
        parts.get(1).and_then(|q| q.parse::<i64>().ok()),
        parts.get(2),
    ) else {
        return Err(UserError::Invalid("Unknown quiz.".into()).into());
    };
    let app = &data.app;
    let q_row = crate::store::quiz::get_quiz(&app.db, quiz)
        .await?
        .ok_or_else(|| UserError::Invalid("This quiz no longer exists.".into()))?;
    let q = daily::question(&app.course, &q_row.question_id)?;
    if *code == "f" {
        // Fill-in: ask in a modal (checked again on submit).
        modal_allowed(q)?;
        let modal = view::fill_in_modal(&format!("qz:{quiz}"));
        c.create_response(ctx, CreateInteractionResponse::Modal(modal))
            .await?;
        return Ok(());
    }
    let answer = answer_from_code(code, values, q, Presentation::of_quiz(&q_row))?;
    let resp = daily_answer(ctx, data, c.guild_id, c.user.id, quiz, &answer).await?;
    c.create_response(ctx, resp).await?;
    Ok(())
}

async fn daily_answer(
    _ctx: &serenity::Context,
    data: &Data,
    guild: Option<serenity::GuildId>,
    user: serenity::UserId,
    quiz: i64,
    answer: &Answer,
) -> anyhow::Result<CreateInteractionResponse> {
    let g = guild.ok_or(UserError::GuildOnly)?.get();
    match daily::answer(&data.app, quiz, g, user.get(), answer).await? {
        daily::AnswerOutcome::Recorded { closes_at, picked } => Ok(ephemeral(format!(
            "Answer recorded. {}\nThe answer is revealed {}.",
            view::you_picked(&picked),
            view::deadline(closes_at)
        ))),
        daily::AnswerOutcome::AlreadyAnswered => Ok(ephemeral(
            "You already answered this quiz; your first answer counts.",
        )),
    }
}

/// `pr:<session>:<position>:<code>`
fn parse_practice(id: &str) -> Option<(i64, usize, String)> {
    let p: Vec<&str> = id.split(':').collect();
    Some((
        p.get(1)?.parse().ok()?,
        p.get(2)?.parse().ok()?,
        p.get(3)?.to_string(),
    ))
}

/// Record a practice answer and show feedback with the next question, or the final score.
async fn practice_step(
    data: &Data,
    user: u64,
    session: i64,
    position: usize,
    answer: &Answer,
) -> anyhow::Result<CreateInteractionResponse> {
    let app = &data.app;
    let step = practice::answer(app, session, user, position, answer).await?;
    let q = daily::question(&app.course, &step.question_id)?;
    let feedback = view::practice_feedback(q, step.correct, &step.picked);
    let mut msg = CreateInteractionResponseMessage::new()
        .content(render::truncate(&feedback, 2000))
        .allowed_mentions(render::no_pings());
    if let Some(sum) = step.summary {
        let mut desc = format!(
            "**{}/{}** right · **{:.0}%** · grade **{} {}**\nPass mark for this path: {}%.",
            sum.correct, sum.total, sum.percent, sum.grade.grade, sum.grade.label, sum.pass_mark
        );
        desc.push_str(&view::practice_outcome(&sum, &step.session.module_id));
        msg = msg
            .embed(
                CreateEmbed::new()
                    .title(format!("Practice finished · {}", step.session.module_id))
                    .description(desc)
                    .color(render::COLOR),
            )
            .components(vec![]);
    } else {
        let next = &step.session.questions[step.session.position];
        let nq = daily::question(&app.course, next)?;
        let (embed, rows) = view::practice_question(
            &app.course,
            nq,
            Presentation::of_session(&step.session),
            step.session.position,
            step.session.questions.len(),
        );
        msg = msg.embed(embed).components(rows);
    }
    Ok(CreateInteractionResponse::UpdateMessage(msg))
}

/// `rm:<question id>`: the lesson section of the question's topic, to the clicker.
async fn read_more(
    ctx: &serenity::Context,
    data: &Data,
    c: &serenity::ComponentInteraction,
    qid: &str,
) -> anyhow::Result<()> {
    let app = &data.app;
    let q = daily::question(&app.course, qid)?;
    let m = app
        .course
        .module(&q.module)
        .ok_or_else(|| UserError::UnknownModule(q.module.clone()))?;
    let section = m
        .topic_sections()
        .find(|s| s.heading.eq_ignore_ascii_case(&q.topic))
        .ok_or_else(|| {
            UserError::Invalid(format!("No lesson section about {} was found.", q.topic))
        })?;
    let hit = crate::search::Hit {
        module: m.id.clone(),
        module_title: m.title.clone(),
        path: m.path.clone(),
        heading: section.heading.clone(),
        excerpt: String::new(),
        text: section.body.clone(),
        score: 0.0,
        kind: crate::search::HitKind::Section,
    };
    let (embed, _) = render::explain_page(&app.course, &[hit], 0, &q.topic, false);
    c.create_response(
        ctx,
        CreateInteractionResponse::Message(
            CreateInteractionResponseMessage::new()
                .embed(embed)
                .ephemeral(true)
                .allowed_mentions(render::no_pings()),
        ),
    )
    .await?;
    Ok(())
}

/// `ex:<n>:<query>` shows result n to the clicker; `exp:<n>:<query>` posts result n in the channel.
async fn explain_button(
    ctx: &serenity::Context,
    data: &Data,
    c: &serenity::ComponentInteraction,
    rest: &str,
    post: bool,
) -> anyhow::Result<()> {
    let (n, query) = rest.split_once(':').unwrap_or(("0", rest));
    let n: usize = n.parse().unwrap_or(0);
    let app = &data.app;
    let search = app
        .search_within(std::time::Duration::from_secs(2))
        .await
        .ok_or(UserError::IndexNotReady)?;
    let hits = search.search(query, n + 3);
    if n >= hits.len() {
        return Err(UserError::Invalid(
            "That result is no longer available; run /explain again.".into(),
        )
        .into());
    }
    let (embed, rows) = render::explain_page(&app.course, &hits, n, query, !post);
    let mut msg = CreateInteractionResponseMessage::new()
        .embed(embed)
        .allowed_mentions(render::no_pings());
    if post {
        msg = msg
            .content(format!("Shared by <@{}>", c.user.id.get()))
            .components(rows);
    } else {
        msg = msg.components(rows).ephemeral(true);
    }
    c.create_response(ctx, CreateInteractionResponse::Message(msg))
        .await?;
    Ok(())
}

/// `oh:remind:<id>` toggles a member's reminder (asking for the lead time when turning it on);
/// `oh:lead:<id>` (a select with the lead in minutes) turns it on.
async fn office_hours_component(
    ctx: &serenity::Context,
    data: &Data,
    c: &serenity::ComponentInteraction,
    id: &str,
    values: &[String],
) -> anyhow::Result<()> {
    use crate::office_hours::PERSONAL_LEADS;
    use crate::store::office_hours as db;
    let parts: Vec<&str> = id.split(':').collect();
    let series: i64 = parts
        .get(2)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| UserError::Invalid("Unknown session.".into()))?;
    let app = &data.app;
    let g = c.guild_id.ok_or(UserError::GuildOnly)?.get();
    let stored = db::get(&app.db, g, series)
        .await?
        .filter(|s| !s.series.cancelled)
        .ok_or_else(|| UserError::Invalid("This session was cancelled.".into()))?;
    let user = c.user.id.get();
    let resp = match parts.get(1).copied() {
        Some("remind") => {
            if db::unsubscribe(&app.db, series, user).await? {
                ephemeral(format!(
                    "You will no longer be reminded of **{}**.",
                    render::truncate(&render::defuse(&stored.series.topic), 200)
                ))
            } else {
                let options = PERSONAL_LEADS
                    .iter()
                    .map(|(m, label)| serenity::CreateSelectMenuOption::new(*label, m.to_string()))
                    .collect();
                CreateInteractionResponse::Message(
                    CreateInteractionResponseMessage::new()
                        .content("When should I send you a direct message?")
                        .components(vec![serenity::CreateActionRow::SelectMenu(
                            serenity::CreateSelectMenu::new(
                                format!("oh:lead:{series}"),
                                serenity::CreateSelectMenuKind::String { options },
                            )
                            .placeholder("Pick a lead time"),
                        )])
                        .ephemeral(true)
                        .allowed_mentions(render::no_pings()),
                )
            }
        }
        Some("lead") => {
            let lead: i64 = values
                .first()
                .and_then(|v| v.parse().ok())
                .filter(|m| PERSONAL_LEADS.iter().any(|(l, _)| l == m))
                .ok_or_else(|| UserError::Invalid("Pick one of the lead times.".into()))?;
            db::subscribe(&app.db, series, user, lead).await?;
            CreateInteractionResponse::UpdateMessage(
                CreateInteractionResponseMessage::new()
                    .content(format!(
                        "I will send you a direct message {} each session of **{}** (click Remind me again to stop).",
                        PERSONAL_LEADS.iter().find(|(l, _)| *l == lead).map(|(_, t)| *t).unwrap_or("before"),
                        render::truncate(&render::defuse(&stored.series.topic), 200)
                    ))
                    .components(vec![])
                    .allowed_mentions(render::no_pings()),
            )
        }
        _ => return Err(UserError::Invalid("Unknown button.".into()).into()),
    };
    c.create_response(ctx, resp).await?;
    Ok(())
}

/// Record an exam answer and show the next question, or the result.
async fn exam_step(
    data: &Data,
    user: u64,
    exam: i64,
    position: usize,
    answer: &Answer,
) -> anyhow::Result<CreateInteractionResponse> {
    use crate::certification::service::{self, ExamStep};
    let app = &data.app;
    let msg = match service::answer(app, exam, user, position, answer).await? {
        ExamStep::Next {
            exam,
            position,
            picked,
        } => {
            let q = daily::question(&app.course, &exam.questions[position])?;
            let (embed, rows) =
                render::certification::exam_question(&app.course, &exam, q, position);
            CreateInteractionResponseMessage::new()
                .content(render::truncate(
                    &format!("Answer saved. {}", view::you_picked(&picked)),
                    2000,
                ))
                .embed(embed)
                .components(rows)
        }
        ExamStep::Finished(r) => CreateInteractionResponseMessage::new()
            .content("")
            .embed(render::certification::exam_result(&app.course, &r))
            .components(vec![]),
    };
    Ok(CreateInteractionResponse::UpdateMessage(
        msg.allowed_mentions(render::no_pings()),
    ))
}

/// The two one-question-at-a-time flows: practice quizzes (`pr:`) and exams (`xm:`). Their
/// components are `<prefix>:<id>:<position>:<code>`.
#[derive(Clone, Copy)]
enum Flow {
    Practice,
    Exam,
}

impl Flow {
    fn prefix(self) -> &'static str {
        match self {
            Flow::Practice => "pr",
            Flow::Exam => "xm",
        }
    }

    /// The questions of practice session or exam `id`, how they are shown, and its guild.
    async fn questions(
        self,
        data: &Data,
        id: i64,
    ) -> anyhow::Result<(Vec<String>, Presentation, u64)> {
        let app = &data.app;
        let found = match self {
            Flow::Practice => crate::store::practice::get_session(&app.db, id)
                .await?
                .map(|s| (s.questions.clone(), Presentation::of_session(&s), s.guild)),
            Flow::Exam => crate::store::certification::get_exam(&app.db, id)
                .await?
                .map(|e| (e.questions.clone(), Presentation::of_exam(&e), e.guild)),
        };
        Ok(found.ok_or_else(|| UserError::Invalid("This quiz no longer exists.".into()))?)
    }

    async fn step(
        self,
        data: &Data,
        user: u64,
        id: i64,
        position: usize,
        answer: &Answer,
    ) -> anyhow::Result<CreateInteractionResponse> {
        match self {
            Flow::Practice => practice_step(data, user, id, position, answer).await,
            Flow::Exam => exam_step(data, user, id, position, answer).await,
        }
    }
}

/// A click in a practice quiz or exam: a fill-in opens a modal; anything else is read as the
/// answer to the question at that position.
async fn sequenced_component(
    ctx: &serenity::Context,
    data: &Data,
    c: &serenity::ComponentInteraction,
    flow: Flow,
    id: &str,
    values: &[String],
) -> anyhow::Result<()> {
    let (seq, position, code) =
        parse_practice(id).ok_or_else(|| UserError::Invalid("Unknown quiz.".into()))?;
    let (questions, shown, guild) = flow.questions(data, seq).await?;
    if c.guild_id.map(|g| g.get()) != Some(guild) {
        return Err(UserError::Invalid(
            "Could not read that answer: this quiz belongs to another server. Nothing was saved."
                .into(),
        )
        .into());
    }
    let qid = questions
        .get(position)
        .ok_or_else(|| UserError::Invalid("Unknown question.".into()))?;
    let q = daily::question(&data.app.course, qid)?;
    if code == "f" {
        modal_allowed(q)?;
        let modal = view::fill_in_modal(&format!("{}:{seq}:{position}", flow.prefix()));
        c.create_response(ctx, CreateInteractionResponse::Modal(modal))
            .await?;
        return Ok(());
    }
    let answer = answer_from_code(&code, values, q, shown)?;
    let resp = flow
        .step(data, c.user.id.get(), seq, position, &answer)
        .await?;
    c.create_response(ctx, resp).await?;
    Ok(())
}
