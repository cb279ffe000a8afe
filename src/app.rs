//! Everything the running bot shares: the course, its search index, the database and the clock.

use crate::clock::SharedClock;
use crate::config::Config;
use crate::content::{content_hash, load_course, Course};
use crate::search::SearchIndex;
use crate::store::Db;
use anyhow::{Context, Result};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;

#[derive(Clone)]
pub struct App {
    pub course: Arc<Course>,
    pub db: Db,
    pub clock: SharedClock,
    search: watch::Receiver<Option<Arc<SearchIndex>>>,
}

impl App {
    /// Load the content (an error listing every problem if it is broken) and the database
    /// (migrated). The search index is opened, or rebuilt when the content changed, in the
    /// background so that connecting to Discord does not wait for it.
    pub async fn open(config: &Config, clock: SharedClock) -> Result<App> {
        let content_dir = config.content_dir.clone();
        let course = {
            let dir = content_dir.clone();
            tokio::task::spawn_blocking(move || load_course(&dir)).await??
        };
        let course = Arc::new(course);
        let db = crate::store::connect(&config.database_url).await?;
        let (tx, rx) = watch::channel(None);
        let c2 = course.clone();
        let index_dir = config.index_dir.clone();
        tokio::task::spawn_blocking(move || {
            let r = content_hash(&content_dir)
                .context("hashing the content")
                .and_then(|h| SearchIndex::open_or_build(&index_dir, &c2, h));
            match r {
                Ok(s) => {
                    tracing::info!(
                        docs = s.num_docs(),
                        rebuilt = s.rebuilt,
                        "search index ready"
                    );
                    let _ = tx.send(Some(Arc::new(s)));
                }
                Err(e) => tracing::error!(error = format!("{e:#}"), "search index failed"),
            }
        });
        Ok(App {
            course,
            db,
            clock,
            search: rx,
        })
    }

    /// For tests: an app over an already open course and index.
    pub fn from_parts(
        course: Arc<Course>,
        search: Arc<SearchIndex>,
        db: Db,
        clock: SharedClock,
    ) -> App {
        let (_tx, rx) = watch::channel(Some(search));
        App {
            course,
            db,
            clock,
            search: rx,
        }
    }

    /// The search index, waiting at most `wait` for it to be ready.
    pub async fn search_within(&self, wait: Duration) -> Option<Arc<SearchIndex>> {
        let mut rx = self.search.clone();
        let r = tokio::time::timeout(wait, rx.wait_for(|s| s.is_some())).await;
        match r {
            Ok(Ok(v)) => v.clone(),
            _ => None,
        }
    }
}
