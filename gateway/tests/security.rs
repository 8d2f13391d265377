//! The loopback defences, over real HTTP: Host, Origin, CORS, PNA preflight, and the
//! JSON shape of every error.

mod common;

use std::time::Duration;

use common::{logs, TestGateway, EMR_ORIGIN};
use hyper::StatusCode;

#[tokio::test]
async fn refused_origins_and_hosts_are_logged_for_it() {
    logs::capture("warn");
    let gw = gateway().await;
    let reply = gw
        .get_from("https://forgotten-emr.example", "/v1/health")
        .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    let reply = gw.get_as_host("/v1/health", "rebound.example:7611").await;
    assert_eq!(reply.status, StatusCode::MISDIRECTED_REQUEST);
    let text = logs::text();
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
    let host = format!("rebind.attacker.example:{}", gw.addr.port());
    let reply = gw.get_as_host("/v1/health", &host).await;
    assert_eq!(reply.status, StatusCode::MISDIRECTED_REQUEST);
    assert_eq!(reply.error_code(), "host_not_allowed");
    assert!(reply.header("access-control-allow-origin").is_none());
}

#[tokio::test]
async fn own_host_on_another_port_is_misdirected() {
    let gw = gateway().await;
    let other_port = gw.addr.port().wrapping_add(1);
    let host = format!("localhost:{other_port}");
    let reply = gw.get_as_host("/v1/health", &host).await;
    assert_eq!(reply.status, StatusCode::MISDIRECTED_REQUEST);
}

#[tokio::test]
async fn localhost_and_ipv6_names_are_accepted() {
    let gw = gateway().await;
    for host in [
        format!("localhost:{}", gw.addr.port()),
        format!("[::1]:{}", gw.addr.port()),
    ] {
        let reply = gw.get_as_host("/v1/health", &host).await;
        assert_eq!(reply.status, StatusCode::OK, "{host}");
    }
}

#[tokio::test]
async fn unknown_origin_is_refused_without_cors() {
    let gw = gateway().await;
    let reply = gw.get_from("https://evil.example", "/v1/health").await;
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
    assert_eq!(gw.terminal_files("req"), Vec::<String>::new());
}

#[tokio::test]
async fn allowed_origin_gets_its_exact_origin_back() {
    let gw = gateway().await;
    let reply = gw.get_from(EMR_ORIGIN, "/v1/health").await;
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
    let reply = gw.get_from(EMR_ORIGIN, "/v1/nothing-here").await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    assert_eq!(reply.error_code(), "not_found");
    assert_eq!(
        reply.header("access-control-allow-origin"),
        Some(EMR_ORIGIN)
    );
}

/// The preflight of a page on `origin` before it POSTs to /v1/qualifications, with
/// `extra` request headers after Origin and Access-Control-Request-Method.
async fn preflight_post(gw: &TestGateway, origin: &str, extra: &[(&str, &str)]) -> common::Reply {
    let mut headers = vec![
        ("origin", origin),
        ("access-control-request-method", "POST"),
    ];
    headers.extend_from_slice(extra);
    gw.preflight("/v1/qualifications", &headers).await
}

#[tokio::test]
async fn preflight_with_private_network_access() {
    let gw = gateway().await;
    let reply = preflight_post(
        &gw,
        EMR_ORIGIN,
        &[
            ("access-control-request-headers", "content-type"),
            ("access-control-request-private-network", "true"),
        ],
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
    // Exactly the headers the API reads: the credential, the JSON body type, the SSE
    // resume cursor, the request's name and a card session's secret.
    assert_eq!(
        reply.header("access-control-allow-headers"),
        Some("authorization, content-type, last-event-id, x-onshi-request, x-onshi-session-secret")
    );
    assert_eq!(reply.header("access-control-max-age"), Some("600"));
}

#[tokio::test]
async fn plain_preflight_does_not_grant_private_network() {
    let gw = gateway().await;
    let reply = preflight_post(&gw, EMR_ORIGIN, &[]).await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT);
    assert!(reply
        .header("access-control-allow-private-network")
        .is_none());
}

#[tokio::test]
async fn preflight_from_unknown_origin_is_refused() {
    let gw = gateway().await;
    let reply = preflight_post(
        &gw,
        "http://localhost:9999",
        &[("access-control-request-private-network", "true")],
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

/// `POST /v1/qualifications` with `content_type` and `body`.
async fn post_qualifications(gw: &TestGateway, content_type: &str, body: &str) -> common::Reply {
    gw.send(
        "POST",
        "/v1/qualifications",
        &[("content-type", content_type)],
        Some(body),
    )
    .await
}

#[tokio::test]
async fn malformed_bodies_are_bad_requests() {
    let gw = gateway().await;
    for (case, content_type, body, status) in [
        (
            "syntax",
            "application/json",
            "{\"method\":",
            StatusCode::BAD_REQUEST,
        ),
        (
            "shape",
            "application/json",
            "{\"method\":\"insurance_card\"}",
            StatusCode::BAD_REQUEST,
        ),
        (
            "not_json",
            "text/plain",
            "hello",
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
        ),
    ] {
        let reply = post_qualifications(&gw, content_type, body).await;
        assert_eq!(reply.status, status, "{case}");
        assert_eq!(reply.error_code(), "bad_request", "{case}");
    }
}

#[tokio::test]
async fn oversized_bodies_are_refused() {
    let gw = gateway().await;
    let huge = format!("{{\"number\":\"{}\"}}", "1".repeat(64 * 1024));
    let reply = post_qualifications(&gw, "application/json", &huge).await;
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

#[tokio::test]
async fn other_sites_without_an_allowed_origin_are_refused() {
    logs::capture("warn");
    let gw = gateway().await;
    // What `<img src=…/v1/events>` on a foreign (or same-site, other-port) page sends: no
    // Origin, since it is a no-cors GET.
    for site in ["cross-site", "same-site"] {
        let reply = gw
            .send(
                "GET",
                "/v1/events",
                &[
                    ("sec-fetch-site", site),
                    ("sec-fetch-mode", "no-cors"),
                    ("sec-fetch-dest", "image"),
                ],
                None,
            )
            .await;
        assert_eq!(reply.status, StatusCode::FORBIDDEN, "{site}");
        assert_eq!(reply.error_code(), "origin_not_allowed");
        assert!(reply.error_message().contains("--allow-origin"));
        assert!(reply.header("access-control-allow-origin").is_none());
    }
    let text = logs::text();
    assert!(text.contains("sec_fetch_site=\"cross-site\""), "{text}");
    assert!(text.contains("/v1/events"), "{text}");
    // The gateway's own pages, the address bar and non-browser clients pass as before, and
    // so does an allowed page on another site (it sends its Origin).
    for site in ["same-origin", "none"] {
        let reply = gw
            .send("GET", "/v1/health", &[("sec-fetch-site", site)], None)
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{site}");
    }
    let reply = gw
        .send(
            "GET",
            "/v1/health",
            &[("origin", EMR_ORIGIN), ("sec-fetch-site", "cross-site")],
            None,
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(
        reply.header("access-control-allow-origin"),
        Some(EMR_ORIGIN)
    );
    gw.stop().await;
}
