//! One store contract, run against both backends: every function family (settings, daily
//! quizzes and answers, practice, office hours and reminders, certification and announcements,
//! jobs), the uniqueness rules that make double answers, double announcements and double
//! reminders impossible, typed ids, timestamps (UTC, milliseconds) and ordering. The
//! PostgreSQL half runs on a throwaway cluster (tests/common/pg.rs) and is skipped with a
//! notice where PostgreSQL is not installed.

mod common;

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use coursebot::ids::{ChannelId, GuildId, MessageId, RoleId, UserId};
use coursebot::jobs::rows;
use coursebot::quiz::writer::{AnswerWriter, WriteError, WriterConfig};
use coursebot::store::answer_batch::{self, AnswerRow, Outcome};
use coursebot::store::{certification as cert, office_hours as oh, practice, quiz, settings};
use coursebot::store::{Backend, Db};
use std::collections::HashSet;

/// Snowflakes near the top of the range, so a sign or width mistake shows.
const G: GuildId = GuildId(9_223_372_036_854_775_000);
const G2: GuildId = GuildId(2_000_000_000_000_000_002);
const U: UserId = UserId(9_223_372_036_854_775_807);
const U2: UserId = UserId(4_000_000_000_000_000_002);
const C: ChannelId = ChannelId(3_000_000_000_000_000_777);

fn t0() -> DateTime<Utc> {
    // Sub-second on purpose: timestamps keep milliseconds on both backends.
    Utc.with_ymd_and_hms(2026, 3, 20, 9, 0, 0).unwrap() + Duration::milliseconds(123)
}

async fn sqlite() -> (Db, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("bot.db").display());
    (Db::connect(&url).await.unwrap(), dir)
}

async fn postgres() -> Option<Db> {
    let url = common::pg::database().await?;
    let db = Db::connect(&url).await.unwrap();
    assert_eq!(db.backend(), Backend::Postgres);
    Some(db)
}

/// Each contract function runs once on SQLite and once on PostgreSQL.
macro_rules! contract {
    ($($name:ident),* $(,)?) => {
        mod on_sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let (db, _dir) = super::sqlite().await;
                    super::$name(db).await;
                }
            )*
        }
        mod on_postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let Some(db) = super::postgres().await else { return };
                    super::$name(db).await;
                }
            )*
        }
    };
}

contract!(
    settings_and_typed_ids,
    daily_quiz_and_answers_once,
    answer_writer_batches,
    practice_sessions_and_completions,
    office_hours_reminders_once,
    certification_and_announcements_once,
    jobs_claims_and_leases,
    two_owners_racing_claim_each_job_once,
);

async fn settings_and_typed_ids(db: Db) {
    let s = settings::get(&db, G).await.unwrap();
    assert_eq!(s, settings::GuildSettings::default());
    settings::set_announce_channel(&db, G, Some(C), t0())
        .await
        .unwrap();
    settings::set_moderator_role(&db, G, Some(RoleId(u64::MAX >> 1)), t0())
        .await
        .unwrap();
    settings::set_cert_role(&db, G, "foundation", RoleId(11))
        .await
        .unwrap();
    settings::set_cert_role(&db, G, "foundation", RoleId(12))
        .await
        .unwrap();
    settings::set_cert_role(&db, G, "advanced", RoleId(13))
        .await
        .unwrap();
    let s = settings::get(&db, G).await.unwrap();
    assert_eq!(s.announce_channel, Some(C));
    assert_eq!(s.moderator_role, Some(RoleId(u64::MAX >> 1)));
    assert_eq!(
        s.cert_roles.into_iter().collect::<Vec<_>>(),
        vec![
            ("advanced".to_string(), RoleId(13)),
            ("foundation".to_string(), RoleId(12))
        ]
    );
    // Another guild sees nothing of it.
    assert_eq!(settings::get(&db, G2).await.unwrap().announce_channel, None);
    // Certification options: only what is given changes.
    assert_eq!(cert::guild_options(&db, G2).await.unwrap(), (None, false));
    settings::set_certification_options(&db, G, Some(30), None, t0())
        .await
        .unwrap();
    assert_eq!(
        cert::guild_options(&db, G).await.unwrap(),
        (Some(30), false)
    );
    settings::set_certification_options(&db, G, None, Some(true), t0())
        .await
        .unwrap();
    assert_eq!(cert::guild_options(&db, G).await.unwrap(), (Some(30), true));
    // Reminder leads.
    assert_eq!(
        oh::leads(&db, G).await.unwrap(),
        coursebot::office_hours::DEFAULT_LEADS.to_vec()
    );
    oh::set_leads(&db, G, &[60, 5], t0()).await.unwrap();
    assert_eq!(oh::leads(&db, G).await.unwrap(), vec![60, 5]);
    // The announcement channel survived the other upserts.
    assert_eq!(
        settings::get(&db, G).await.unwrap().announce_channel,
        Some(C)
    );
}

fn new_quiz<'a>(
    schedule: i64,
    date: NaiveDate,
    qid: &'a str,
    at: DateTime<Utc>,
) -> quiz::NewQuiz<'a> {
    quiz::NewQuiz {
        schedule_id: schedule,
        guild: G,
        channel: C,
        question_id: qid,
        module_id: "m01",
        path_id: "foundation",
        quiz_date: date,
        cycle: 0,
        posted_at: at,
        closes_at: at + Duration::hours(1),
    }
}

