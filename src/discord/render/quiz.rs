//! Quiz questions, reveals, practice feedback, leaderboards and scores as Discord messages.

use super::{truncate, COLOR};
use crate::content::{AnswerKey, Course, Question};
use crate::discord::custom_id::{AnswerCode, AnswerTarget, CustomId};
use crate::quiz::answer::{correct_text, letter};
use crate::quiz::practice::Summary;
use crate::quiz::present::{Order, Presentation};
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
/// A deadline as absolute and relative time, `<t:UNIX:f> (<t:UNIX:R>)`: "27 November 2026
/// 18:00 (in 2 hours)" in each member's own timezone and language.
pub fn deadline(t: DateTime<Utc>) -> String {
    format!("<t:{0}:f> (<t:{0}:R>)", t.timestamp())
}

fn module_line(course: &Course, q: &Question) -> String {
    course
        .module(&q.module)
        .map(|m| format!("{} · {}", m.id, m.title))
        .unwrap_or_else(|| q.module.clone())
}

/// The question text with its choices (or items to match) in the presentation's `order`.
/// `open`: the question can still be answered, so say how; a closed question has no
/// instructions for buttons that are gone.
pub fn question_text(q: &Question, order: &Order, open: bool) -> String {
    let mut s = q.prompt.clone();
    match &q.key {
        AnswerKey::MultipleChoice { choices, .. } => {
            s.push('\n');
            for (k, i) in order.shown.iter().enumerate() {
                s.push_str(&format!("\n**{}.** {}", letter(k), choices[*i]));
            }
        }
        AnswerKey::TrueFalse(_) if open => s.push_str("\n\n**True or false?**"),
        AnswerKey::FillIn(_) if open => {
            s.push_str("\n\nClick **Answer** and type the missing word.")
        }
        AnswerKey::TrueFalse(_) | AnswerKey::FillIn(_) => {}
        AnswerKey::Matching(pairs) => {
            s.push('\n');
            for (l, p) in pairs.iter().enumerate() {
                s.push_str(&format!("\n**{}.** {}", l + 1, p.0));
            }
            s.push('\n');
            for (k, r) in order.shown.iter().enumerate() {
                s.push_str(&format!("\n**{}.** {}", letter(k), pairs[*r].1));
            }
            if open {
                s.push_str(
                    "\n\nIn the menu, pick one letter for every numbered item; each letter is used once.",
                );
            }
        }
    }
    s
}

