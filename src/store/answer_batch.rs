//! Answers written in batches, one transaction per batch, by the answer writer
//! (`crate::quiz::writer`): daily-quiz, practice and exam answers, on either backend.
//!
//! Each table gets ONE multi-row `INSERT … ON CONFLICT DO NOTHING RETURNING <key>` per batch
//! (chunked at [`ROWS_PER_STATEMENT`]); the keys it returns are the rows that won their unique
//! key, so every caller learns whether its answer was stored or lost to an earlier one. Keys
//! repeated inside one batch are settled by the writer before it gets here (the first wins),
//! so one statement never sees the same key twice. A batch that is one statement (daily
//! answers only, or exam answers only) runs without BEGIN/COMMIT: a statement is atomic, and
//! a batch of one answer then costs one round trip, as before batching.
//!
//! A statement that fails (a row breaking a constraint) rolls the batch back; the rows are then
//! written one by one, each behind a savepoint, so the failing row gets its error and the others
//! are stored ([`write`]).

use super::practice::set_review;
use super::time::Ts;
use super::{on_db, Db, Exec, Tx};
use crate::ids::{GuildId, UserId};
use chrono::{DateTime, Utc};
use std::collections::{HashMap, HashSet};

/// One answer to store.
#[derive(Debug, Clone, PartialEq)]
pub enum AnswerRow {
    /// `quiz_answers`; unique per (quiz, member).
    Daily {
        quiz_id: i64,
        guild: GuildId,
        user: UserId,
        answer: String,
        correct: bool,
        at: DateTime<Utc>,
    },
    /// `practice_answers`; unique per (session, position). A stored answer also moves the
    /// session on (`position`, `correct`) and sets the member's review of the question.
    Practice {
        session: i64,
        position: usize,
        user: UserId,
        question_id: String,
        answer: String,
        correct: bool,
        at: DateTime<Utc>,
        review_interval: i64,
        review_due: DateTime<Utc>,
    },
    /// `exam_answers`; unique per (exam, position).
    Exam {
        exam: i64,
        position: usize,
        question_id: String,
        answer: String,
        correct: bool,
        at: DateTime<Utc>,
    },
}

/// What became of one answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Stored,
    /// Its key already had an answer (a double click): the first answer counts.
    AlreadyAnswered,
    /// A daily answer whose quiz was closed (or past its closing time) when the batch was
    /// written: not stored.
    Closed,
}

/// The unique key that decides a double answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AnswerKey {
    Daily(i64, UserId),
    Practice(i64, i64),
    Exam(i64, i64),
}

impl AnswerRow {
    pub fn key(&self) -> AnswerKey {
        match self {
            AnswerRow::Daily { quiz_id, user, .. } => AnswerKey::Daily(*quiz_id, *user),
            AnswerRow::Practice {
                session, position, ..
            } => AnswerKey::Practice(*session, *position as i64),
            AnswerRow::Exam { exam, position, .. } => AnswerKey::Exam(*exam, *position as i64),
        }
    }

    /// `daily`, `practice` or `exam` (metrics label).
    pub fn kind(&self) -> &'static str {
        match self {
            AnswerRow::Daily { .. } => "daily",
            AnswerRow::Practice { .. } => "practice",
            AnswerRow::Exam { .. } => "exam",
        }
    }
}

