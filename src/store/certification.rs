//! exams, exam_answers, capstones, certificates.

use super::time::{locate, ts, Ts};
use super::{on_db, Db, Exec};
use crate::ids::{GuildId, RoleId, UserId};
use chrono::{DateTime, Utc};

#[derive(Debug, Clone, PartialEq)]
pub struct Exam {
    pub id: i64,
    pub guild: GuildId,
    pub user: UserId,
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

#[derive(sqlx::FromRow)]
struct ExamRow {
    id: i64,
    guild_id: GuildId,
    user_id: UserId,
    cert_id: String,
    questions: String,
    started_at: Ts,
    deadline: Ts,
    status: String,
    correct: Option<i64>,
    percent: Option<f64>,
    passed: Option<bool>,
    graded_at: Option<Ts>,
    shuffled: bool,
}

impl From<ExamRow> for Exam {
    fn from(r: ExamRow) -> Self {
        Exam {
            id: r.id,
            guild: r.guild_id,
            user: r.user_id,
            cert_id: r.cert_id,
            questions: r
                .questions
                .split(',')
                .filter(|s| !s.is_empty())
                .map(String::from)
                .collect(),
            started_at: r.started_at.0,
            deadline: r.deadline.0,
            open: r.status == "open",
            correct: r.correct,
            percent: r.percent,
            passed: r.passed,
            graded_at: r.graded_at.map(|t| t.0),
            shuffled: r.shuffled,
        }
    }
}

/// Start an exam; `None` when the member already has one in progress.
pub async fn start_exam(
    ex: impl Into<Exec<'_>>,
    guild: GuildId,
    user: UserId,
    cert: &str,
    questions: &[String],
    now: DateTime<Utc>,
    deadline: DateTime<Utc>,
) -> sqlx::Result<Option<i64>> {
    on_db!(ex, |c| {
        sqlx::query_scalar(
            "INSERT INTO exams (guild_id, user_id, cert_id, questions, started_at, deadline, status, shuffled)
             VALUES ($1, $2, $3, $4, $5, $6, 'open', TRUE) ON CONFLICT DO NOTHING RETURNING id",
        )
        .bind(guild)
        .bind(user)
        .bind(cert)
        .bind(questions.join(","))
        .bind(Ts::at(now))
        .bind(Ts::at(deadline))
        .fetch_optional(&mut *c)
        .await
    })
}

async fn one_exam(ex: Exec<'_>, q: &'static str, binds: ExamKey<'_>) -> sqlx::Result<Option<Exam>> {
    let r: Option<ExamRow> = on_db!(ex, |c| {
        let mut query = sqlx::query_as(q);
        match binds {
            ExamKey::Id(id) => query = query.bind(id),
            ExamKey::Member(g, u) => query = query.bind(g).bind(u),
            ExamKey::Cert(g, u, cert) => query = query.bind(g).bind(u).bind(cert),
        }
        query
            .fetch_optional(&mut *c)
            .await
            .map_err(|e| locate(e, "exams", binds.id()))?
    });
    Ok(r.map(Exam::from))
}

#[derive(Clone, Copy)]
enum ExamKey<'a> {
    Id(i64),
    Member(GuildId, UserId),
    Cert(GuildId, UserId, &'a str),
}

impl ExamKey<'_> {
    fn id(self) -> Option<i64> {
        match self {
            ExamKey::Id(id) => Some(id),
            _ => None,
        }
    }
}

pub async fn get_exam(ex: impl Into<Exec<'_>>, id: i64) -> sqlx::Result<Option<Exam>> {
    let q = concat!("SELECT ", exam_cols!(), " FROM exams WHERE id = $1");
    one_exam(ex.into(), q, ExamKey::Id(id)).await
}

pub async fn open_exam(
    ex: impl Into<Exec<'_>>,
    guild: GuildId,
    user: UserId,
) -> sqlx::Result<Option<Exam>> {
    let q = concat!(
        "SELECT ",
        exam_cols!(),
        " FROM exams WHERE guild_id = $1 AND user_id = $2 AND status = 'open'"
    );
    one_exam(ex.into(), q, ExamKey::Member(guild, user)).await
}

