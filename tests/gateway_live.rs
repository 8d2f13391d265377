//! Against a REAL gateway (`onshi-gateway serve --sim --trust-keys …`), started by
//! `scripts/test-browser.sh`, which passes its URL, sample patients and the private key of
//! a test credential issuer (a P-256 JWK whose public half the gateway trusts) at build
//! time (`option_env!`). Credentials are minted here per role with the browser's WebCrypto,
//! as an EMR would sign them, and live ten minutes.
#![cfg(target_arch = "wasm32")]

mod common;

use std::cell::Cell;
use std::rc::Rc;

use common::*;
use futures::future::{select, Either};
use gloo_timers::future::TimeoutFuture;
use onshi::api::{ClientError, GatewayClient, HttpGateway};
use onshi::present::error_view;
use onshi::request_ref::{random_prefix, request_ref};
use onshi_core::api::{
    ErrorCode, GatewayMode, QualificationQuery, QualificationStatus, QueryMethod,
};
use onshi_core::codes::Lang;
use onshi_core::roles::Role;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

const MISSING: &str = "this suite needs a running gateway: run scripts/test-browser.sh \
     (it starts `onshi-gateway serve --sim --trust-keys` and sets ONSHI_TEST_GATEWAY, \
     ONSHI_TEST_ISSUER_JWK and ONSHI_TEST_PATIENT_*)";

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

/// A credential for `role`, as the EMR's server would sign it: issued `age` seconds ago,
/// living `lifetime` seconds from its issue (so `age > lifetime` is an expired one).
async fn credential_aged(role: Role, age: i64, lifetime: i64) -> String {
    let jwk = required(option_env!("ONSHI_TEST_ISSUER_JWK"));
    let kid = serde_json::from_str::<serde_json::Value>(jwk).expect("the issuer JWK")["kid"]
        .as_str()
        .expect("the issuer JWK names its kid")
        .to_string();
    let key = webcrypto::import_private_jwk(jwk).await;
    let now = (js_sys::Date::now() / 1000.0) as i64;
    let iat = now - age;
    let claims = serde_json::json!({
        "sub": format!("live-{}", role.as_str()), "name": "試験 利用者", "role": role.as_str(),
        "licence": (role == Role::Clinician).then_some("physician"),
        "facility_type": "medical_institution", "facility_code": "1319999999",
        "aud": "onshi-gateway", "iat": iat, "exp": iat + lifetime,
        "jti": random_prefix(),
    });
    let header = serde_json::json!({"alg": "ES256", "kid": kid, "typ": "JWT"});
    webcrypto::jws(&key, &header, &claims).await
}

/// A fresh ten-minute credential for `role`.
async fn credential(role: Role) -> String {
    credential_aged(role, 5, 600).await
}

/// `mount` options for the live gateway, in `lang`, with `credential` (a string or a
/// function) when given.
fn options(lang: &str, credential: Option<JsValue>) -> JsValue {
    let options = js_sys::Object::new();
    let set = |key: &str, value: &JsValue| {
        js_sys::Reflect::set(&options, &key.into(), value).expect("an options object");
    };
    set("gateway", &gateway_url().into());
    set("lang", &lang.into());
    if let Some(credential) = credential {
        set("credential", &credential);
    }
    options.into()
}

