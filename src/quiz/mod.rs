//! Quizzes as rules, without Discord: answers and grading, when a daily quiz runs, which
//! question comes next, points and streaks, grades and spaced repetition.

pub mod answer;
pub mod daily;
pub mod pool;
pub mod practice;
pub mod present;
pub mod schedule;
pub mod scoring;
pub mod stats;
pub mod writer;

pub use answer::{grade, Answer};
