//! The answer writer: one task per process that stores daily-quiz, practice and exam answers in
//! batches (group commit).
//!
//! Callers validate an answer (quiz open, answer fits the question, member allowed) where they
//! always did and hand only the write to the writer through a channel, with a oneshot for the
//! reply. The writer takes the first answer waiting, then everything that arrives within
//! [`WriterConfig::window`] or until [`WriterConfig::max_batch`] answers, and stores them in
//! ONE transaction (`store::answer_batch`). Every caller is answered only after the commit that
//! holds its answer, so an acknowledged answer is never lost to a crash of the process; an
//! answer whose caller was not answered yet can be sent again.
//!
//! The unique key decides double answers: [`AnswerWriter::write`] returns `true` when the answer
//! was stored and `false` when the key already had one ("already answered"). Two answers with
//! the same key in one batch: the first to reach the writer wins. A row that fails (a broken
//! constraint) fails alone; a failed transaction fails every caller in it.
//!
//! [`AnswerWriter::shutdown`] stores what is queued and stops the writer; later writes fail with
//! a message asking to answer again.

use crate::error::UserError;
use crate::store::answer_batch::{self, AnswerKey, AnswerRow, Outcome};
use crate::store::Db;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{mpsc, oneshot};
use tokio::time::Instant;

/// How the writer groups answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WriterConfig {
    /// How long the writer waits for more answers after the first one of a batch. Zero: it
    /// takes what is already queued (answers that arrived while the previous batch was being
    /// committed) and commits at once.
    pub window: Duration,
    /// Most answers in one transaction.
    pub max_batch: usize,
}

impl Default for WriterConfig {
    fn default() -> Self {
        WriterConfig::from_config(&crate::config::Config::default())
    }
}

impl WriterConfig {
    /// From `answer_batch_window_us` and `answer_batch_max` (`COURSEBOT_ANSWER_BATCH_*`,
    /// validated by the configuration).
    pub fn from_config(c: &crate::config::Config) -> WriterConfig {
        WriterConfig {
            window: Duration::from_micros(c.answer_batch_window_us),
            max_batch: c.answer_batch_max.max(1) as usize,
        }
    }
}

/// Why an answer was not stored.
#[derive(Debug, Clone, thiserror::Error)]
pub enum WriteError {
    /// This answer's row failed (the others of its batch were stored).
    #[error("storing the answer failed: {0}")]
    Row(Arc<sqlx::Error>),
    /// The transaction of its batch failed: no answer of the batch was stored.
    #[error("storing a batch of {batch} answers failed: {error}")]
    Batch {
        batch: usize,
        error: Arc<sqlx::Error>,
    },
    /// The writer has stopped (the bot is shutting down).
    #[error("the answer writer has stopped")]
    Closed,
}

/// Counters, for benchmarks and tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct WriterStats {
    /// Transactions committed.
    pub batches: u64,
    /// Answers in those transactions (stored or already answered).
    pub answers: u64,
    /// The most answers one transaction held.
    pub largest: usize,
}

#[derive(Default)]
struct Counters {
    batches: AtomicU64,
    answers: AtomicU64,
    largest: AtomicUsize,
}

type Reply = oneshot::Sender<Result<Outcome, WriteError>>;

enum Msg {
    Answer(AnswerRow, Reply),
    Shutdown(oneshot::Sender<()>),
}

/// The handle every part of the bot shares (cheap to clone).
#[derive(Clone)]
pub struct AnswerWriter {
    tx: mpsc::Sender<Msg>,
    counters: Arc<Counters>,
}

impl AnswerWriter {
    /// Start the writer task on the current tokio runtime. It writes through its own
    /// connection to `db` ([`Db::single`]), so a burst of readers queueing for the shared pool
    /// never delays a commit.
    pub fn start(db: &Db, config: WriterConfig) -> AnswerWriter {
        Self::on(db.single(), config)
    }

