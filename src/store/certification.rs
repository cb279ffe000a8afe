//! exams, exam_answers, capstones, certificates.

use super::time::{row_ts, row_ts_opt, ts};
use super::{from_db, to_db};
use chrono::{DateTime, Utc};
use sqlx::sqlite::SqliteRow;
use sqlx::{Row, SqlitePool};

#[derive(Debug, Clone, PartialEq)]
pub struct Exam {
    pub id: i64,
    pub guild: u64,
    pub user: u64,
    pub cert_id: String,
    pub questions: Vec<String>,
    pub started_at: DateTime<Utc>,
    pub deadline: DateTime<Utc>,
    pub open: bool,
    pub correct: Option<i64>,
    pub percent: Option<f64>,
    pub passed: Option<bool>,
    pub graded_at: Option<DateTime<Utc>>,
    /// Choices are shuffled (every exam started since migration 0005).
    pub shuffled: bool,
}

macro_rules! exam_cols {
    () => {
        "id, guild_id, user_id, cert_id, questions, started_at, deadline, status, correct, percent, passed, graded_at, shuffled"
    };
}

fn exam(r: &SqliteRow) -> sqlx::Result<Exam> {
    Ok(Exam {
        id: r.get(0),
        guild: from_db(r.get(1)),
        user: from_db(r.get(2)),
        cert_id: r.get(3),
        questions: r
            .get::<String, _>(4)
            .split(',')
            .filter(|s| !s.is_empty())
            .map(String::from)
            .collect(),
        started_at: row_ts(r, "exams", 5)?,
        deadline: row_ts(r, "exams", 6)?,
        open: r.get::<String, _>(7) == "open",
        correct: r.get(8),
        percent: r.get(9),
        passed: r.get::<Option<i64>, _>(10).map(|p| p != 0),
        graded_at: row_ts_opt(r, "exams", 11)?,
        shuffled: r.get::<i64, _>(12) != 0,
    })
}

/// Start an exam; `None` when the member already has one in progress.
pub async fn start_exam(
    pool: &SqlitePool,
    guild: u64,
    user: u64,
    cert: &str,
    questions: &[String],
    now: DateTime<Utc>,
    deadline: DateTime<Utc>,
) -> sqlx::Result<Option<i64>> {
    let r = sqlx::query(
        "INSERT INTO exams (guild_id, user_id, cert_id, questions, started_at, deadline, status, shuffled)
         VALUES (?, ?, ?, ?, ?, ?, 'open', 1) ON CONFLICT DO NOTHING RETURNING id",
    )
    .bind(to_db(guild))
    .bind(to_db(user))
    .bind(cert)
    .bind(questions.join(","))
    .bind(ts(now))
    .bind(ts(deadline))
    .fetch_optional(pool)
    .await?;
    Ok(r.map(|r| r.get(0)))
}

pub async fn get_exam(pool: &SqlitePool, id: i64) -> sqlx::Result<Option<Exam>> {
    let r = sqlx::query(concat!("SELECT ", exam_cols!(), " FROM exams WHERE id = ?"))
        .bind(id)
        .fetch_optional(pool)
        .await?;
    r.as_ref().map(exam).transpose()
}

pub async fn open_exam(pool: &SqlitePool, guild: u64, user: u64) -> sqlx::Result<Option<Exam>> {
    let r = sqlx::query(concat!(
        "SELECT ",
        exam_cols!(),
        " FROM exams WHERE guild_id = ? AND user_id = ? AND status = 'open'"
    ))
    .bind(to_db(guild))
    .bind(to_db(user))
    .fetch_optional(pool)
    .await?;
    r.as_ref().map(exam).transpose()
}

/// The member's most recent exam in a guild (open or graded); `None` when they never took one.
pub async fn latest_exam(pool: &SqlitePool, guild: u64, user: u64) -> sqlx::Result<Option<Exam>> {
    let r = sqlx::query(concat!(
        "SELECT ",
        exam_cols!(),
        " FROM exams WHERE guild_id = ? AND user_id = ? ORDER BY started_at DESC, id DESC LIMIT 1"
    ))
    .bind(to_db(guild))
    .bind(to_db(user))
    .fetch_optional(pool)
    .await?;
    r.as_ref().map(exam).transpose()
}

