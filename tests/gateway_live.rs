//! Against a REAL gateway (`onshi-gateway serve --sim`), started by
//! `scripts/test-browser.sh`, which passes its URL and a sample patient whose expected
//! outcome is "valid" at build time (`option_env!`).
#![cfg(target_arch = "wasm32")]

mod common;

use common::*;
use futures::future::{select, Either};
use gloo_timers::future::TimeoutFuture;
use onshi::api::{ClientError, GatewayClient, HttpGateway};
use onshi::request_ref::{random_prefix, request_ref};
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
            limit_consent: false,
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
        limit_consent: false,
    }
}

/// A fresh `x-onshi-request` name, as the component makes them.
fn fresh_name() -> String {
    request_ref(&random_prefix(), 1)
}

#[wasm_bindgen_test]
async fn the_client_deadline_ends_a_hanging_request() {
    let started = js_sys::Date::now();
    let error = HttpGateway::new(gateway_url())
        .with_timeout_ms(800)
        .qualify(slow_query(), &fresh_name())
        .await
        .expect_err("the terminal never answers this patient");
    let waited = js_sys::Date::now() - started;
    assert_eq!(error, ClientError::Timeout);
    assert!(
        waited < 5_000.0,
        "gave up after {waited} ms, not at the deadline"
    );
}

