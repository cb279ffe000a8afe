//! Prometheus metrics through the `metrics` facade. The recorder is installed only when a
//! metrics address is configured ([`install`]); before that (and in tools such as `export`)
//! every function here is a no-op costing an atomic load.
//!
//! Names follow the Prometheus conventions: `coursebot_` prefix, base units (`_seconds`),
//! `_total` for counters. Labels are bounded sets: command names, outcomes, job kinds, shard
//! ids, query operations. Never a user, guild or channel id.
//!
//! | metric | type | labels |
//! |---|---|---|
//! | `coursebot_interactions_total` | counter | `command`, `outcome` (`ok`, `user_error`, `error`) |
//! | `coursebot_interaction_duration_seconds` | histogram | `command` |
//! | `coursebot_search_duration_seconds` | histogram | |
//! | `coursebot_gateway_connected` | gauge (0/1) | `shard` |
//! | `coursebot_gateway_latency_seconds` | gauge | `shard` |
//! | `coursebot_jobs_due` | gauge: due jobs seen by the last tick | |
//! | `coursebot_jobs_total` | counter | `kind`, `outcome` (`done`, `again`, `retry`, `parked`) |
//! | `coursebot_job_lag_seconds` | histogram: due → finished | `kind` |
//! | `coursebot_answers_stored_total` | counter | `kind` (`daily`, `practice`, `exam`) |
//! | `coursebot_answer_batches_total` | counter: answer-writer transactions | |
//! | `coursebot_answer_batch_seconds` | histogram: one batch, begin → commit | |
//! | `coursebot_db_pool_connections` / `coursebot_db_pool_idle_connections` | gauge | |
//! | `coursebot_db_query_duration_seconds` | histogram | `op` |
//! | `coursebot_content_info` | gauge = 1 | `hash` (one value: the current content) |
//! | `coursebot_content_reloads_total` | counter | `outcome` (`ok`, `invalid`, `error`) |
//! | `coursebot_index_build_seconds` | gauge: last build | |
//! | `coursebot_build_info` | gauge = 1 | `version`, `commit` |

use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

pub const INTERACTIONS: &str = "coursebot_interactions_total";
pub const INTERACTION_SECONDS: &str = "coursebot_interaction_duration_seconds";
pub const SEARCH_SECONDS: &str = "coursebot_search_duration_seconds";
pub const GATEWAY_CONNECTED: &str = "coursebot_gateway_connected";
pub const GATEWAY_LATENCY: &str = "coursebot_gateway_latency_seconds";
pub const JOBS_DUE: &str = "coursebot_jobs_due";
pub const JOBS: &str = "coursebot_jobs_total";
pub const JOB_LAG: &str = "coursebot_job_lag_seconds";
pub const ANSWERS: &str = "coursebot_answers_stored_total";
pub const ANSWER_BATCHES: &str = "coursebot_answer_batches_total";
pub const ANSWER_BATCH_SECONDS: &str = "coursebot_answer_batch_seconds";
pub const DB_POOL: &str = "coursebot_db_pool_connections";
pub const DB_POOL_IDLE: &str = "coursebot_db_pool_idle_connections";
pub const DB_QUERY_SECONDS: &str = "coursebot_db_query_duration_seconds";
pub const CONTENT_INFO: &str = "coursebot_content_info";
pub const RELOADS: &str = "coursebot_content_reloads_total";
pub const INDEX_BUILD: &str = "coursebot_index_build_seconds";
pub const BUILD_INFO: &str = "coursebot_build_info";

/// Every metric name, for the tests that keep deploy/alerts.yml and the dashboard honest.
pub const ALL: &[&str] = &[
    INTERACTIONS,
    INTERACTION_SECONDS,
    SEARCH_SECONDS,
    GATEWAY_CONNECTED,
    GATEWAY_LATENCY,
    JOBS_DUE,
    JOBS,
    JOB_LAG,
    ANSWERS,
    ANSWER_BATCHES,
    ANSWER_BATCH_SECONDS,
    DB_POOL,
    DB_POOL_IDLE,
    DB_QUERY_SECONDS,
    CONTENT_INFO,
    RELOADS,
    INDEX_BUILD,
    BUILD_INFO,
];

