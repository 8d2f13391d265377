//! Kiosk consents over real HTTP (`POST|GET /v1/consents`, `DELETE /v1/consents/{id}`),
//! face-reader consents from face results, and the consent tables on SQLite and
//! PostgreSQL.
//!
//! The kiosk flow reads a virtual My Number Card through the real PC/SC stack (pcscd with
//! the vsmartcard vpcd readers, started by `scripts/pcscd.sh`; the test FAILS when it
//! cannot start it). There is one virtual reader, so every test that reads a card holds
//! [`READER_LOCK`].
//!
//! The crash test re-runs this test binary as a child (`consent_gateway_child`, which does
//! nothing unless `ONSHI_CONSENT_CHILD` is set): a whole gateway that reads a card and then
//! takes a burst of consent POSTs until the parent kills it with SIGKILL.

mod common;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::places::{suite, Place};
use common::{issuer, raw_request, Reply, TestGateway, EMR_ORIGIN, INSTITUTION_CODE};
use hyper::StatusCode;
use onshi_core::card_session::{VerificationMethod, SESSION_SECRET_HEADER};
use onshi_core::codes::{ConsentFlag, QualificationValidity, SegmentOfResult};
use onshi_core::consent::{
    verify_receipt, ConsentDecisions, ConsentRecord, ConsentSource, VALIDITY_SECS,
};
use onshi_core::jose::KeySet;
use onshi_core::jst;
use onshi_core::oqs::{write_response, XmlEncoding};
use onshi_core::qualification::{QualificationResponse, ViewingConsent, ViewingConsents};
use onshi_core::roles::Role;
use onshi_gateway::card_reader::{Presence, Readers};
use onshi_gateway::card_session::CardSessionSettings;
use onshi_gateway::clock::{Clock, ManualClock};
use onshi_gateway::keys::GatewayKey;
use onshi_gateway::store::{self, NewConsent, Store, StoreLocation, Withdrawal};
use onshi_gateway::{Config, Gateway, Mode};
use serde_json::{json, Value};
use tokio::net::TcpListener;

/// The second virtual reader (vpcd port 35964), as in `tests/card_sessions.rs`.
const READER: &str = "Virtual PCD 00 01";
const VPCD_PORT: u16 = 35964;
const STEP: Duration = Duration::from_secs(20);
const CHILD_ENV: &str = "ONSHI_CONSENT_CHILD";

/// One virtual reader for every test of this binary that reads a card.
static READER_LOCK: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

fn ensure_pcscd() {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../scripts/pcscd.sh");
    match Command::new("bash").arg(script).output() {
        Ok(out) if out.status.success() => {}
        Ok(out) => panic!(
            "consent tests need pcscd with the vsmartcard vpcd readers, and scripts/pcscd.sh \
             could not start it: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
        Err(err) => panic!("cannot run scripts/pcscd.sh ({err})"),
    }
}

fn kiosk_config(config: &mut Config, clock: &ManualClock) {
    config.allowed_origins = vec![EMR_ORIGIN.to_string()];
    config.sim_vpcd_port = VPCD_PORT;
    config.card_sessions = CardSessionSettings {
        idle_timeout: Duration::from_secs(60),
        poll: Duration::from_millis(100),
        keep_finished: Duration::from_secs(600),
        ..CardSessionSettings::default()
    };
    config.clock = Clock::manual(clock);
    config.face_poll_interval = Duration::from_millis(50);
}

/// A card session as its owner holds it.
#[derive(Clone)]
struct Session {
    id: String,
    secret: String,
}

/// `Bearer …` for `role` with another `sub` than [`issuer::bearer`] gives.
fn bearer_as(role: Role, sub: &str) -> String {
    let mut claims = issuer::claims(role);
    claims["sub"] = json!(sub);
    format!("Bearer {}", issuer::sign(&claims))
}

/// One HTTP call to `addr` as `authorization`, with the session secret when given.
async fn call(
    addr: std::net::SocketAddr,
    authorization: &str,
    method: &str,
    path: &str,
    secret: Option<&str>,
    body: Option<&Value>,
) -> Reply {
    let host = format!("127.0.0.1:{}", addr.port());
    let mut headers = vec![
        ("host", host.as_str()),
        ("authorization", authorization),
        ("content-type", "application/json"),
    ];
    if let Some(secret) = secret {
        headers.push((SESSION_SECRET_HEADER, secret));
    }
    let body = body.map(Value::to_string);
    raw_request(addr, method, path, &headers, body.as_deref()).await
}

/// Starts a card session on [`READER`] as `authorization`.
async fn start_session(addr: std::net::SocketAddr, authorization: &str) -> Session {
    let reply = call(
        addr,
        authorization,
        "POST",
        "/v1/card-sessions",
        None,
        Some(&json!({ "reader": READER })),
    )
    .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.json());
    let view = reply.json();
    Session {
        id: view["id"].as_str().unwrap().to_string(),
        secret: view["secret"].as_str().unwrap().to_string(),
    }
}