pub async fn overdue_exams(pool: &SqlitePool, now: DateTime<Utc>) -> sqlx::Result<Vec<Exam>> {
    let rows = sqlx::query(concat!(
        "SELECT ",
        exam_cols!(),
        " FROM exams WHERE status = 'open' AND deadline <= ?"
    ))
    .bind(ts(now))
    .fetch_all(pool)
    .await?;
    rows.iter().map(exam).collect()
}

/// The member's latest graded exam for a certificate (for the retake cooldown).
pub async fn last_graded(
    pool: &SqlitePool,
    guild: u64,
    user: u64,
    cert: &str,
) -> sqlx::Result<Option<Exam>> {
    let r = sqlx::query(concat!("SELECT ", exam_cols!(), " FROM exams WHERE guild_id = ? AND user_id = ? AND cert_id = ? AND status = 'graded' ORDER BY graded_at DESC LIMIT 1"))
        .bind(to_db(guild))
        .bind(to_db(user))
        .bind(cert)
        .fetch_optional(pool)
        .await?;
    r.as_ref().map(exam).transpose()
}

/// Record an answer at `position`; false when that position was already answered.
pub async fn answer(
    pool: &SqlitePool,
    exam: i64,
    position: usize,
    question: &str,
    answer: &str,
    correct: bool,
    now: DateTime<Utc>,
) -> sqlx::Result<bool> {
    let r = sqlx::query(
        "INSERT INTO exam_answers (exam_id, position, question_id, answer, correct, answered_at)
         VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(exam_id, position) DO NOTHING",
    )
    .bind(exam)
    .bind(position as i64)
    .bind(question)
    .bind(answer)
    .bind(correct as i64)
    .bind(ts(now))
    .execute(pool)
    .await?;
    Ok(r.rows_affected() == 1)
}

/// (position, correct) of every answer given.
pub async fn answers(pool: &SqlitePool, exam: i64) -> sqlx::Result<Vec<(usize, bool)>> {
    let rows = sqlx::query(
        "SELECT position, correct FROM exam_answers WHERE exam_id = ? ORDER BY position",
    )
    .bind(exam)
    .fetch_all(pool)
    .await?;
    Ok(rows
        .iter()
        .map(|r| (r.get::<i64, _>(0) as usize, r.get::<i64, _>(1) != 0))
        .collect())
}

/// Grade an open exam; false when it was already graded.
pub async fn grade(
    pool: &SqlitePool,
    exam: i64,
    correct: i64,
    percent: f64,
    passed: bool,
    now: DateTime<Utc>,
) -> sqlx::Result<bool> {
    let r = sqlx::query("UPDATE exams SET status = 'graded', correct = ?, percent = ?, passed = ?, graded_at = ? WHERE id = ? AND status = 'open'")
        .bind(correct)
        .bind(percent)
        .bind(passed as i64)
        .bind(ts(now))
        .bind(exam)
        .execute(pool)
        .await?;
    Ok(r.rows_affected() == 1)
}

/// Best exam percent per certificate and whether any attempt passed.
pub async fn best_exams(
    pool: &SqlitePool,
    guild: u64,
    user: u64,
) -> sqlx::Result<Vec<(String, f64, bool)>> {
    let rows = sqlx::query("SELECT cert_id, MAX(percent), MAX(passed) FROM exams WHERE guild_id = ? AND user_id = ? AND status = 'graded' GROUP BY cert_id")
        .bind(to_db(guild))
        .bind(to_db(user))
        .fetch_all(pool)
        .await?;
    Ok(rows
        .iter()
        .map(|r| {
            (
                r.get(0),
                r.get::<Option<f64>, _>(1).unwrap_or(0.0),
                r.get::<Option<i64>, _>(2).unwrap_or(0) != 0,
            )
        })
        .collect())
}

