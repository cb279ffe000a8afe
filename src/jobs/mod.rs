//! Background work, supervised. Every unit of work that talks to Discord is a row in the
//! `jobs` table (what, when, attempts, next attempt, last error; see [`rows`]).
//!
//! Each tick:
//! 1. *scans* (database only) find what became due: daily quizzes to close and to start, exams
//!    past their deadline, certificates to announce, active office-hour sessions; they enqueue
//!    one job row per thing (at most once: `UNIQUE (kind, key)`);
//! 2. due job rows are *claimed* with a lease (see [`rows::claim`]: an owner, this process, and
//!    an expiry it extends while the job runs), so with several processes on one PostgreSQL
//!    database each job runs in one of them; a job whose owner died is claimed again once its
//!    lease expired, and only the current owner records an outcome;
//! 3. every claimed job row runs in its own task with a timeout; a panic or a timeout is caught
//!    (`JoinError::is_panic`) and counted like a transient failure;
//! 4. a transient failure (Discord 5xx, 429, network, timeout, panic) is retried with
//!    exponential back-off (the row's `next_attempt_at`, not every tick); a permanent one
//!    (Discord refused: 4xx), or [`MAX_ATTEMPTS`] failures, parks the row with its error
//!    logged. A parked row is never retried and never blocks the others.
//!
//! The loop itself runs each tick in a supervised task, so nothing a tick does can stop it.
//! Time comes from the injected clock; a restart finds the same rows.

mod certification;
pub mod office_hours;
mod quiz;
pub mod rows;

use crate::app::App;
use chrono::{DateTime, Utc};
use poise::serenity_prelude as serenity;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

/// How often the runner looks for due work (ms); `COURSEBOT_TICK_MS` (`tick_ms`) overrides it.
pub const DEFAULT_TICK_MS: u64 = crate::config::DEFAULT_TICK_MS;
/// Longest time one job may take (ms); `COURSEBOT_JOB_TIMEOUT_MS` (`job_timeout_ms`) overrides it.
pub const DEFAULT_JOB_TIMEOUT_MS: u64 = crate::config::DEFAULT_JOB_TIMEOUT_MS;
/// Failures in a row after which a job is parked.
pub const MAX_ATTEMPTS: i64 = 6;
/// First retry delay; doubled on every failure up to [`MAX_BACKOFF_SECS`].
pub const BASE_BACKOFF_SECS: i64 = 30;
pub const MAX_BACKOFF_SECS: i64 = 3600;
/// Due jobs started per tick.
const BATCH: i64 = 100;

/// The job kind as a metric label: one of the constants (a bounded set), `other` for a
/// corrupt row.
fn kind_label(kind: &str) -> &'static str {
    [
        quiz::POST,
        quiz::REVEAL,
        office_hours::SERIES,
        certification::ANNOUNCE,
        certification::ROLE_ADD,
        certification::ROLE_REMOVE,
        certification::EXAM_DM,
    ]
    .into_iter()
    .find(|k| *k == kind)
    .unwrap_or("other")
}

/// This process as a job owner: `host:pid:random` (the random part tells apart two runs that
/// reuse a pid, and two runners in one test process).
pub fn new_owner() -> String {
    use std::hash::{BuildHasher, Hasher};
    let host = std::env::var("HOSTNAME")
        .ok()
        .filter(|h| !h.is_empty())
        .or_else(|| {
            std::fs::read_to_string("/etc/hostname")
                .ok()
                .map(|h| h.trim().to_string())
        })
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "localhost".into());
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0),
    );
    format!("{host}:{}:{:08x}", std::process::id(), h.finish() as u32)
}

/// Who claims jobs, and for how long.
#[derive(Debug, Clone)]
pub struct Worker {
    pub owner: Arc<str>,
    pub lease: chrono::Duration,
}

impl Worker {
    /// This process, with the lease of `app`'s configuration (`job_lease_secs`).
    pub fn of(app: &App) -> Worker {
        Worker {
            owner: new_owner().into(),
            lease: app.timing.job_lease,
        }
    }
}

