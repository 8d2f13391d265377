//! PostgreSQL for the tests: a real server, never a stand-in.
//!
//! `ONSHI_TEST_POSTGRES_URL` (a server URL whose role may create databases, as
//! `scripts/test.sh` exports) is used when set; otherwise the first test that needs one
//! starts a throwaway cluster through `scripts/postgres.sh`, once per test binary, which
//! stops by itself when the binary exits. Each test gets its own fresh database, so tests
//! run in parallel without seeing each other's rows or advisory locks.

use std::path::PathBuf;
use std::process::Command;
use std::sync::OnceLock;

use tokio_postgres::NoTls;

pub const SCRIPT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../scripts/postgres.sh");

static SHARED: OnceLock<String> = OnceLock::new();

/// The URL of the server this test binary shares.
pub fn server_url() -> &'static str {
    SHARED.get_or_init(|| match std::env::var("ONSHI_TEST_POSTGRES_URL") {
        Ok(url) if !url.trim().is_empty() => url,
        _ => {
            let dir = fresh_dir();
            run_script(&[
                "start",
                "--dir",
                dir.to_str().unwrap(),
                "--stop-with",
                &std::process::id().to_string(),
            ])
        }
    })
}

/// A new, empty database on the shared server; its URL.
pub async fn fresh_database() -> String {
    create_database(server_url()).await
}

/// A new, empty database on the server at `server`; its URL.
pub async fn create_database(server: &str) -> String {
    let (client, connection) = tokio_postgres::connect(server, NoTls)
        .await
        .unwrap_or_else(|err| panic!("cannot reach the test PostgreSQL: {err}"));
    tokio::spawn(connection);
    let mut bytes = [0u8; 8];
    getrandom::getrandom(&mut bytes).unwrap();
    let name = format!(
        "t_{}",
        bytes.iter().map(|b| format!("{b:02x}")).collect::<String>()
    );
    client
        .batch_execute(&format!("CREATE DATABASE {name}"))
        .await
        .unwrap();
    with_database(server, &name)
}

/// `url` with its database name replaced by `name`.
fn with_database(url: &str, name: &str) -> String {
    let (base, query) = url
        .split_once('?')
        .map_or((url, None), |(b, q)| (b, Some(q)));
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let server = match base[scheme_end..].find('/') {
        Some(slash) => &base[..scheme_end + slash],
        None => base,
    };
    match query {
        Some(query) => format!("{server}/{name}?{query}"),
        None => format!("{server}/{name}"),
    }
}

/// A cluster of the test's own, for tests that stop and start the server. Stopped and
/// deleted on drop (and when the test binary exits, should it be killed).
pub struct OwnCluster {
    pub url: String,
    dir: PathBuf,
}

impl OwnCluster {
    pub fn start() -> Self {
        let dir = fresh_dir();
        let url = run_script(&[
            "start",
            "--dir",
            dir.to_str().unwrap(),
            "--stop-with",
            &std::process::id().to_string(),
        ]);
        Self { url, dir }
    }

    /// Kills the server at once (`pg_ctl -m immediate`): to the data, a crash.
    pub fn kill(&self) {
        run_script(&["stop", self.dir.to_str().unwrap()]);
    }

    /// Starts it again on the same port with its data (crash recovery included).
    pub fn restart(&self) {
        let url = run_script(&["start", "--dir", self.dir.to_str().unwrap()]);
        assert_eq!(url, self.url, "same port after a restart");
    }
}

impl Drop for OwnCluster {
    fn drop(&mut self) {
        let _ = Command::new(SCRIPT)
            .args(["stop", self.dir.to_str().unwrap()])
            .status();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A directory directly in the temp folder (the server's user must be able to reach it).
fn fresh_dir() -> PathBuf {
    tempfile::Builder::new()
        .prefix("onshi-test-pg.")
        .tempdir()
        .unwrap()
        .keep()
}

/// Runs `scripts/postgres.sh args…` and returns its stdout (the URL, for `start`).
fn run_script(args: &[&str]) -> String {
    let output = Command::new(SCRIPT)
        .args(args)
        .output()
        .unwrap_or_else(|err| panic!("cannot run {SCRIPT}: {err}"));
    assert!(
        output.status.success(),
        "scripts/postgres.sh {args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap().trim().to_string()
}

/// A plain connection for the test's own queries.
pub async fn connect(url: &str) -> tokio_postgres::Client {
    let (client, connection) = tokio_postgres::connect(url, NoTls).await.unwrap();
    tokio::spawn(connection);
    client
}