/// One answer through the answer writer's SQL, alone in its transaction.
async fn daily_answer(
    db: &Db,
    quiz_id: i64,
    user: UserId,
    answer: &str,
    correct: bool,
    at: DateTime<Utc>,
) -> sqlx::Result<bool> {
    Ok(
        answer_batch::write_one(db, daily_row(quiz_id, user, answer, correct, at)).await?
            == Outcome::Stored,
    )
}

fn daily_row(
    quiz_id: i64,
    user: UserId,
    answer: &str,
    correct: bool,
    at: DateTime<Utc>,
) -> AnswerRow {
    AnswerRow::Daily {
        quiz_id,
        guild: G,
        user,
        answer: answer.into(),
        correct,
        at,
    }
}

/// A practice answer (the session moves on; the review is due in a day).
async fn practice_answer(
    db: &Db,
    session: i64,
    position: usize,
    question: &str,
    answer: &str,
    correct: bool,
) -> sqlx::Result<bool> {
    let row = AnswerRow::Practice {
        session,
        position,
        user: U,
        question_id: question.into(),
        answer: answer.into(),
        correct,
        at: t0(),
        review_interval: 1,
        review_due: t0() + Duration::days(1),
    };
    Ok(answer_batch::write_one(db, row).await? == Outcome::Stored)
}

async fn exam_answer(
    db: &Db,
    exam: i64,
    position: usize,
    question: &str,
    answer: &str,
    correct: bool,
) -> sqlx::Result<bool> {
    let row = AnswerRow::Exam {
        exam,
        position,
        question_id: question.into(),
        answer: answer.into(),
        correct,
        at: t0(),
    };
    Ok(answer_batch::write_one(db, row).await? == Outcome::Stored)
}

/// The answer writer on both backends: one multi-row insert per batch, every caller told its
/// own outcome, a repeat inside a batch and a row breaking a constraint settled per row.
async fn answer_writer_batches(db: Db) {
    let modules = vec!["m01".to_string()];
    let sched = quiz::upsert_schedule(
        &db,
        quiz::NewSchedule {
            guild: G,
            channel: C,
            local_time: "10:00",
            timezone: "UTC",
            pool_label: "m01",
            modules: &modules,
            window_minutes: None,
            next_run_at: t0(),
            created_by: U,
            now: t0(),
        },
    )
    .await
    .unwrap();
    let date = NaiveDate::from_ymd_opt(2026, 3, 20).unwrap();
    let q = quiz::create_quiz(&db, new_quiz(sched, date, "m01-001", t0()))
        .await
        .unwrap()
        .unwrap();
    quiz::set_posted(&db, q, MessageId(77)).await.unwrap();
    // Batches go when five answers are queued (the window is far longer than the test).
    let w = AnswerWriter::start(
        &db,
        WriterConfig {
            window: std::time::Duration::from_secs(60),
            max_batch: 5,
        },
    );
    let member = |i: u64| UserId(4_000_000_000_000_100_000 + i);
    // join! polls in order, so the answers reach the writer in this order.
    let (a, b, repeat, broken, c) = tokio::join!(
        w.write(daily_row(q, member(1), "c:0", true, t0())),
        w.write(daily_row(q, member(2), "c:1", false, t0())),
        w.write(daily_row(q, member(1), "c:1", false, t0())),
        w.write(AnswerRow::Exam {
            exam: 999_999,
            position: 0,
            question_id: "m01-001".into(),
            answer: "c:0".into(),
            correct: true,
            at: t0(),
        }),
        w.write(daily_row(q, member(4), "c:0", true, t0())),
    );
    assert_eq!(
        (a.unwrap(), b.unwrap(), repeat.unwrap(), c.unwrap()),
        (
            Outcome::Stored,
            Outcome::Stored,
            Outcome::AlreadyAnswered,
            Outcome::Stored
        ),
        "the first answer of a member wins, inside one batch too"
    );
    assert!(
        matches!(broken, Err(WriteError::Row(_))),
        "an answer to an exam that does not exist breaks the foreign key and fails alone: {broken:?}"
    );
    // A second batch: member 2 already answered in the first.
    let more = tokio::join!(
        w.write(daily_row(q, member(2), "c:0", true, t0())),
        w.write(daily_row(q, member(5), "c:0", true, t0())),
        w.write(daily_row(q, member(6), "c:0", true, t0())),
        w.write(daily_row(q, member(7), "c:0", true, t0())),
        w.write(daily_row(q, member(8), "c:0", true, t0())),
    );
    let more = [more.0, more.1, more.2, more.3, more.4].map(|r| r.unwrap() == Outcome::Stored);
    assert_eq!(more, [false, true, true, true, true]);
    assert_eq!(
        (w.stats().batches, w.stats().largest),
        (2, 5),
        "two transactions of five"
    );
    let mut stored = quiz::answers_of(&db, q).await.unwrap();
    stored.sort();
    let mut want = vec![
        (member(1), true),
        (member(2), false),
        (member(4), true),
        (member(5), true),
        (member(6), true),
        (member(7), true),
        (member(8), true),
    ];
    want.sort();
    assert_eq!(stored, want, "each member once, with the answer that won");
    w.shutdown().await;
    // The quiz takes answers until its closing time, checked in the insert itself (a writer
    // that commits what is queued at once).
    let w = AnswerWriter::start(&db, WriterConfig::default());
    let closes = t0() + Duration::hours(1);
    let late = w.write(daily_row(q, member(9), "c:0", true, closes)).await;
    assert_eq!(late.unwrap(), Outcome::Closed, "at the closing time");
    let unknown = w
        .write(daily_row(q + 1000, member(9), "c:0", true, t0()))
        .await;
    assert_eq!(
        unknown.unwrap(),
        Outcome::Closed,
        "a quiz that does not exist"
    );
    assert!(quiz::close_quiz(&db, q).await.unwrap());
    let (after_close, double) = tokio::join!(
        w.write(daily_row(q, member(10), "c:0", true, t0())),
        w.write(daily_row(q, member(1), "c:0", true, t0())),
    );
    assert_eq!(
        (after_close.unwrap(), double.unwrap()),
        (Outcome::Closed, Outcome::Closed),
        "closed by the closing job: nothing lands after its count"
    );
    assert_eq!(quiz::answers_of(&db, q).await.unwrap().len(), want.len());
    w.shutdown().await;
}

