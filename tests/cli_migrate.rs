//! `coursebot migrate --from sqlite://… --to postgres://…`: every table copied, idempotent,
//! verified by row counts, and the bot keeps working on PostgreSQL afterwards (new ids do not
//! collide with copied ones). Runs on the throwaway PostgreSQL of tests/common/pg.rs (skipped
//! with a notice where PostgreSQL is not installed; required when CI=true).

mod common;

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use coursebot::ids::{ChannelId, GuildId, RoleId, UserId};
use coursebot::store::answer_batch::{self, AnswerRow, Outcome};
use coursebot::store::{office_hours as oh, quiz, settings, Db};
use std::process::{Command, Output};

const G: GuildId = GuildId(9_223_372_036_854_775_000);
const C: ChannelId = ChannelId(3_000_000_000_000_000_777);
const U: UserId = UserId(9_223_372_036_854_775_807);
const U2: UserId = UserId(4_000_000_000_000_000_002);

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 20, 9, 0, 0).unwrap() + Duration::milliseconds(123)
}

fn migrate(from: &str, to: &str) -> Output {
    Command::new(env!("CARGO_BIN_EXE_coursebot"))
        .args(["migrate", "--from", from, "--to", to])
        .env_remove("DISCORD_TOKEN")
        .env_remove("DATABASE_URL")
        .env("RUST_LOG", "warn")
        .output()
        .unwrap()
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// A community's worth of rows in a few tables, serial ids included.
async fn fill(db: &Db) -> (i64, i64) {
    settings::set_announce_channel(db, G, Some(C), t0())
        .await
        .unwrap();
    settings::set_cert_role(db, G, "foundation", RoleId(11))
        .await
        .unwrap();
    let modules = vec!["m01".to_string()];
    let sched = quiz::upsert_schedule(
        db,
        quiz::NewSchedule {
            guild: G,
            channel: C,
            local_time: "18:00",
            timezone: "Europe/Berlin",
            pool_label: "m01",
            modules: &modules,
            window_minutes: Some(30),
            next_run_at: t0() + Duration::hours(8),
            created_by: U,
            now: t0(),
        },
    )
    .await
    .unwrap();
    let q = quiz::create_quiz(
        db,
        quiz::NewQuiz {
            schedule_id: sched,
            guild: G,
            channel: C,
            question_id: "m01-001",
            module_id: "m01",
            path_id: "foundation",
            quiz_date: NaiveDate::from_ymd_opt(2026, 3, 20).unwrap(),
            cycle: 0,
            posted_at: t0(),
            closes_at: t0() + Duration::hours(1),
        },
    )
    .await
    .unwrap()
    .unwrap();
    assert_eq!(
        answer_batch::write_one(
            db,
            AnswerRow::Daily {
                quiz_id: q,
                guild: G,
                user: U,
                answer: "c:1".into(),
                correct: true,
                at: t0()
            }
        )
        .await
        .unwrap(),
        Outcome::Stored
    );
    assert_eq!(
        answer_batch::write_one(
            db,
            AnswerRow::Daily {
                quiz_id: q,
                guild: G,
                user: U2,
                answer: "c:2".into(),
                correct: false,
                at: t0()
            }
        )
        .await
        .unwrap(),
        Outcome::Stored
    );
    let office = oh::create(db, new_office_hours("Chords, live"))
        .await
        .unwrap();
    (q, office)
}

fn new_office_hours(topic: &str) -> oh::New<'_> {
    oh::New {
        guild: G,
        topic,
        host: Some(U),
        start_local: NaiveDate::from_ymd_opt(2026, 3, 24)
            .unwrap()
            .and_hms_opt(18, 0, 0)
            .unwrap(),
        timezone: "Europe/Berlin",
        duration_minutes: 60,
        weekly: true,
        until: None,
        channel: Some(C),
        channel_stage: false,
        created_by: U,
        now: t0(),
    }
}

#[tokio::test]
async fn a_community_moves_to_postgresql_without_losing_a_score() {
    let Some(pg_url) = common::pg::database().await else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let sqlite_url = format!("sqlite://{}", dir.path().join("bot.db").display());
    let src = Db::connect(&sqlite_url).await.unwrap();
    let (q, office) = fill(&src).await;
    src.close().await;

    let o = migrate(&sqlite_url, &pg_url);
    assert!(o.status.success(), "{}", text(&o));
    let out = text(&o);
    assert!(out.contains("row counts equal"), "{out}");
    assert!(out.contains("quiz_answers"), "one line per table: {out}");

    // Idempotent: a second run copies nothing and still verifies.
    let o = migrate(&sqlite_url, &pg_url);
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("(0 copied by this run)"), "{}", text(&o));

    let pg = Db::connect(&pg_url).await.unwrap();
    let s = settings::get(&pg, G).await.unwrap();
    assert_eq!(s.announce_channel, Some(C));
    assert_eq!(s.cert_roles.get("foundation"), Some(&RoleId(11)));
    let mut answers = quiz::answers_of(&pg, q).await.unwrap();
    answers.sort();
    let mut want = vec![(U, true), (U2, false)];
    want.sort();
    assert_eq!(answers, want, "scores survive the move");
    // The unique key came along: the same member cannot answer twice on PostgreSQL either.
    assert_eq!(
        answer_batch::write_one(
            &pg,
            AnswerRow::Daily {
                quiz_id: q,
                guild: G,
                user: U,
                answer: "c:2".into(),
                correct: false,
                at: t0()
            }
        )
        .await
        .unwrap(),
        Outcome::AlreadyAnswered
    );
    let stored = oh::get(&pg, G, office)
        .await
        .unwrap()
        .expect("office hours copied");
    assert_eq!(stored.series.topic, "Chords, live");
    // Sequences moved past the copied ids: the bot's next insert gets a new id.
    let next = oh::create(&pg, new_office_hours("Canvas")).await.unwrap();
    assert!(next > office, "new id {next} after copied {office}");
    pg.close().await;

    // A destination that already has other rows is refused with the counts listed.
    let src = Db::connect(&sqlite_url).await.unwrap();
    settings::set_announce_channel(&src, GuildId(5), Some(C), t0())
        .await
        .unwrap();
    src.close().await;
    let pg = Db::connect(&pg_url).await.unwrap();
    oh::create(&pg, new_office_hours("only on PostgreSQL"))
        .await
        .unwrap();
    pg.close().await;
    let o = migrate(&sqlite_url, &pg_url);
    assert!(!o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("office_hours"), "{}", text(&o));
}

#[test]
fn migrate_says_what_is_wrong_and_never_prints_the_password() {
    let dir = tempfile::tempdir().unwrap();
    let missing = format!("sqlite://{}", dir.path().join("nope.db").display());
    let o = migrate(&missing, "postgres://bot:hunter2@127.0.0.1:1/x");
    assert!(!o.status.success());
    assert!(text(&o).contains("no database at"), "{}", text(&o));
    assert!(
        !dir.path().join("nope.db").exists(),
        "must not create the source"
    );
    assert!(!text(&o).contains("hunter2"), "{}", text(&o));

    std::fs::write(dir.path().join("x.db"), b"").unwrap();
    let src = format!("sqlite://{}", dir.path().join("x.db").display());
    let o = migrate(&src, "sqlite://other.db");
    assert!(!o.status.success());
    assert!(
        text(&o).contains("--to must be a postgres://"),
        "{}",
        text(&o)
    );

    let o = migrate(&src, "postgres://bot:hunter2@127.0.0.1:1/x");
    assert!(!o.status.success());
    assert!(
        !text(&o).contains("hunter2"),
        "password leaked: {}",
        text(&o)
    );
}
