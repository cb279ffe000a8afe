//! Turning domain data into Discord messages, within Discord's limits.

use crate::content::Course;
use crate::discord::custom_id::CustomId;
use crate::search::Hit;
use poise::serenity_prelude as serenity;
use serenity::{
    CreateActionRow, CreateAllowedMentions, CreateButton, CreateEmbed, CreateEmbedFooter,
};

/// Discord limits, in characters.
pub const EMBED_TITLE_MAX: usize = 256;
pub const EMBED_DESCRIPTION_MAX: usize = 4096;
pub const EMBED_TOTAL_MAX: usize = 6000;
pub const BUTTON_LABEL_MAX: usize = 80;
/// How much of a section an `/explain` embed shows (well inside the description limit).
pub const EXPLAIN_BODY_CHARS: usize = 3000;
pub const COLOR: u32 = 0x37_81_4a;

pub mod certification;
pub mod office_hours;
pub mod quiz;

/// The bot's standard embed: a title and a description cut to Discord's limits.
pub fn card(title: impl AsRef<str>, description: &str) -> CreateEmbed {
    CreateEmbed::new()
        .title(truncate(title.as_ref(), EMBED_TITLE_MAX))
        .description(truncate(description, 4000))
        .color(COLOR)
}

/// Allowed mentions that ping nobody: no @everyone/@here, no roles, no users.
pub fn no_pings() -> CreateAllowedMentions {
    CreateAllowedMentions::new()
}

/// Allowed mentions that ping exactly these users and nothing else.
pub fn ping_users(users: impl IntoIterator<Item = u64>) -> CreateAllowedMentions {
    CreateAllowedMentions::new().users(users.into_iter().map(serenity::UserId::new))
}

/// Cut `s` to at most `max` characters, ending with `…` when cut.
pub fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// Cut a passage at a paragraph or sentence end near `max` characters; also closes an open
/// code fence so the embed renders.
pub fn passage(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let cut: String = s.chars().take(max - 20).collect();
    let end = cut
        .rfind("\n\n")
        .filter(|&i| i > max / 2)
        .or_else(|| cut.rfind(". ").map(|i| i + 1))
        .unwrap_or(cut.len());
    let mut out = cut[..end].trim_end().to_string();
    if out.matches("```").count() % 2 == 1 {
        out.push_str("\n```");
    }
    out.push_str("\n…");
    out
}

/// Escape Discord markdown in text that came from users (a topic, a reason) so that it shows
/// as typed where it is embedded in markup: `**x**` inside `**…**` would otherwise close the
/// bold around it. Escape after cutting (see [`user_text`]) so a cut never splits an escape.
pub fn escape_markdown(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if matches!(
            c,
            '\\' | '*' | '_' | '~' | '`' | '|' | '>' | '#' | '-' | '[' | ']'
        ) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// User text to embed in a message: cut to `max` characters, mass mentions defused and
/// markdown escaped.
pub fn user_text(s: &str, max: usize) -> String {
    escape_markdown(&defuse(&truncate(s, max)))
}

/// Neutralise mass mentions in text that came from users, for plain message content.
pub fn defuse(s: &str) -> String {
    s.replace("@everyone", "@\u{200b}everyone")
        .replace("@here", "@\u{200b}here")
        .replace("<@&", "<@\u{200b}&")
}

/// The embed and buttons for result `idx` of an `/explain` search.
pub fn explain_page(
    course: &Course,
    hits: &[Hit],
    idx: usize,
    query: &str,
    private: bool,
) -> (CreateEmbed, Vec<CreateActionRow>) {
    let h = &hits[idx];
    let path_title = course
        .path(&h.path)
        .map(|p| p.title.clone())
        .unwrap_or_else(|| h.path.clone());
    let title = match h.kind {
        crate::search::HitKind::Glossary => format!("Glossary: {}", h.heading),
        crate::search::HitKind::Section | crate::search::HitKind::Overview => h.heading.clone(),
    };
    let embed = CreateEmbed::new()
        .title(truncate(&title, EMBED_TITLE_MAX))
        .description(passage(&h.text, EXPLAIN_BODY_CHARS))
        .color(COLOR)
        .footer(CreateEmbedFooter::new(truncate(
            &format!("{} · {} · {}", h.module, h.module_title, path_title),
            2048,
        )));
    let mut buttons = Vec::new();
    for (j, next) in hits.iter().enumerate().skip(idx + 1).take(2) {
        let Some(id) = CustomId::explain(j, query, false) else {
            continue;
        };
        buttons.push(
            CreateButton::new(id.to_string())
                .label(truncate(
                    &format!("Next: {}", next.heading),
                    BUTTON_LABEL_MAX,
                ))
                .style(serenity::ButtonStyle::Secondary),
        );
    }
    if let Some(id) = CustomId::explain(idx, query, true).filter(|_| private) {
        buttons.push(
            CreateButton::new(id.to_string())
                .label("Post in channel")
                .style(serenity::ButtonStyle::Primary),
        );
    }
    let rows = if buttons.is_empty() {
        vec![]
    } else {
        vec![CreateActionRow::Buttons(buttons)]
    };
    (embed, rows)
}

/// The ephemeral text for a search the course has no good answer to, with "did you mean"
/// headings.
pub fn nothing_found(query: &str, closest: &[String]) -> String {
    let mut s = format!(
        "I found nothing in the course about “{}”: the course has no good answer to that.",
        truncate(&defuse(query.trim()), 200)
    );
    if !closest.is_empty() {
        s.push_str("\nDid you mean:");
        for c in closest {
            s.push_str(&format!("\n• {c}"));
        }
    }
    s.push_str("\nTry `/explain` with other words, or pick a suggestion while typing.");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passage_closes_fences() {
        let s = format!("intro\n\n```python\n{}\n```\n", "x = 1\n".repeat(1000));
        let p = passage(&s, 500);
        assert!(p.chars().count() <= 520);
        assert_eq!(p.matches("```").count() % 2, 0);
    }

    #[test]
    fn user_text_is_shown_as_typed() {
        assert_eq!(escape_markdown("**x**"), "\\*\\*x\\*\\*");
        assert_eq!(
            escape_markdown("a_b ~~c~~ `d` ||e|| > f # g \\"),
            "a\\_b \\~\\~c\\~\\~ \\`d\\` \\|\\|e\\|\\| \\> f \\# g \\\\"
        );
        assert_eq!(escape_markdown("plain text, 1.5 é"), "plain text, 1.5 é");
        // Inside bold, an escaped topic cannot end the bold early.
        let shown = format!("**{}**", user_text("**x** @everyone", 200));
        assert!(
            shown.starts_with("**\\*\\*x\\*\\*") && !shown.contains("@everyone"),
            "{shown}"
        );
        // Cut first, then escaped: no dangling backslash.
        assert_eq!(user_text("abc*", 3), "ab…");
    }

    #[test]
    fn defuse_mass_mentions() {
        assert!(!defuse("hi @everyone and @here <@&123>").contains("@everyone"));
    }
}