async fn daily_quiz_and_answers_once(db: Db) {
    let modules = vec!["m01".to_string(), "m02".to_string()];
    let next = t0() + Duration::hours(8);
    let sched = |label: &'static str, at| quiz::NewSchedule {
        guild: G,
        channel: C,
        local_time: "18:00",
        timezone: "Europe/Berlin",
        pool_label: label,
        modules: &modules,
        window_minutes: Some(30),
        next_run_at: at,
        created_by: U,
        now: t0(),
    };
    let id = quiz::upsert_schedule(&db, sched("first", next))
        .await
        .unwrap();
    // One schedule per channel: a second upsert replaces it, same row.
    let again = quiz::upsert_schedule(&db, sched("second", next))
        .await
        .unwrap();
    assert_eq!(id, again);
    let s = quiz::get_schedule(&db, id).await.unwrap().unwrap();
    assert_eq!(
        (
            s.guild,
            s.channel,
            s.pool_label.as_str(),
            s.modules.clone(),
            s.window_minutes
        ),
        (G, C, "second", modules.clone(), Some(30))
    );
    assert_eq!(
        s.next_run_at, next,
        "UTC with milliseconds, read back equal"
    );
    assert_eq!(quiz::schedules_of(&db, G).await.unwrap().len(), 1);
    assert!(quiz::due_schedules(&db, next - Duration::milliseconds(1))
        .await
        .unwrap()
        .is_empty());
    assert_eq!(quiz::due_schedules(&db, next).await.unwrap().len(), 1);
    // Moving a schedule on is a compare-and-set: a process with a stale view loses.
    let later = next + Duration::days(1);
    assert!(quiz::advance_schedule(&db, id, next, later, 1)
        .await
        .unwrap());
    assert!(
        !quiz::advance_schedule(&db, id, next, later + Duration::days(1), 2)
            .await
            .unwrap()
    );
    assert_eq!(quiz::get_schedule(&db, id).await.unwrap().unwrap().cycle, 1);

    // One quiz per channel and local date, created in a transaction.
    let day = NaiveDate::from_ymd_opt(2026, 3, 20).unwrap();
    let mut tx = db.begin().await.unwrap();
    let q1 = quiz::create_quiz(&mut tx, new_quiz(id, day, "m01-001", t0()))
        .await
        .unwrap()
        .expect("first quiz of the day");
    assert_eq!(
        quiz::asked_in_cycle(&mut tx, C, 0).await.unwrap(),
        vec!["m01-001".to_string()]
    );
    tx.commit().await.unwrap();
    assert_eq!(
        quiz::create_quiz(&db, new_quiz(id, day, "m01-002", t0()))
            .await
            .unwrap(),
        None,
        "a second quiz the same day is impossible"
    );
    // A rolled-back transaction leaves nothing.
    let day2 = day.succ_opt().unwrap();
    let mut tx = db.begin().await.unwrap();
    quiz::create_quiz(&mut tx, new_quiz(id, day2, "m01-002", t0()))
        .await
        .unwrap();
    drop(tx);
    assert!(quiz::asked_in_cycle(&db, C, 0).await.unwrap().len() == 1);

    let row = quiz::get_quiz(&db, q1).await.unwrap().unwrap();
    assert_eq!(
        (
            row.guild,
            row.channel,
            row.quiz_date,
            row.posted_at,
            row.status.as_str()
        ),
        (G, C, day, t0(), "posting")
    );
    assert!(row.shuffled && !row.revealed && row.message_id.is_none());
    assert_eq!(quiz::quizzes_to_post(&db).await.unwrap().len(), 1);
    quiz::set_posted(&db, q1, MessageId(u64::MAX >> 1))
        .await
        .unwrap();
    let row = quiz::get_quiz(&db, q1).await.unwrap().unwrap();
    assert_eq!(
        (row.status.as_str(), row.message_id),
        ("open", Some(MessageId(u64::MAX >> 1)))
    );

    // One answer per member: the second is refused.
    assert!(daily_answer(&db, q1, U, "c:1", true, t0()).await.unwrap());
    assert!(!daily_answer(&db, q1, U, "c:2", false, t0()).await.unwrap());
    assert!(
        daily_answer(&db, q1, U2, "c:2", false, t0() + Duration::seconds(1))
            .await
            .unwrap()
    );
    assert_eq!(
        quiz::answers_of(&db, q1).await.unwrap(),
        vec![(U, true), (U2, false)],
        "in the order given"
    );

    // Closing once; points and streaks in the same transaction.
    assert!(quiz::quizzes_to_close(&db, t0()).await.unwrap().is_empty());
    let due = quiz::quizzes_to_close(&db, t0() + Duration::hours(1))
        .await
        .unwrap();
    assert_eq!(due.len(), 1);
    let mut tx = db.begin().await.unwrap();
    assert!(quiz::close_quiz(&mut tx, q1).await.unwrap());
    quiz::set_points(&mut tx, q1, U, 10).await.unwrap();
    let streak = coursebot::quiz::scoring::Streak {
        current: 1,
        best: 3,
        last_correct: Some(day),
    };
    quiz::set_streak(&mut tx, G, U, &streak).await.unwrap();
    tx.commit().await.unwrap();
    assert!(!quiz::close_quiz(&db, q1).await.unwrap(), "closed once");
    assert_eq!(quiz::get_streak(&db, G, U).await.unwrap(), streak);
    assert_eq!(
        quiz::get_streak(&db, G, U2).await.unwrap(),
        Default::default()
    );
    assert_eq!(quiz::quizzes_to_reveal(&db).await.unwrap().len(), 1);
    quiz::mark_revealed(&db, q1).await.unwrap();
    assert!(quiz::quizzes_to_reveal(&db).await.unwrap().is_empty());

    // Aggregates are BIGINT on both backends, best first.
    let st = quiz::standings(&db, G, t0(), None).await.unwrap();
    assert_eq!(
        st,
        vec![
            quiz::Standing {
                user: U,
                points: 10,
                answered: 1,
                correct: 1
            },
            quiz::Standing {
                user: U2,
                points: 0,
                answered: 1,
                correct: 0
            },
        ]
    );
    assert!(quiz::standings(&db, G, t0(), Some("advanced"))
        .await
        .unwrap()
        .is_empty());
    assert_eq!(
        quiz::member_paths(&db, G, U).await.unwrap(),
        vec![("foundation".to_string(), 10, 1, 1)]
    );
    assert_eq!(
        quiz::question_stats(&db, G).await.unwrap(),
        vec![("m01-001".to_string(), "m01".to_string(), 2, 1)]
    );
    assert_eq!(
        quiz::wrong_answers(&db, G).await.unwrap(),
        vec![("m01-001".to_string(), "c:2".to_string(), 1)]
    );
    let ex = quiz::export_answers(&db, Some(G)).await.unwrap();
    assert_eq!(
        ex.iter().map(|a| a.user_id).collect::<Vec<_>>(),
        vec![U2, U],
        "by guild, then member"
    );
    assert_eq!(
        (
            ex[1].quiz_date.as_str(),
            ex[1].answered_at.as_str(),
            ex[1].correct
        ),
        ("2026-03-20", "2026-03-20T09:00:00.123Z", true)
    );
    assert!(quiz::export_answers(&db, Some(G2))
        .await
        .unwrap()
        .is_empty());
    // Later quizzes of the channel are shortened by the next one.
    quiz::shorten_open_quizzes(&db, C, t0()).await.unwrap();
    assert!(quiz::delete_schedule(&db, G, C).await.unwrap());
    assert!(!quiz::delete_schedule(&db, G, C).await.unwrap());
    assert_eq!(
        quiz::get_quiz(&db, q1).await.unwrap().unwrap().schedule_id,
        None,
        "the quiz stays, its schedule link is cleared"
    );
}