#[derive(Debug, Clone, PartialEq)]
pub struct Capstone {
    pub id: i64,
    pub guild: u64,
    pub user: u64,
    pub cert_id: String,
    pub path_id: String,
    pub link: String,
    pub status: String,
    pub submitted_at: DateTime<Utc>,
    pub feedback: Option<String>,
}

macro_rules! cap_cols {
    () => {
        "id, guild_id, user_id, cert_id, path_id, link, status, submitted_at, feedback"
    };
}

fn capstone(r: &SqliteRow) -> sqlx::Result<Capstone> {
    Ok(Capstone {
        id: r.get(0),
        guild: from_db(r.get(1)),
        user: from_db(r.get(2)),
        cert_id: r.get(3),
        path_id: r.get(4),
        link: r.get(5),
        status: r.get(6),
        submitted_at: row_ts(r, "capstones", 7)?,
        feedback: r.get(8),
    })
}

/// Submit a capstone; `None` when one is already awaiting review for that certificate.
pub async fn submit_capstone(
    pool: &SqlitePool,
    guild: u64,
    user: u64,
    cert: &str,
    path: &str,
    link: &str,
    now: DateTime<Utc>,
) -> sqlx::Result<Option<i64>> {
    let r = sqlx::query(
        "INSERT INTO capstones (guild_id, user_id, cert_id, path_id, link, status, submitted_at)
         VALUES (?, ?, ?, ?, ?, 'pending', ?) ON CONFLICT DO NOTHING RETURNING id",
    )
    .bind(to_db(guild))
    .bind(to_db(user))
    .bind(cert)
    .bind(path)
    .bind(link)
    .bind(ts(now))
    .fetch_optional(pool)
    .await?;
    Ok(r.map(|r| r.get(0)))
}

pub async fn pending_capstones(pool: &SqlitePool, guild: u64) -> sqlx::Result<Vec<Capstone>> {
    let rows = sqlx::query(concat!(
        "SELECT ",
        cap_cols!(),
        " FROM capstones WHERE guild_id = ? AND status = 'pending' ORDER BY submitted_at"
    ))
    .bind(to_db(guild))
    .fetch_all(pool)
    .await?;
    rows.iter().map(capstone).collect()
}

pub async fn get_capstone(
    pool: &SqlitePool,
    guild: u64,
    id: i64,
) -> sqlx::Result<Option<Capstone>> {
    let r = sqlx::query(concat!(
        "SELECT ",
        cap_cols!(),
        " FROM capstones WHERE guild_id = ? AND id = ?"
    ))
    .bind(to_db(guild))
    .bind(id)
    .fetch_optional(pool)
    .await?;
    r.as_ref().map(capstone).transpose()
}

/// Approve or reject a pending capstone; false when it was not pending.
pub async fn review_capstone(
    pool: &SqlitePool,
    id: i64,
    approve: bool,
    by: u64,
    feedback: Option<&str>,
    now: DateTime<Utc>,
) -> sqlx::Result<bool> {
    let r = sqlx::query("UPDATE capstones SET status = ?, reviewed_by = ?, reviewed_at = ?, feedback = ? WHERE id = ? AND status = 'pending'")
        .bind(if approve { "approved" } else { "rejected" })
        .bind(to_db(by))
        .bind(ts(now))
        .bind(feedback)
        .bind(id)
        .execute(pool)
        .await?;
    Ok(r.rows_affected() == 1)
}

