//! Answering quiz questions through the fake Discord.

use super::fake_discord::{FakeDiscord, Member, Request, Sent};
use coursebot::content::{AnswerKey, Question};
use coursebot::quiz::present::{Order, Presentation};
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

/// How `q` is shown in the presentation that custom id prefix `prefix` (`qz:<quiz>`,
/// `pr:<session>:<pos>`, `xm:<exam>:<pos>`) belongs to.
pub fn shown_order(prefix: &str, q: &Question) -> Order {
    Presentation::from_custom_id(prefix)
        .unwrap_or_else(|| panic!("`{prefix}` is not a quiz, practice or exam prefix"))
        .order(q)
}

/// The component code of `q`'s right (or a wrong) answer as shown under `prefix`, for
/// multiple-choice (`c<displayed position>`) and true/false (`b1`/`b0`) questions.
pub fn choice_code(prefix: &str, q: &Question, right: bool) -> String {
    match &q.key {
        AnswerKey::MultipleChoice { answer, choices } => {
            let i = if right {
                *answer
            } else {
                (answer + 1) % choices.len()
            };
            format!("c{}", shown_order(prefix, q).position_of(i).unwrap())
        }
        AnswerKey::TrueFalse(b) => format!("b{}", (if right { *b } else { !*b }) as u8),
        _ => panic!("{} is not a choice question", q.id),
    }
}

/// The question a quiz, practice or exam custom id (`qz:<quiz>:…`, `pr:<session>:<pos>:…`,
/// `xm:<exam>:<pos>:…`) asks, read from the database.
pub async fn question_of(app: &coursebot::app::App, custom_id: &str) -> Question {
    let p: Vec<&str> = custom_id.split(':').collect();
    let id: i64 = p[1].parse().unwrap();
    let qid = match p[0] {
        "qz" => {
            coursebot::store::quiz::get_quiz(&app.db, id)
                .await
                .unwrap()
                .unwrap()
                .question_id
        }
        "pr" => coursebot::store::practice::get_session(&app.db, id)
            .await
            .unwrap()
            .unwrap()
            .questions[p[2].parse::<usize>().unwrap()]
        .clone(),
        "xm" => coursebot::store::certification::get_exam(&app.db, id)
            .await
            .unwrap()
            .unwrap()
            .questions[p[2].parse::<usize>().unwrap()]
        .clone(),
        other => panic!("not a quiz custom id: {other}"),
    };
    app.course.question(&qid).unwrap().clone()
}

/// Answer `q` on `message` (a message object) whose components have custom_id prefix `prefix`,
/// rightly or wrongly, as the presentation shows it (choices are shuffled per presentation).
/// Returns the interaction whose callback holds the bot's reply.
pub async fn answer(
    fake: &FakeDiscord,
    who: &Member,
    message: &Value,
    prefix: &str,
    q: &Question,
    right: bool,
) -> Sent {
    match &q.key {
        AnswerKey::MultipleChoice { .. } | AnswerKey::TrueFalse(_) => {
            let code = choice_code(prefix, q, right);
            fake.click(who, message, &format!("{prefix}:{code}"), None)
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
            let shown = shown_order(prefix, q);
            let values: Vec<String> = (0..n)
                .map(|l| {
                    let target = if right { l } else { (l + 1) % n };
                    format!("{l}-{}", shown.position_of(target).unwrap())
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

/// `/settings announcements channel:<channel>` by `who`; the bot's callback.
pub async fn set_announcements(fake: &FakeDiscord, who: &Member, channel: u64) -> Request {
    let s = fake
        .slash_full(
            who,
            "settings",
            json!([super::fake_discord::sub(
                "announcements",
                vec![super::fake_discord::opt(
                    "channel",
                    7,
                    channel.to_string().into()
                )]
            )]),
            resolved_channel(channel),
        )
        .await;
    fake.callback(&s).await
}

/// `/quiz-admin schedule` of a daily quiz in `channel` at `time` in `timezone`, by `who`, with
/// `extra` options (`modules`, `path`, `window`, ...); the interaction sent (its callback is
/// `fake.callback(&sent)`).
pub async fn schedule_daily(
    fake: &FakeDiscord,
    who: &Member,
    channel: u64,
    time: &str,
    timezone: &str,
    extra: Vec<Value>,
) -> Sent {
    use super::fake_discord::{opt, sub};
    let mut opts = vec![
        opt("channel", 7, channel.to_string().into()),
        opt("time", 3, time.into()),
        opt("timezone", 3, timezone.into()),
    ];
    opts.extend(extra);
    fake.slash_full(
        who,
        "quiz-admin",
        json!([sub("schedule", opts)]),
        resolved_channel(channel),
    )
    .await
}
