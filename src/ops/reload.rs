//! Content hot reload (`/admin reload`, SIGHUP): load and check the content directory; if it
//! is valid, build its search index beside the one in use (`index/<hash>/`) and switch to
//! both at once; if it is not, keep serving the last good course and index and report every
//! problem as `path:line: message`.
//!
//! The switch is a swap of an `Arc` ([`App::current`] snapshots): interactions and job ticks
//! that started before it finish on the old course and index, later ones see the new. Daily
//! quizzes and exams that are open keep what they stored (question ids, answers, scores); a
//! question that disappeared from the content is handled where it is read (the reveal and the
//! score come from the stored rows).

use crate::app::{App, Content};
use crate::content::{content_hash, load_course_lenient, Problem};
use crate::search::SearchIndex;
use std::sync::Arc;

/// What a reload did.
#[derive(Debug)]
pub enum Outcome {
    /// The new content is served.
    Reloaded {
        hash: u64,
        modules: usize,
        sections: usize,
        questions: usize,
        index_ms: u128,
    },
    /// The files did not change since the content in use was loaded.
    Unchanged { hash: u64 },
    /// The content is broken: nothing changed, these are the problems.
    Invalid(Vec<Problem>),
    /// Something else failed (reading the files, building the index): nothing changed.
    Failed(String),
}

impl Outcome {
    /// For the moderator and the log: one line, then each problem on its own line.
    pub fn describe(&self) -> String {
        match self {
            Outcome::Reloaded {
                hash,
                modules,
                sections,
                questions,
                index_ms,
            } => format!(
                "Content reloaded (version {hash:016x}): {modules} modules, {sections} sections, {questions} questions; search index built in {index_ms} ms."
            ),
            Outcome::Unchanged { hash } => format!(
                "The content did not change (version {hash:016x}); nothing to reload."
            ),
            Outcome::Invalid(problems) => {
                let mut s = format!(
                    "The content has {} problem(s); still serving the last good version.\n",
                    problems.len()
                );
                for p in problems {
                    s.push_str(&p.to_string());
                    s.push('\n');
                }
                s
            }
            Outcome::Failed(e) => {
                format!("Reload failed ({e}); still serving the last good version.")
            }
        }
    }

    pub fn is_ok(&self) -> bool {
        matches!(self, Outcome::Reloaded { .. } | Outcome::Unchanged { .. })
    }
}

/// Reload the content of `app`'s content directory (see the module docs). One reload at a
/// time; the work runs on the blocking pool.
pub async fn reload(app: &App) -> Outcome {
    let live = app.live().clone();
    let _one = live.reload_lock.lock().await;
    let current = app.content();
    let (dir, index_dir) = (live.content_dir.clone(), live.index_dir.clone());
    let old_hash = current.hash;
    let had_index = current.search.is_some();
    let work = tokio::task::spawn_blocking(move || -> Result<Option<(Content, u128)>, Outcome> {
        let hash = content_hash(&dir)
            .map_err(|e| Outcome::Failed(format!("cannot read {}: {e}", dir.display())))?;
        if hash == old_hash && had_index {
            return Ok(None);
        }
        let (course, problems) = load_course_lenient(&dir);
        let course = match course {
            Some(c) if problems.is_empty() => c,
            _ => return Err(Outcome::Invalid(problems)),
        };
        let started = std::time::Instant::now();
        let search = SearchIndex::open_or_build(&index_dir, &course, hash)
            .map_err(|e| Outcome::Failed(format!("building the search index: {e:#}")))?;
        let took = started.elapsed();
        super::metrics::index_built(took);
        Ok(Some((
            Content {
                course: Arc::new(course),
                search: Some(Arc::new(search)),
                hash,
            },
            took.as_millis(),
        )))
    });
    let outcome = match work.await {
        Ok(Ok(None)) => Outcome::Unchanged { hash: old_hash },
        Ok(Ok(Some((new, index_ms)))) => {
            let c = &new.course;
            let outcome = Outcome::Reloaded {
                hash: new.hash,
                modules: c.modules.len(),
                sections: c.modules.iter().map(|m| m.topic_sections().count()).sum(),
                questions: c.questions.len(),
                index_ms,
            };
            let hash = new.hash;
            app.swap(new);
            super::metrics::content_version(hash);
            outcome
        }
        Ok(Err(o)) => o,
        Err(e) => Outcome::Failed(format!("the reload task failed: {e}")),
    };
    match &outcome {
        Outcome::Reloaded { .. } | Outcome::Unchanged { .. } => {
            super::metrics::reload("ok");
            tracing::info!(result = %outcome.describe(), "content reload");
        }
        Outcome::Invalid(problems) => {
            super::metrics::reload("invalid");
            for p in problems {
                tracing::error!(problem = %p, "content reload refused");
            }
            tracing::error!(
                problems = problems.len(),
                "content reload refused; still serving the last good version"
            );
        }
        Outcome::Failed(e) => {
            super::metrics::reload("error");
            tracing::error!(error = %e, "content reload failed; still serving the last good version");
        }
    }
    outcome
}

/// Reload on every SIGHUP until the task is aborted (Unix only).
pub fn on_sighup(app: App) -> Option<tokio::task::AbortHandle> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let mut hup = match signal(SignalKind::hangup()) {
            Ok(s) => s,
            Err(e) => {
                tracing::warn!(error = %e, "cannot listen for SIGHUP; reload with /admin reload");
                return None;
            }
        };
        Some(
            tokio::spawn(async move {
                while hup.recv().await.is_some() {
                    tracing::info!("SIGHUP: reloading the content");
                    reload(&app).await;
                }
            })
            .abort_handle(),
        )
    }
    #[cfg(not(unix))]
    {
        let _ = app;
        None
    }
}
