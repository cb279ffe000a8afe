//! Everything the running bot shares: the course, its search index, the database and the clock.
//!
//! The course and its index can be replaced while the bot runs (`/admin reload`, SIGHUP; see
//! [`crate::ops::reload`]). An [`App`] is a *snapshot*: `app.course` is the course as it was
//! when the snapshot was taken, so one interaction or one job tick sees one consistent course
//! from start to end, and in-flight searches finish on the index they started with.
//! [`App::current`] takes a fresh snapshot; the Discord layer and the job runner take one per
//! interaction and per tick.

use crate::clock::SharedClock;
use crate::config::Config;
use crate::content::{content_hash, load_course, Course};
use crate::quiz::daily::QuizCache;
use crate::quiz::writer::{AnswerWriter, WriterConfig};
use crate::search::SearchIndex;
use crate::store::Db;
use anyhow::{Context, Result};
use std::path::PathBuf;
use std::sync::{Arc, OnceLock};
use std::time::Duration;
use tokio::sync::watch;

/// One version of the content: the course, its index once built, and the hash of the files.
#[derive(Clone)]
pub struct Content {
    pub course: Arc<Course>,
    /// `None` while the first index is being opened or built at start-up.
    pub search: Option<Arc<SearchIndex>>,
    /// [`content_hash`] of the files this course was loaded from (0 when unknown).
    pub hash: u64,
}

/// Timings of the job runner, from the configuration.
#[derive(Debug, Clone, Copy)]
pub struct Timing {
    pub tick: Duration,
    pub job_timeout: Duration,
    /// How long a claimed job stays this process's without being extended.
    pub job_lease: chrono::Duration,
}

impl Timing {
    pub fn from_config(c: &Config) -> Timing {
        Timing {
            tick: Duration::from_millis(c.tick_ms.max(10)),
            job_timeout: Duration::from_millis(c.job_timeout_ms.max(10)),
            job_lease: chrono::Duration::seconds(c.job_lease_secs.clamp(1, 86_400) as i64),
        }
    }
}

impl Default for Timing {
    fn default() -> Self {
        Timing::from_config(&Config::default())
    }
}

/// What every snapshot shares: the current content and where it comes from.
pub struct Live {
    pub content_dir: PathBuf,
    pub index_dir: PathBuf,
    content: watch::Sender<Content>,
    /// One reload at a time.
    pub(crate) reload_lock: tokio::sync::Mutex<()>,
    /// Where `/metrics`, `/healthz` and `/readyz` are served, once bound.
    pub(crate) ops_addr: OnceLock<std::net::SocketAddr>,
}

#[derive(Clone)]
pub struct App {
    /// The course of this snapshot (see the module docs).
    pub course: Arc<Course>,
    pub db: Db,
    /// The process's one answer writer: daily, practice and exam answers are committed in
    /// batches ([`crate::quiz::writer`]).
    pub answers: AnswerWriter,
    /// Daily quizzes read by their answers ([`crate::quiz::daily::QuizCache`]).
    pub quizzes: QuizCache,
    pub clock: SharedClock,
    pub timing: Timing,
    /// The index of this snapshot's course, when it was ready at the snapshot.
    search: Option<Arc<SearchIndex>>,
    live: Arc<Live>,
}

