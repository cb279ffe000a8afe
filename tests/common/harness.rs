//! Starting the real bot (serenity + poise) in-process against the fake Discord, with an
//! injected clock and a database in a temporary directory.

use super::fake_discord::{FakeDiscord, GUILD_ID};
use chrono::{DateTime, TimeZone, Utc};
use coursebot::app::App;
use coursebot::clock::ManualClock;
use coursebot::config::{Config, Secret, ShardPlan};
use std::path::PathBuf;
use std::sync::{Arc, Once};
use tempfile::TempDir;
use tokio::sync::oneshot;

pub const TOKEN: &str = "test-token-SECRET-0123456789";

pub fn content_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("content")
}

fn init_env() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // reqwest honours HTTP_PROXY and does not exempt loopback.
        std::env::set_var("NO_PROXY", "127.0.0.1,localhost");
        std::env::set_var("no_proxy", "127.0.0.1,localhost");
        let _ = tracing_subscriber::fmt()
            .with_env_filter(
                tracing_subscriber::EnvFilter::try_from_default_env()
                    .unwrap_or_else(|_| "warn".into()),
            )
            .with_test_writer()
            .try_init();
    });
}

pub struct TestBot {
    pub fake: Arc<FakeDiscord>,
    pub app: App,
    pub clock: ManualClock,
    pub config: Config,
    pub dir: Arc<TempDir>,
    shutdown: Option<oneshot::Sender<()>>,
    done: Option<oneshot::Receiver<anyhow::Result<()>>>,
    /// The bot runs in its own runtime so that killing it stops every task it spawned.
    rt: Option<tokio::runtime::Runtime>,
}

pub fn default_start() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 20, 9, 0, 0).unwrap()
}

pub struct Options {
    pub content: PathBuf,
    pub start: DateTime<Utc>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            content: std::env::var("COURSEBOT_TEST_CONTENT")
                .map(PathBuf::from)
                .unwrap_or_else(|_| content_dir()),
            start: default_start(),
        }
    }
}

impl Drop for TestBot {
    fn drop(&mut self) {
        if let Some(rt) = self.rt.take() {
            rt.shutdown_background();
        }
    }
}

impl TestBot {
    pub async fn start() -> TestBot {
        Self::start_with(Options::default()).await
    }

    pub async fn start_with(o: Options) -> TestBot {
        init_env();
        let fake = Arc::new(FakeDiscord::start().await);
        let dir = Arc::new(tempfile::tempdir().unwrap());
        let clock = ManualClock::new(o.start);
        Self::launch(fake, dir, clock, o.content, None).await
    }

    /// Like [`TestBot::start_with`] on the database at `database_url` (e.g. a PostgreSQL one
    /// from `common::pg::database`).
    pub async fn start_on_database(database_url: String, o: Options) -> TestBot {
        init_env();
        let fake = Arc::new(FakeDiscord::start().await);
        let dir = Arc::new(tempfile::tempdir().unwrap());
        let clock = ManualClock::new(o.start);
        Self::launch(fake, dir, clock, o.content, Some(database_url)).await
    }

    /// Start the bot on an existing fake Discord (set up routes first) and return as soon as
    /// the app is open, without waiting for READY (to observe the bot while it connects).
    pub async fn start_on(fake: Arc<FakeDiscord>, o: Options) -> TestBot {
        init_env();
        let dir = Arc::new(tempfile::tempdir().unwrap());
        let clock = ManualClock::new(o.start);
        Self::launch_inner(
            fake,
            dir,
            clock,
            o.content,
            ShardPlan::Auto,
            TOKEN,
            false,
            None,
        )
        .await
    }

    async fn launch(
        fake: Arc<FakeDiscord>,
        dir: Arc<TempDir>,
        clock: ManualClock,
        content: PathBuf,
        database_url: Option<String>,
    ) -> TestBot {
        Self::launch_inner(
            fake,
            dir,
            clock,
            content,
            ShardPlan::Auto,
            TOKEN,
            true,
            database_url,
        )
        .await
    }

    /// Start a bot running `shards` on `fake` with `token`, with the database in `dir` (several
    /// bots may share one fake and one clock: processes of one sharded bot; the fake records
    /// each request's token, so giving each its own tells who sent what). Returns once its
    /// first shard is ready (commands registered if they had to be, job runner started).
    pub async fn launch_sharded(
        fake: Arc<FakeDiscord>,
        dir: Arc<TempDir>,
        clock: ManualClock,
        content: PathBuf,
        shards: ShardPlan,
        token: &str,
    ) -> TestBot {
        Self::launch_inner(fake, dir, clock, content, shards, token, true, None).await
    }

