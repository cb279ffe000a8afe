//! Content hot reload through Discord (`/admin reload`) and SIGHUP: valid content is served
//! without a restart, broken content is refused with every problem as path:line while the
//! last good course keeps answering, a member may not reload, and a daily quiz whose question
//! disappeared while it was open still closes and reveals from what was stored.

mod common;

use chrono::{DateTime, TimeZone, Utc};
use common::fake_discord::{opt, sub, FakeDiscord, Member, Request, Sent, APP_ID};
use common::harness::{Options, TestBot};
use common::quiz_helpers::*;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::time::Duration;

const QUIZ_CHANNEL: u64 = 3_000_000_000_000_000_777;

fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, mo, d, h, mi, 0).unwrap()
}

fn admin() -> Member {
    Member::admin(4_000_000_000_000_000_100, "mod")
}

fn member() -> Member {
    Member::new(4_000_000_000_000_001_001, "m1")
}

/// A copy of the small fixture course that the test may edit.
fn content_copy() -> (tempfile::TempDir, PathBuf) {
    let src = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/mini");
    let dir = tempfile::tempdir().unwrap();
    let dst = dir.path().join("content");
    copy_dir(&src, &dst);
    (dir, dst)
}

fn copy_dir(src: &Path, dst: &Path) {
    std::fs::create_dir_all(dst).unwrap();
    for e in std::fs::read_dir(src).unwrap() {
        let e = e.unwrap();
        let to = dst.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &to);
        } else {
            std::fs::copy(e.path(), &to).unwrap();
        }
    }
}

/// What the bot answered to a slash command: the callback, or for a deferred one the
/// follow-up message.
async fn reply(fake: &FakeDiscord, sent: &Sent) -> Value {
    let cb = fake.callback(sent).await;
    if cb.json["type"] != 5 {
        return cb.json["data"].clone();
    }
    let p = format!("/api/v10/webhooks/{APP_ID}/{}", sent.token);
    let r: Request = fake
        .wait_request(30, |r| r.method == "POST" && r.path == p)
        .await
        .expect("a follow-up after the deferred reply");
    r.json
}

async fn reload(fake: &FakeDiscord, who: &Member) -> Value {
    let sent = fake
        .slash(who, "admin", json!([sub("reload", vec![])]))
        .await;
    reply(fake, &sent).await
}

async fn explain(fake: &FakeDiscord, topic: &str) -> Value {
    let sent = fake
        .slash(&member(), "explain", json!([opt("topic", 3, topic.into())]))
        .await;
    fake.callback(&sent).await.json["data"].clone()
}

fn text_of(d: &Value) -> String {
    format!(
        "{} {} {}",
        d["content"].as_str().unwrap_or_default(),
        d["embeds"][0]["title"].as_str().unwrap_or_default(),
        d["embeds"][0]["description"].as_str().unwrap_or_default()
    )
}

