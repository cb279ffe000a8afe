//! Office hours through the fake Discord with an injected clock: scheduling, validation,
//! permissions, announcements, scheduled events, reminders across a DST change and a restart,
//! personal reminders, listing, editing, cancelling and the .ics calendar.

mod common;

use chrono::{DateTime, TimeZone, Utc};
use common::fake_discord::{opt, sub, FakeDiscord, Member, Request, GUILD_ID};
use common::harness::{Options, TestBot};
use common::quiz_helpers::*;
use serde_json::{json, Value};

const ANN: u64 = 3_000_000_000_000_000_555;
const VOICE: u64 = 3_000_000_000_000_000_556;
const STAGE: u64 = 3_000_000_000_000_000_557;

fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, mo, d, h, mi, 0).unwrap()
}
fn admin() -> Member {
    Member::admin(4_000_000_000_000_000_100, "mod")
}
fn member(n: u64) -> Member {
    Member::new(4_000_000_000_000_002_000 + n, &format!("m{n}"))
}

async fn schedule(fake: &FakeDiscord, who: &Member, opts: Vec<Value>) -> Request {
    let s = fake
        .slash_full(who, "officehours-admin", json!([sub("schedule", opts)]), json!({
            "channels": {
                VOICE.to_string(): {"id": VOICE.to_string(), "name": "voice", "type": 2, "permissions": "0"},
                STAGE.to_string(): {"id": STAGE.to_string(), "name": "stage", "type": 13, "permissions": "0"},
            },
            "users": {admin().id.to_string(): admin().user_json()},
        }))
        .await;
    fake.callback(&s).await
}

fn base_opts(start: &str, duration: i64) -> Vec<Value> {
    vec![
        opt("start", 3, start.into()),
        opt("timezone", 3, "Europe/Berlin".into()),
        opt("duration", 4, duration.into()),
        opt("topic", 3, "Chords and chains @everyone".into()),
    ]
}

fn ann_messages(fake: &FakeDiscord) -> Vec<Request> {
    let p = format!("/api/v10/channels/{ANN}/messages");
    fake.requests()
        .into_iter()
        .filter(|r| r.method == "POST" && r.path == p)
        .collect()
}

async fn wait_ann_containing(bot: &TestBot, needle: &str) -> Request {
    let p = format!("/api/v10/channels/{ANN}/messages");
    let n = needle.to_string();
    bot.fake
        .wait_request(10, move |r| {
            r.method == "POST" && r.path == p && r.json.to_string().contains(&n)
        })
        .await
        .unwrap_or_else(|| panic!("no announcement containing {needle}"))
}

/// Messages actually created: Discord answers a repeated nonce with the message it already made.
fn distinct<'a>(reqs: impl Iterator<Item = &'a Request>) -> usize {
    let mut ids: Vec<String> = reqs.map(|r| r.response["id"].to_string()).collect();
    ids.sort();
    ids.dedup();
    ids.len()
}

