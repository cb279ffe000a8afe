//! Buttons, select menus and modals, dispatched by their typed [`CustomId`]: explain results,
//! daily quiz, practice and exam answers, "Read more" and office-hours reminders. An id that
//! does not parse (forged, or from a retired format) gets a short ephemeral refusal.

use super::custom_id::{AnswerCode, AnswerTarget, CustomId};
use super::{checks, render, user_message, Data};
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
    let r = match id.parse::<CustomId>() {
        Err(e) => {
            tracing::warn!(custom_id = id, error = %e, "unreadable component id");
            Err(UserError::InvalidComponent(e.to_string()).into())
        }
        Ok(CustomId::Explain { page, query, post }) => {
            explain_button(ctx, data, c, usize::from(page), query.as_str(), post).await
        }
        Ok(CustomId::Answer { target, code }) => match target {
            AnswerTarget::Daily { quiz } => {
                daily_component(ctx, data, c, quiz, code, &values).await
            }
            AnswerTarget::Practice { session, position } => {
                sequenced_component(
                    ctx,
                    data,
                    c,
                    Flow::Practice,
                    session,
                    position,
                    code,
                    &values,
                )
                .await
            }
            AnswerTarget::Exam { exam, position } => {
                sequenced_component(ctx, data, c, Flow::Exam, exam, position, code, &values).await
            }
        },
        Ok(CustomId::ReadMore { question }) => read_more(ctx, data, c, question.as_str()).await,
        Ok(CustomId::Remind { series }) => {
            office_hours_component(ctx, data, c, OfficeHoursClick::Remind, series, &values).await
        }
        Ok(CustomId::RemindLead { series }) => {
            office_hours_component(ctx, data, c, OfficeHoursClick::Lead, series, &values).await
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
    let r = match id.parse::<CustomId>() {
        Ok(CustomId::Answer {
            target,
            code: AnswerCode::FillInModal,
        }) => match target {
            AnswerTarget::Daily { quiz } => {
                daily_answer(ctx, data, m.guild_id, m.user.id, quiz, &answer).await
            }
            AnswerTarget::Practice { session, position } => {
                Flow::Practice
                    .step(data, m.user.id.get(), session, position, &answer)
                    .await
            }
            AnswerTarget::Exam { exam, position } => {
                Flow::Exam
                    .step(data, m.user.id.get(), exam, position, &answer)
                    .await
            }
        },
        Ok(other) => {
            tracing::warn!(custom_id = id, kind = other.kind(), "not a modal id");
            Err(UserError::InvalidComponent("not a form".into()).into())
        }
        Err(e) => {
            tracing::warn!(custom_id = id, error = %e, "unreadable modal id");
            Err(UserError::InvalidComponent(e.to_string()).into())
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
    quiz: i64,
    code: AnswerCode,
    values: &[String],
) -> anyhow::Result<()> {
    let app = &data.app();
    // From the cache of quizzes being answered: a burst reads the row once.
    let q_row = app
        .quizzes
        .get(&app.db, quiz, app.clock.now())
        .await?
        .ok_or_else(|| UserError::Invalid("This quiz no longer exists.".into()))?;
    let q = daily::question(&app.course, &q_row.question_id)?;
    if code == AnswerCode::FillIn {
        // Fill-in: ask in a modal (checked again on submit).
        modal_allowed(q)?;
        let modal = view::fill_in_modal(AnswerTarget::Daily { quiz });
        c.create_response(ctx, CreateInteractionResponse::Modal(modal))
            .await?;
        return Ok(());
    }
    let answer = answer_from_code(&code.to_string(), values, q, Presentation::of_quiz(&q_row))?;
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
    let g = guild.ok_or(UserError::GuildOnly)?;
    match daily::answer(&data.app(), quiz, g.into(), user.into(), answer).await? {
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

/// Record a practice answer and show feedback with the next question, or the final score.
async fn practice_step(
    data: &Data,
    user: u64,
    session: i64,
    position: usize,
    answer: &Answer,
) -> anyhow::Result<CreateInteractionResponse> {
    let app = &data.app();
    let step = practice::answer(
        app,
        session,
        crate::ids::UserId::new(user),
        position,
        answer,
    )
    .await?;
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
    let app = &data.app();
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

/// `ex:<n>:<query>` shows result n to the clicker; `exp:<n>:<query>` posts result n in the
/// channel. `n` is below [`super::custom_id::MAX_EXPLAIN_PAGES`] (checked when parsing).
async fn explain_button(
    ctx: &serenity::Context,
    data: &Data,
    c: &serenity::ComponentInteraction,
    n: usize,
    query: &str,
    post: bool,
) -> anyhow::Result<()> {
    let app = &data.app();
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
    if post {
        // Only the member a private result was made for may post it, where they may send
        // messages, and not more often than the cooldown allows.
        if checks::message_owner(&c.message).is_some_and(|owner| owner != c.user.id.get()) {
            return Err(UserError::Invalid(
                "Only the member who asked can post this result.".into(),
            )
            .into());
        }
        data.post_cooldowns
            .try_post(
                &checks::Actor::from_component(c),
                c.user.id.get(),
                app.clock.now(),
            )
            .map_err(|r| UserError::Invalid(r.message()))?;
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

/// Which office-hours component was clicked.
#[derive(Clone, Copy)]
enum OfficeHoursClick {
    /// `oh:remind:<id>`
    Remind,
    /// `oh:lead:<id>`
    Lead,
}

/// `oh:remind:<id>` toggles a member's reminder (asking for the lead time when turning it on);
/// `oh:lead:<id>` (a select with the lead in minutes) turns it on.
async fn office_hours_component(
    ctx: &serenity::Context,
    data: &Data,
    c: &serenity::ComponentInteraction,
    click: OfficeHoursClick,
    series: i64,
    values: &[String],
) -> anyhow::Result<()> {
    use crate::office_hours::PERSONAL_LEADS;
    use crate::store::office_hours as db;
    let app = &data.app();
    let g = c.guild_id.ok_or(UserError::GuildOnly)?;
    let stored = db::get(&app.db, g.into(), series)
        .await?
        .filter(|s| !s.series.cancelled)
        .ok_or_else(|| UserError::Invalid("This session was cancelled.".into()))?;
    let user = crate::ids::UserId::from(c.user.id);
    let resp = match click {
        OfficeHoursClick::Remind => {
            if db::unsubscribe(&app.db, series, user).await? {
                ephemeral(format!(
                    "You will no longer be reminded of **{}**.",
                    render::user_text(&stored.series.topic, 200)
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
                                CustomId::RemindLead { series }.to_string(),
                                serenity::CreateSelectMenuKind::String { options },
                            )
                            .placeholder("Pick a lead time"),
                        )])
                        .ephemeral(true)
                        .allowed_mentions(render::no_pings()),
                )
            }
        }
        OfficeHoursClick::Lead => {
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
                        render::user_text(&stored.series.topic, 200)
                    ))
                    .components(vec![])
                    .allowed_mentions(render::no_pings()),
            )
        }
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
    let app = &data.app();
    let msg =
        match service::answer(app, exam, crate::ids::UserId::new(user), position, answer).await? {
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

/// A practice session or exam as a click needs it.
struct Sequence {
    questions: Vec<String>,
    shown: Presentation,
    guild: u64,
    owner: u64,
}

/// The two one-question-at-a-time flows: practice quizzes (`pr:`) and exams (`xm:`). Their
/// components are `<prefix>:<id>:<position>:<code>`.
#[derive(Clone, Copy)]
enum Flow {
    Practice,
    Exam,
}

impl Flow {
    /// The answer target of position `position` in session or exam `id`.
    fn target(self, id: i64, position: usize) -> AnswerTarget {
        match self {
            Flow::Practice => AnswerTarget::Practice {
                session: id,
                position,
            },
            Flow::Exam => AnswerTarget::Exam { exam: id, position },
        }
    }

    /// The questions of practice session or exam `id`, how they are shown, its guild and the
    /// member it belongs to.
    async fn questions(self, data: &Data, id: i64) -> anyhow::Result<Sequence> {
        let app = &data.app();
        let found = match self {
            Flow::Practice => crate::store::practice::get_session(&app.db, id)
                .await?
                .map(|s| Sequence {
                    shown: Presentation::of_session(&s),
                    questions: s.questions,
                    guild: s.guild.get(),
                    owner: s.user.get(),
                }),
            Flow::Exam => crate::store::certification::get_exam(&app.db, id)
                .await?
                .map(|e| Sequence {
                    shown: Presentation::of_exam(&e),
                    questions: e.questions,
                    guild: e.guild.get(),
                    owner: e.user.get(),
                }),
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
    seq: i64,
    position: usize,
    code: AnswerCode,
    values: &[String],
) -> anyhow::Result<()> {
    let Sequence {
        questions,
        shown,
        guild,
        owner,
    } = flow.questions(data, seq).await?;
    // Someone else's session or exam: say so before reading the click, so that nothing about
    // its question is given away.
    if owner != c.user.id.get() {
        return Err(UserError::Invalid(match flow {
            Flow::Practice => {
                "This is someone else's practice quiz: start your own with /quiz practice.".into()
            }
            Flow::Exam => "This is not your exam.".into(),
        })
        .into());
    }
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
    let app = data.app();
    let q = daily::question(&app.course, qid)?;
    if code == AnswerCode::FillIn {
        modal_allowed(q)?;
        let modal = view::fill_in_modal(flow.target(seq, position));
        c.create_response(ctx, CreateInteractionResponse::Modal(modal))
            .await?;
        return Ok(());
    }
    let answer = answer_from_code(&code.to_string(), values, q, shown)?;
    let resp = flow
        .step(data, c.user.id.get(), seq, position, &answer)
        .await?;
    c.create_response(ctx, resp).await?;
    Ok(())
}