    /// A writer over `db` itself (its pool; closed when the writer stops).
    fn on(db: Db, config: WriterConfig) -> AnswerWriter {
        let config = WriterConfig {
            max_batch: config.max_batch.max(1),
            ..config
        };
        // Room for a few batches; beyond that callers wait (back-pressure).
        let (tx, rx) = mpsc::channel((config.max_batch * 8).max(1024));
        let counters = Arc::new(Counters::default());
        tokio::spawn(run(db, config, rx, counters.clone()));
        AnswerWriter { tx, counters }
    }

    /// Store `row`; its [`Outcome`] once the transaction that decided it committed
    /// (`AlreadyAnswered`: the answer holding its key is committed; this one lost).
    pub async fn write(&self, row: AnswerRow) -> Result<Outcome, WriteError> {
        let (tx, rx) = oneshot::channel();
        self.tx
            .send(Msg::Answer(row, tx))
            .await
            .map_err(|_| WriteError::Closed)?;
        rx.await.map_err(|_| WriteError::Closed)?
    }

    /// [`write`](Self::write) for the answer flows: a stopped writer is told to the member
    /// (answer again in a moment); database errors stay internal.
    pub async fn store(&self, row: AnswerRow) -> anyhow::Result<Outcome> {
        match self.write(row).await {
            Ok(outcome) => Ok(outcome),
            Err(WriteError::Closed) => Err(UserError::Invalid(
                "The bot is restarting and did not save that answer: answer again in a minute."
                    .into(),
            )
            .into()),
            Err(e) => Err(e.into()),
        }
    }

    /// Store every answer already queued, then stop. Later writes fail with
    /// [`WriteError::Closed`]. Returns when the writer has stopped (at once if it had).
    pub async fn shutdown(&self) {
        let (tx, rx) = oneshot::channel();
        if self.tx.send(Msg::Shutdown(tx)).await.is_ok() {
            let _ = rx.await;
        }
    }

    pub fn stats(&self) -> WriterStats {
        WriterStats {
            batches: self.counters.batches.load(Ordering::Relaxed),
            answers: self.counters.answers.load(Ordering::Relaxed),
            largest: self.counters.largest.load(Ordering::Relaxed),
        }
    }
}

async fn run(db: Db, config: WriterConfig, mut rx: mpsc::Receiver<Msg>, counters: Arc<Counters>) {
    let mut batch: Vec<(AnswerRow, Reply)> = Vec::with_capacity(config.max_batch);
    let mut stopping: Vec<oneshot::Sender<()>> = Vec::new();
    while let Some(first) = rx.recv().await {
        let deadline = Instant::now() + config.window;
        let mut next = Some(first);
        loop {
            match next.take() {
                Some(Msg::Answer(row, reply)) => batch.push((row, reply)),
                Some(Msg::Shutdown(done)) => {
                    stopping.push(done);
                    break;
                }
                None => {}
            }
            if batch.len() >= config.max_batch {
                break;
            }
            next = match rx.try_recv() {
                Ok(m) => Some(m),
                Err(mpsc::error::TryRecvError::Disconnected) => break,
                Err(mpsc::error::TryRecvError::Empty) => {
                    if Instant::now() >= deadline {
                        break;
                    }
                    match tokio::time::timeout_at(deadline, rx.recv()).await {
                        Ok(Some(m)) => Some(m),
                        Ok(None) | Err(_) => break,
                    }
                }
            };
        }
        flush(&db, &mut batch, &counters).await;
        if !stopping.is_empty() {
            // Store what is queued, refuse the rest, then say we are done.
            rx.close();
            while let Some(m) = rx.recv().await {
                match m {
                    Msg::Answer(row, reply) => {
                        batch.push((row, reply));
                        if batch.len() >= config.max_batch {
                            flush(&db, &mut batch, &counters).await;
                        }
                    }
                    Msg::Shutdown(done) => stopping.push(done),
                }
            }
            flush(&db, &mut batch, &counters).await;
            db.close().await;
            for done in stopping.drain(..) {
                let _ = done.send(());
            }
            return;
        }
    }
}