async fn wait_for_state(
    addr: std::net::SocketAddr,
    authorization: &str,
    session: &Session,
    state: &str,
) -> Value {
    let deadline = Instant::now() + STEP;
    loop {
        let path = format!("/v1/card-sessions/{}", session.id);
        let reply = call(
            addr,
            authorization,
            "GET",
            &path,
            Some(&session.secret),
            None,
        )
        .await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.json());
        let view = reply.json();
        if view["state"] == state {
            return view;
        }
        assert!(
            Instant::now() < deadline,
            "waiting for {state}, the session is {view}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Inserts `card` into the virtual reader through the gateway's sim route, enters its PIN
/// and waits for the session to be done; answers the done view.
async fn read_card(
    addr: std::net::SocketAddr,
    authorization: &str,
    session: &Session,
    card: &str,
    pin: &str,
) -> Value {
    let path = format!("/v1/sim/cards/{card}/insert");
    let inserted = call(addr, authorization, "POST", &path, None, None).await;
    assert_eq!(inserted.status, StatusCode::OK, "{}", inserted.json());
    wait_for_state(addr, authorization, session, "pin_required").await;
    let path = format!("/v1/card-sessions/{}/pin", session.id);
    let pin = call(
        addr,
        authorization,
        "POST",
        &path,
        Some(&session.secret),
        Some(&json!({ "pin": pin })),
    )
    .await;
    assert_eq!(pin.status, StatusCode::ACCEPTED, "{}", pin.json());
    wait_for_state(addr, authorization, session, "done").await
}

async fn remove_card(addr: std::net::SocketAddr, authorization: &str) {
    let removed = call(
        addr,
        authorization,
        "POST",
        "/v1/sim/cards/remove",
        None,
        None,
    )
    .await;
    assert_eq!(removed.status, StatusCode::OK, "{}", removed.json());
}

fn give_body(session: &Session, decisions: Value) -> Value {
    json!({ "session": session.id, "decisions": decisions })
}

async fn gateway_keys(gw: &TestGateway) -> KeySet {
    let reply = gw.get("/v1/keys").await;
    assert_eq!(reply.status, StatusCode::OK);
    KeySet::from_jwks(&reply.body).expect("a JWK Set")
}

// ---------------------------------------------------------------------------------------
// The kiosk flow over HTTP.

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_kiosk_records_reads_and_withdraws_consents() {
    let _reader = READER_LOCK.lock().await;
    ensure_pcscd();
    let clock = ManualClock::at(issuer::now());
    let mut gw = TestGateway::sim_with(Duration::from_millis(20), |config| {
        kiosk_config(config, &clock);
    })
    .await;
    let kiosk = issuer::bearer(Role::Kiosk);
    gw.authorization = kiosk.clone();
    let addr = gw.addr;

    // A session that has not confirmed anybody yet.
    let session = start_session(addr, &kiosk).await;
    let early = call(
        addr,
        &kiosk,
        "POST",
        "/v1/consents",
        Some(&session.secret),
        Some(&give_body(&session, json!({"medications": true}))),
    )
    .await;
    assert_eq!(early.status, StatusCode::CONFLICT, "{}", early.json());
    assert_eq!(early.error_code(), "session_not_done");

    let done = read_card(addr, &kiosk, &session, "card-01", "1234").await;
    assert_eq!(done["method"], "pin");

    // Refusals before anything is stored.
    let empty = call(
        addr,
        &kiosk,
        "POST",
        "/v1/consents",
        Some(&session.secret),
        Some(&give_body(&session, json!({}))),
    )
    .await;
    assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(empty.error_code(), "invalid_input");
    assert_eq!(empty.json()["error"]["fields"]["decisions"], "empty");
    let body = give_body(
        &session,
        json!({"medications": true, "checkups": false, "limit_certificate": true}),
    );
    let wrong = call(
        addr,
        &kiosk,
        "POST",
        "/v1/consents",
        Some("nope"),
        Some(&body),
    )
    .await;
    assert_eq!(wrong.status, StatusCode::FORBIDDEN);
    assert_eq!(wrong.error_code(), "session_secret_invalid");
    let missing = call(addr, &kiosk, "POST", "/v1/consents", None, Some(&body)).await;
    assert_eq!(missing.status, StatusCode::FORBIDDEN);
    // Another kiosk, even one that learnt the secret, cannot use this kiosk's session.
    let other_kiosk = bearer_as(Role::Kiosk, "kiosk-2");
    for (method, path, body) in [
        ("POST", "/v1/consents".to_string(), Some(&body)),
        ("GET", format!("/v1/consents?session={}", session.id), None),
    ] {
        let other = call(
            addr,
            &other_kiosk,
            method,
            &path,
            Some(&session.secret),
            body,
        )
        .await;
        assert_eq!(other.status, StatusCode::FORBIDDEN, "{method} {path}");
        assert_eq!(other.error_code(), "session_secret_invalid");
    }
    let unknown = call(
        addr,
        &kiosk,
        "GET",
        "/v1/consents?session=cs-unknown",
        Some(&session.secret),
        None,
    )
    .await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    // Other roles may not use the routes at all.
    for role in [Role::Reception, Role::Clinician, Role::Admin] {
        let bearer = issuer::bearer(role);
        for (method, path) in [
            ("POST", "/v1/consents".to_string()),
            ("GET", format!("/v1/consents?session={}", session.id)),
            ("DELETE", format!("/v1/consents/abc?session={}", session.id)),
        ] {
            let body = (method == "POST").then_some(&body);
            let reply = call(addr, &bearer, method, &path, Some(&session.secret), body).await;
            assert_eq!(reply.status, StatusCode::FORBIDDEN, "{role:?} {method}");
            assert_eq!(reply.error_code(), "role_not_allowed", "{role:?} {method}");
        }
    }

    // The consent.
    let given_at = clock.get();
    let created = call(
        addr,
        &kiosk,
        "POST",
        "/v1/consents",
        Some(&session.secret),
        Some(&body),
    )
    .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.json());
    let record: ConsentRecord = serde_json::from_slice(&created.body).unwrap();
    assert_eq!(record.id.len(), 32);
    assert_eq!(record.source, ConsentSource::Kiosk);
    assert_eq!(record.method, VerificationMethod::Pin);
    assert_eq!(record.given_at, given_at);
    assert_eq!(record.valid_until, given_at + VALIDITY_SECS);
    assert_eq!(record.decisions.medications, Some(true));
    assert_eq!(record.decisions.checkups, Some(false));
    assert_eq!(record.patient.len(), 32, "an opaque reference");
    let keys = gateway_keys(&gw).await;
    let claims = verify_receipt(
        record.receipt.as_deref().unwrap(),
        &keys,
        &record.id,
        clock.get(),
    )
    .expect("the receipt verifies against GET /v1/keys");
    assert_eq!(claims.facility, INSTITUTION_CODE);
    assert_eq!(claims.sub, record.patient);
    let text = String::from_utf8_lossy(&created.body);
    for leak in ["06139999", "card-01", "1234"] {
        assert!(!text.contains(leak), "{leak} in {text}");
    }

    let list_path = format!("/v1/consents?session={}", session.id);
    let listed = call(addr, &kiosk, "GET", &list_path, Some(&session.secret), None).await;
    assert_eq!(listed.status, StatusCode::OK, "{}", listed.json());
    let listed = listed.json();
    assert_eq!(listed["consents"][0]["id"], record.id.as_str());
    assert_eq!(
        listed["consents"][0]["receipt"],
        record.receipt.as_deref().unwrap()
    );
    assert_eq!(listed["states"]["medications"]["state"], "valid");
    assert_eq!(listed["states"]["medications"]["source"], "kiosk");
    assert_eq!(listed["states"]["checkups"]["state"], "refused");
    assert_eq!(listed["states"]["diagnoses"]["state"], "none");

    // The face reader reports a consent for the same patient: it is stored once, even when
    // the same file comes again, and the newest answer decides.
    clock.advance(60);
    let answer: onshi_core::api::QualificationAnswer =
        serde_json::from_value(done["answer"].clone()).unwrap();
    let face = gw.terminal_dir().join("face");
    let at = clock.get();
    let file = face_result(&answer, at, at + VALIDITY_SECS);
    std::fs::write(face.join("OQSsiquc01res_face_consent_1.xml"), &file).unwrap();
    let merged = poll_list(addr, &kiosk, &session, |list| {
        list["states"]["checkups"]["state"] == "valid"
    })
    .await;
    assert_eq!(merged["states"]["checkups"]["source"], "face_reader");
    assert_eq!(merged["states"]["medications"]["source"], "face_reader");
    let face_consent = merged["consents"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["source"] == "face_reader")
        .unwrap()
        .clone();
    assert_eq!(face_consent["method"], "face_recognition");
    assert_eq!(face_consent["given_at"], at);
    assert_eq!(face_consent["valid_until"], at + VALIDITY_SECS);
    std::fs::write(face.join("OQSsiquc01res_face_consent_1.xml"), &file).unwrap();
    common::eventually("the file taken in again", || {
        common::names_in(&face).is_empty()
    })
    .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let again = list_consents(addr, &kiosk, &session).await;
    assert_eq!(again["consents"].as_array().unwrap().len(), 2, "{again}");

    // Withdrawal of the kiosk consent: recorded once.
    clock.advance(60);
    let withdrawn_at = clock.get();
    let delete_path = format!("/v1/consents/{}?session={}", record.id, session.id);
    let first = call(
        addr,
        &kiosk,
        "DELETE",
        &delete_path,
        Some(&session.secret),
        None,
    )
    .await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.json());
    assert_eq!(first.json()["withdrawn_at"], withdrawn_at);
    clock.advance(5);
    let second = call(
        addr,
        &kiosk,
        "DELETE",
        &delete_path,
        Some(&session.secret),
        None,
    )
    .await;
    assert_eq!(second.status, StatusCode::OK);
    assert_eq!(
        second.json(),
        first.json(),
        "the same record, nothing added"
    );
    let unknown = format!("/v1/consents/{}?session={}", "0".repeat(32), session.id);
    let unknown = call(
        addr,
        &kiosk,
        "DELETE",
        &unknown,
        Some(&session.secret),
        None,
    )
    .await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    let after = list_consents(addr, &kiosk, &session).await;
    let kiosk_row = after["consents"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == record.id.as_str())
        .unwrap()
        .clone();
    assert_eq!(kiosk_row["withdrawn_at"], withdrawn_at);
    // The face reader's consent is newer, so it still decides; a new kiosk consent that
    // answers medications and is withdrawn makes medications withdrawn.
    assert_eq!(after["states"]["medications"]["source"], "face_reader");
    clock.advance(60);
    let newer = call(
        addr,
        &kiosk,
        "POST",
        "/v1/consents",
        Some(&session.secret),
        Some(&give_body(&session, json!({"medications": true}))),
    )
    .await;
    assert_eq!(newer.status, StatusCode::CREATED);
    let newer_id = newer.json()["id"].as_str().unwrap().to_string();
    clock.advance(60);
    let path = format!("/v1/consents/{newer_id}?session={}", session.id);
    let reply = call(addr, &kiosk, "DELETE", &path, Some(&session.secret), None).await;
    assert_eq!(reply.status, StatusCode::OK);
    let after = list_consents(addr, &kiosk, &session).await;
    assert_eq!(
        after["states"]["medications"]["state"], "withdrawn",
        "{after}"
    );
    assert_eq!(after["states"]["checkups"]["state"], "valid");

    // Expiry through the gateway's clock: a day later nothing is valid any more.
    clock.advance(VALIDITY_SECS);
    let later = list_consents(addr, &kiosk, &session).await;
    assert_eq!(later["states"]["checkups"]["state"], "expired", "{later}");
    assert_eq!(later["states"]["medications"]["state"], "withdrawn");

    // Every access is in the audit log, with the patient's reference.
    let admin = issuer::bearer(Role::Admin);
    let audit = call(addr, &admin, "GET", "/v1/audit?limit=500", None, None).await;
    assert_eq!(audit.status, StatusCode::OK, "{}", audit.json());
    let entries = audit.json()["entries"].as_array().unwrap().clone();
    for action in ["consent.give", "consent.read", "consent.withdraw"] {
        assert!(
            entries.iter().any(|e| e["action"] == action
                && e["outcome"] == "ok"
                && e["patient_ref"] == record.patient.as_str()),
            "no {action} entry"
        );
    }
    assert!(entries
        .iter()
        .any(|e| e["action"] == "consent.give" && e["outcome"] == "refused"));

    // A consent the store cannot keep, or whose access the audit log cannot record, is
    // answered 503 without a receipt and never counts.
    let before = list_consents(addr, &kiosk, &session).await["consents"]
        .as_array()
        .unwrap()
        .len();
    let db =
        rusqlite::Connection::open(gw.dir.path().join("data").join(store::STORE_FILE)).unwrap();
    let body = give_body(&session, json!({"operations": true}));
    for table in ["consents", "audit_log"] {
        db.execute_batch(&format!(
            "CREATE TRIGGER test_refuse BEFORE INSERT ON {table}
                 BEGIN SELECT RAISE(ABORT, 'refused by the test'); END;"
        ))
        .unwrap();
        let failed = call(
            addr,
            &kiosk,
            "POST",
            "/v1/consents",
            Some(&session.secret),
            Some(&body),
        )
        .await;
        db.execute_batch("DROP TRIGGER test_refuse").unwrap();
        assert_eq!(failed.status, StatusCode::SERVICE_UNAVAILABLE, "{table}");
        assert!(!String::from_utf8_lossy(&failed.body).contains("receipt"));
    }
    let after = list_consents(addr, &kiosk, &session).await;
    let consents = after["consents"].as_array().unwrap();
    assert_eq!(
        consents.len(),
        before + 1,
        "only the audit failure's row: {after}"
    );
    assert!(consents
        .iter()
        .all(|c| c["decisions"]["operations"].is_null() || c["withdrawn_at"].is_number()));
    assert_ne!(after["states"]["operations"]["state"], "valid");

    remove_card(addr, &kiosk).await;
    gw.stop().await;
}

