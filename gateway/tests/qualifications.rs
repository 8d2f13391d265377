//! `POST /v1/qualifications` end to end: real HTTP, a real terminal folder, and the
//! simulated terminal answering in it. People come from the simulator's sample patients.

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::{names_in, TestGateway};
use hyper::StatusCode;
use onshi_sim::{Population, SamplePatient, SimTerminal, SimTerminalHandle, TerminalConfig};
use serde_json::Value;

struct Setup {
    gw: TestGateway,
    _terminal: SimTerminalHandle,
}

async fn setup(timeout: Duration) -> Setup {
    setup_with(timeout, 2).await
}

/// [`setup`] with a terminal that says 処理中 `in_progress_rounds` times to the sample
/// patient `in_progress`.
async fn setup_with(timeout: Duration, in_progress_rounds: u32) -> Setup {
    let gw = TestGateway::terminal(timeout).await;
    let config = TerminalConfig {
        latency: Duration::from_millis(30),
        poll_interval: Duration::from_millis(20),
        in_progress_rounds,
        institution_code: common::INSTITUTION_CODE.to_string(),
    };
    let terminal = SimTerminal::start(
        &gw.terminal_dir(),
        Arc::new(Population::generate(7)),
        config,
    )
    .expect("simulated terminal starts");
    Setup {
        gw,
        _terminal: terminal,
    }
}

fn sample(key: &str) -> SamplePatient {
    Population::samples()
        .into_iter()
        .find(|s| s.key == key)
        .unwrap_or_else(|| panic!("no sample patient {key}"))
}

fn query_of(sample: &SamplePatient) -> Value {
    serde_json::to_value(sample.query()).unwrap()
}

async fn ask(gw: &TestGateway, query: &Value) -> common::Reply {
    gw.post_json("/v1/qualifications", query).await
}

fn assert_folders_clean(gw: &TestGateway) {
    assert_eq!(gw.terminal_files("req"), Vec::<String>::new(), "req/");
    assert_eq!(gw.terminal_files("res"), Vec::<String>::new(), "res/");
}

#[tokio::test]
async fn valid_card_is_answered_with_the_record() {
    let s = setup(Duration::from_secs(10)).await;
    let patient = sample("kyokai_insured");
    let reply = ask(&s.gw, &query_of(&patient)).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.json());
    let answer = reply.json();
    assert_eq!(answer["status"], "valid");
    assert_eq!(answer["validity_code"], "1");
    assert_eq!(
        answer["results"][0]["person"]["name"],
        patient.name.unwrap().as_str()
    );
    assert_folders_clean(&s.gw);
}

#[tokio::test]
async fn expected_statuses_of_the_samples() {
    let s = setup(Duration::from_secs(10)).await;
    for key in [
        "disqualified",
        "not_found",
        "new_qualification",
        "kouki",
        "kokuho",
    ] {
        let patient = sample(key);
        let reply = ask(&s.gw, &query_of(&patient)).await;
        assert_eq!(reply.status, StatusCode::OK, "{key}: {}", reply.json());
        assert_eq!(reply.json()["status"], patient.expected.as_str(), "{key}");
    }
    assert_folders_clean(&s.gw);
}

#[tokio::test]
async fn silent_terminal_times_out() {
    let s = setup(Duration::from_millis(600)).await;
    let patient = sample("no_answer");
    assert_eq!(patient.expected, "timeout");
    let reply = ask(&s.gw, &query_of(&patient)).await;
    assert_eq!(reply.status, StatusCode::GATEWAY_TIMEOUT);
    assert_eq!(reply.error_code(), "terminal_timeout");
    assert_folders_clean(&s.gw);
}

#[tokio::test]
async fn in_progress_is_asked_again_until_answered() {
    let s = setup(Duration::from_secs(10)).await;
    let patient = sample("in_progress");
    assert_eq!(patient.expected, "in_progress_then_valid");
    let reply = ask(&s.gw, &query_of(&patient)).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.json());
    assert_eq!(reply.json()["status"], "valid");
    assert_folders_clean(&s.gw);
}

#[tokio::test]
async fn in_progress_until_the_deadline_is_a_timeout() {
    // The terminal keeps saying 処理中 longer than the gateway may wait.
    let s = setup_with(Duration::from_millis(150), 1_000).await;
    let reply = ask(&s.gw, &query_of(&sample("in_progress"))).await;
    assert_eq!(reply.status, StatusCode::GATEWAY_TIMEOUT);
    assert_eq!(reply.error_code(), "terminal_timeout");
}

