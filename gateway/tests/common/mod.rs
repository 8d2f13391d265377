//! Shared harness: a real gateway on 127.0.0.1:0 in this process, a temp terminal folder,
//! and a tiny HTTP/1.1 client that sends exactly the headers a test names (a wrong Host
//! included).

#![allow(dead_code)]

pub mod issuer;
pub mod logs;
pub mod places;
pub mod postgres;
pub mod sse;
pub mod standin;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper::header::HeaderMap;
use hyper::{Request, StatusCode};
use hyper_util::rt::TokioIo;
use onshi_core::card_session::SESSION_SECRET_HEADER;
use onshi_gateway::{Config, Gateway, LinkTimings, Mode};
use serde_json::{json, Value};
use tempfile::TempDir;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub const INSTITUTION_CODE: &str = "1319999999";
pub const EMR_ORIGIN: &str = "https://emr.example.jp";

/// Timings short enough for tests, long enough for a loaded 2-core machine.
pub fn fast_timings(timeout: Duration) -> LinkTimings {
    LinkTimings {
        timeout,
        retry_interval: Duration::from_millis(50),
        poll_interval: Duration::from_millis(20),
        ..LinkTimings::default()
    }
}

/// Shape-valid synthetic card; the check digit is overridden so no real insurer is needed.
pub fn synthetic_query() -> Value {
    json!({
        "method": "insurance_card",
        "insurer_number": "06139999",
        "symbol": "1234",
        "number": "5678",
        "branch": "01",
        "birthdate": "1980-01-02",
        "override_check_digit": true
    })
}

/// `--terminal-dir` mode on `<root>/terminal` (req/, res/ and face/ created), data in
/// `<root>/data`, [`EMR_ORIGIN`] allowed, [`fast_timings`].
pub fn terminal_config(root: &Path, timeout: Duration) -> Config {
    let terminal = root.join("terminal");
    for sub in ["req", "res", "face"] {
        std::fs::create_dir_all(terminal.join(sub)).unwrap();
    }
    let mut config = Config::new(
        Mode::Terminal { dir: terminal },
        root.join("data"),
        INSTITUTION_CODE,
    );
    config.allowed_origins = vec![EMR_ORIGIN.to_string()];
    config.link = fast_timings(timeout);
    config.trusted_keys = issuer::key_set();
    config
}

/// `--sim` mode with data in `<root>/data`, everything else the defaults.
#[cfg(feature = "sim")]
pub fn sim_config(root: &Path, latency: Duration) -> Config {
    let mut config = Config::new(Mode::Sim { latency }, root.join("data"), INSTITUTION_CODE);
    config.trusted_keys = issuer::key_set();
    config
}

pub struct TestGateway {
    pub addr: SocketAddr,
    pub dir: TempDir,
    /// `Bearer …` of a reception credential, sent by [`Self::send`] unless the test names
    /// its own `authorization`.
    pub authorization: String,
    /// Card-session secrets from the `201`s [`Self::send`] saw, sent back on that
    /// session's routes as the component does (tests of the secret use
    /// [`Self::send_exact`]).
    secrets: std::sync::Mutex<std::collections::HashMap<String, String>>,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl TestGateway {
    /// A gateway in `--terminal-dir` mode on `<temp>/terminal` (req/ and res/ created),
    /// data in `<temp>/data`.
    pub async fn terminal(timeout: Duration) -> Self {
        Self::terminal_with(timeout, |_| {}).await
    }

    /// [`Self::terminal`] with `tweak` applied to the configuration before it starts.
    pub async fn terminal_with(timeout: Duration, tweak: impl FnOnce(&mut Config)) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let mut config = terminal_config(dir.path(), timeout);
        tweak(&mut config);
        Self::start(config, dir).await
    }

    /// A gateway in `--sim` mode with the embedded simulator.
    #[cfg(feature = "sim")]
    pub async fn sim(latency: Duration) -> Self {
        Self::sim_with(latency, |config| {
            config.link = fast_timings(Duration::from_secs(10));
        })
        .await
    }