/// A card session stands for the person at the kiosk only for a while after it confirmed
/// them (10 minutes by default; 1 s here).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_that_finished_too_long_ago_is_refused() {
    let _reader = READER_LOCK.lock().await;
    ensure_pcscd();
    let clock = ManualClock::at(issuer::now());
    let gw = TestGateway::sim_with(Duration::from_millis(20), |config| {
        kiosk_config(config, &clock);
        config.consent_session_max_age = Duration::from_secs(1);
    })
    .await;
    let kiosk = issuer::bearer(Role::Kiosk);
    let session = start_session(gw.addr, &kiosk).await;
    read_card(gw.addr, &kiosk, &session, "card-01", "1234").await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let body = give_body(&session, json!({"medications": true}));
    let posted = call(
        gw.addr,
        &kiosk,
        "POST",
        "/v1/consents",
        Some(&session.secret),
        Some(&body),
    )
    .await;
    assert_eq!(posted.status, StatusCode::CONFLICT, "{}", posted.json());
    assert_eq!(posted.error_code(), "session_too_old");
    let path = format!("/v1/consents?session={}", session.id);
    let listed = call(gw.addr, &kiosk, "GET", &path, Some(&session.secret), None).await;
    assert_eq!(listed.status, StatusCode::CONFLICT);
    assert_eq!(listed.error_code(), "session_too_old");
    remove_card(gw.addr, &kiosk).await;
    gw.stop().await;
}