/// The .ics file in a multipart callback body.
fn ics_of(cb: &Request) -> String {
    let body = String::from_utf8_lossy(&cb.body).to_string();
    let start = body.find("BEGIN:VCALENDAR").expect("an .ics attachment");
    let end = body.find("END:VCALENDAR").unwrap() + "END:VCALENDAR".len();
    body[start..end].to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn office_hours_end_to_end() {
    std::env::set_var("COURSEBOT_TICK_MS", "50");
    let content = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/mini");
    let bot = TestBot::start_with(Options {
        start: utc(2026, 3, 10, 12, 0),
        content,
    })
    .await;
    // Announcement channel.
    assert!(
        reply_text(&set_announcements(&bot.fake, &admin(), ANN).await)
            .contains("Announcements will go to")
    );
    // Reminder lead times are per guild: bad input is refused, then the defaults are set again.
    let s = bot
        .fake
        .slash(
            &admin(),
            "settings",
            json!([sub("reminders", vec![opt("leads", 3, "soon".into())])]),
        )
        .await;
    assert!(reply_text(&bot.fake.callback(&s).await).contains("not a lead time"));
    let s = bot
        .fake
        .slash(
            &admin(),
            "settings",
            json!([sub("reminders", vec![opt("leads", 3, "15m, 24h".into())])]),
        )
        .await;
    let t = reply_text(&bot.fake.callback(&s).await);
    assert!(t.contains("in 1 day, in 15 minutes"), "{t}");
    assert_eq!(
        coursebot::store::office_hours::leads(&bot.app.db, coursebot::ids::GuildId(GUILD_ID))
            .await
            .unwrap(),
        vec![1440, 15]
    );

    // Permissions and validation.
    let cb = schedule(&bot.fake, &member(1), base_opts("2026-03-19 17:00", 60)).await;
    assert!(reply_text(&cb).contains("Manage Events"), "{}", cb.json);
    for (start, dur, want) in [
        ("19.03.2026 17:00", 60, "YYYY-MM-DD HH:MM"),
        ("2026-03-29 02:30", 60, "does not exist"),
        ("2026-03-01 17:00", 60, "in the past"),
        ("2026-03-19 17:00", 0, "duration"),
        ("2026-03-19 17:00", 481, "duration"),
    ] {
        let cb = schedule(&bot.fake, &admin(), base_opts(start, dur)).await;
        assert!(
            is_ephemeral(&cb) && reply_text(&cb).contains(want),
            "{start} {dur}: {}",
            cb.json
        );
    }
    assert!(
        ann_messages(&bot.fake).is_empty(),
        "nothing announced for rejected requests"
    );

    // A weekly series at 17:00 Berlin, across the DST change of 29 March.
    let mut opts = base_opts("2026-03-19 17:00", 60);
    opts.push(opt("repeat", 4, 1.into())); // the "weekly" choice
    opts.push(opt("until", 3, "2026-04-09".into()));
    opts.push(opt("host", 6, admin().id.to_string().into()));
    let cb = schedule(&bot.fake, &admin(), opts).await;
    let text = reply_text(&cb);
    assert!(
        text.contains("Scheduled office hours **#1**") && text.contains("<t:1773936000:F>"),
        "{text}"
    );
    assert!(text.contains("Announced in"), "{text}");
    let ann = wait_ann_containing(&bot, "Remind me").await;
    assert_eq!(
        ann.json["allowed_mentions"]["parse"],
        json!([]),
        "the topic's @everyone pings nobody"
    );
    let ev = bot
        .fake
        .wait_request(5, |r| {
            r.method == "POST" && r.path == format!("/api/v10/guilds/{GUILD_ID}/scheduled-events")
        })
        .await
        .expect("a scheduled event");
    assert_eq!(
        ev.json["scheduled_start_time"]
            .as_str()
            .unwrap()
            .replace("+00:00", "Z")
            .replace(".000", ""),
        "2026-03-19T16:00:00Z"
    );
    assert_eq!(ev.json["entity_type"], 3);

    // A one-off session in a stage channel gets a stage-instance event; in a voice channel, a
    // voice event.
    for (channel, kind) in [(STAGE, 1), (VOICE, 2)] {
        let mut o = base_opts("2026-05-05 18:00", 45);
        o.push(opt("channel", 7, channel.to_string().into()));
        let cb = schedule(&bot.fake, &admin(), o).await;
        assert!(
            reply_text(&cb).contains("Scheduled office hours"),
            "{}",
            cb.json
        );
        let ev = bot
            .fake
            .wait_request(5, |r| {
                r.method == "POST"
                    && r.path.ends_with("/scheduled-events")
                    && r.json["channel_id"]
                        .as_str()
                        .and_then(|c| c.parse::<u64>().ok())
                        == Some(channel)
            })
            .await
            .expect("an event in the channel");
        assert_eq!(ev.json["entity_type"], kind);
    }
    for id in [2, 3] {
        let s = bot
            .fake
            .slash(
                &admin(),
                "officehours-admin",
                json!([sub("cancel", vec![opt("id", 4, id.into())])]),
            )
            .await;
        assert!(reply_text(&bot.fake.callback(&s).await).contains("cancelled"));
    }

    // List shows Discord timestamps.
    let s = bot
        .fake
        .slash(&member(1), "officehours", json!([sub("list", vec![])]))
        .await;
    let cb = bot.fake.callback(&s).await;
    let d = cb.json["data"]["embeds"][0]["description"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        d.contains("<t:1773936000:F>")
            && d.contains("<t:1773936000:R>")
            && d.contains("every week"),
        "{d}"
    );
    // A weekly series lists its next dates too (26 March, 2 and 9 April; 17:00 Berlin).
    let then = [
        utc(2026, 3, 26, 16, 0),
        utc(2026, 4, 2, 15, 0),
        utc(2026, 4, 9, 15, 0),
    ]
    .map(|t| format!("<t:{}:F>", t.timestamp()))
    .join(" · ");
    assert!(d.contains(&format!("Then: {then}")), "{d}");

    // A member asks for a personal reminder one hour before.
    let ann_msg = common::fake_discord::message_json(
        ann.response["id"].as_str().unwrap().parse().unwrap(),
        ANN,
        &ann.json,
    );
    let s = bot
        .fake
        .click(&member(1), &ann_msg, "oh:remind:1", None)
        .await;
    let cb = bot.fake.callback(&s).await;
    assert!(is_ephemeral(&cb));
    let picker = common::fake_discord::message_json(bot.fake.next_id(), ANN, &cb.json["data"]);
    let s = bot
        .fake
        .click(&member(1), &picker, "oh:lead:1", Some(vec!["60".into()]))
        .await;
    let cb = bot.fake.callback(&s).await;
    assert!(reply_text(&cb).contains("1 hour before"), "{}", cb.json);
    // Another member subscribes and then changes their mind.
    let s = bot
        .fake
        .click(&member(2), &ann_msg, "oh:remind:1", None)
        .await;
    bot.fake.callback(&s).await;
    let s = bot
        .fake
        .click(&member(2), &picker, "oh:lead:1", Some(vec!["15".into()]))
        .await;
    bot.fake.callback(&s).await;
    let s = bot
        .fake
        .click(&member(2), &ann_msg, "oh:remind:1", None)
        .await;
    assert!(reply_text(&bot.fake.callback(&s).await).contains("no longer be reminded"));

    // 24 hours before: one channel reminder. Not a minute earlier.
    bot.clock.set(utc(2026, 3, 18, 15, 59));
    bot.wait_ticks(2).await;
    let reminders = |bot: &TestBot| {
        ann_messages(&bot.fake)
            .iter()
            .filter(|r| r.json.to_string().contains("Reminder:"))
            .count()
    };
    assert_eq!(reminders(&bot), 0, "no reminder yet");
    bot.clock.set(utc(2026, 3, 18, 16, 0));
    wait_ann_containing(&bot, "in 1 day").await;
    // A restart in between: the reminder is not sent again.
    let bot = bot.kill_and_restart().await;
    bot.wait_ticks(2).await;
    assert_eq!(
        distinct(
            ann_messages(&bot.fake)
                .iter()
                .filter(|r| r.json.to_string().contains("in 1 day"))
        ),
        1
    );

    // The personal DM one hour before.
    bot.clock.set(utc(2026, 3, 19, 15, 0));
    let dm = bot
        .fake
        .wait_request(10, |r| {
            r.method == "POST" && r.path == "/api/v10/users/@me/channels"
        })
        .await
        .expect("a DM channel");
    assert_eq!(
        dm.json["recipient_id"]
            .as_str()
            .map(String::from)
            .unwrap_or_else(|| dm.json["recipient_id"].to_string()),
        member(1).id.to_string()
    );
    let dm_channel = dm.response["id"].as_str().unwrap().to_string();
    let msg = bot
        .fake
        .wait_request(10, |r| {
            r.method == "POST" && r.path == format!("/api/v10/channels/{dm_channel}/messages")
        })
        .await
        .expect("the DM");
    assert!(msg.json["content"].as_str().unwrap().contains("in 1 hour"));
    assert_eq!(
        msg.json["allowed_mentions"]["users"],
        json!([member(1).id.to_string()])
    );
    // The bot was down from 15:30 to 15:50: the 15-minute reminder still goes out, late, before
    // the start, and says the real time left.
    bot.clock.set(utc(2026, 3, 19, 15, 30));
    let bot = bot.kill_and_restart().await;
    bot.clock.set(utc(2026, 3, 19, 15, 50));
    wait_ann_containing(&bot, "start in 10 minutes").await;
    bot.clock.set(utc(2026, 3, 19, 16, 0));
    wait_ann_containing(&bot, "starting now").await;
    // DMs to member 1 (after the restart Discord may hand out a new DM channel).
    let m1 = format!("<@{}>", member(1).id);
    let is_dm = move |r: &Request| {
        r.method == "POST"
            && r.path.starts_with("/api/v10/channels/")
            && r.json["content"]
                .as_str()
                .is_some_and(|c| c.starts_with(&m1))
    };
    let dm_now = bot
        .fake
        .wait_request(10, |r| {
            is_dm(r) && r.json.to_string().contains("starting now")
        })
        .await
        .expect("the subscriber's \"starting now\" DM");
    assert_eq!(
        dm_now.json["allowed_mentions"]["users"],
        json!([member(1).id.to_string()])
    );
    // Member 2 unsubscribed; member 1 got exactly two DMs, "in 1 hour" and "starting now" (a
    // resend after the kill carries the same nonce, which Discord answers with the message it
    // already created).
    let mut dms: Vec<String> = bot
        .fake
        .requests()
        .iter()
        .filter(|r| is_dm(r))
        .map(|r| r.response["id"].to_string())
        .collect();
    dms.sort();
    dms.dedup();
    assert_eq!(dms.len(), 2, "two DMs");
    assert!(bot
        .fake
        .requests()
        .iter()
        .filter(|r| r.path == "/api/v10/users/@me/channels")
        .all(|r| r.json["recipient_id"]
            .to_string()
            .contains(&member(1).id.to_string())));

    // After the session the event moves to next week; after DST 17:00 Berlin is 15:00 UTC.
    bot.clock.set(utc(2026, 3, 19, 17, 1));
    let ev2 = bot
        .fake
        .wait_request(10, |r| {
            r.method == "POST"
                && r.path.ends_with("/scheduled-events")
                && r.json["scheduled_start_time"]
                    .to_string()
                    .contains("2026-03-26T16:00:00")
        })
        .await
        .expect("next week's event");
    let _ = ev2;
    bot.clock.set(utc(2026, 4, 1, 14, 59));
    bot.wait_ticks(2).await;
    let count_day = |bot: &TestBot| {
        distinct(
            ann_messages(&bot.fake)
                .iter()
                .filter(|r| r.json.to_string().contains("in 1 day")),
        )
    };
    let before_dst = count_day(&bot);
    bot.clock.set(utc(2026, 4, 1, 15, 0));
    bot.wait_ticks(2).await;
    assert_eq!(
        count_day(&bot),
        before_dst + 1,
        "the 2 April session (15:00 UTC) is reminded 24 h before"
    );

    // Calendar: an .ics that an independent parser reads, with the scheduled times.
    let s = bot
        .fake
        .slash(&member(1), "officehours", json!([sub("calendar", vec![])]))
        .await;
    let cb = bot.fake.callback(&s).await;
    assert!(cb.content_type.starts_with("multipart/"), "an attachment");
    let ics = ics_of(&cb);
    let mut parser = ical::IcalParser::new(std::io::BufReader::new(ics.as_bytes()));
    let cal = parser.next().expect("one calendar").expect("parses");
    assert_eq!(cal.timezones.len(), 1);
    assert_eq!(cal.events.len(), 1);
    let prop = |name: &str| {
        cal.events[0]
            .properties
            .iter()
            .find(|p| p.name == name)
            .cloned()
            .unwrap()
    };
    let dtstart = prop("DTSTART");
    assert_eq!(dtstart.value.as_deref(), Some("20260319T170000"));
    assert!(dtstart
        .params
        .unwrap()
        .iter()
        .any(|(k, v)| k == "TZID" && v == &vec!["Europe/Berlin".to_string()]));
    assert_eq!(prop("DTEND").value.as_deref(), Some("20260319T180000"));
    assert_eq!(
        prop("RRULE").value.as_deref(),
        Some("FREQ=WEEKLY;UNTIL=20260409T150000Z")
    );
    assert!(prop("SUMMARY").value.unwrap().contains("Chords and chains"));

    // Edit: the event moves with it; cancel: the event is deleted and the channel told.
    let s = bot
        .fake
        .slash(
            &admin(),
            "officehours-admin",
            json!([sub(
                "edit",
                vec![
                    opt("id", 4, 1.into()),
                    opt("duration", 4, 90.into()),
                    opt("topic", 3, "Canvas Q&A".into())
                ]
            )]),
        )
        .await;
    let cb = bot.fake.callback(&s).await;
    assert!(
        reply_text(&cb).contains("Session #1 updated"),
        "{}",
        cb.json
    );
    let patch = bot
        .fake
        .wait_request(5, |r| {
            r.method == "PATCH" && r.path.contains("/scheduled-events/")
        })
        .await
        .expect("event updated");
    assert!(patch.json["name"].as_str().unwrap().contains("Canvas Q&A"));
    let s = bot
        .fake
        .slash(
            &member(3),
            "officehours-admin",
            json!([sub("cancel", vec![opt("id", 4, 1.into())])]),
        )
        .await;
    assert!(reply_text(&bot.fake.callback(&s).await).contains("Manage Events"));
    let s = bot
        .fake
        .slash(
            &admin(),
            "officehours-admin",
            json!([sub("cancel", vec![opt("id", 4, 1.into())])]),
        )
        .await;
    assert!(reply_text(&bot.fake.callback(&s).await).contains("cancelled"));
    bot.fake
        .wait_request(5, |r| {
            r.method == "DELETE" && r.path.contains("/scheduled-events/")
        })
        .await
        .expect("event deleted");
    wait_ann_containing(&bot, "are cancelled").await;
    // No more reminders for it.
    let n = distinct(ann_messages(&bot.fake).iter());
    bot.clock.set(utc(2026, 4, 8, 15, 0));
    bot.wait_ticks(2).await;
    assert_eq!(distinct(ann_messages(&bot.fake).iter()), n);

    bot.assert_schema_ok();
    bot.stop().await.unwrap();
}

/// Schedules beyond two years (the `+262142` year that once stopped every guild's jobs) are
/// refused at input; reminders tell the truth: a session scheduled 2 minutes ahead gets no
/// "in 1 day" / "in 15 minutes", only "starting now" (channel and subscribers' DMs); after
/// downtime one catch-up goes out, worded from the real time left.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bounded_schedules_and_truthful_reminders() {
    std::env::set_var("COURSEBOT_TICK_MS", "50");
    let content = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/mini");
    let bot = TestBot::start_with(Options {
        start: utc(2026, 3, 10, 12, 0), // 13:00 in Berlin
        content,
    })
    .await;
    set_announcements(&bot.fake, &admin(), ANN).await;

    // Far-future input is refused with a clear ephemeral error, and nothing is stored.
    let mut weekly_until = base_opts("2026-03-19 17:00", 60);
    weekly_until.push(opt("repeat", 4, 1.into()));
    weekly_until.push(opt("until", 3, "+262142-12-31".into()));
    let mut weekly_far = base_opts("+262142-01-01 10:00", 60);
    weekly_far.push(opt("repeat", 4, 1.into()));
    for (opts, want) in [
        (
            base_opts("+262142-01-01 10:00", 60),
            "more than 2 years ahead",
        ),
        (weekly_far, "more than 2 years ahead"),
        (base_opts("2028-03-11 10:00", 60), "more than 2 years ahead"),
        (weekly_until, "2 years"),
    ] {
        let cb = schedule(&bot.fake, &admin(), opts).await;
        assert!(
            is_ephemeral(&cb) && reply_text(&cb).contains(want),
            "{}",
            cb.json
        );
    }
    assert!(coursebot::store::office_hours::active_of(
        &bot.app.db,
        coursebot::ids::GuildId(GUILD_ID)
    )
    .await
    .unwrap()
    .is_empty());

    // A session 2 minutes ahead (13:02 Berlin = 12:02 UTC); a member subscribes (15 minutes).
    let cb = schedule(&bot.fake, &admin(), base_opts("2026-03-10 13:02", 30)).await;
    assert!(
        reply_text(&cb).contains("Scheduled office hours **#1**"),
        "{}",
        cb.json
    );
    let ann = wait_ann_containing(&bot, "Remind me").await;
    let ann_msg = common::fake_discord::message_json(
        ann.response["id"].as_str().unwrap().parse().unwrap(),
        ANN,
        &ann.json,
    );
    let s = bot
        .fake
        .click(&member(7), &ann_msg, "oh:remind:1", None)
        .await;
    let cb = bot.fake.callback(&s).await;
    let picker = common::fake_discord::message_json(bot.fake.next_id(), ANN, &cb.json["data"]);
    let s = bot
        .fake
        .click(&member(7), &picker, "oh:lead:1", Some(vec!["15".into()]))
        .await;
    bot.fake.callback(&s).await;
    bot.clock.set(utc(2026, 3, 10, 12, 1));
    bot.wait_ticks(3).await;
    let reminders = |bot: &TestBot| {
        ann_messages(&bot.fake)
            .iter()
            .filter(|r| r.json.to_string().contains("Reminder:"))
            .count()
    };
    assert_eq!(
        reminders(&bot),
        0,
        "no lead whose time had passed when it was scheduled"
    );
    assert_eq!(
        bot.fake.count(|r| r.path == "/api/v10/users/@me/channels"),
        0,
        "no 15-minute DM 2 minutes before"
    );
    // At the start: "starting now" in the channel and by DM to the subscriber.
    bot.clock.set(utc(2026, 3, 10, 12, 2));
    wait_ann_containing(&bot, "starting now").await;
    let dm = bot
        .fake
        .wait_request(10, |r| {
            r.method == "POST"
                && r.path.starts_with("/api/v10/channels/")
                && r.json["content"]
                    .as_str()
                    .is_some_and(|c| c.contains("starting now"))
                && !r.path.contains(&ANN.to_string())
        })
        .await
        .expect("the \"starting now\" DM");
    assert!(dm.json["content"]
        .as_str()
        .unwrap()
        .starts_with(&format!("<@{}>", member(7).id)));
    assert_eq!(
        dm.json["allowed_mentions"]["users"],
        json!([member(7).id.to_string()])
    );
    bot.wait_ticks(3).await;
    assert_eq!(reminders(&bot), 0);

    // A session in 3 days (Friday 13 March, 18:00 Berlin = 17:00 UTC); the bot is down from
    // before the day-ahead reminder until 4 minutes before the start: one catch-up only,
    // "start in 4 minutes" (not "in 1 day", not "in 15 minutes").
    let cb = schedule(&bot.fake, &admin(), base_opts("2026-03-13 18:00", 60)).await;
    assert!(reply_text(&cb).contains("**#2**"), "{}", cb.json);
    bot.clock.set(utc(2026, 3, 12, 12, 0));
    bot.wait_ticks(2).await;
    assert_eq!(reminders(&bot), 0);
    let bot = bot.kill_and_restart().await;
    bot.clock.set(utc(2026, 3, 13, 16, 56));
    wait_ann_containing(&bot, "start in 4 minutes").await;
    bot.wait_ticks(3).await;
    let texts: Vec<String> = ann_messages(&bot.fake)
        .iter()
        .filter(|r| r.json.to_string().contains("Reminder:"))
        .map(|r| r.json["content"].as_str().unwrap_or_default().to_string())
        .collect();
    assert_eq!(texts.len(), 1, "{texts:?}");
    bot.assert_schema_ok();
    bot.stop().await.unwrap();
}

