//! Forged and hostile custom ids through the fake Discord: the bot answers with an ephemeral
//! refusal and keeps serving (issue 15 item 2).

mod common;

use common::fake_discord::{message_json, opt, Member, CHANNEL_ID};
use common::harness::{Options, TestBot};
use common::quiz_helpers::{is_ephemeral, reply_text};
use serde_json::json;

fn alice() -> Member {
    Member::new(4_000_000_000_000_000_001, "alice")
}

fn mini() -> Options {
    Options {
        content: std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/mini"),
        ..Options::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forged_explain_and_slicing_ids_are_refused_and_the_bot_keeps_serving() {
    let bot = TestBot::start_with(mini()).await;
    let me = alice();
    let msg = message_json(bot.fake.next_id(), CHANNEL_ID, &json!({}));
    // ex:1000000000:x used to ask the index for a billion results and abort the process;
    // ex, exp and rm without a ':' used to panic on `&id[3..]`.
    for forged in [
        "ex:1000000000:x",
        "exp:18446744073709551615:x",
        "ex:25:chords",
        "ex",
        "exp",
        "rm",
        "rm:../../secret",
        "qz:0:c1",
        "pr:1:100000:c0",
        "oh:remind:-1",
        "nonsense",
    ] {
        let click = bot.fake.click(&me, &msg, forged, None).await;
        let cb = bot.fake.callback(&click).await;
        assert!(is_ephemeral(&cb), "{forged}: {}", cb.json);
        let text = reply_text(&cb);
        assert!(
            text.contains("not valid") || text.contains("Could not read that answer"),
            "{forged}: a clear refusal, got {text:?}"
        );
    }
    // Still serving: a real /explain and a real "next result" button work.
    let sent = bot
        .fake
        .slash(&me, "explain", json!([opt("topic", 3, "chords".into())]))
        .await;
    let cb = bot.fake.callback(&sent).await;
    assert_eq!(cb.json["type"], 4, "{}", cb.json);
    let next = cb.json["data"]["components"][0]["components"][0]["custom_id"]
        .as_str()
        .expect("a next-result button")
        .to_string();
    assert!(next.starts_with("ex:1:"), "{next}");
    let msg = message_json(bot.fake.next_id(), CHANNEL_ID, cb.data());
    let click = bot.fake.click(&me, &msg, &next, None).await;
    let cb2 = bot.fake.callback(&click).await;
    assert!(
        cb2.json["data"]["embeds"][0]["title"].is_string(),
        "{}",
        cb2.json
    );
    bot.assert_schema_ok();
    bot.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_forged_modal_id_is_refused() {
    let bot = TestBot::start_with(mini()).await;
    let me = alice();
    for forged in [
        "qz:1:c1",
        "pr:x:0:fm",
        "ex:1:x",
        "qz:99999999999999999999:fm",
    ] {
        let sent = bot
            .fake
            .modal_submit(&me, forged, &[("answer", "celery")])
            .await;
        let cb = bot.fake.callback(&sent).await;
        assert!(is_ephemeral(&cb), "{forged}: {}", cb.json);
        let text = reply_text(&cb);
        assert!(
            text.contains("not valid") || text.contains("Could not read that answer"),
            "{forged}: {text}"
        );
    }
    bot.stop().await.unwrap();
}
