#![allow(dead_code)]
pub mod charts_seed;
pub mod fake_discord;
pub mod harness;
pub mod ladder;
pub mod quiz_helpers;
pub mod schema;