async fn practice_sessions_and_completions(db: Db) {
    let qs: Vec<String> = (1..=4).map(|i| format!("m01-00{i}")).collect();
    let s = practice::create_session(&db, G, U, "m01", "module", &qs, t0())
        .await
        .unwrap();
    let got = practice::get_session(&db, s).await.unwrap().unwrap();
    assert_eq!(
        (
            got.guild,
            got.user,
            got.kind.as_str(),
            got.questions.clone(),
            got.position,
            got.finished
        ),
        (G, U, "module", qs.clone(), 0, false)
    );
    assert!(practice_answer(&db, s, 0, "m01-001", "c:0", true)
        .await
        .unwrap());
    assert!(
        !practice_answer(&db, s, 0, "m01-001", "c:1", false)
            .await
            .unwrap(),
        "a double click is one answer"
    );
    for (p, q) in qs.iter().enumerate().skip(1) {
        assert!(practice_answer(&db, s, p, q, "c:0", true).await.unwrap());
    }
    practice::finish(&db, s, t0()).await.unwrap();
    let got = practice::get_session(&db, s).await.unwrap().unwrap();
    assert_eq!((got.position, got.correct, got.finished), (4, 4, true));
    assert_eq!(
        practice::largest_passed_practice(&db, G, U, "m01", 70)
            .await
            .unwrap(),
        Some(4)
    );
    assert_eq!(
        practice::largest_passed_practice(&db, G, U2, "m01", 70)
            .await
            .unwrap(),
        None
    );
    // Completions: new once, best score kept.
    assert!(
        practice::complete_module(&db, G, U, "m01", 80, "practice", 4, t0())
            .await
            .unwrap()
    );
    assert!(!practice::complete_module(
        &db,
        G,
        U,
        "m01",
        60,
        "module",
        3,
        t0() + Duration::minutes(1)
    )
    .await
    .unwrap());
    let c = practice::completions(&db, G, U).await.unwrap();
    assert_eq!(c.len(), 1);
    assert_eq!(
        (
            c[0].score,
            c[0].basis.as_str(),
            c[0].questions,
            c[0].completed_at
        ),
        (80, "practice", 4, t0())
    );
    assert_eq!(
        practice::completed_modules(&db, G, U).await.unwrap(),
        vec!["m01".to_string()]
    );
    // Spaced repetition.
    practice::set_review(&db, U, "m01-001", 3, t0())
        .await
        .unwrap();
    practice::set_review(&db, U, "m01-001", 6, t0() + Duration::days(6))
        .await
        .unwrap();
    let r = practice::reviews(&db, U).await.unwrap();
    assert_eq!(r["m01-001"], (6, t0() + Duration::days(6)));
    // Open sessions beyond the newest two are closed.
    let mut open = Vec::new();
    for _ in 0..4 {
        open.push(
            practice::create_session(&db, G, U2, "m01", "practice", &qs, t0())
                .await
                .unwrap(),
        );
    }
    assert_eq!(
        practice::close_open_beyond(&db, G, U2, 2, t0())
            .await
            .unwrap(),
        2
    );
    for (i, id) in open.iter().enumerate() {
        let finished = practice::get_session(&db, *id)
            .await
            .unwrap()
            .unwrap()
            .finished;
        assert_eq!(finished, i < 2, "the oldest are closed, the newest kept");
    }
}

