//! `coursebot chart progress|stats|leaderboard`: the bot's images from the command line.

mod common;

use common::charts_seed;
use std::process::Command;

const GUILD: u64 = 2_000_000_000_000_000_001;

fn chart(db: &str, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_coursebot"))
        .arg("chart")
        .args(args)
        .env("DATABASE_URL", db)
        .env(
            "COURSEBOT_CONTENT_DIR",
            common::harness::content_dir().as_os_str(),
        )
        .output()
        .unwrap()
}

/// Width and height of a PNG file.
fn size(path: &std::path::Path) -> (u32, u32) {
    let bytes = std::fs::read(path).unwrap();
    assert!(
        bytes.len() < 200_000,
        "{}: {} bytes",
        path.display(),
        bytes.len()
    );
    let r = png::Decoder::new(std::io::Cursor::new(bytes))
        .read_info()
        .unwrap();
    (r.info().width, r.info().height)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chart_writes_each_image_and_refuses_bad_arguments_clearly() {
    let dir = tempfile::tempdir().unwrap();
    let db_url = format!("sqlite://{}", dir.path().join("bot.db").display());
    let course = coursebot::content::load_course(&common::harness::content_dir()).unwrap();
    let pool = coursebot::store::connect(&db_url).await.unwrap();
    // The CLI reads the system clock: the data ends today.
    let now = chrono::Utc::now();
    charts_seed::answers(pool.as_sqlite().unwrap(), &course, GUILD, 12, 40, 2, now).await;
    let member = charts_seed::MEMBER_BASE + 3;
    charts_seed::progress(
        pool.as_sqlite().unwrap(),
        &course,
        GUILD,
        member,
        "foundation",
        2,
        now,
    )
    .await;
    pool.close().await;

    let g = GUILD.to_string();
    let m = member.to_string();
    let mut sizes = Vec::new();
    for (name, extra) in [
        ("progress", vec!["--member", m.as_str()]),
        ("stats", vec![]),
        ("stats", vec!["--module", "m01"]),
        ("leaderboard", vec![]),
        ("leaderboard", vec!["--period", "month"]),
    ] {
        let out = dir.path().join(format!("{name}-{}.png", sizes.len()));
        let mut args = vec![name, "--guild", &g, "--out", out.to_str().unwrap()];
        args.extend(extra.iter().copied());
        let o = chart(&db_url, &args);
        assert!(
            o.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        assert!(String::from_utf8_lossy(&o.stdout).contains("wrote"));
        let (w, h) = size(&out);
        assert_eq!(w, coursebot::charts::WIDTH);
        sizes.push(h);
    }
    // A month's leaderboard has the daily chart under the bars; all time has not.
    assert!(sizes[4] > sizes[3] + 200, "{sizes:?}");
    // One module's statistics list fewer modules than all of them.
    assert!(sizes[2] < sizes[1], "{sizes:?}");

    let out = dir.path().join("x.png");
    let o_ = out.to_str().unwrap();
    for (args, says) in [
        (vec!["progress", "--guild", &g, "--out", o_], "--member"),
        (
            vec![
                "leaderboard",
                "--guild",
                &g,
                "--period",
                "year",
                "--out",
                o_,
            ],
            "`year` is not a period",
        ),
        (
            vec!["stats", "--guild", &g, "--module", "m99", "--out", o_],
            "Unknown module `m99`",
        ),
        (
            vec!["leaderboard", "--guild", &g, "--path", "nope", "--out", o_],
            "Unknown learning path `nope`",
        ),
    ] {
        let o = chart(&db_url, &args);
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(!o.status.success() && err.contains(says), "{args:?}: {err}");
    }
    assert!(!out.exists(), "nothing written on an error");
}

/// Regenerates the README's example, `docs/progress-card.png`:
/// `cargo test --test charts_cli -- --ignored readme_example`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore]
async fn readme_example_progress_card() {
    use coursebot::store::certification as cert;
    let dir = tempfile::tempdir().unwrap();
    let db_url = format!("sqlite://{}", dir.path().join("bot.db").display());
    let course = std::sync::Arc::new(
        coursebot::content::load_course(&common::harness::content_dir()).unwrap(),
    );
    let pool = coursebot::store::connect(&db_url).await.unwrap();
    let now = chrono::Utc::now();
    let user = charts_seed::MEMBER_BASE;
    let foundation = course.path("foundation").unwrap().module_ids.len();
    charts_seed::progress(
        pool.as_sqlite().unwrap(),
        &course,
        GUILD,
        user,
        "foundation",
        foundation,
        now,
    )
    .await;
    charts_seed::progress(
        pool.as_sqlite().unwrap(),
        &course,
        GUILD,
        user,
        "professional",
        3,
        now,
    )
    .await;
    let exam = cert::start_exam(
        &pool,
        coursebot::ids::GuildId(GUILD),
        coursebot::ids::UserId(user),
        "foundation",
        &[],
        now,
        now,
    )
    .await
    .unwrap()
    .unwrap();
    cert::grade(&pool, exam, 41, 82.0, true, now).await.unwrap();
    cert::submit_capstone(
        &pool,
        coursebot::ids::GuildId(GUILD),
        coursebot::ids::UserId(user),
        "foundation",
        "foundation",
        "https://example.org",
        now,
    )
    .await
    .unwrap();
    let empty = coursebot::content::Course {
        paths: vec![],
        modules: vec![],
        questions: vec![],
        ..(*course).clone()
    };
    let index = std::sync::Arc::new(coursebot::search::SearchIndex::in_memory(&empty).unwrap());
    let app = coursebot::app::App::from_parts(
        course.clone(),
        index,
        pool,
        std::sync::Arc::new(coursebot::clock::ManualClock::new(now)),
    );
    let p = coursebot::charts::data::progress(
        &app,
        coursebot::ids::GuildId(GUILD),
        coursebot::ids::UserId(user),
        "Ada Lovelace",
    )
    .await
    .unwrap();
    let out = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/progress-card.png");
    std::fs::write(&out, coursebot::charts::progress_png(&p.card)).unwrap();
}
