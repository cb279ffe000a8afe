//! Staff commands: registered so that Discord hides them from members (top-level groups with
//! `default_member_permissions`), and still refused on the server when a member sends them
//! anyway (issue 15 item 6).

mod common;

use common::fake_discord::{opt, sub, Member, GUILD_ID};
use common::harness::TestBot;
use common::quiz_helpers::{is_ephemeral, reply_text, resolved_channel};
use coursebot::clock::Clock;
use serde_json::{json, Value};
use sqlx::Row;
use std::collections::BTreeSet;

const MANAGE_GUILD: u64 = 1 << 5;
const MANAGE_EVENTS: u64 = 1 << 33;
const ROLE: u64 = 5_000_000_000_000_000_077;
const CHANNEL: u64 = 3_000_000_000_000_000_077;

fn admin() -> Member {
    Member::admin(4_000_000_000_000_000_100, "mod")
}
fn member() -> Member {
    Member::new(4_000_000_000_000_007_001, "learner")
}
fn other() -> Member {
    Member::new(4_000_000_000_000_007_002, "other")
}

fn role_resolved() -> Value {
    json!({"roles": {ROLE.to_string(): {"id": ROLE.to_string(), "name": "r", "color": 0,
        "colors": {"primary_color": 0}, "hoist": false, "icon": null, "unicode_emoji": null,
        "position": 1, "permissions": "0", "managed": false, "mentionable": false, "flags": 0}}})
}