/// What Discord refuses with 429 (rate limited) is not lost: a scheduled event refused when the
/// session is scheduled is created by the session's next job run, and a refused reminder (not
/// recorded as failed) goes out once after the limit's window, still claimed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rate_limited_event_and_reminder_are_sent_after_the_window() {
    std::env::set_var("COURSEBOT_TICK_MS", "50");
    let content = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/mini");
    let bot = TestBot::start_with(Options {
        start: utc(2026, 3, 10, 12, 0), // 13:00 in Berlin
        content,
    })
    .await;
    set_announcements(&bot.fake, &admin(), ANN).await;
    let limited =
        json!({"message": "You are being rate limited.", "retry_after": 0.05, "global": true});
    bot.fake
        .respond_with_times("POST", "/scheduled-events", 429, limited.clone(), 1);
    let cb = schedule(&bot.fake, &admin(), base_opts("2026-03-10 14:00", 60)).await;
    assert!(reply_text(&cb).contains("**#1**"), "{}", cb.json);
    let events = format!("/api/v10/guilds/{GUILD_ID}/scheduled-events");
    bot.fake
        .wait_request(15, |r| {
            r.method == "POST" && r.path == events && r.status == 200
        })
        .await
        .expect("the scheduled event, after the rate limit's window");
    bot.wait_ticks(3).await;
    let created = |status: u16| {
        bot.fake
            .count(|r| r.method == "POST" && r.path == events && r.status == status)
    };
    assert_eq!((created(429), created(200)), (1, 1), "one event, once");

    // The 15-minute reminder's first two posts are answered 429.
    bot.fake.respond_with_times(
        "POST",
        &format!("/channels/{ANN}/messages"),
        429,
        limited,
        2,
    );
    bot.clock.set(utc(2026, 3, 10, 12, 45));
    let p = format!("/api/v10/channels/{ANN}/messages");
    bot.fake
        .wait_request(15, |r| {
            r.method == "POST"
                && r.path == p
                && r.status == 200
                && r.json.to_string().contains("Reminder:")
        })
        .await
        .expect("the reminder, after the rate limit's window");
    bot.wait_ticks(3).await;
    let reminders: Vec<Request> = ann_messages(&bot.fake)
        .into_iter()
        .filter(|r| r.json.to_string().contains("Reminder:"))
        .collect();
    assert_eq!(reminders.iter().filter(|r| r.status == 429).count(), 2);
    assert_eq!(
        distinct(reminders.iter().filter(|r| r.status == 200)),
        1,
        "sent once"
    );
    bot.stop().await.unwrap();
}
