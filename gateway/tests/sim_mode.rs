//! `--sim`: the embedded simulated terminal, in-process and through the built binary.

mod common;

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use common::{raw_request, TestGateway};
use hyper::StatusCode;
use onshi_sim::Population;

#[tokio::test]
async fn embedded_simulator_answers_and_reports_health() {
    let gw = TestGateway::sim(Duration::from_millis(30)).await;
    let health = gw.get("/v1/health").await.json();
    assert_eq!(health["mode"], "sim");
    assert_eq!(health["terminal"], "online");

    let patient = Population::samples()
        .into_iter()
        .find(|s| s.key == "kyokai_family")
        .unwrap();
    let reply = gw
        .post_json(
            "/v1/qualifications",
            &serde_json::to_value(patient.query()).unwrap(),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.json());
    assert_eq!(reply.json()["status"], patient.expected.as_str());
    gw.stop().await;
}

/// Kills the child on drop so a failing assertion leaves no server behind.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test]
async fn binary_announces_its_url_and_allows_the_demo_origin() {
    let data = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_onshi-gateway"))
        .args([
            "serve",
            "--sim",
            "--listen",
            "127.0.0.1:0",
            "--sim-latency-ms",
            "20",
            "--trust-keys",
            concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/tests/fixtures/cli-test-issuer.jwks.json"
            ),
        ])
        .arg("--data-dir")
        .arg(data.path())
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let server = Server(child);
    let line = tokio::task::spawn_blocking(move || {
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line).unwrap();
        line
    })
    .await
    .unwrap();
    let url = line
        .trim()
        .strip_prefix("onshi-gateway listening on http://")
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap_or_else(|| panic!("unexpected first line {line:?}"));
    let addr: SocketAddr = url.parse().unwrap();
    assert!(addr.ip().is_loopback());

    let host = format!("localhost:{}", addr.port());
    let reply = raw_request(
        addr,
        "GET",
        "/v1/health",
        &[("host", &host), ("origin", "http://localhost:8080")],
        None,
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(
        reply.header("access-control-allow-origin"),
        Some("http://localhost:8080")
    );
    assert_eq!(reply.json()["mode"], "sim");
    assert!(data.path().join("sim-terminal").join("req").is_dir());
    #[cfg(unix)]
    for folder in ["", "sim-terminal", "rejected", "face-archive"] {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(data.path().join(folder))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o700, "{folder:?}");
    }
    drop(server);
}