/// The member's most recent exam in a guild (open or graded); `None` when they never took one.
pub async fn latest_exam(
    ex: impl Into<Exec<'_>>,
    guild: GuildId,
    user: UserId,
) -> sqlx::Result<Option<Exam>> {
    let q = concat!(
        "SELECT ",
        exam_cols!(),
        " FROM exams WHERE guild_id = $1 AND user_id = $2 ORDER BY started_at DESC, id DESC LIMIT 1"
    );
    one_exam(ex.into(), q, ExamKey::Member(guild, user)).await
}

pub async fn overdue_exams(ex: impl Into<Exec<'_>>, now: DateTime<Utc>) -> sqlx::Result<Vec<Exam>> {
    let rows: Vec<ExamRow> = on_db!(ex, |c| {
        sqlx::query_as(concat!(
            "SELECT ",
            exam_cols!(),
            " FROM exams WHERE status = 'open' AND deadline <= $1 ORDER BY id"
        ))
        .bind(Ts::at(now))
        .fetch_all(&mut *c)
        .await
        .map_err(|e| locate(e, "exams", None))?
    });
    Ok(rows.into_iter().map(Exam::from).collect())
}

/// The member's latest graded exam for a certificate (for the retake cooldown).
pub async fn last_graded(
    ex: impl Into<Exec<'_>>,
    guild: GuildId,
    user: UserId,
    cert: &str,
) -> sqlx::Result<Option<Exam>> {
    let q = concat!("SELECT ", exam_cols!(), " FROM exams WHERE guild_id = $1 AND user_id = $2 AND cert_id = $3 AND status = 'graded' ORDER BY graded_at DESC, id DESC LIMIT 1");
    one_exam(ex.into(), q, ExamKey::Cert(guild, user, cert)).await
}

/// (position, correct) of every answer given.
pub async fn answers(ex: impl Into<Exec<'_>>, exam: i64) -> sqlx::Result<Vec<(usize, bool)>> {
    let rows: Vec<(i64, bool)> = on_db!(ex, |c| {
        sqlx::query_as(
            "SELECT position, correct FROM exam_answers WHERE exam_id = $1 ORDER BY position",
        )
        .bind(exam)
        .fetch_all(&mut *c)
        .await?
    });
    Ok(rows
        .into_iter()
        .map(|(p, c)| (p.max(0) as usize, c))
        .collect())
}

/// Grade an open exam; false when it was already graded.
pub async fn grade(
    ex: impl Into<Exec<'_>>,
    exam: i64,
    correct: i64,
    percent: f64,
    passed: bool,
    now: DateTime<Utc>,
) -> sqlx::Result<bool> {
    on_db!(ex, |c| {
        let r = sqlx::query("UPDATE exams SET status = 'graded', correct = $1, percent = $2, passed = $3, graded_at = $4 WHERE id = $5 AND status = 'open'")
            .bind(correct)
            .bind(percent)
            .bind(passed)
            .bind(Ts::at(now))
            .bind(exam)
            .execute(&mut *c)
            .await?;
        Ok(r.rows_affected() == 1)
    })
}

/// Best exam percent per certificate and whether any attempt passed.
pub async fn best_exams(
    ex: impl Into<Exec<'_>>,
    guild: GuildId,
    user: UserId,
) -> sqlx::Result<Vec<(String, f64, bool)>> {
    let rows: Vec<(String, Option<f64>, Option<i64>)> = on_db!(ex, |c| {
        sqlx::query_as(
            "SELECT cert_id, MAX(percent), CAST(MAX(CASE WHEN passed THEN 1 ELSE 0 END) AS BIGINT)
             FROM exams WHERE guild_id = $1 AND user_id = $2 AND status = 'graded'
             GROUP BY cert_id ORDER BY cert_id",
        )
        .bind(guild)
        .bind(user)
        .fetch_all(&mut *c)
        .await?
    });
    Ok(rows
        .into_iter()
        .map(|(cert, best, passed)| (cert, best.unwrap_or(0.0), passed.unwrap_or(0) != 0))
        .collect())
}

#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct Capstone {
    pub id: i64,
    #[sqlx(rename = "guild_id")]
    pub guild: GuildId,
    #[sqlx(rename = "user_id")]
    pub user: UserId,
    pub cert_id: String,
    pub path_id: String,
    pub link: String,
    pub status: String,
    #[sqlx(try_from = "Ts")]
    pub submitted_at: DateTime<Utc>,
    pub feedback: Option<String>,
}