    /// A gateway in `--sim` mode ([`sim_config`]) with `tweak` applied to the
    /// configuration before it starts.
    #[cfg(feature = "sim")]
    pub async fn sim_with(latency: Duration, tweak: impl FnOnce(&mut Config)) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let mut config = sim_config(dir.path(), latency);
        tweak(&mut config);
        Self::start(config, dir).await
    }

    pub async fn start(mut config: Config, dir: TempDir) -> Self {
        if config.trusted_keys.is_empty() {
            config.trusted_keys = issuer::key_set();
        }
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let gateway = Gateway::bind(config, listener)
            .await
            .expect("gateway binds");
        let addr = gateway.local_addr();
        let (tx, rx) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            gateway
                .run(async {
                    let _ = rx.await;
                })
                .await
                .expect("gateway runs");
        });
        Self {
            addr,
            dir,
            authorization: issuer::bearer(onshi_core::roles::Role::Reception),
            secrets: Default::default(),
            shutdown: Some(tx),
            task: Some(task),
        }
    }

    pub fn terminal_dir(&self) -> PathBuf {
        let terminal = self.dir.path().join("terminal");
        if terminal.exists() {
            terminal
        } else {
            self.dir.path().join("data").join("sim-terminal")
        }
    }

    /// File names (sorted) in the terminal's `sub` folder (`req`, `res`, `face`).
    pub fn terminal_files(&self, sub: &str) -> Vec<String> {
        names_in(&self.terminal_dir().join(sub))
    }

    pub fn rejected_dir(&self) -> PathBuf {
        self.dir.path().join("data").join("rejected")
    }

    pub fn host(&self) -> String {
        format!("127.0.0.1:{}", self.addr.port())
    }

    /// `method path` with a correct Host, the reception credential (unless `headers`
    /// name an `authorization`) and the given extra headers.
    pub async fn send(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: Option<&str>,
    ) -> Reply {
        let host = self.host();
        let mut all = vec![("host", host.as_str())];
        let names = |wanted: &str| headers.iter().any(|(n, _)| n.eq_ignore_ascii_case(wanted));
        if !names("authorization") {
            all.push(("authorization", self.authorization.as_str()));
        }
        let secret = path
            .strip_prefix("/v1/card-sessions/")
            .map(|rest| rest.split('/').next().unwrap_or_default())
            .and_then(|id| self.secrets.lock().unwrap().get(id).cloned());
        if let Some(secret) = secret.as_deref().filter(|_| !names(SESSION_SECRET_HEADER)) {
            all.push((SESSION_SECRET_HEADER, secret));
        }
        all.extend_from_slice(headers);
        let reply = raw_request(self.addr, method, path, &all, body).await;
        if method == "POST" && path == "/v1/card-sessions" && reply.status == StatusCode::CREATED {
            let view = reply.json();
            if let (Some(id), Some(secret)) = (view["id"].as_str(), view["secret"].as_str()) {
                self.secrets
                    .lock()
                    .unwrap()
                    .insert(id.to_string(), secret.to_string());
            }
        }
        reply
    }

    /// `method path` with a correct Host and exactly `headers`: no credential unless
    /// given.
    pub async fn send_exact(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: Option<&str>,
    ) -> Reply {
        let host = self.host();
        let mut all = vec![("host", host.as_str())];
        all.extend_from_slice(headers);
        raw_request(self.addr, method, path, &all, body).await
    }

    /// Host and the reception credential, for raw clients (SSE).
    pub fn auth_headers(&self) -> Vec<(String, String)> {
        vec![
            ("host".to_string(), self.host()),
            ("authorization".to_string(), self.authorization.clone()),
        ]
    }

    pub async fn get(&self, path: &str) -> Reply {
        self.send("GET", path, &[], None).await
    }

    /// `GET path` as a page on `origin` sends it.
    pub async fn get_from(&self, origin: &str, path: &str) -> Reply {
        self.send("GET", path, &[("origin", origin)], None).await
    }

    /// `GET path` with `host` as the Host header (no other header).
    pub async fn get_as_host(&self, path: &str, host: &str) -> Reply {
        raw_request(self.addr, "GET", path, &[("host", host)], None).await
    }

    /// A CORS preflight (`OPTIONS path`) with the given headers.
    pub async fn preflight(&self, path: &str, headers: &[(&str, &str)]) -> Reply {
        self.send("OPTIONS", path, headers, None).await
    }

    pub async fn post_json(&self, path: &str, body: &Value) -> Reply {
        let text = body.to_string();
        self.send(
            "POST",
            path,
            &[("content-type", "application/json")],
            Some(&text),
        )
        .await
    }

    /// [`Self::post_json`] on its own task and connection, so a test can send several at
    /// once or watch the terminal folder while one waits.
    pub fn spawn_post_json(&self, path: &str, body: &Value) -> JoinHandle<Reply> {
        let (addr, host, path, text) = (self.addr, self.host(), path.to_string(), body.to_string());
        let authorization = self.authorization.clone();
        tokio::spawn(async move {
            raw_request(
                addr,
                "POST",
                &path,
                &[
                    ("host", &host),
                    ("authorization", &authorization),
                    ("content-type", "application/json"),
                ],
                Some(&text),
            )
            .await
        })
    }

    pub async fn stop(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(task) = self.task.take() {
            task.await.unwrap();
        }
    }
}

impl Drop for TestGateway {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl Reply {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "body is not JSON ({e}): {}",
                String::from_utf8_lossy(&self.body)
            )
        })
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The contract error code of an error answer.
    pub fn error_code(&self) -> String {
        self.json()["error"]["code"]
            .as_str()
            .unwrap_or_else(|| panic!("no error code in {}", self.json()))
            .to_string()
    }

    /// The human-readable message of an error answer.
    pub fn error_message(&self) -> String {
        self.json()["error"]["message"]
            .as_str()
            .unwrap_or_else(|| panic!("no error message in {}", self.json()))
            .to_string()
    }
}

/// One HTTP/1.1 request with exactly `headers` (none added).
pub async fn raw_request(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: Option<&str>,
) -> Reply {
    let stream = TcpStream::connect(addr).await.unwrap();
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .unwrap();
    tokio::spawn(connection);
    let mut builder = Request::builder().method(method).uri(path);
    for (name, value) in headers {
        builder = builder.header(*name, *value);
    }
    let body = Full::new(Bytes::from(body.unwrap_or_default().to_string()));
    let response = sender
        .send_request(builder.body(body).unwrap())
        .await
        .unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let body = response
        .into_body()
        .collect()
        .await
        .unwrap()
        .to_bytes()
        .to_vec();
    Reply {
        status,
        headers,
        body,
    }
}

/// Waits up to 5 s (a generous bound for a loaded machine) for `done`.
pub async fn eventually(what: &str, done: impl Fn() -> bool) {
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    while !done() {
        assert!(
            std::time::Instant::now() < deadline,
            "timed out waiting: {what}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// File names in `dir` (sorted), hidden files included.
pub fn names_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}
