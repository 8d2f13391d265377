//! The request timeout and the caps on in-flight requests, event streams and connections,
//! over real HTTP with the numbers lowered.

mod common;

use std::path::Path;
use std::time::{Duration, Instant};

use common::sse::SseClient;
use common::{names_in, synthetic_query, TestGateway};
use hyper::StatusCode;
use tokio::net::TcpStream;

const SAMPLE: &str = include_str!("fixtures/face_result_example.xml");

async fn subscribe(gw: &TestGateway) -> SseClient {
    let host = gw.host();
    SseClient::open(
        gw.addr,
        "/v1/events",
        &[
            ("host", host.as_str()),
            ("authorization", gw.authorization.as_str()),
            ("accept", "text/event-stream"),
        ],
    )
    .await
}

/// Writes a face file the way the terminal would: temp name, then rename.
fn drop_face_file(face: &Path, name: &str) {
    let temp = face.join(format!(".{name}.tmp"));
    std::fs::write(&temp, SAMPLE).unwrap();
    std::fs::rename(&temp, face.join(name)).unwrap();
}

#[tokio::test]
async fn streams_beyond_the_cap_are_refused_until_one_closes() {
    let gw = TestGateway::terminal_with(Duration::from_secs(2), |config| {
        config.max_event_streams = 2;
        // Writes to a stream whose client left fail at the next keep-alive at the latest.
        config.sse_keep_alive = Duration::from_millis(100);
    })
    .await;
    let first = subscribe(&gw).await;
    let second = subscribe(&gw).await;
    assert_eq!(first.status, StatusCode::OK);
    assert_eq!(second.status, StatusCode::OK);

    let refused = gw.get("/v1/events").await;
    assert_eq!(refused.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(refused.error_code(), "too_many_streams");
    // Ordinary requests are not streams.
    assert_eq!(gw.get("/v1/health").await.status, StatusCode::OK);

    drop(first);
    let deadline = Instant::now() + Duration::from_secs(5);
    let third = loop {
        let client = subscribe(&gw).await;
        if client.status == StatusCode::OK {
            break client;
        }
        assert!(
            Instant::now() < deadline,
            "a closed stream never freed its slot"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    drop((second, third));
    gw.stop().await;
}

#[tokio::test]
async fn a_hanging_request_ends_at_the_request_timeout_but_streams_go_on() {
    // A terminal that never answers, a terminal timeout beyond the request timeout.
    let gw = TestGateway::terminal_with(Duration::from_secs(20), |config| {
        config.request_timeout = Duration::from_secs(1);
    })
    .await;
    let mut stream = subscribe(&gw).await;
    assert_eq!(stream.status, StatusCode::OK);

    let started = Instant::now();
    let reply = gw.post_json("/v1/qualifications", &synthetic_query()).await;
    assert_eq!(reply.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(reply.error_code(), "request_timeout");
    assert!(started.elapsed() < Duration::from_secs(10));
    // The abandoned exchange took its request back from the terminal.
    common::eventually("the request file is taken back", || {
        gw.terminal_files("req").is_empty()
    })
    .await;

    // The stream, open for longer than the request timeout, still delivers.
    tokio::time::sleep(Duration::from_millis(300)).await;
    drop_face_file(
        &gw.terminal_dir().join("face"),
        "OQSsiquc01res_face_late.xml",
    );
    let event = stream
        .next_event(Duration::from_secs(5))
        .await
        .expect("the stream outlives the request timeout");
    assert_eq!(event.event.as_deref(), Some("face_result"));
    drop(stream);
    gw.stop().await;
}

#[tokio::test]
async fn requests_beyond_the_in_flight_cap_are_busy() {
    let gw = TestGateway::terminal_with(Duration::from_secs(2), |config| {
        config.max_in_flight = 1;
    })
    .await;
    // Held at the terminal, which never answers, until its terminal timeout.
    let waiting = gw.spawn_post_json("/v1/qualifications", &synthetic_query());
    let req = gw.terminal_dir().join("req");
    common::eventually("the request reaches the terminal", || {
        !names_in(&req).is_empty()
    })
    .await;

    let busy = gw.get("/v1/health").await;
    assert_eq!(busy.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(busy.error_code(), "busy");

    let first = waiting.await.unwrap();
    assert_eq!(first.status, StatusCode::GATEWAY_TIMEOUT);
    assert_eq!(gw.get("/v1/health").await.status, StatusCode::OK);
    gw.stop().await;
}

#[tokio::test]
async fn connections_beyond_the_cap_wait_until_one_closes() {
    let gw = TestGateway::terminal_with(Duration::from_secs(2), |config| {
        config.max_connections = 2;
    })
    .await;
    let idle = [
        TcpStream::connect(gw.addr).await.unwrap(),
        TcpStream::connect(gw.addr).await.unwrap(),
    ];
    let addr = gw.addr;
    let host = gw.host();
    let mut third = tokio::spawn(async move {
        common::raw_request(addr, "GET", "/v1/health", &[("host", &host)], None).await
    });
    assert!(
        tokio::time::timeout(Duration::from_millis(500), &mut third)
            .await
            .is_err(),
        "a connection beyond the cap was served"
    );
    drop(idle);
    let reply = tokio::time::timeout(Duration::from_secs(5), third)
        .await
        .expect("served once a connection closed")
        .unwrap();
    assert_eq!(reply.status, StatusCode::OK);
    gw.stop().await;
}
