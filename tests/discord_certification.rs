//! The certification ladder for one member, from the first module to Architect, through the
//! fake Discord with an injected clock.

mod common;

use chrono::{Duration, TimeZone, Utc};
use common::fake_discord::{
    message_json, opt, sub, FakeDiscord, Member, Request, CHANNEL_ID, GUILD_ID,
};
use common::harness::{Options, TestBot};
use common::quiz_helpers::*;
use serde_json::{json, Value};

const ANN: u64 = 3_000_000_000_000_000_444;
const ROLE_FOUNDATION: u64 = 5_000_000_000_000_000_011;
const ROLE_ARCHITECT: u64 = 5_000_000_000_000_000_014;

fn admin() -> Member {
    Member::admin(4_000_000_000_000_000_100, "mod")
}
fn learner() -> Member {
    Member::new(4_000_000_000_000_003_001, "learner")
}

fn role_json(id: u64) -> Value {
    json!({"id": id.to_string(), "name": "r", "color": 0, "colors": {"primary_color": 0}, "hoist": false, "icon": null, "unicode_emoji": null, "position": 1, "permissions": "0", "managed": false, "mentionable": false, "flags": 0})
}

async fn cmd(
    fake: &FakeDiscord,
    who: &Member,
    name: &str,
    sub_name: &str,
    opts: Vec<Value>,
) -> Request {
    let s = fake.slash(who, name, json!([sub(sub_name, opts)])).await;
    fake.callback(&s).await
}

/// The custom id of the right (or a wrong) button of the question shown in `msg`, as this
/// presentation orders the choices.
async fn right_or_wrong(bot: &TestBot, msg: &Value, right: bool) -> String {
    let first = component_ids(msg)[0].clone();
    let q = question_of(&bot.app, &first).await;
    let prefix = first.rsplit_once(':').unwrap().0.to_string();
    format!("{prefix}:{}", choice_code(&prefix, &q, right))
}

