//! A throwaway PostgreSQL cluster for tests: started once per test binary in a temporary
//! directory on a free port, one fresh database per test (`CREATE DATABASE t_<n>`), so tests
//! stay parallel. A watchdog process stops the cluster and removes its directory when the test
//! binary exits, however it exits.
//!
//! PostgreSQL's binaries are found with `pg_config --bindir` or under
//! `/usr/lib/postgresql/*/bin`. `initdb` refuses to run as root: as root, the cluster runs as
//! the `postgres` user (`runuser`). Without PostgreSQL, [`database`] prints
//! `skipped: PostgreSQL not found (...)` and returns `None`; with `CI=true` it panics instead.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;

/// A running cluster.
pub struct Cluster {
    pub port: u16,
    pub dir: PathBuf,
    bin: PathBuf,
    user: Option<String>,
}

static CLUSTER: OnceLock<Result<Cluster, String>> = OnceLock::new();
static NEXT_DB: AtomicU64 = AtomicU64::new(1);

fn bindir() -> Result<PathBuf, String> {
    let mut candidates = Vec::new();
    if let Ok(out) = Command::new("pg_config").arg("--bindir").output() {
        if out.status.success() {
            candidates.push(PathBuf::from(String::from_utf8_lossy(&out.stdout).trim()));
        }
    }
    if let Ok(rd) = std::fs::read_dir("/usr/lib/postgresql") {
        let mut versions: Vec<PathBuf> = rd.flatten().map(|e| e.path().join("bin")).collect();
        versions.sort();
        candidates.extend(versions.into_iter().rev());
    }
    candidates
        .into_iter()
        .find(|d| d.join("initdb").is_file() && d.join("pg_ctl").is_file())
        .ok_or_else(|| {
            "no initdb/pg_ctl via pg_config --bindir or /usr/lib/postgresql/*/bin".into()
        })
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

impl Cluster {
    /// `program args...`, as the cluster's user when running as root.
    fn command(&self, program: &str) -> Command {
        as_user(self.user.as_deref(), &self.bin.join(program))
    }

    fn data(&self) -> PathBuf {
        self.dir.join("data")
    }

    /// A URL to database `name` of this cluster.
    pub fn url(&self, name: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{name}", self.port)
    }
}

fn as_user(user: Option<&str>, program: &Path) -> Command {
    match user {
        Some(u) => {
            let mut c = Command::new("runuser");
            c.args(["-u", u, "--"]).arg(program);
            c
        }
        None => Command::new(program),
    }
}

fn run(mut c: Command, what: &str) -> Result<(), String> {
    let out = c
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("{what}: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{what} failed: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ))
    }
}

fn free_port() -> Result<u16, String> {
    let l = std::net::TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
    Ok(l.local_addr().map_err(|e| e.to_string())?.port())
}

fn start() -> Result<Cluster, String> {
    let bin = bindir()?;
    let user = if is_root() {
        Some("postgres".to_string())
    } else {
        None
    };
    let dir = tempfile::Builder::new()
        .prefix("coursebot-pg-")
        .tempdir()
        .map_err(|e| e.to_string())?
        .keep();
    if let Some(u) = &user {
        let mut c = Command::new("chown");
        c.arg(format!("{u}:")).arg(&dir);
        run(c, "chown")?;
    }
    let cluster = Cluster {
        port: free_port()?,
        dir,
        bin,
        user,
    };
    // The watchdog: when this test binary exits (however), stop the cluster and remove it.
    let stop = format!(
        "while kill -0 {pid} 2>/dev/null; do sleep 0.5; done; {pg_ctl} -D '{data}' stop -m immediate >/dev/null 2>&1; rm -rf '{dir}'",
        pid = std::process::id(),
        pg_ctl = match &cluster.user {
            Some(u) => format!("runuser -u {u} -- '{}'", cluster.bin.join("pg_ctl").display()),
            None => format!("'{}'", cluster.bin.join("pg_ctl").display()),
        },
        data = cluster.data().display(),
        dir = cluster.dir.display(),
    );
    Command::new("sh")
        .args(["-c", &stop])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("starting the watchdog: {e}"))?;
    let mut init = cluster.command("initdb");
    init.arg("-D").arg(cluster.data()).args([
        "-A",
        "trust",
        "-U",
        "postgres",
        "-E",
        "UTF8",
        "--no-sync",
        "--no-instructions",
    ]);
    run(init, "initdb")?;
    let mut ctl = cluster.command("pg_ctl");
    ctl.arg("-D")
        .arg(cluster.data())
        .arg("-l")
        .arg(cluster.dir.join("log"))
        .arg("-o")
        .arg(format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1 -c max_connections=400 -c fsync=off -c synchronous_commit=off -c full_page_writes=off",
            cluster.port,
            cluster.dir.display()
        ))
        .args(["-w", "-t", "60", "start"]);
    run(ctl, "pg_ctl start").map_err(|e| {
        let log = std::fs::read_to_string(cluster.dir.join("log")).unwrap_or_default();
        format!("{e}\n{log}")
    })?;
    Ok(cluster)
}

/// The cluster of this test binary (started on first use), or why there is none.
pub fn cluster() -> Result<&'static Cluster, String> {
    CLUSTER.get_or_init(start).as_ref().map_err(Clone::clone)
}

/// A URL to a new, empty database of the throwaway cluster, or `None` (after printing
/// `skipped: PostgreSQL not found (...)`) when PostgreSQL is not installed. With `CI=true` a
/// missing PostgreSQL fails the test instead.
pub async fn database() -> Option<String> {
    let cluster = match tokio::task::spawn_blocking(cluster)
        .await
        .expect("pg start")
    {
        Ok(c) => c,
        Err(why) => {
            if std::env::var("CI").is_ok_and(|v| v == "true") {
                panic!("PostgreSQL is required on CI: {why}");
            }
            println!("skipped: PostgreSQL not found ({why})");
            return None;
        }
    };
    let name = format!("t_{}", NEXT_DB.fetch_add(1, Ordering::Relaxed));
    use sqlx::Connection;
    let mut admin = sqlx::PgConnection::connect(&cluster.url("postgres"))
        .await
        .expect("connecting to the throwaway cluster");
    // `name` is `t_<number>`, made here.
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&mut admin)
        .await
        .expect("CREATE DATABASE");
    let _ = admin.close().await;
    Some(cluster.url(&name))
}