    /// [`TestBot::launch_sharded`] on the database at `database_url` (`None`: SQLite in `dir`),
    /// e.g. one PostgreSQL database shared by several bots (`common::pg::database`).
    pub async fn launch_sharded_on(
        fake: Arc<FakeDiscord>,
        dir: Arc<TempDir>,
        clock: ManualClock,
        content: PathBuf,
        shards: ShardPlan,
        token: &str,
        database_url: Option<String>,
    ) -> TestBot {
        Self::launch_inner(fake, dir, clock, content, shards, token, true, database_url).await
    }

    #[allow(clippy::too_many_arguments)]
    async fn launch_inner(
        fake: Arc<FakeDiscord>,
        dir: Arc<TempDir>,
        clock: ManualClock,
        content: PathBuf,
        shards: ShardPlan,
        token: &str,
        wait_ready: bool,
        database_url: Option<String>,
    ) -> TestBot {
        init_env();
        let config = Config {
            token: Secret::new(token),
            api_base: Some(fake.rest_url.clone()),
            guilds: vec![GUILD_ID],
            shards,
            database_url: database_url
                .unwrap_or_else(|| format!("sqlite://{}", dir.path().join("bot.db").display())),
            content_dir: content,
            index_dir: dir.path().join("index"),
            // The rest (job runner timings...) from the environment, as `run` reads it.
            ..Config::from_env().expect("the test environment is a valid configuration")
        };
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            // Named so that benchmarks can tell the bot's CPU time from the fake Discord's.
            .thread_name("bot-worker")
            .enable_all()
            .build()
            .unwrap();
        let (tx, rx) = oneshot::channel::<()>();
        let (app_tx, app_rx) = oneshot::channel();
        let (done_tx, done_rx) = oneshot::channel();
        let (ready_tx, ready_rx) = oneshot::channel();
        let (c2, clk) = (config.clone(), clock.clone());
        rt.spawn(async move {
            let app = App::open(&c2, Arc::new(clk)).await.expect("app opens");
            let _ = app_tx.send(app.clone());
            let r = coursebot::bot::serve_notify(
                &c2,
                app,
                async {
                    let _ = rx.await;
                },
                Some(ready_tx),
            )
            .await;
            let _ = done_tx.send(r);
        });
        let app = app_rx.await.expect("bot runtime started");
        if wait_ready {
            // Ready: commands registered (when the set changed since the last start on this
            // database) and the job runner started.
            tokio::time::timeout(std::time::Duration::from_secs(30), ready_rx)
                .await
                .expect("the bot was ready within 30 s")
                .expect("the bot started");
        }
        TestBot {
            fake,
            app,
            clock,
            config,
            dir,
            shutdown: Some(tx),
            done: Some(done_rx),
            rt: Some(rt),
        }
    }

    /// Stop gracefully (what SIGINT/SIGTERM do); returns what `serve` returned.
    pub async fn stop(mut self) -> anyhow::Result<()> {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        let r = match self.done.take() {
            Some(d) => tokio::time::timeout(std::time::Duration::from_secs(10), d)
                .await
                .map_err(|_| anyhow::anyhow!("bot did not stop within 10 s"))?
                .map_err(|_| anyhow::anyhow!("bot task vanished"))?,
            None => Ok(()),
        };
        if let Some(rt) = self.rt.take() {
            rt.shutdown_background();
        }
        r
    }

    /// Kill the bot abruptly: its runtime and every task in it stop at once, nothing of the
    /// shutdown path runs (like kill -9 for what is in SQLite). Then start a new bot on the
    /// same database, fake Discord and clock.
    pub async fn kill_and_restart(mut self) -> TestBot {
        if let Some(rt) = self.rt.take() {
            rt.shutdown_background();
        }
        let (fake, dir, clock, content) = (
            self.fake.clone(),
            self.dir.clone(),
            self.clock.clone(),
            self.config.content_dir.clone(),
        );
        let url = self.config.database_url.clone();
        Self::launch(fake, dir, clock, content, Some(url)).await
    }

    /// Wait until the job runner has completed `n` more ticks than now (at most 20 s), so that
    /// a test can assert that something did *not* happen after the clock moved.
    pub async fn wait_ticks(&self, n: i64) {
        let start = coursebot::jobs::ticks(&self.app.db).await;
        let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(20);
        while coursebot::jobs::ticks(&self.app.db).await < start + n {
            assert!(
                tokio::time::Instant::now() < deadline,
                "the job runner did not complete {n} tick(s) within 20 s"
            );
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
    }

    /// Fails the test if any request body broke Discord's schema.
    pub fn assert_schema_ok(&self) {
        let f = self.fake.schema_failures();
        assert!(
            f.is_empty(),
            "requests that break Discord's OpenAPI schema:\n{}",
            f.join("\n")
        );
    }
}
