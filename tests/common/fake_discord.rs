//! A fake Discord on 127.0.0.1: enough REST API v10 and gateway for the real serenity client.
//! It records every REST request; tests drive interactions through it and assert on what the
//! bot sent back.

use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, Notify};
use tokio_tungstenite::tungstenite::Message as WsMessage;

pub const APP_ID: u64 = 1_000_000_000_000_000_001;
pub const GUILD_ID: u64 = 2_000_000_000_000_000_001;
pub const CHANNEL_ID: u64 = 3_000_000_000_000_000_001;
/// The fake guild's owner: the `admin()` member of the test files.
pub const OWNER_ID: u64 = 4_000_000_000_000_000_100;
/// Every permission bit (what an owner/admin has).
pub const ALL_PERMS: u64 = 2_199_023_255_551;
/// View channel + send messages + use application commands: an ordinary member.
pub const MEMBER_PERMS: u64 = (1 << 10) | (1 << 11) | (1 << 31);

/// One REST request the bot made.
#[derive(Debug, Clone)]
pub struct Request {
    pub method: String,
    /// Path without the query string, e.g. `/api/v10/channels/1/messages`.
    pub path: String,
    pub query: String,
    /// JSON body (for multipart: the `payload_json` part), or Null.
    pub json: Value,
    /// The raw body.
    pub body: Vec<u8>,
    pub content_type: String,
    /// What the fake answered (Null for 204).
    pub response: Value,
    /// When the request arrived (for latency measurements).
    pub received: std::time::Instant,
    /// The HTTP status the fake answered.
    pub status: u16,
    /// The `Authorization` header (which process of a sharded bot sent it, in tests that give
    /// each process its own token).
    pub auth: String,
}

impl Request {
    /// The interaction callback's `data` (`{type, data}` bodies).
    pub fn data(&self) -> &Value {
        &self.json["data"]
    }

    /// The files of a multipart/form-data body (`files[n]` parts), in order; empty for JSON
    /// bodies. The `payload_json` part is [`Request::json`] (validated against the schema).
    pub fn files(&self) -> Vec<FilePart> {
        multipart_parts(&self.body, &self.content_type)
            .into_iter()
            .filter(|p| p.name != "payload_json")
            .collect()
    }
}

/// One part of a multipart/form-data body.
#[derive(Debug, Clone)]
pub struct FilePart {
    /// The form field name, e.g. `files[0]`.
    pub name: String,
    pub filename: Option<String>,
    pub content_type: Option<String>,
    pub data: Vec<u8>,
}

/// The parts of a multipart body, byte-exact (file data is binary); empty when `content_type`
/// is not multipart or has no boundary.
pub fn multipart_parts(body: &[u8], content_type: &str) -> Vec<FilePart> {
    fn find(h: &[u8], n: &[u8], from: usize) -> Option<usize> {
        (from..=h.len().saturating_sub(n.len())).find(|&i| h[i..].starts_with(n))
    }
    fn param(disposition: &str, key: &str) -> Option<String> {
        let pat = format!("{key}=\"");
        let start = disposition.find(&pat)? + pat.len();
        let end = disposition[start..].find('"')? + start;
        Some(disposition[start..end].to_string())
    }
    if !content_type.starts_with("multipart/") {
        return vec![];
    }
    let Some(boundary) = content_type.split("boundary=").nth(1) else {
        return vec![];
    };
    let delim = format!("--{}", boundary.trim_matches('"'));
    let delim = delim.as_bytes();
    let mut parts = Vec::new();
    let Some(mut at) = find(body, delim, 0) else {
        return parts;
    };
    loop {
        let start = at + delim.len();
        if body[start..].starts_with(b"--") {
            break;
        }
        let Some(next) = find(body, delim, start) else {
            break;
        };
        // A part: CRLF, headers, a blank line, the data, CRLF before the next delimiter.
        let part = &body[start..next];
        let part = part.strip_prefix(b"\r\n").unwrap_or(part);
        let part = part.strip_suffix(b"\r\n").unwrap_or(part);
        if let Some(split) = find(part, b"\r\n\r\n", 0) {
            let head = String::from_utf8_lossy(&part[..split]).to_string();
            let mut name = String::new();
            let mut filename = None;
            let mut ctype = None;
            for line in head.split("\r\n") {
                let lower = line.to_ascii_lowercase();
                if lower.starts_with("content-disposition:") {
                    name = param(line, "name").unwrap_or_default();
                    filename = param(line, "filename");
                } else if lower.starts_with("content-type:") {
                    ctype = Some(line["content-type:".len()..].trim().to_string());
                }
            }
            parts.push(FilePart {
                name,
                filename,
                content_type: ctype,
                data: part[split + 4..].to_vec(),
            });
        }
        at = next;
    }
    parts
}

#[derive(Default)]
struct State {
    requests: Vec<Request>,
    identifies: u32,
    resumes: u32,
    /// Custom per-route answers: (method, path suffix) → (status, body).
    overrides: Vec<(String, String, u16, Value)>,
    /// Like `overrides`, for a limited number of requests: (method, path suffix, status, body,
    /// requests left). Checked first.
    limited: Vec<(String, String, u16, Value, u32)>,
    schema_failures: Vec<String>,
    /// Messages created with `enforce_nonce`, by nonce: Discord returns the same message for a
    /// repeated nonce instead of creating a second one.
    nonces: HashMap<String, Value>,
    /// Sharding: what `GET /gateway/bot` answers and what IDENTIFY did.
    sharding: Sharding,
    /// The global REST rate limit, when switched on.
    rate_limit: Option<GlobalLimit>,
}

