//! The course and its search index, opened together: what every command that answers questions
//! about the course needs.

use crate::content::{content_hash, load_course, Course};
use crate::search::SearchIndex;
use anyhow::{Context, Result};
use std::path::Path;
use std::sync::Arc;

#[derive(Clone)]
pub struct Library {
    pub course: Arc<Course>,
    pub search: Arc<SearchIndex>,
}

impl Library {
    /// Load and validate the content, then open the index, rebuilding it first when it was
    /// built from other content (so a stale index is never served).
    pub fn open(content_dir: &Path, index_dir: &Path) -> Result<Library> {
        let course = load_course(content_dir)?;
        let hash = content_hash(content_dir)
            .with_context(|| format!("reading {}", content_dir.display()))?;
        let search = SearchIndex::open_or_build(index_dir, &course, hash)?;
        if search.rebuilt {
            tracing::info!(dir = %search.dir.display(), docs = search.num_docs(), "search index built");
        }
        Ok(Library {
            course: Arc::new(course),
            search: Arc::new(search),
        })
    }
}