async fn office_hours_reminders_once(db: Db) {
    let start = NaiveDate::from_ymd_opt(2026, 3, 25)
        .unwrap()
        .and_hms_opt(18, 0, 0)
        .unwrap();
    let id = oh::create(
        &db,
        oh::New {
            guild: G,
            topic: "Celery beat",
            host: Some(U),
            start_local: start,
            timezone: "Europe/Berlin",
            duration_minutes: 60,
            weekly: true,
            until: NaiveDate::from_ymd_opt(2026, 5, 1),
            channel: Some(C),
            channel_stage: true,
            created_by: U2,
            now: t0(),
        },
    )
    .await
    .unwrap();
    let s = oh::get(&db, G, id).await.unwrap().unwrap();
    assert_eq!(
        (
            s.series.guild,
            s.series.host,
            s.series.channel,
            s.series.weekly,
            s.series.channel_stage
        ),
        (G, Some(U), Some(C), true, true)
    );
    assert_eq!(s.series.until, NaiveDate::from_ymd_opt(2026, 5, 1));
    assert_eq!(s.planned_at, Some(t0()));
    assert!(s.problem.is_none(), "{:?}", s.problem);
    assert!(
        oh::get(&db, G2, id).await.unwrap().is_none(),
        "another guild's session"
    );
    assert_eq!(oh::active_of(&db, G).await.unwrap().len(), 1);
    assert_eq!(oh::active_ids(&db).await.unwrap(), vec![id]);
    // Edits, the event and the announcement.
    let mut series = s.series.clone();
    series.topic = "Celery canvas".into();
    series.weekly = false;
    series.until = None;
    oh::update(&db, &series).await.unwrap();
    let occ = t0() + Duration::days(5);
    oh::set_event(&db, id, Some(77), Some(occ)).await.unwrap();
    oh::set_announcement(&db, id, C, MessageId(88))
        .await
        .unwrap();
    oh::set_planned(&db, id, t0() + Duration::hours(1))
        .await
        .unwrap();
    let s = oh::get_any(&db, id).await.unwrap().unwrap();
    assert_eq!(
        (
            s.series.topic.as_str(),
            s.series.weekly,
            s.series.until,
            s.event_id,
            s.event_start
        ),
        ("Celery canvas", false, None, Some(77), Some(occ))
    );
    assert_eq!(
        (s.announce_channel, s.announce_message),
        (Some(C), Some(MessageId(88)))
    );
    assert_eq!(s.planned_at, Some(t0() + Duration::hours(1)));
    // Subscriptions.
    assert_eq!(oh::subscription(&db, id, U).await.unwrap(), None);
    oh::subscribe(&db, id, U, 15).await.unwrap();
    oh::subscribe(&db, id, U, 60).await.unwrap();
    oh::subscribe(&db, id, U2, 15).await.unwrap();
    assert_eq!(oh::subscription(&db, id, U).await.unwrap(), Some(60));
    let mut subs = oh::subscribers(&db, id).await.unwrap();
    subs.sort();
    assert_eq!(subs, vec![(U2, 15), (U, 60)]);
    assert!(oh::unsubscribe(&db, id, U2).await.unwrap());
    assert!(!oh::unsubscribe(&db, id, U2).await.unwrap());
    // A reminder is claimed once, whoever asks (the channel's is user 0).
    let r = oh::claim(&db, id, occ, 15, UserId(0), t0())
        .await
        .unwrap()
        .expect("claimed");
    assert_eq!(
        oh::claim(&db, id, occ, 15, UserId(0), t0()).await.unwrap(),
        None
    );
    let mine = oh::claim(&db, id, occ, 15, U, t0())
        .await
        .unwrap()
        .expect("per member");
    let unfinished = oh::unfinished_of(&db, id).await.unwrap();
    assert_eq!(unfinished.len(), 2);
    assert_eq!(
        (
            unfinished[0].id,
            unfinished[0].occurrence,
            unfinished[0].lead,
            unfinished[0].user
        ),
        (r, occ, 15, UserId(0))
    );
    oh::finish(&db, r, true).await.unwrap();
    oh::finish(&db, mine, false).await.unwrap();
    assert!(oh::unfinished_of(&db, id).await.unwrap().is_empty());
    assert_eq!(
        oh::claim(&db, id, occ, 15, U, t0()).await.unwrap(),
        None,
        "a failed one is not resent"
    );
    // Cancelled: not active any more.
    assert!(oh::cancel(&db, G, id).await.unwrap());
    assert!(!oh::cancel(&db, G, id).await.unwrap());
    assert!(oh::all_active(&db).await.unwrap().is_empty());
}