/// Store `rows` (keys distinct) in one transaction. Returns, per row in order, its
/// [`Outcome`], or `Err` when that row alone failed (the others are stored). The outer `Err`
/// when the transaction itself failed (begin, commit, the connection): nothing is stored.
pub async fn write(db: &Db, rows: &[AnswerRow]) -> sqlx::Result<Vec<sqlx::Result<Outcome>>> {
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    if one_statement(rows) {
        // One INSERT is atomic on its own: no BEGIN and COMMIT round trips (the common case
        // when answers trickle in: a batch of one).
        let stored = match rows[0] {
            AnswerRow::Daily { .. } => insert_daily(db, rows).await,
            _ => insert_exam(db, rows).await,
        };
        match stored {
            Ok(stored) => {
                return Ok(outcomes(db, rows, &stored)
                    .await?
                    .into_iter()
                    .map(Ok)
                    .collect())
            }
            Err(e @ sqlx::Error::Database(_)) if rows.len() == 1 => return Ok(vec![Err(e)]),
            // A row broke a constraint: settled row by row below.
            Err(sqlx::Error::Database(_)) => {}
            Err(e) => return Err(e),
        }
    }
    let mut tx = db.begin().await?;
    match write_all(&mut tx, rows).await {
        Ok(done) => {
            tx.commit().await?;
            Ok(done.into_iter().map(Ok).collect())
        }
        Err(sqlx::Error::Database(_)) => {
            // A row broke a constraint: write them one by one, each behind a savepoint.
            drop(tx);
            let mut tx = db.begin().await?;
            let mut out = Vec::with_capacity(rows.len());
            for row in rows {
                savepoint(&mut tx, "SAVEPOINT answer_row").await?;
                match write_all(&mut tx, std::slice::from_ref(row)).await {
                    Ok(done) => {
                        savepoint(&mut tx, "RELEASE SAVEPOINT answer_row").await?;
                        out.push(Ok(done[0]));
                    }
                    Err(e @ sqlx::Error::Database(_)) => {
                        savepoint(&mut tx, "ROLLBACK TO SAVEPOINT answer_row").await?;
                        savepoint(&mut tx, "RELEASE SAVEPOINT answer_row").await?;
                        out.push(Err(e));
                    }
                    Err(e) => return Err(e),
                }
            }
            tx.commit().await?;
            Ok(out)
        }
        Err(e) => Err(e),
    }
}

/// One answer on its own. The bot batches through the writer; tools and tests use this.
pub async fn write_one(db: &Db, row: AnswerRow) -> sqlx::Result<Outcome> {
    write(db, std::slice::from_ref(&row)).await?.remove(0)
}

/// The outcome of each row, given the keys stored: a daily answer not stored lost to an
/// earlier answer, or its quiz was not open (one look per quiz, only for such rows).
async fn outcomes(
    ex: impl Into<Exec<'_>>,
    rows: &[AnswerRow],
    stored: &HashSet<AnswerKey>,
) -> sqlx::Result<Vec<Outcome>> {
    let mut ex = ex.into();
    let mut open: HashMap<i64, bool> = HashMap::new();
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        out.push(match r {
            _ if stored.contains(&r.key()) => Outcome::Stored,
            AnswerRow::Daily { quiz_id, at, .. } => {
                let is_open = match open.get(quiz_id) {
                    Some(o) => *o,
                    None => {
                        let o = quiz_open_at(&mut ex, *quiz_id, *at).await?;
                        open.insert(*quiz_id, o);
                        o
                    }
                };
                if is_open {
                    Outcome::AlreadyAnswered
                } else {
                    Outcome::Closed
                }
            }
            _ => Outcome::AlreadyAnswered,
        });
    }
    Ok(out)
}

/// Whether quiz `id` takes answers at `at` (not closed — `posting` counts: Discord may have
/// shown the question before the bot stored its message id — and before its closing time):
/// the same condition as the insert's.
async fn quiz_open_at(ex: &mut Exec<'_>, id: i64, at: DateTime<Utc>) -> sqlx::Result<bool> {
    on_db!(ex.reborrow(), |c| {
        let n: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM quizzes WHERE id = $1 AND status <> 'closed' AND closes_at > $2",
        )
        .bind(id)
        .bind(Ts::at(at))
        .fetch_one(&mut *c)
        .await?;
        Ok(n > 0)
    })
}

async fn savepoint(tx: &mut Tx, sql: &'static str) -> sqlx::Result<()> {
    on_db!(&mut *tx, |c| {
        sqlx::query(sql).execute(&mut *c).await?;
        Ok(())
    })
}