/// Why a job did not finish.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// Worth retrying later: Discord 5xx or 429, a network error, a timeout, a panic.
    Transient(String),
    /// Retrying cannot help: Discord refused (missing access, unknown channel), a corrupt row.
    Permanent(String),
    /// Discord answered 429 (rate limited): retried within the same attempt once the limit's
    /// window has passed ([`RateGate`]); counted like a transient failure if it persists.
    RateLimited(String),
}

impl Failure {
    pub fn message(&self) -> &str {
        match self {
            Failure::Transient(m) | Failure::Permanent(m) | Failure::RateLimited(m) => m,
        }
    }
}

impl From<serenity::Error> for Failure {
    fn from(e: serenity::Error) -> Self {
        let text = describe(&e);
        if is_rate_limited(&e) {
            Failure::RateLimited(text)
        } else if is_permanent(&e) {
            Failure::Permanent(text)
        } else {
            Failure::Transient(text)
        }
    }
}

impl From<anyhow::Error> for Failure {
    fn from(e: anyhow::Error) -> Self {
        Failure::Transient(format!("{e:#}"))
    }
}

impl From<sqlx::Error> for Failure {
    fn from(e: sqlx::Error) -> Self {
        Failure::Transient(e.to_string())
    }
}

/// What a handler asks for after success.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Next {
    /// Finished for good.
    Done,
    /// Recurring work: due again at this time.
    Again(DateTime<Utc>),
}

pub type JobResult = Result<Next, Failure>;

/// A scan of the database for work that became due.
type Scan = std::pin::Pin<Box<dyn Future<Output = JobResult> + Send>>;

/// Delay before the next attempt after `attempts` failures in a row (1 → 30 s, 2 → 60 s, ...,
/// at most an hour).
pub fn backoff(attempts: i64) -> chrono::Duration {
    let exp = (attempts - 1).clamp(0, 20) as u32;
    chrono::Duration::seconds(
        BASE_BACKOFF_SECS
            .saturating_mul(1i64 << exp)
            .min(MAX_BACKOFF_SECS),
    )
}

/// Run `fut` in its own task with a timeout; a panic or a timeout becomes a transient failure.
pub async fn isolated<F>(what: &str, timeout: Duration, fut: F) -> JobResult
where
    F: Future<Output = JobResult> + Send + 'static,
{
    let handle = tokio::spawn(fut);
    let abort = handle.abort_handle();
    match tokio::time::timeout(timeout, handle).await {
        Ok(Ok(r)) => r,
        Ok(Err(e)) if e.is_panic() => {
            let p = e.into_panic();
            let msg = p
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| p.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "a panic".into());
            tracing::error!(job = what, panic = %msg, "job panicked");
            Err(Failure::Transient(format!("panicked: {msg}")))
        }
        Ok(Err(_)) => Err(Failure::Transient("cancelled".into())),
        Err(_) => {
            abort.abort();
            Err(Failure::Transient(format!(
                "timed out after {} ms",
                timeout.as_millis()
            )))
        }
    }
}

/// How long the runner waits after a 429 before sending again: Discord's global limit counts
/// per second, so its `retry_after` is under a second. (With serenity's rate limiter off, which
/// a proxy/API base needs, serenity reports a 429 as an error without its `retry_after`: the
/// body has no `code`, which its error type requires.)
pub const RATE_LIMIT_WAIT: Duration = Duration::from_millis(1000);
/// Sends of one job answered 429 in a row after which the attempt counts as a failure.
pub const RATE_LIMIT_TRIES: u32 = 25;

/// After a 429 every job of this process waits until the limit's window has passed, instead of
/// each one hammering Discord (the global limit is per bot, shared by all its jobs).
#[derive(Default)]
pub struct RateGate {
    until: std::sync::Mutex<Option<tokio::time::Instant>>,
}

impl RateGate {
    /// Wait until no 429 pause is in force.
    pub async fn wait(&self) {
        loop {
            let until = *self.until.lock().unwrap_or_else(|e| e.into_inner());
            match until {
                Some(t) if t > tokio::time::Instant::now() => tokio::time::sleep_until(t).await,
                _ => return,
            }
        }
    }

    /// Pause every sender for `wait` from now (a later pause already in force stays).
    pub fn pause(&self, wait: Duration) {
        let t = tokio::time::Instant::now() + wait;
        let mut u = self.until.lock().unwrap_or_else(|e| e.into_inner());
        if u.map(|x| x < t).unwrap_or(true) {
            *u = Some(t);
        }
    }
}

