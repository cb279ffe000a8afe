//! The operations listener: `GET /metrics` (Prometheus text format), `GET /healthz` (the
//! process answers) and `GET /readyz` (every shard of this process connected, the database
//! reachable, the search index loaded), on the address of `COURSEBOT_METRICS_ADDR`.
//!
//! A small HTTP/1.1 server on plain tokio (one request per connection, `Connection: close`):
//! three GET routes do not need an HTTP framework. Bodies of the health routes are JSON:
//! `{"status":"ok"}` or `{"status":"not ready","problems":[...]}` with 503.

use crate::app::App;
use poise::serenity_prelude as serenity;
use serde_json::json;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// How long a readiness probe waits for the database.
const DB_PROBE: Duration = Duration::from_secs(2);
/// The longest request head read.
const MAX_HEAD: usize = 8 * 1024;

/// What `/readyz` and `/metrics` look at.
pub struct Probe {
    app: App,
    /// Shards this process runs (readiness waits for all of them).
    expected_shards: AtomicU32,
    /// The gateway shards, once the Discord client exists.
    shards: OnceLock<Arc<serenity::ShardManager>>,
}

impl Probe {
    pub fn new(app: App, expected_shards: u32) -> Arc<Probe> {
        Arc::new(Probe {
            app,
            expected_shards: AtomicU32::new(expected_shards.max(1)),
            shards: OnceLock::new(),
        })
    }

    /// How many shards this process runs (known once Discord said how many it recommends).
    pub fn set_expected_shards(&self, n: u32) {
        self.expected_shards.store(n.max(1), Ordering::Relaxed);
    }

    /// Hand over the client's shard manager (readiness and the gateway metrics read it).
    pub fn set_shards(&self, m: Arc<serenity::ShardManager>) {
        let _ = self.shards.set(m);
    }

    /// State of every shard of this process: (id, connected, latency). Also updates the
    /// gateway gauges.
    async fn shard_states(&self) -> Vec<(u32, bool, Option<Duration>)> {
        let Some(m) = self.shards.get() else {
            return Vec::new();
        };
        let runners = m.runners.lock().await;
        let mut out: Vec<(u32, bool, Option<Duration>)> = runners
            .iter()
            .map(|(id, info)| {
                (
                    id.0,
                    matches!(info.stage, serenity::ConnectionStage::Connected),
                    info.latency,
                )
            })
            .collect();
        drop(runners);
        out.sort_by_key(|s| s.0);
        for (id, up, lat) in &out {
            super::metrics::gateway(*id, *up, *lat);
        }
        out
    }

    /// Everything that keeps the process from serving; empty when ready.
    pub async fn problems(&self) -> Vec<String> {
        let mut problems = Vec::new();
        let shards = self.shard_states().await;
        let up = shards.iter().filter(|s| s.1).count() as u32;
        let expected = self.expected_shards.load(Ordering::Relaxed);
        if up < expected {
            let down: Vec<String> = shards
                .iter()
                .filter(|s| !s.1)
                .map(|s| s.0.to_string())
                .collect();
            problems.push(if down.is_empty() {
                format!("gateway: {up} of {expected} shard(s) connected (waiting for READY)")
            } else {
                format!(
                    "gateway: {up} of {expected} shard(s) connected; not connected: shard {}",
                    down.join(", ")
                )
            });
        }
        let db = tokio::time::timeout(
            DB_PROBE,
            super::metrics::timed_query(
                "health.ping",
                sqlx::query_scalar::<_, i64>("SELECT 1").fetch_one(&self.app.db),
            ),
        )
        .await;
        match db {
            Ok(Ok(_)) => {}
            Ok(Err(e)) => problems.push(format!("database: unreachable ({e})")),
            Err(_) => problems.push(format!(
                "database: no answer within {} s",
                DB_PROBE.as_secs()
            )),
        }
        if self.app.content().search.is_none() {
            problems.push("search index: not loaded yet".into());
        }
        problems
    }

    async fn metrics_text(&self) -> String {
        self.shard_states().await;
        super::metrics::db_pool(self.app.db.size(), self.app.db.num_idle());
        super::metrics::render()
    }
}

