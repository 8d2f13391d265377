//! Answers the simulator does not give: a scripted terminal writes exactly the file a test
//! needs (terminal errors, a foreign answer, a file written in two steps).

mod common;

use std::path::Path;
use std::time::Duration;

use common::{names_in, TestGateway};
use hyper::StatusCode;
use onshi_core::codes::{ProcessingResultStatus, QualificationValidity, SegmentOfResult};
use onshi_core::oqs::files::response_name_for;
use onshi_core::oqs::{write_response, QualificationRequest, XmlEncoding};
use onshi_core::qualification::QualificationResponse;
use serde_json::json;

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
    response.header.segment_of_result = Some(SegmentOfResult::Completed);
    response.header.qualification_confirmation_date = Some(request.confirmation_date.clone());
    response.processing.status = Some(ProcessingResultStatus::Completed);
    response.validity = Some(QualificationValidity::NotFound);
    response
}

fn query() -> serde_json::Value {
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

#[tokio::test]
async fn segment_of_result_9_is_a_terminal_error() {
    let gw = TestGateway::terminal(Duration::from_secs(5)).await;
    let terminal = scripted_terminal(
        &gw.terminal_dir(),
        |request| {
            let mut response = answered(request);
            response.header.segment_of_result = Some(SegmentOfResult::Failed);
            response.header.error_code = Some("EXS0001".to_string());
            response.header.error_message = Some("試験用の異常終了".to_string());
            response
        },
        write_at_once,
    );
    let reply = gw.post_json("/v1/qualifications", &query()).await;
    terminal.await.unwrap();
    assert_eq!(reply.status, StatusCode::BAD_GATEWAY);
    assert_eq!(reply.error_code(), "terminal_error");
    let message = reply.json()["error"]["message"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(message.contains("EXS0001"), "{message}");
    assert!(message.contains("試験用の異常終了"), "{message}");
    assert_eq!(
        names_in(&gw.terminal_dir().join("res")),
        Vec::<String>::new()
    );
}

#[tokio::test]
async fn processing_status_2_is_a_terminal_error() {
    let gw = TestGateway::terminal(Duration::from_secs(5)).await;
    let terminal = scripted_terminal(
        &gw.terminal_dir(),
        |request| {
            let mut response = answered(request);
            response.processing.status = Some(ProcessingResultStatus::Error);
            response.processing.code = Some("EXB0002".to_string());
            response.processing.message = Some("試験用の処理エラー".to_string());
            response
        },
        write_at_once,
    );
    let reply = gw.post_json("/v1/qualifications", &query()).await;
    terminal.await.unwrap();
    assert_eq!(reply.status, StatusCode::BAD_GATEWAY);
    assert_eq!(reply.error_code(), "terminal_error");
    assert!(reply.json()["error"]["message"]
        .as_str()
        .unwrap()
        .contains("EXB0002"));
}

#[tokio::test]
async fn answer_for_another_request_is_rejected() {
    let gw = TestGateway::terminal(Duration::from_secs(5)).await;
    let terminal = scripted_terminal(
        &gw.terminal_dir(),
        |request| {
            let mut response = answered(request);
            response.header.arbitrary_file_identifier = Some("someone-else".to_string());
            response
        },
        write_at_once,
    );
    let reply = gw.post_json("/v1/qualifications", &query()).await;
    terminal.await.unwrap();
    assert_eq!(reply.status, StatusCode::BAD_GATEWAY);
    assert_eq!(reply.error_code(), "terminal_bad_response");
    assert_eq!(names_in(&gw.rejected_dir()).len(), 1);
}

#[tokio::test]
async fn answer_written_slowly_is_read_only_when_complete() {
    let gw = TestGateway::terminal(Duration::from_secs(5)).await;
    let terminal = scripted_terminal(&gw.terminal_dir(), answered, |path, bytes| async move {
        // Half the file, a pause longer than two polls, then the rest.
        let (head, tail) = bytes.split_at(bytes.len() / 2);
        std::fs::write(&path, head).unwrap();
        tokio::time::sleep(Duration::from_millis(30)).await;
        let mut whole = head.to_vec();
        whole.extend_from_slice(tail);
        std::fs::write(&path, whole).unwrap();
    });
    let reply = gw.post_json("/v1/qualifications", &query()).await;
    terminal.await.unwrap();
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.json());
    assert_eq!(reply.json()["status"], "not_found");
    assert_eq!(names_in(&gw.rejected_dir()), Vec::<String>::new());
}