/// Histogram buckets (seconds): 1 ms to 60 s.
const BUCKETS: &[f64] = &[
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0,
];

static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
/// The content hash currently exported (its gauge is set to 0 when replaced).
static CONTENT: Mutex<Option<String>> = Mutex::new(None);
/// The last index build time (s), kept for a recorder installed after the build.
static INDEX_BUILD_SECS: Mutex<Option<f64>> = Mutex::new(None);

/// Install the Prometheus recorder (once per process; later calls return the same handle).
/// `None` when another recorder was installed first.
pub fn install() -> Option<&'static PrometheusHandle> {
    if let Some(h) = HANDLE.get() {
        return Some(h);
    }
    let recorder = PrometheusBuilder::new()
        .set_buckets(BUCKETS)
        .expect("static buckets are not empty")
        .build_recorder();
    let handle = recorder.handle();
    if metrics::set_global_recorder(recorder).is_err() {
        return HANDLE.get();
    }
    let _ = HANDLE.set(handle);
    describe();
    metrics::gauge!(BUILD_INFO, "version" => env!("CARGO_PKG_VERSION"), "commit" => crate::cli::GIT_COMMIT)
        .set(1.0);
    // What happened before the recorder existed: the content loaded, the index built.
    if let Some(h) = CONTENT.lock().unwrap_or_else(|e| e.into_inner()).clone() {
        metrics::gauge!(CONTENT_INFO, "hash" => h).set(1.0);
    }
    if let Some(s) = *INDEX_BUILD_SECS.lock().unwrap_or_else(|e| e.into_inner()) {
        metrics::gauge!(INDEX_BUILD).set(s);
    }
    HANDLE.get()
}

/// The metrics in the Prometheus text format (empty when not installed).
pub fn render() -> String {
    HANDLE.get().map(|h| h.render()).unwrap_or_default()
}

fn describe() {
    use metrics::{describe_counter, describe_gauge, describe_histogram, Unit};
    describe_counter!(
        INTERACTIONS,
        "Slash commands handled, by command and outcome."
    );
    describe_histogram!(
        INTERACTION_SECONDS,
        Unit::Seconds,
        "Time from receiving a slash command to finishing it."
    );
    describe_histogram!(SEARCH_SECONDS, Unit::Seconds, "Time of one course search.");
    describe_gauge!(
        GATEWAY_CONNECTED,
        "1 when the shard's gateway session is connected (READY received)."
    );
    describe_gauge!(
        GATEWAY_LATENCY,
        Unit::Seconds,
        "Gateway heartbeat round trip of the shard."
    );
    describe_gauge!(
        JOBS_DUE,
        "Due job rows found by the last tick of the job runner."
    );
    describe_counter!(JOBS, "Job attempts finished, by kind and outcome.");
    describe_histogram!(
        JOB_LAG,
        Unit::Seconds,
        "Time from when a job was due to when its attempt finished."
    );
    describe_counter!(ANSWERS, "Answers stored (daily quiz, practice, exam).");
    describe_counter!(
        ANSWER_BATCHES,
        "Transactions committed by the answer writer (answers are grouped)."
    );
    describe_histogram!(
        ANSWER_BATCH_SECONDS,
        Unit::Seconds,
        "Time to store one batch of answers, begin to commit."
    );
    describe_gauge!(DB_POOL, "Open database connections.");
    describe_gauge!(DB_POOL_IDLE, "Idle database connections.");
    describe_histogram!(
        DB_QUERY_SECONDS,
        Unit::Seconds,
        "Database query latency by operation."
    );
    describe_gauge!(CONTENT_INFO, "1 for the hash of the content being served.");
    describe_counter!(RELOADS, "Content reloads by outcome.");
    describe_gauge!(
        INDEX_BUILD,
        Unit::Seconds,
        "How long the last search index build took."
    );
    describe_gauge!(BUILD_INFO, "1, labelled with the version and git commit.");
}

/// The outcome label of an interaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Ok,
    /// Refused with a message for the member (bad input, no permission, cooldown).
    UserError,
    /// Failed on the bot's side.
    Error,
}

