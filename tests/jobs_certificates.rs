//! Certificates and roles through the fake Discord: the announcement pings the member in
//! `content`; a role that fails with 5xx is retried with back-off and the certificate is not
//! marked announced meanwhile; a 403 is reported to the moderators once; `/certs revoke`
//! removes the role (a job, retried); a timed-out exam DMs the learner exactly once.

mod common;

use chrono::{DateTime, Duration, TimeZone, Utc};
use common::fake_discord::{opt, sub, Member, Request, GUILD_ID};
use common::harness::{Options, TestBot};
use common::quiz_helpers::*;
use coursebot::clock::Clock;
use coursebot::store::certification as certs;
use serde_json::json;

const ANN: u64 = 3_000_000_000_000_000_801;
const ROLE: u64 = 5_000_000_000_000_000_801;

fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, mo, d, h, mi, 0).unwrap()
}
fn admin() -> Member {
    Member::admin(4_000_000_000_000_000_100, "mod")
}
fn member(n: u64) -> Member {
    Member::new(4_000_000_000_000_008_000 + n, &format!("m{n}"))
}

fn role_path(user: u64) -> String {
    format!("/api/v10/guilds/{GUILD_ID}/members/{user}/roles/{ROLE}")
}

fn ann_posts(bot: &TestBot) -> Vec<Request> {
    let p = format!("/api/v10/channels/{ANN}/messages");
    bot.fake
        .requests()
        .into_iter()
        .filter(|r| r.method == "POST" && r.path == p)
        .collect()
}

async fn wait_count(bot: &TestBot, n: usize, pred: impl Fn(&Request) -> bool) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while bot.fake.count(&pred) < n {
        assert!(
            std::time::Instant::now() < deadline,
            "{n} matching request(s) never came"
        );
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
}

async fn start() -> TestBot {
    std::env::set_var("COURSEBOT_TICK_MS", "50");
    let content = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/mini");
    let bot = TestBot::start_with(Options {
        start: utc(2026, 3, 20, 9, 0),
        content,
    })
    .await;
    set_announcements(&bot.fake, &admin(), ANN).await;
    coursebot::store::settings::set_cert_role(
        &bot.app.db,
        coursebot::ids::GuildId(GUILD_ID),
        "foundation",
        coursebot::ids::RoleId(ROLE),
    )
    .await
    .unwrap();
    bot
}

async fn award(bot: &TestBot, who: &Member) -> i64 {
    certs::award(
        &bot.app.db,
        coursebot::ids::GuildId(GUILD_ID),
        coursebot::ids::UserId(who.id),
        "foundation",
        None,
        None,
        bot.clock.now(),
    )
    .await
    .unwrap()
    .unwrap()
}

