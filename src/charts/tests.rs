//! Layout checks measured from the pixels: bar lengths equal the ratios they stand for, long
//! names are cut, images are small and not blank. Robust to the font rasteriser: only the
//! solid (non anti-aliased) bars are measured.

use super::*;
use chrono::NaiveDate;

/// Pixels of colour `col` on row `y` between `x0` and `x1`.
fn count_row(c: &Canvas, y: f32, x0: f32, x1: f32, col: Rgb) -> u32 {
    (x0 as u32..x1 as u32)
        .filter(|x| c.pixel(*x, y as u32) == col)
        .count() as u32
}

fn card() -> ProgressCard {
    use ModuleState::*;
    ProgressCard {
        name: "A member whose display name is far too long to fit on one card line at all".into(),
        certificates: vec![
            CertCard {
                title: "Certificate of Completion".into(),
                held: false,
                paths: vec![PathBar {
                    title: "Foundation: Celery basics, brokers and workers".into(),
                    modules: vec![Complete, Complete, InProgress, NotStarted, NotStarted],
                    done: 2,
                }],
                exam: Some((Some(40.0), 70, false)),
                capstone: Some(Some("pending".into())),
            },
            CertCard {
                title: "Professional Certification".into(),
                held: true,
                paths: vec![PathBar {
                    title: "Professional".into(),
                    modules: vec![Complete; 8],
                    done: 8,
                }],
                exam: Some((None, 75, false)),
                capstone: None,
            },
        ],
    }
}

#[test]
fn progress_segments_show_each_module_state() {
    use progress_layout::*;
    let card = card();
    let c = draw_progress(&card);
    let bar_mid = HEADER + PANEL_TOP + 4.0 + BAR_H / 2.0;
    let segs = segments(5);
    let want = [
        p::COMPLETE,
        p::COMPLETE,
        p::IN_PROGRESS,
        p::NOT_STARTED,
        p::NOT_STARTED,
    ];
    for ((x0, x1), col) in segs.iter().zip(want) {
        assert_eq!(c.pixel(((x0 + x1) / 2.0) as u32, bar_mid as u32), col);
        // The whole segment, edge to edge.
        assert_eq!(
            count_row(&c, bar_mid, *x0, *x1, col),
            (*x1 - *x0) as u32,
            "segment {x0}..{x1}"
        );
    }
    // Complete modules take done/total of the bar's drawn length.
    let drawn: f32 = segs.iter().map(|(a, b)| b - a).sum();
    let green = count_row(&c, bar_mid, BAR_X, BAR_X + BAR_W, p::COMPLETE) as f32;
    assert!((green / drawn - 2.0 / 5.0).abs() < 0.01, "{green}/{drawn}");
}

#[test]
fn progress_exam_bar_is_the_best_score_with_the_pass_mark() {
    use progress_layout::*;
    let c = draw_progress(&card());
    let exam_mid = HEADER + PANEL_TOP + ROW + 4.0 + BAR_H / 2.0;
    // 40 % of the bar in amber (not passed), the pass mark at 70 %.
    let amber = count_row(&c, exam_mid, BAR_X, BAR_X + BAR_W, p::IN_PROGRESS);
    assert_eq!(amber, (BAR_W * 0.4).round() as u32);
    let mark = (BAR_X + BAR_W * 0.7).round();
    assert_eq!(c.pixel(mark as u32, exam_mid as u32), p::MARK);
    assert_eq!(c.pixel((mark - 1.0) as u32, exam_mid as u32), p::MARK);
    assert_eq!(c.pixel((mark + 3.0) as u32, exam_mid as u32), p::TRACK);
}

#[test]
fn long_names_are_cut_to_fit() {
    let s = Canvas::fit(&"x".repeat(300), 28.0, Weight::Bold, 200.0);
    assert!(s.ends_with('…'), "{s}");
    assert!(Canvas::measure(&s, 28.0, Weight::Bold) <= 200.0);
    assert_eq!(Canvas::fit("short", 28.0, Weight::Bold, 200.0), "short");
    // The card's title stays left of the certificate count: nothing drawn in the gap before it.
    let c = draw_progress(&card());
    let right = "0 of 2 certificates";
    let rw = Canvas::measure(right, 16.0, Weight::Regular);
    let gap_x = (WIDTH as f32 - PAD - rw - PAD / 2.0) as u32;
    for y in 20..60 {
        assert_eq!(
            c.pixel(gap_x, y),
            p::BG,
            "text spills into the gap at y={y}"
        );
    }
}

fn stats() -> StatsChart {
    StatsChart {
        title: "Quiz statistics".into(),
        questions: vec![
            StatRow {
                label: "m07-003 · What does acks_late change when a worker dies mid-task?".into(),
                percent_right: 23,
                answered: 13,
            },
            StatRow {
                label: "m02-001 · Which broker?".into(),
                percent_right: 61,
                answered: 18,
            },
            StatRow {
                label: "m01-002 · x".into(),
                percent_right: 100,
                answered: 2,
            },
        ],
        modules: vec![StatRow {
            label: "m07 · Reliability".into(),
            percent_right: 48,
            answered: 40,
        }],
    }
}

