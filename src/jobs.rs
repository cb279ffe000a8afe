//! Background jobs (scheduled work stored in SQLite). Started once, at the first READY.

use crate::app::App;

/// Start the job runner for `app`.
pub fn start(_app: App) {
    tracing::debug!("job runner: nothing scheduled yet");
}
