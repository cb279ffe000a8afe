//! Pictures of the data the bot already shows as text: a member's progress card, quiz
//! statistics and the leaderboard, as PNG. Pure Rust (tiny-skia shapes, ab_glyph text from the
//! font in `assets/fonts/`), no system libraries or machine fonts; no Discord types.
//!
//! Every image is drawn from a view struct built from the same domain data as the embed it
//! goes with (`CertStatus`, `Board`, `Report`), so the numbers in both are the same.

pub mod canvas;
pub use canvas::Rgb;
pub mod data;

use crate::certification::{CertStatus, ModuleCompletion};
use crate::content::Course;
use crate::quiz::stats::{Board, Report};
use canvas::{Canvas, Weight};
use chrono::NaiveDate;
use std::collections::HashSet;

/// Image width in pixels (Discord shows up to about 520 px wide in an embed; 800 stays sharp
/// when opened).
pub const WIDTH: u32 = 800;
/// How many questions the statistics image and embed list (hardest first).
pub const STATS_QUESTIONS: usize = 15;

/// File names of the attachments (the embeds refer to them as `attachment://NAME`).
pub const PROGRESS_FILE: &str = "progress.png";
pub const STATS_FILE: &str = "quiz-stats.png";
pub const LEADERBOARD_FILE: &str = "leaderboard.png";

/// The palette: a solid dark card that reads the same on Discord's dark and light themes.
pub mod palette {
    use super::Rgb;
    pub const BG: Rgb = Rgb(30, 33, 41);
    pub const PANEL: Rgb = Rgb(43, 47, 58);
    pub const TEXT: Rgb = Rgb(238, 240, 244);
    pub const MUTED: Rgb = Rgb(160, 167, 181);
    pub const TRACK: Rgb = Rgb(68, 74, 88);
    pub const COMPLETE: Rgb = Rgb(67, 181, 129);
    pub const IN_PROGRESS: Rgb = Rgb(240, 178, 50);
    pub const NOT_STARTED: Rgb = TRACK;
    pub const BAR: Rgb = Rgb(88, 101, 242);
    pub const GOLD: Rgb = Rgb(241, 196, 15);
    pub const LOW: Rgb = Rgb(237, 66, 69);
    pub const MARK: Rgb = Rgb(255, 255, 255);
}
use palette as p;

const PAD: f32 = 24.0;

// ---------------------------------------------------------------------------------------------
// Progress card

