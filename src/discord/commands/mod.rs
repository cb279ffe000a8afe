//! The one registry of slash commands. Each family lives in its own file; permissions are
//! declared beside each command and checked on the server through [`super::checks`]. Member
//! commands and staff commands are separate top-level commands: Discord honours
//! `default_member_permissions` only at the top level, so the staff groups of [`staff`] (and
//! `/settings`) carry it and members do not see them, while member commands carry none.

pub mod certification;
pub mod explain;
pub mod office_hours;
pub mod quiz;
pub mod settings;
pub mod staff;

use super::{Data, Error};

/// Every command the bot registers.
pub fn all() -> Vec<poise::Command<Data, Error>> {
    vec![
        explain::explain(),
        settings::settings(),
        quiz::quiz(),
        quiz::leaderboard(),
        quiz::score(),
        office_hours::officehours(),
        certification::progress(),
        certification::exam(),
        certification::capstone(),
        certification::certs(),
        // Staff only (hidden from members by default; checked on the server too).
        staff::quiz_admin(),
        staff::officehours_admin(),
        staff::capstone_admin(),
        staff::certs_admin(),
        staff::admin(),
    ]
}
