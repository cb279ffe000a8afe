//! Quiz questions, reveals, practice feedback, leaderboards and scores as Discord messages.

use super::{truncate, COLOR};
use crate::content::{AnswerKey, Course, Question};
use crate::discord::custom_id::{AnswerCode, AnswerTarget, CustomId};
use crate::quiz::answer::{correct_text, letter, matching_display_order};
use chrono::{DateTime, Utc};
use poise::serenity_prelude as serenity;
use serenity::{
    ButtonStyle, CreateActionRow, CreateButton, CreateEmbed, CreateEmbedFooter, CreateInputText,
    CreateModal, CreateSelectMenu, CreateSelectMenuKind, CreateSelectMenuOption, InputTextStyle,
};

/// `<t:UNIX:R>`: a time each member sees relative to their own clock.
pub fn relative(t: DateTime<Utc>) -> String {
    format!("<t:{}:R>", t.timestamp())
}
/// `<t:UNIX:F>`: a full date and time in each member's timezone.
pub fn full(t: DateTime<Utc>) -> String {
    format!("<t:{}:F>", t.timestamp())
}

fn module_line(course: &Course, q: &Question) -> String {
    course
        .module(&q.module)
        .map(|m| format!("{} · {}", m.id, m.title))
        .unwrap_or_else(|| q.module.clone())
}

/// The question text with its choices (or items to match).
pub fn question_text(q: &Question) -> String {
    let mut s = q.prompt.clone();
    match &q.key {
        AnswerKey::MultipleChoice { choices, .. } => {
            s.push('\n');
            for (i, c) in choices.iter().enumerate() {
                s.push_str(&format!("\n**{}.** {}", letter(i), c));
            }
        }
        AnswerKey::TrueFalse(_) => s.push_str("\n\n**True or false?**"),
        AnswerKey::FillIn(_) => s.push_str("\n\nClick **Answer** and type the missing word."),
        AnswerKey::Matching(pairs) => {
            let shown = matching_display_order(&q.id, pairs.len());
            s.push('\n');
            for (l, p) in pairs.iter().enumerate() {
                s.push_str(&format!("\n**{}.** {}", l + 1, p.0));
            }
            s.push('\n');
            for (k, r) in shown.iter().enumerate() {
                s.push_str(&format!("\n**{}.** {}", letter(k), pairs[*r].1));
            }
            s.push_str("\n\nPick one match for every numbered item in the menu.");
        }
    }
    s
}

/// Buttons (or a select menu) to answer `q`; every custom_id is `target`'s with its code.
pub fn answer_components(target: AnswerTarget, q: &Question) -> Vec<CreateActionRow> {
    let id = |code: AnswerCode| target.code(code);
    match &q.key {
        AnswerKey::MultipleChoice { choices, .. } => vec![CreateActionRow::Buttons(
            (0..choices.len())
                .map(|i| {
                    CreateButton::new(id(AnswerCode::Choice(i as u8)))
                        .label(letter(i).to_string())
                        .style(ButtonStyle::Primary)
                })
                .collect(),
        )],
        AnswerKey::TrueFalse(_) => vec![CreateActionRow::Buttons(vec![
            CreateButton::new(id(AnswerCode::Bool(true)))
                .label("True")
                .style(ButtonStyle::Success),
            CreateButton::new(id(AnswerCode::Bool(false)))
                .label("False")
                .style(ButtonStyle::Danger),
        ])],
        AnswerKey::FillIn(_) => vec![CreateActionRow::Buttons(vec![CreateButton::new(id(
            AnswerCode::FillIn,
        ))
        .label("Answer")
        .style(ButtonStyle::Primary)])],
        AnswerKey::Matching(pairs) => {
            let n = pairs.len();
            let mut options = Vec::new();
            for (l, p) in pairs.iter().enumerate() {
                for k in 0..n {
                    options.push(CreateSelectMenuOption::new(
                        truncate(&format!("{}. {} → {}", l + 1, p.0, letter(k)), 100),
                        format!("{l}-{k}"),
                    ));
                }
            }
            vec![CreateActionRow::SelectMenu(
                CreateSelectMenu::new(
                    id(AnswerCode::Matching),
                    CreateSelectMenuKind::String { options },
                )
                .placeholder("Pick a match for each numbered item")
                .min_values(n as u8)
                .max_values(n as u8),
            )]
        }
    }
}

