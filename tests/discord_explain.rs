//! `/explain` through the fake Discord, with the real serenity client.

mod common;

use common::fake_discord::{focused, opt, Member};
use common::harness::{Options, TestBot};
use serde_json::Value;

fn alice() -> Member {
    Member::new(4_000_000_000_000_000_001, "alice")
}

fn embed_text(v: &Value) -> String {
    let e = &v["data"]["embeds"][0];
    format!(
        "{}\n{}",
        e["title"].as_str().unwrap_or(""),
        e["description"].as_str().unwrap_or("")
    )
}

/// The small fixture course: known passages, independent of the shipped content.
fn content() -> Options {
    Options {
        content: std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/mini"),
        ..Options::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn explain_chords_answers_with_an_embed_about_chords() {
    let bot = TestBot::start_with(content()).await;
    let me = alice();
    let sent = bot
        .fake
        .slash(
            &me,
            "explain",
            serde_json::json!([opt("topic", 3, "chords".into())]),
        )
        .await;
    let cb = bot.fake.callback(&sent).await;
    assert_eq!(cb.json["type"], 4, "a channel message reply: {}", cb.json);
    let text = embed_text(&cb.json);
    assert!(text.to_lowercase().contains("chord"), "{text}");
    let footer = cb.json["data"]["embeds"][0]["footer"]["text"]
        .as_str()
        .unwrap();
    assert!(
        footer.contains(" · "),
        "module and path in the footer: {footer}"
    );
    // Nothing in it may ping.
    assert_eq!(
        cb.json["data"]["allowed_mentions"]["parse"],
        serde_json::json!([])
    );
    // Public by default.
    assert_eq!(cb.json["data"]["flags"].as_u64().unwrap_or(0) & 64, 0);
    bot.assert_schema_ok();
    bot.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_typo_still_answers_and_next_result_buttons_work() {
    let bot = TestBot::start_with(content()).await;
    let me = alice();
    let sent = bot
        .fake
        .slash(
            &me,
            "explain",
            serde_json::json!([opt("topic", 3, "chrods".into())]),
        )
        .await;
    let cb = bot.fake.callback(&sent).await;
    assert!(
        embed_text(&cb.json).to_lowercase().contains("chord"),
        "{}",
        cb.json
    );
    let buttons = cb.json["data"]["components"][0]["components"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert!(!buttons.is_empty(), "next-result buttons: {}", cb.json);
    let first_title = cb.json["data"]["embeds"][0]["title"].clone();
    // Click "next".
    let msg = common::fake_discord::message_json(
        bot.fake.next_id(),
        common::fake_discord::CHANNEL_ID,
        &cb.json["data"],
    );
    let id = buttons[0]["custom_id"].as_str().unwrap();
    assert!(id.len() <= 100);
    let click = bot.fake.click(&me, &msg, id, None).await;
    let cb2 = bot.fake.callback(&click).await;
    assert_eq!(cb2.json["type"], 4);
    assert_ne!(
        cb2.json["data"]["embeds"][0]["title"], first_title,
        "the next result is another passage"
    );
    assert_eq!(
        cb2.json["data"]["flags"].as_u64().unwrap_or(0) & 64,
        64,
        "shown only to the clicker"
    );
    bot.assert_schema_ok();
    bot.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn private_reply_can_be_posted_in_channel() {
    let bot = TestBot::start_with(content()).await;
    let me = alice();
    let sent = bot
        .fake
        .slash(
            &me,
            "explain",
            serde_json::json!([
                opt("topic", 3, "chords".into()),
                opt("private", 5, true.into())
            ]),
        )
        .await;
    let cb = bot.fake.callback(&sent).await;
    assert_eq!(
        cb.json["data"]["flags"].as_u64().unwrap_or(0) & 64,
        64,
        "ephemeral"
    );
    let buttons = cb.json["data"]["components"][0]["components"]
        .as_array()
        .cloned()
        .unwrap();
    let post = buttons
        .iter()
        .find(|b| b["label"] == "Post in channel")
        .expect("a Post in channel button");
    let msg = common::fake_discord::message_json(
        bot.fake.next_id(),
        common::fake_discord::CHANNEL_ID,
        &cb.json["data"],
    );
    let click = bot
        .fake
        .click(&me, &msg, post["custom_id"].as_str().unwrap(), None)
        .await;
    let cb2 = bot.fake.callback(&click).await;
    assert_eq!(
        cb2.json["data"]["flags"].as_u64().unwrap_or(0) & 64,
        0,
        "posted publicly"
    );
    assert_eq!(
        cb2.json["data"]["embeds"][0]["title"],
        cb.json["data"]["embeds"][0]["title"]
    );
    assert_eq!(
        cb2.json["data"]["allowed_mentions"]["parse"],
        serde_json::json!([])
    );
    bot.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn autocomplete_returns_at_most_25_choices() {
    let bot = TestBot::start_with(content()).await;
    let me = alice();
    for typed in ["", "c", "cho", "task", "zzzz"] {
        let sent = bot
            .fake
            .autocomplete(&me, "explain", serde_json::json!([focused("topic", typed)]))
            .await;
        let cb = bot.fake.callback(&sent).await;
        assert_eq!(cb.json["type"], 8, "autocomplete result: {}", cb.json);
        let choices = cb.json["data"]["choices"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        assert!(
            choices.len() <= 25,
            "{} choices for {typed:?}",
            choices.len()
        );
        if typed == "cho" {
            assert!(
                choices.iter().any(|c| c["name"]
                    .as_str()
                    .unwrap()
                    .to_lowercase()
                    .contains("chord")),
                "{choices:?}"
            );
        }
        if typed.is_empty() {
            assert!(!choices.is_empty());
        }
    }
    bot.assert_schema_ok();
    bot.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_topic_gets_an_ephemeral_reply_that_pings_nobody() {
    let bot = TestBot::start_with(content()).await;
    let me = alice();
    let sent = bot
        .fake
        .slash(
            &me,
            "explain",
            serde_json::json!([opt("topic", 3, "@everyone qwxzv".into())]),
        )
        .await;
    let cb = bot.fake.callback(&sent).await;
    assert_eq!(
        cb.json["data"]["flags"].as_u64().unwrap_or(0) & 64,
        64,
        "ephemeral: {}",
        cb.json
    );
    let content = cb.json["data"]["content"].as_str().unwrap();
    assert!(content.contains("found nothing"), "{content}");
    assert!(
        !content.contains("@everyone"),
        "mass mention defused: {content}"
    );
    let am = &cb.json["data"]["allowed_mentions"];
    assert_eq!(am["parse"], serde_json::json!([]), "{am}");
    // A query with @everyone that does match still pings nobody.
    let sent = bot
        .fake
        .slash(
            &me,
            "explain",
            serde_json::json!([opt("topic", 3, "@everyone chords @here".into())]),
        )
        .await;
    let cb = bot.fake.callback(&sent).await;
    assert_eq!(
        cb.json["data"]["allowed_mentions"]["parse"],
        serde_json::json!([])
    );
    bot.assert_schema_ok();
    bot.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dropped_connection_is_survived() {
    let bot = TestBot::start_with(content()).await;
    let me = alice();
    bot.fake.drop_connection().await;
    bot.fake.wait_connected().await;
    assert!(
        bot.fake.identifies() + bot.fake.resumes() >= 2,
        "reconnected"
    );
    let sent = bot
        .fake
        .slash(
            &me,
            "explain",
            serde_json::json!([opt("topic", 3, "chords".into())]),
        )
        .await;
    let cb = bot.fake.callback(&sent).await;
    assert!(embed_text(&cb.json).to_lowercase().contains("chord"));
    bot.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn off_topic_questions_get_no_good_answer_and_suggestions() {
    let bot = TestBot::start_with(content()).await;
    let me = alice();
    for q in ["xyzzy plugh", "how do I make coffee"] {
        let sent = bot
            .fake
            .slash(
                &me,
                "explain",
                serde_json::json!([opt("topic", 3, q.into())]),
            )
            .await;
        let cb = bot.fake.callback(&sent).await;
        assert_eq!(
            cb.json["data"]["flags"].as_u64().unwrap_or(0) & 64,
            64,
            "{q}: ephemeral"
        );
        assert!(
            cb.json["data"]["embeds"]
                .as_array()
                .is_none_or(|e| e.is_empty()),
            "{q}: no passage"
        );
        let content = cb.json["data"]["content"].as_str().unwrap();
        assert!(content.contains("no good answer"), "{q}: {content}");
    }
    bot.assert_schema_ok();
    bot.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn quiz_questions_pasted_into_explain_show_no_question_bank_text() {
    let bot = TestBot::start_with(content()).await;
    let me = alice();
    let dir = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/mini");
    let course = coursebot::content::load_course(&dir).unwrap();
    for q in &course.questions {
        let sent = bot
            .fake
            .slash(
                &me,
                "explain",
                serde_json::json!([opt("topic", 3, q.prompt.clone().into())]),
            )
            .await;
        let cb = bot.fake.callback(&sent).await;
        let shown = format!("{}\n{}", embed_text(&cb.json), cb.json["data"]["content"]);
        assert!(
            !shown.contains(&q.explanation),
            "{}: the explanation is shown: {shown}",
            q.id
        );
        assert!(!shown.contains("quiz explanation"), "{}: {shown}", q.id);
    }
    bot.assert_schema_ok();
    bot.stop().await.unwrap();
}