const NEW_SECTION: &str = "\n## Zebra routing of tasks\n\nZebra routing sends every task to the zebra queue: a made-up feature that only this test knows.\n";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn valid_content_is_swapped_in_and_broken_content_is_refused() {
    let (_keep, content) = content_copy();
    let bot = TestBot::start_with(Options {
        content: content.clone(),
        ..Options::default()
    })
    .await;
    let fake = &bot.fake;
    let old = explain(fake, "zebra routing").await;
    assert!(!text_of(&old).contains("Zebra routing"), "{old}");

    // A new section in the lesson.
    let lesson = content.join("modules/m01.md");
    let mut text = std::fs::read_to_string(&lesson).unwrap();
    text.push_str(NEW_SECTION);
    std::fs::write(&lesson, &text).unwrap();

    // A member may not reload: refused on the server side, nothing changes.
    let r = reload(fake, &member()).await;
    assert_eq!(r["flags"].as_u64().unwrap_or(0) & 64, 64, "ephemeral: {r}");
    assert!(text_of(&r).contains("Manage Server"), "{r}");
    assert!(!text_of(&explain(fake, "zebra routing").await).contains("Zebra routing"));
    let hash_before = bot.app.content().hash;

    // A moderator reloads: the new section answers without a restart.
    let r = reload(fake, &admin()).await;
    assert!(text_of(&r).contains("Content reloaded"), "{r}");
    assert_eq!(r["flags"].as_u64().unwrap_or(0) & 64, 64, "ephemeral: {r}");
    assert_ne!(bot.app.content().hash, hash_before);
    let new = explain(fake, "zebra routing").await;
    assert!(text_of(&new).contains("Zebra routing"), "{new}");
    // The index was built beside the old one, in its own directory.
    let index = bot.app.content().search.unwrap();
    assert!(
        index.dir.starts_with(&bot.config.index_dir),
        "{:?}",
        index.dir
    );

    // Broken content: a question bank that is not TOML and a question with an unknown topic.
    let bank = content.join("questions/m02.toml");
    std::fs::write(
        &bank,
        "module = \"m02\"\n\n[[questions]\nid = \"m02-001\"\n",
    )
    .unwrap();
    let bank1 = content.join("questions/m01.toml");
    let t = std::fs::read_to_string(&bank1).unwrap().replace(
        "topic = \"Message brokers overview\"",
        "topic = \"No such section\"",
    );
    std::fs::write(&bank1, t).unwrap();
    let r = reload(fake, &admin()).await;
    let said = text_of(&r);
    assert!(
        said.contains("still serving the last good version"),
        "{said}"
    );
    assert!(said.contains("questions/m02.toml:3:"), "path:line: {said}");
    assert!(
        said.contains("questions/m01.toml:"),
        "every problem: {said}"
    );
    assert!(said.chars().count() <= 2000, "fits a Discord message");
    // Old answers are still served, the new section included.
    assert!(text_of(&explain(fake, "zebra routing").await).contains("Zebra routing"));
    assert!(text_of(&explain(fake, "chords").await)
        .to_lowercase()
        .contains("chord"));

    // Fixed again, with one more section, reloaded by SIGHUP (what `systemctl reload` sends).
    let src = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/mini/questions");
    std::fs::copy(src.join("m02.toml"), &bank).unwrap();
    std::fs::copy(src.join("m01.toml"), &bank1).unwrap();
    text.push_str(
        "\n## Yak shaving with workers\n\nYak shaving is another feature only this test knows.\n",
    );
    std::fs::write(&lesson, &text).unwrap();
    let broken_hash = bot.app.content().hash;
    let status = std::process::Command::new("kill")
        .args(["-HUP", &std::process::id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    while bot.app.content().hash == broken_hash {
        assert!(
            tokio::time::Instant::now() < deadline,
            "SIGHUP did not reload"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(text_of(&explain(fake, "yak shaving").await).contains("Yak shaving"));
    assert!(text_of(&explain(fake, "zebra routing").await).contains("Zebra routing"));
    bot.assert_schema_ok();
    bot.stop().await.unwrap();
}

/// Remove the `[[questions]]` block with `id` from a question bank.
fn remove_question(bank: &Path, id: &str) {
    let text = std::fs::read_to_string(bank).unwrap();
    let blocks: Vec<&str> = text.split("[[questions]]").collect();
    let kept: Vec<&str> = std::iter::once(blocks[0])
        .chain(
            blocks[1..]
                .iter()
                .copied()
                .filter(|b| !b.contains(&format!("id = \"{id}\""))),
        )
        .collect();
    assert!(kept.len() < blocks.len(), "{id} not in {}", bank.display());
    std::fs::write(bank, kept.join("[[questions]]")).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_open_daily_quiz_whose_question_was_removed_still_closes_and_reveals() {
    std::env::set_var("COURSEBOT_TICK_MS", "50");
    let (_keep, content) = content_copy();
    let bot = TestBot::start_with(Options {
        content: content.clone(),
        start: utc(2026, 3, 27, 12, 0),
    })
    .await;
    let fake = &bot.fake;
    let sent = schedule_daily(
        fake,
        &admin(),
        QUIZ_CHANNEL,
        "18:00",
        "Europe/Berlin",
        vec![],
    )
    .await;
    assert!(reply_text(&fake.callback(&sent).await).contains("Daily quiz scheduled"));
    bot.clock.set(utc(2026, 3, 27, 17, 0));
    let p = format!("/api/v10/channels/{QUIZ_CHANNEL}/messages");
    let post = fake
        .wait_request(10, |r| r.method == "POST" && r.path == p)
        .await
        .expect("the daily quiz is posted");
    let msg = post.response.clone();
    let first = component_ids(&msg)[0].clone();
    let prefix = first.split(':').take(2).collect::<Vec<_>>().join(":");
    let q = question_of(&bot.app, &first).await;
    let (a, b) = (
        Member::new(4_000_000_000_000_001_001, "a"),
        Member::new(4_000_000_000_000_001_002, "b"),
    );
    let s = answer(fake, &a, &msg, &prefix, &q, true).await;
    assert!(reply_text(&fake.callback(&s).await).contains("Answer recorded"));

    // The question leaves the course while the quiz is open.
    remove_question(&content.join(format!("questions/{}.toml", q.module)), &q.id);
    let r = reload(fake, &admin()).await;
    // The other test of this binary sends SIGHUP to the whole process, which reloads this bot
    // too: if that came first, the moderator's reload finds nothing new. Either way the
    // question is gone now.
    assert!(
        text_of(&r).contains("Content reloaded") || text_of(&r).contains("did not change"),
        "{r}"
    );
    assert!(bot.app.current().course.question(&q.id).is_none());

    // Answering it now is refused clearly (nothing panics).
    let s = answer(fake, &b, &msg, &prefix, &q, true).await;
    let cb = fake.callback(&s).await;
    assert!(
        reply_text(&cb).contains("no longer in the course"),
        "{}",
        cb.json
    );

    // It closes at 18:00 the next day and reveals what was stored.
    bot.clock.set(utc(2026, 3, 28, 17, 0));
    let mp = format!("{p}/{}", msg["id"].as_str().unwrap());
    let reveal = fake
        .wait_request(10, |r| r.method == "PATCH" && r.path == mp)
        .await
        .expect("the quiz message is edited at the close");
    let desc = reveal.json["embeds"][0]["description"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(desc.contains("removed from the course"), "{desc}");
    assert!(
        desc.contains("**1** answered") && desc.contains("**100%**"),
        "{desc}"
    );
    assert!(component_ids(&reveal.json).is_empty());
    // The member who answered right got the point from the stored grading.
    let streak = coursebot::store::quiz::get_streak(
        &bot.app.db,
        coursebot::ids::GuildId(common::fake_discord::GUILD_ID),
        coursebot::ids::UserId(a.id),
    )
    .await
    .unwrap();
    assert_eq!(streak.current, 1);
    bot.assert_schema_ok();
    bot.stop().await.unwrap();
}