macro_rules! cap_cols {
    () => {
        "id, guild_id, user_id, cert_id, path_id, link, status, submitted_at, feedback"
    };
}

/// Submit a capstone; `None` when one is already awaiting review for that certificate.
pub async fn submit_capstone(
    ex: impl Into<Exec<'_>>,
    guild: GuildId,
    user: UserId,
    cert: &str,
    path: &str,
    link: &str,
    now: DateTime<Utc>,
) -> sqlx::Result<Option<i64>> {
    on_db!(ex, |c| {
        sqlx::query_scalar(
            "INSERT INTO capstones (guild_id, user_id, cert_id, path_id, link, status, submitted_at)
             VALUES ($1, $2, $3, $4, $5, 'pending', $6) ON CONFLICT DO NOTHING RETURNING id",
        )
        .bind(guild)
        .bind(user)
        .bind(cert)
        .bind(path)
        .bind(link)
        .bind(Ts::at(now))
        .fetch_optional(&mut *c)
        .await
    })
}

pub async fn pending_capstones(
    ex: impl Into<Exec<'_>>,
    guild: GuildId,
) -> sqlx::Result<Vec<Capstone>> {
    on_db!(ex, |c| {
        sqlx::query_as(concat!(
            "SELECT ",
            cap_cols!(),
            " FROM capstones WHERE guild_id = $1 AND status = 'pending' ORDER BY submitted_at, id"
        ))
        .bind(guild)
        .fetch_all(&mut *c)
        .await
        .map_err(|e| locate(e, "capstones", None))
    })
}

pub async fn get_capstone(
    ex: impl Into<Exec<'_>>,
    guild: GuildId,
    id: i64,
) -> sqlx::Result<Option<Capstone>> {
    on_db!(ex, |c| {
        sqlx::query_as(concat!(
            "SELECT ",
            cap_cols!(),
            " FROM capstones WHERE guild_id = $1 AND id = $2"
        ))
        .bind(guild)
        .bind(id)
        .fetch_optional(&mut *c)
        .await
        .map_err(|e| locate(e, "capstones", Some(id)))
    })
}

/// Approve or reject a pending capstone; false when it was not pending.
pub async fn review_capstone(
    ex: impl Into<Exec<'_>>,
    id: i64,
    approve: bool,
    by: UserId,
    feedback: Option<&str>,
    now: DateTime<Utc>,
) -> sqlx::Result<bool> {
    on_db!(ex, |c| {
        let r = sqlx::query("UPDATE capstones SET status = $1, reviewed_by = $2, reviewed_at = $3, feedback = $4 WHERE id = $5 AND status = 'pending'")
            .bind(if approve { "approved" } else { "rejected" })
            .bind(by)
            .bind(Ts::at(now))
            .bind(feedback)
            .bind(id)
            .execute(&mut *c)
            .await?;
        Ok(r.rows_affected() == 1)
    })
}