async fn announced(bot: &TestBot, cert: i64) -> bool {
    !certs::unannounced(&bot.app.db)
        .await
        .unwrap()
        .iter()
        .any(|c| c.id == cert)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn announcement_pings_and_roles_retry_then_revoke_removes_the_role() {
    let bot = start().await;
    let now = || bot.clock.now();
    let alice = member(1);
    // Discord answers 502 twice to the role, then accepts it.
    bot.fake.respond_with_times(
        "PUT",
        &role_path(alice.id),
        502,
        json!({"code": 0, "message": "502: Bad Gateway"}),
        2,
    );
    let cert = award(&bot, &alice).await;
    let ann = bot
        .fake
        .wait_request(10, |r| {
            r.method == "POST" && r.path == format!("/api/v10/channels/{ANN}/messages")
        })
        .await
        .expect("the announcement");
    // The mention is in `content` (embeds never ping) and only that member may be pinged.
    assert!(
        ann.json["content"]
            .as_str()
            .unwrap()
            .contains(&format!("<@{}>", alice.id)),
        "{}",
        ann.json
    );
    assert_eq!(
        ann.json["allowed_mentions"]["users"],
        json!([alice.id.to_string()])
    );
    assert_eq!(ann.json["allowed_mentions"]["parse"], json!([]));
    assert!(ann.json["embeds"][0]["title"]
        .as_str()
        .unwrap()
        .contains("Certificate of Completion"));
    let put = |r: &Request| r.method == "PUT" && r.path == role_path(alice.id);
    wait_count(&bot, 1, put).await;
    bot.wait_ticks(3).await;
    assert_eq!(
        bot.fake.count(put),
        1,
        "retried after a back-off, not every tick"
    );
    assert!(
        !announced(&bot, cert).await,
        "not done while the role failed"
    );
    bot.clock.set(now() + Duration::seconds(31));
    wait_count(&bot, 2, put).await;
    bot.clock.set(now() + Duration::seconds(61));
    wait_count(&bot, 3, put).await;
    bot.wait_ticks(2).await;
    assert!(announced(&bot, cert).await);
    let j = coursebot::jobs::rows::get(&bot.app.db, "role_add", &cert.to_string())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(j.state, "done");
    assert_eq!(
        ann_posts(&bot).len(),
        1,
        "announced once, moderators not bothered"
    );

    // A permanent refusal (403) is reported to the moderators, once, and not retried.
    let bob = member(2);
    bot.fake.respond_with(
        "PUT",
        &role_path(bob.id),
        403,
        json!({"code": 50013, "message": "Missing Permissions"}),
    );
    let cert_b = award(&bot, &bob).await;
    let note = bot
        .fake
        .wait_request(10, |r| {
            r.method == "POST"
                && r.path == format!("/api/v10/channels/{ANN}/messages")
                && r.json["content"]
                    .as_str()
                    .is_some_and(|c| c.starts_with("Moderators:"))
        })
        .await
        .expect("the moderators are told");
    let text = note.json["content"].as_str().unwrap();
    assert!(
        text.contains("Manage Roles") && text.contains("403"),
        "{text}"
    );
    assert_eq!(note.json["allowed_mentions"]["parse"], json!([]));
    bot.clock.set(now() + Duration::hours(2));
    bot.wait_ticks(3).await;
    let put_b = |r: &Request| r.method == "PUT" && r.path == role_path(bob.id);
    assert_eq!(bot.fake.count(put_b), 1);
    assert!(announced(&bot, cert_b).await);
    assert_eq!(
        coursebot::jobs::rows::get(&bot.app.db, "role_add", &cert_b.to_string())
            .await
            .unwrap()
            .unwrap()
            .state,
        "parked"
    );

    // /certs-admin revoke takes the role away; a 503 is retried after a back-off.
    let del = |r: &Request| r.method == "DELETE" && r.path == role_path(alice.id);
    bot.fake.respond_with_times(
        "DELETE",
        &role_path(alice.id),
        503,
        json!({"code": 0, "message": "503: Service Unavailable"}),
        1,
    );
    let s = bot
        .fake
        .slash_full(
            &admin(),
            "certs-admin",
            json!([sub(
                "revoke",
                vec![
                    opt("member", 6, alice.id.to_string().into()),
                    opt("path", 3, "foundation".into()),
                    opt("reason", 3, "shared exam answers".into()),
                ]
            )]),
            json!({"users": {alice.id.to_string(): alice.user_json()}}),
        )
        .await;
    let cb = bot.fake.callback(&s).await;
    assert!(reply_text(&cb).contains("Revoked"), "{}", cb.json);
    wait_count(&bot, 1, del).await;
    bot.wait_ticks(3).await;
    assert_eq!(bot.fake.count(del), 1);
    bot.clock.set(now() + Duration::seconds(31));
    wait_count(&bot, 2, del).await;
    bot.wait_ticks(2).await;
    assert_eq!(
        coursebot::jobs::rows::get(&bot.app.db, "role_remove", &format!("revoke:{cert}"))
            .await
            .unwrap()
            .unwrap()
            .state,
        "done"
    );
    bot.assert_schema_ok();
    bot.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_timed_out_exam_dms_the_learner_once() {
    let bot = start().await;
    let learner = member(3);
    // A retake cooldown of one hour.
    coursebot::store::settings::set_certification_options(
        &bot.app.db,
        coursebot::ids::GuildId(GUILD_ID),
        Some(60),
        None,
        bot.clock.now(),
    )
    .await
    .unwrap();
    let questions: Vec<String> = bot
        .app
        .course
        .questions
        .iter()
        .take(4)
        .map(|q| q.id.clone())
        .collect();
    let started = bot.clock.now();
    let deadline = started + Duration::minutes(10);
    let exam = certs::start_exam(
        &bot.app.db,
        coursebot::ids::GuildId(GUILD_ID),
        coursebot::ids::UserId(learner.id),
        "foundation",
        &questions,
        started,
        deadline,
    )
    .await
    .unwrap()
    .unwrap();
    bot.clock.set(deadline - Duration::seconds(1));
    bot.wait_ticks(3).await;
    assert_eq!(
        bot.fake.count(|r| r.path == "/api/v10/users/@me/channels"),
        0
    );
    // The deadline passes: graded, and one DM with the score, grade and next step.
    bot.clock.set(deadline + Duration::seconds(1));
    let open = bot
        .fake
        .wait_request(10, |r| r.path == "/api/v10/users/@me/channels")
        .await
        .expect("a DM channel");
    assert!(open.json["recipient_id"]
        .to_string()
        .contains(&learner.id.to_string()));
    let dm_channel = open.response["id"].as_str().unwrap().to_string();
    let p = format!("/api/v10/channels/{dm_channel}/messages");
    let dm = bot
        .fake
        .wait_request(10, |r| r.method == "POST" && r.path == p)
        .await
        .expect("the DM");
    let text = dm.json["content"].as_str().unwrap();
    let x = deadline.timestamp();
    assert!(
        text.contains(&format!("<t:{x}:f>")) && text.contains(&format!("<t:{x}:R>")),
        "{text}"
    );
    assert!(
        text.contains("0/4") && text.contains("Not Certified"),
        "{text}"
    );
    let retake = (deadline + Duration::seconds(1) + Duration::minutes(60)).timestamp();
    assert!(
        text.contains(&format!("retake it from <t:{retake}:f> (<t:{retake}:R>)")),
        "{text}"
    );
    assert!(dm.json["embeds"][0]["title"]
        .as_str()
        .unwrap()
        .contains("result"));
    let graded = certs::get_exam(&bot.app.db, exam).await.unwrap().unwrap();
    assert!(!graded.open);
    // Exactly once, across a restart too.
    bot.wait_ticks(3).await;
    let bot = bot.kill_and_restart().await;
    bot.clock.set(deadline + Duration::minutes(5));
    bot.wait_ticks(3).await;
    assert_eq!(bot.fake.count(|r| r.method == "POST" && r.path == p), 1);
    bot.stop().await.unwrap();
}
