//! Member-owned components clicked by another member, and posting in a channel for a member
//! (issue 15 items 5 and 7): practice and exam buttons, the fill-in forms, "Post in channel" of
//! someone else's private result, Send Messages and the post cooldown.

mod common;

use chrono::Duration;
use common::fake_discord::{message_json, opt, sub, Member, CHANNEL_ID, GUILD_ID};
use common::harness::{Options, TestBot};
use common::quiz_helpers::{component_ids, is_ephemeral, reply_text};
use coursebot::clock::Clock;
use serde_json::{json, Value};
use sqlx::Row;

fn alice() -> Member {
    Member::new(4_000_000_000_000_008_001, "alice")
}
fn mallory() -> Member {
    Member::new(4_000_000_000_000_008_002, "mallory")
}

fn mini() -> Options {
    Options {
        content: std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/mini"),
        ..Options::default()
    }
}

/// The message a reply became, made by `owner`'s interaction (as Discord reports it).
fn owned_message(fake: &common::fake_discord::FakeDiscord, data: &Value, owner: &Member) -> Value {
    let mut msg = message_json(fake.next_id(), CHANNEL_ID, data);
    msg["flags"] = json!(64);
    msg["interaction_metadata"] = json!({
        "id": fake.next_id().to_string(), "type": 2, "user": owner.user_json(),
        "authorizing_integration_owners": {"0": GUILD_ID.to_string()}
    });
    msg
}

