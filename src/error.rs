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
    /// A button, menu or form whose id could not be read (forged, or from an old format).
    #[error("That button is not valid ({0}); run the command again.")]
    InvalidComponent(String),
    #[error("{0}")]
    Invalid(String),
}