#[tokio::test]
async fn malformed_answer_is_kept_in_rejected() {
    let s = setup(Duration::from_secs(10)).await;
    let patient = sample("malformed");
    assert_eq!(patient.expected, "bad_response");
    let reply = ask(&s.gw, &query_of(&patient)).await;
    assert_eq!(reply.status, StatusCode::BAD_GATEWAY);
    assert_eq!(reply.error_code(), "terminal_bad_response");
    let rejected = names_in(&s.gw.rejected_dir());
    assert_eq!(rejected.len(), 1, "{rejected:?}");
    assert!(rejected[0].starts_with("OQSsiquc01res_"), "{rejected:?}");
    let message = reply.error_message();
    assert!(
        message.contains(&format!("rejected/{}", rejected[0])),
        "{message}"
    );
    // Local paths stay local.
    let data_dir = s.gw.dir.path().to_string_lossy().into_owned();
    assert!(!message.contains(&data_dir), "{message}");
    assert_folders_clean(&s.gw);
}

#[tokio::test]
async fn shift_jis_answer_is_decoded() {
    let s = setup(Duration::from_secs(10)).await;
    let patient = sample("shift_jis");
    let reply = ask(&s.gw, &query_of(&patient)).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.json());
    let answer = reply.json();
    assert_eq!(answer["status"], "valid");
    assert_eq!(
        answer["results"][0]["person"]["name"],
        patient.name.unwrap().as_str()
    );
    assert_eq!(
        answer["results"][0]["person"]["name_kana"],
        patient.name_kana.unwrap().as_str()
    );
}

#[tokio::test]
async fn malformed_fields_are_listed() {
    let s = setup(Duration::from_secs(10)).await;
    let mut query = query_of(&sample("kyokai_insured"));
    query["number"] = Value::from("");
    query["birthdate"] = Value::from("1980-02-30");
    let reply = ask(&s.gw, &query).await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    let body = reply.json();
    assert_eq!(body["error"]["code"], "invalid_input");
    assert_eq!(body["error"]["fields"]["number"], "required");
    assert_eq!(body["error"]["fields"]["birthdate"], "date");
    // Nothing reached the terminal.
    assert_eq!(s.gw.terminal_files("req"), Vec::<String>::new());
}

/// The sample's insurer number with its check digit (the last digit) changed.
fn wrong_check_digit(insurer_number: &str) -> String {
    let (body, last) = insurer_number.split_at(insurer_number.len() - 1);
    let digit = last.parse::<u8>().unwrap();
    format!("{body}{}", (digit + 1) % 10)
}

#[tokio::test]
async fn check_digit_warning_and_its_override() {
    let s = setup(Duration::from_secs(10)).await;
    let mut query = query_of(&sample("kyokai_insured"));
    query["insurer_number"] =
        Value::from(wrong_check_digit(query["insurer_number"].as_str().unwrap()));
    let warned = ask(&s.gw, &query).await;
    assert_eq!(warned.status, StatusCode::UNPROCESSABLE_ENTITY);
    let body = warned.json();
    assert_eq!(body["error"]["code"], "check_digit");
    assert_eq!(body["error"]["fields"]["insurer_number"], "check_digit");

    query["override_check_digit"] = Value::from(true);
    let overridden = ask(&s.gw, &query).await;
    assert_eq!(overridden.status, StatusCode::OK, "{}", overridden.json());
    // The national side does not know that insurer number.
    assert_eq!(overridden.json()["status"], "not_found");
}

#[tokio::test]
async fn concurrent_queries_get_their_own_answers() {
    let s = setup(Duration::from_secs(15)).await;
    let keys = [
        "kyokai_insured",
        "kyokai_family",
        "preschool",
        "disqualified",
        "kouki",
    ];
    let replies = futures_join(&s.gw, &keys).await;
    for (key, reply) in keys.iter().zip(replies) {
        let patient = sample(key);
        assert_eq!(reply.status, StatusCode::OK, "{key}");
        let answer = reply.json();
        assert_eq!(answer["status"], patient.expected.as_str(), "{key}");
        assert_eq!(
            answer["results"][0]["person"]["name"],
            patient.name.unwrap().as_str(),
            "{key}"
        );
    }
    assert_folders_clean(&s.gw);
}

async fn futures_join(gw: &TestGateway, keys: &[&str]) -> Vec<common::Reply> {
    let tasks: Vec<_> = keys
        .iter()
        .map(|key| gw.spawn_post_json("/v1/qualifications", &query_of(&sample(key))))
        .collect();
    let mut replies = Vec::new();
    for task in tasks {
        replies.push(task.await.unwrap());
    }
    replies
}