/// Options signed in as reception.
async fn reception_options() -> JsValue {
    options("ja", Some(credential(Role::Reception).await.into()))
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
    let bearer = credential(Role::Reception).await;
    let started = js_sys::Date::now();
    let error = HttpGateway::new(gateway_url())
        .with_timeout_ms(800)
        .qualify(&bearer, slow_query(), &fresh_name())
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
    let bearer = credential(Role::Reception).await;
    let name = fresh_name();
    match gateway.queue_place(&bearer, &name).await {
        Err(ClientError::Api { status: 404, .. }) => {}
        other => panic!("an unsent name should be unknown, got {other:?}"),
    }
    let request = gateway.qualify(&bearer, slow_query(), &name);
    let poll = async {
        for _ in 0..50 {
            if let Ok(place) = gateway.queue_place(&bearer, &name).await {
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
    let ui = Ui::mount_public(reception_options().await).await;
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
    let gateway = HttpGateway::new(gateway_url());
    let bearer = credential(Role::Reception).await;
    let answer = gateway
        .qualify(&bearer, patient.query.clone(), &fresh_name())
        .await
        .expect("the sample patient is confirmed");
    assert_eq!(answer.status, QualificationStatus::Valid);
    let person = &answer.results.first().expect("one record").person;
    assert_eq!(person.name.as_deref(), Some(patient.name));
    // The gateway signed it with the key it publishes.
    let keys = gateway.keys(&bearer).await.expect("GET /v1/keys");
    let claims = onshi_core::answer_token::verify_answer(&answer, &keys)
        .expect("the answer's token verifies against /v1/keys");
    assert!(!claims.request_id.is_empty());
}

#[wasm_bindgen_test]
async fn the_gateway_rejects_malformed_input_with_field_errors() {
    let mut query = patient().query;
    query.birthdate = "not a date".into();
    let bearer = credential(Role::Reception).await;
    let error = HttpGateway::new(gateway_url())
        .qualify(&bearer, query, &fresh_name())
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
        .qualify("any", patient().query, &fresh_name())
        .await
        .expect_err("nothing listens there");
    assert_eq!(error, ClientError::Unreachable);
}

#[wasm_bindgen_test]
async fn the_mounted_ui_confirms_a_sample_patient() {
    let patient = patient();
    let ui = Ui::mount_public(reception_options().await).await;
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
    // The host page gets the gateway's signature with the answer, for its server.
    let token = get_str(&events[0], &["answer", "token"]).expect("answer.token");
    assert_eq!(token.split('.').count(), 3, "a compact JWS");
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
    let done =
        ui.wait_for(".onshi-result, .onshi-error", 15_000).await && ui.exists(".onshi-result");
    assert!(done, "no result: {}", ui.text(".onshi-reception__panel"));
    ui.text(".onshi-card")
}

#[wasm_bindgen_test]
async fn the_limit_certificate_is_shown_only_with_the_patients_consent() {
    let ui = Ui::mount_public(reception_options().await).await;
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
    let ui = Ui::mount_public(reception_options().await).await;
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

    let bearer = credential(Role::Reception).await;
    let response = gloo_net::http::Request::post(&format!("{}/v1/sim/face-results", gateway_url()))
        .header("authorization", &format!("Bearer {bearer}"))
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
    let bearer = credential(Role::Reception).await;
    gloo_net::http::Request::post(&format!("{}{path}", gateway_url()))
        .header("authorization", &format!("Bearer {bearer}"))
        .send()
        .await
        .unwrap_or_else(|e| panic!("POST {path}: {e}"))
        .status()
}

#[wasm_bindgen_test]
async fn a_virtual_my_number_card_is_read_with_its_pin() {
    // The simulator's card list names each virtual card's (synthetic) PIN.
    let bearer = credential(Role::Reception).await;
    let cards: serde_json::Value =
        gloo_net::http::Request::get(&format!("{}/v1/sim/cards", gateway_url()))
            .header("authorization", &format!("Bearer {bearer}"))
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

    let ui = Ui::mount_public(reception_options().await).await;
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
    let shown =
        ui.wait_for(".onshi-result, .onshi-error", 15_000).await && ui.exists(".onshi-result");
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

/// Waits until `selector` matches in `ui` (the live gateway and WebCrypto take a moment).
async fn shows(ui: &Ui, selector: &str) -> bool {
    ui.wait_for(selector, 10_000).await
}

#[wasm_bindgen_test]
async fn without_a_credential_the_page_says_nobody_is_signed_in() {
    let ui = Ui::mount_public(options("ja", None)).await;
    assert!(
        shows(&ui, "[data-access=not_signed_in]").await,
        "no not-signed-in panel: {}",
        ui.root.text_content().unwrap_or_default()
    );
    let panel = ui.text("[data-access=not_signed_in]");
    assert!(panel.contains("サインインしていません"), "{panel}");
    assert!(!ui.exists("input"), "no form to fill in");
    assert!(!ui.exists("[data-action=submit]"), "no dead buttons");
    assert!(!ui.exists(".onshi-queue"), "no queue");
    assert_eq!(
        ui.attr("[data-access=not_signed_in]", "role").as_deref(),
        Some("status")
    );
    // And the gateway agrees: without a credential nothing but health answers.
    let response = gloo_net::http::Request::get(&format!("{}/v1/keys", gateway_url()))
        .send()
        .await
        .expect("GET /v1/keys");
    assert_eq!(response.status(), 401);
    let body: onshi_core::api::ApiErrorBody = response.json().await.expect("an error body");
    assert_eq!(body.error.code, ErrorCode::CredentialMissing);
}

#[wasm_bindgen_test]
async fn a_forged_credential_is_refused_and_the_page_asks_to_sign_in_again() {
    let real = credential(Role::Reception).await;
    // Same header and claims, another payload byte: the signature no longer matches.
    let mut parts: Vec<String> = real.split('.').map(str::to_string).collect();
    let claims = onshi_core::jose::decode(&parts[1], "payload").unwrap();
    let mut claims: serde_json::Value = serde_json::from_slice(&claims).unwrap();
    claims["sub"] = "someone-else".into();
    parts[1] = onshi_core::jose::encode(claims.to_string().as_bytes());
    let forged = parts.join(".");
    let error = HttpGateway::new(gateway_url())
        .qualify(&forged, patient().query, &fresh_name())
        .await
        .expect_err("a forged credential");
    assert_eq!(
        error.api_code(),
        Some(ErrorCode::CredentialInvalid),
        "{error:?}"
    );

    let ui = Ui::mount_public(options("en", Some(forged.into()))).await;
    assert!(
        shows(&ui, "[data-access=sign_in_again]").await,
        "the refused stream should ask to sign in again: {}",
        ui.root.text_content().unwrap_or_default()
    );
    assert!(ui
        .text("[data-access=sign_in_again]")
        .contains("Please sign in again"));
    assert_eq!(
        ui.attr("[data-access=sign_in_again]", "role").as_deref(),
        Some("alert")
    );
}

#[wasm_bindgen_test]
async fn a_kiosk_credential_cannot_read_the_queue_and_is_told_so_in_words() {
    let kiosk = credential(Role::Kiosk).await;
    // The gateway refuses the kiosk the queue and the number check…
    let response = gloo_net::http::Request::get(&format!("{}/v1/reception-queue", gateway_url()))
        .header("authorization", &format!("Bearer {kiosk}"))
        .send()
        .await
        .expect("GET /v1/reception-queue");
    assert_eq!(response.status(), 403);
    let body: onshi_core::api::ApiErrorBody = response.json().await.expect("an error body");
    assert_eq!(body.error.code, ErrorCode::RoleNotAllowed);
    let refused = HttpGateway::new(gateway_url())
        .qualify(&kiosk, patient().query, &fresh_name())
        .await
        .expect_err("a kiosk may not check numbers");
    assert_eq!(refused.api_code(), Some(ErrorCode::RoleNotAllowed));
    // …which the desk reads in words, not a code.
    let words = onshi::i18n::text(Lang::Ja, error_view(&refused).msg);
    assert_eq!(words, "この操作は現在の利用者の役割では行えません。");

    // The page offers the kiosk nothing of the reception desk, and says why.
    let ui = Ui::mount_public(options("ja", Some(kiosk.into()))).await;
    assert!(
        shows(&ui, "[data-access=role_refused]").await,
        "no role panel: {}",
        ui.root.text_content().unwrap_or_default()
    );
    let panel = ui.text("[data-access=role_refused]");
    assert!(panel.contains("この画面は受付スタッフ用です"), "{panel}");
    assert!(panel.contains("キオスク端末"), "{panel}");
    assert!(!ui.exists(".onshi-queue"));
    assert!(!ui.exists("input"));
}

#[wasm_bindgen_test]
async fn an_expired_credential_is_replaced_by_the_host_function_and_work_goes_on() {
    // The host page's function: first an expired credential, then fresh ones.
    let expired = credential_aged(Role::Reception, 1_000, 600).await;
    let fresh = credential(Role::Reception).await;
    let calls = Rc::new(Cell::new(0u32));
    let function = {
        let calls = calls.clone();
        Closure::<dyn FnMut() -> js_sys::Promise>::new(move || {
            calls.set(calls.get() + 1);
            let token = if calls.get() == 1 { &expired } else { &fresh };
            js_sys::Promise::resolve(&JsValue::from_str(token))
        })
    };
    let provider: &js_sys::Function = function.as_ref().unchecked_ref();
    let ui = Ui::mount_public(options("ja", Some(provider.clone().into()))).await;

    // The stream's ticket was refused as expired, renewed, and the stream opened.
    let mut connected = false;
    for _ in 0..200 {
        if ui.exists(".onshi-conn") && ui.text(".onshi-conn").contains("接続中") {
            connected = true;
            break;
        }
        TimeoutFuture::new(50).await;
        yew::scheduler::flush().await;
    }
    assert!(connected, "{}", ui.root.text_content().unwrap_or_default());
    assert!(calls.get() >= 2, "the function was asked again");

    let patient = patient();
    let q = &patient.query;
    ui.type_into("insurer_number", &q.insurer_number).await;
    ui.type_into("symbol", &q.symbol).await;
    ui.type_into("number", &q.number).await;
    ui.type_into("branch", &q.branch).await;
    ui.type_into("birthdate", &q.birthdate).await;
    ui.click("[data-action=submit]").await;
    assert!(
        ui.wait_for(".onshi-result, .onshi-error", 15_000).await && ui.exists(".onshi-result"),
        "{}",
        ui.text(".onshi-reception__panel")
    );
    drop(function);
}
