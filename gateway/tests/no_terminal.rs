//! `--terminal-dir` mode against a folder where no terminal answers: the request times
//! out cleanly and health reflects the folder.

mod common;

use std::time::{Duration, Instant};

use common::{names_in, synthetic_query, TestGateway};
use hyper::StatusCode;

#[tokio::test]
async fn unanswered_request_times_out_and_is_taken_back() {
    let gw = TestGateway::terminal(Duration::from_millis(400)).await;
    let started = Instant::now();
    let reply = gw.post_json("/v1/qualifications", &synthetic_query()).await;
    assert_eq!(reply.status, StatusCode::GATEWAY_TIMEOUT);
    assert_eq!(reply.error_code(), "terminal_timeout");
    assert!(started.elapsed() >= Duration::from_millis(400));
    // Nothing of ours is left for a terminal that comes back later.
    assert_eq!(gw.terminal_files("req"), Vec::<String>::new());
}

#[tokio::test]
async fn request_file_is_complete_and_named_for_the_terminal() {
    let gw = TestGateway::terminal(Duration::from_secs(1)).await;
    let req_dir = gw.terminal_dir().join("req");
    let watcher = tokio::spawn(async move {
        for _ in 0..200 {
            let names = names_in(&req_dir);
            if let Some(name) = names.iter().find(|n| n.ends_with(".xml")) {
                let bytes = std::fs::read(req_dir.join(name)).unwrap();
                return Some((name.clone(), bytes));
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        None
    });
    let client = gw.spawn_post_json("/v1/qualifications", &synthetic_query());
    let (name, bytes) = watcher.await.unwrap().expect("a request file appears");
    assert!(name.starts_with("OQSsiquc01req_"), "{name}");
    let request = onshi_core::oqs::request::QualificationRequest::parse(&bytes).expect("parses");
    assert_eq!(request.institution_code, common::INSTITUTION_CODE);
    assert_eq!(request.birthdate, "19800102");
    // The file identifier is the suffix, so an answer can be matched to its request.
    let suffix = name
        .trim_start_matches("OQSsiquc01req_")
        .trim_end_matches(".xml");
    assert_eq!(request.file_identifier.as_deref(), Some(suffix));
    let reply = client.await.unwrap();
    assert_eq!(reply.status, StatusCode::GATEWAY_TIMEOUT);
}

#[tokio::test]
async fn health_reports_the_folder() {
    // No cache, so every call sees the folders as they are now.
    let gw = TestGateway::terminal_with(Duration::from_secs(1), |config| {
        config.link.health_cache = Duration::ZERO;
    })
    .await;
    let reply = gw.get("/v1/health").await;
    assert_eq!(reply.status, StatusCode::OK);
    let health = reply.json();
    assert_eq!(health["status"], "ok");
    assert_eq!(health["mode"], "terminal");
    assert_eq!(health["terminal"], "online");
    assert_eq!(health["version"], env!("CARGO_PKG_VERSION"));

    std::fs::remove_dir(gw.terminal_dir().join("res")).unwrap();
    assert_eq!(gw.get("/v1/health").await.json()["terminal"], "degraded");
    std::fs::remove_dir(gw.terminal_dir().join("req")).unwrap();
    assert_eq!(gw.get("/v1/health").await.json()["terminal"], "offline");
}

#[tokio::test]
async fn health_probes_the_share_at_most_once_per_interval() {
    let gw = TestGateway::terminal_with(Duration::from_secs(1), |config| {
        config.link.health_cache = Duration::from_secs(600);
    })
    .await;
    assert_eq!(gw.get("/v1/health").await.json()["terminal"], "online");
    // Were the folders probed again, health would now say degraded.
    std::fs::remove_dir(gw.terminal_dir().join("res")).unwrap();
    for _ in 0..20 {
        let reply = gw.get("/v1/health").await;
        assert_eq!(reply.status, StatusCode::OK);
        assert_eq!(reply.json()["terminal"], "online");
    }
    assert_eq!(gw.terminal_files("req"), Vec::<String>::new());
}

#[tokio::test]
async fn missing_folder_is_unavailable_not_a_crash() {
    let gw = TestGateway::terminal(Duration::from_secs(1)).await;
    std::fs::remove_dir_all(gw.terminal_dir()).unwrap();
    let reply = gw.post_json("/v1/qualifications", &synthetic_query()).await;
    assert_eq!(reply.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(reply.error_code(), "terminal_unavailable");
}

#[tokio::test]
async fn graceful_shutdown_returns() {
    let gw = TestGateway::terminal(Duration::from_secs(1)).await;
    assert_eq!(gw.get("/v1/health").await.status, StatusCode::OK);
    tokio::time::timeout(Duration::from_secs(5), gw.stop())
        .await
        .expect("stops in time");
}