async fn certification_and_announcements_once(db: Db) {
    let qs = vec!["m01-001".to_string(), "m02-001".to_string()];
    let deadline = t0() + Duration::minutes(30);
    let e = cert::start_exam(&db, G, U, "foundation", &qs, t0(), deadline)
        .await
        .unwrap()
        .expect("started");
    assert_eq!(
        cert::start_exam(&db, G, U, "foundation", &qs, t0(), deadline)
            .await
            .unwrap(),
        None,
        "one open exam per member"
    );
    let open = cert::open_exam(&db, G, U).await.unwrap().unwrap();
    assert_eq!(
        (open.id, open.deadline, open.open, open.questions.clone()),
        (e, deadline, true, qs.clone())
    );
    assert!(exam_answer(&db, e, 0, "m01-001", "c:0", true)
        .await
        .unwrap());
    assert!(!exam_answer(&db, e, 0, "m01-001", "c:1", false)
        .await
        .unwrap());
    assert!(exam_answer(&db, e, 1, "m02-001", "c:1", false)
        .await
        .unwrap());
    assert_eq!(
        cert::answers(&db, e).await.unwrap(),
        vec![(0, true), (1, false)]
    );
    assert!(cert::overdue_exams(&db, t0()).await.unwrap().is_empty());
    assert_eq!(cert::overdue_exams(&db, deadline).await.unwrap().len(), 1);
    assert!(cert::grade(&db, e, 1, 50.0, false, deadline).await.unwrap());
    assert!(
        !cert::grade(&db, e, 2, 100.0, true, deadline).await.unwrap(),
        "graded once"
    );
    let g = cert::get_exam(&db, e).await.unwrap().unwrap();
    assert_eq!(
        (g.open, g.correct, g.percent, g.passed, g.graded_at),
        (false, Some(1), Some(50.0), Some(false), Some(deadline))
    );
    assert_eq!(
        cert::last_graded(&db, G, U, "foundation")
            .await
            .unwrap()
            .unwrap()
            .id,
        e
    );
    assert_eq!(cert::latest_exam(&db, G, U).await.unwrap().unwrap().id, e);
    let e2 = cert::start_exam(
        &db,
        G,
        U,
        "foundation",
        &qs,
        deadline,
        deadline + Duration::minutes(30),
    )
    .await
    .unwrap()
    .unwrap();
    assert!(cert::grade(&db, e2, 2, 100.0, true, deadline)
        .await
        .unwrap());
    assert_eq!(
        cert::best_exams(&db, G, U).await.unwrap(),
        vec![("foundation".to_string(), 100.0, true)]
    );
    // Capstones: one pending per certificate.
    let cap = cert::submit_capstone(&db, G, U, "advanced", "advanced", "https://x", t0())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        cert::submit_capstone(&db, G, U, "advanced", "advanced", "https://y", t0())
            .await
            .unwrap(),
        None
    );
    assert_eq!(
        cert::pending_capstones(&db, G).await.unwrap()[0].submitted_at,
        t0()
    );
    assert_eq!(
        cert::capstone_states(&db, G, U).await.unwrap(),
        vec![("advanced".to_string(), "pending".to_string())]
    );
    assert!(
        cert::review_capstone(&db, cap, true, U2, Some("good"), t0())
            .await
            .unwrap()
    );
    assert!(!cert::review_capstone(&db, cap, false, U2, None, t0())
        .await
        .unwrap());
    let c = cert::get_capstone(&db, G, cap).await.unwrap().unwrap();
    assert_eq!(
        (c.status.as_str(), c.feedback.as_deref()),
        ("approved", Some("good"))
    );
    // Certificates: awarded once, announced once.
    let id = cert::award(
        &db,
        G,
        U,
        "foundation",
        Some("Distinction"),
        Some(100.0),
        t0(),
    )
    .await
    .unwrap()
    .expect("awarded");
    assert_eq!(
        cert::award(&db, G, U, "foundation", None, None, t0())
            .await
            .unwrap(),
        None,
        "never twice"
    );
    assert_eq!(cert::unannounced(&db).await.unwrap().len(), 1);
    cert::mark_announced(&db, id).await.unwrap();
    assert!(cert::unannounced(&db).await.unwrap().is_empty());
    let held = cert::held(&db, G, U).await.unwrap();
    assert_eq!(
        (
            held[0].user_id,
            held[0].awarded_at.as_str(),
            held[0].grade_label.as_deref()
        ),
        (U, "2026-03-20T09:00:00.123Z", Some("Distinction"))
    );
    assert_eq!(
        cert::holders(&db, G, Some("foundation"))
            .await
            .unwrap()
            .len(),
        1
    );
    assert!(cert::holders(&db, G, Some("advanced"))
        .await
        .unwrap()
        .is_empty());
    let rows = cert::export_rows(&db, Some(G)).await.unwrap();
    let kinds: Vec<(&str, &str)> = rows.iter().map(|r| (r.2.as_str(), r.4.as_str())).collect();
    assert!(
        kinds.contains(&("exam", "100.0 pass")) && kinds.contains(&("exam", "50.0 fail")),
        "{kinds:?}"
    );
    assert!(
        kinds.contains(&("capstone", "approved"))
            && kinds.contains(&("certificate", "Distinction")),
        "{kinds:?}"
    );
    // Revoking removes the role through a job row committed with the revocation.
    settings::set_cert_role(&db, G, "foundation", RoleId(5))
        .await
        .unwrap();
    assert!(cert::revoke(&db, G, U, "foundation", "cheating", t0())
        .await
        .unwrap());
    assert!(!cert::revoke(&db, G, U, "foundation", "again", t0())
        .await
        .unwrap());
    let j = rows::get(&db, "role_remove", &format!("revoke:{id}"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(j.payload["role"], 5);
    assert_eq!(j.payload["user"], U.get());
    assert!(
        cert::certificate_by_id(&db, id)
            .await
            .unwrap()
            .unwrap()
            .revoked
    );
    assert!(cert::held(&db, G, U).await.unwrap().is_empty());
}

async fn jobs_claims_and_leases(db: Db) {
    let now = t0();
    let lease = Duration::seconds(60);
    assert!(
        rows::enqueue(&db, "quiz_post", "1", &serde_json::json!({"a": 1}), now)
            .await
            .unwrap()
    );
    assert!(
        !rows::enqueue(&db, "quiz_post", "1", &serde_json::Value::Null, now)
            .await
            .unwrap(),
        "enqueued once"
    );
    assert!(rows::enqueue(
        &db,
        "quiz_post",
        "2",
        &serde_json::Value::Null,
        now + Duration::seconds(5)
    )
    .await
    .unwrap());
    // Only what is due, oldest first; claimed by A, so B gets nothing.
    let a = rows::claim(&db, "A", now, now + lease, 10).await.unwrap();
    assert_eq!(
        a.iter().map(|j| j.key.as_str()).collect::<Vec<_>>(),
        vec!["1"]
    );
    assert_eq!(
        (a[0].owner.as_deref(), a[0].lease_until),
        (Some("A"), Some(now + lease))
    );
    assert_eq!(a[0].payload["a"], 1);
    assert!(rows::claim(&db, "B", now, now + lease, 10)
        .await
        .unwrap()
        .is_empty());
    // Only the owner records an outcome or extends the lease.
    assert!(!rows::done(&db, a[0].id, "B", now).await.unwrap());
    assert!(!rows::extend(&db, a[0].id, "B", now + lease * 2)
        .await
        .unwrap());
    assert!(rows::extend(&db, a[0].id, "A", now + lease * 2)
        .await
        .unwrap());
    // A dies: after its lease expires, B takes the job over; A's late outcome is a no-op.
    let before = now + lease * 2;
    let b2 = rows::claim(&db, "B", before, before + lease * 2, 10)
        .await
        .unwrap();
    assert_eq!(
        b2.iter().map(|j| j.key.as_str()).collect::<Vec<_>>(),
        vec!["2"],
        "job 1 is still A's until its lease ends"
    );
    let after = before + Duration::milliseconds(1);
    let b = rows::claim(&db, "B", after, after + lease, 10)
        .await
        .unwrap();
    assert_eq!(
        b.iter().map(|j| j.key.as_str()).collect::<Vec<_>>(),
        vec!["1"]
    );
    assert!(
        !rows::done(&db, a[0].id, "A", after).await.unwrap(),
        "the stale owner cannot complete"
    );
    assert!(rows::done(&db, b[0].id, "B", after).await.unwrap());
    let j = rows::get(&db, "quiz_post", "1").await.unwrap().unwrap();
    assert_eq!((j.state.as_str(), j.owner), ("done", None));
    // Retry, recurring, parked, revived.
    assert!(rows::retry(
        &db,
        b2[0].id,
        "B",
        1,
        after + Duration::seconds(30),
        "500",
        after
    )
    .await
    .unwrap());
    assert!(
        rows::claim(&db, "B", after, after + lease, 10)
            .await
            .unwrap()
            .is_empty(),
        "backing off"
    );
    let c = rows::claim(&db, "C", after + Duration::seconds(30), after + lease, 10)
        .await
        .unwrap();
    assert_eq!(
        (c.len(), c[0].attempts, c[0].last_error.as_deref()),
        (1, 1, Some("500"))
    );
    assert!(
        rows::again(&db, c[0].id, "C", after + Duration::hours(1), after)
            .await
            .unwrap()
    );
    let c = rows::claim(
        &db,
        "C",
        after + Duration::hours(1),
        after + Duration::hours(2),
        10,
    )
    .await
    .unwrap();
    assert!(rows::park(&db, c[0].id, "C", 6, "gone", after)
        .await
        .unwrap());
    assert!(rows::claim(
        &db,
        "C",
        after + Duration::days(9),
        after + Duration::days(10),
        10
    )
    .await
    .unwrap()
    .is_empty());
    assert!(rows::revive(&db, "quiz_post", "2", after).await.unwrap());
    assert!(!rows::revive(&db, "quiz_post", "2", after).await.unwrap());
    assert_eq!(rows::due(&db, after, 10).await.unwrap().len(), 1);
    assert_eq!(rows::of_kind(&db, "quiz_post").await.unwrap().len(), 2);
    // The tick counter.
    let t = rows::ticks(&db).await.unwrap();
    rows::count_tick(&db, after).await.unwrap();
    assert_eq!(rows::ticks(&db).await.unwrap(), t + 1);
}

async fn two_owners_racing_claim_each_job_once(db: Db) {
    let now = t0();
    for i in 0..200 {
        rows::enqueue(&db, "race", &i.to_string(), &serde_json::Value::Null, now)
            .await
            .unwrap();
    }
    let claimer = |owner: &'static str| {
        let db = db.clone();
        tokio::spawn(async move {
            let mut mine = Vec::new();
            loop {
                let got = rows::claim(&db, owner, now, now + Duration::seconds(60), 7)
                    .await
                    .unwrap();
                if got.is_empty() {
                    return mine;
                }
                for j in got {
                    assert!(rows::done(&db, j.id, owner, now).await.unwrap());
                    mine.push(j.key);
                }
            }
        })
    };
    let (a, b) = (claimer("A"), claimer("B"));
    let (a, b) = (a.await.unwrap(), b.await.unwrap());
    let all: HashSet<&String> = a.iter().chain(b.iter()).collect();
    assert_eq!(a.len() + b.len(), 200, "no job claimed twice");
    assert_eq!(all.len(), 200, "every job claimed");
}