async fn answers_of_session(bot: &TestBot, session: i64) -> i64 {
    sqlx::query("SELECT COUNT(*) FROM practice_answers WHERE session_id = ?")
        .bind(session)
        .fetch_one(bot.app.db.as_sqlite().unwrap())
        .await
        .unwrap()
        .get(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn practice_and_exam_components_belong_to_their_member() {
    let bot = TestBot::start().await;
    // Alice's practice quiz.
    let s = bot
        .fake
        .slash(
            &alice(),
            "quiz",
            json!([sub("practice", vec![opt("module", 3, "m01".into())])]),
        )
        .await;
    let cb = bot.fake.callback(&s).await;
    let ids = component_ids(cb.data());
    let first = ids
        .iter()
        .find(|i| i.starts_with("pr:"))
        .unwrap_or_else(|| panic!("practice buttons: {}", cb.json))
        .clone();
    let session: i64 = first.split(':').nth(1).unwrap().parse().unwrap();
    let msg = owned_message(&bot.fake, cb.data(), &alice());
    // Mallory clicks each of Alice's answer components, and submits her fill-in form.
    for id in &ids {
        let click = bot.fake.click(&mallory(), &msg, id, None).await;
        let r = bot.fake.callback(&click).await;
        if id.ends_with(":f") {
            // The fill-in button only opens a form; its submission is checked below.
            continue;
        }
        assert!(is_ephemeral(&r), "{id}: {}", r.json);
        assert!(
            reply_text(&r).contains("someone else's"),
            "{id}: {}",
            r.json
        );
    }
    let form = bot
        .fake
        .modal_submit(
            &mallory(),
            &format!("pr:{session}:0:fm"),
            &[("answer", "x")],
        )
        .await;
    let r = bot.fake.callback(&form).await;
    assert!(reply_text(&r).contains("someone else's"), "{}", r.json);
    assert_eq!(
        answers_of_session(&bot, session).await,
        0,
        "nothing recorded"
    );

    // An exam of Alice's (started directly in the store: the ladder to reach it is long).
    let now = bot.clock.now();
    let qs: Vec<String> = bot
        .app
        .course
        .questions_of("m01")
        .take(3)
        .map(|q| q.id.clone())
        .collect();
    let exam = coursebot::store::certification::start_exam(
        &bot.app.db,
        coursebot::ids::GuildId(GUILD_ID),
        coursebot::ids::UserId(alice().id),
        "foundation",
        &qs,
        now,
        now + Duration::minutes(30),
    )
    .await
    .unwrap()
    .unwrap();
    for id in [
        format!("xm:{exam}:0:c0"),
        format!("xm:{exam}:0:b1"),
        format!("xm:{exam}:0:m"),
    ] {
        let click = bot
            .fake
            .click(
                &mallory(),
                &msg,
                &id,
                Some(vec!["0-0".into()]).filter(|_| id.ends_with(":m")),
            )
            .await;
        let r = bot.fake.callback(&click).await;
        assert!(is_ephemeral(&r), "{id}: {}", r.json);
        let t = reply_text(&r);
        // Refused as not hers (or, for a code the question does not take, as unreadable):
        // never recorded, never an apology.
        let unreadable = t.contains("could not be read") || t.contains("Could not read");
        assert!(t.contains("not your exam") || unreadable, "{id}: {t}");
    }
    let form = bot
        .fake
        .modal_submit(&mallory(), &format!("xm:{exam}:0:fm"), &[("answer", "x")])
        .await;
    let r = bot.fake.callback(&form).await;
    assert!(is_ephemeral(&r), "{}", r.json);
    assert!(reply_text(&r).contains("not your exam"), "{}", r.json);
    let recorded: i64 = sqlx::query("SELECT COUNT(*) FROM exam_answers WHERE exam_id = ?")
        .bind(exam)
        .fetch_one(bot.app.db.as_sqlite().unwrap())
        .await
        .unwrap()
        .get(0);
    assert_eq!(recorded, 0, "nothing recorded in Alice's exam");
    bot.stop().await.unwrap();
}

async fn private_explain(bot: &TestBot, who: &Member) -> (Value, String) {
    let s = bot
        .fake
        .slash(
            who,
            "explain",
            json!([
                opt("topic", 3, "chords".into()),
                opt("private", 5, true.into())
            ]),
        )
        .await;
    let cb = bot.fake.callback(&s).await;
    let post = component_ids(cb.data())
        .into_iter()
        .find(|i| i.starts_with("exp:"))
        .unwrap_or_else(|| panic!("a Post in channel button: {}", cb.json));
    (cb.data().clone(), post)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn post_in_channel_is_the_owners_needs_send_messages_and_cools_down() {
    let bot = TestBot::start_with(mini()).await;
    let (data, post) = private_explain(&bot, &alice()).await;
    let msg = owned_message(&bot.fake, &data, &alice());

    // Someone else's private result.
    let click = bot.fake.click(&mallory(), &msg, &post, None).await;
    let r = bot.fake.callback(&click).await;
    assert!(is_ephemeral(&r), "{}", r.json);
    assert!(
        reply_text(&r).contains("Only the member who asked"),
        "{}",
        r.json
    );

    // The owner without Send Messages in that channel.
    let mut muted = alice();
    muted.permissions &= !(1 << 11);
    let click = bot.fake.click(&muted, &msg, &post, None).await;
    let r = bot.fake.callback(&click).await;
    assert!(is_ephemeral(&r), "{}", r.json);
    assert!(
        reply_text(&r).contains("cannot send messages"),
        "{}",
        r.json
    );

    // The owner may post, once per cooldown.
    let click = bot.fake.click(&alice(), &msg, &post, None).await;
    let r = bot.fake.callback(&click).await;
    assert!(!is_ephemeral(&r), "posted: {}", r.json);
    let click = bot.fake.click(&alice(), &msg, &post, None).await;
    let r = bot.fake.callback(&click).await;
    assert!(is_ephemeral(&r), "{}", r.json);
    assert!(reply_text(&r).contains("you can post again"), "{}", r.json);
    // ... and a public /explain within the cooldown is shown to them only, with a note.
    let s = bot
        .fake
        .slash(
            &alice(),
            "explain",
            json!([opt("topic", 3, "chords".into())]),
        )
        .await;
    let r = bot.fake.callback(&s).await;
    assert!(is_ephemeral(&r), "{}", r.json);
    assert!(
        reply_text(&r).contains("Only you see this answer"),
        "{}",
        r.json
    );
    bot.clock.advance(Duration::seconds(
        coursebot::discord::checks::POST_COOLDOWN_SECONDS,
    ));
    let click = bot.fake.click(&alice(), &msg, &post, None).await;
    let r = bot.fake.callback(&click).await;
    assert!(!is_ephemeral(&r), "after the cooldown: {}", r.json);

    // A public /explain by a member who may not send messages is shown to them only.
    let mut muted = mallory();
    muted.permissions &= !(1 << 11);
    let s = bot
        .fake
        .slash(&muted, "explain", json!([opt("topic", 3, "chords".into())]))
        .await;
    let r = bot.fake.callback(&s).await;
    assert!(is_ephemeral(&r), "{}", r.json);
    assert!(
        reply_text(&r).contains("cannot send messages"),
        "{}",
        r.json
    );
    bot.stop().await.unwrap();
}