impl App {
    /// Load the content (an error listing every problem if it is broken) and the database
    /// (migrated). The search index is opened, or rebuilt when the content changed, in the
    /// background so that connecting to Discord does not wait for it.
    pub async fn open(config: &Config, clock: SharedClock) -> Result<App> {
        let content_dir = config.content_dir.clone();
        let (course, hash) = {
            let dir = content_dir.clone();
            tokio::task::spawn_blocking(move || -> Result<(Course, u64)> {
                let course = load_course(&dir)?;
                let hash = content_hash(&dir).context("hashing the content")?;
                Ok((course, hash))
            })
            .await??
        };
        let course = Arc::new(course);
        crate::ops::metrics::content_version(hash);
        let db = crate::store::connect(&config.database_url).await?;
        let answers = AnswerWriter::start(&db, WriterConfig::from_config(config));
        let (tx, _) = watch::channel(Content {
            course: course.clone(),
            search: None,
            hash,
        });
        let live = Arc::new(Live {
            content_dir,
            index_dir: config.index_dir.clone(),
            content: tx,
            reload_lock: tokio::sync::Mutex::new(()),
            ops_addr: OnceLock::new(),
        });
        let (c2, l2) = (course.clone(), live.clone());
        tokio::task::spawn_blocking(move || {
            let started = std::time::Instant::now();
            match SearchIndex::open_or_build(&l2.index_dir, &c2, hash) {
                Ok(s) => {
                    if s.rebuilt {
                        crate::ops::metrics::index_built(started.elapsed());
                    }
                    tracing::info!(
                        docs = s.num_docs(),
                        rebuilt = s.rebuilt,
                        "search index ready"
                    );
                    let s = Arc::new(s);
                    // Only if no reload replaced the course meanwhile.
                    l2.content.send_if_modified(|c| {
                        let same = Arc::ptr_eq(&c.course, &c2) && c.search.is_none();
                        if same {
                            c.search = Some(s.clone());
                        }
                        same
                    });
                }
                Err(e) => tracing::error!(error = format!("{e:#}"), "search index failed"),
            }
        });
        Ok(App {
            course,
            answers,
            quizzes: QuizCache::default(),
            db,
            clock,
            timing: Timing::from_config(config),
            search: None,
            live,
        })
    }

    /// For tests: an app over an already open course and index (starts an answer writer on
    /// the current tokio runtime).
    pub fn from_parts(
        course: Arc<Course>,
        search: Arc<SearchIndex>,
        db: Db,
        clock: SharedClock,
    ) -> App {
        let (tx, _) = watch::channel(Content {
            course: course.clone(),
            search: Some(search.clone()),
            hash: 0,
        });
        App {
            course,
            answers: AnswerWriter::start(&db, WriterConfig::default()),
            quizzes: QuizCache::default(),
            db,
            clock,
            timing: Timing::default(),
            search: Some(search),
            live: Arc::new(Live {
                content_dir: PathBuf::from("content"),
                index_dir: search_dir_parent(),
                content: tx,
                reload_lock: tokio::sync::Mutex::new(()),
                ops_addr: OnceLock::new(),
            }),
        }
    }

    /// A snapshot of the current content (after a reload: the new course and index).
    pub fn current(&self) -> App {
        let c = self.live.content.borrow().clone();
        App {
            course: c.course,
            search: c.search,
            db: self.db.clone(),
            answers: self.answers.clone(),
            quizzes: self.quizzes.clone(),
            clock: self.clock.clone(),
            timing: self.timing,
            live: self.live.clone(),
        }
    }

    /// The current content (course, index, hash).
    pub fn content(&self) -> Content {
        self.live.content.borrow().clone()
    }

    pub fn live(&self) -> &Arc<Live> {
        &self.live
    }

    /// Replace the content: every later snapshot sees `content` (in-flight work keeps its own).
    pub(crate) fn swap(&self, content: Content) -> Content {
        self.live.content.send_replace(content)
    }

    /// Where `/metrics`, `/healthz` and `/readyz` are served, once the listener is bound.
    pub fn ops_addr(&self) -> Option<std::net::SocketAddr> {
        self.live.ops_addr.get().copied()
    }

    /// The search index of this snapshot's course, waiting at most `wait` for it while it is
    /// still being built at start-up. `None` when it is not ready in time (or the course was
    /// replaced meanwhile: a fresh snapshot has the new index).
    pub async fn search_within(&self, wait: Duration) -> Option<Arc<SearchIndex>> {
        if let Some(s) = &self.search {
            return Some(s.clone());
        }
        let mut rx = self.live.content.subscribe();
        let course = self.course.clone();
        let r = tokio::time::timeout(
            wait,
            rx.wait_for(|c| c.search.is_some() || !Arc::ptr_eq(&c.course, &course)),
        )
        .await;
        match r {
            Ok(Ok(c)) if Arc::ptr_eq(&c.course, &course) => c.search.clone(),
            _ => None,
        }
    }
}

/// Index directory of an app made of parts (tests): a reload builds there.
fn search_dir_parent() -> PathBuf {
    std::env::temp_dir().join("coursebot-index")
}