/// A database made by the migrations as they were before the store learned PostgreSQL (the
/// same files, now under migrations/sqlite/: sqlx checks their checksums) opens, upgrades, and
/// reads back through the typed rows, timestamps in the old text format included.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_existing_sqlite_database_upgrades_cleanly() {
    use sqlx::sqlite::SqliteConnectOptions;
    use std::str::FromStr;
    let dir = tempfile::tempdir().unwrap();
    let old = dir.path().join("migrations-0007");
    std::fs::create_dir(&old).unwrap();
    let all = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("migrations/sqlite");
    for e in std::fs::read_dir(&all).unwrap() {
        let p = e.unwrap().path();
        let name = p.file_name().unwrap().to_string_lossy().to_string();
        if name.as_str() < "0008" {
            std::fs::copy(&p, old.join(&name)).unwrap();
        }
    }
    let url = format!("sqlite://{}", dir.path().join("bot.db").display());
    let pool = sqlx::SqlitePool::connect_with(
        SqliteConnectOptions::from_str(&url)
            .unwrap()
            .create_if_missing(true),
    )
    .await
    .unwrap();
    sqlx::migrate::Migrator::new(old.as_path())
        .await
        .unwrap()
        .run(&pool)
        .await
        .unwrap();
    for sql in [
        "INSERT INTO guild_settings (guild_id, announce_channel_id, updated_at) VALUES (?1, 77, '2026-03-20 09:00:00+00:00')",
        "INSERT INTO quizzes (id, guild_id, channel_id, question_id, module_id, path_id, quiz_date, cycle, posted_at, closes_at, status, message_id, revealed, shuffled)
         VALUES (1, ?1, 77, 'm01-001', 'm01', 'foundation', '2026-03-20', 0, '2026-03-20T09:00:00.000Z', '2026-03-21T09:00:00.000Z', 'open', ?2, 0, 1)",
        "INSERT INTO quiz_answers (quiz_id, user_id, guild_id, answer, correct, answered_at) VALUES (1, ?2, ?1, 'c:0', 1, '2026-03-20T09:00:01.500Z')",
        "INSERT INTO jobs (kind, key, payload, due_at, next_attempt_at, updated_at) VALUES ('quiz_reveal', '1', 'null', '2026-03-20T09:00:00.000Z', '2026-03-20T09:00:00.000Z', '2026-03-20T09:00:00.000Z')",
    ] {
        sqlx::query(sql).bind(G.to_db()).bind(U.to_db()).execute(&pool).await.unwrap();
    }
    pool.close().await;

    let db = Db::connect(&url)
        .await
        .expect("the old database opens and migrates");
    let q = quiz::get_quiz(&db, 1).await.unwrap().unwrap();
    assert_eq!(
        (q.guild, q.message_id, q.posted_at),
        (
            G,
            Some(MessageId(U.get())),
            Utc.with_ymd_and_hms(2026, 3, 20, 9, 0, 0).unwrap()
        )
    );
    assert_eq!(quiz::answers_of(&db, 1).await.unwrap(), vec![(U, true)]);
    assert_eq!(
        settings::get(&db, G).await.unwrap().announce_channel,
        Some(ChannelId(77))
    );
    let j = rows::claim(&db, "me", t0(), t0() + Duration::seconds(60), 10)
        .await
        .unwrap();
    assert_eq!(
        (j.len(), j[0].owner.as_deref()),
        (1, Some("me")),
        "the lease columns were added"
    );
    // New rows keep the old text format, so string order stays time order.
    daily_answer(&db, 1, U2, "c:1", false, t0()).await.unwrap();
    let text: String =
        sqlx::query_scalar("SELECT answered_at FROM quiz_answers WHERE user_id = ?1")
            .bind(U2.to_db())
            .fetch_one(db.as_sqlite().unwrap())
            .await
            .unwrap();
    assert_eq!(text, "2026-03-20T09:00:00.123Z");
}