/// Latest capstone status per certificate ("approved" wins over later submissions).
pub async fn capstone_states(
    ex: impl Into<Exec<'_>>,
    guild: GuildId,
    user: UserId,
) -> sqlx::Result<Vec<(String, String)>> {
    on_db!(ex, |c| {
        sqlx::query_as(
            "SELECT cert_id, CASE WHEN SUM(CASE WHEN status = 'approved' THEN 1 ELSE 0 END) > 0 THEN 'approved'
                                  WHEN SUM(CASE WHEN status = 'pending' THEN 1 ELSE 0 END) > 0 THEN 'pending'
                                  ELSE 'rejected' END
             FROM capstones WHERE guild_id = $1 AND user_id = $2 GROUP BY cert_id ORDER BY cert_id",
        )
        .bind(guild)
        .bind(user)
        .fetch_all(&mut *c)
        .await
    })
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Certificate {
    pub id: i64,
    pub guild_id: GuildId,
    pub user_id: UserId,
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

#[derive(sqlx::FromRow)]
struct CertRow {
    id: i64,
    guild_id: GuildId,
    user_id: UserId,
    cert_id: String,
    grade_label: Option<String>,
    percent: Option<f64>,
    awarded_at: Ts,
    revoked_at: Option<Ts>,
}

impl From<CertRow> for Certificate {
    fn from(r: CertRow) -> Self {
        Certificate {
            id: r.id,
            guild_id: r.guild_id,
            user_id: r.user_id,
            cert_id: r.cert_id,
            grade_label: r.grade_label,
            percent: r.percent,
            awarded_at: ts(r.awarded_at.0),
            revoked: r.revoked_at.is_some(),
        }
    }
}

async fn certificates(
    ex: Exec<'_>,
    q: &'static str,
    guild: Option<GuildId>,
    user: Option<UserId>,
    cert: Option<&str>,
    id: Option<i64>,
) -> sqlx::Result<Vec<Certificate>> {
    let rows: Vec<CertRow> = on_db!(ex, |c| {
        let mut query = sqlx::query_as(q);
        if let Some(id) = id {
            query = query.bind(id);
        } else {
            query = query.bind(guild).bind(user).bind(cert);
        }
        query
            .fetch_all(&mut *c)
            .await
            .map_err(|e| locate(e, "certificates", id))?
    });
    Ok(rows.into_iter().map(Certificate::from).collect())
}

/// Award a certificate; `Some(id)` the first time only (the UNIQUE constraint makes a second
/// award, even from two racing events or processes, impossible).
pub async fn award(
    ex: impl Into<Exec<'_>>,
    guild: GuildId,
    user: UserId,
    cert: &str,
    grade_label: Option<&str>,
    percent: Option<f64>,
    now: DateTime<Utc>,
) -> sqlx::Result<Option<i64>> {
    on_db!(ex, |c| {
        sqlx::query_scalar(
            "INSERT INTO certificates (guild_id, user_id, cert_id, grade_label, percent, awarded_at)
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT(guild_id, user_id, cert_id) DO NOTHING RETURNING id",
        )
        .bind(guild)
        .bind(user)
        .bind(cert)
        .bind(grade_label)
        .bind(percent)
        .bind(Ts::at(now))
        .fetch_optional(&mut *c)
        .await
    })
}

pub async fn held(
    ex: impl Into<Exec<'_>>,
    guild: GuildId,
    user: UserId,
) -> sqlx::Result<Vec<Certificate>> {
    let q = concat!("SELECT ", cert_cols!(), " FROM certificates WHERE guild_id = $1 AND user_id = $2 AND revoked_at IS NULL AND ($3 IS NULL OR cert_id = $3) ORDER BY awarded_at, id");
    certificates(ex.into(), q, Some(guild), Some(user), None, None).await
}

/// Holders of a certificate (or of all), newest first.
pub async fn holders(
    ex: impl Into<Exec<'_>>,
    guild: GuildId,
    cert: Option<&str>,
) -> sqlx::Result<Vec<Certificate>> {
    let q = concat!("SELECT ", cert_cols!(), " FROM certificates WHERE guild_id = $1 AND ($2 IS NULL OR user_id = $2) AND revoked_at IS NULL AND ($3 IS NULL OR cert_id = $3) ORDER BY awarded_at DESC, id DESC");
    certificates(ex.into(), q, Some(guild), None, cert, None).await
}

pub async fn unannounced(ex: impl Into<Exec<'_>>) -> sqlx::Result<Vec<Certificate>> {
    let q = concat!(
        "SELECT ",
        cert_cols!(),
        " FROM certificates WHERE announced = FALSE AND revoked_at IS NULL
          AND ($1 IS NULL OR guild_id = $1) AND ($2 IS NULL OR user_id = $2) AND ($3 IS NULL OR cert_id = $3)
          ORDER BY id"
    );
    certificates(ex.into(), q, None, None, None, None).await
}

/// One certificate by its row id (revoked ones too).
pub async fn certificate_by_id(
    ex: impl Into<Exec<'_>>,
    id: i64,
) -> sqlx::Result<Option<Certificate>> {
    let q = concat!("SELECT ", cert_cols!(), " FROM certificates WHERE id = $1");
    Ok(certificates(ex.into(), q, None, None, None, Some(id))
        .await?
        .into_iter()
        .next())
}

pub async fn mark_announced(ex: impl Into<Exec<'_>>, id: i64) -> sqlx::Result<()> {
    on_db!(ex, |c| {
        sqlx::query("UPDATE certificates SET announced = TRUE WHERE id = $1")
            .bind(id)
            .execute(&mut *c)
            .await?;
        Ok(())
    })
}

pub async fn revoke(
    db: &Db,
    guild: GuildId,
    user: UserId,
    cert: &str,
    reason: &str,
    now: DateTime<Utc>,
) -> sqlx::Result<bool> {
    let mut tx = db.begin().await?;
    let found: Option<(i64, Option<RoleId>)> = on_db!(&mut tx, |c| {
        let id: Option<i64> = sqlx::query_scalar("UPDATE certificates SET revoked_at = $1, revoke_reason = $2 WHERE guild_id = $3 AND user_id = $4 AND cert_id = $5 AND revoked_at IS NULL RETURNING id")
            .bind(Ts::at(now))
            .bind(reason)
            .bind(guild)
            .bind(user)
            .bind(cert)
            .fetch_optional(&mut *c)
            .await?;
        match id {
            None => None,
            Some(id) => {
                let role: Option<RoleId> = sqlx::query_scalar(
                    "SELECT role_id FROM cert_roles WHERE guild_id = $1 AND certification = $2",
                )
                .bind(guild)
                .bind(cert)
                .fetch_optional(&mut *c)
                .await?;
                Some((id, role))
            }
        }
    });
    let Some((id, role)) = found else {
        return Ok(false);
    };
    // The certificate's role goes too: a job row (src/jobs/certification.rs), retried on
    // transient errors, committed with the revocation.
    if let Some(role) = role {
        let payload = serde_json::json!({
            "guild": guild, "user": user, "role": role, "cert": id,
            "reason": "certificate revoked",
        });
        crate::jobs::rows::enqueue(
            &mut tx,
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
pub async fn guild_options(
    ex: impl Into<Exec<'_>>,
    guild: GuildId,
) -> sqlx::Result<(Option<i64>, bool)> {
    let r: Option<(Option<i64>, bool)> = on_db!(ex, |c| {
        sqlx::query_as(
            "SELECT exam_cooldown_minutes, remove_previous_role FROM guild_settings WHERE guild_id = $1",
        )
        .bind(guild)
        .fetch_optional(&mut *c)
        .await?
    });
    Ok(r.unwrap_or((None, false)))
}

#[derive(sqlx::FromRow)]
struct ExportRow {
    guild_id: GuildId,
    user_id: UserId,
    kind: String,
    item: String,
    score: Option<f64>,
    passed: Option<bool>,
    detail: String,
    at: Ts,
}

/// Every member's progress rows for export: (guild, user, kind, id, detail, at).
pub async fn export_rows(
    ex: impl Into<Exec<'_>>,
    guild: Option<GuildId>,
) -> sqlx::Result<Vec<(GuildId, UserId, String, String, String, String)>> {
    let rows: Vec<ExportRow> = on_db!(ex, |c| {
        sqlx::query_as(
            "SELECT guild_id, user_id, 'module' AS kind, module_id AS item, CAST(score AS DOUBLE PRECISION) AS score,
                    CAST(NULL AS BOOLEAN) AS passed, '' AS detail, completed_at AS at
             FROM module_completions WHERE ($1 IS NULL OR guild_id = $1)
             UNION ALL SELECT guild_id, user_id, 'exam', cert_id, percent, passed, '', graded_at
             FROM exams WHERE status = 'graded' AND ($1 IS NULL OR guild_id = $1)
             UNION ALL SELECT guild_id, user_id, 'capstone', cert_id, NULL, NULL, status, submitted_at
             FROM capstones WHERE ($1 IS NULL OR guild_id = $1)
             UNION ALL SELECT guild_id, user_id, 'certificate', cert_id, NULL, NULL, COALESCE(grade_label, ''), awarded_at
             FROM certificates WHERE revoked_at IS NULL AND ($1 IS NULL OR guild_id = $1)
             ORDER BY 1, 2, 8",
        )
        .bind(guild)
        .fetch_all(&mut *c)
        .await
        .map_err(|e| locate(e, "export", None))?
    });
    Ok(rows
        .into_iter()
        .map(|r| {
            let detail = match r.kind.as_str() {
                "module" => format!("{}", r.score.unwrap_or(0.0) as i64),
                "exam" => format!(
                    "{:.1} {}",
                    r.score.unwrap_or(0.0),
                    if r.passed.unwrap_or(false) {
                        "pass"
                    } else {
                        "fail"
                    }
                ),
                _ => r.detail,
            };
            (r.guild_id, r.user_id, r.kind, r.item, detail, ts(r.at.0))
        })
        .collect())
}