/// What the fake knows about shards.
struct Sharding {
    /// The shard count `GET /gateway/bot` recommends.
    recommended: u32,
    /// `session_start_limit`: total, remaining (one less per IDENTIFY), reset_after (ms),
    /// max_concurrency.
    limit: [u64; 4],
    /// `[shard_id, shard_total]` of every IDENTIFY, in order.
    identified: Vec<[u32; 2]>,
    /// The shard total of the last IDENTIFY: the routing key's modulus.
    total: u32,
}

impl Default for Sharding {
    fn default() -> Self {
        Sharding {
            recommended: 1,
            limit: [1000, 1000, 0, 1],
            identified: vec![],
            total: 1,
        }
    }
}

/// Discord's global rate limit: at most `per_second` requests in each one-second window
/// (interaction callbacks and webhooks are exempt, as on Discord).
struct GlobalLimit {
    per_second: u32,
    window_start: std::time::Instant,
    used: u32,
    /// Requests answered 429 so far.
    refused: u64,
}

/// The shard Discord sends events of `guild` to: `(guild_id >> 22) % shard_total`.
pub fn shard_of(guild: u64, total: u32) -> u32 {
    ((guild >> 22) % u64::from(total.max(1))) as u32
}

enum GwCommand {
    Dispatch(String, Value),
    Drop,
}

pub struct FakeDiscord {
    pub rest_url: String,
    pub gateway_url: String,
    state: Arc<Mutex<State>>,
    changed: Arc<Notify>,
    gw: Arc<Mutex<Option<mpsc::UnboundedSender<GwCommand>>>>,
    /// Identified (or resumed) connections by shard id.
    shards: Arc<Mutex<HashMap<u32, mpsc::UnboundedSender<GwCommand>>>>,
    connected: Arc<Notify>,
    ids: Arc<AtomicU64>,
}

impl FakeDiscord {
    pub async fn start() -> FakeDiscord {
        let rest = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let gwl = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let rest_url = format!("http://{}", rest.local_addr().unwrap());
        let gateway_url = format!("ws://{}", gwl.local_addr().unwrap());
        let fake = FakeDiscord {
            rest_url,
            gateway_url: gateway_url.clone(),
            state: Arc::default(),
            changed: Arc::new(Notify::new()),
            gw: Arc::default(),
            shards: Arc::default(),
            connected: Arc::new(Notify::new()),
            ids: Arc::new(AtomicU64::new(9_100_000_000_000_000_000)),
        };
        // REST
        {
            let state = fake.state.clone();
            let changed = fake.changed.clone();
            let ids = fake.ids.clone();
            let gw_url = gateway_url.clone();
            tokio::spawn(async move {
                loop {
                    let Ok((sock, _)) = rest.accept().await else {
                        return;
                    };
                    let _ = sock.set_nodelay(true);
                    let (state, changed, ids, gw_url) =
                        (state.clone(), changed.clone(), ids.clone(), gw_url.clone());
                    tokio::spawn(async move {
                        let _ = serve_http(sock, state, changed, ids, gw_url).await;
                    });
                }
            });
        }
        // Gateway
        {
            let state = fake.state.clone();
            let changed = fake.changed.clone();
            let gw = fake.gw.clone();
            let shards = fake.shards.clone();
            let connected = fake.connected.clone();
            let url = gateway_url.clone();
            tokio::spawn(async move {
                let seq = Arc::new(AtomicU64::new(0));
                loop {
                    let Ok((sock, _)) = gwl.accept().await else {
                        return;
                    };
                    let _ = sock.set_nodelay(true);
                    let (tx, rx) = mpsc::unbounded_channel();
                    *gw.lock().unwrap() = Some(tx.clone());
                    let conn = Conn {
                        state: state.clone(),
                        changed: changed.clone(),
                        connected: connected.clone(),
                        url: url.clone(),
                        seq: seq.clone(),
                        shards: shards.clone(),
                        me: tx,
                    };
                    tokio::spawn(async move {
                        let _ = serve_gateway(sock, rx, conn).await;
                    });
                }
            });
        }
        fake
    }

    pub fn next_id(&self) -> u64 {
        self.ids.fetch_add(1, Ordering::SeqCst)
    }

    /// Every REST request so far.
    pub fn requests(&self) -> Vec<Request> {
        self.state.lock().unwrap().requests.clone()
    }

    pub fn identifies(&self) -> u32 {
        self.state.lock().unwrap().identifies
    }

    /// `[shard_id, shard_total]` of every IDENTIFY so far, in order.
    pub fn identified_shards(&self) -> Vec<[u32; 2]> {
        self.state.lock().unwrap().sharding.identified.clone()
    }

