//! Against a REAL gateway (`onshi-gateway serve --sim`), started by
//! `scripts/test-browser.sh`, which passes its URL and a sample patient whose expected
//! outcome is "valid" at build time (`option_env!`).
#![cfg(target_arch = "wasm32")]

mod common;

use common::*;
use gloo_timers::future::TimeoutFuture;
use onshi::api::{ClientError, GatewayClient, HttpGateway};
use onshi_core::api::{GatewayMode, QualificationQuery, QualificationStatus, QueryMethod};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

const MISSING: &str = "this suite needs a running gateway: run scripts/test-browser.sh \
     (it starts `onshi-gateway serve --sim` and sets ONSHI_TEST_GATEWAY and ONSHI_TEST_PATIENT_*)";

/// A build-time setting the script must provide; a clear failure when it did not.
fn required(value: Option<&'static str>) -> &'static str {
    match value {
        Some(value) => value,
        None => panic!("{MISSING}"),
    }
}

fn gateway_url() -> &'static str {
    required(option_env!("ONSHI_TEST_GATEWAY"))
}

/// The sample patient as printed on the card, and the name the answer should carry.
struct Patient {
    query: QualificationQuery,
    name: &'static str,
}

fn patient() -> Patient {
    let field = |value: Option<&'static str>| required(value).to_string();
    Patient {
        query: QualificationQuery {
            method: QueryMethod::InsuranceCard,
            insurer_number: field(option_env!("ONSHI_TEST_PATIENT_INSURER")),
            symbol: option_env!("ONSHI_TEST_PATIENT_SYMBOL")
                .unwrap_or("")
                .to_string(),
            number: field(option_env!("ONSHI_TEST_PATIENT_NUMBER")),
            branch: option_env!("ONSHI_TEST_PATIENT_BRANCH")
                .unwrap_or("")
                .to_string(),
            birthdate: field(option_env!("ONSHI_TEST_PATIENT_BIRTHDATE")),
            override_check_digit: false,
        },
        name: required(option_env!("ONSHI_TEST_PATIENT_NAME")),
    }
}

/// The sample patient whose simulated terminal never answers.
fn slow_query() -> QualificationQuery {
    QualificationQuery {
        method: QueryMethod::InsuranceCard,
        insurer_number: required(option_env!("ONSHI_TEST_SLOW_INSURER")).to_string(),
        symbol: option_env!("ONSHI_TEST_SLOW_SYMBOL")
            .unwrap_or("")
            .to_string(),
        number: required(option_env!("ONSHI_TEST_SLOW_NUMBER")).to_string(),
        branch: option_env!("ONSHI_TEST_SLOW_BRANCH")
            .unwrap_or("")
            .to_string(),
        birthdate: required(option_env!("ONSHI_TEST_SLOW_BIRTHDATE")).to_string(),
        override_check_digit: false,
    }
}

#[wasm_bindgen_test]
async fn the_client_deadline_ends_a_hanging_request() {
    let started = js_sys::Date::now();
    let error = HttpGateway::new(gateway_url())
        .with_timeout_ms(800)
        .qualify(slow_query())
        .await
        .expect_err("the terminal never answers this patient");
    let waited = js_sys::Date::now() - started;
    assert_eq!(error, ClientError::Timeout);
    assert!(
        waited < 5_000.0,
        "gave up after {waited} ms, not at the deadline"
    );
}

#[wasm_bindgen_test]
async fn the_gateway_is_healthy_and_simulating() {
    let health = HttpGateway::new(gateway_url())
        .health()
        .await
        .expect("health");
    assert_eq!(health.status, "ok");
    assert_eq!(health.mode, GatewayMode::Sim);
}

#[wasm_bindgen_test]
async fn the_http_gateway_confirms_a_sample_patient() {
    let patient = patient();
    let answer = HttpGateway::new(gateway_url())
        .qualify(patient.query.clone())
        .await
        .expect("the sample patient is confirmed");
    assert_eq!(answer.status, QualificationStatus::Valid);
    let person = &answer.results.first().expect("one record").person;
    assert_eq!(person.name.as_deref(), Some(patient.name));
}

#[wasm_bindgen_test]
async fn the_gateway_rejects_malformed_input_with_field_errors() {
    let mut query = patient().query;
    query.birthdate = "not a date".into();
    let error = HttpGateway::new(gateway_url())
        .qualify(query)
        .await
        .expect_err("a malformed birthdate cannot be confirmed");
    match error {
        ClientError::Api { status, error } => {
            assert_eq!(status, 422);
            assert!(error.fields.contains_key("birthdate"), "{error:?}");
        }
        other => panic!("expected a 422, got {other:?}"),
    }
}

#[wasm_bindgen_test]
async fn a_closed_port_is_unreachable() {
    // Port 9 (discard) is not served on a test machine's loopback.
    let error = HttpGateway::new("http://127.0.0.1:9")
        .qualify(patient().query)
        .await
        .expect_err("nothing listens there");
    assert_eq!(error, ClientError::Unreachable);
}

#[wasm_bindgen_test]
async fn the_mounted_ui_confirms_a_sample_patient() {
    let patient = patient();
    let options = js_sys::JSON::parse(&format!(r#"{{"gateway":"{}","lang":"ja"}}"#, gateway_url()))
        .expect("options JSON");
    let ui = Ui::mount_public(options).await;
    let q = &patient.query;
    ui.type_into("insurer_number", &q.insurer_number).await;
    ui.type_into("symbol", &q.symbol).await;
    ui.type_into("number", &q.number).await;
    ui.type_into("branch", &q.branch).await;
    ui.type_into("birthdate", &q.birthdate).await;
    ui.click("[data-action=submit]").await;
    // The simulated terminal answers within a second or two; allow 15 s.
    for _ in 0..150 {
        if ui.exists(".onshi-result") || ui.exists(".onshi-error") {
            break;
        }
        TimeoutFuture::new(100).await;
        yew::scheduler::flush().await;
    }
    assert!(
        !ui.exists(".onshi-error"),
        "error: {}",
        ui.text(".onshi-reception__panel")
    );
    assert_eq!(ui.text(".onshi-badge"), "有効");
    assert!(ui.text(".onshi-card").contains(patient.name));
    let events = ui.events();
    assert_eq!(events.len(), 1);
    assert_eq!(
        get_str(&events[0], &["answer", "status"]).as_deref(),
        Some("valid")
    );
}