/// A module of a path on the card.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ModuleState {
    /// Completed in a way that counts for certificates.
    Complete,
    /// Practised, or completed in a way that no longer counts.
    InProgress,
    NotStarted,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PathBar {
    pub title: String,
    /// In the path's order.
    pub modules: Vec<ModuleState>,
    /// Complete modules, as `/progress` counts them (equal to the `Complete` entries).
    pub done: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub struct CertCard {
    pub title: String,
    pub held: bool,
    pub paths: Vec<PathBar>,
    /// Best exam percent (None: no exam taken), the pass mark, and whether the best passed;
    /// None when the certificate has no exam.
    pub exam: Option<(Option<f64>, u32, bool)>,
    /// Capstone state ("pending", "approved", "rejected", or None: not submitted) when the
    /// certificate needs one.
    pub capstone: Option<Option<String>>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ProgressCard {
    pub name: String,
    pub certificates: Vec<CertCard>,
}

impl ProgressCard {
    /// The card from what `/progress` shows: `statuses` (one per certificate), the member's
    /// module `completions`, and the modules they practised (for "in progress").
    pub fn build(
        course: &Course,
        name: &str,
        statuses: &[CertStatus],
        completions: &[ModuleCompletion],
        practised: &HashSet<String>,
    ) -> ProgressCard {
        let counting: HashSet<&str> = completions
            .iter()
            .filter(|c| c.counts)
            .map(|c| c.module.as_str())
            .collect();
        let started: HashSet<&str> = completions
            .iter()
            .map(|c| c.module.as_str())
            .chain(practised.iter().map(String::as_str))
            .collect();
        let certificates = statuses
            .iter()
            .map(|st| {
                let cert = course.certification(&st.cert_id);
                let paths = st
                    .paths
                    .iter()
                    .map(|(pid, done, _total)| {
                        let path = course.path(pid);
                        let modules = path
                            .map(|x| {
                                x.module_ids
                                    .iter()
                                    .map(|m| {
                                        if counting.contains(m.as_str()) {
                                            ModuleState::Complete
                                        } else if started.contains(m.as_str()) {
                                            ModuleState::InProgress
                                        } else {
                                            ModuleState::NotStarted
                                        }
                                    })
                                    .collect()
                            })
                            .unwrap_or_default();
                        PathBar {
                            title: path.map(|x| x.title.clone()).unwrap_or_else(|| pid.clone()),
                            modules,
                            done: *done,
                        }
                    })
                    .collect();
                CertCard {
                    title: st.title.clone(),
                    held: st.held,
                    paths,
                    exam: cert.and_then(|c| c.exam.as_ref()).map(|e| {
                        (
                            st.exam_best.map(|b| b.0),
                            e.pass_percent,
                            st.exam_best.map(|b| b.1).unwrap_or(false),
                        )
                    }),
                    capstone: cert.filter(|c| c.capstone).map(|_| st.capstone.clone()),
                }
            })
            .collect();
        ProgressCard {
            name: name.to_string(),
            certificates,
        }
    }
}

/// Geometry of the progress card, shared with the tests that measure it.
pub mod progress_layout {
    pub const HEADER: f32 = 96.0;
    pub const PANEL_TOP: f32 = 44.0;
    pub const ROW: f32 = 30.0;
    pub const PANEL_BOTTOM: f32 = 12.0;
    pub const PANEL_GAP: f32 = 12.0;
    pub const BAR_X: f32 = 260.0;
    pub const BAR_W: f32 = 400.0;
    pub const BAR_H: f32 = 14.0;
    pub const LEGEND: f32 = 44.0;
}

fn segment_gap(n: usize) -> f32 {
    if n > 1 && progress_layout::BAR_W / n as f32 >= 8.0 {
        3.0
    } else {
        0.0
    }
}

/// The x extents of the `n` segments of a path bar, on whole pixels.
pub fn segments(n: usize) -> Vec<(f32, f32)> {
    use progress_layout::*;
    let gap = segment_gap(n);
    let w = (BAR_W - gap * (n.saturating_sub(1)) as f32) / n.max(1) as f32;
    (0..n)
        .map(|i| {
            let x0 = (BAR_X + i as f32 * (w + gap)).round();
            let x1 = (BAR_X + i as f32 * (w + gap) + w).round();
            (x0, x1)
        })
        .collect()
}

fn progress_height(card: &ProgressCard) -> f32 {
    use progress_layout::*;
    let mut h = HEADER;
    for c in &card.certificates {
        let rows = c.paths.len() + c.exam.is_some() as usize + c.capstone.is_some() as usize;
        h += PANEL_TOP + rows as f32 * ROW + PANEL_BOTTOM + PANEL_GAP;
    }
    h + LEGEND
}

/// The progress card as a PNG.
pub fn progress_png(card: &ProgressCard) -> Vec<u8> {
    draw_progress(card).png()
}

/// The progress card as a canvas (for tests that measure it).
pub fn draw_progress(card: &ProgressCard) -> Canvas {
    use progress_layout::*;
    let w = WIDTH as f32;
    let mut c = Canvas::new(WIDTH, progress_height(card).ceil() as u32, p::BG);
    let held = card.certificates.iter().filter(|x| x.held).count();
    let right = format!("{held} of {} certificates", card.certificates.len());
    let rw = Canvas::measure(&right, 16.0, Weight::Regular);
    c.text_fit(
        PAD,
        52.0,
        &card.name,
        28.0,
        Weight::Bold,
        p::TEXT,
        w - 3.0 * PAD - rw,
    );
    c.text_right(w - PAD, 52.0, &right, 16.0, Weight::Regular, p::MUTED);
    c.text(
        PAD,
        78.0,
        "Course progress",
        15.0,
        Weight::Regular,
        p::MUTED,
    );
    let mut y = HEADER;
    for cert in &card.certificates {
        let rows =
            cert.paths.len() + cert.exam.is_some() as usize + cert.capstone.is_some() as usize;
        let ph = PANEL_TOP + rows as f32 * ROW + PANEL_BOTTOM;
        c.round_rect(PAD, y, w - 2.0 * PAD, ph, 10.0, p::PANEL);
        let (status, scol) = if cert.held {
            ("✓ earned", p::COMPLETE)
        } else {
            ("not yet earned", p::MUTED)
        };
        let sw = Canvas::measure(status, 15.0, Weight::Bold);
        c.text_fit(
            PAD + 16.0,
            y + 30.0,
            &cert.title,
            18.0,
            Weight::Bold,
            p::TEXT,
            w - 4.0 * PAD - sw - 16.0,
        );
        c.text_right(w - PAD - 16.0, y + 30.0, status, 15.0, Weight::Bold, scol);
        let mut ry = y + PANEL_TOP;
        let label_max = BAR_X - PAD - 16.0 - 14.0;
        for path in &cert.paths {
            c.text_fit(
                PAD + 16.0,
                ry + 15.0,
                &path.title,
                14.0,
                Weight::Regular,
                p::TEXT,
                label_max,
            );
            let by = ry + 4.0;
            if path.modules.is_empty() {
                c.rect(BAR_X, by, BAR_W, BAR_H, p::TRACK);
            }
            for (state, (x0, x1)) in path.modules.iter().zip(segments(path.modules.len())) {
                let col = match state {
                    ModuleState::Complete => p::COMPLETE,
                    ModuleState::InProgress => p::IN_PROGRESS,
                    ModuleState::NotStarted => p::NOT_STARTED,
                };
                c.rect(x0, by, x1 - x0, BAR_H, col);
            }
            c.text_right(
                w - PAD - 16.0,
                ry + 15.0,
                &format!("{}/{}", path.done, path.modules.len()),
                14.0,
                Weight::Bold,
                p::TEXT,
            );
            ry += ROW;
        }
        if let Some((best, pass, passed)) = cert.exam {
            c.text(
                PAD + 16.0,
                ry + 15.0,
                "Exam best",
                14.0,
                Weight::Regular,
                p::TEXT,
            );
            let by = ry + 4.0;
            c.rect(BAR_X, by, BAR_W, BAR_H, p::TRACK);
            if let Some(b) = best {
                let fill = (BAR_W * (b.clamp(0.0, 100.0) as f32) / 100.0).round();
                let col = if passed { p::COMPLETE } else { p::IN_PROGRESS };
                c.rect(BAR_X, by, fill, BAR_H, col);
            }
            let mx = (BAR_X + BAR_W * pass.min(100) as f32 / 100.0).round();
            c.rect(mx - 1.0, by - 4.0, 2.0, BAR_H + 8.0, p::MARK);
            let label = match best {
                Some(b) => format!("{b:.0}% · pass {pass}%"),
                None => format!("— · pass {pass}%"),
            };
            c.text_right(
                w - PAD - 16.0,
                ry + 15.0,
                &label,
                13.0,
                Weight::Regular,
                p::MUTED,
            );
            ry += ROW;
        }
        if let Some(state) = &cert.capstone {
            c.text(
                PAD + 16.0,
                ry + 15.0,
                "Capstone",
                14.0,
                Weight::Regular,
                p::TEXT,
            );
            let (label, col) = match state.as_deref() {
                Some("approved") => ("✓ approved", p::COMPLETE),
                Some("pending") => ("awaiting review", p::IN_PROGRESS),
                Some("rejected") => ("needs more work: submit again", p::LOW),
                Some(_) | None => ("not submitted", p::MUTED),
            };
            c.text(BAR_X, ry + 15.0, label, 14.0, Weight::Bold, col);
        }
        y += ph + PANEL_GAP;
    }
    legend(
        &mut c,
        y + 20.0,
        &[
            ("complete", p::COMPLETE),
            ("in progress", p::IN_PROGRESS),
            ("not started", p::NOT_STARTED),
            ("pass mark", p::MARK),
        ],
    );
    c
}

fn legend(c: &mut Canvas, y: f32, items: &[(&str, Rgb)]) {
    let mut x = PAD;
    for (label, col) in items {
        c.rect(x, y - 10.0, 12.0, 12.0, *col);
        x += 18.0;
        x += c.text(x, y, label, 13.0, Weight::Regular, p::MUTED) + 22.0;
    }
}

// ---------------------------------------------------------------------------------------------
// Quiz statistics

#[derive(Debug, Clone, PartialEq)]
pub struct StatRow {
    pub label: String,
    pub percent_right: i64,
    pub answered: i64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct StatsChart {
    pub title: String,
    /// Hardest first, at most [`STATS_QUESTIONS`].
    pub questions: Vec<StatRow>,
    /// Hardest first.
    pub modules: Vec<StatRow>,
}

/// A prompt cut to its first line and `max` characters, for labels.
fn short(s: &str, max: usize) -> String {
    let line = s
        .lines()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("")
        .trim();
    let line = line.replace('`', "");
    if line.chars().count() <= max {
        return line;
    }
    let cut: String = line.chars().take(max.saturating_sub(1)).collect();
    format!("{}…", cut.trim_end())
}

impl StatsChart {
    /// The chart of `/quiz-admin stats [module]` from the same report as its embed.
    pub fn build(course: &Course, report: &Report, module: Option<&str>) -> StatsChart {
        StatsChart {
            title: match module {
                Some(m) => format!(
                    "Quiz statistics · {m} {}",
                    course.module(m).map(|x| x.title.as_str()).unwrap_or("")
                )
                .trim_end()
                .to_string(),
                None => "Quiz statistics".into(),
            },
            questions: report
                .questions
                .iter()
                .take(STATS_QUESTIONS)
                .map(|q| StatRow {
                    label: format!(
                        "{} · {}",
                        q.question_id,
                        course
                            .question(&q.question_id)
                            .map(|x| short(&x.prompt, 60))
                            .unwrap_or_else(|| q.topic.clone())
                    ),
                    percent_right: q.percent_right,
                    answered: q.answered,
                })
                .collect(),
            modules: report
                .modules
                .iter()
                .map(|m| StatRow {
                    label: format!(
                        "{} · {}",
                        m.module_id,
                        course
                            .module(&m.module_id)
                            .map(|x| x.title.as_str())
                            .unwrap_or("")
                    ),
                    percent_right: m.percent_right,
                    answered: m.answered,
                })
                .collect(),
        }
    }
}

/// Geometry of the statistics image, shared with the tests that measure it.
pub mod stats_layout {
    pub const HEADER: f32 = 84.0;
    pub const SECTION: f32 = 34.0;
    pub const ROW: f32 = 24.0;
    pub const BAR_X: f32 = 400.0;
    pub const BAR_W: f32 = 260.0;
    pub const BAR_H: f32 = 12.0;
    pub const LEGEND: f32 = 40.0;
}

/// The colour of a share right: red below 50 %, amber below 75 %, green above.
pub fn share_colour(percent: i64) -> Rgb {
    if percent < 50 {
        p::LOW
    } else if percent < 75 {
        p::IN_PROGRESS
    } else {
        p::COMPLETE
    }
}

pub fn stats_png(s: &StatsChart) -> Vec<u8> {
    draw_stats(s).png()
}

pub fn draw_stats(s: &StatsChart) -> Canvas {
    use stats_layout::*;
    let w = WIDTH as f32;
    let h = HEADER
        + 2.0 * SECTION
        + (s.questions.len().max(1) + s.modules.len().max(1)) as f32 * ROW
        + 12.0
        + LEGEND;
    let mut c = Canvas::new(WIDTH, h.ceil() as u32, p::BG);
    c.text_fit(
        PAD,
        46.0,
        &s.title,
        26.0,
        Weight::Bold,
        p::TEXT,
        w - 2.0 * PAD,
    );
    c.text(
        PAD,
        70.0,
        "Share of right answers in closed daily quizzes, hardest first",
        14.0,
        Weight::Regular,
        p::MUTED,
    );
    let mut y = HEADER;
    for (heading, rows) in [("Questions", &s.questions), ("Modules", &s.modules)] {
        c.text(PAD, y + 24.0, heading, 17.0, Weight::Bold, p::TEXT);
        y += SECTION;
        if rows.is_empty() {
            c.text(
                PAD,
                y + 16.0,
                "No answers yet.",
                13.0,
                Weight::Regular,
                p::MUTED,
            );
            y += ROW;
        }
        for r in rows.iter() {
            c.text_fit(
                PAD,
                y + 16.0,
                &r.label,
                13.0,
                Weight::Regular,
                p::TEXT,
                BAR_X - PAD - 14.0,
            );
            let by = y + 6.0;
            c.rect(BAR_X, by, BAR_W, BAR_H, p::TRACK);
            let fill = (BAR_W * r.percent_right.clamp(0, 100) as f32 / 100.0).round();
            c.rect(BAR_X, by, fill, BAR_H, share_colour(r.percent_right));
            c.text_right(
                w - PAD,
                y + 16.0,
                &format!("{}% of {}", r.percent_right, r.answered),
                13.0,
                Weight::Regular,
                p::MUTED,
            );
            y += ROW;
        }
        y += 6.0;
    }
    legend(
        &mut c,
        y + 20.0,
        &[
            ("under 50% right", p::LOW),
            ("50–74%", p::IN_PROGRESS),
            ("75% or more", p::COMPLETE),
        ],
    );
    c
}

// ---------------------------------------------------------------------------------------------
// Leaderboard

#[derive(Debug, Clone, PartialEq)]
pub struct BoardRow {
    pub rank: usize,
    pub name: String,
    pub points: i64,
    pub correct: i64,
    pub answered: i64,
}

/// Answers to the closed daily quizzes of one day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DayActivity {
    pub date: NaiveDate,
    pub answered: i64,
    pub correct: i64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct LeaderboardChart {
    pub title: String,
    pub rows: Vec<BoardRow>,
    /// Week and month: every day of the period so far.
    pub daily: Option<Vec<DayActivity>>,
}

impl LeaderboardChart {
    /// The chart of `/leaderboard` from the same board as its embed; `name` gives a member's
    /// display name.
    pub fn build(
        title: &str,
        board: &Board,
        name: impl Fn(u64) -> String,
        daily: Option<Vec<DayActivity>>,
    ) -> LeaderboardChart {
        LeaderboardChart {
            title: title.to_string(),
            rows: board
                .top
                .iter()
                .enumerate()
                .map(|(i, s)| BoardRow {
                    rank: i + 1,
                    name: name(s.user),
                    points: s.points,
                    correct: s.correct,
                    answered: s.answered,
                })
                .collect(),
            daily,
        }
    }
}

/// Geometry of the leaderboard image, shared with the tests that measure it.
pub mod board_layout {
    pub const HEADER: f32 = 72.0;
    pub const ROW: f32 = 32.0;
    pub const BAR_X: f32 = 290.0;
    pub const BAR_W: f32 = 300.0;
    pub const BAR_H: f32 = 18.0;
    pub const DAILY_TOP: f32 = 56.0;
    pub const PLOT_H: f32 = 170.0;
    pub const DAILY_BOTTOM: f32 = 70.0;
}

/// A member label when the display name is unknown: the end of their id.
pub fn anonymous(user: u64) -> String {
    let s = user.to_string();
    format!("member …{}", &s[s.len().saturating_sub(4)..])
}

pub fn leaderboard_png(b: &LeaderboardChart) -> Vec<u8> {
    draw_leaderboard(b).png()
}

pub fn draw_leaderboard(b: &LeaderboardChart) -> Canvas {
    use board_layout::*;
    let w = WIDTH as f32;
    let rows_h = b.rows.len().max(1) as f32 * ROW + 8.0;
    let daily_h = if b.daily.is_some() {
        DAILY_TOP + PLOT_H + DAILY_BOTTOM
    } else {
        0.0
    };
    let h = HEADER + rows_h + daily_h + 8.0;
    let mut c = Canvas::new(WIDTH, h.ceil() as u32, p::BG);
    c.text_fit(
        PAD,
        46.0,
        &b.title,
        26.0,
        Weight::Bold,
        p::TEXT,
        w - 2.0 * PAD,
    );
    let mut y = HEADER;
    if b.rows.is_empty() {
        c.text(
            PAD,
            y + 20.0,
            "No points yet: answer the daily question!",
            15.0,
            Weight::Regular,
            p::MUTED,
        );
    }
    let max = b.rows.iter().map(|r| r.points).max().unwrap_or(0).max(1);
    for r in &b.rows {
        let col = if r.rank == 1 { p::GOLD } else { p::TEXT };
        c.text(
            PAD,
            y + 21.0,
            &format!("{}.", r.rank),
            15.0,
            Weight::Bold,
            col,
        );
        c.text_fit(
            PAD + 38.0,
            y + 21.0,
            &r.name,
            15.0,
            Weight::Regular,
            p::TEXT,
            BAR_X - PAD - 38.0 - 14.0,
        );
        let by = y + 7.0;
        c.rect(BAR_X, by, BAR_W, BAR_H, p::PANEL);
        let fill = (BAR_W * r.points.max(0) as f32 / max as f32).round();
        c.rect(
            BAR_X,
            by,
            fill,
            BAR_H,
            if r.rank == 1 { p::GOLD } else { p::BAR },
        );
        c.text_right(
            w - PAD,
            y + 21.0,
            &format!("{} pts · {}/{}", r.points, r.correct, r.answered),
            13.0,
            Weight::Regular,
            p::MUTED,
        );
        y += ROW;
    }
    y = HEADER + rows_h;
    if let Some(days) = &b.daily {
        draw_daily(&mut c, y, days);
    }
    c
}

/// Daily answers (bars, left scale) and accuracy (line, right scale, 0–100 %).
fn draw_daily(c: &mut Canvas, y: f32, days: &[DayActivity]) {
    use board_layout::*;
    let w = WIDTH as f32;
    c.text(
        PAD,
        y + 26.0,
        "Daily answers and accuracy",
        17.0,
        Weight::Bold,
        p::TEXT,
    );
    let (x0, x1) = (PAD + 44.0, w - PAD - 48.0);
    let top = y + DAILY_TOP;
    let bottom = top + PLOT_H;
    c.rect(x0, bottom, x1 - x0, 1.0, p::TRACK);
    c.rect(x0, top, x1 - x0, 1.0, p::PANEL);
    let max = days.iter().map(|d| d.answered).max().unwrap_or(0).max(1);
    c.text_right(
        x0 - 8.0,
        top + 5.0,
        &max.to_string(),
        12.0,
        Weight::Regular,
        p::MUTED,
    );
    c.text_right(x0 - 8.0, bottom + 4.0, "0", 12.0, Weight::Regular, p::MUTED);
    c.text(
        x1 + 8.0,
        top + 5.0,
        "100%",
        12.0,
        Weight::Regular,
        p::IN_PROGRESS,
    );
    c.text(
        x1 + 8.0,
        bottom + 4.0,
        "0%",
        12.0,
        Weight::Regular,
        p::IN_PROGRESS,
    );
    let n = days.len().max(1);
    let slot = (x1 - x0) / n as f32;
    let bw = (slot * 0.7).max(1.0);
    let mut line = Vec::new();
    let label_every = n.div_ceil(10).max(1);
    for (i, d) in days.iter().enumerate() {
        let cx = x0 + slot * (i as f32 + 0.5);
        let bh = (PLOT_H * d.answered as f32 / max as f32).round();
        c.rect((cx - bw / 2.0).round(), bottom - bh, bw.round(), bh, p::BAR);
        if d.answered > 0 {
            let acc = d.correct as f32 / d.answered as f32;
            line.push((cx, bottom - PLOT_H * acc));
        }
        if i % label_every == 0 {
            let label = d.date.format("%m-%d").to_string();
            let lw = Canvas::measure(&label, 11.0, Weight::Regular);
            c.text(
                cx - lw / 2.0,
                bottom + 18.0,
                &label,
                11.0,
                Weight::Regular,
                p::MUTED,
            );
        }
    }
    c.polyline(&line, 2.5, p::IN_PROGRESS);
    for (x, y) in &line {
        c.dot(*x, *y, 3.5, p::IN_PROGRESS);
    }
    legend(
        c,
        bottom + 50.0,
        &[("answers", p::BAR), ("share right", p::IN_PROGRESS)],
    );
}

#[cfg(test)]
mod tests;