/// Run `job`'s handler; when Discord answers 429, wait for the limit's window ([`RateGate`])
/// and run it again (at most [`RATE_LIMIT_TRIES`] times). Safe: nothing was sent by the refused
/// request, and every post carries the job's nonce.
async fn handle_limited(
    app: App,
    http: Arc<serenity::Http>,
    job: rows::Job,
    gate: Arc<RateGate>,
) -> JobResult {
    let mut tries = 0;
    loop {
        gate.wait().await;
        match handle(app.clone(), http.clone(), job.clone()).await {
            Err(Failure::RateLimited(e)) if tries + 1 < RATE_LIMIT_TRIES => {
                tries += 1;
                tracing::debug!(job = %format!("{}:{}", job.kind, job.key), tries, error = %e, "rate limited; waiting for the window");
                gate.pause(RATE_LIMIT_WAIT);
            }
            other => return other,
        }
    }
}

/// Start the runner for `app`, sending through `http`. Abort the returned handle to stop it
/// (between ticks nothing is lost: what is due stays in the database).
pub fn start(app: App, http: Arc<serenity::Http>) -> tokio::task::AbortHandle {
    let worker = Worker::of(&app);
    start_as(app, http, worker)
}

/// [`start`] with a given owner and lease (tests run two "processes" in one).
pub fn start_as(app: App, http: Arc<serenity::Http>, worker: Worker) -> tokio::task::AbortHandle {
    let every = app.timing.tick;
    let gate = Arc::new(RateGate::default());
    tokio::spawn(async move {
        tracing::info!(
            every_ms = every.as_millis() as u64,
            owner = %worker.owner,
            lease_secs = worker.lease.num_seconds(),
            "job runner started"
        );
        loop {
            // The tick runs in its own task: even a panic outside any job cannot stop the loop.
            let t = tokio::spawn(tick_as(
                app.clone(),
                http.clone(),
                gate.clone(),
                worker.clone(),
            ));
            // Stopping the runner (shutdown) stops the tick in flight too, before the database
            // closes under it; its jobs are leased, so this is what a crash would leave.
            let _stop_with_runner = AbortOnDrop(t.abort_handle());
            match t.await {
                // A full batch: more is due now, go on without waiting.
                Ok(n) if n >= BATCH as usize => continue,
                Ok(_) => {}
                Err(e) => tracing::error!(error = %e, "job tick panicked; the runner goes on"),
            }
            tokio::time::sleep(every).await;
        }
    })
    .abort_handle()
}

/// Aborts a task when dropped (when the task holding it is aborted).
struct AbortOnDrop(tokio::task::AbortHandle);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Ticks the runner has completed (stored, so tests and operators can wait for one).
pub async fn ticks(db: &crate::store::Db) -> i64 {
    rows::ticks(db).await.unwrap_or(0)
}

/// One tick: scan for what became due, then claim and run the due job rows; returns how many
/// ran.
pub async fn tick(app: App, http: Arc<serenity::Http>, gate: Arc<RateGate>) -> usize {
    let worker = Worker::of(&app);
    tick_as(app, http, gate, worker).await
}

