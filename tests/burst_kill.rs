//! The real binary is killed with SIGKILL in the middle of an answer burst: every answer whose
//! interaction was acknowledged is stored exactly once, and after a restart the members whose
//! answer was not acknowledged can answer again (accepted, or "already answered" only when the
//! answer had been committed before the kill).

mod common;

use chrono::{Duration as CDuration, Utc};
use common::fake_discord::{message_json, FakeDiscord, Member, Sent, GUILD_ID};
use common::quiz_helpers::{answer, reply_text};
use coursebot::content::AnswerKey;
use coursebot::ids::{ChannelId, GuildId, MessageId, UserId};
use coursebot::store::quiz as qdb;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const TOKEN: &str = "MTIzNDU2Nzg5.GhIjKl.SECRET-TOKEN-never-in-logs";
const CHANNEL: u64 = 3_000_000_000_000_000_777;
const MEMBERS: u64 = 1500;

fn mini() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/mini")
}

fn db_url(dir: &Path) -> String {
    format!("sqlite://{}", dir.join("bot.db").display())
}

/// `coursebot run` against the fake; its log goes to `dir/bot-<n>.log`.
fn spawn_bot(fake: &FakeDiscord, dir: &Path, n: u32) -> Child {
    let log = std::fs::File::create(dir.join(format!("bot-{n}.log"))).unwrap();
    Command::new(env!("CARGO_BIN_EXE_coursebot"))
        .arg("run")
        .env("DISCORD_TOKEN", TOKEN)
        .env("DISCORD_API_BASE", &fake.rest_url)
        .env("DATABASE_URL", db_url(dir))
        .env("COURSEBOT_CONTENT_DIR", mini())
        .env("COURSEBOT_INDEX_DIR", dir.join("index"))
        .env("RUST_LOG", "warn")
        .env("NO_PROXY", "127.0.0.1,localhost")
        .current_dir(dir)
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .unwrap()
}

fn callbacks(fake: &FakeDiscord) -> HashMap<String, String> {
    fake.requests()
        .iter()
        .filter(|r| r.path.ends_with("/callback"))
        .map(|r| (r.path.clone(), reply_text(r)))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_answers_survive_sigkill_and_the_others_can_answer_again() {
    let fake = FakeDiscord::start().await;
    let tmp = tempfile::tempdir().unwrap();
    let course = coursebot::content::load_course(&mini()).unwrap();
    let q = course
        .questions
        .iter()
        .find(|q| matches!(q.key, AnswerKey::MultipleChoice { .. }))
        .expect("a multiple-choice question")
        .clone();

    // An open daily quiz, as if posted a minute ago (the binary runs on the system clock).
    let now = Utc::now();
    let quiz = {
        let pool = coursebot::store::connect(&db_url(tmp.path()))
            .await
            .unwrap();
        let schedule = qdb::upsert_schedule(
            &pool,
            qdb::NewSchedule {
                guild: GuildId::new(GUILD_ID),
                channel: ChannelId::new(CHANNEL),
                local_time: "10:00",
                timezone: "UTC",
                pool_label: "m01",
                modules: std::slice::from_ref(&q.module),
                window_minutes: None,
                next_run_at: now + CDuration::days(1),
                created_by: UserId::new(1),
                now,
            },
        )
        .await
        .unwrap();
        let quiz = qdb::create_quiz(
            &pool,
            qdb::NewQuiz {
                schedule_id: schedule,
                guild: GuildId::new(GUILD_ID),
                channel: ChannelId::new(CHANNEL),
                question_id: &q.id,
                module_id: &q.module,
                path_id: "foundation",
                quiz_date: now.date_naive(),
                cycle: 0,
                posted_at: now - CDuration::minutes(1),
                closes_at: now + CDuration::hours(2),
            },
        )
        .await
        .unwrap()
        .unwrap();
        qdb::set_posted(&pool, quiz, MessageId::new(9_000_000_000_000_000_001))
            .await
            .unwrap();
        pool.close().await;
        quiz
    };
    let prefix = format!("qz:{quiz}");
    let msg: Value = message_json(9_000_000_000_000_000_001, CHANNEL, &json!({}));
    let member = |n: u64| Member::new(5_000_000_000_000_000_000 + n, &format!("u{n}"));
    let member_id = |n: u64| UserId::new(member(n).id);

    let mut bot = spawn_bot(&fake, tmp.path(), 1);
    fake.wait_request(60, |r| r.method == "PUT" && r.path.ends_with("/commands"))
        .await
        .expect("first run registered its commands");

    // The burst; SIGKILL once a tenth of it is acknowledged.
    let mut sent: Vec<(u64, Sent)> = Vec::new();
    for n in 0..MEMBERS {
        sent.push((
            n,
            answer(&fake, &member(n), &msg, &prefix, &q, n % 2 == 0).await,
        ));
    }
    let deadline = Instant::now() + Duration::from_secs(60);
    while fake.count(|r| r.path.ends_with("/callback")) < (MEMBERS / 10) as usize {
        assert!(Instant::now() < deadline, "no acknowledgements");
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    bot.kill().unwrap();
    bot.wait().unwrap();

    let acked = callbacks(&fake);
    let pool = coursebot::store::connect(&db_url(tmp.path()))
        .await
        .unwrap();
    let rows = qdb::answers_of(&pool, quiz).await.unwrap();
    pool.close().await;
    let stored: HashMap<UserId, bool> = rows.iter().copied().collect();
    assert_eq!(rows.len(), stored.len(), "each member stored at most once");
    let mut unacked = Vec::new();
    for (n, s) in &sent {
        let m = member_id(*n);
        match acked.get(&s.callback_path()) {
            Some(text) => {
                assert!(text.contains("Answer recorded"), "{text}");
                assert_eq!(
                    stored.get(&m),
                    Some(&(n % 2 == 0)),
                    "acknowledged answer of member {n} is stored as given"
                );
            }
            None => unacked.push(*n),
        }
    }
    assert!(
        !unacked.is_empty(),
        "the kill came after the whole burst ({} acknowledged): nothing was tested",
        acked.len()
    );

    // Restart: the members whose answer was not acknowledged answer again. (The command set
    // is registered already, so the second run does not register: wait for its IDENTIFY.)
    let identified = fake.identifies();
    let mut bot = spawn_bot(&fake, tmp.path(), 2);
    let deadline = Instant::now() + Duration::from_secs(60);
    while fake.identifies() <= identified {
        assert!(Instant::now() < deadline, "the second run never connected");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let mut again = Vec::new();
    for n in &unacked {
        again.push((
            *n,
            answer(&fake, &member(*n), &msg, &prefix, &q, true).await,
        ));
    }
    for (n, s) in &again {
        let text = reply_text(&fake.callback(s).await);
        if stored.contains_key(&member_id(*n)) {
            // Committed just before the kill, not acknowledged: the first answer counts.
            assert!(text.contains("already answered"), "member {n}: {text}");
        } else {
            assert!(text.contains("Answer recorded"), "member {n}: {text}");
        }
    }
    bot.kill().unwrap();
    bot.wait().unwrap();

    let pool = coursebot::store::connect(&db_url(tmp.path()))
        .await
        .unwrap();
    let after = qdb::answers_of(&pool, quiz).await.unwrap();
    assert_eq!(
        after.len(),
        MEMBERS as usize,
        "every member stored exactly once"
    );
    let after: HashMap<UserId, bool> = after.into_iter().collect();
    for (m, c) in &stored {
        assert_eq!(after.get(m), Some(c), "answers from before the kill kept");
    }
}