#[test]
fn stats_bars_are_the_share_right() {
    use stats_layout::*;
    let s = stats();
    let c = draw_stats(&s);
    let mut y = HEADER + SECTION;
    for r in &s.questions {
        let mid = y + 6.0 + BAR_H / 2.0;
        let n = count_row(&c, mid, BAR_X, BAR_X + BAR_W, share_colour(r.percent_right));
        assert_eq!(
            n,
            (BAR_W * r.percent_right as f32 / 100.0).round() as u32,
            "{r:?}"
        );
        y += ROW;
    }
    let y = y + 6.0 + SECTION;
    let mid = y + 6.0 + BAR_H / 2.0;
    assert_eq!(
        count_row(&c, mid, BAR_X, BAR_X + BAR_W, p::LOW),
        (BAR_W * 0.48).round() as u32
    );
}

fn board(daily: bool) -> LeaderboardChart {
    LeaderboardChart {
        title: "Leaderboard · this month".into(),
        rows: (1..=10)
            .map(|i| BoardRow {
                rank: i,
                name: if i == 2 {
                    "Someone with an extraordinarily long display name indeed".into()
                } else {
                    format!("member {i}")
                },
                points: 200 - 15 * i as i64,
                correct: 20 - i as i64,
                answered: 22,
            })
            .collect(),
        daily: daily.then(|| {
            NaiveDate::from_ymd_opt(2026, 3, 1)
                .unwrap()
                .iter_days()
                .take(20)
                .enumerate()
                .map(|(i, date)| DayActivity {
                    date,
                    answered: (i as i64 * 7) % 23,
                    correct: (i as i64 * 5) % 11,
                })
                .map(|d| DayActivity {
                    correct: d.correct.min(d.answered),
                    ..d
                })
                .collect()
        }),
    }
}

#[test]
fn leaderboard_bars_are_proportional_to_points() {
    use board_layout::*;
    let b = board(false);
    let c = draw_leaderboard(&b);
    let max = b.rows[0].points as f32;
    let mut y = HEADER;
    for r in &b.rows {
        let mid = y + 7.0 + BAR_H / 2.0;
        let col = if r.rank == 1 { p::GOLD } else { p::BAR };
        let n = count_row(&c, mid, BAR_X, BAR_X + BAR_W, col);
        assert_eq!(n, (BAR_W * r.points as f32 / max).round() as u32, "{r:?}");
        y += ROW;
    }
}

#[test]
fn daily_bars_are_proportional_to_answers() {
    use board_layout::*;
    let b = board(true);
    let c = draw_leaderboard(&b);
    let days = b.daily.as_ref().unwrap();
    let top = HEADER + b.rows.len() as f32 * ROW + 8.0 + DAILY_TOP;
    let bottom = top + PLOT_H;
    let max = days.iter().map(|d| d.answered).max().unwrap() as f32;
    let (x0, x1) = (PAD + 44.0, WIDTH as f32 - PAD - 48.0);
    let slot = (x1 - x0) / days.len() as f32;
    for (i, d) in days.iter().enumerate() {
        // The bar's top, found at its left and right edges (the accuracy line may cross one).
        let cx = x0 + slot * (i as f32 + 0.5);
        let bw = (slot * 0.7).round();
        let left = (cx - slot * 0.35).round();
        let h = [left + 1.0, left + bw - 2.0]
            .iter()
            .map(|x| {
                (top as u32..bottom as u32)
                    .find(|y| c.pixel(*x as u32, *y) == p::BAR)
                    .map(|y| bottom - y as f32)
                    .unwrap_or(0.0)
            })
            .fold(0.0, f32::max);
        let want = (PLOT_H * d.answered as f32 / max).round();
        assert!((h - want).abs() <= 1.0, "day {i}: {h} vs {want}");
    }
}

#[test]
fn images_are_small_pngs_and_not_blank() {
    for (png, min_colours) in [
        (progress_png(&card()), 6),
        (stats_png(&stats()), 6),
        (leaderboard_png(&board(true)), 6),
    ] {
        assert!(png.len() < 200_000, "{} bytes", png.len());
        let dec = png::Decoder::new(std::io::Cursor::new(&png));
        let mut r = dec.read_info().unwrap();
        let mut buf = vec![0; r.output_buffer_size().unwrap()];
        let info = r.next_frame(&mut buf).unwrap();
        assert_eq!(info.width, WIDTH);
        let px: Vec<&[u8]> = buf[..info.buffer_size()].chunks(3).collect();
        let colours: HashSet<&[u8]> = px.iter().copied().collect();
        assert!(colours.len() >= min_colours, "{} colours", colours.len());
        let bg = [p::BG.0, p::BG.1, p::BG.2];
        let drawn = px.iter().filter(|c| **c != bg).count() as f64 / px.len() as f64;
        assert!(drawn > 0.05, "only {drawn:.3} of the pixels are drawn");
    }
}

#[test]
fn empty_data_still_renders() {
    let b = LeaderboardChart {
        title: "Leaderboard · all time".into(),
        rows: vec![],
        daily: None,
    };
    assert!(!leaderboard_png(&b).is_empty());
    let s = StatsChart {
        title: "Quiz statistics".into(),
        questions: vec![],
        modules: vec![],
    };
    assert!(!stats_png(&s).is_empty());
    let p = ProgressCard {
        name: String::new(),
        certificates: vec![],
    };
    assert!(!progress_png(&p).is_empty());
}

#[test]
fn prompts_are_shortened_to_one_line() {
    assert_eq!(
        short("\n  Which `broker` is it?\nMore.", 60),
        "Which broker is it?"
    );
    assert_eq!(short(&"y".repeat(100), 10).chars().count(), 10);
    assert_eq!(anonymous(1234567890), "member …7890");
}