/// `$1, $2, …` groups of `width` placeholders for `n` rows: `($1, $2), ($3, $4)`.
fn values(n: usize, width: usize) -> String {
    let mut s = String::with_capacity(n * width * 5);
    for r in 0..n {
        if r > 0 {
            s.push_str(", ");
        }
        s.push('(');
        for c in 0..width {
            if c > 0 {
                s.push_str(", ");
            }
            s.push('$');
            s.push_str(&(r * width + c + 1).to_string());
        }
        s.push(')');
    }
    s
}

/// Most rows in one statement (SQLite allows 32,766 bound values, PostgreSQL 65,535; 6 per
/// row).
const ROWS_PER_STATEMENT: usize = 1000;

/// Whether `rows` go in ONE statement: daily answers only, or exam answers only, at most
/// [`ROWS_PER_STATEMENT`] of them (practice answers also move their session on).
fn one_statement(rows: &[AnswerRow]) -> bool {
    rows.len() <= ROWS_PER_STATEMENT
        && (rows.iter().all(|r| matches!(r, AnswerRow::Daily { .. }))
            || rows.iter().all(|r| matches!(r, AnswerRow::Exam { .. })))
}

/// Insert every row in `tx`; the outcome of each.
async fn write_all(tx: &mut Tx, rows: &[AnswerRow]) -> sqlx::Result<Vec<Outcome>> {
    let of = |pick: fn(&AnswerRow) -> bool| -> Vec<AnswerRow> {
        rows.iter().filter(|r| pick(r)).cloned().collect()
    };
    let daily = of(|r| matches!(r, AnswerRow::Daily { .. }));
    let exam = of(|r| matches!(r, AnswerRow::Exam { .. }));
    let practice = of(|r| matches!(r, AnswerRow::Practice { .. }));
    let mut stored: HashSet<AnswerKey> = HashSet::with_capacity(rows.len());
    for chunk in daily.chunks(ROWS_PER_STATEMENT) {
        stored.extend(insert_daily(&mut *tx, chunk).await?);
    }
    for chunk in exam.chunks(ROWS_PER_STATEMENT) {
        stored.extend(insert_exam(&mut *tx, chunk).await?);
    }
    for chunk in practice.chunks(ROWS_PER_STATEMENT) {
        let won = insert_practice(&mut *tx, chunk).await?;
        // The session moves on and the review is set only for a stored answer.
        for row in chunk.iter().filter(|r| won.contains(&r.key())) {
            if let AnswerRow::Practice {
                session,
                position,
                user,
                question_id,
                correct,
                review_interval,
                review_due,
                ..
            } = row
            {
                advance_session(tx, *session, *position, *correct).await?;
                set_review(&mut *tx, *user, question_id, *review_interval, *review_due).await?;
            }
        }
        stored.extend(won);
    }
    outcomes(&mut *tx, rows, &stored).await
}

/// One multi-row insert of daily answers (`rows` are all daily); the keys stored. A row is
/// inserted only while its quiz is not closed and before its closing time, checked in the same
/// statement (a quiz closes, or has its closing time brought forward by the next question,
/// possibly in another process; its answers must not land after that).
async fn insert_daily(
    ex: impl Into<Exec<'_>>,
    rows: &[AnswerRow],
) -> sqlx::Result<HashSet<AnswerKey>> {
    // Only placeholders are formatted into the SQL; the values are bound.
    let sql = format!(
        "INSERT INTO quiz_answers (quiz_id, user_id, guild_id, answer, correct, answered_at)
         SELECT v.column1, v.column2, v.column3, v.column4, v.column5, v.column6
         FROM (VALUES {}) AS v
         WHERE EXISTS (SELECT 1 FROM quizzes q
                       WHERE q.id = v.column1 AND q.status <> 'closed' AND q.closes_at > v.column6)
         ON CONFLICT (quiz_id, user_id) DO NOTHING RETURNING quiz_id, user_id",
        values(rows.len(), 6)
    );
    let won: Vec<(i64, UserId)> = on_db!(ex, |c| {
        let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql)).persistent(false);
        for row in rows {
            let AnswerRow::Daily {
                quiz_id,
                guild,
                user,
                answer,
                correct,
                at,
            } = row
            else {
                unreachable!("daily rows only")
            };
            q = q
                .bind(*quiz_id)
                .bind(*user)
                .bind(*guild)
                .bind(answer.as_str())
                .bind(*correct)
                .bind(Ts::at(*at));
        }
        q.fetch_all(&mut *c).await?
    });
    Ok(won
        .into_iter()
        .map(|(q, u)| AnswerKey::Daily(q, u))
        .collect())
}

