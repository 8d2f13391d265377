//! Face-recognition reader results, end to end over real HTTP, real folders and a real
//! SQLite file: `face/` → store → `GET /v1/events` (SSE) and `GET /v1/reception-queue`.

mod common;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use common::sse::{SseClient, SseEvent};
use common::{names_in, TestGateway, EMR_ORIGIN, INSTITUTION_CODE};
use hyper::StatusCode;
use onshi_gateway::{Config, Mode};
use serde_json::Value;

const SAMPLE: &str = include_str!("fixtures/face_result_example.xml");
/// Generous bound for "nothing more arrives" checks.
const QUIET: Duration = Duration::from_millis(700);
/// Bound for events expected to arrive; the one-second promise is tested separately.
const ARRIVES: Duration = Duration::from_secs(5);

/// Writes a face file the way the terminal would: temp name, then rename.
fn drop_file(face: &Path, name: &str, body: &str) {
    let temp = face.join(format!(".{name}.tmp"));
    std::fs::write(&temp, body).unwrap();
    std::fs::rename(&temp, face.join(name)).unwrap();
}

fn face_dir(gw: &TestGateway) -> PathBuf {
    gw.terminal_dir().join("face")
}

fn data_dir(gw: &TestGateway) -> PathBuf {
    gw.dir.path().join("data")
}

async fn subscribe(gw: &TestGateway, path: &str, extra: &[(&str, &str)]) -> SseClient {
    let host = gw.host();
    let mut headers = vec![
        ("host", host.as_str()),
        ("authorization", gw.authorization.as_str()),
        ("accept", "text/event-stream"),
    ];
    headers.extend_from_slice(extra);
    let client = SseClient::open(gw.addr, path, &headers).await;
    assert_eq!(client.status, StatusCode::OK);
    client
}

async fn next(client: &mut SseClient) -> SseEvent {
    client
        .next_event(ARRIVES)
        .await
        .expect("an event arrives in time")
}