/// [`tick`] as `worker`.
pub async fn tick_as(
    app: App,
    http: Arc<serenity::Http>,
    gate: Arc<RateGate>,
    worker: Worker,
) -> usize {
    // The content as it is now (a reload between ticks is picked up here).
    let app = app.current();
    let now = app.clock.now();
    let limit = app.timing.job_timeout;
    // Scans, each isolated: one that fails does not hold up the others.
    let scans: [(&str, Scan); 3] = [
        ("quiz scan", Box::pin(quiz::scan(app.clone(), now))),
        (
            "office hours scan",
            Box::pin(office_hours::scan(app.clone(), now)),
        ),
        (
            "certification scan",
            Box::pin(certification::scan(app.clone(), now)),
        ),
    ];
    for (name, fut) in scans {
        if let Err(f) = isolated(name, limit, fut).await {
            tracing::error!(scan = name, error = f.message(), "scan failed");
        }
    }
    let mut ran = 0;
    let lease_until = now.checked_add_signed(worker.lease).unwrap_or(now);
    match rows::claim(&app.db, &worker.owner, now, lease_until, BATCH).await {
        Ok(due) => {
            crate::ops::metrics::jobs_due(due.len());
            ran = due.len();
            let mut set = tokio::task::JoinSet::new();
            for job in due {
                let (app, http, gate, worker) =
                    (app.clone(), http.clone(), gate.clone(), worker.clone());
                set.spawn(async move {
                    let what = format!("{}:{}", job.kind, job.key);
                    let keep = keep_lease(app.clone(), worker.clone(), job.id);
                    let r = isolated(
                        &what,
                        limit,
                        handle_limited(app.clone(), http, job.clone(), gate),
                    )
                    .await;
                    keep.abort();
                    if let Err(e) = record(&app, &worker, &job, r, now).await {
                        tracing::error!(job = %what, error = %e, "recording the job outcome failed");
                    }
                });
            }
            while let Some(r) = set.join_next().await {
                if let Err(e) = r {
                    tracing::error!(error = %e, "job supervisor task failed");
                }
            }
        }
        Err(e) => tracing::error!(error = %e, "reading due jobs failed"),
    }
    if let Err(e) = rows::count_tick(&app.db, now).await {
        tracing::warn!(error = %e, "counting the tick failed");
    }
    ran
}

/// Run the handler of a job's kind.
async fn handle(app: App, http: Arc<serenity::Http>, job: rows::Job) -> JobResult {
    match job.kind.as_str() {
        quiz::POST => quiz::post(&app, &http, &job).await,
        quiz::REVEAL => quiz::reveal(&app, &http, &job).await,
        office_hours::SERIES => office_hours::series(&app, &http, &job).await,
        certification::ANNOUNCE => certification::announce(&app, &http, &job).await,
        certification::ROLE_ADD => certification::role_add(&app, &http, &job).await,
        certification::ROLE_REMOVE => certification::role_remove(&app, &http, &job).await,
        certification::EXAM_DM => certification::exam_dm(&app, &http, &job).await,
        other => Err(Failure::Permanent(format!("unknown job kind `{other}`"))),
    }
}

/// Extend the lease on a running job every third of the lease (real time), from the injected
/// clock's now, until aborted. When the lease was lost (another process took the job over after
/// it expired), it says so and stops.
fn keep_lease(app: App, worker: Worker, id: i64) -> tokio::task::AbortHandle {
    let every = (worker.lease / 3)
        .to_std()
        .unwrap_or(Duration::from_secs(1))
        .max(Duration::from_millis(10));
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(every).await;
            let now = app.clock.now();
            let until = now.checked_add_signed(worker.lease).unwrap_or(now);
            match rows::extend(&app.db, id, &worker.owner, until).await {
                Ok(true) => {}
                Ok(false) => {
                    tracing::warn!(job = id, owner = %worker.owner, "job lease lost: another process took the job over");
                    return;
                }
                Err(e) => tracing::warn!(job = id, error = %e, "extending the job lease failed"),
            }
        }
    })
    .abort_handle()
}

/// Store what a job's attempt did, if this worker still holds the job. A job taken over by
/// another process after our lease expired is theirs: our outcome is dropped (and logged).
async fn record(
    app: &App,
    worker: &Worker,
    job: &rows::Job,
    r: JobResult,
    now: DateTime<Utc>,
) -> sqlx::Result<()> {
    let what = format!("{}:{}", job.kind, job.key);
    // Lag: from the tick that found the job due (at most one tick after its due time while
    // the runner runs) to the end of this attempt, on the injected clock.
    let lag = (app.clock.now() - now).to_std().unwrap_or_default();
    let outcome = match &r {
        Ok(Next::Done) => "done",
        Ok(Next::Again(_)) => "again",
        Err(Failure::Permanent(_)) => "parked",
        Err(Failure::Transient(_) | Failure::RateLimited(_))
            if job.attempts + 1 >= MAX_ATTEMPTS =>
        {
            "parked"
        }
        Err(Failure::Transient(_) | Failure::RateLimited(_)) => "retry",
    };
    crate::ops::metrics::job(kind_label(&job.kind), outcome, lag);
    let me = &*worker.owner;
    let kept = match r {
        Ok(Next::Done) => rows::done(&app.db, job.id, me, now).await?,
        Ok(Next::Again(at)) => rows::again(&app.db, job.id, me, at, now).await?,
        Err(Failure::Permanent(e)) => {
            tracing::error!(job = %what, error = %e, "job failed permanently; parked");
            rows::park(&app.db, job.id, me, job.attempts + 1, &e, now).await?
        }
        Err(Failure::Transient(e)) | Err(Failure::RateLimited(e)) => {
            let attempts = job.attempts + 1;
            if attempts >= MAX_ATTEMPTS {
                tracing::error!(job = %what, attempts, error = %e, "job failed too often; parked");
                rows::park(&app.db, job.id, me, attempts, &e, now).await?
            } else {
                let at = now.checked_add_signed(backoff(attempts)).unwrap_or(now);
                tracing::warn!(job = %what, attempts, error = %e, retry_at = %at, "job failed; will retry");
                rows::retry(&app.db, job.id, me, attempts, at, &e, now).await?
            }
        }
    };
    if !kept {
        tracing::warn!(job = %what, owner = me, "job outcome not recorded: its lease expired and another process holds it now");
    }
    Ok(())
}

