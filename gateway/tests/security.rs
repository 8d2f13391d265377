//! The loopback defences, over real HTTP: Host, Origin, CORS, PNA preflight, and the
//! JSON shape of every error.

mod common;

use std::io::Write;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use common::{raw_request, TestGateway, EMR_ORIGIN};
use hyper::StatusCode;

/// What the gateway logs in this test binary (warn and above).
fn logs() -> &'static Arc<Mutex<Vec<u8>>> {
    static LOGS: OnceLock<Arc<Mutex<Vec<u8>>>> = OnceLock::new();
    LOGS.get_or_init(|| {
        let buffer = Arc::new(Mutex::new(Vec::new()));
        let sink = Arc::clone(&buffer);
        let _ = tracing_subscriber::fmt()
            .with_env_filter("warn")
            .with_ansi(false)
            .with_writer(move || Capture(Arc::clone(&sink)))
            .try_init();
        buffer
    })
}

struct Capture(Arc<Mutex<Vec<u8>>>);

impl Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn logged() -> String {
    String::from_utf8_lossy(&logs().lock().unwrap()).into_owned()
}

#[tokio::test]
async fn refused_origins_and_hosts_are_logged_for_it() {
    logs();
    let gw = gateway().await;
    let reply = gw
        .send(
            "GET",
            "/v1/health",
            &[("origin", "https://forgotten-emr.example")],
            None,
        )
        .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    let reply = raw_request(
        gw.addr,
        "GET",
        "/v1/health",
        &[("host", "rebound.example:7611")],
        None,
    )
    .await;
    assert_eq!(reply.status, StatusCode::MISDIRECTED_REQUEST);
    let text = logged();
    assert!(text.contains("WARN"), "{text}");
    assert!(text.contains("https://forgotten-emr.example"), "{text}");
    assert!(text.contains("--allow-origin"), "{text}");
    assert!(text.contains("rebound.example:7611"), "{text}");
}

async fn gateway() -> TestGateway {
    TestGateway::terminal(Duration::from_secs(2)).await
}

#[tokio::test]
async fn foreign_host_is_misdirected() {
    let gw = gateway().await;
    let reply = raw_request(
        gw.addr,
        "GET",
        "/v1/health",
        &[(
            "host",
            &format!("rebind.attacker.example:{}", gw.addr.port()),
        )],
        None,
    )
    .await;
    assert_eq!(reply.status, StatusCode::MISDIRECTED_REQUEST);
    assert_eq!(reply.error_code(), "host_not_allowed");
    assert!(reply.header("access-control-allow-origin").is_none());
}

#[tokio::test]
async fn own_host_on_another_port_is_misdirected() {
    let gw = gateway().await;
    let other_port = gw.addr.port().wrapping_add(1);
    let reply = raw_request(
        gw.addr,
        "GET",
        "/v1/health",
        &[("host", &format!("localhost:{other_port}"))],
        None,
    )
    .await;
    assert_eq!(reply.status, StatusCode::MISDIRECTED_REQUEST);
}

#[tokio::test]
async fn localhost_and_ipv6_names_are_accepted() {
    let gw = gateway().await;
    for host in [
        format!("localhost:{}", gw.addr.port()),
        format!("[::1]:{}", gw.addr.port()),
    ] {
        let reply = raw_request(gw.addr, "GET", "/v1/health", &[("host", &host)], None).await;
        assert_eq!(reply.status, StatusCode::OK, "{host}");
    }
}

#[tokio::test]
async fn unknown_origin_is_refused_without_cors() {
    let gw = gateway().await;
    let reply = gw
        .send(
            "GET",
            "/v1/health",
            &[("origin", "https://evil.example")],
            None,
        )
        .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    assert_eq!(reply.error_code(), "origin_not_allowed");
    assert!(reply.header("access-control-allow-origin").is_none());
}

#[tokio::test]
async fn refused_origin_cannot_post_a_simple_request() {
    // A form POST (text/plain) needs no preflight, so the Origin check is what stops it.
    let gw = gateway().await;
    let reply = gw
        .send(
            "POST",
            "/v1/qualifications",
            &[("origin", "null"), ("content-type", "text/plain")],
            Some("{}"),
        )
        .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    assert_eq!(
        common::names_in(&gw.terminal_dir().join("req")),
        Vec::<String>::new()
    );
}

#[tokio::test]
async fn allowed_origin_gets_its_exact_origin_back() {
    let gw = gateway().await;
    let reply = gw
        .send("GET", "/v1/health", &[("origin", EMR_ORIGIN)], None)
        .await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(
        reply.header("access-control-allow-origin"),
        Some(EMR_ORIGIN)
    );
    assert!(reply
        .headers
        .get_all("vary")
        .iter()
        .any(|v| v.to_str().unwrap().eq_ignore_ascii_case("origin")));
}