/// Latest capstone status per certificate ("approved" wins over later submissions).
pub async fn capstone_states(
    pool: &SqlitePool,
    guild: u64,
    user: u64,
) -> sqlx::Result<Vec<(String, String)>> {
    let rows = sqlx::query(
        "SELECT cert_id, CASE WHEN SUM(status = 'approved') > 0 THEN 'approved'
                              WHEN SUM(status = 'pending') > 0 THEN 'pending' ELSE 'rejected' END
         FROM capstones WHERE guild_id = ? AND user_id = ? GROUP BY cert_id",
    )
    .bind(to_db(guild))
    .bind(to_db(user))
    .fetch_all(pool)
    .await?;
    Ok(rows.iter().map(|r| (r.get(0), r.get(1))).collect())
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Certificate {
    pub id: i64,
    pub guild_id: u64,
    pub user_id: u64,
    pub cert_id: String,
    pub grade_label: Option<String>,
    pub percent: Option<f64>,
    pub awarded_at: String,
    pub revoked: bool,
}

macro_rules! cert_cols {
    () => {
        "id, guild_id, user_id, cert_id, grade_label, percent, awarded_at, revoked_at"
    };
}

fn certificate(r: &SqliteRow) -> Certificate {
    Certificate {
        id: r.get(0),
        guild_id: from_db(r.get(1)),
        user_id: from_db(r.get(2)),
        cert_id: r.get(3),
        grade_label: r.get(4),
        percent: r.get(5),
        awarded_at: r.get(6),
        revoked: r.get::<Option<String>, _>(7).is_some(),
    }
}

/// Award a certificate; `Some(id)` the first time only (the UNIQUE constraint makes a second
/// award, even from two racing events, impossible).
pub async fn award(
    pool: &SqlitePool,
    guild: u64,
    user: u64,
    cert: &str,
    grade_label: Option<&str>,
    percent: Option<f64>,
    now: DateTime<Utc>,
) -> sqlx::Result<Option<i64>> {
    let r = sqlx::query(
        "INSERT INTO certificates (guild_id, user_id, cert_id, grade_label, percent, awarded_at)
         VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(guild_id, user_id, cert_id) DO NOTHING RETURNING id",
    )
    .bind(to_db(guild))
    .bind(to_db(user))
    .bind(cert)
    .bind(grade_label)
    .bind(percent)
    .bind(ts(now))
    .fetch_optional(pool)
    .await?;
    Ok(r.map(|r| r.get(0)))
}

pub async fn held(pool: &SqlitePool, guild: u64, user: u64) -> sqlx::Result<Vec<Certificate>> {
    let rows = sqlx::query(concat!("SELECT ", cert_cols!(), " FROM certificates WHERE guild_id = ? AND user_id = ? AND revoked_at IS NULL ORDER BY awarded_at"))
        .bind(to_db(guild))
        .bind(to_db(user))
        .fetch_all(pool)
        .await?;
    Ok(rows.iter().map(certificate).collect())
}

/// Holders of a certificate (or of all), newest first.
pub async fn holders(
    pool: &SqlitePool,
    guild: u64,
    cert: Option<&str>,
) -> sqlx::Result<Vec<Certificate>> {
    let rows = sqlx::query(concat!("SELECT ", cert_cols!(), " FROM certificates WHERE guild_id = ? AND revoked_at IS NULL AND (? IS NULL OR cert_id = ?) ORDER BY awarded_at DESC, id DESC"))
        .bind(to_db(guild))
        .bind(cert)
        .bind(cert)
        .fetch_all(pool)
        .await?;
    Ok(rows.iter().map(certificate).collect())
}

pub async fn unannounced(pool: &SqlitePool) -> sqlx::Result<Vec<Certificate>> {
    let rows = sqlx::query(concat!(
        "SELECT ",
        cert_cols!(),
        " FROM certificates WHERE announced = 0 AND revoked_at IS NULL ORDER BY id"
    ))
    .fetch_all(pool)
    .await?;
    Ok(rows.iter().map(certificate).collect())
}

/// One certificate by its row id (revoked ones too).
pub async fn certificate_by_id(pool: &SqlitePool, id: i64) -> sqlx::Result<Option<Certificate>> {
    let r = sqlx::query(concat!(
        "SELECT ",
        cert_cols!(),
        " FROM certificates WHERE id = ?"
    ))
    .bind(id)
    .fetch_optional(pool)
    .await?;
    Ok(r.as_ref().map(certificate))
}

pub async fn mark_announced(pool: &SqlitePool, id: i64) -> sqlx::Result<()> {
    sqlx::query("UPDATE certificates SET announced = 1 WHERE id = ?")
        .bind(id)
        .execute(pool)
        .await?;
    Ok(())
}

pub async fn revoke(
    pool: &SqlitePool,
    guild: u64,
    user: u64,
    cert: &str,
    reason: &str,
    now: DateTime<Utc>,
) -> sqlx::Result<bool> {
    let mut tx = pool.begin().await?;
    let r = sqlx::query("UPDATE certificates SET revoked_at = ?, revoke_reason = ? WHERE guild_id = ? AND user_id = ? AND cert_id = ? AND revoked_at IS NULL RETURNING id")
        .bind(ts(now))
        .bind(reason)
        .bind(to_db(guild))
        .bind(to_db(user))
        .bind(cert)
        .fetch_optional(&mut *tx)
        .await?;
    let Some(r) = r else {
        return Ok(false);
    };
    let id: i64 = r.get(0);
    // The certificate's role goes too: a job row (src/jobs/certification.rs), retried on
    // transient errors, committed with the revocation.
    let role =
        sqlx::query("SELECT role_id FROM cert_roles WHERE guild_id = ? AND certification = ?")
            .bind(to_db(guild))
            .bind(cert)
            .fetch_optional(&mut *tx)
            .await?;
    if let Some(role) = role {
        let payload = serde_json::json!({
            "guild": guild, "user": user, "role": from_db(role.get(0)), "cert": id,
            "reason": "certificate revoked",
        });
        crate::jobs::rows::enqueue(
            &mut *tx,
            "role_remove",
            &format!("revoke:{id}"),
            &payload,
            now,
        )
        .await?;
    }
    tx.commit().await?;
    Ok(true)
}

/// Guild options for certification: (exam cooldown minutes, remove the previous level's role).
pub async fn guild_options(pool: &SqlitePool, guild: u64) -> sqlx::Result<(Option<i64>, bool)> {
    let r = sqlx::query(
        "SELECT exam_cooldown_minutes, remove_previous_role FROM guild_settings WHERE guild_id = ?",
    )
    .bind(to_db(guild))
    .fetch_optional(pool)
    .await?;
    Ok(
        r.map(|r| (r.get::<Option<i64>, _>(0), r.get::<i64, _>(1) != 0))
            .unwrap_or((None, false)),
    )
}

/// Every member's progress rows for export: (guild, user, kind, id, detail, at).
pub async fn export_rows(
    pool: &SqlitePool,
    guild: Option<u64>,
) -> sqlx::Result<Vec<(u64, u64, String, String, String, String)>> {
    let rows = sqlx::query(
        "SELECT guild_id, user_id, 'module', module_id, CAST(score AS TEXT), completed_at FROM module_completions WHERE (?1 IS NULL OR guild_id = ?1)
         UNION ALL SELECT guild_id, user_id, 'exam', cert_id, printf('%.1f', percent) || CASE WHEN passed THEN ' pass' ELSE ' fail' END, graded_at FROM exams WHERE status = 'graded' AND (?1 IS NULL OR guild_id = ?1)
         UNION ALL SELECT guild_id, user_id, 'capstone', cert_id, status, submitted_at FROM capstones WHERE (?1 IS NULL OR guild_id = ?1)
         UNION ALL SELECT guild_id, user_id, 'certificate', cert_id, COALESCE(grade_label, ''), awarded_at FROM certificates WHERE revoked_at IS NULL AND (?1 IS NULL OR guild_id = ?1)
         ORDER BY 1, 2, 6",
    )
    .bind(guild.map(to_db))
    .fetch_all(pool)
    .await?;
    Ok(rows
        .iter()
        .map(|r| {
            (
                from_db(r.get(0)),
                from_db(r.get(1)),
                r.get(2),
                r.get(3),
                r.get(4),
                r.get(5),
            )
        })
        .collect())
}