    /// Wait until IDENTIFYs have named every shard of `want` (at most `secs` seconds).
    pub async fn wait_identified(&self, want: &[[u32; 2]], secs: u64) -> bool {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(secs);
        loop {
            let have = self.identified_shards();
            if want.iter().all(|w| have.contains(w)) {
                return true;
            }
            if tokio::time::Instant::now() >= deadline {
                return false;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// What `GET /gateway/bot` answers: `shards` recommended, and the session start limit.
    pub fn set_gateway_bot(
        &self,
        shards: u32,
        total: u64,
        remaining: u64,
        reset_after_ms: u64,
        max_concurrency: u64,
    ) {
        let mut st = self.state.lock().unwrap();
        st.sharding.recommended = shards.max(1);
        st.sharding.limit = [total, remaining, reset_after_ms, max_concurrency];
    }

    /// Switch Discord's global REST rate limit on (`Some(50)`: 50 requests per second, then
    /// 429 with `retry_after` and `"global": true`) or off (`None`).
    pub fn set_global_rate_limit(&self, per_second: Option<u32>) {
        self.state.lock().unwrap().rate_limit = per_second.map(|n| GlobalLimit {
            per_second: n.max(1),
            window_start: std::time::Instant::now(),
            used: 0,
            refused: 0,
        });
    }

    /// Requests answered 429 by the global rate limit so far.
    pub fn rate_limited(&self) -> u64 {
        self.state
            .lock()
            .unwrap()
            .rate_limit
            .as_ref()
            .map(|l| l.refused)
            .unwrap_or(0)
    }
    pub fn resumes(&self) -> u32 {
        self.state.lock().unwrap().resumes
    }

    /// Request bodies that did not validate against Discord's OpenAPI schema.
    pub fn schema_failures(&self) -> Vec<String> {
        self.state.lock().unwrap().schema_failures.clone()
    }

    /// Answer `method` requests whose path ends with `suffix` with `status` and `body`.
    pub fn respond_with(&self, method: &str, suffix: &str, status: u16, body: Value) {
        self.state
            .lock()
            .unwrap()
            .overrides
            .push((method.into(), suffix.into(), status, body));
    }

    /// Answer the next `times` `method` requests whose path ends with `suffix` with `status`
    /// and `body` (e.g. a 502 twice), then as before.
    pub fn respond_with_times(
        &self,
        method: &str,
        suffix: &str,
        status: u16,
        body: Value,
        times: u32,
    ) {
        self.state.lock().unwrap().limited.push((
            method.into(),
            suffix.into(),
            status,
            body,
            times,
        ));
    }

    /// Remove every recorded request and return (path, arrival) of those matching `pred`
    /// (long benchmarks drain the log so that it neither grows the memory they measure nor
    /// slows the scans).
    pub fn drain_paths(
        &self,
        pred: impl Fn(&Request) -> bool,
    ) -> Vec<(String, std::time::Instant)> {
        let mut st = self.state.lock().unwrap();
        std::mem::take(&mut st.requests)
            .into_iter()
            .filter(|r| pred(r))
            .map(|r| (r.path, r.received))
            .collect()
    }

    /// Requests so far matching `pred`.
    pub fn count(&self, pred: impl Fn(&Request) -> bool) -> usize {
        self.state
            .lock()
            .unwrap()
            .requests
            .iter()
            .filter(|r| pred(r))
            .count()
    }

    /// Wait until a request matching `pred` arrives (also one already recorded after index
    /// `from`), at most `secs` seconds.
    pub async fn wait_request_from(
        &self,
        from: usize,
        secs: u64,
        pred: impl Fn(&Request) -> bool,
    ) -> Option<Request> {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(secs);
        loop {
            let notified = self.changed.notified();
            // Scan under the lock and clone only the match (the log can be long).
            let found = {
                let st = self.state.lock().unwrap();
                st.requests.iter().skip(from).find(|r| pred(r)).cloned()
            };
            if found.is_some() {
                return found;
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                return None;
            }
        }
    }

    pub async fn wait_request(
        &self,
        secs: u64,
        pred: impl Fn(&Request) -> bool,
    ) -> Option<Request> {
        self.wait_request_from(0, secs, pred).await
    }

    /// Wait for the bot to identify and register its commands.
    pub async fn wait_ready(&self) {
        self.wait_request(30, |r| r.method == "PUT" && r.path.ends_with("/commands"))
            .await
            .expect("the bot never registered its commands");
    }

    /// The connection of `shard`, waiting up to 5 s for it to identify.
    async fn shard_sender(&self, shard: u32) -> mpsc::UnboundedSender<GwCommand> {
        for _ in 0..200 {
            if let Some(tx) = self.shards.lock().unwrap().get(&shard).cloned() {
                if !tx.is_closed() {
                    return tx;
                }
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        panic!("no gateway connection for shard {shard}");
    }

    /// The shard Discord would send dispatch `d` of type `event` to: the guild's shard, or
    /// shard 0 for what belongs to no guild (direct messages).
    pub fn route_of(&self, event: &str, d: &Value) -> u32 {
        let total = self.state.lock().unwrap().sharding.total;
        let guild = match event {
            "GUILD_CREATE" | "GUILD_UPDATE" | "GUILD_DELETE" => &d["id"],
            _ => &d["guild_id"],
        };
        guild
            .as_str()
            .and_then(|g| g.parse::<u64>().ok())
            .map(|g| shard_of(g, total))
            .unwrap_or(0)
    }

    /// Send a dispatch event on one shard's connection, whatever Discord's routing says (to
    /// check that a process ignores what it should never get).
    pub async fn dispatch_to_shard(&self, shard: u32, event: &str, d: Value) {
        let tx = self.shard_sender(shard).await;
        tx.send(GwCommand::Dispatch(event.into(), d)).unwrap();
    }

    async fn gateway_sender(&self) -> mpsc::UnboundedSender<GwCommand> {
        for _ in 0..200 {
            if let Some(tx) = self.gw.lock().unwrap().clone() {
                if !tx.is_closed() {
                    return tx;
                }
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        panic!("no gateway connection");
    }

    /// Send a gateway dispatch event on the connection Discord would use: with one shard the
    /// only connection; when sharded, the guild's shard `(guild_id >> 22) % shard_total`, or
    /// shard 0 for direct messages.
    pub async fn dispatch(&self, event: &str, d: Value) {
        let total = self.state.lock().unwrap().sharding.total;
        if total <= 1 {
            let tx = self.gateway_sender().await;
            tx.send(GwCommand::Dispatch(event.into(), d)).unwrap();
        } else {
            let shard = self.route_of(event, &d);
            self.dispatch_to_shard(shard, event, d).await;
        }
    }

    /// Close the websocket; serenity should reconnect (RESUME or IDENTIFY).
    pub async fn drop_connection(&self) {
        let tx = self.gateway_sender().await;
        let _ = tx.send(GwCommand::Drop);
        *self.gw.lock().unwrap() = None;
    }

    /// Wait until the gateway is connected again after a drop.
    pub async fn wait_connected(&self) {
        let _ = tokio::time::timeout(Duration::from_secs(20), self.connected.notified()).await;
        self.gateway_sender().await;
    }
}

/// A member as the interaction describes them.
#[derive(Clone, Debug)]
pub struct Member {
    pub id: u64,
    pub name: String,
    pub permissions: u64,
    pub roles: Vec<u64>,
}

impl Member {
    pub fn new(id: u64, name: &str) -> Member {
        Member {
            id,
            name: name.into(),
            permissions: MEMBER_PERMS,
            roles: vec![],
        }
    }
    pub fn admin(id: u64, name: &str) -> Member {
        Member {
            id,
            name: name.into(),
            permissions: ALL_PERMS,
            roles: vec![],
        }
    }
    pub fn user_json(&self) -> Value {
        json!({"avatar": null, "bot": false, "discriminator": "0", "global_name": null,
               "id": self.id.to_string(), "username": self.name})
    }
    pub fn member_json(&self) -> Value {
        json!({"deaf": false, "flags": 0, "joined_at": "2024-01-01T00:00:00.000000+00:00",
               "mute": false, "permissions": self.permissions.to_string(),
               "roles": self.roles.iter().map(|r| r.to_string()).collect::<Vec<_>>(),
               "user": self.user_json()})
    }
}

/// An interaction that was sent; its id and token find the bot's callback.
#[derive(Clone, Debug)]
pub struct Sent {
    pub id: u64,
    pub token: String,
}

impl Sent {
    pub fn callback_path(&self) -> String {
        format!("/api/v10/interactions/{}/{}/callback", self.id, self.token)
    }
}

impl FakeDiscord {
    fn base_interaction(
        &self,
        kind: u8,
        member: &Member,
        data: Value,
        channel: u64,
    ) -> (Sent, Value) {
        self.base_interaction_in(kind, member, data, channel, Some(GUILD_ID))
    }

    /// An interaction in `guild`, or in a direct message (`None`: `user` instead of `member`,
    /// no guild id).
    fn base_interaction_in(
        &self,
        kind: u8,
        member: &Member,
        data: Value,
        channel: u64,
        guild: Option<u64>,
    ) -> (Sent, Value) {
        let (sent, mut d) = self.base_interaction_raw(kind, member, data, channel);
        match guild {
            Some(g) => {
                d["guild_id"] = json!(g.to_string());
                d["authorizing_integration_owners"] = json!({"0": g.to_string()});
            }
            None => {
                let o = d.as_object_mut().unwrap();
                o.remove("guild_id");
                o.remove("guild_locale");
                o.remove("member");
                o.insert("user".into(), member.user_json());
                o.insert("context".into(), json!(1));
                o.insert(
                    "authorizing_integration_owners".into(),
                    json!({"1": member.id.to_string()}),
                );
                o.insert(
                    "channel".into(),
                    json!({"id": channel.to_string(), "type": 1}),
                );
            }
        }
        (sent, d)
    }

    /// A slash command in `guild` (or a direct message with `None`); `options` as in
    /// [`FakeDiscord::slash_full`]. Sent on the connection Discord would route it to.
    pub async fn slash_in(
        &self,
        guild: Option<u64>,
        member: &Member,
        name: &str,
        options: Value,
    ) -> Sent {
        let mut data =
            json!({"id": "7000000000000000001", "name": name, "options": options, "type": 1});
        if let Some(g) = guild {
            data["guild_id"] = json!(g.to_string());
        }
        let (sent, d) = self.base_interaction_in(2, member, data, CHANNEL_ID, guild);
        self.dispatch("INTERACTION_CREATE", d).await;
        sent
    }

    /// The same interaction as [`FakeDiscord::slash_in`], sent on `shard`'s connection
    /// whatever the routing says.
    pub async fn slash_on_shard(
        &self,
        shard: u32,
        guild: Option<u64>,
        member: &Member,
        name: &str,
        options: Value,
    ) -> Sent {
        let mut data =
            json!({"id": "7000000000000000001", "name": name, "options": options, "type": 1});
        if let Some(g) = guild {
            data["guild_id"] = json!(g.to_string());
        }
        let (sent, d) = self.base_interaction_in(2, member, data, CHANNEL_ID, guild);
        self.dispatch_to_shard(shard, "INTERACTION_CREATE", d).await;
        sent
    }

    fn base_interaction_raw(
        &self,
        kind: u8,
        member: &Member,
        data: Value,
        channel: u64,
    ) -> (Sent, Value) {
        let id = self.next_id();
        let token = format!("tok-{id}");
        let d = json!({
            "app_permissions": ALL_PERMS.to_string(),
            "application_id": APP_ID.to_string(),
            "attachment_size_limit": 8388608,
            "authorizing_integration_owners": {"0": GUILD_ID.to_string()},
            "channel": {"id": channel.to_string(), "name": "general", "type": 0},
            "channel_id": channel.to_string(),
            "context": 0,
            "data": data,
            "entitlements": [],
            "guild_id": GUILD_ID.to_string(),
            "guild_locale": "en-US",
            "id": id.to_string(),
            "locale": "en-US",
            "member": member.member_json(),
            "token": token,
            "type": kind,
            "version": 1
        });
        (Sent { id, token }, d)
    }

    /// A slash command. `options` is Discord's option array (use [`opt`] and [`sub`]).
    /// `resolved` is the resolved-data object (users, roles, channels) or Null.
    pub async fn slash_full(
        &self,
        member: &Member,
        name: &str,
        options: Value,
        resolved: Value,
    ) -> Sent {
        let mut data = json!({"guild_id": GUILD_ID.to_string(), "id": "7000000000000000001",
                              "name": name, "options": options, "type": 1});
        if !resolved.is_null() {
            data["resolved"] = resolved;
        }
        let (sent, d) = self.base_interaction(2, member, data, CHANNEL_ID);
        self.dispatch("INTERACTION_CREATE", d).await;
        sent
    }

    pub async fn slash(&self, member: &Member, name: &str, options: Value) -> Sent {
        self.slash_full(member, name, options, Value::Null).await
    }

    /// An autocomplete request with `options` (one of them `focused`).
    pub async fn autocomplete(&self, member: &Member, name: &str, options: Value) -> Sent {
        let data =
            json!({"id": "7000000000000000001", "name": name, "options": options, "type": 1});
        let (sent, d) = self.base_interaction(4, member, data, CHANNEL_ID);
        self.dispatch("INTERACTION_CREATE", d).await;
        sent
    }

    /// A click on a button (or a select with `values`) of `message`.
    pub async fn click(
        &self,
        member: &Member,
        message: &Value,
        custom_id: &str,
        values: Option<Vec<String>>,
    ) -> Sent {
        let mut data = json!({"component_type": 2, "custom_id": custom_id});
        if let Some(v) = values {
            data = json!({"component_type": 3, "custom_id": custom_id, "values": v});
        }
        let channel = message["channel_id"]
            .as_str()
            .and_then(|s| s.parse().ok())
            .unwrap_or(CHANNEL_ID);
        let (sent, mut d) = self.base_interaction(3, member, data, channel);
        d["message"] = message.clone();
        self.dispatch("INTERACTION_CREATE", d).await;
        sent
    }

    /// A click on a button of `message` in `guild` (routed to the guild's shard).
    pub async fn click_in(
        &self,
        guild: u64,
        member: &Member,
        message: &Value,
        custom_id: &str,
    ) -> Sent {
        let data = json!({"component_type": 2, "custom_id": custom_id});
        let channel = message["channel_id"]
            .as_str()
            .and_then(|s| s.parse().ok())
            .unwrap_or(CHANNEL_ID);
        let (sent, mut d) = self.base_interaction_in(3, member, data, channel, Some(guild));
        d["message"] = message.clone();
        self.dispatch("INTERACTION_CREATE", d).await;
        sent
    }

    /// A modal submit with text inputs `fields` (custom_id, value).
    pub async fn modal_submit(
        &self,
        member: &Member,
        custom_id: &str,
        fields: &[(&str, &str)],
    ) -> Sent {
        let rows: Vec<Value> = fields
            .iter()
            .map(|(id, v)| json!({"type": 1, "components": [{"type": 4, "custom_id": id, "value": v}]}))
            .collect();
        let data = json!({"custom_id": custom_id, "components": rows});
        let (sent, d) = self.base_interaction(5, member, data, CHANNEL_ID);
        self.dispatch("INTERACTION_CREATE", d).await;
        sent
    }

    /// The bot's callback for interaction `sent`.
    pub async fn callback(&self, sent: &Sent) -> Request {
        let p = sent.callback_path();
        self.wait_request(15, |r| r.path == p)
            .await
            .unwrap_or_else(|| panic!("no callback for interaction {}", sent.id))
    }
}

/// A slash option.
pub fn opt(name: &str, kind: u8, value: Value) -> Value {
    json!({"name": name, "type": kind, "value": value})
}
/// A focused autocomplete option.
pub fn focused(name: &str, value: &str) -> Value {
    json!({"name": name, "type": 3, "value": value, "focused": true})
}
/// A sub-command with its options.
pub fn sub(name: &str, options: Vec<Value>) -> Value {
    json!({"name": name, "type": 1, "options": options})
}

/// A message object as Discord returns it, from what the bot sent.
pub fn message_json(id: u64, channel: u64, sent: &Value) -> Value {
    json!({
        "attachments": [],
        "author": {"avatar": null, "bot": true, "discriminator": "0", "global_name": null,
                   "id": APP_ID.to_string(), "username": "coursebot"},
        "channel_id": channel.to_string(),
        "components": sent.get("components").cloned().unwrap_or(json!([])),
        "content": sent.get("content").cloned().unwrap_or(json!("")),
        "edited_timestamp": null,
        "embeds": sent.get("embeds").cloned().unwrap_or(json!([])),
        "flags": 0,
        "id": id.to_string(),
        "mention_everyone": false,
        "mention_roles": [],
        "mentions": [],
        "pinned": false,
        "timestamp": "2024-01-01T00:00:00.000000+00:00",
        "tts": false,
        "type": 0
    })
}

async fn read_request(
    r: &mut BufReader<TcpStream>,
) -> std::io::Result<Option<(String, String, HashMap<String, String>, Vec<u8>)>> {
    let mut line = String::new();
    if r.read_line(&mut line).await? == 0 {
        return Ok(None);
    }
    let mut parts = line.split_whitespace();
    let method = parts.next().unwrap_or("").to_string();
    let target = parts.next().unwrap_or("").to_string();
    let mut headers = HashMap::new();
    loop {
        let mut h = String::new();
        r.read_line(&mut h).await?;
        let h = h.trim_end();
        if h.is_empty() {
            break;
        }
        if let Some((k, v)) = h.split_once(':') {
            headers.insert(k.trim().to_lowercase(), v.trim().to_string());
        }
    }
    let mut body = Vec::new();
    if let Some(len) = headers
        .get("content-length")
        .and_then(|l| l.parse::<usize>().ok())
    {
        body.resize(len, 0);
        r.read_exact(&mut body).await?;
    } else if headers
        .get("transfer-encoding")
        .map(|v| v.contains("chunked"))
        .unwrap_or(false)
    {
        loop {
            let mut sz = String::new();
            r.read_line(&mut sz).await?;
            let n = usize::from_str_radix(sz.trim(), 16).unwrap_or(0);
            let mut chunk = vec![0; n + 2];
            r.read_exact(&mut chunk).await?;
            if n == 0 {
                break;
            }
            body.extend_from_slice(&chunk[..n]);
        }
    }
    Ok(Some((method, target, headers, body)))
}

fn multipart_json(body: &[u8], content_type: &str) -> Value {
    let Some(boundary) = content_type.split("boundary=").nth(1) else {
        return Value::Null;
    };
    let text = String::from_utf8_lossy(body);
    for part in text.split(&format!("--{}", boundary.trim_matches('"'))) {
        if part.contains("name=\"payload_json\"") {
            if let Some((_, v)) = part.split_once("\r\n\r\n") {
                return serde_json::from_str(v.trim_end_matches("\r\n")).unwrap_or(Value::Null);
            }
        }
    }
    Value::Null
}

async fn serve_http(
    sock: TcpStream,
    state: Arc<Mutex<State>>,
    changed: Arc<Notify>,
    ids: Arc<AtomicU64>,
    gw_url: String,
) -> std::io::Result<()> {
    let mut r = BufReader::new(sock);
    while let Some((method, target, headers, body)) = read_request(&mut r).await? {
        let (path, query) = target
            .split_once('?')
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .unwrap_or((target.clone(), String::new()));
        let ct = headers.get("content-type").cloned().unwrap_or_default();
        let json = if ct.starts_with("multipart/") {
            multipart_json(&body, &ct)
        } else {
            serde_json::from_slice(&body).unwrap_or(Value::Null)
        };
        let mut req = Request {
            method: method.clone(),
            path: path.clone(),
            query,
            json: json.clone(),
            body,
            content_type: ct,
            response: Value::Null,
            received: std::time::Instant::now(),
            status: 0,
            auth: headers.get("authorization").cloned().unwrap_or_default(),
        };
        if let Some(err) = super::schema::check(&req) {
            state.lock().unwrap().schema_failures.push(err);
        }
        let over = {
            let mut s = state.lock().unwrap();
            let limited = s
                .limited
                .iter_mut()
                .find(|(m, suf, _, _, left)| {
                    *left > 0 && *m == method && path.ends_with(suf.as_str())
                })
                .map(|(_, _, st, b, left)| {
                    *left -= 1;
                    (*st, b.clone())
                });
            limited.or_else(|| {
                s.overrides
                    .iter()
                    .rev()
                    .find(|(m, suf, _, _)| *m == method && path.ends_with(suf.as_str()))
                    .map(|(_, _, st, b)| (*st, b.clone()))
            })
        };
        let nonce =
            (method == "POST" && path.ends_with("/messages") && json["enforce_nonce"] == true)
                .then(|| json["nonce"].as_str().map(String::from))
                .flatten();
        let seen = nonce
            .as_ref()
            .and_then(|n| state.lock().unwrap().nonces.get(n).cloned());
        // Discord's global limit: interaction callbacks and webhooks are exempt.
        let exempt = path.contains("/interactions/") || path.contains("/webhooks/");
        let limited = if exempt {
            None
        } else {
            state
                .lock()
                .unwrap()
                .rate_limit
                .as_mut()
                .and_then(|l| l.admit(std::time::Instant::now()))
        };
        let mut extra_headers = String::new();
        let (status, resp): (u16, Option<Value>) = if let Some(retry_after) = limited {
            // Discord's headers for a global limit; the body's retry_after is in seconds.
            extra_headers = format!(
                "retry-after: {}\r\nx-ratelimit-global: true\r\nx-ratelimit-scope: global\r\n",
                retry_after.ceil().max(1.0) as u64
            );
            (
                429,
                Some(
                    json!({"message": "You are being rate limited.", "retry_after": retry_after, "global": true}),
                ),
            )
        } else if let Some((st, b)) = over {
            (st, Some(b))
        } else if let Some(m) = seen {
            (200, Some(m))
        } else {
            let sharding = {
                let st = state.lock().unwrap();
                (st.sharding.recommended, st.sharding.limit)
            };
            route(&method, &path, &json, &ids, &gw_url, sharding)
        };
        if let (Some(n), Some(r), true) = (&nonce, &resp, status < 300) {
            state
                .lock()
                .unwrap()
                .nonces
                .entry(n.clone())
                .or_insert_with(|| r.clone());
        }
        req.response = resp.clone().unwrap_or(Value::Null);
        req.status = status;
        // Record after computing the answer, so a waiter sees the request once it is answered.
        {
            state.lock().unwrap().requests.push(req);
        }
        changed.notify_waiters();
        let body = resp.map(|v| v.to_string()).unwrap_or_default();
        let reason = if status < 300 { "OK" } else { "ERR" };
        let head = format!(
            "HTTP/1.1 {status} {reason}\r\ncontent-type: application/json\r\n{extra_headers}content-length: {}\r\n\r\n",
            body.len()
        );
        // One write: a head and a body in two small segments would meet Nagle's algorithm and
        // the client's delayed ACK (40 ms).
        let sock = r.get_mut();
        sock.write_all(format!("{head}{body}").as_bytes()).await?;
        sock.flush().await?;
    }
    Ok(())
}

fn route(
    method: &str,
    path: &str,
    json: &Value,
    ids: &AtomicU64,
    gw_url: &str,
    (shards, [total, remaining, reset_after, max_concurrency]): (u32, [u64; 4]),
) -> (u16, Option<Value>) {
    let p = path.trim_start_matches("/api/v10");
    let seg: Vec<&str> = p.trim_start_matches('/').split('/').collect();
    let new_id = || ids.fetch_add(1, Ordering::SeqCst);
    match (method, seg.as_slice()) {
        ("GET", ["gateway"]) | ("GET", ["gateway", "bot"]) => (
            200,
            Some(json!({"url": gw_url, "shards": shards,
                        "session_start_limit": {"total": total, "remaining": remaining,
                                                "reset_after": reset_after, "max_concurrency": max_concurrency}})),
        ),
        ("PUT", ["applications", _, "commands"])
        | ("PUT", ["applications", _, "guilds", _, "commands"]) => {
            let cmds: Vec<Value> = json
                .as_array()
                .cloned()
                .unwrap_or_default()
                .into_iter()
                .map(|mut c| {
                    c["id"] = json!(new_id().to_string());
                    c["application_id"] = json!(APP_ID.to_string());
                    c["version"] = json!("1");
                    c["default_member_permissions"] = c
                        .get("default_member_permissions")
                        .cloned()
                        .unwrap_or(Value::Null);
                    c["type"] = c.get("type").cloned().unwrap_or(json!(1));
                    c
                })
                .collect();
            (200, Some(Value::Array(cmds)))
        }
        ("POST", ["interactions", _, _, "callback"]) => (204, None),
        ("PATCH", ["webhooks", _, _, "messages", mid]) => {
            let id = if *mid == "@original" {
                new_id()
            } else {
                mid.parse().unwrap_or_else(|_| new_id())
            };
            (200, Some(message_json(id, CHANNEL_ID, json)))
        }
        ("GET", ["webhooks", _, _, "messages", _]) => {
            (200, Some(message_json(new_id(), CHANNEL_ID, &json!({}))))
        }
        ("DELETE", ["webhooks", _, _, "messages", _]) => (204, None),
        ("POST", ["webhooks", _, _]) => (200, Some(message_json(new_id(), CHANNEL_ID, json))),
        ("POST", ["channels", ch, "messages"]) => {
            let ch = ch.parse().unwrap_or(CHANNEL_ID);
            (200, Some(message_json(new_id(), ch, json)))
        }
        ("PATCH", ["channels", ch, "messages", mid]) => {
            let ch = ch.parse().unwrap_or(CHANNEL_ID);
            (200, Some(message_json(mid.parse().unwrap_or(0), ch, json)))
        }
        ("POST", ["users", "@me", "channels"]) => (
            200,
            Some(
                json!({"id": new_id().to_string(), "type": 1, "last_message_id": null,
                        "recipients": [{"id": json["recipient_id"], "username": "member", "discriminator": "0", "avatar": null, "global_name": null}]}),
            ),
        ),
        ("PUT", ["guilds", _, "members", _, "roles", _])
        | ("DELETE", ["guilds", _, "members", _, "roles", _]) => (204, None),
        ("POST", ["guilds", g, "scheduled-events"]) => {
            (200, Some(scheduled_event(new_id(), g, json)))
        }
        ("PATCH", ["guilds", g, "scheduled-events", eid]) => (
            200,
            Some(scheduled_event(eid.parse().unwrap_or(0), g, json)),
        ),
        ("DELETE", ["guilds", _, "scheduled-events", _]) => (204, None),
        // The guild's roles: only @everyone unless a test answers with its own (respond_with).
        ("GET", ["guilds", g, "roles"]) => (200, Some(json!([role_json(g, g, 0, 0)]))),
        ("GET", ["guilds", g]) => (200, Some(guild_json(g))),
        ("GET", ["oauth2", "applications", "@me"]) => (
            200,
            Some(
                json!({"id": APP_ID.to_string(), "name": "coursebot", "icon": null, "description": "",
                        "bot_public": true, "bot_require_code_grant": false, "verify_key": "x", "flags": 0,
                        "owner": {"id": "4000000000000000009", "username": "owner", "discriminator": "0", "avatar": null}}),
            ),
        ),
        _ => (
            404,
            Some(
                json!({"code": 0, "message": format!("fake discord: no route for {method} {path}")}),
            ),
        ),
    }
}

/// A role object: `id`, in `guild`, at `position`, with permission bits `permissions`.
pub fn role_json(id: &str, guild: &str, position: u16, permissions: u64) -> Value {
    json!({"id": id, "guild_id": guild, "name": if id == guild { "@everyone" } else { "role" },
           "color": 0, "colors": {"primary_color": 0, "secondary_color": null, "tertiary_color": null},
           "hoist": false, "icon": null, "unicode_emoji": null, "position": position,
           "permissions": permissions.to_string(), "managed": false, "mentionable": false, "flags": 0})
}

/// The fake guild as `GET /guilds/{id}` returns it, owned by [`OWNER_ID`].
pub fn guild_json(id: &str) -> Value {
    json!({
        "id": id, "name": "Course", "icon": null, "icon_hash": null, "splash": null,
        "discovery_splash": null, "owner_id": OWNER_ID.to_string(), "region": null,
        "afk_channel_id": null, "afk_timeout": 300, "widget_enabled": false,
        "widget_channel_id": null, "verification_level": 0, "default_message_notifications": 0,
        "explicit_content_filter": 0, "roles": [role_json(id, id, 0, 0)], "emojis": [],
        "features": [], "mfa_level": 0, "application_id": null, "system_channel_id": null,
        "system_channel_flags": 0, "rules_channel_id": null, "max_presences": null,
        "max_members": 500000, "vanity_url_code": null, "description": null, "banner": null,
        "premium_tier": 0, "premium_subscription_count": 0, "preferred_locale": "en-US",
        "public_updates_channel_id": null, "max_video_channel_users": 25,
        "approximate_member_count": null, "approximate_presence_count": null,
        "nsfw_level": 0, "stickers": [], "premium_progress_bar_enabled": false,
        "safety_alerts_channel_id": null
    })
}

fn scheduled_event(id: u64, guild: &str, body: &Value) -> Value {
    json!({
        "id": id.to_string(), "guild_id": guild, "channel_id": body.get("channel_id").cloned().unwrap_or(Value::Null),
        "creator_id": APP_ID.to_string(), "name": body.get("name").cloned().unwrap_or(json!("event")),
        "description": body.get("description").cloned().unwrap_or(Value::Null),
        "scheduled_start_time": body.get("scheduled_start_time").cloned().unwrap_or(json!("2030-01-01T00:00:00+00:00")),
        "scheduled_end_time": body.get("scheduled_end_time").cloned().unwrap_or(Value::Null),
        "privacy_level": 2, "status": body.get("status").cloned().unwrap_or(json!(1)),
        "entity_type": body.get("entity_type").cloned().unwrap_or(json!(3)),
        "entity_id": null, "entity_metadata": body.get("entity_metadata").cloned().unwrap_or(Value::Null),
        "user_count": 0, "image": null
    })
}

impl GlobalLimit {
    /// Count a request at `now`; `Some(retry_after seconds)` when it is over the limit.
    fn admit(&mut self, now: std::time::Instant) -> Option<f64> {
        let window = Duration::from_secs(1);
        if now.duration_since(self.window_start) >= window {
            self.window_start = now;
            self.used = 0;
        }
        if self.used < self.per_second {
            self.used += 1;
            None
        } else {
            self.refused += 1;
            let left = window.saturating_sub(now.duration_since(self.window_start));
            Some((left.as_secs_f64() * 1000.0).ceil() / 1000.0)
        }
    }
}

/// What one gateway connection shares with the fake.
struct Conn {
    state: Arc<Mutex<State>>,
    changed: Arc<Notify>,
    connected: Arc<Notify>,
    url: String,
    seq: Arc<AtomicU64>,
    shards: Arc<Mutex<HashMap<u32, mpsc::UnboundedSender<GwCommand>>>>,
    /// This connection's own sender, filed under its shard once it identifies.
    me: mpsc::UnboundedSender<GwCommand>,
}

async fn serve_gateway(
    sock: TcpStream,
    mut rx: mpsc::UnboundedReceiver<GwCommand>,
    conn: Conn,
) -> anyhow::Result<()> {
    let Conn {
        state,
        changed,
        connected,
        url,
        seq,
        shards,
        me,
    } = conn;
    let ws = tokio_tungstenite::accept_async(sock).await?;
    let (mut tx, mut inbound) = ws.split();
    tx.send(WsMessage::Text(
        json!({"op": 10, "d": {"heartbeat_interval": 41250}}).to_string(),
    ))
    .await?;
    let next = |seq: &AtomicU64| seq.fetch_add(1, Ordering::SeqCst) + 1;
    loop {
        tokio::select! {
            msg = inbound.next() => {
                let Some(Ok(msg)) = msg else { break };
                let WsMessage::Text(t) = msg else { continue };
                let v: Value = serde_json::from_str(&t).unwrap_or(Value::Null);
                match v["op"].as_u64() {
                    Some(1) => {
                        tx.send(WsMessage::Text(json!({"op": 11}).to_string())).await?;
                    }
                    Some(2) => {
                        let shard = v["d"]["shard"].as_array().map(|a| {
                            [a.first().and_then(Value::as_u64).unwrap_or(0) as u32,
                             a.get(1).and_then(Value::as_u64).unwrap_or(1) as u32]
                        }).unwrap_or([0, 1]);
                        {
                            let mut st = state.lock().unwrap();
                            st.identifies += 1;
                            st.sharding.identified.push(shard);
                            st.sharding.total = shard[1].max(1);
                            st.sharding.limit[1] = st.sharding.limit[1].saturating_sub(1);
                        }
                        if shard[0] >= shard[1] {
                            // What Discord does with a shard id out of range: 4010.
                            let frame = tokio_tungstenite::tungstenite::protocol::CloseFrame {
                                code: tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode::Library(4010),
                                reason: "Invalid shard".into(),
                            };
                            let _ = tx.send(WsMessage::Close(Some(frame))).await;
                            changed.notify_waiters();
                            break;
                        }
                        shards.lock().unwrap().insert(shard[0], me.clone());
                        let guilds: Vec<Value> = if shard_of(GUILD_ID, shard[1]) == shard[0] {
                            vec![json!({"id": GUILD_ID.to_string(), "unavailable": true})]
                        } else {
                            vec![]
                        };
                        let ready = json!({"op": 0, "s": next(&seq), "t": "READY", "d": {
                            "application": {"flags": 0, "id": APP_ID.to_string()},
                            "guilds": guilds,
                            "resume_gateway_url": url,
                            "session_id": format!("fake-session-{}-{}", shard[0], shard[1]),
                            "shard": shard,
                            "user": {"avatar": null, "bot": true, "discriminator": "0", "global_name": null,
                                     "id": APP_ID.to_string(), "username": "coursebot"},
                            "v": 10}});
                        tx.send(WsMessage::Text(ready.to_string())).await?;
                        connected.notify_waiters();
                        changed.notify_waiters();
                    }
                    Some(6) => {
                        state.lock().unwrap().resumes += 1;
                        // The session id names the shard (`fake-session-{id}-{total}`).
                        if let Some(id) = v["d"]["session_id"].as_str().and_then(|s| {
                            s.strip_prefix("fake-session-")?.split('-').next()?.parse::<u32>().ok()
                        }) {
                            shards.lock().unwrap().insert(id, me.clone());
                        }
                        let resumed = json!({"op": 0, "s": next(&seq), "t": "RESUMED", "d": {}});
                        tx.send(WsMessage::Text(resumed.to_string())).await?;
                        connected.notify_waiters();
                        changed.notify_waiters();
                    }
                    _ => {}
                }
            }
            cmd = rx.recv() => {
                match cmd {
                    Some(GwCommand::Dispatch(t, d)) => {
                        let ev = json!({"op": 0, "s": next(&seq), "t": t, "d": d});
                        tx.send(WsMessage::Text(ev.to_string())).await?;
                    }
                    Some(GwCommand::Drop) | None => {
                        // What Discord does when a session breaks: close with 4000 (unknown
                        // error, reconnect and resume), then drop the socket.
                        let frame = tokio_tungstenite::tungstenite::protocol::CloseFrame {
                            code: tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode::Library(4000),
                            reason: "fake discord dropped the connection".into(),
                        };
                        let _ = tx.send(WsMessage::Close(Some(frame))).await;
                        break;
                    }
                }
            }
        }
    }
    Ok(())
}