/// Complete a module with a practice quiz of 3 right answers.
async fn complete_module(bot: &TestBot, who: &Member, module: &str) {
    let s = bot
        .fake
        .slash(
            who,
            "quiz",
            json!([sub("practice", vec![opt("module", 3, module.into())])]),
        )
        .await;
    let mut cb = bot.fake.callback(&s).await;
    for _ in 0..3 {
        let msg = message_json(bot.fake.next_id(), CHANNEL_ID, &cb.json["data"]);
        let id = right_or_wrong(bot, &msg, true).await;
        let s = bot.fake.click(who, &msg, &id, None).await;
        cb = bot.fake.callback(&s).await;
    }
    let d = cb.json["data"]["embeds"][0]["description"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(d.contains("Module complete"), "{d}");
}

/// Answer the exam shown in `cb`, `right` answers first then wrong ones; returns the last callback.
async fn take_exam(bot: &TestBot, who: &Member, mut cb: Request, answers: &[bool]) -> Request {
    for right in answers {
        let msg = message_json(bot.fake.next_id(), CHANNEL_ID, &cb.json["data"]);
        let id = right_or_wrong(bot, &msg, *right).await;
        let s = bot.fake.click(who, &msg, &id, None).await;
        cb = bot.fake.callback(&s).await;
    }
    cb
}

fn result_text(cb: &Request) -> String {
    cb.json["data"]["embeds"][0]["description"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

async fn submit_and_approve(bot: &TestBot, who: &Member, path: &str) {
    let cb = cmd(
        &bot.fake,
        who,
        "capstone",
        "submit",
        vec![
            opt("path", 3, path.into()),
            opt("link", 3, "https://github.com/learner/project".into()),
        ],
    )
    .await;
    let t = reply_text(&cb);
    let id: i64 = t
        .split("(#")
        .nth(1)
        .and_then(|s| s.split(')').next())
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("{t}"));
    let cb = cmd(
        &bot.fake,
        &admin(),
        "capstone-admin",
        "approve",
        vec![opt("id", 4, id.into())],
    )
    .await;
    assert!(reply_text(&cb).contains("Approved"), "{}", cb.json);
}

fn announcements(fake: &FakeDiscord) -> Vec<Request> {
    let p = format!("/api/v10/channels/{ANN}/messages");
    fake.requests()
        .into_iter()
        .filter(|r| r.method == "POST" && r.path == p)
        .collect()
}

async fn wait_announcement(bot: &TestBot, title: &str) -> Request {
    let p = format!("/api/v10/channels/{ANN}/messages");
    let t = title.to_string();
    bot.fake
        .wait_request(10, move |r| {
            r.method == "POST" && r.path == p && r.json.to_string().contains(&t)
        })
        .await
        .unwrap_or_else(|| panic!("no announcement of {title}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_whole_ladder_from_first_module_to_architect() {
    std::env::set_var("COURSEBOT_TICK_MS", "50");
    let tmp = tempfile::tempdir().unwrap();
    let content = common::ladder::write(tmp.path());
    let bot = TestBot::start_with(Options {
        content,
        start: Utc.with_ymd_and_hms(2026, 5, 1, 9, 0, 0).unwrap(),
    })
    .await;
    let me = learner();

    // Settings: announcements and roles.
    set_announcements(&bot.fake, &admin(), ANN).await;
    for (cert, role) in [
        ("foundation", ROLE_FOUNDATION),
        ("architect", ROLE_ARCHITECT),
    ] {
        let s = bot
            .fake
            .slash_full(
                &admin(),
                "settings",
                json!([sub(
                    "cert_role",
                    vec![
                        opt("certification", 3, cert.into()),
                        opt("role", 8, role.to_string().into())
                    ]
                )]),
                json!({"roles": {role.to_string(): role_json(role)}}),
            )
            .await;
        assert!(reply_text(&bot.fake.callback(&s).await).contains("will get"));
    }

    // No exam before the modules are complete.
    let cb = cmd(
        &bot.fake,
        &me,
        "exam",
        "start",
        vec![opt("path", 3, "foundation".into())],
    )
    .await;
    assert!(
        reply_text(&cb).contains("complete the foundation modules"),
        "{}",
        cb.json
    );

    // Foundation: module, exam (all right: Distinction), capstone rejected then approved.
    complete_module(&bot, &me, "f1").await;
    let cb = cmd(
        &bot.fake,
        &me,
        "exam",
        "start",
        vec![opt("path", 3, "foundation".into())],
    )
    .await;
    assert!(is_ephemeral(&cb));
    assert!(
        cb.json["data"]["embeds"][0]["description"]
            .as_str()
            .unwrap()
            .contains("<t:"),
        "visible deadline"
    );
    let cb = take_exam(&bot, &me, cb, &[true, true, true]).await;
    let r = result_text(&cb);
    assert!(
        r.contains("**3/3**") && r.contains("A+ Distinction") && r.contains("Passed"),
        "{r}"
    );
    let cb = cmd(
        &bot.fake,
        &me,
        "capstone",
        "submit",
        vec![
            opt("path", 3, "foundation".into()),
            opt("link", 3, "not a link".into()),
        ],
    )
    .await;
    assert!(reply_text(&cb).contains("http(s) URL"));
    let cb = cmd(
        &bot.fake,
        &me,
        "capstone",
        "submit",
        vec![
            opt("path", 3, "foundation".into()),
            opt("link", 3, "https://github.com/learner/shop".into()),
        ],
    )
    .await;
    assert!(reply_text(&cb).contains("submitted (#1)"), "{}", cb.json);
    let cb = cmd(
        &bot.fake,
        &me,
        "capstone-admin",
        "approve",
        vec![opt("id", 4, 1.into())],
    )
    .await;
    assert!(
        reply_text(&cb).contains("Manage Server"),
        "members cannot approve"
    );
    let s = bot
        .fake
        .slash(&admin(), "capstone-admin", json!([sub("queue", vec![])]))
        .await;
    let cb = bot.fake.callback(&s).await;
    assert!(cb.json["data"]["embeds"][0]["description"]
        .as_str()
        .unwrap()
        .contains("https://github.com/learner/shop"));
    let cb = cmd(
        &bot.fake,
        &admin(),
        "capstone-admin",
        "reject",
        vec![
            opt("id", 4, 1.into()),
            opt("reason", 3, "Add tests for the payment task".into()),
        ],
    )
    .await;
    assert!(reply_text(&cb).contains("told by DM"), "{}", cb.json);
    let dm = bot
        .fake
        .wait_request(5, |r| {
            r.method == "POST"
                && r.path.starts_with("/api/v10/channels/")
                && r.json["content"]
                    .to_string()
                    .contains("Add tests for the payment task")
        })
        .await;
    assert!(dm.is_some(), "the member gets the feedback by DM");
    let s = bot.fake.slash(&me, "progress", json!([])).await;
    let cb = bot.fake.callback(&s).await;
    let d = cb.json["data"]["embeds"][0]["description"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        d.contains("Exam best: 100%") && d.contains("capstone"),
        "{d}"
    );
    submit_and_approve(&bot, &me, "foundation").await;
    let ann = wait_announcement(&bot, "Certificate of Completion").await;
    assert!(ann.json["embeds"][0]["description"]
        .as_str()
        .unwrap()
        .contains("Distinction"));
    assert_eq!(
        ann.json["allowed_mentions"]["users"],
        json!([me.id.to_string()])
    );
    let role_path = format!(
        "/api/v10/guilds/{GUILD_ID}/members/{}/roles/{ROLE_FOUNDATION}",
        me.id
    );
    bot.fake
        .wait_request(5, |r| r.method == "PUT" && r.path == role_path)
        .await
        .expect("the role is given");

    // Professional: a failed exam, then a retake that passes.
    complete_module(&bot, &me, "p1").await;
    let cb = cmd(
        &bot.fake,
        &me,
        "exam",
        "start",
        vec![opt("path", 3, "professional".into())],
    )
    .await;
    let cb = take_exam(&bot, &me, cb, &[true, false, false]).await;
    let r = result_text(&cb);
    assert!(
        r.contains("Not passed")
            && r.contains("F Not Certified")
            && r.contains("/explain topic:Topic p1"),
        "{r}"
    );
    // A guild cooldown between attempts.
    let cb = cmd(
        &bot.fake,
        &admin(),
        "settings",
        "certification",
        vec![opt("exam_cooldown", 4, 60.into())],
    )
    .await;
    assert!(reply_text(&cb).contains("60 minutes"), "{}", cb.json);
    let cb = cmd(
        &bot.fake,
        &me,
        "exam",
        "start",
        vec![opt("path", 3, "professional".into())],
    )
    .await;
    assert!(
        reply_text(&cb).contains("You can retake this exam"),
        "{}",
        cb.json
    );
    bot.clock.advance(Duration::minutes(61));
    let cb = cmd(
        &bot.fake,
        &me,
        "exam",
        "start",
        vec![opt("path", 3, "professional".into())],
    )
    .await;
    let cb = take_exam(&bot, &me, cb, &[true, true, true]).await;
    assert!(result_text(&cb).contains("Passed"));
    submit_and_approve(&bot, &me, "professional").await;
    wait_announcement(&bot, "Professional Certification").await;

    // Expert: an exam that times out, then one resumed across a restart.
    complete_module(&bot, &me, "e1").await;
    let cb = cmd(
        &bot.fake,
        &me,
        "exam",
        "start",
        vec![opt("path", 3, "expert".into())],
    )
    .await;
    let cb = take_exam(&bot, &me, cb, &[true]).await;
    bot.clock.advance(Duration::minutes(241));
    let cb = take_exam(&bot, &me, cb, &[true]).await;
    let r = result_text(&cb);
    assert!(
        r.contains("Time is up") && r.contains("**1/3**") && r.contains("Not passed"),
        "{r}"
    );
    // `/exam resume` after the timeout says the exam ended and shows its result.
    let cb = cmd(&bot.fake, &me, "exam", "resume", vec![]).await;
    let t = reply_text(&cb);
    assert!(
        t.contains("ended at its deadline") && t.contains(":f> (<t:"),
        "{}",
        cb.json
    );
    assert!(result_text(&cb).contains("**1/3**"), "{}", cb.json);
    bot.clock.advance(Duration::minutes(61)); // the guild's retake cooldown
    let cb = cmd(
        &bot.fake,
        &me,
        "exam",
        "start",
        vec![opt("path", 3, "expert".into())],
    )
    .await;
    let deadline = cb.json["data"]["embeds"][0]["description"]
        .as_str()
        .unwrap()
        .split("<t:")
        .nth(1)
        .unwrap()
        .to_string();
    take_exam(&bot, &me, cb, &[true]).await;
    let bot = bot.kill_and_restart().await;
    let cb = cmd(&bot.fake, &me, "exam", "resume", vec![]).await;
    let d = cb.json["data"]["embeds"][0].clone();
    assert!(
        d["title"].as_str().unwrap().contains("question 2 of 3"),
        "{d}"
    );
    assert!(
        d["description"].as_str().unwrap().contains(&deadline),
        "same deadline after the restart"
    );
    let cb = take_exam(&bot, &me, cb, &[true, true]).await;
    assert!(
        result_text(&cb).contains("**3/3**"),
        "the answer from before the restart counted"
    );
    submit_and_approve(&bot, &me, "expert").await;
    wait_announcement(&bot, "Expert Certification").await;

    // Architect: a specialist track and an approved portfolio. The role cannot be given.
    bot.fake.respond_with(
        "PUT",
        &format!("/roles/{ROLE_ARCHITECT}"),
        403,
        json!({"code": 50013, "message": "Missing Permissions"}),
    );
    complete_module(&bot, &me, "d1").await;
    let cb = cmd(
        &bot.fake,
        &me,
        "exam",
        "start",
        vec![opt("path", 3, "django".into())],
    )
    .await;
    assert!(reply_text(&cb).contains("project-based"));
    submit_and_approve(&bot, &me, "django").await;
    wait_announcement(&bot, "Architect Certification").await;
    let note = wait_announcement(&bot, "is recorded, but I could not give").await;
    assert_eq!(note.json["allowed_mentions"]["parse"], json!([]));

    // Exactly one announcement per certificate, also after the restart.
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let mut ids: Vec<String> = announcements(&bot.fake)
        .iter()
        .filter(|r| r.json["embeds"].to_string().contains("earned the"))
        .map(|r| r.response["id"].to_string())
        .collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 4, "four certificates, each announced once");
    let puts = bot
        .fake
        .requests()
        .iter()
        .filter(|r| r.method == "PUT" && r.path == role_path)
        .count();
    assert_eq!(puts, 1, "the role is given once");

    // Progress and holders.
    let s = bot.fake.slash(&me, "progress", json!([])).await;
    let cb = bot.fake.callback(&s).await;
    assert!(
        cb.json["data"]["embeds"][0]["description"]
            .as_str()
            .unwrap()
            .contains("Every certificate earned"),
        "{}",
        cb.json
    );
    let s = bot
        .fake
        .slash(&me, "certs", json!([sub("holders", vec![])]))
        .await;
    let cb = bot.fake.callback(&s).await;
    let d = cb.json["data"]["embeds"][0]["description"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        d.find("Architect").unwrap() < d.find("Certificate of Completion").unwrap(),
        "newest first: {d}"
    );

    // Revoking: moderators only; the certificate leaves the holders list.
    let users = json!({"users": {me.id.to_string(): me.user_json()}});
    let s = bot
        .fake
        .slash_full(
            &me,
            "certs-admin",
            json!([sub(
                "revoke",
                vec![
                    opt("member", 6, me.id.to_string().into()),
                    opt("path", 3, "professional".into()),
                    opt("reason", 3, "test".into())
                ]
            )]),
            users.clone(),
        )
        .await;
    let cb = bot.fake.callback(&s).await;
    assert!(reply_text(&cb).contains("Manage Server"), "{}", cb.json);
    let s = bot
        .fake
        .slash_full(
            &admin(),
            "certs-admin",
            json!([sub(
                "revoke",
                vec![
                    opt("member", 6, me.id.to_string().into()),
                    opt("path", 3, "django".into()),
                    opt("reason", 3, "plagiarised portfolio".into())
                ]
            )]),
            json!({"users": {me.id.to_string(): me.user_json()}}),
        )
        .await;
    let cb = bot.fake.callback(&s).await;
    assert!(
        reply_text(&cb).contains("Revoked the Architect Certification"),
        "{}",
        cb.json
    );
    let s = bot
        .fake
        .slash(
            &me,
            "certs",
            json!([sub("holders", vec![opt("path", 3, "django".into())])]),
        )
        .await;
    let d = bot.fake.callback(&s).await.json["data"]["embeds"][0]["description"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(d.contains("Nobody yet"), "{d}");

    // Export.
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_coursebot"))
        .args(["export", "progress", "--format", "csv"])
        .env("DATABASE_URL", &bot.config.database_url)
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(
        out.lines().filter(|l| l.contains(",certificate,")).count(),
        3, // four earned, one revoked
        "{out}"
    );
    assert_eq!(
        out.lines().filter(|l| l.contains(",module,")).count(),
        4,
        "{out}"
    );

    bot.assert_schema_ok();
    bot.stop().await.unwrap();
}