/// The answer carries the desk's signature over exactly what it says, and the look is in
/// the audit log (with an opaque patient reference, never the numbers or the name) before
/// the answer left; refusals are there too, and the chain verifies.
#[tokio::test]
async fn answers_are_signed_and_every_look_is_audited() {
    use common::issuer;
    use onshi_core::answer_token::{verify_answer, AnswerTokenError};
    use onshi_core::api::QualificationAnswer;
    use onshi_core::jose::KeySet;
    use onshi_core::roles::Role;

    let s = setup(Duration::from_secs(10)).await;
    let gw = &s.gw;
    let patient = sample("kyokai_insured");
    let reply = ask(gw, &query_of(&patient)).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.json());
    let mut answer: QualificationAnswer = serde_json::from_slice(&reply.body).unwrap();
    let keys = gw.get("/v1/keys").await;
    assert_eq!(keys.status, StatusCode::OK);
    let keys = KeySet::from_jwks(&keys.body).expect("the gateway's JWKS");
    let claims = verify_answer(&answer, &keys).expect("the token verifies");
    assert_eq!(
        Some(claims.request_id.as_str()),
        reply.header("x-request-id")
    );
    answer.results[0].person.name = Some("別人".into());
    assert_eq!(verify_answer(&answer, &keys), Err(AnswerTokenError::Digest));

    // Refusals: no credential, and the kiosk asking for the queue.
    assert_eq!(
        gw.send_exact("GET", "/v1/reception-queue", &[], None)
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
    let kiosk = issuer::bearer(Role::Kiosk);
    let refused = gw
        .send(
            "GET",
            "/v1/reception-queue",
            &[("authorization", &kiosk)],
            None,
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);

    // Only the administrator reads the log.
    assert_eq!(gw.get("/v1/audit").await.status, StatusCode::FORBIDDEN);
    let admin = issuer::bearer(Role::Admin);
    let log = gw
        .send("GET", "/v1/audit", &[("authorization", &admin)], None)
        .await;
    assert_eq!(log.status, StatusCode::OK, "{}", log.json());
    let text = String::from_utf8_lossy(&log.body).into_owned();
    let name = patient.name.clone().unwrap();
    for secret in [&patient.number, &name] {
        assert!(
            !text.contains(secret.as_str()),
            "{secret} in the audit log: {text}"
        );
    }
    let entries = log.json()["entries"].as_array().unwrap().clone();
    let find = |action: &str| {
        entries
            .iter()
            .find(|e| e["action"] == action)
            .unwrap_or_else(|| panic!("no {action} in {text}"))
            .clone()
    };
    let look = find("qualification.check");
    assert_eq!(look["sub"], "test-reception");
    assert_eq!(look["role"], "reception");
    assert_eq!(look["outcome"], "ok");
    assert_eq!(look["facility"], issuer::FACILITY_CODE);
    assert_eq!(
        Some(look["request_id"].as_str().unwrap()),
        reply.header("x-request-id")
    );
    assert!(look["at"].as_str().unwrap().ends_with("+09:00"), "{look}");
    let reference = look["patient_ref"].as_str().unwrap().to_string();
    assert_eq!(reference.len(), 32, "{reference}");
    let missing = find("credential.refused");
    assert_eq!(
        (missing["outcome"].as_str(), missing["reason"].as_str()),
        (Some("refused"), Some("credential_missing"))
    );
    let role = find("reception_queue.refused");
    assert_eq!(role["sub"], "test-kiosk");
    assert_eq!(role["reason"], "role_not_allowed");

    // Filtered by patient and by caller.
    let by_patient = gw
        .send(
            "GET",
            &format!("/v1/audit?patient={reference}"),
            &[("authorization", &admin)],
            None,
        )
        .await
        .json();
    let rows = by_patient["entries"].as_array().unwrap();
    assert!(!rows.is_empty() && rows.iter().all(|e| e["patient_ref"] == reference.as_str()));
    let by_kiosk = gw
        .send(
            "GET",
            "/v1/audit?sub=test-kiosk",
            &[("authorization", &admin)],
            None,
        )
        .await
        .json();
    assert!(by_kiosk["entries"]
        .as_array()
        .unwrap()
        .iter()
        .all(|e| e["sub"] == "test-kiosk"));
    let bad_date = gw
        .send(
            "GET",
            "/v1/audit?from=2026-02-30",
            &[("authorization", &admin)],
            None,
        )
        .await;
    assert_eq!(bad_date.status, StatusCode::BAD_REQUEST);

    // The chain the accesses made verifies with the command clinics run.
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_onshi-gateway"))
        .args(["audit", "verify", "--data-dir"])
        .arg(gw.dir.path().join("data"))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}");
    assert!(stdout.contains("audit chain intact"), "{stdout}");
}