/// The modal a fill-in "Answer" button opens; its custom_id is `target`'s with code `fm`.
pub fn fill_in_modal(target: AnswerTarget) -> CreateModal {
    CreateModal::new(target.code(AnswerCode::FillInModal), "Your answer").components(vec![
        CreateActionRow::InputText(
            CreateInputText::new(InputTextStyle::Short, "Answer", "answer")
                .max_length(200)
                .required(true),
        ),
    ])
}

/// The daily question as posted in the channel.
pub fn daily_question(
    course: &Course,
    q: &Question,
    quiz_id: i64,
    closes_at: DateTime<Utc>,
) -> (CreateEmbed, Vec<CreateActionRow>) {
    let embed = CreateEmbed::new()
        .title("Daily quiz")
        .description(truncate(
            &format!(
                "{}\n\nAnswer once; the answer is revealed {}.",
                question_text(q),
                relative(closes_at)
            ),
            4000,
        ))
        .color(COLOR)
        .footer(CreateEmbedFooter::new(truncate(
            &format!("{} · topic: {}", module_line(course, q), q.topic),
            2048,
        )));
    (
        embed,
        answer_components(AnswerTarget::Daily { quiz: quiz_id }, q),
    )
}

/// The daily question's message once it closes: answer, explanation and figures.
pub fn daily_reveal(
    course: &Course,
    q: &Question,
    answered: usize,
    percent_right: u32,
) -> (CreateEmbed, Vec<CreateActionRow>) {
    let figures = if answered == 0 {
        "Nobody answered this one.".to_string()
    } else {
        format!("**{answered}** answered · **{percent_right}%** got it right")
    };
    let embed = CreateEmbed::new()
        .title("Daily quiz · closed")
        .description(truncate(
            &format!(
                "{}\n\n**Answer:** {}\n\n**Why:** {}\n\n{}",
                question_text(q),
                correct_text(q),
                q.explanation,
                figures
            ),
            4000,
        ))
        .color(COLOR)
        .footer(CreateEmbedFooter::new(truncate(
            &format!("{} · topic: {}", module_line(course, q), q.topic),
            2048,
        )));
    let rows = CustomId::read_more(&q.id)
        .map(|id| {
            vec![CreateActionRow::Buttons(vec![CreateButton::new(
                id.to_string(),
            )
            .label("Read more")
            .style(ButtonStyle::Secondary)])]
        })
        .unwrap_or_default();
    (embed, rows)
}

/// A practice question.
pub fn practice_question(
    course: &Course,
    q: &Question,
    session: i64,
    position: usize,
    total: usize,
) -> (CreateEmbed, Vec<CreateActionRow>) {
    let embed = CreateEmbed::new()
        .title(format!("Practice · question {} of {}", position + 1, total))
        .description(truncate(&question_text(q), 4000))
        .color(COLOR)
        .footer(CreateEmbedFooter::new(truncate(
            &format!("{} · topic: {}", module_line(course, q), q.topic),
            2048,
        )));
    (
        embed,
        answer_components(AnswerTarget::Practice { session, position }, q),
    )
}

/// Right or wrong with the explanation, after a practice answer.
pub fn practice_feedback(q: &Question, correct: bool, given: &str) -> String {
    format!(
        "{}\n**Your answer:** {}\n**Answer:** {}\n**Why:** {}",
        if correct {
            "✅ **Right!**"
        } else {
            "❌ **Not quite.**"
        },
        truncate(&super::defuse(given), 300),
        correct_text(q),
        q.explanation
    )
}
