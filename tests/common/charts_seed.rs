//! Quiz answers and progress written straight into the database, for the picture tests and
//! the chart benchmark (which includes this file by path): many members over many days in one
//! transaction, deterministic.

use chrono::{DateTime, Duration, NaiveTime, Utc};
use coursebot::content::Course;
use sqlx::SqlitePool;

/// The first seeded member's id; member `i` is `MEMBER_BASE + i`.
pub const MEMBER_BASE: u64 = 5_000_000_000_000_000_000;

fn mix(mut x: u64) -> u64 {
    x ^= x >> 33;
    x = x.wrapping_mul(0xff51_afd7_ed55_8ccd);
    x ^= x >> 33;
    x = x.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    x ^ (x >> 33)
}

/// What was written, to check the pictures against.
#[derive(Debug, Default)]
pub struct Seeded {
    pub answers: i64,
    pub correct: i64,
    /// (date, answers, right) per day, oldest first.
    pub daily: Vec<(chrono::NaiveDate, i64, i64)>,
}

/// `days` days up to the day of `now` of closed daily quizzes (`per_day` each, in channels
/// 100, 101, …) in `guild`, answered by `members` members (about two thirds of them each time;
/// member `i` is right more often the larger `i` is), 10 points per right answer.
pub async fn answers(
    db: &SqlitePool,
    course: &Course,
    guild: u64,
    members: u64,
    days: i64,
    per_day: usize,
    now: DateTime<Utc>,
) -> Seeded {
    let mut out = Seeded::default();
    let mut tx = db.begin().await.unwrap();
    let questions = &course.questions;
    let mut qn = 0usize;
    for d in 0..days {
        let date = (now - Duration::days(days - 1 - d)).date_naive();
        let (mut day_n, mut day_c) = (0, 0);
        for k in 0..per_day {
            let q = &questions[(qn * 37 + 11) % questions.len()];
            qn += 1;
            let path = course
                .paths
                .iter()
                .find(|p| p.module_ids.contains(&q.module))
                .map(|p| p.id.clone())
                .unwrap_or_default();
            let posted = date
                .and_time(NaiveTime::from_hms_opt(8, 0, 0).unwrap())
                .and_utc();
            let closes = posted + Duration::hours(12);
            let ts = |t: DateTime<Utc>| t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string();
            let quiz: i64 = sqlx::query_scalar(
                "INSERT INTO quizzes (guild_id, channel_id, question_id, module_id, path_id,
                     quiz_date, cycle, posted_at, closes_at, message_id, status, revealed, shuffled)
                 VALUES (?, ?, ?, ?, ?, ?, 0, ?, ?, 1, 'closed', 1, 1) RETURNING id",
            )
            .bind(guild as i64)
            .bind(100 + k as i64)
            .bind(&q.id)
            .bind(&q.module)
            .bind(&path)
            .bind(date.format("%Y-%m-%d").to_string())
            .bind(ts(posted))
            .bind(ts(closes))
            .fetch_one(&mut *tx)
            .await
            .unwrap();
            let difficulty = mix(qn as u64) % 60;
            for i in 0..members {
                let h = mix((i << 20) ^ (qn as u64) ^ 0x9e37);
                if h.is_multiple_of(3) {
                    continue;
                }
                let skill = 30 + (i * 60 / members.max(1));
                let correct = (h >> 8) % 100 < skill + 40 - difficulty;
                sqlx::query(
                    "INSERT INTO quiz_answers (quiz_id, user_id, guild_id, answer, correct, answered_at, points)
                     VALUES (?, ?, ?, 'c:0', ?, ?, ?)",
                )
                .bind(quiz)
                .bind((MEMBER_BASE + i) as i64)
                .bind(guild as i64)
                .bind(correct as i64)
                .bind(ts(posted + Duration::minutes(5)))
                .bind(if correct { 10 } else { 0 })
                .execute(&mut *tx)
                .await
                .unwrap();
                day_n += 1;
                day_c += correct as i64;
            }
            sqlx::query(
                "UPDATE quizzes SET answer_count = (SELECT COUNT(*) FROM quiz_answers WHERE quiz_id = ?1),
                     correct_count = (SELECT COUNT(*) FROM quiz_answers WHERE quiz_id = ?1 AND correct = 1)
                 WHERE id = ?1",
            )
            .bind(quiz)
            .execute(&mut *tx)
            .await
            .unwrap();
        }
        out.answers += day_n;
        out.correct += day_c;
        out.daily.push((date, day_n, day_c));
    }
    tx.commit().await.unwrap();
    out
}

/// Member `user` completed the first `complete` modules of `path` with a module quiz (so they
/// count) and practised the next one.
pub async fn progress(
    db: &SqlitePool,
    course: &Course,
    guild: u64,
    user: u64,
    path: &str,
    complete: usize,
    now: DateTime<Utc>,
) {
    let p = course.path(path).unwrap();
    for m in p.module_ids.iter().take(complete) {
        let module = course.module(m).unwrap();
        let n = coursebot::quiz::practice::required_questions(course, module);
        let qs: Vec<String> = course
            .questions_of(m)
            .take(n)
            .map(|q| q.id.clone())
            .collect();
        let s = coursebot::store::practice::create_session(
            db,
            coursebot::ids::GuildId(guild),
            coursebot::ids::UserId(user),
            m,
            "module",
            &qs,
            now,
        )
        .await
        .unwrap();
        sqlx::query("UPDATE practice_sessions SET position = ?, correct = ?, finished_at = started_at WHERE id = ?")
            .bind(qs.len() as i64)
            .bind(qs.len() as i64)
            .bind(s)
            .execute(db)
            .await
            .unwrap();
        coursebot::store::practice::complete_module(
            db,
            coursebot::ids::GuildId(guild),
            coursebot::ids::UserId(user),
            m,
            100,
            "module",
            n,
            now,
        )
        .await
        .unwrap();
    }
    if let Some(m) = p.module_ids.get(complete) {
        let qs: Vec<String> = course
            .questions_of(m)
            .take(2)
            .map(|q| q.id.clone())
            .collect();
        coursebot::store::practice::create_session(
            db,
            coursebot::ids::GuildId(guild),
            coursebot::ids::UserId(user),
            m,
            "practice",
            &qs,
            now,
        )
        .await
        .unwrap();
    }
}