#[tokio::test]
async fn errors_for_allowed_origins_carry_cors_too() {
    // Otherwise the page could not read the error body.
    let gw = gateway().await;
    let reply = gw
        .send("GET", "/v1/nothing-here", &[("origin", EMR_ORIGIN)], None)
        .await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    assert_eq!(reply.error_code(), "not_found");
    assert_eq!(
        reply.header("access-control-allow-origin"),
        Some(EMR_ORIGIN)
    );
}

#[tokio::test]
async fn preflight_with_private_network_access() {
    let gw = gateway().await;
    let reply = gw
        .send(
            "OPTIONS",
            "/v1/qualifications",
            &[
                ("origin", EMR_ORIGIN),
                ("access-control-request-method", "POST"),
                ("access-control-request-headers", "content-type"),
                ("access-control-request-private-network", "true"),
            ],
            None,
        )
        .await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT);
    assert_eq!(
        reply.header("access-control-allow-origin"),
        Some(EMR_ORIGIN)
    );
    assert_eq!(
        reply.header("access-control-allow-private-network"),
        Some("true")
    );
    assert!(reply
        .header("access-control-allow-methods")
        .unwrap()
        .contains("POST"));
    // Exactly the headers the API reads: the JSON body type and the SSE resume cursor.
    assert_eq!(
        reply.header("access-control-allow-headers"),
        Some("content-type, last-event-id")
    );
    assert_eq!(reply.header("access-control-max-age"), Some("600"));
}

#[tokio::test]
async fn plain_preflight_does_not_grant_private_network() {
    let gw = gateway().await;
    let reply = gw
        .send(
            "OPTIONS",
            "/v1/qualifications",
            &[
                ("origin", EMR_ORIGIN),
                ("access-control-request-method", "POST"),
            ],
            None,
        )
        .await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT);
    assert!(reply
        .header("access-control-allow-private-network")
        .is_none());
}

#[tokio::test]
async fn preflight_from_unknown_origin_is_refused() {
    let gw = gateway().await;
    let reply = gw
        .send(
            "OPTIONS",
            "/v1/qualifications",
            &[
                ("origin", "http://localhost:9999"),
                ("access-control-request-method", "POST"),
                ("access-control-request-private-network", "true"),
            ],
            None,
        )
        .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    assert!(reply.header("access-control-allow-origin").is_none());
    assert!(reply
        .header("access-control-allow-private-network")
        .is_none());
}

#[tokio::test]
async fn unknown_path_and_wrong_method_are_json_errors() {
    let gw = gateway().await;
    let missing = gw.get("/v2/anything").await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert_eq!(missing.error_code(), "not_found");
    let wrong_method = gw.get("/v1/qualifications").await;
    assert_eq!(wrong_method.status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(wrong_method.error_code(), "bad_request");
}

#[tokio::test]
async fn malformed_bodies_are_bad_requests() {
    let gw = gateway().await;
    let syntax = gw
        .send(
            "POST",
            "/v1/qualifications",
            &[("content-type", "application/json")],
            Some("{\"method\":"),
        )
        .await;
    assert_eq!(syntax.status, StatusCode::BAD_REQUEST);
    assert_eq!(syntax.error_code(), "bad_request");

    let shape = gw
        .send(
            "POST",
            "/v1/qualifications",
            &[("content-type", "application/json")],
            Some("{\"method\":\"insurance_card\"}"),
        )
        .await;
    assert_eq!(shape.status, StatusCode::BAD_REQUEST);
    assert_eq!(shape.error_code(), "bad_request");

    let not_json = gw
        .send(
            "POST",
            "/v1/qualifications",
            &[("content-type", "text/plain")],
            Some("hello"),
        )
        .await;
    assert_eq!(not_json.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_eq!(not_json.error_code(), "bad_request");
}

#[tokio::test]
async fn oversized_bodies_are_refused() {
    let gw = gateway().await;
    let huge = format!("{{\"number\":\"{}\"}}", "1".repeat(64 * 1024));
    let reply = gw
        .send(
            "POST",
            "/v1/qualifications",
            &[("content-type", "application/json")],
            Some(&huge),
        )
        .await;
    assert_eq!(reply.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(reply.error_code(), "bad_request");
}

#[tokio::test]
async fn every_answer_has_a_request_id() {
    let gw = gateway().await;
    let first = gw.get("/v1/health").await;
    let second = gw.get("/v1/health").await;
    let a: u64 = first.header("x-request-id").unwrap().parse().unwrap();
    let b: u64 = second.header("x-request-id").unwrap().parse().unwrap();
    assert_ne!(a, b);
}