/// Whether an HTTP error is permanent (Discord refused: missing access, unknown channel...),
/// in which case retrying is pointless.
pub fn is_permanent(e: &serenity::Error) -> bool {
    match e {
        serenity::Error::Http(serenity::HttpError::UnsuccessfulRequest(r)) => {
            r.status_code.is_client_error() && r.status_code.as_u16() != 429
        }
        _ => false,
    }
}

/// Whether Discord answered 429 Too Many Requests.
pub fn is_rate_limited(e: &serenity::Error) -> bool {
    matches!(e, serenity::Error::Http(serenity::HttpError::UnsuccessfulRequest(r)) if r.status_code.as_u16() == 429)
}

/// A short description of a Discord error for logs and moderators (never the token).
pub fn describe(e: &serenity::Error) -> String {
    match e {
        serenity::Error::Http(serenity::HttpError::UnsuccessfulRequest(r)) => format!(
            "Discord said {}: {}",
            r.status_code.as_u16(),
            r.error.message
        ),
        other => {
            // serenity's text ("Error while sending HTTP request.") hides the cause: add
            // reqwest's chain ("Connection refused", "dns error", ...).
            let mut text = other.to_string();
            let mut source: Option<&(dyn std::error::Error + 'static)> = match other {
                serenity::Error::Http(serenity::HttpError::Request(r)) => Some(r),
                _ => std::error::Error::source(other),
            };
            while let Some(s) = source {
                let t = s.to_string();
                if !text.contains(&t) {
                    text.push_str(": ");
                    text.push_str(&t);
                }
                source = s.source();
            }
            text
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_is_capped() {
        assert_eq!(backoff(1).num_seconds(), 30);
        assert_eq!(backoff(2).num_seconds(), 60);
        assert_eq!(backoff(3).num_seconds(), 120);
        assert_eq!(backoff(100).num_seconds(), MAX_BACKOFF_SECS);
        assert_eq!(backoff(0).num_seconds(), 30);
        assert_eq!(backoff(i64::MAX).num_seconds(), MAX_BACKOFF_SECS);
    }

    #[tokio::test]
    async fn a_panicking_job_is_caught_and_others_finish() {
        let t = Duration::from_secs(5);
        let bad = isolated("bad", t, async {
            let v: Vec<u8> = Vec::new();
            #[allow(clippy::indexing_slicing)]
            let _ = v[3];
            Ok(Next::Done)
        });
        let good = isolated("good", t, async { Ok(Next::Done) });
        let (b, g) = tokio::join!(bad, good);
        match b {
            Err(Failure::Transient(m)) => assert!(m.starts_with("panicked"), "{m}"),
            other => panic!("{other:?}"),
        }
        assert_eq!(g, Ok(Next::Done));
    }

    #[tokio::test]
    async fn a_hanging_job_times_out() {
        let r = isolated("slow", Duration::from_millis(50), async {
            tokio::time::sleep(Duration::from_secs(3600)).await;
            Ok(Next::Done)
        })
        .await;
        assert!(matches!(r, Err(Failure::Transient(m)) if m.contains("timed out")));
    }
}
