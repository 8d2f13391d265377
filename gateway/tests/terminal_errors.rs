//! Answers the simulator does not give: a scripted terminal writes exactly the file a test
//! needs (terminal errors, a foreign answer, a file written in two steps).

mod common;

use std::path::Path;
use std::time::Duration;

use common::{eventually, names_in, synthetic_query, Reply, TestGateway};
use hyper::StatusCode;
use onshi_core::codes::{ProcessingResultStatus, QualificationValidity, SegmentOfResult};
use onshi_core::oqs::files::response_name_for;
use onshi_core::oqs::{write_response, QualificationRequest, XmlEncoding};
use onshi_core::qualification::{EchoedSearch, QualificationResponse};
use tokio::io::AsyncWriteExt;

/// Answers the first request that appears in `req/` with `answer(request)`, written by
/// `write(res_path, bytes)`.
fn scripted_terminal<A, W, F>(root: &Path, answer: A, write: W) -> tokio::task::JoinHandle<()>
where
    A: Fn(&QualificationRequest) -> QualificationResponse + Send + 'static,
    W: Fn(std::path::PathBuf, Vec<u8>) -> F + Send + 'static,
    F: std::future::Future<Output = ()> + Send,
{
    let (req, res) = (root.join("req"), root.join("res"));
    tokio::spawn(async move {
        loop {
            let name = names_in(&req)
                .into_iter()
                .find(|n| n.starts_with("OQSsiquc01req_") && n.ends_with(".xml"));
            if let Some(name) = name {
                let bytes = std::fs::read(req.join(&name)).unwrap();
                std::fs::remove_file(req.join(&name)).unwrap();
                let request = QualificationRequest::parse(&bytes).unwrap();
                let xml = write_response(&answer(&request), XmlEncoding::Utf8).unwrap();
                write(res.join(response_name_for(&name).unwrap()), xml).await;
                return;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
}

async fn write_at_once(path: std::path::PathBuf, bytes: Vec<u8>) {
    std::fs::write(path, bytes).unwrap();
}

fn answered(request: &QualificationRequest) -> QualificationResponse {
    let mut response = QualificationResponse::default();
    response.header.arbitrary_file_identifier = request.file_identifier.clone();
    response.header.medical_institution_code = Some(request.institution_code.clone());
    response.header.segment_of_result = Some(SegmentOfResult::Completed);
    response.header.qualification_confirmation_date = Some(request.confirmation_date.clone());
    response.processing.status = Some(ProcessingResultStatus::Completed);
    response.validity = Some(QualificationValidity::NotFound);
    response
}

/// A gateway whose terminal answers the first request with `answer(request)`, written by
/// `write(res_path, bytes)`, and the gateway's reply to [`synthetic_query`].
async fn ask_scripted<A, W, F>(answer: A, write: W) -> (TestGateway, Reply)
where
    A: Fn(&QualificationRequest) -> QualificationResponse + Send + 'static,
    W: Fn(std::path::PathBuf, Vec<u8>) -> F + Send + 'static,
    F: std::future::Future<Output = ()> + Send,
{
    let gw = TestGateway::terminal(Duration::from_secs(5)).await;
    let reply = ask_terminal(&gw, answer, write).await;
    (gw, reply)
}

/// `gw`'s reply to [`synthetic_query`] with a scripted terminal answering it.
async fn ask_terminal<A, W, F>(gw: &TestGateway, answer: A, write: W) -> Reply
where
    A: Fn(&QualificationRequest) -> QualificationResponse + Send + 'static,
    W: Fn(std::path::PathBuf, Vec<u8>) -> F + Send + 'static,
    F: std::future::Future<Output = ()> + Send,
{
    let terminal = scripted_terminal(&gw.terminal_dir(), answer, write);
    let reply = gw.post_json("/v1/qualifications", &synthetic_query()).await;
    terminal.await.unwrap();
    reply
}

/// [`ask_scripted`] with the [`answered`] response changed by `change`, written at once.
async fn ask_changed(
    change: impl Fn(&mut QualificationResponse) + Send + 'static,
) -> (TestGateway, Reply) {
    let answer = move |request: &QualificationRequest| {
        let mut response = answered(request);
        change(&mut response);
        response
    };
    ask_scripted(answer, write_at_once).await
}

/// A 502 terminal_error.
fn assert_terminal_error(reply: &Reply) {
    assert_eq!(reply.status, StatusCode::BAD_GATEWAY);
    assert_eq!(reply.error_code(), "terminal_error");
}

#[tokio::test]
async fn segment_of_result_9_is_a_terminal_error() {
    let (gw, reply) = ask_changed(|response| {
        response.header.segment_of_result = Some(SegmentOfResult::Failed);
        response.header.error_code = Some("EXS0001".to_string());
        response.header.error_message = Some("試験用の異常終了".to_string());
    })
    .await;
    assert_terminal_error(&reply);
    let message = reply.error_message();
    assert!(message.contains("EXS0001"), "{message}");
    assert!(message.contains("試験用の異常終了"), "{message}");
    assert_eq!(gw.terminal_files("res"), Vec::<String>::new());
}

#[tokio::test]
async fn processing_status_2_is_a_terminal_error() {
    let (_gw, reply) = ask_changed(|response| {
        response.processing.status = Some(ProcessingResultStatus::Error);
        response.processing.code = Some("EXB0002".to_string());
        response.processing.message = Some("試験用の処理エラー".to_string());
    })
    .await;
    assert_terminal_error(&reply);
    assert!(reply.error_message().contains("EXB0002"));
}

/// A 502 terminal_answer_mismatch naming `field`, the answer kept in rejected/, nothing
/// of it shown, the folders clean.
fn assert_mismatch(gw: &TestGateway, reply: &Reply, field: &str) {
    assert_eq!(reply.status, StatusCode::BAD_GATEWAY, "{}", reply.json());
    assert_eq!(reply.error_code(), "terminal_answer_mismatch");
    let message = reply.error_message();
    assert!(message.contains(field), "{message}");
    assert!(reply.json().get("results").is_none());
    let rejected = names_in(&gw.rejected_dir());
    assert_eq!(rejected.len(), 1, "{rejected:?}");
    assert_eq!(gw.terminal_files("res"), Vec::<String>::new());
    assert_eq!(gw.terminal_files("req"), Vec::<String>::new());
}

#[tokio::test]
async fn answer_for_another_request_is_set_aside() {
    let (gw, reply) = ask_changed(|response| {
        response.header.arbitrary_file_identifier = Some("someone-else".to_string());
    })
    .await;
    assert_mismatch(&gw, &reply, "ArbitraryFileIdentifier");
}

#[tokio::test]
async fn answer_without_a_file_identifier_is_set_aside() {
    let (gw, reply) = ask_changed(|response| {
        response.header.arbitrary_file_identifier = None;
    })
    .await;
    assert_mismatch(&gw, &reply, "ArbitraryFileIdentifier");
}

#[tokio::test]
async fn answer_for_another_institution_is_set_aside() {
    let (gw, reply) = ask_changed(|response| {
        response.header.medical_institution_code = Some("1310000001".to_string());
    })
    .await;
    assert_mismatch(&gw, &reply, "MedicalInstitutionCode");
}

#[tokio::test]
async fn answer_echoing_another_patient_is_set_aside() {
    let (gw, reply) = ask_changed(|response| {
        response.search_info = Some(EchoedSearch {
            insurer_number: Some("06139999".to_string()),
            symbol: Some("1234".to_string()),
            number: Some("5679".to_string()),
            branch: Some("01".to_string()),
            birthdate: Some("19800102".to_string()),
        });
    })
    .await;
    assert_mismatch(&gw, &reply, "InsuredIdentificationNumber");
}

#[tokio::test]
async fn answer_written_slowly_is_read_only_when_complete() {
    let (gw, reply) = ask_scripted(answered, |path, bytes| async move {
        // Half the file, a pause of many polls (a slow share), then the rest.
        let (head, tail) = bytes.split_at(bytes.len() / 2);
        std::fs::write(&path, head).unwrap();
        tokio::time::sleep(Duration::from_millis(500)).await;
        let mut whole = head.to_vec();
        whole.extend_from_slice(tail);
        std::fs::write(&path, whole).unwrap();
    })
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.json());
    assert_eq!(reply.json()["status"], "not_found");
    assert_eq!(names_in(&gw.rejected_dir()), Vec::<String>::new());
}

/// A 502 terminal_bad_response with the answer moved to rejected/ and res/ left empty.
fn assert_rejected(gw: &TestGateway, reply: &Reply) {
    assert_eq!(reply.status, StatusCode::BAD_GATEWAY, "{}", reply.json());
    assert_eq!(reply.error_code(), "terminal_bad_response");
    let rejected = names_in(&gw.rejected_dir());
    assert_eq!(rejected.len(), 1, "{rejected:?}");
    assert!(rejected[0].starts_with("OQSsiquc01res_"), "{rejected:?}");
    assert_eq!(gw.terminal_files("res"), Vec::<String>::new());
    assert_eq!(gw.terminal_files("req"), Vec::<String>::new());
}

#[tokio::test]
async fn completed_answer_without_validity_is_rejected_not_not_found() {
    let (gw, reply) = ask_changed(|response| response.validity = None).await;
    assert_rejected(&gw, &reply);
    let message = reply.error_message();
    assert!(message.contains("QualificationValidity"), "{message}");
}

#[tokio::test]
async fn answer_without_segment_of_result_is_rejected() {
    let (gw, reply) = ask_changed(|response| response.header.segment_of_result = None).await;
    assert_rejected(&gw, &reply);
}

#[tokio::test]
async fn unknown_segment_of_result_is_rejected() {
    let (gw, reply) = ask_changed(|response| {
        response.header.segment_of_result = Some(SegmentOfResult::from_code("7"));
    })
    .await;
    assert_rejected(&gw, &reply);
}

#[tokio::test]
async fn error_answer_without_validity_stays_a_terminal_error() {
    let (_gw, reply) = ask_changed(|response| {
        response.validity = None;
        response.header.segment_of_result = Some(SegmentOfResult::Failed);
        response.header.error_code = Some("EXS0003".to_string());
    })
    .await;
    assert_terminal_error(&reply);
}

#[tokio::test]
async fn oversized_answer_is_rejected_unread() {
    let (gw, reply) = ask_scripted(answered, |path, bytes| async move {
        // A well-formed answer padded with white space beyond 1 MiB.
        let mut big = bytes;
        big.resize(
            onshi_gateway::terminal_link::MAX_ANSWER_BYTES as usize + 1,
            b' ',
        );
        std::fs::write(path, big).unwrap();
    })
    .await;
    assert_rejected(&gw, &reply);
    let message = reply.error_message();
    assert!(message.contains("larger than"), "{message}");
}

/// Sends a qualification request on a raw connection, so the test can drop the connection
/// mid-exchange like a browser tab that is closed or a fetch that is aborted.
async fn start_request(gw: &TestGateway) -> tokio::net::TcpStream {
    let body = synthetic_query().to_string();
    let mut stream = tokio::net::TcpStream::connect(gw.addr).await.unwrap();
    let head = format!(
        "POST /v1/qualifications HTTP/1.1\r\nhost: {}\r\nauthorization: {}\r\n\
         content-type: application/json\r\ncontent-length: {}\r\n\r\n",
        gw.host(),
        gw.authorization,
        body.len()
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    stream.write_all(body.as_bytes()).await.unwrap();
    stream
}

fn request_names(gw: &TestGateway) -> Vec<String> {
    gw.terminal_files("req")
        .into_iter()
        .filter(|n| n.starts_with("OQSsiquc01req_") && n.ends_with(".xml"))
        .collect()
}

#[tokio::test]
async fn client_going_away_takes_the_request_back_and_a_late_answer_is_swept() {
    // A slow terminal: the gateway would wait 30 s, the client leaves after the request
    // is written.
    let gw = TestGateway::terminal_with(Duration::from_secs(30), |config| {
        config.link.late_answer_grace = Duration::from_millis(100);
        config.link.sweep_interval = Duration::from_millis(50);
    })
    .await;
    let client = start_request(&gw).await;
    eventually("the request is written", || !request_names(&gw).is_empty()).await;
    let name = request_names(&gw).remove(0);
    let request = QualificationRequest::parse(
        &std::fs::read(gw.terminal_dir().join("req").join(&name)).unwrap(),
    )
    .unwrap();
    drop(client);
    eventually("the request is taken back", || {
        gw.terminal_files("req").is_empty()
    })
    .await;

    // The terminal had read it already and answers long after the client left.
    let res = gw
        .terminal_dir()
        .join("res")
        .join(response_name_for(&name).unwrap());
    let xml = write_response(&answered(&request), XmlEncoding::Utf8).unwrap();
    std::fs::write(&res, xml).unwrap();
    eventually("the late answer is removed", || !res.exists()).await;
    assert_eq!(names_in(&gw.rejected_dir()), Vec::<String>::new());

    // The gateway still works.
    let reply = ask_terminal(&gw, answered, write_at_once).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.json());
}

#[tokio::test]
async fn a_late_answer_after_a_timeout_is_swept() {
    let gw = TestGateway::terminal_with(Duration::from_millis(300), |config| {
        config.link.late_answer_grace = Duration::from_millis(100);
        config.link.sweep_interval = Duration::from_millis(50);
    })
    .await;
    let watcher = {
        let req = gw.terminal_dir().join("req");
        tokio::spawn(async move {
            loop {
                let names = names_in(&req);
                if let Some(name) = names.iter().find(|n| n.ends_with(".xml")) {
                    let bytes = std::fs::read(req.join(name)).unwrap();
                    return (name.clone(), QualificationRequest::parse(&bytes).unwrap());
                }
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        })
    };
    let reply = gw.post_json("/v1/qualifications", &synthetic_query()).await;
    assert_eq!(reply.status, StatusCode::GATEWAY_TIMEOUT);
    let (name, request) = watcher.await.unwrap();
    let res = gw
        .terminal_dir()
        .join("res")
        .join(response_name_for(&name).unwrap());
    std::fs::write(
        &res,
        write_response(&answered(&request), XmlEncoding::Utf8).unwrap(),
    )
    .unwrap();
    eventually("the late answer is removed", || !res.exists()).await;
}

#[tokio::test]
async fn requests_beyond_the_waiting_limit_fail_fast_as_busy() {
    let gw = TestGateway::terminal_with(Duration::from_secs(5), |config| {
        config.max_concurrent_exchanges = 1;
        config.max_waiting_exchanges = 1;
    })
    .await;
    // One exchange holds the only session (nobody answers it)...
    let _first = start_request(&gw).await;
    eventually("the first request is written", || {
        !request_names(&gw).is_empty()
    })
    .await;
    // ...then four more arrive together: one may wait, three are refused at once.
    let others: Vec<_> = (0..4)
        .map(|_| gw.spawn_post_json("/v1/qualifications", &synthetic_query()))
        .collect();
    let mut busy = 0;
    for other in others {
        let reply = other.await.unwrap();
        assert_ne!(reply.status, StatusCode::OK, "nobody answers");
        if reply.status == StatusCode::SERVICE_UNAVAILABLE
            && reply.error_message().contains("terminal is busy")
        {
            assert_eq!(reply.error_code(), "terminal_unavailable");
            busy += 1;
        }
    }
    // The one that waited ends with the deadline (504, or 503 if it never got a session).
    assert_eq!(busy, 3);
}

#[tokio::test]
async fn a_malformed_answer_is_reported_without_quoting_it() {
    let (gw, reply) = ask_scripted(answered, |path, _| async move {
        std::fs::write(path, "<XmlMsg><Name>見本　花子</Name>&見本;</XmlMsg>").unwrap();
    })
    .await;
    assert_rejected(&gw, &reply);
    let body = String::from_utf8_lossy(&reply.body).into_owned();
    assert!(!body.contains("見本"), "{body}");
    assert!(reply.error_message().contains("well-formed"), "{body}");
}