async fn list_consents(addr: std::net::SocketAddr, kiosk: &str, session: &Session) -> Value {
    let path = format!("/v1/consents?session={}", session.id);
    let reply = call(addr, kiosk, "GET", &path, Some(&session.secret), None).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.json());
    reply.json()
}

async fn poll_list(
    addr: std::net::SocketAddr,
    kiosk: &str,
    session: &Session,
    done: impl Fn(&Value) -> bool,
) -> Value {
    let deadline = Instant::now() + STEP;
    loop {
        let list = list_consents(addr, kiosk, session).await;
        if done(&list) {
            return list;
        }
        assert!(Instant::now() < deadline, "not merged in time: {list}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// A face-reader result for the patient of `answer`, who consented at `at` to medications
/// and checkups (until `until`) and refused diagnoses.
fn face_result(answer: &onshi_core::api::QualificationAnswer, at: i64, until: i64) -> Vec<u8> {
    let mut record = answer.results[0].clone();
    let given = || {
        Some(ViewingConsent {
            flag: Some(ConsentFlag::Given),
            consent_time: Some(jst::ymdhms(jst::at(at))),
            available_time: Some(jst::ymdhms(jst::at(until))),
        })
    };
    record.viewing_consents = ViewingConsents {
        medications: given(),
        checkups: given(),
        diagnoses: Some(ViewingConsent {
            flag: Some(ConsentFlag::NotGiven),
            ..ViewingConsent::default()
        }),
        operations: None,
    };
    let mut response = QualificationResponse {
        validity: Some(QualificationValidity::Valid),
        results: vec![record],
        ..QualificationResponse::default()
    };
    response.header.segment_of_result = Some(SegmentOfResult::Completed);
    response.header.medical_institution_code = Some(INSTITUTION_CODE.to_string());
    response.header.process_execution_time = Some(jst::ymdhms(jst::at(at)));
    write_response(&response, XmlEncoding::Utf8).unwrap()
}

// ---------------------------------------------------------------------------------------
// The tables, on both backends.

suite!(
    consents_are_stored_once_and_withdrawn_once,
    the_consent_tables_are_append_only,
    kill_9_during_a_burst_of_consents_loses_no_answered_one,
);

fn consent(id: &str, patient: &str, given_at: i64) -> NewConsent {
    NewConsent {
        record: ConsentRecord {
            id: id.to_string(),
            patient: patient.to_string(),
            source: ConsentSource::Kiosk,
            method: VerificationMethod::VisualCheck,
            decisions: ConsentDecisions {
                medications: Some(true),
                diagnoses: Some(false),
                ..ConsentDecisions::default()
            },
            given_at,
            valid_until: given_at + VALIDITY_SECS,
            withdrawn_at: None,
            receipt: Some(format!("receipt-of-{id}")),
        },
        desk: "d1d1d1d1".to_string(),
        sub: Some("kiosk-1".to_string()),
    }
}

async fn consents_are_stored_once_and_withdrawn_once(place: Place) {
    let store = place.open().await;
    let t = 1_800_000_000;
    assert!(store
        .record_consent(consent("c2", "p1", t + 10))
        .await
        .unwrap());
    assert!(store.record_consent(consent("c1", "p1", t)).await.unwrap());
    assert!(store.record_consent(consent("c3", "p2", t)).await.unwrap());
    // The same id again (a face result read twice) stores nothing and keeps the first.
    let mut twice = consent("c1", "p1", t + 99);
    twice.record.receipt = None;
    assert!(!store.record_consent(twice).await.unwrap());
    let p1 = store.consents_of("p1").await.unwrap();
    assert_eq!(
        p1.iter().map(|c| c.id.as_str()).collect::<Vec<_>>(),
        ["c1", "c2"]
    );
    assert_eq!(p1[0], consent("c1", "p1", t).record);
    assert_eq!(store.consents_of("nobody").await.unwrap(), vec![]);

    let withdrawal = |at| Withdrawal {
        consent_id: "c1".to_string(),
        withdrawn_at: at,
        sub: "kiosk-1".to_string(),
        desk: "d1d1d1d1".to_string(),
    };
    assert!(store.record_withdrawal(withdrawal(t + 50)).await.unwrap());
    assert!(!store.record_withdrawal(withdrawal(t + 60)).await.unwrap());
    let c1 = store.consent("c1").await.unwrap().unwrap();
    assert_eq!(c1.withdrawn_at, Some(t + 50), "the first withdrawal stands");
    assert_eq!(
        store.consent("c2").await.unwrap().unwrap().withdrawn_at,
        None
    );
    assert_eq!(store.consent("c9").await.unwrap(), None);
    let unknown = Withdrawal {
        consent_id: "c9".to_string(),
        ..withdrawal(t)
    };
    assert!(store.record_withdrawal(unknown).await.is_err());
    // A second handle (another desk, or after a restart) reads the same.
    let other = place.open().await;
    assert_eq!(other.consents_of("p1").await.unwrap()[0], c1);
}

async fn the_consent_tables_are_append_only(place: Place) {
    let store = place.open().await;
    let t = 1_800_000_000;
    store.record_consent(consent("c1", "p1", t)).await.unwrap();
    store
        .record_withdrawal(Withdrawal {
            consent_id: "c1".to_string(),
            withdrawn_at: t + 1,
            sub: "kiosk-1".to_string(),
            desk: "d1".to_string(),
        })
        .await
        .unwrap();
    let statements = [
        "UPDATE consents SET valid_until = valid_until + 86400",
        "UPDATE consents SET decisions = '{\"medications\":true,\"checkups\":true}'",
        "DELETE FROM consents",
        "UPDATE consent_withdrawals SET withdrawn_at = 0",
        "DELETE FROM consent_withdrawals",
    ];
    for sql in statements {
        let refused = match &place.location {
            StoreLocation::Sqlite => {
                let conn =
                    rusqlite::Connection::open(place.data_dir.path().join(store::STORE_FILE))
                        .unwrap();
                conn.execute_batch(sql).map_err(|e| e.to_string())
            }
            StoreLocation::Postgres(url) => {
                let client = common::postgres::connect(url).await;
                client.batch_execute(sql).await.map_err(|e| {
                    e.as_db_error()
                        .map_or_else(|| e.to_string(), |db| db.message().to_string())
                })
            }
        };
        let err = refused.expect_err(sql);
        assert!(err.contains("append-only"), "{sql}: {err}");
    }
    if let StoreLocation::Postgres(url) = &place.location {
        let client = common::postgres::connect(url).await;
        for table in ["consents", "consent_withdrawals"] {
            let err = client
                .batch_execute(&format!("TRUNCATE {table} CASCADE"))
                .await
                .unwrap_err();
            assert!(
                format!("{err:?}").contains("append-only"),
                "{table}: {err:?}"
            );
        }
    }
    let c1 = store.consent("c1").await.unwrap().unwrap();
    assert_eq!(c1.valid_until, t + VALIDITY_SECS);
    assert_eq!(c1.withdrawn_at, Some(t + 1));
}

// ---------------------------------------------------------------------------------------
// kill -9 while consents are being given.

/// The child side of the crash test: a gateway on the data folder and store the parent
/// names (`<store>|<data dir>`, the store `sqlite` or a PostgreSQL URL) that reads card-01
/// for a kiosk and prints `ready <port> <session id> <secret>`, then serves until killed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn consent_gateway_child() {
    let Ok(target) = std::env::var(CHILD_ENV) else {
        return;
    };
    let (store_text, dir) = target.split_once('|').unwrap();
    let clock = ManualClock::at(issuer::now());
    let mut config = Config::new(
        Mode::Sim {
            latency: Duration::from_millis(20),
        },
        dir,
        INSTITUTION_CODE,
    );
    kiosk_config(&mut config, &clock);
    config.clock = Clock::system();
    config.trusted_keys = issuer::key_set();
    config.store = StoreLocation::parse(store_text).unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let gateway = Gateway::bind(config, listener).await.unwrap();
    let addr = gateway.local_addr();
    let server = tokio::spawn(gateway.run(std::future::pending()));
    let kiosk = issuer::bearer(Role::Kiosk);
    let session = start_session(addr, &kiosk).await;
    read_card(addr, &kiosk, &session, "card-01", "1234").await;
    println!("ready {} {} {}", addr.port(), session.id, session.secret);
    let _ = server.await;
}

/// A child process that is killed with SIGKILL (and reaped) when dropped.
struct Killed(std::process::Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

async fn kill_9_during_a_burst_of_consents_loses_no_answered_one(place: Place) {
    let _reader = READER_LOCK.lock().await;
    ensure_pcscd();
    let store_text = match &place.location {
        StoreLocation::Sqlite => "sqlite".to_string(),
        StoreLocation::Postgres(url) => url.clone(),
    };
    let data_dir = place.data_dir.path().join("data");
    let target = format!("{store_text}|{}", data_dir.display());
    let started = Instant::now();
    let mut answered: Vec<ConsentRecord> = Vec::new();
    let mut seed = (issuer::now() as u64) ^ 0x9e37_79b9_7f4a_7c15;
    for round in 0..3 {
        let child_log = place.data_dir.path().join(format!("child-{round}.log"));
        let mut child = Killed(
            Command::new(std::env::current_exe().unwrap())
                .args([
                    "--exact",
                    "consent_gateway_child",
                    "--nocapture",
                    "--test-threads",
                    "1",
                ])
                .env(CHILD_ENV, &target)
                .stdout(Stdio::piped())
                .stderr(std::fs::File::create(&child_log).unwrap())
                .spawn()
                .unwrap(),
        );
        let stdout = child.0.stdout.take().unwrap();
        let (ready_tx, ready_rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                // The harness may print `test consent_gateway_child ... ` on the same line.
                if let Some((_, rest)) = line.split_once("ready ") {
                    let _ = ready_tx.send(rest.trim().to_string());
                }
            }
        });
        let ready = tokio::task::spawn_blocking(move || ready_rx.recv_timeout(STEP * 2))
            .await
            .unwrap()
            .unwrap_or_else(|_| {
                let log = std::fs::read_to_string(&child_log).unwrap_or_default();
                let tail: Vec<&str> = log.lines().rev().take(30).collect();
                panic!(
                    "round {round}: the child gateway never read the card; its stderr ends:\n{}",
                    tail.into_iter().rev().collect::<Vec<_>>().join("\n")
                )
            });
        let mut parts = ready.split(' ');
        let port: u16 = parts.next().unwrap().parse().unwrap();
        let session = Session {
            id: parts.next().unwrap().to_string(),
            secret: parts.next().unwrap().to_string(),
        };
        let addr: std::net::SocketAddr = ([127, 0, 0, 1], port).into();

        // Four kiosks' worth of POSTs at once until the child dies.
        let got = Arc::new(std::sync::Mutex::new(Vec::<ConsentRecord>::new()));
        let mut senders = Vec::new();
        for _ in 0..4 {
            let (got, session) = (Arc::clone(&got), session.clone());
            senders.push(tokio::spawn(async move {
                let kiosk = issuer::bearer(Role::Kiosk);
                let body = give_body(&session, json!({"medications": true, "checkups": true}));
                loop {
                    let reply = post_or_die(addr, &kiosk, &session.secret, &body).await;
                    match reply {
                        Some((StatusCode::CREATED, bytes)) => got
                            .lock()
                            .unwrap()
                            .push(serde_json::from_slice(&bytes).unwrap()),
                        Some((status, bytes)) => {
                            panic!("unexpected {status}: {}", String::from_utf8_lossy(&bytes))
                        }
                        None => break,
                    }
                }
            }));
        }
        // Wait for the first answers, then kill at a random moment.
        let burst = Instant::now();
        while got.lock().unwrap().is_empty() {
            assert!(burst.elapsed() < STEP, "round {round}: no consent answered");
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        seed = seed
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        tokio::time::sleep(Duration::from_millis(50 + (seed >> 33) % 400)).await;
        drop(child); // SIGKILL
        for sender in senders {
            sender.await.unwrap();
        }
        // The killed gateway's virtual card went with it; the next one inserts its own
        // only once pcscd has seen this one leave the reader.
        tokio::task::spawn_blocking(wait_for_empty_reader)
            .await
            .unwrap();
        let round_answered = std::mem::take(&mut *got.lock().unwrap());
        answered.extend(round_answered.iter().cloned());

        // Every consent answered with a 201 is there, receipt and all.
        let store = place_store(&place, &data_dir).await;
        let key = GatewayKey::load_or_create(&data_dir).unwrap();
        let stored = store.consents_of(&answered[0].patient).await.unwrap();
        for record in &answered {
            let found = stored
                .iter()
                .find(|s| s.id == record.id)
                .unwrap_or_else(|| panic!("round {round}: answered consent {} lost", record.id));
            assert_eq!(found, record);
            verify_receipt(
                found.receipt.as_deref().unwrap(),
                &key.key_set(),
                &found.id,
                found.given_at,
            )
            .unwrap();
        }
        eprintln!(
            "kill -9 round {round}: {} answered this round, {} stored in all, {:?}",
            round_answered.len(),
            stored.len(),
            started.elapsed()
        );
    }
}

/// Waits (up to 10 s) until PC/SC sees no card in [`READER`].
fn wait_for_empty_reader() {
    let readers = Readers::establish().unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    while readers.watch(READER, Duration::from_millis(200)).unwrap() != Presence::Absent {
        assert!(
            Instant::now() < deadline,
            "pcscd still sees the killed gateway's card"
        );
    }
}

async fn place_store(place: &Place, data_dir: &Path) -> Arc<dyn Store> {
    store::open(&place.location, data_dir).await.unwrap()
}

/// One consent POST; `None` once the gateway is gone (connection refused or cut).
async fn post_or_die(
    addr: std::net::SocketAddr,
    kiosk: &str,
    secret: &str,
    body: &Value,
) -> Option<(StatusCode, Vec<u8>)> {
    use http_body_util::{BodyExt, Full};
    use hyper::body::Bytes;
    use hyper_util::rt::TokioIo;
    let stream = tokio::net::TcpStream::connect(addr).await.ok()?;
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .ok()?;
    tokio::spawn(connection);
    let request = hyper::Request::builder()
        .method("POST")
        .uri("/v1/consents")
        .header("host", format!("127.0.0.1:{}", addr.port()))
        .header("authorization", kiosk)
        .header("content-type", "application/json")
        .header(SESSION_SECRET_HEADER, secret)
        .body(Full::new(Bytes::from(body.to_string())))
        .unwrap();
    let response = sender.send_request(request).await.ok()?;
    let status = response.status();
    let bytes = response
        .into_body()
        .collect()
        .await
        .ok()?
        .to_bytes()
        .to_vec();
    Some((status, bytes))
}