/// One multi-row insert of exam answers (`rows` are all exam answers); the keys stored.
async fn insert_exam(
    ex: impl Into<Exec<'_>>,
    rows: &[AnswerRow],
) -> sqlx::Result<HashSet<AnswerKey>> {
    let won = insert_positional(
        ex,
        "INSERT INTO exam_answers (exam_id, position, question_id, answer, correct, answered_at)
         VALUES {} ON CONFLICT (exam_id, position) DO NOTHING RETURNING exam_id, position",
        rows,
    )
    .await?;
    Ok(won
        .into_iter()
        .map(|(e, p)| AnswerKey::Exam(e, p))
        .collect())
}

/// One multi-row insert of practice answers (`rows` are all practice answers); the keys
/// stored. Moving the sessions on is the caller's ([`write_all`]).
async fn insert_practice(
    ex: impl Into<Exec<'_>>,
    rows: &[AnswerRow],
) -> sqlx::Result<HashSet<AnswerKey>> {
    let won = insert_positional(
        ex,
        "INSERT INTO practice_answers (session_id, position, question_id, answer, correct, answered_at)
         VALUES {} ON CONFLICT (session_id, position) DO NOTHING RETURNING session_id, position",
        rows,
    )
    .await?;
    Ok(won
        .into_iter()
        .map(|(s, p)| AnswerKey::Practice(s, p))
        .collect())
}

/// Exam and practice answers have the same columns: (exam or session, position, question,
/// answer, correct, answered at). `sql` has `{}` where the rows' placeholders go; returns the
/// (exam or session, position) stored.
async fn insert_positional(
    ex: impl Into<Exec<'_>>,
    sql: &'static str,
    rows: &[AnswerRow],
) -> sqlx::Result<Vec<(i64, i64)>> {
    // Only placeholders are formatted into the SQL; the values are bound.
    let sql = sql.replacen("{}", &values(rows.len(), 6), 1);
    on_db!(ex, |c| {
        let mut q = sqlx::query_as::<_, (i64, i64)>(sqlx::AssertSqlSafe(sql)).persistent(false);
        for row in rows {
            let (owner, position, question_id, answer, correct, at) = match row {
                AnswerRow::Practice {
                    session,
                    position,
                    question_id,
                    answer,
                    correct,
                    at,
                    ..
                } => (session, position, question_id, answer, correct, at),
                AnswerRow::Exam {
                    exam,
                    position,
                    question_id,
                    answer,
                    correct,
                    at,
                } => (exam, position, question_id, answer, correct, at),
                AnswerRow::Daily { .. } => unreachable!("exam and practice rows only"),
            };
            q = q
                .bind(*owner)
                .bind(*position as i64)
                .bind(question_id.as_str())
                .bind(answer.as_str())
                .bind(*correct)
                .bind(Ts::at(*at));
        }
        q.fetch_all(&mut *c).await
    })
}

/// The practice session moves past `position` (only if it was there).
async fn advance_session(
    tx: &mut Tx,
    session: i64,
    position: usize,
    correct: bool,
) -> sqlx::Result<()> {
    on_db!(&mut *tx, |c| {
        sqlx::query(
            "UPDATE practice_sessions SET position = position + 1, correct = correct + $1
             WHERE id = $2 AND position = $3",
        )
        .bind(correct as i64)
        .bind(session)
        .bind(position as i64)
        .execute(&mut *c)
        .await?;
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::values;

    #[test]
    fn placeholders_number_rows_in_order() {
        assert_eq!(values(1, 2), "($1, $2)");
        assert_eq!(values(2, 3), "($1, $2, $3), ($4, $5, $6)");
    }
}