/// Bind `addr`, install the metrics recorder and serve until the returned handle is aborted.
/// The bound address (useful with port 0) is recorded in the app ([`App::ops_addr`]).
pub async fn start(
    addr: SocketAddr,
    probe: Arc<Probe>,
) -> anyhow::Result<tokio::task::AbortHandle> {
    super::metrics::install();
    let listener = TcpListener::bind(addr).await.map_err(|e| {
        anyhow::anyhow!("cannot listen on {addr} for /metrics (COURSEBOT_METRICS_ADDR): {e}")
    })?;
    let bound = listener.local_addr()?;
    let _ = probe.app.live().ops_addr.set(bound);
    tracing::info!(addr = %bound, "serving /metrics, /healthz and /readyz");
    Ok(tokio::spawn(async move {
        loop {
            let (sock, _) = match listener.accept().await {
                Ok(s) => s,
                Err(e) => {
                    tracing::warn!(error = %e, "accepting a metrics connection failed");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            };
            let p = probe.clone();
            tokio::spawn(async move {
                if let Err(e) = serve_one(sock, &p).await {
                    tracing::debug!(error = %e, "metrics connection");
                }
            });
        }
    })
    .abort_handle())
}

async fn serve_one(mut sock: TcpStream, probe: &Probe) -> std::io::Result<()> {
    let mut head = Vec::with_capacity(512);
    let mut buf = [0u8; 1024];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") && head.len() < MAX_HEAD {
        let n = tokio::time::timeout(Duration::from_secs(5), sock.read(&mut buf))
            .await
            .map_err(|_| std::io::Error::new(std::io::ErrorKind::TimedOut, "slow request"))??;
        if n == 0 {
            break;
        }
        head.extend_from_slice(&buf[..n]);
    }
    let line = String::from_utf8_lossy(&head);
    let mut parts = line.split_whitespace();
    let (method, target) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
    let path = target.split('?').next().unwrap_or("");
    let (status, ctype, body) = match (method, path) {
        ("GET", "/metrics") => (
            200,
            "text/plain; version=0.0.4; charset=utf-8",
            probe.metrics_text().await,
        ),
        ("GET", "/healthz") => (200, "application/json", json!({"status": "ok"}).to_string()),
        ("GET", "/readyz") => {
            let problems = probe.problems().await;
            if problems.is_empty() {
                (200, "application/json", json!({"status": "ok"}).to_string())
            } else {
                (
                    503,
                    "application/json",
                    json!({"status": "not ready", "problems": problems}).to_string(),
                )
            }
        }
        ("GET", _) => (
            404,
            "text/plain",
            "not found: try /metrics, /healthz or /readyz\n".into(),
        ),
        _ => (405, "text/plain", "only GET\n".into()),
    };
    let reason = match status {
        200 => "OK",
        404 => "Not Found",
        405 => "Method Not Allowed",
        _ => "Service Unavailable",
    };
    let resp = format!(
        "HTTP/1.1 {status} {reason}\r\nContent-Type: {ctype}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    sock.write_all(resp.as_bytes()).await?;
    sock.shutdown().await
}

/// `coursebot healthcheck`: GET `path` on `addr` (the container's HEALTHCHECK); the status
/// code and body. An address bound to all interfaces is asked on loopback.
pub async fn get(addr: SocketAddr, path: &str) -> anyhow::Result<(u16, String)> {
    let target = if addr.ip().is_unspecified() {
        let ip: std::net::IpAddr = if addr.is_ipv4() {
            std::net::Ipv4Addr::LOCALHOST.into()
        } else {
            std::net::Ipv6Addr::LOCALHOST.into()
        };
        SocketAddr::new(ip, addr.port())
    } else {
        addr
    };
    let work = async {
        let mut s = TcpStream::connect(target).await?;
        s.write_all(
            format!("GET {path} HTTP/1.1\r\nHost: {target}\r\nConnection: close\r\n\r\n")
                .as_bytes(),
        )
        .await?;
        let mut out = Vec::new();
        s.read_to_end(&mut out).await?;
        anyhow::Ok(String::from_utf8_lossy(&out).into_owned())
    };
    let text = tokio::time::timeout(Duration::from_secs(5), work)
        .await
        .map_err(|_| anyhow::anyhow!("{target} did not answer within 5 s"))?
        .map_err(|e| anyhow::anyhow!("cannot reach {target}: {e}"))?;
    let status = text
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| anyhow::anyhow!("{target} did not answer HTTP"))?;
    let body = text
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    Ok((status, body))
}