/// Buttons (or a select menu) to answer `q` as shown in `order`; every custom_id is
/// `target`'s with its code, where `c<k>` is the choice displayed at position k.
pub fn answer_components(
    target: AnswerTarget,
    q: &Question,
    order: &Order,
) -> Vec<CreateActionRow> {
    let id = |code: AnswerCode| target.code(code);
    match &q.key {
        AnswerKey::MultipleChoice { .. } => vec![CreateActionRow::Buttons(
            (0..order.len())
                .map(|k| {
                    CreateButton::new(id(AnswerCode::Choice(k as u8)))
                        .label(letter(k).to_string())
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
            // Grouped by numbered item: "1 → A", described with both texts, so a member picks
            // one letter per number (a second letter for the same number, or a letter used twice,
            // is refused with a message naming the clash).
            for (l, p) in pairs.iter().enumerate() {
                for (k, r) in order.shown.iter().enumerate() {
                    options.push(
                        CreateSelectMenuOption::new(
                            format!("{} → {}", l + 1, letter(k)),
                            format!("{l}-{k}"),
                        )
                        .description(truncate(&format!("{} → {}", p.0, pairs[*r].1), 100)),
                    );
                }
            }
            vec![CreateActionRow::SelectMenu(
                CreateSelectMenu::new(
                    id(AnswerCode::Matching),
                    CreateSelectMenuKind::String { options },
                )
                .placeholder("One letter per number, each letter once")
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
                .max_length(crate::quiz::answer::MAX_TEXT_CHARS as u16)
                .required(true),
        ),
    ])
}

/// The daily question as posted in the channel.
pub fn daily_question(
    course: &Course,
    q: &Question,
    shown: Presentation,
    closes_at: DateTime<Utc>,
) -> (CreateEmbed, Vec<CreateActionRow>) {
    let order = shown.order(q);
    let embed = CreateEmbed::new()
        .title("Daily quiz")
        .description(truncate(
            &format!(
                "{}\n\nAnswer once; the answer is revealed {}.",
                question_text(q, &order, true),
                deadline(closes_at)
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
        answer_components(AnswerTarget::Daily { quiz: shown.id }, q, &order),
    )
}

/// The daily question's message once it closes: the choices as they were shown, the answer's
/// text, the explanation and the figures; no answer buttons and no instructions for them.
pub fn daily_reveal(
    course: &Course,
    q: &Question,
    shown: Presentation,
    answered: usize,
    percent_right: u32,
) -> (CreateEmbed, Vec<CreateActionRow>) {
    let order = shown.order(q);
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
                question_text(q, &order, false),
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

/// The reveal of a daily quiz whose question was removed from the course (a content reload
/// while it was open): what was stored (how many answered, how many were right; points were
/// awarded from the stored grading) without the question's text, and no buttons.
pub fn daily_reveal_removed(
    question_id: &str,
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
                "This question (`{question_id}`) was removed from the course while the quiz was open, so its answer is not shown. Answers were graded when they were given and points are awarded as usual.\n\n{figures}"
            ),
            4000,
        ))
        .color(COLOR);
    (embed, Vec::new())
}

/// A practice question.
pub fn practice_question(
    course: &Course,
    q: &Question,
    shown: Presentation,
    position: usize,
    total: usize,
) -> (CreateEmbed, Vec<CreateActionRow>) {
    let order = shown.order(q);
    let embed = CreateEmbed::new()
        .title(format!("Practice · question {} of {}", position + 1, total))
        .description(truncate(&question_text(q, &order, true), 4000))
        .color(COLOR)
        .footer(CreateEmbedFooter::new(truncate(
            &format!("{} · topic: {}", module_line(course, q), q.topic),
            2048,
        )));
    (
        embed,
        answer_components(
            AnswerTarget::Practice {
                session: shown.id,
                position,
            },
            q,
            &order,
        ),
    )
}

/// An answer's text in italics (at most `max` characters), safe to show: no mass mentions, no
/// stray `*` ending the italics.
pub fn quoted(text: &str, max: usize) -> String {
    format!(
        "*{}*",
        truncate(&super::defuse(text).replace('*', "\\*"), max)
    )
}

/// "You picked: *…*" with what the member chose, in their own words or the choice's text.
pub fn you_picked(given: &str) -> String {
    format!("You picked: {}", quoted(given, 300))
}

/// Right or wrong with the explanation, after a practice answer.
pub fn practice_feedback(q: &Question, correct: bool, given: &str) -> String {
    format!(
        "{}\n{}\n**Answer:** {}\n**Why:** {}",
        if correct {
            "✅ **Right!**"
        } else {
            "❌ **Not quite.**"
        },
        you_picked(given),
        correct_text(q),
        q.explanation
    )
}

/// What a finished practice did for the module: completed it, already complete, too short to
/// count (saying how long a completing practice is), or not passed.
pub fn practice_outcome(sum: &Summary, module: &str) -> String {
    let short = if sum.counts {
        String::new()
    } else {
        format!(
            "\nPractice of {} question{}: a module is complete after a passed practice of {} (`/quiz module {module}`).",
            sum.total,
            if sum.total == 1 { "" } else { "s" },
            sum.required
        )
    };
    if !sum.passed {
        return format!(
            "\nNot passed yet: the questions you missed will come back first next time.{short}"
        );
    }
    if !sum.counts {
        return format!("\nPassed, but this practice does not complete the module.{short}");
    }
    if sum.newly_completed {
        "\n🎉 Module complete!".to_string()
    } else {
        "\nPassed (module already complete).".to_string()
    }
}
