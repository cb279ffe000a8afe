//! Upgrading a database from before migration 0005: module completions are kept and marked
//! `legacy` (not deleted), and quizzes, practice sessions and exams that were open keep the file
//! order they were shown in (`shuffled = 0`), while new ones are shuffled.

use coursebot::ids::{GuildId, UserId};
use coursebot::store::{certification, practice, quiz};
use sqlx::sqlite::SqliteConnectOptions;
use sqlx::SqlitePool;
use std::path::PathBuf;
use std::str::FromStr;

const GUILD: i64 = 2_000_000_000_000_000_001;
const USER: i64 = 4_000_000_000_000_000_007;

#[tokio::test]
async fn rows_from_before_0005_are_kept_and_keep_their_order() {
    let dir = tempfile::tempdir().unwrap();
    // The migrations as they were before 0005.
    let old = dir.path().join("migrations-0004");
    std::fs::create_dir(&old).unwrap();
    let all = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("migrations/sqlite");
    for e in std::fs::read_dir(&all).unwrap() {
        let p = e.unwrap().path();
        let name = p.file_name().unwrap().to_string_lossy().to_string();
        if name.as_str() < "0005" {
            std::fs::copy(&p, old.join(&name)).unwrap();
        }
    }
    let url = format!("sqlite://{}", dir.path().join("bot.db").display());
    let pool = SqlitePool::connect_with(
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
        // A one-question practice that "completed" m01 under the old rule.
        "INSERT INTO practice_sessions (id, guild_id, user_id, module_id, questions, position, correct, started_at, finished_at)
         VALUES (1, ?1, ?2, 'm01', 'm01-001', 1, 1, '2026-05-01T00:00:00Z', '2026-05-01T00:01:00Z')",
        "INSERT INTO module_completions (guild_id, user_id, module_id, score, completed_at)
         VALUES (?1, ?2, 'm01', 100, '2026-05-01T00:01:00Z')",
        // An open daily quiz and an open exam at upgrade time.
        "INSERT INTO quiz_schedules (id, guild_id, channel_id, local_time, timezone, pool_label, modules, next_run_at, seed, created_by, created_at)
         VALUES (1, ?1, 77, '10:00', 'UTC', 'm01', 'm01', '2026-05-02T10:00:00Z', 1, ?2, '2026-05-01T00:00:00Z')",
        "INSERT INTO quizzes (id, schedule_id, guild_id, channel_id, question_id, module_id, path_id, quiz_date, cycle, posted_at, closes_at, status)
         VALUES (1, 1, ?1, 77, 'm01-001', 'm01', 'foundation', '2026-05-01', 0, '2026-05-01T10:00:00Z', '2026-05-02T10:00:00Z', 'open')",
        "INSERT INTO exams (id, guild_id, user_id, cert_id, questions, started_at, deadline, status)
         VALUES (1, ?1, ?2, 'foundation', 'm01-001,m01-002', '2026-05-01T10:00:00Z', '2026-05-01T12:00:00Z', 'open')",
    ] {
        sqlx::query(sql)
            .bind(GUILD)
            .bind(USER)
            .execute(&pool)
            .await
            .unwrap();
    }
    pool.close().await;

    // The bot starts on the new version: migrations 0005+ run.
    let pool = coursebot::store::connect(&url).await.unwrap();
    let c = practice::completions(&pool, GuildId(GUILD as u64), UserId(USER as u64))
        .await
        .unwrap();
    assert_eq!(c.len(), 1, "the completion is kept");
    assert_eq!(c[0].basis, "legacy");
    assert_eq!(c[0].questions, 0);
    // Judged by the sessions it rests on: the largest passed practice of m01 had 1 question.
    assert_eq!(
        practice::largest_passed_practice(
            &pool,
            GuildId(GUILD as u64),
            UserId(USER as u64),
            "m01",
            70
        )
        .await
        .unwrap(),
        Some(1)
    );
    let s = practice::get_session(&pool, 1).await.unwrap().unwrap();
    assert_eq!(s.kind, "practice");
    assert!(!s.shuffled, "an old session keeps its order");
    assert!(!quiz::get_quiz(&pool, 1).await.unwrap().unwrap().shuffled);
    assert!(
        !certification::get_exam(&pool, 1)
            .await
            .unwrap()
            .unwrap()
            .shuffled
    );
    // New rows are shuffled and record their basis.
    let id = practice::create_session(
        &pool,
        GuildId(GUILD as u64),
        UserId(USER as u64),
        "m01",
        "module",
        &["m01-001".to_string()],
        chrono::Utc::now(),
    )
    .await
    .unwrap();
    let s = practice::get_session(&pool, id).await.unwrap().unwrap();
    assert!(s.shuffled && s.kind == "module");
    assert!(practice::complete_module(
        &pool,
        GuildId(GUILD as u64),
        UserId(USER as u64),
        "m02",
        90,
        "module",
        3,
        chrono::Utc::now()
    )
    .await
    .unwrap());
    // A legacy row completed again properly takes the new basis.
    practice::complete_module(
        &pool,
        GuildId(GUILD as u64),
        UserId(USER as u64),
        "m01",
        80,
        "practice",
        3,
        chrono::Utc::now(),
    )
    .await
    .unwrap();
    let c = practice::completions(&pool, GuildId(GUILD as u64), UserId(USER as u64))
        .await
        .unwrap();
    assert_eq!(
        c.iter()
            .map(|c| (c.module_id.as_str(), c.basis.as_str(), c.questions, c.score))
            .collect::<Vec<_>>(),
        vec![("m01", "practice", 3, 100), ("m02", "module", 3, 90)]
    );
}
