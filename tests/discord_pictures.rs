//! The pictures of `/progress`, `/quiz-admin stats` and `/leaderboard` through the fake
//! Discord: each reply is multipart form data whose `payload_json` validates against Discord's
//! schema and whose PNG decodes, has the right size, is not blank, and draws the same numbers
//! as the embed beside it (bar lengths measured from the pixels).

mod common;

use common::charts_seed;
use common::fake_discord::{multipart_parts, opt, sub, Member, Request};
use common::harness::TestBot;
use coursebot::charts::{self, palette, Rgb};
use coursebot::clock::Clock;
use serde_json::json;

struct Image {
    w: u32,
    h: u32,
    rgb: Vec<u8>,
}

impl Image {
    fn decode(bytes: &[u8]) -> Image {
        let dec = png::Decoder::new(std::io::Cursor::new(bytes));
        let mut r = dec.read_info().expect("a PNG");
        let mut buf = vec![0; r.output_buffer_size().unwrap()];
        let info = r.next_frame(&mut buf).expect("PNG data decodes");
        assert_eq!(info.color_type, png::ColorType::Rgb);
        buf.truncate(info.buffer_size());
        Image {
            w: info.width,
            h: info.height,
            rgb: buf,
        }
    }
    fn px(&self, x: u32, y: u32) -> Rgb {
        let i = ((y * self.w + x) * 3) as usize;
        Rgb(self.rgb[i], self.rgb[i + 1], self.rgb[i + 2])
    }
    /// Pixels of `col` on row `y` from `x0` to `x1`.
    fn count(&self, y: f32, x0: f32, x1: f32, col: Rgb) -> u32 {
        (x0 as u32..x1 as u32)
            .filter(|x| self.px(*x, y as u32) == col)
            .count() as u32
    }
    /// Not blank: several colours, and a fair share of pixels other than the background.
    fn assert_not_blank(&self) {
        let px: Vec<&[u8]> = self.rgb.chunks(3).collect();
        let colours: std::collections::HashSet<&[u8]> = px.iter().copied().collect();
        assert!(colours.len() >= 8, "{} colours", colours.len());
        let bg = [palette::BG.0, palette::BG.1, palette::BG.2];
        let drawn = px.iter().filter(|c| **c != bg).count() as f64 / px.len() as f64;
        assert!(drawn > 0.05, "only {drawn:.3} of the pixels are drawn");
    }
}

/// The one PNG attached to `cb`, checked: multipart body, the file named `name`, referenced by
/// the embed as `attachment://name`, under 200 KB.
fn attached(cb: &Request, name: &str) -> Image {
    assert!(
        cb.content_type.starts_with("multipart/form-data"),
        "attachments travel as multipart: {}",
        cb.content_type
    );
    let files = cb.files();
    assert_eq!(files.len(), 1, "one file: {files:?}");
    let f = &files[0];
    assert_eq!(f.filename.as_deref(), Some(name));
    assert!(f.data.len() < 200_000, "{} bytes", f.data.len());
    assert_eq!(
        cb.json["data"]["embeds"][0]["image"]["url"],
        json!(format!("attachment://{name}")),
        "the embed shows the picture: {}",
        cb.json
    );
    let img = Image::decode(&f.data);
    assert_eq!(img.w, charts::WIDTH);
    img.assert_not_blank();
    img
}