impl Outcome {
    pub fn label(self) -> &'static str {
        match self {
            Outcome::Ok => "ok",
            Outcome::UserError => "user_error",
            Outcome::Error => "error",
        }
    }
}

/// A slash command finished. `command` is its qualified name (a bounded set).
pub fn interaction(command: &str, outcome: Outcome, took: Duration) {
    metrics::counter!(INTERACTIONS, "command" => command.to_string(), "outcome" => outcome.label())
        .increment(1);
    metrics::histogram!(INTERACTION_SECONDS, "command" => command.to_string())
        .record(took.as_secs_f64());
}

/// One search took `took`.
pub fn search(took: Duration) {
    metrics::histogram!(SEARCH_SECONDS).record(took.as_secs_f64());
}

/// A shard's gateway state and heartbeat latency (when known).
pub fn gateway(shard: u32, connected: bool, latency: Option<Duration>) {
    let s = shard.to_string();
    metrics::gauge!(GATEWAY_CONNECTED, "shard" => s.clone()).set(if connected { 1.0 } else { 0.0 });
    if let Some(l) = latency {
        metrics::gauge!(GATEWAY_LATENCY, "shard" => s).set(l.as_secs_f64());
    }
}

/// Due job rows found by a tick.
pub fn jobs_due(n: usize) {
    metrics::gauge!(JOBS_DUE).set(n as f64);
}

/// A job attempt of `kind` finished with `outcome` (`done`, `again`, `retry`, `parked`),
/// `lag` after it was due. `kind` is one of the job kind constants (a bounded set).
pub fn job(kind: &'static str, outcome: &'static str, lag: Duration) {
    metrics::counter!(JOBS, "kind" => kind, "outcome" => outcome).increment(1);
    metrics::histogram!(JOB_LAG, "kind" => kind).record(lag.as_secs_f64());
}

/// An answer was stored: `kind` is `daily`, `practice` or `exam`.
pub fn answer_stored(kind: &'static str) {
    metrics::counter!(ANSWERS, "kind" => kind).increment(1);
}

/// The answer writer committed one batch in `took` (answers per batch: the ratio of
/// [`ANSWERS`] to [`ANSWER_BATCHES`]).
pub fn answer_batch(took: Duration) {
    metrics::counter!(ANSWER_BATCHES).increment(1);
    metrics::histogram!(ANSWER_BATCH_SECONDS).record(took.as_secs_f64());
}

/// Database pool usage.
pub fn db_pool(size: u32, idle: usize) {
    metrics::gauge!(DB_POOL).set(size as f64);
    metrics::gauge!(DB_POOL_IDLE).set(idle as f64);
}

/// A database query took `took`. `op` names the query (a constant such as
/// `"quiz.insert_answer"`, never data). The store's query macro calls this for every query;
/// call sites outside the store may call it directly.
pub fn observe_db_query(op: &'static str, took: Duration) {
    metrics::histogram!(DB_QUERY_SECONDS, "op" => op).record(took.as_secs_f64());
}

/// Time `fut` as the database operation `op`.
pub async fn timed_query<T>(op: &'static str, fut: impl std::future::Future<Output = T>) -> T {
    let started = std::time::Instant::now();
    let r = fut.await;
    observe_db_query(op, started.elapsed());
    r
}

/// The content being served now has hash `hash`.
pub fn content_version(hash: u64) {
    let h = format!("{hash:016x}");
    let mut cur = CONTENT.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(old) = cur.replace(h.clone()) {
        if old != h {
            metrics::gauge!(CONTENT_INFO, "hash" => old).set(0.0);
        }
    }
    metrics::gauge!(CONTENT_INFO, "hash" => h).set(1.0);
}

/// A content reload ended with `outcome` (`ok`, `invalid`, `error`).
pub fn reload(outcome: &'static str) {
    metrics::counter!(RELOADS, "outcome" => outcome).increment(1);
}

/// The search index was built in `took`.
pub fn index_built(took: Duration) {
    *INDEX_BUILD_SECS.lock().unwrap_or_else(|e| e.into_inner()) = Some(took.as_secs_f64());
    metrics::gauge!(INDEX_BUILD).set(took.as_secs_f64());
}
