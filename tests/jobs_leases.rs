//! Leases through the real runner, on SQLite and on PostgreSQL: a job claimed by a process that
//! then died is not run while its lease lasts, is taken over once it expired (posted once), and
//! the dead owner's late outcome is refused.

mod common;

use chrono::{DateTime, Duration, TimeZone, Utc};
use common::fake_discord::{Request, GUILD_ID};
use common::harness::{Options, TestBot};
use coursebot::ids::{ChannelId, GuildId, UserId};
use coursebot::jobs::rows;

const ANN: u64 = 3_000_000_000_000_000_801;
const DEAD: &str = "dead-host:4242:0badf00d";

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 20, 9, 0, 0).unwrap()
}

fn posts(bot: &TestBot) -> Vec<Request> {
    let p = format!("/api/v10/channels/{ANN}/messages");
    bot.fake
        .requests()
        .into_iter()
        .filter(|r| r.method == "POST" && r.path == p)
        .collect()
}

async fn takeover(database_url: Option<String>) {
    std::env::set_var("COURSEBOT_TICK_MS", "50");
    let o = Options {
        start: t0(),
        content: std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/mini"),
    };
    let bot = match database_url {
        Some(url) => TestBot::start_on_database(url, o).await,
        None => TestBot::start_with(o).await,
    };
    let db = &bot.app.db;
    let g = GuildId(GUILD_ID);
    coursebot::store::settings::set_announce_channel(db, g, Some(ChannelId(ANN)), t0())
        .await
        .unwrap();
    // A process claimed the announcement of certificate 1 an hour from now, then died.
    let later = t0() + Duration::hours(1);
    let lease = Duration::seconds(60);
    assert!(
        rows::enqueue(db, "cert_announce", "1", &serde_json::Value::Null, later)
            .await
            .unwrap()
    );
    let dead = rows::claim(db, DEAD, later, later + lease, 100)
        .await
        .unwrap();
    assert_eq!(dead.len(), 1);
    let cert = coursebot::store::certification::award(
        db,
        g,
        UserId(4_000_000_000_000_008_001),
        "foundation",
        None,
        None,
        t0(),
    )
    .await
    .unwrap();
    assert_eq!(cert, Some(1));

    // While the dead owner's lease lasts, nobody runs the job.
    bot.clock.set(later + lease - Duration::seconds(1));
    bot.wait_ticks(3).await;
    assert!(posts(&bot).is_empty(), "the job is still the dead owner's");
    let j = rows::get(db, "cert_announce", "1").await.unwrap().unwrap();
    assert_eq!(
        (j.state.as_str(), j.owner.as_deref()),
        ("pending", Some(DEAD))
    );

    // Expired: the running process takes it over and posts once.
    bot.clock.set(later + lease + Duration::seconds(1));
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while posts(&bot).is_empty() {
        assert!(std::time::Instant::now() < deadline, "never taken over");
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    bot.wait_ticks(3).await;
    assert_eq!(posts(&bot).len(), 1, "posted once");
    assert_eq!(
        posts(&bot)[0].json["nonce"],
        "cert-1",
        "with the job's nonce"
    );
    let j = rows::get(db, "cert_announce", "1").await.unwrap().unwrap();
    assert_eq!((j.state.as_str(), j.owner), ("done", None));
    // The dead owner's late outcome changes nothing.
    assert!(!rows::retry(db, j.id, DEAD, 1, later, "late", later)
        .await
        .unwrap());
    assert_eq!(
        rows::get(db, "cert_announce", "1")
            .await
            .unwrap()
            .unwrap()
            .state,
        "done"
    );
    bot.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dead_owners_job_is_taken_over_after_its_lease_on_sqlite() {
    takeover(None).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dead_owners_job_is_taken_over_after_its_lease_on_postgres() {
    let Some(url) = common::pg::database().await else {
        return;
    };
    takeover(Some(url)).await;
}
