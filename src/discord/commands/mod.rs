//! The one registry of slash commands. Each family lives in its own file; permissions are
//! declared beside each command (`default_member_permissions`, so members do not even see staff
//! commands) and checked on the server through [`super::checks`].

pub mod certification;
pub mod explain;
pub mod office_hours;
pub mod quiz;
pub mod settings;

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
    ]
}
