//! Answering quiz questions through the fake Discord.

use super::fake_discord::{FakeDiscord, Member, Request, Sent};
use coursebot::content::{AnswerKey, Question};
use coursebot::quiz::answer::matching_display_order;
use serde_json::{json, Value};

/// The custom_ids (and select values) of a posted message's components.
pub fn component_ids(msg: &Value) -> Vec<String> {
    msg["components"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|row| row["components"].as_array().cloned().unwrap_or_default())
        .filter_map(|c| c["custom_id"].as_str().map(String::from))
        .collect()
}

/// Answer `q` on `message` (a message object) whose components have custom_id prefix `prefix`,
/// rightly or wrongly. Returns the interaction whose callback holds the bot's reply.
pub async fn answer(
    fake: &FakeDiscord,
    who: &Member,
    message: &Value,
    prefix: &str,
    q: &Question,
    right: bool,
) -> Sent {
    match &q.key {
        AnswerKey::MultipleChoice { answer, choices } => {
            let i = if right {
                *answer
            } else {
                (answer + 1) % choices.len()
            };
            fake.click(who, message, &format!("{prefix}:c{i}"), None)
                .await
        }
        AnswerKey::TrueFalse(b) => {
            let v = if right { *b } else { !*b };
            fake.click(who, message, &format!("{prefix}:b{}", v as u8), None)
                .await
        }
        AnswerKey::FillIn(accepted) => {
            let open = fake.click(who, message, &format!("{prefix}:f"), None).await;
            let cb = fake.callback(&open).await;
            assert_eq!(cb.json["type"], 9, "a modal opens: {}", cb.json);
            let modal_id = cb.json["data"]["custom_id"].as_str().unwrap().to_string();
            let text = if right {
                format!("  {}  ", accepted[0].to_uppercase())
            } else {
                "no idea".to_string()
            };
            fake.modal_submit(who, &modal_id, &[("answer", &text)])
                .await
        }
        AnswerKey::Matching(pairs) => {
            let n = pairs.len();
            let shown = matching_display_order(&q.id, n);
            let values: Vec<String> = (0..n)
                .map(|l| {
                    let target = if right { l } else { (l + 1) % n };
                    format!("{l}-{}", shown.iter().position(|&r| r == target).unwrap())
                })
                .collect();
            fake.click(who, message, &format!("{prefix}:m"), Some(values))
                .await
        }
    }
}

/// The ephemeral text of a callback.
pub fn reply_text(cb: &Request) -> String {
    cb.json["data"]["content"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

pub fn is_ephemeral(cb: &Request) -> bool {
    cb.json["data"]["flags"].as_u64().unwrap_or(0) & 64 == 64
}

/// A resolved channel for a channel option.
pub fn resolved_channel(id: u64) -> Value {
    json!({"channels": {id.to_string(): {"id": id.to_string(), "name": "quiz", "type": 0, "permissions": "2199023255551"}}})
}