/// Polls the JSON queue until it holds `n` events after `after`.
async fn queue_until(gw: &TestGateway, after: i64, n: usize) -> Vec<Value> {
    let deadline = Instant::now() + ARRIVES;
    loop {
        let reply = gw.get(&format!("/v1/reception-queue?after={after}")).await;
        assert_eq!(reply.status, StatusCode::OK);
        let events = reply.json()["events"].as_array().unwrap().clone();
        if events.len() >= n || Instant::now() > deadline {
            assert_eq!(events.len(), n, "{events:?}");
            return events;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The file is moved only after the event is committed (and announced), so wait for it.
async fn wait_for_file(path: &Path) {
    let deadline = Instant::now() + ARRIVES;
    while !path.exists() && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[test]
fn face_folder_is_polled_at_least_five_times_a_second_by_default() {
    let config = Config::new(
        Mode::Terminal {
            dir: "terminal".into(),
        },
        "data",
        INSTITUTION_CODE,
    );
    assert!(
        config.face_poll_interval <= Duration::from_millis(200),
        "{:?}",
        config.face_poll_interval
    );
    assert_eq!(
        config.face_poll_interval,
        onshi_gateway::face_watch::DEFAULT_FACE_POLL
    );
}

fn terminal_config(root: &Path) -> Config {
    common::terminal_config(root, Duration::from_secs(2))
}

#[tokio::test]
async fn sample_face_result_reaches_an_sse_client_with_its_consents() {
    // Default poll interval: this is the promise the reception screen relies on (≤ 200 ms
    // between polls; the end-to-end test checks the one second in a browser).
    let gw = TestGateway::terminal(Duration::from_secs(2)).await;
    let mut client = subscribe(&gw, "/v1/events", &[]).await;
    assert!(client
        .headers
        .get("content-type")
        .is_some_and(|v| v.to_str().unwrap().starts_with("text/event-stream")));

    let dropped = Instant::now();
    drop_file(&face_dir(&gw), "OQSsiquc01res_face_sample.xml", SAMPLE);
    let event = next(&mut client).await;
    let elapsed = dropped.elapsed();
    // Generous: on a loaded CI machine one SQLite fsync can take longer than a second.
    assert!(elapsed < ARRIVES, "took {elapsed:?}");

    assert_eq!(event.event.as_deref(), Some("face_result"));
    let data = event.json();
    assert_eq!(data["id"].as_i64(), Some(event.id()));
    assert_eq!(data["kind"], "face_result");
    assert_eq!(data["source_file"], "OQSsiquc01res_face_sample.xml");
    assert!(data["received_at"].as_str().unwrap().ends_with("+09:00"));
    assert_eq!(data["prescription_issue_select"], "1");
    assert!(data["error"].is_null());
    assert_eq!(data["verification"], "face_recognition");
    let answer = &data["answer"];
    assert_eq!(answer["status"], "valid");
    assert_eq!(answer["reference_classification"], "1");
    assert_eq!(answer["checked_at"], "20261125083011");
    let record = &answer["results"][0];
    assert_eq!(record["insurance"]["insurer_number"], "  131011");
    assert_eq!(record["reference_number"], "P-000123");
    let consents = &record["viewing_consents"];
    for category in ["checkups", "medications"] {
        assert_eq!(consents[category]["flag"], "1", "{category}");
        assert_eq!(consents[category]["consent_time"], "20261125082955");
        assert_eq!(consents[category]["available_time"], "20261126082955");
    }
    for category in ["diagnoses", "operations"] {
        assert_eq!(consents[category]["flag"], "0", "{category}");
        assert!(consents[category]["available_time"].is_null());
    }

    // Committed, then moved out of face/ into the archive.
    let archive = data_dir(&gw).join("face-archive");
    wait_for_file(&archive.join("OQSsiquc01res_face_sample.xml")).await;
    assert_eq!(
        std::fs::read_to_string(archive.join("OQSsiquc01res_face_sample.xml")).unwrap(),
        SAMPLE
    );
    assert!(names_in(&face_dir(&gw)).is_empty());
    assert!(data_dir(&gw).join("onshi.sqlite3").is_file());
    gw.stop().await;
}

#[tokio::test]
async fn reconnecting_with_last_event_id_gets_exactly_what_was_missed() {
    let gw = TestGateway::terminal(Duration::from_secs(2)).await;
    let face = face_dir(&gw);
    let mut client = subscribe(&gw, "/v1/events", &[]).await;
    drop_file(&face, "first.xml", SAMPLE);
    let first = next(&mut client).await.id();
    drop(client);

    // Missed while disconnected.
    drop_file(&face, "second.xml", SAMPLE);
    drop_file(&face, "third.xml", SAMPLE);
    let missed = queue_until(&gw, first, 2).await;
    let missed_ids: Vec<i64> = missed.iter().map(|e| e["id"].as_i64().unwrap()).collect();

    let last = first.to_string();
    // The header wins over the query, as on an EventSource reconnect with its old URL.
    let mut client = subscribe(&gw, "/v1/events?after=0", &[("last-event-id", &last)]).await;
    let replayed = [next(&mut client).await, next(&mut client).await];
    assert_eq!(
        replayed.iter().map(SseEvent::id).collect::<Vec<_>>(),
        missed_ids
    );
    assert_eq!(replayed[0].json()["source_file"], missed[0]["source_file"]);
    assert!(client.next_event(QUIET).await.is_none(), "nothing else");

    // Then live again.
    drop_file(&face, "fourth.xml", SAMPLE);
    let live = next(&mut client).await;
    assert_eq!(live.json()["source_file"], "fourth.xml");
    assert!(live.id() > missed_ids[1]);

    // ?after= alone does the same for clients that cannot set headers.
    let mut by_query = subscribe(&gw, &format!("/v1/events?after={first}"), &[]).await;
    let ids: Vec<i64> = [
        next(&mut by_query).await,
        next(&mut by_query).await,
        next(&mut by_query).await,
    ]
    .iter()
    .map(SseEvent::id)
    .collect();
    assert_eq!(ids, vec![missed_ids[0], missed_ids[1], live.id()]);
    gw.stop().await;
}

#[tokio::test]
async fn the_queue_survives_a_restart_on_the_same_data_dir() {
    let root = tempfile::tempdir().unwrap();
    let face = root.path().join("terminal").join("face");

    let gw = TestGateway::start(terminal_config(root.path()), tempfile::tempdir().unwrap()).await;
    drop_file(&face, "before.xml", SAMPLE);
    let before = queue_until(&gw, 0, 1).await;
    // A reception screen still open: shutdown must not wait for it forever.
    let _open = subscribe(&gw, "/v1/events", &[]).await;
    tokio::time::timeout(Duration::from_secs(5), gw.stop())
        .await
        .expect("shutdown does not hang on an open event stream");

    let gw = TestGateway::start(terminal_config(root.path()), tempfile::tempdir().unwrap()).await;
    assert_eq!(queue_until(&gw, 0, 1).await, before);
    // No cursor: today's queue is replayed.
    let mut client = subscribe(&gw, "/v1/events", &[]).await;
    let replayed = next(&mut client).await;
    assert_eq!(replayed.id(), before[0]["id"].as_i64().unwrap());
    assert_eq!(replayed.json(), before[0]);
    drop_file(&face, "after.xml", SAMPLE);
    let after = next(&mut client).await;
    assert_eq!(after.json()["source_file"], "after.xml");
    assert!(after.id() > replayed.id());
    gw.stop().await;
}

#[tokio::test]
async fn a_file_left_in_face_after_a_crash_is_not_queued_twice() {
    let root = tempfile::tempdir().unwrap();
    let face = root.path().join("terminal").join("face");
    let gw = TestGateway::start(terminal_config(root.path()), tempfile::tempdir().unwrap()).await;
    drop_file(&face, "again.xml", SAMPLE);
    queue_until(&gw, 0, 1).await;
    gw.stop().await;
    // As if the gateway had died after the commit, before moving the file away.
    let archived = root
        .path()
        .join("data")
        .join("face-archive")
        .join("again.xml");
    std::fs::rename(&archived, face.join("again.xml")).unwrap();

    let gw = TestGateway::start(terminal_config(root.path()), tempfile::tempdir().unwrap()).await;
    let deadline = Instant::now() + ARRIVES;
    while face.join("again.xml").exists() && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(!face.join("again.xml").exists(), "taken out of face/ again");
    queue_until(&gw, 0, 1).await;
    gw.stop().await;
}

#[tokio::test]
async fn a_malformed_file_is_reported_and_rejected_and_the_next_one_still_arrives() {
    let gw = TestGateway::terminal(Duration::from_secs(2)).await;
    let face = face_dir(&gw);
    let mut client = subscribe(&gw, "/v1/events", &[]).await;
    // Half a file, with a (synthetic) name in it that must not leak into the report.
    let broken = &SAMPLE[..SAMPLE.find("<NameKana>").unwrap()];
    drop_file(&face, "broken.xml", broken);
    drop_file(&face, "OQSsiquc01res_face_good.xml", SAMPLE);

    let mut events = [next(&mut client).await, next(&mut client).await];
    events.sort_by_key(|e| e.event.clone());
    let (error, good) = (&events[0], &events[1]);
    assert_eq!(error.event.as_deref(), Some("face_error"));
    let data = error.json();
    assert_eq!(data["source_file"], "broken.xml");
    assert!(data["answer"].is_null());
    assert!(!data["error"].as_str().unwrap().is_empty());
    assert!(
        data.get("verification").is_none(),
        "no method for a refused file"
    );
    assert!(
        !error.data.contains("例示"),
        "no patient data: {}",
        error.data
    );
    assert_eq!(good.event.as_deref(), Some("face_result"));
    assert_eq!(good.json()["source_file"], "OQSsiquc01res_face_good.xml");

    wait_for_file(&gw.rejected_dir().join("broken.xml")).await;
    wait_for_file(
        &data_dir(&gw)
            .join("face-archive")
            .join("OQSsiquc01res_face_good.xml"),
    )
    .await;
    assert_eq!(
        std::fs::read_to_string(gw.rejected_dir().join("broken.xml")).unwrap(),
        broken
    );
    assert!(names_in(&face).is_empty());

    // The watcher is still there.
    drop_file(&face, "later.xml", SAMPLE);
    assert_eq!(next(&mut client).await.json()["source_file"], "later.xml");
    gw.stop().await;
}

/// Drops `body` as `name` and returns the `face_error` it becomes, once the file has been
/// moved to `rejected/`.
async fn refused(name: &str, body: &str) -> (TestGateway, Value) {
    let gw = TestGateway::terminal(Duration::from_secs(2)).await;
    let mut client = subscribe(&gw, "/v1/events", &[]).await;
    drop_file(&face_dir(&gw), name, body);
    let event = next(&mut client).await;
    assert_eq!(event.event.as_deref(), Some("face_error"), "{}", event.data);
    let data = event.json();
    assert_eq!(data["source_file"], name);
    assert!(data["answer"].is_null(), "never shown as a result");
    assert!(
        !event.data.contains("例示"),
        "no patient data: {}",
        event.data
    );
    wait_for_file(&gw.rejected_dir().join(name)).await;
    assert!(names_in(&face_dir(&gw)).is_empty());
    (gw, data)
}

#[tokio::test]
async fn a_reader_error_report_is_a_face_error_carrying_its_code() {
    let body = SAMPLE.replace(
        "<SegmentOfResult>1</SegmentOfResult>",
        "<SegmentOfResult>9</SegmentOfResult><ErrorCode>EFR0042</ErrorCode>\
             <ErrorMessage>カード読取エラー</ErrorMessage>",
    );
    let (gw, data) = refused("reader-error.xml", &body).await;
    let error = data["error"].as_str().unwrap();
    assert!(error.contains("EFR0042"), "{error}");
    assert!(error.contains("カード読取エラー"), "{error}");
    gw.stop().await;
}

#[tokio::test]
async fn a_result_without_validity_is_a_face_error_not_an_unknown_result() {
    let start = SAMPLE.find("<QualificationValidity>").unwrap();
    let end = SAMPLE.find("</QualificationValidity>").unwrap() + "</QualificationValidity>".len();
    let body = format!("{}{}", &SAMPLE[..start], &SAMPLE[end..]);
    let (gw, data) = refused("no-validity.xml", &body).await;
    assert!(
        data["error"]
            .as_str()
            .unwrap()
            .contains("QualificationValidity"),
        "{data}"
    );
    gw.stop().await;
}

#[tokio::test]
async fn an_oversized_face_file_is_refused_unread() {
    // A comment makes it larger than any result could be; the XML itself is fine.
    let padding = "x".repeat(1024 * 1024 + 1);
    let body = SAMPLE.replacen("<XmlMsg>", &format!("<!-- {padding} --><XmlMsg>"), 1);
    let (gw, data) = refused("huge.xml", &body).await;
    assert!(
        data["error"].as_str().unwrap().contains("larger than"),
        "{data}"
    );
    gw.stop().await;
}

#[tokio::test]
async fn temp_and_hidden_files_are_left_alone() {
    let gw = TestGateway::terminal(Duration::from_secs(2)).await;
    let face = face_dir(&gw);
    std::fs::write(face.join(".half.xml.tmp"), "<XmlMsg>").unwrap();
    std::fs::write(face.join("notes.txt"), "not a result").unwrap();
    let mut client = subscribe(&gw, "/v1/events", &[]).await;
    assert!(client.next_event(QUIET).await.is_none());
    assert_eq!(names_in(&face), vec![".half.xml.tmp", "notes.txt"]);
    gw.stop().await;
}

#[cfg(feature = "sim")]
#[tokio::test]
async fn sim_endpoint_drops_a_result_that_reaches_the_queue() {
    let gw = TestGateway::sim(Duration::from_millis(30)).await;
    let mut client = subscribe(&gw, "/v1/events", &[]).await;
    let reply = gw.send("POST", "/v1/sim/face-results", &[], None).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{:?}", reply.body);
    let file = reply.json()["file"].as_str().unwrap().to_string();
    assert!(file.starts_with("OQSsiquc01res_face_") && file.ends_with(".xml"));

    let event = next(&mut client).await;
    let data = event.json();
    assert_eq!(data["source_file"], file.as_str());
    assert_eq!(data["answer"]["reference_classification"], "1");
    let medications = &data["answer"]["results"][0]["viewing_consents"]["medications"];
    assert!(medications["flag"] == "1" || medications["flag"] == "0");
    assert!(data["prescription_issue_select"].is_string());
    gw.stop().await;
}

#[tokio::test]
async fn sim_endpoint_does_not_exist_with_a_real_terminal() {
    let gw = TestGateway::terminal(Duration::from_secs(2)).await;
    let reply = gw.send("POST", "/v1/sim/face-results", &[], None).await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    assert_eq!(reply.error_code(), "not_found");
    assert!(names_in(&face_dir(&gw)).is_empty());
    gw.stop().await;
}

#[cfg(feature = "sim")]
#[tokio::test]
async fn the_simulated_reader_drops_results_by_itself_when_asked() {
    let gw = TestGateway::sim_with(Duration::from_millis(30), |config| {
        config.sim_face_every = Some(Duration::from_millis(300));
    })
    .await;
    let mut client = subscribe(&gw, "/v1/events", &[]).await;
    let first = next(&mut client).await;
    let second = next(&mut client).await;
    assert_eq!(first.event.as_deref(), Some("face_result"));
    assert!(second.id() > first.id());
    gw.stop().await;
}

#[tokio::test]
async fn event_routes_apply_the_host_and_origin_rules() {
    let gw = TestGateway::terminal(Duration::from_secs(2)).await;
    let bad_origin = gw.get_from("https://evil.example", "/v1/events").await;
    assert_eq!(bad_origin.status, StatusCode::FORBIDDEN);
    assert_eq!(bad_origin.error_code(), "origin_not_allowed");
    assert!(bad_origin.header("access-control-allow-origin").is_none());

    for path in ["/v1/events", "/v1/reception-queue"] {
        let host = format!("rebind.attacker.example:{}", gw.addr.port());
        let bad_host = gw.get_as_host(path, &host).await;
        assert_eq!(bad_host.status, StatusCode::MISDIRECTED_REQUEST, "{path}");
        assert_eq!(bad_host.error_code(), "host_not_allowed");
    }

    // An EventSource on an allowed page gets its CORS answer on the stream itself.
    let client = subscribe(&gw, "/v1/events", &[("origin", EMR_ORIGIN)]).await;
    assert_eq!(
        client
            .headers
            .get("access-control-allow-origin")
            .and_then(|v| v.to_str().ok()),
        Some(EMR_ORIGIN)
    );
    drop(client);

    // A client that sets Last-Event-ID itself (fetch-based readers) passes the preflight.
    let preflight = gw
        .preflight(
            "/v1/events",
            &[
                ("origin", EMR_ORIGIN),
                ("access-control-request-method", "GET"),
                ("access-control-request-headers", "last-event-id"),
            ],
        )
        .await;
    assert_eq!(preflight.status, StatusCode::NO_CONTENT);
    assert!(preflight
        .header("access-control-allow-headers")
        .is_some_and(|h| h.contains("last-event-id")));
    gw.stop().await;
}

#[tokio::test]
async fn bad_cursors_get_contract_errors() {
    let gw = TestGateway::terminal(Duration::from_secs(2)).await;
    for path in [
        "/v1/reception-queue?after=abc",
        "/v1/reception-queue?after=-3",
        "/v1/reception-queue?limit=0",
        "/v1/events?after=x",
    ] {
        let reply = gw.get(path).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{path}");
        assert_eq!(reply.error_code(), "bad_request", "{path}");
    }
    let reply = gw
        .send("GET", "/v1/events", &[("last-event-id", "soon")], None)
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(reply.json()["error"]["fields"]["last-event-id"], "invalid");
    gw.stop().await;
}

#[tokio::test]
async fn the_queue_pages_with_limit_and_more() {
    let gw = TestGateway::terminal(Duration::from_secs(2)).await;
    let face = face_dir(&gw);
    for n in 0..3 {
        drop_file(&face, &format!("{n}.xml"), SAMPLE);
    }
    let all = queue_until(&gw, 0, 3).await;
    let first = gw.get("/v1/reception-queue?after=0&limit=2").await.json();
    assert_eq!(first["events"].as_array().unwrap().len(), 2);
    assert_eq!(first["more"], true);
    let last_id = first["events"][1]["id"].as_i64().unwrap();
    let rest = gw
        .get(&format!("/v1/reception-queue?after={last_id}&limit=2"))
        .await
        .json();
    assert_eq!(rest["events"].as_array().unwrap(), &all[2..].to_vec());
    assert_eq!(rest["more"], false);
    // No cursor: today's events, which here are all of them.
    assert_eq!(
        gw.get("/v1/reception-queue").await.json()["events"]
            .as_array()
            .unwrap(),
        &all
    );
    gw.stop().await;
}

#[tokio::test]
async fn an_idle_stream_gets_keep_alive_comments() {
    let root = tempfile::tempdir().unwrap();
    let mut config = terminal_config(root.path());
    config.sse_keep_alive = Duration::from_millis(100);
    let gw = TestGateway::start(config, tempfile::tempdir().unwrap()).await;
    let mut client = subscribe(&gw, "/v1/events", &[]).await;
    assert!(client.comment_within(Duration::from_secs(3)).await);
    gw.stop().await;
}