/// Commit `batch` in one transaction and answer every caller.
async fn flush(db: &Db, batch: &mut Vec<(AnswerRow, Reply)>, counters: &Counters) {
    if batch.is_empty() {
        return;
    }
    let entries = std::mem::take(batch);
    // The first answer of a key goes to the database; later ones in the batch lose to it.
    let mut first_of: HashMap<AnswerKey, usize> = HashMap::with_capacity(entries.len());
    let mut rows: Vec<AnswerRow> = Vec::with_capacity(entries.len());
    // Per entry: index into `rows`, and whether it is a repeat of that row's key.
    let mut slot: Vec<(usize, bool)> = Vec::with_capacity(entries.len());
    let mut replies = Vec::with_capacity(entries.len());
    for (row, reply) in entries {
        match first_of.get(&row.key()) {
            Some(&i) => slot.push((i, true)),
            None => {
                first_of.insert(row.key(), rows.len());
                slot.push((rows.len(), false));
                rows.push(row);
            }
        }
        replies.push(reply);
    }
    let n = replies.len();
    let started = std::time::Instant::now();
    let written = answer_batch::write(db, &rows).await;
    match written {
        Ok(results) => {
            counters.batches.fetch_add(1, Ordering::Relaxed);
            counters.answers.fetch_add(n as u64, Ordering::Relaxed);
            counters.largest.fetch_max(n, Ordering::Relaxed);
            crate::ops::metrics::answer_batch(started.elapsed());
            for (row, r) in rows.iter().zip(&results) {
                if matches!(r, Ok(Outcome::Stored)) {
                    crate::ops::metrics::answer_stored(row.kind());
                }
            }
            let results: Vec<Result<Outcome, WriteError>> = results
                .into_iter()
                .map(|r| r.map_err(|e| WriteError::Row(Arc::new(e))))
                .collect();
            for (reply, (i, repeat)) in replies.into_iter().zip(slot) {
                let r = match (&results[i], repeat) {
                    (Ok(Outcome::Stored), true) => Ok(Outcome::AlreadyAnswered),
                    (r, _) => r.clone(),
                };
                let _ = reply.send(r);
            }
        }
        Err(e) => {
            tracing::error!(answers = n, error = %e, "storing a batch of answers failed");
            let error = Arc::new(e);
            for reply in replies {
                let _ = reply.send(Err(WriteError::Batch {
                    batch: n,
                    error: error.clone(),
                }));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::{ChannelId, GuildId, UserId};
    use crate::store::answer_batch::Outcome::{AlreadyAnswered, Closed, Stored};
    use crate::store::{self, quiz as qdb};
    use chrono::{TimeZone, Utc};

    async fn db() -> (tempfile::TempDir, Db, i64) {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("w.db").display());
        let pool = store::connect(&url).await.unwrap();
        let now = Utc.with_ymd_and_hms(2026, 6, 1, 10, 0, 0).unwrap();
        let schedule = qdb::upsert_schedule(
            &pool,
            qdb::NewSchedule {
                guild: GuildId::new(1),
                channel: ChannelId::new(2),
                local_time: "10:00",
                timezone: "UTC",
                pool_label: "m01",
                modules: &["m01".to_string()],
                window_minutes: None,
                next_run_at: now,
                created_by: UserId::new(3),
                now,
            },
        )
        .await
        .unwrap();
        let quiz = qdb::create_quiz(
            &pool,
            qdb::NewQuiz {
                schedule_id: schedule,
                guild: GuildId::new(1),
                channel: ChannelId::new(2),
                question_id: "m01-q1",
                module_id: "m01",
                path_id: "foundation",
                quiz_date: now.date_naive(),
                cycle: 0,
                posted_at: now,
                closes_at: now + chrono::Duration::hours(1),
            },
        )
        .await
        .unwrap()
        .unwrap();
        qdb::set_posted(&pool, quiz, crate::ids::MessageId::new(4))
            .await
            .unwrap();
        (dir, pool, quiz)
    }

    fn daily(quiz: i64, user: u64, correct: bool) -> AnswerRow {
        AnswerRow::Daily {
            quiz_id: quiz,
            guild: GuildId::new(1),
            user: UserId::new(user),
            answer: if correct { "c:0" } else { "c:1" }.into(),
            correct,
            at: Utc.with_ymd_and_hms(2026, 6, 1, 10, 0, 1).unwrap(),
        }
    }

    fn exam(exam: i64, position: usize) -> AnswerRow {
        AnswerRow::Exam {
            exam,
            position,
            question_id: "m01-q1".into(),
            answer: "c:0".into(),
            correct: true,
            at: Utc.with_ymd_and_hms(2026, 6, 1, 10, 0, 1).unwrap(),
        }
    }

    fn stored(r: Result<Outcome, WriteError>) -> bool {
        r.unwrap() == Stored
    }

    fn cfg(window_ms: u64, max_batch: usize) -> WriterConfig {
        WriterConfig {
            window: Duration::from_millis(window_ms),
            max_batch,
        }
    }

    #[tokio::test]
    async fn a_full_batch_is_one_transaction_and_each_caller_learns_its_outcome() {
        let (_d, pool, quiz) = db().await;
        // A window far longer than the test: the batch goes when it is full.
        let w = AnswerWriter::start(&pool, cfg(60_000, 4));
        let (a, b, c, d) = tokio::join!(
            w.write(daily(quiz, 10, true)),
            w.write(daily(quiz, 11, false)),
            w.write(daily(quiz, 12, true)),
            w.write(daily(quiz, 13, true)),
        );
        assert!(stored(a) && stored(b) && stored(c) && stored(d));
        assert_eq!(
            w.stats(),
            WriterStats {
                batches: 1,
                answers: 4,
                largest: 4
            }
        );
        // Already answered in an earlier batch: stored once, the caller is told.
        let again = tokio::join!(
            w.write(daily(quiz, 10, false)),
            w.write(daily(quiz, 14, false)),
            w.write(daily(quiz, 15, false)),
            w.write(daily(quiz, 16, false)),
        );
        assert_eq!(
            [
                again.0.unwrap(),
                again.1.unwrap(),
                again.2.unwrap(),
                again.3.unwrap()
            ],
            [AlreadyAnswered, Stored, Stored, Stored]
        );
        let stored = qdb::answers_of(&pool, quiz).await.unwrap();
        assert_eq!(stored.len(), 7);
        assert!(
            stored.contains(&(UserId::new(10), true)),
            "the first answer counts"
        );
    }

    #[tokio::test]
    async fn answers_within_the_window_share_a_transaction() {
        let (_d, pool, quiz) = db().await;
        let w = AnswerWriter::start(&pool, cfg(400, 256));
        let first = tokio::spawn({
            let w = w.clone();
            async move { w.write(daily(quiz, 20, true)).await }
        });
        tokio::time::sleep(Duration::from_millis(20)).await;
        assert!(!first.is_finished(), "held for the window");
        let second = w.write(daily(quiz, 21, true)).await;
        assert!(stored(second) && stored(first.await.unwrap()));
        assert_eq!(w.stats().batches, 1);
        assert_eq!(w.stats().largest, 2);
    }

    #[tokio::test]
    async fn a_double_answer_in_one_batch_keeps_the_first() {
        let (_d, pool, quiz) = db().await;
        let w = AnswerWriter::start(&pool, cfg(60_000, 3));
        // join! polls in order: the right answer reaches the writer first.
        let (first, second, other) = tokio::join!(
            w.write(daily(quiz, 30, true)),
            w.write(daily(quiz, 30, false)),
            w.write(daily(quiz, 31, false)),
        );
        assert_eq!(
            (first.unwrap(), second.unwrap(), other.unwrap()),
            (Stored, AlreadyAnswered, Stored)
        );
        assert_eq!(w.stats().batches, 1);
        let stored = qdb::answers_of(&pool, quiz).await.unwrap();
        assert!(
            stored.contains(&(UserId::new(30), true))
                && !stored.contains(&(UserId::new(30), false))
        );
        assert_eq!(stored.len(), 2);
    }

    #[tokio::test]
    async fn a_failing_row_fails_alone() {
        let (_d, pool, quiz) = db().await;
        let w = AnswerWriter::start(&pool, cfg(60_000, 3));
        // Exam 999 does not exist: its row breaks the foreign key.
        let (ok1, bad, ok2) = tokio::join!(
            w.write(daily(quiz, 40, true)),
            w.write(exam(999, 0)),
            w.write(daily(quiz, 42, true)),
        );
        assert!(stored(ok1) && stored(ok2));
        assert!(matches!(bad, Err(WriteError::Row(_))), "{bad:?}");
        assert_eq!(qdb::answers_of(&pool, quiz).await.unwrap().len(), 2);
        assert_eq!(w.stats().batches, 1);
        // Alone in its batch (one statement, no transaction): the same error, nothing stored.
        let w1 = AnswerWriter::start(&pool, cfg(0, 1));
        let alone = w1.write(exam(999, 1)).await;
        assert!(matches!(alone, Err(WriteError::Row(_))), "{alone:?}");
        assert!(stored(w1.write(daily(quiz, 43, true)).await));
        assert_eq!(qdb::answers_of(&pool, quiz).await.unwrap().len(), 3);
    }

    #[tokio::test]
    async fn an_answer_to_a_quiz_that_is_not_open_is_not_stored() {
        let (_d, pool, quiz) = db().await;
        let w = AnswerWriter::start(&pool, cfg(0, 256));
        let closes = Utc.with_ymd_and_hms(2026, 6, 1, 11, 0, 0).unwrap();
        let at = |secs: i64| AnswerRow::Daily {
            quiz_id: quiz,
            guild: GuildId::new(1),
            user: UserId::new(80 + secs.unsigned_abs()),
            answer: "c:0".into(),
            correct: true,
            at: closes + chrono::Duration::seconds(secs),
        };
        // One second before the closing time, at it, after it; then an unknown quiz.
        assert_eq!(w.write(at(-1)).await.unwrap(), Stored);
        assert_eq!(w.write(at(0)).await.unwrap(), Closed);
        assert_eq!(w.write(at(1)).await.unwrap(), Closed);
        assert_eq!(w.write(daily(999, 84, true)).await.unwrap(), Closed);
        // Closed early (the closing job ran): in one batch, the new answer is refused and
        // the member who had answered is told so.
        assert!(qdb::close_quiz(&pool, quiz).await.unwrap());
        let (late, again) = tokio::join!(w.write(at(-2)), w.write(at(-1)));
        assert_eq!((late.unwrap(), again.unwrap()), (Closed, Closed));
        assert_eq!(qdb::answers_of(&pool, quiz).await.unwrap().len(), 1);
    }

    #[tokio::test]
    async fn a_failed_transaction_fails_every_caller_in_it() {
        let (_d, pool, quiz) = db().await;
        let w = AnswerWriter::on(pool.clone(), cfg(60_000, 3));
        pool.close().await;
        let (a, b, c) = tokio::join!(
            w.write(daily(quiz, 50, true)),
            w.write(daily(quiz, 51, true)),
            w.write(daily(quiz, 50, false)),
        );
        for r in [a, b, c] {
            assert!(
                matches!(r, Err(WriteError::Batch { batch: 3, .. })),
                "{r:?}"
            );
        }
        assert_eq!(w.stats().batches, 0);
    }

    #[tokio::test]
    async fn shutdown_stores_what_is_queued_then_refuses() {
        let (_d, pool, quiz) = db().await;
        let w = AnswerWriter::start(&pool, cfg(60_000, 256));
        // join! polls in order: three answers are queued (held for the long window), then the
        // shutdown asks the writer to stop.
        let (a, b, c, ()) = tokio::join!(
            w.write(daily(quiz, 60, true)),
            w.write(daily(quiz, 61, true)),
            w.write(daily(quiz, 62, true)),
            w.shutdown(),
        );
        assert!(stored(a) && stored(b) && stored(c));
        assert_eq!(qdb::answers_of(&pool, quiz).await.unwrap().len(), 3);
        let late = w.write(daily(quiz, 70, true)).await;
        assert!(matches!(late, Err(WriteError::Closed)), "{late:?}");
        let msg = w.store(daily(quiz, 70, true)).await.unwrap_err();
        assert!(
            msg.downcast_ref::<UserError>().is_some(),
            "told to the member"
        );
    }
}
