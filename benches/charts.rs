//! Chart rendering on the shipped course with 1,000 members of data: for each image, the time
//! to gather its data from SQLite and the time to draw and encode the PNG (p50/p99).
//!
//! `cargo bench --bench charts` (optional argument: iterations, default 200).

#[path = "../tests/common/charts_seed.rs"]
#[allow(dead_code)]
mod charts_seed;

use chrono::{TimeZone, Utc};
use coursebot::charts::{self, data};
use coursebot::quiz::scoring::Period;
use coursebot::quiz::stats;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

const GUILD: u64 = 2_000_000_000_000_000_001;
const MEMBERS: u64 = 1_000;

fn pct(sorted: &[Duration], p: f64) -> f64 {
    let i = ((sorted.len() as f64 * p).ceil() as usize).clamp(1, sorted.len()) - 1;
    sorted[i].as_secs_f64() * 1000.0
}

fn report(name: &str, mut t: Vec<Duration>, bytes: usize) {
    t.sort();
    println!(
        "{name:<28} p50 {:>7.2} ms  p99 {:>7.2} ms  ({} runs{})",
        pct(&t, 0.50),
        pct(&t, 0.99),
        t.len(),
        if bytes > 0 {
            format!(", {bytes} bytes")
        } else {
            String::new()
        }
    );
}

fn time_render(name: &str, n: usize, f: impl Fn() -> Vec<u8>) {
    let mut t = Vec::with_capacity(n);
    let mut bytes = 0;
    for _ in 0..n {
        let s = Instant::now();
        bytes = f().len();
        t.push(s.elapsed());
    }
    report(name, t, bytes);
}

fn main() {
    let n: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(200);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let content = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("content");
    let course = Arc::new(coursebot::content::load_course(&content).expect("shipped course"));
    let now = Utc.with_ymd_and_hms(2026, 3, 27, 18, 0, 0).unwrap();
    let app = rt.block_on(async {
        let db = coursebot::store::connect(&format!(
            "sqlite://{}",
            dir.path().join("bench.db").display()
        ))
        .await
        .unwrap();
        let empty = coursebot::content::Course {
            paths: vec![],
            modules: vec![],
            questions: vec![],
            ..(*course).clone()
        };
        let index = Arc::new(coursebot::search::SearchIndex::in_memory(&empty).unwrap());
        let clock = coursebot::clock::ManualClock::new(now);
        coursebot::app::App::from_parts(course.clone(), index, db, Arc::new(clock))
    });
    let t = Instant::now();
    let seeded = rt.block_on(charts_seed::answers(
        app.db.as_sqlite().unwrap(),
        &course,
        GUILD,
        MEMBERS,
        31,
        3,
        now,
    ));
    let me = charts_seed::MEMBER_BASE + 7;
    rt.block_on(charts_seed::progress(
        app.db.as_sqlite().unwrap(),
        &course,
        GUILD,
        me,
        "professional",
        5,
        now,
    ));
    println!(
        "seeded {} members, {} answers over 31 days in {:.1} s",
        MEMBERS,
        seeded.answers,
        t.elapsed().as_secs_f64()
    );

    // Gathering the data (SQLite + building the view), as the commands do.
    let gather = |f: &dyn Fn()| {
        let mut t = Vec::new();
        for _ in 0..(n / 4).max(5) {
            let s = Instant::now();
            f();
            t.push(s.elapsed());
        }
        t
    };
    let progress = rt
        .block_on(data::progress(
            &app,
            coursebot::ids::GuildId(GUILD),
            coursebot::ids::UserId(me),
            "Bench Member",
        ))
        .unwrap();
    report(
        "gather progress",
        gather(&|| {
            rt.block_on(data::progress(
                &app,
                coursebot::ids::GuildId(GUILD),
                coursebot::ids::UserId(me),
                "Bench Member",
            ))
            .unwrap();
        }),
        0,
    );
    let report_q = rt
        .block_on(stats::question_report(
            &app,
            coursebot::ids::GuildId(GUILD),
            None,
        ))
        .unwrap();
    report(
        "gather stats",
        gather(&|| {
            rt.block_on(stats::question_report(
                &app,
                coursebot::ids::GuildId(GUILD),
                None,
            ))
            .unwrap();
        }),
        0,
    );
    let names: HashMap<u64, String> = (0..MEMBERS)
        .map(|i| {
            (
                charts_seed::MEMBER_BASE + i,
                format!("Member number {i} with a long display name"),
            )
        })
        .collect();
    let board_chart = |period: Period| {
        rt.block_on(async {
            let b = stats::leaderboard(
                &app,
                coursebot::ids::GuildId(GUILD),
                period,
                None,
                coursebot::ids::UserId(me),
            )
            .await
            .unwrap();
            data::leaderboard_chart(
                &app,
                coursebot::ids::GuildId(GUILD),
                period,
                None,
                &b,
                &names,
            )
            .await
            .unwrap()
        })
    };
    report(
        "gather leaderboard month",
        gather(&|| {
            board_chart(Period::Month);
        }),
        0,
    );
    let stats_chart = data::stats_chart(&app, &report_q, None);
    let month = board_chart(Period::Month);
    let all = board_chart(Period::All);
    assert!(month.daily.as_ref().is_some_and(|d| d.len() >= 27));

    // Drawing and encoding (what runs in spawn_blocking).
    time_render("render progress card", n, || {
        charts::progress_png(&progress.card)
    });
    time_render("render quiz stats", n, || charts::stats_png(&stats_chart));
    time_render("render leaderboard month", n, || {
        charts::leaderboard_png(&month)
    });
    time_render("render leaderboard all", n, || {
        charts::leaderboard_png(&all)
    });
}
