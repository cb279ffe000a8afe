//! Errors a member may be told about. Anything else is an internal error: logged with its
//! cause, while the member sees a short apology.

use thiserror::Error;

#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum UserError {
    #[error("This command only works inside a server.")]
    GuildOnly,
    #[error("You need the {0} permission (or the server's moderator role) to do this.")]
    NotModerator(&'static str),
    #[error("You need the {0} permission to do this.")]
    MissingPermission(&'static str),
    #[error("Unknown module `{0}`: use a module id such as `m07` or its title.")]
    UnknownModule(String),
    #[error("Unknown learning path `{0}`: use foundation, professional, expert, django, performance or architecture.")]
    UnknownPath(String),
    #[error("Unknown certification `{0}`.")]
    UnknownCertification(String),
    #[error("The course is still being indexed; try again in a few seconds.")]
    IndexNotReady,
    /// An exam retake before the guild's cooldown has passed; shown as Discord time markup so
    /// each member reads it in their own timezone.
    #[error("You can retake this exam <t:{}:R>.", .0.timestamp())]
    RetakeLater(chrono::DateTime<chrono::Utc>),
    #[error("Submission #{0} is your own: another moderator must review it.")]
    OwnSubmission(i64),
    /// A button, menu or form whose id could not be read (forged, or from an old format).
    #[error("That button is not valid ({0}); run the command again.")]
    InvalidComponent(String),
    #[error("{0}")]
    Invalid(String),
}