/// The request name passes the gateway's CORS preflight and names the request: while the
/// slow patient's request waits for the (never answering) simulated terminal, the gateway
/// reports its place; before it was sent, the name is unknown (404).
#[wasm_bindgen_test]
async fn a_real_gateway_reports_where_a_named_request_stands() {
    let gateway = HttpGateway::new(gateway_url()).with_timeout_ms(10_000);
    let name = fresh_name();
    match gateway.queue_place(&name).await {
        Err(ClientError::Api { status: 404, .. }) => {}
        other => panic!("an unsent name should be unknown, got {other:?}"),
    }
    let request = gateway.qualify(slow_query(), &name);
    let poll = async {
        for _ in 0..50 {
            if let Ok(place) = gateway.queue_place(&name).await {
                return place;
            }
            TimeoutFuture::new(100).await;
        }
        panic!("the gateway never reported a place for {name}");
    };
    // Dropping the request (the loser) aborts it.
    let first = select(Box::pin(request), Box::pin(poll)).await;
    match first {
        Either::Left((result, _)) => {
            panic!("the request ended before its place was seen (header refused?): {result:?}")
        }
        // Any place (at the terminal, or waiting if other tests filled its sessions)
        // means the gateway took the name with the request.
        Either::Right((_place, _)) => {}
    }
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
async fn a_real_gateways_health_shows_no_notice() {
    let options = js_sys::JSON::parse(&format!(r#"{{"gateway":"{}","lang":"ja"}}"#, gateway_url()))
        .expect("options JSON");
    let ui = Ui::mount_public(options).await;
    let read = ui
        .wait_for(".onshi-status:not([data-gateway=unchecked])", 10_000)
        .await;
    assert!(
        read,
        "the mounted component never read the gateway's health"
    );
    assert_eq!(
        ui.attr(".onshi-status", "data-gateway").as_deref(),
        Some("fine"),
        "notices: {}",
        ui.text(".onshi-status")
    );
    assert_eq!(ui.count(".onshi-status__notice"), 0);
}

#[wasm_bindgen_test]
async fn the_http_gateway_confirms_a_sample_patient() {
    let patient = patient();
    let answer = HttpGateway::new(gateway_url())
        .qualify(patient.query.clone(), &fresh_name())
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
        .qualify(query, &fresh_name())
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
        .qualify(patient().query, &fresh_name())
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

/// Types the 限度額適用認定証 sample patient into `ui`, optionally with the consent ticked,
/// sends it, and returns the result card's text.
async fn check_limit_patient(ui: &Ui, consent: bool) -> String {
    ui.type_into(
        "insurer_number",
        required(option_env!("ONSHI_TEST_LIMIT_INSURER")),
    )
    .await;
    ui.type_into(
        "symbol",
        option_env!("ONSHI_TEST_LIMIT_SYMBOL").unwrap_or(""),
    )
    .await;
    ui.type_into("number", required(option_env!("ONSHI_TEST_LIMIT_NUMBER")))
        .await;
    ui.type_into(
        "branch",
        option_env!("ONSHI_TEST_LIMIT_BRANCH").unwrap_or(""),
    )
    .await;
    ui.type_into(
        "birthdate",
        required(option_env!("ONSHI_TEST_LIMIT_BIRTHDATE")),
    )
    .await;
    if consent {
        ui.input("limit_consent").click();
        yew::scheduler::flush().await;
    }
    ui.click("[data-action=submit]").await;
    let done = ui.wait_for(".onshi-result", 15_000).await;
    assert!(done, "no result: {}", ui.text(".onshi-reception__panel"));
    ui.text(".onshi-card")
}

#[wasm_bindgen_test]
async fn the_limit_certificate_is_shown_only_with_the_patients_consent() {
    let options = js_sys::JSON::parse(&format!(r#"{{"gateway":"{}","lang":"ja"}}"#, gateway_url()))
        .expect("options JSON");
    let ui = Ui::mount_public(options).await;
    let without = check_limit_patient(&ui, false).await;
    assert!(
        !without.contains("適用区分"),
        "no certificate without consent: {without}"
    );
    ui.click("[data-action=next-patient]").await;
    let with = check_limit_patient(&ui, true).await;
    assert!(
        with.contains("限度額適用認定証") && with.contains("適用区分"),
        "the certificate is shown with consent: {with}"
    );
    let events = ui.events();
    assert_eq!(
        get(&events[1], &["query", "limit_consent"]).as_bool(),
        Some(true)
    );
}

#[wasm_bindgen_test]
async fn a_face_result_reaches_the_mounted_queue_promptly() {
    let options = js_sys::JSON::parse(&format!(r#"{{"gateway":"{}","lang":"ja"}}"#, gateway_url()))
        .expect("options JSON");
    let ui = Ui::mount_public(options).await;
    // Wait for the real EventSource to be open (and today's replay, if any, to arrive).
    for _ in 0..100 {
        if ui.text(".onshi-conn").contains("接続中") {
            break;
        }
        TimeoutFuture::new(50).await;
        yew::scheduler::flush().await;
    }
    assert!(
        ui.text(".onshi-conn").contains("接続中"),
        "the event stream did not open: {}",
        ui.text(".onshi-conn")
    );
    TimeoutFuture::new(200).await;
    yew::scheduler::flush().await;
    let before = ui.count(".onshi-queue__entry");

    let response = gloo_net::http::Request::post(&format!("{}/v1/sim/face-results", gateway_url()))
        .send()
        .await
        .expect("the simulator drops a face result");
    assert_eq!(response.status(), 201, "POST /v1/sim/face-results");
    let dropped: onshi_core::api::SimFaceDrop = response.json().await.expect("{file}");
    assert!(!dropped.file.is_empty());
    let posted = js_sys::Date::now();

    let mut waited = 0.0;
    while ui.count(".onshi-queue__entry") <= before && waited < 5_000.0 {
        TimeoutFuture::new(20).await;
        yew::scheduler::flush().await;
        waited = js_sys::Date::now() - posted;
    }
    assert_eq!(
        ui.count(".onshi-queue__entry"),
        before + 1,
        "one new entry for one dropped file"
    );
    // Pushed, not polled: it arrives within about a second. The bound leaves room for a
    // busy test machine (this measures the page's clock too, which can stall).
    assert!(
        waited <= 2_500.0,
        "the entry took {waited} ms to appear (expected about 1 s)"
    );

    // The newest entry is first; opening it shows the result and reports a face source.
    let id = ui
        .attr("button.onshi-queue__entry", "data-event-id")
        .expect("the new entry can be opened");
    ui.click(&format!("button[data-event-id='{id}']")).await;
    ui.settle().await;
    assert!(ui.exists(".onshi-result"));
    let events = ui.events();
    assert_eq!(events.len(), 1);
    assert_eq!(get_str(&events[0], &["source"]).as_deref(), Some("face"));
    assert_eq!(
        get_str(&events[0], &["verification"]).as_deref(),
        Some("face_recognition")
    );
}

/// `POST {gateway}{path}` with no body (the simulator's control routes).
async fn sim_post(path: &str) -> u16 {
    gloo_net::http::Request::post(&format!("{}{path}", gateway_url()))
        .send()
        .await
        .unwrap_or_else(|e| panic!("POST {path}: {e}"))
        .status()
}

#[wasm_bindgen_test]
async fn a_virtual_my_number_card_is_read_with_its_pin() {
    // The simulator's card list names each virtual card's (synthetic) PIN.
    let cards: serde_json::Value =
        gloo_net::http::Request::get(&format!("{}/v1/sim/cards", gateway_url()))
            .send()
            .await
            .expect("GET /v1/sim/cards")
            .json()
            .await
            .expect("card list JSON");
    let card = cards["cards"]
        .as_array()
        .and_then(|cards| {
            cards
                .iter()
                .find(|c| c["variant"] == "normal" && c["tries_left"] == 3)
        })
        .expect("a normal virtual card");
    let card_id = card["id"].as_str().unwrap().to_string();
    let pin = card["pin"].as_str().unwrap().to_string();

    let options = js_sys::JSON::parse(&format!(r#"{{"gateway":"{}","lang":"ja"}}"#, gateway_url()))
        .expect("options JSON");
    let ui = Ui::mount_public(options).await;
    ui.click("[data-action=read-card]").await;
    assert!(
        ui.wait_for(".onshi-cardflow[data-stage=waiting_for_card]", 5_000)
            .await,
        "the session did not start: {}",
        ui.text(".onshi-reception__panel")
    );
    assert_eq!(
        sim_post(&format!("/v1/sim/cards/{card_id}/insert")).await,
        200
    );
    assert!(
        ui.wait_for(".onshi-pin", 10_000).await,
        "no PIN pad: {}",
        ui.text(".onshi-reception__panel")
    );
    assert_eq!(ui.text(".onshi-pin__tries"), "残り3回");
    for digit in pin.chars() {
        ui.click(&format!("[data-key='{digit}']")).await;
    }
    ui.click("[data-action=pin-send]").await;
    let shown = ui.wait_for(".onshi-result", 15_000).await;
    sim_post("/v1/sim/cards/remove").await;
    assert!(shown, "no result: {}", ui.text(".onshi-reception__panel"));
    assert!(ui
        .text(".onshi-result__origin")
        .contains("マイナンバーカード（暗証番号）"));
    let events = ui.events();
    assert_eq!(events.len(), 1);
    assert_eq!(
        get_str(&events[0], &["source"]).as_deref(),
        Some("my_number_card")
    );
    assert_eq!(
        get_str(&events[0], &["verification"]).as_deref(),
        Some("pin")
    );
    let json = String::from(js_sys::JSON::stringify(&events[0]).unwrap());
    assert!(!json.contains(&format!("\"{pin}\"")), "no PIN in the event");
}