fn option_names(cmd: &Value) -> BTreeSet<String> {
    cmd["options"]
        .as_array()
        .map(|o| {
            o.iter()
                .map(|x| x["name"].as_str().unwrap_or("").to_string())
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn staff_groups_carry_default_member_permissions_and_member_commands_do_not() {
    let bot = TestBot::start().await;
    let put = bot
        .fake
        .wait_request(10, |r| {
            r.method == "PUT" && r.path.ends_with(&format!("/guilds/{GUILD_ID}/commands"))
        })
        .await
        .expect("commands registered for the guild");
    let cmds = put.json.as_array().expect("an array of commands").clone();
    let by_name = |n: &str| {
        cmds.iter()
            .find(|c| c["name"] == n)
            .unwrap_or_else(|| panic!("/{n} registered"))
            .clone()
    };
    let staff: [(&str, u64, &[&str]); 6] = [
        (
            "quiz-admin",
            MANAGE_GUILD,
            &["schedule", "unschedule", "stats"],
        ),
        (
            "officehours-admin",
            MANAGE_EVENTS,
            &["schedule", "edit", "cancel"],
        ),
        (
            "capstone-admin",
            MANAGE_GUILD,
            &["queue", "approve", "reject"],
        ),
        ("certs-admin", MANAGE_GUILD, &["revoke"]),
        ("admin", MANAGE_GUILD, &["reload"]),
        (
            "settings",
            MANAGE_GUILD,
            &[
                "show",
                "announcements",
                "moderator_role",
                "cert_role",
                "reminders",
                "certification",
            ],
        ),
    ];
    for (name, perm, subs) in staff {
        let c = by_name(name);
        assert_eq!(
            c["default_member_permissions"],
            json!(perm.to_string()),
            "/{name} is hidden from members: {c}"
        );
        let want: BTreeSet<String> = subs.iter().map(|s| s.to_string()).collect();
        assert_eq!(option_names(&c), want, "/{name}");
    }
    let member_cmds: [(&str, &[&str]); 9] = [
        ("explain", &[]),
        ("quiz", &["schedules", "practice", "module"]),
        ("leaderboard", &[]),
        ("score", &[]),
        ("officehours", &["list", "calendar"]),
        ("progress", &[]),
        ("exam", &["start", "resume"]),
        ("capstone", &["submit"]),
        ("certs", &["holders"]),
    ];
    for (name, subs) in member_cmds {
        let c = by_name(name);
        assert!(
            c["default_member_permissions"].is_null(),
            "/{name} is for everyone: {c}"
        );
        if !subs.is_empty() {
            let want: BTreeSet<String> = subs.iter().map(|s| s.to_string()).collect();
            assert_eq!(option_names(&c), want, "/{name} has no staff subcommand");
        }
    }
    assert_eq!(cmds.len(), 15, "every command is accounted for");
    bot.assert_schema_ok();
    bot.stop().await.unwrap();
}

async fn count(bot: &TestBot, sql: &'static str) -> i64 {
    sqlx::query(sql)
        .fetch_one(bot.app.db.as_sqlite().unwrap())
        .await
        .unwrap()
        .get::<i64, _>(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_staff_action_by_a_member_is_refused_on_the_server() {
    let bot = TestBot::start().await;
    let now = bot.clock.now();
    // Something for each staff action to act on: an office-hours session (scheduled by the
    // admin through the new group), a pending capstone and a certificate.
    let s = bot
        .fake
        .slash(
            &admin(),
            "officehours-admin",
            json!([sub(
                "schedule",
                vec![
                    opt("start", 3, "2026-04-02 17:00".into()),
                    opt("timezone", 3, "Europe/Berlin".into()),
                    opt("duration", 4, 60.into()),
                    opt("topic", 3, "Chords".into()),
                ]
            )]),
        )
        .await;
    let t = reply_text(&bot.fake.callback(&s).await);
    assert!(t.contains("Scheduled office hours"), "{t}");
    let capstone = coursebot::store::certification::submit_capstone(
        &bot.app.db,
        coursebot::ids::GuildId(GUILD_ID),
        coursebot::ids::UserId(other().id),
        "expert",
        "expert",
        "https://example.org/repo",
        now,
    )
    .await
    .unwrap()
    .unwrap();
    coursebot::store::certification::award(
        &bot.app.db,
        coursebot::ids::GuildId(GUILD_ID),
        coursebot::ids::UserId(other().id),
        "foundation",
        None,
        None,
        now,
    )
    .await
    .unwrap()
    .unwrap();

    let users = json!({"users": {other().id.to_string(): other().user_json()}});
    let cases: Vec<(&str, Value, Value)> = vec![
        (
            "quiz-admin",
            json!([sub(
                "schedule",
                vec![
                    opt("channel", 7, CHANNEL.to_string().into()),
                    opt("time", 3, "18:00".into()),
                    opt("timezone", 3, "Europe/Berlin".into())
                ]
            )]),
            resolved_channel(CHANNEL),
        ),
        (
            "quiz-admin",
            json!([sub(
                "unschedule",
                vec![opt("channel", 7, CHANNEL.to_string().into())]
            )]),
            resolved_channel(CHANNEL),
        ),
        ("quiz-admin", json!([sub("stats", vec![])]), Value::Null),
        (
            "officehours-admin",
            json!([sub(
                "schedule",
                vec![
                    opt("start", 3, "2026-04-09 17:00".into()),
                    opt("timezone", 3, "Europe/Berlin".into()),
                    opt("duration", 4, 60.into()),
                    opt("topic", 3, "Mine".into()),
                ]
            )]),
            Value::Null,
        ),
        (
            "officehours-admin",
            json!([sub(
                "edit",
                vec![opt("id", 4, 1.into()), opt("duration", 4, 30.into())]
            )]),
            Value::Null,
        ),
        (
            "officehours-admin",
            json!([sub("cancel", vec![opt("id", 4, 1.into())])]),
            Value::Null,
        ),
        ("capstone-admin", json!([sub("queue", vec![])]), Value::Null),
        (
            "capstone-admin",
            json!([sub("approve", vec![opt("id", 4, capstone.into())])]),
            Value::Null,
        ),
        (
            "capstone-admin",
            json!([sub(
                "reject",
                vec![opt("id", 4, capstone.into()), opt("reason", 3, "no".into())]
            )]),
            Value::Null,
        ),
        (
            "certs-admin",
            json!([sub(
                "revoke",
                vec![
                    opt("member", 6, other().id.to_string().into()),
                    opt("path", 3, "foundation".into()),
                    opt("reason", 3, "because".into())
                ]
            )]),
            users,
        ),
        ("settings", json!([sub("show", vec![])]), Value::Null),
        (
            "settings",
            json!([sub(
                "announcements",
                vec![opt("channel", 7, CHANNEL.to_string().into())]
            )]),
            resolved_channel(CHANNEL),
        ),
        (
            "settings",
            json!([sub(
                "moderator_role",
                vec![opt("role", 8, ROLE.to_string().into())]
            )]),
            role_resolved(),
        ),
        (
            "settings",
            json!([sub(
                "cert_role",
                vec![
                    opt("certification", 3, "foundation".into()),
                    opt("role", 8, ROLE.to_string().into())
                ]
            )]),
            role_resolved(),
        ),
        (
            "settings",
            json!([sub("reminders", vec![opt("leads", 3, "1h".into())])]),
            Value::Null,
        ),
        (
            "settings",
            json!([sub(
                "certification",
                vec![opt("exam_cooldown", 4, 5.into())]
            )]),
            Value::Null,
        ),
    ];
    assert_eq!(cases.len(), 16, "every staff subcommand");
    for (name, options, resolved) in cases {
        let what = format!("/{name} {}", options[0]["name"]);
        let s = bot
            .fake
            .slash_full(&member(), name, options, resolved)
            .await;
        let cb = bot.fake.callback(&s).await;
        assert!(is_ephemeral(&cb), "{what}: {}", cb.json);
        let t = reply_text(&cb);
        assert!(
            t.contains("You need the") && t.contains("permission"),
            "{what} refused: {t}"
        );
    }
    // Nothing changed.
    assert_eq!(count(&bot, "SELECT COUNT(*) FROM quiz_schedules").await, 0);
    assert_eq!(
        count(
            &bot,
            "SELECT COUNT(*) FROM office_hours WHERE status = 'active' AND duration_minutes = 60"
        )
        .await,
        1
    );
    assert_eq!(count(&bot, "SELECT COUNT(*) FROM office_hours").await, 1);
    assert_eq!(
        count(
            &bot,
            "SELECT COUNT(*) FROM capstones WHERE status = 'pending'"
        )
        .await,
        1
    );
    assert_eq!(
        count(
            &bot,
            "SELECT COUNT(*) FROM certificates WHERE revoked_at IS NULL"
        )
        .await,
        1
    );
    let settings = coursebot::store::settings::get(&bot.app.db, coursebot::ids::GuildId(GUILD_ID))
        .await
        .unwrap();
    assert_eq!(settings, Default::default());
    assert_eq!(
        count(&bot, "SELECT COUNT(*) FROM guild_settings WHERE reminder_leads IS NOT NULL OR exam_cooldown_minutes IS NOT NULL").await,
        0
    );
    bot.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_moderator_role_may_use_staff_commands_but_not_review_its_own_capstone() {
    let bot = TestBot::start().await;
    let s = bot
        .fake
        .slash_full(
            &admin(),
            "settings",
            json!([sub(
                "moderator_role",
                vec![opt("role", 8, ROLE.to_string().into())]
            )]),
            role_resolved(),
        )
        .await;
    assert!(reply_text(&bot.fake.callback(&s).await).contains("Moderator role set"));
    let mut moderator = member();
    moderator.roles = vec![ROLE];
    let s = bot
        .fake
        .slash(&moderator, "capstone-admin", json!([sub("queue", vec![])]))
        .await;
    let cb = bot.fake.callback(&s).await;
    assert_eq!(
        cb.json["data"]["embeds"][0]["title"], "Capstone queue",
        "{}",
        cb.json
    );
    // The moderator's own submission: neither approved nor rejected by them.
    let own = coursebot::store::certification::submit_capstone(
        &bot.app.db,
        coursebot::ids::GuildId(GUILD_ID),
        coursebot::ids::UserId(moderator.id),
        "expert",
        "expert",
        "https://example.org/mine",
        bot.clock.now(),
    )
    .await
    .unwrap()
    .unwrap();
    for options in [
        json!([sub("approve", vec![opt("id", 4, own.into())])]),
        json!([sub(
            "reject",
            vec![opt("id", 4, own.into()), opt("reason", 3, "hmm".into())]
        )]),
    ] {
        let s = bot.fake.slash(&moderator, "capstone-admin", options).await;
        let t = reply_text(&bot.fake.callback(&s).await);
        assert!(t.contains("is your own"), "{t}");
    }
    assert_eq!(
        count(
            &bot,
            "SELECT COUNT(*) FROM capstones WHERE status = 'pending'"
        )
        .await,
        1
    );
    // Another moderator may.
    let s = bot
        .fake
        .slash(
            &admin(),
            "capstone-admin",
            json!([sub("approve", vec![opt("id", 4, own.into())])]),
        )
        .await;
    let t = reply_text(&bot.fake.callback(&s).await);
    assert!(t.contains(&format!("Approved #{own}")), "{t}");
    bot.stop().await.unwrap();
}
