//! coursebot: the Discord teaching assistant of a Celery course.
//!
//! Domain modules (`content`, `search`, ...) know nothing of Discord; `discord` is the glue.

pub mod app;
pub mod bot;
pub mod certification;
pub mod charts;
pub mod cli;
pub mod clock;
pub mod config;
pub mod content;
pub mod discord;
pub mod error;
pub mod explain;
pub mod export;
pub mod hash;
pub mod jobs;
pub mod library;
pub mod office_hours;
pub mod ops;
pub mod quiz;
pub mod search;
pub mod store;
pub mod telemetry;