fn description(cb: &Request) -> String {
    cb.json["data"]["embeds"][0]["description"]
        .as_str()
        .unwrap()
        .to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn progress_card_is_attached_with_the_embeds_numbers() {
    let bot = TestBot::start().await;
    let me = Member::new(
        4_000_000_000_000_000_777,
        "a-learner-with-a-really-very-long-user-name-that-cannot-fit",
    );
    let now = bot.clock.now();
    charts_seed::progress(
        &bot.app.db,
        &bot.app.course,
        common::fake_discord::GUILD_ID,
        me.id,
        "foundation",
        3,
        now,
    )
    .await;
    let s = bot.fake.slash(&me, "progress", json!([])).await;
    let cb = bot.fake.callback(&s).await;
    assert_eq!(cb.json["type"], 4, "answered at once: {}", cb.json);
    assert_eq!(cb.json["data"]["flags"], 64, "ephemeral");
    let img = attached(&cb, charts::PROGRESS_FILE);
    // The embed says 3 of the foundation path's modules are complete...
    let d = description(&cb);
    let total = bot.app.course.path("foundation").unwrap().module_ids.len();
    assert!(d.contains(&format!(" 3/{total} · ")), "{d}");
    // ...and so does the card: its first bar has 3 green segments, one amber (practised), the
    // rest not started.
    use charts::progress_layout::*;
    let mid = HEADER + PANEL_TOP + 4.0 + BAR_H / 2.0;
    let segs = charts::segments(total);
    let states: Vec<Rgb> = segs
        .iter()
        .map(|(a, b)| img.px(((a + b) / 2.0) as u32, mid as u32))
        .collect();
    let mut want = vec![palette::NOT_STARTED; total];
    want[..3].fill(palette::COMPLETE);
    want[3] = palette::IN_PROGRESS;
    assert_eq!(states, want);
    let drawn: f32 = segs.iter().map(|(a, b)| b - a).sum();
    let green = img.count(mid, BAR_X, BAR_X + BAR_W, palette::COMPLETE) as f32;
    assert!(
        (green / drawn - 3.0 / total as f32).abs() < 0.01,
        "{green} of {drawn}"
    );
    bot.assert_schema_ok();
}

/// `(points, correct, answered)` of each leaderboard line of the embed, in order.
fn board_lines(d: &str) -> Vec<(i64, i64, i64)> {
    d.lines()
        .filter(|l| l.starts_with("**") && l.contains(" pts · "))
        .map(|l| {
            let after = l.split("> · ").nth(1).unwrap();
            let pts: i64 = after.split(" pts").next().unwrap().parse().unwrap();
            let frac = after
                .split(" · ")
                .nth(1)
                .unwrap()
                .trim_end_matches(" right");
            let (c, n) = frac.split_once('/').unwrap();
            (pts, c.parse().unwrap(), n.parse().unwrap())
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn leaderboard_chart_has_the_top_ten_and_the_days_of_the_week() {
    let bot = TestBot::start().await;
    let now = bot.clock.now();
    let seeded = charts_seed::answers(
        &bot.app.db,
        &bot.app.course,
        common::fake_discord::GUILD_ID,
        14,
        12,
        2,
        now,
    )
    .await;
    assert!(seeded.answers > 0);
    let me = Member::new(charts_seed::MEMBER_BASE + 13, "thirteen");
    let week = bot
        .fake
        .slash(&me, "leaderboard", json!([opt("period", 3, "week".into())]))
        .await;
    let cb = bot.fake.callback(&week).await;
    let img = attached(&cb, charts::LEADERBOARD_FILE);
    let lines = board_lines(&description(&cb));
    assert_eq!(lines.len(), 10, "{}", description(&cb));
    use charts::board_layout::*;
    let max = lines[0].0 as f32;
    for (i, (pts, _, _)) in lines.iter().enumerate() {
        let mid = HEADER + i as f32 * ROW + 7.0 + BAR_H / 2.0;
        let col = if i == 0 { palette::GOLD } else { palette::BAR };
        let n = img.count(mid, BAR_X, BAR_X + BAR_W, col);
        assert_eq!(
            n,
            (BAR_W * *pts as f32 / max).round() as u32,
            "bar {} for {pts} pts",
            i + 1
        );
    }
    // The week (Monday 16 to Friday 20 March) has a daily chart under the bars: five bars of
    // answers whose heights follow what was answered each day.
    let rows_h = 10.0 * ROW + 8.0;
    let expected_h = HEADER + rows_h + DAILY_TOP + PLOT_H + DAILY_BOTTOM + 8.0;
    assert_eq!(img.h, expected_h.ceil() as u32);
    let days: Vec<_> = seeded.daily[seeded.daily.len() - 5..].to_vec();
    let bottom = HEADER + rows_h + DAILY_TOP + PLOT_H;
    let (x0, x1) = (24.0 + 44.0, charts::WIDTH as f32 - 24.0 - 48.0);
    let slot = (x1 - x0) / 5.0;
    let max_n = days.iter().map(|d| d.1).max().unwrap() as f32;
    for (i, (_, n, _)) in days.iter().enumerate() {
        // The bar's top at its left and right edges (the accuracy line may cross one).
        let cx = x0 + slot * (i as f32 + 0.5);
        let left = (cx - slot * 0.35).round();
        let bw = (slot * 0.7).round();
        let h = [left + 1.0, left + bw - 2.0]
            .iter()
            .map(|x| {
                ((bottom - PLOT_H) as u32..bottom as u32)
                    .find(|y| img.px(*x as u32, *y) == palette::BAR)
                    .map(|y| bottom - y as f32)
                    .unwrap_or(0.0)
            })
            .fold(0.0, f32::max);
        let want = (PLOT_H * *n as f32 / max_n).round();
        assert!((h - want).abs() <= 1.0, "day {i}: {h} px for {n} answers");
    }
    // All time: the same bars, no daily chart.
    let all = bot.fake.slash(&me, "leaderboard", json!([])).await;
    let cb = bot.fake.callback(&all).await;
    let img = attached(&cb, charts::LEADERBOARD_FILE);
    assert_eq!(img.h, (HEADER + rows_h + 8.0).ceil() as u32);
    assert_eq!(
        cb.json["data"]["allowed_mentions"]["parse"],
        json!([]),
        "leaderboards ping nobody"
    );
    bot.assert_schema_ok();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn quiz_stats_chart_shows_the_share_right_hardest_first() {
    let bot = TestBot::start().await;
    let now = bot.clock.now();
    charts_seed::answers(
        &bot.app.db,
        &bot.app.course,
        common::fake_discord::GUILD_ID,
        9,
        6,
        4,
        now,
    )
    .await;
    let admin = Member::admin(common::fake_discord::OWNER_ID, "owner");
    let s = bot
        .fake
        .slash(&admin, "quiz-admin", json!([sub("stats", vec![])]))
        .await;
    let cb = bot.fake.callback(&s).await;
    assert_eq!(cb.json["data"]["flags"], 64, "moderators only: ephemeral");
    let img = attached(&cb, charts::STATS_FILE);
    // "`id` P% right of N" lines of the embed, in order, against the bars.
    let d = description(&cb);
    let rows: Vec<i64> = d
        .lines()
        .filter(|l| l.starts_with('`'))
        .map(|l| {
            l.split("` ")
                .nth(1)
                .unwrap()
                .split('%')
                .next()
                .unwrap()
                .parse()
                .unwrap()
        })
        .collect();
    assert_eq!(rows.len(), charts::STATS_QUESTIONS, "{d}");
    assert!(
        rows.windows(2).all(|w| w[0] <= w[1]),
        "hardest first: {rows:?}"
    );
    use charts::stats_layout::*;
    for (i, pct) in rows.iter().enumerate() {
        let mid = HEADER + SECTION + i as f32 * ROW + 6.0 + BAR_H / 2.0;
        let n = img.count(mid, BAR_X, BAR_X + BAR_W, charts::share_colour(*pct));
        assert_eq!(
            n,
            (BAR_W * *pct as f32 / 100.0).round() as u32,
            "row {i}: {pct}%"
        );
    }
    bot.assert_schema_ok();
}

#[test]
fn multipart_parts_are_byte_exact() {
    let data: Vec<u8> = vec![0x89, b'P', b'N', b'G', b'\r', b'\n', 0, 255, b'-', b'-'];
    let mut body = Vec::new();
    body.extend_from_slice(b"--XyZ\r\nContent-Disposition: form-data; name=\"payload_json\"\r\nContent-Type: application/json\r\n\r\n{\"a\":1}\r\n");
    body.extend_from_slice(b"--XyZ\r\nContent-Disposition: form-data; name=\"files[0]\"; filename=\"x.png\"\r\nContent-Type: image/png\r\n\r\n");
    body.extend_from_slice(&data);
    body.extend_from_slice(b"\r\n--XyZ--\r\n");
    let parts = multipart_parts(&body, "multipart/form-data; boundary=XyZ");
    assert_eq!(parts.len(), 2);
    assert_eq!(parts[0].name, "payload_json");
    assert_eq!(parts[0].data, b"{\"a\":1}");
    assert_eq!(parts[1].name, "files[0]");
    assert_eq!(parts[1].filename.as_deref(), Some("x.png"));
    assert_eq!(parts[1].content_type.as_deref(), Some("image/png"));
    assert_eq!(parts[1].data, data);
    assert!(multipart_parts(b"{}", "application/json").is_empty());
}
