//! Office hours as Discord messages: announcements, reminders, the list.

use super::quiz::{full, relative};
use super::{truncate, COLOR};
use crate::office_hours::{left_text, Occurrence, Series};
use chrono::{DateTime, Utc};
use poise::serenity_prelude as serenity;
use serenity::{ButtonStyle, CreateActionRow, CreateButton, CreateEmbed, CreateEmbedFooter};

fn host_line(s: &Series) -> String {
    s.host
        .map(|h| format!("Host: <@{h}>\n"))
        .unwrap_or_default()
}

fn when_line(s: &Series, occ: Occurrence) -> String {
    let mut w = format!(
        "{} ({}) · {} min",
        full(occ.start),
        relative(occ.start),
        s.duration_minutes
    );
    if s.weekly {
        w.push_str(" · every week");
        if let Some(u) = s.until {
            w.push_str(&format!(" until {u}"));
        }
    }
    w
}

pub fn event_description(s: &Series) -> String {
    format!(
        "Celery course office hours: {}. Ask your questions about the course.{}",
        defuse_topic(&s.topic),
        if s.weekly { " Every week." } else { "" }
    )
}

/// A topic as shown in bold or in text: mentions defused, markdown escaped.
fn defuse_topic(t: &str) -> String {
    super::escape_markdown(&super::defuse(t))
}

/// The announcement of a new session, with a "Remind me" button.
pub fn announcement(s: &Series, next: Occurrence) -> (CreateEmbed, Vec<CreateActionRow>) {
    let embed = CreateEmbed::new()
        .title(truncate(&format!("Office hours: {}", s.topic), 256))
        .description(format!(
            "{}{}\n{}Click **Remind me** to get a direct message before it starts.",
            host_line(s),
            when_line(s, next),
            s.channel
                .map(|c| format!("Where: <#{c}>\n"))
                .unwrap_or_default()
        ))
        .color(COLOR)
        .footer(CreateEmbedFooter::new(format!(
            "Session #{} · times shown in your timezone",
            s.id
        )));
    let rows = vec![CreateActionRow::Buttons(vec![CreateButton::new(
        crate::discord::custom_id::CustomId::Remind { series: s.id }.to_string(),
    )
    .label("Remind me")
    .style(ButtonStyle::Primary)])];
    (embed, rows)
}

/// A reminder: text for the message and an embed with the details. The text says the real
/// time left at `now` ("start in 4 minutes" after a late catch-up), not the nominal lead.
pub fn reminder(
    s: &Series,
    occ: Occurrence,
    lead: i64,
    now: DateTime<Utc>,
) -> (String, CreateEmbed) {
    let text = if lead == 0 {
        format!(
            "Office hours **{}** are starting now!",
            truncate(&defuse_topic(&s.topic), 200)
        )
    } else {
        format!(
            "Reminder: office hours **{}** start {}.",
            truncate(&defuse_topic(&s.topic), 200),
            left_text(occ.start, now)
        )
    };
    let embed = CreateEmbed::new()
        .title(truncate(&format!("Office hours: {}", s.topic), 256))
        .description(format!(
            "{}{}{}",
            host_line(s),
            when_line(s, occ),
            s.channel
                .map(|c| format!("\nWhere: <#{c}>"))
                .unwrap_or_default()
        ))
        .color(COLOR);
    (text, embed)
}

/// The next sessions of a guild, soonest first: each with its next occurrences (a weekly
/// series lists the following dates too).
pub fn list(items: &[(Series, Vec<Occurrence>)]) -> CreateEmbed {
    let mut desc = String::new();
    if items.is_empty() {
        desc.push_str("No office hours are scheduled.");
    }
    for (s, occs) in items.iter().take(10) {
        let Some(first) = occs.first() else {
            continue;
        };
        desc.push_str(&format!(
            "**#{}** · **{}**\n{}\n",
            s.id,
            truncate(&defuse_topic(&s.topic), 200),
            when_line(s, *first),
        ));
        if occs.len() > 1 {
            let later: Vec<String> = occs[1..].iter().map(|o| full(o.start)).collect();
            desc.push_str(&format!("Then: {}\n", later.join(" · ")));
        }
        desc.push_str(&format!("{}\n", host_line(s).trim_end()));
    }
    CreateEmbed::new()
        .title("Upcoming office hours")
        .description(truncate(&desc, 4000))
        .color(COLOR)
        .footer(CreateEmbedFooter::new(
            "Times are shown in your own timezone · /officehours calendar",
        ))
}
