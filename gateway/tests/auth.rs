//! Who is calling, over real HTTP: the EMR's credential on every route but health, the
//! role table cell by cell, event-stream tickets, and what the 401s say.

mod common;

use std::time::Duration;

use common::issuer::{self, bearer, claims, sign, sign_with};
use common::sse::SseClient;
use common::TestGateway;
use hyper::StatusCode;
use onshi_core::jose::encode;
use onshi_core::roles::Role;
use p256::ecdsa::SigningKey;
use serde_json::json;

async fn gateway() -> TestGateway {
    TestGateway::terminal(Duration::from_secs(2)).await
}

/// A caller of the matrix: a role, and for clinicians a licence.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Who {
    Reception,
    Physician,
    Nurse,
    Kiosk,
    Admin,
}

const EVERYONE: [Who; 5] = [
    Who::Reception,
    Who::Physician,
    Who::Nurse,
    Who::Kiosk,
    Who::Admin,
];

fn credential(who: Who) -> String {
    let (role, licence) = match who {
        Who::Reception => (Role::Reception, None),
        Who::Physician => (Role::Clinician, Some("physician")),
        Who::Nurse => (Role::Clinician, Some("nurse")),
        Who::Kiosk => (Role::Kiosk, None),
        Who::Admin => (Role::Admin, None),
    };
    let mut c = claims(role);
    if let Some(licence) = licence {
        c["licence"] = json!(licence);
    }
    format!("Bearer {}", sign(&c))
}

/// Status of `method path` for `who`; event streams are opened and closed again.
async fn status_for(gw: &TestGateway, who: Who, method: &str, path: &str) -> StatusCode {
    let auth = credential(who);
    if path.starts_with("/v1/events") {
        let stream = SseClient::open(
            gw.addr,
            path,
            &[("host", &gw.host()), ("authorization", &auth)],
        )
        .await;
        return stream.status;
    }
    let body = (method == "POST").then_some("{}");
    gw.send(
        method,
        path,
        &[
            ("authorization", &auth),
            ("content-type", "application/json"),
        ],
        body,
    )
    .await
    .status
}

/// The role table as issued, written out by hand (not read from core) so the gateway is
/// checked against the issue, cell by cell.
#[tokio::test]
async fn every_role_on_every_route() {
    use Who::*;
    let gw = gateway().await;
    let cells: [(&str, &str, &[Who]); 12] = [
        ("POST", "/v1/qualifications", &[Reception, Physician, Nurse]),
        (
            "GET",
            "/v1/qualifications/queue/q-1",
            &[Reception, Physician, Nurse],
        ),
        ("GET", "/v1/reception-queue", &[Reception, Physician, Nurse]),
        ("GET", "/v1/events", &[Reception, Physician, Nurse, Kiosk]),
        (
            "POST",
            "/v1/event-tickets",
            &[Reception, Physician, Nurse, Kiosk],
        ),
        (
            "POST",
            "/v1/card-sessions",
            &[Reception, Physician, Nurse, Kiosk],
        ),
        (
            "GET",
            "/v1/card-sessions/cs-1",
            &[Reception, Physician, Nurse, Kiosk],
        ),
        (
            "DELETE",
            "/v1/card-sessions/cs-1",
            &[Reception, Physician, Nurse, Kiosk],
        ),
        (
            "POST",
            "/v1/card-sessions/cs-1/pin",
            &[Reception, Physician, Nurse, Kiosk],
        ),
        (
            "POST",
            "/v1/card-sessions/cs-1/visual-check",
            &[Reception, Physician, Nurse, Kiosk],
        ),
        ("GET", "/v1/keys", &EVERYONE),
        ("GET", "/v1/audit", &[Admin]),
    ];
    let mut checked = 0;
    for (method, path, allowed) in cells {
        for who in EVERYONE {
            let status = status_for(&gw, who, method, path).await;
            if allowed.contains(&who) {
                // Past the role check: whatever the route itself answers (422, 404, 503…).
                assert!(
                    status != StatusCode::FORBIDDEN && status != StatusCode::UNAUTHORIZED,
                    "{who:?} {method} {path}: {status}"
                );
            } else {
                assert_eq!(status, StatusCode::FORBIDDEN, "{who:?} {method} {path}");
            }
            checked += 1;
        }
    }
    // Health is open to all, with or without a credential.
    for who in EVERYONE {
        assert_eq!(
            status_for(&gw, who, "GET", "/v1/health").await,
            StatusCode::OK
        );
    }
    assert_eq!(
        gw.send_exact("GET", "/v1/health", &[], None).await.status,
        StatusCode::OK
    );
    println!("role × route cells checked: {checked}");
    gw.stop().await;
}

#[tokio::test]
async fn a_refusal_names_the_rule() {
    let gw = gateway().await;
    let kiosk = credential(Who::Kiosk);
    let reply = gw
        .send(
            "GET",
            "/v1/reception-queue",
            &[("authorization", &kiosk)],
            None,
        )
        .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    assert_eq!(reply.error_code(), "role_not_allowed");
    assert!(
        reply.error_message().contains("kiosk"),
        "{}",
        reply.error_message()
    );
    gw.stop().await;
}

#[tokio::test]
async fn no_route_but_health_answers_without_a_credential() {
    let gw = gateway().await;
    for (method, path) in [
        ("POST", "/v1/qualifications"),
        ("GET", "/v1/qualifications/queue/q-1"),
        ("GET", "/v1/reception-queue"),
        ("GET", "/v1/events"),
        ("POST", "/v1/event-tickets"),
        ("POST", "/v1/card-sessions"),
        ("GET", "/v1/card-sessions/cs-1"),
        ("GET", "/v1/no-such-route"),
    ] {
        let reply = gw.send_exact(method, path, &[], None).await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{method} {path}");
        assert_eq!(reply.error_code(), "credential_missing");
        assert!(reply
            .header("www-authenticate")
            .is_some_and(|v| v.starts_with("Bearer")));
    }
    let health = gw.send_exact("GET", "/v1/health", &[], None).await.json();
    let text = health.to_string();
    assert!(!text.contains("name") && !text.contains("birth"), "{text}");
    gw.stop().await;
}

#[tokio::test]
async fn bad_credentials_get_their_codes() {
    let gw = gateway().await;
    let good = claims(Role::Reception);
    let foreign_key = SigningKey::from_slice(&[0x17; 32]).unwrap();
    let expired = {
        let mut c = good.clone();
        c["iat"] = json!(issuer::now() - 3600);
        c["exp"] = json!(issuer::now() - 120);
        sign(&c)
    };
    let unsigned = |header: serde_json::Value, signature: &[u8]| {
        format!(
            "{}.{}.{}",
            encode(header.to_string().as_bytes()),
            encode(good.to_string().as_bytes()),
            encode(signature)
        )
    };
    let cases: Vec<(&str, String, &str)> = vec![
        ("expired", expired, "credential_expired"),
        (
            "forged (another key, same kid)",
            sign_with(&good, &foreign_key, issuer::KID),
            "credential_invalid",
        ),
        (
            "unknown kid",
            sign_with(&good, &issuer::signing_key(), "other-emr"),
            "credential_invalid",
        ),
        (
            "alg none",
            unsigned(json!({"alg": "none", "kid": issuer::KID}), b""),
            "credential_invalid",
        ),
        (
            "HS256",
            unsigned(json!({"alg": "HS256", "kid": issuer::KID}), &[1; 32]),
            "credential_invalid",
        ),
        (
            "r = s = 0",
            unsigned(json!({"alg": "ES256", "kid": issuer::KID}), &[0; 64]),
            "credential_invalid",
        ),
        (
            "wrong audience",
            {
                let mut c = good.clone();
                c["aud"] = json!("another-gateway");
                sign(&c)
            },
            "credential_invalid",
        ),
        (
            "not yet valid",
            {
                let mut c = good.clone();
                c["nbf"] = json!(issuer::now() + 600);
                sign(&c)
            },
            "credential_invalid",
        ),
        ("garbage", "not-a-token".to_string(), "credential_invalid"),
    ];
    for (what, token, code) in cases {
        let auth = format!("Bearer {token}");
        let reply = gw
            .send(
                "GET",
                "/v1/reception-queue",
                &[("authorization", &auth)],
                None,
            )
            .await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{what}");
        assert_eq!(reply.error_code(), code, "{what}");
        assert!(
            !reply.error_message().contains(&token),
            "{what}: the token echoed"
        );
    }
    let basic = gw
        .send(
            "GET",
            "/v1/reception-queue",
            &[("authorization", "Basic dXNlcjpwYXNz")],
            None,
        )
        .await;
    assert_eq!(basic.error_code(), "credential_invalid");
    gw.stop().await;
}

#[tokio::test]
async fn event_stream_tickets_work_once_and_only_there() {
    let gw = gateway().await;
    let issued = gw.post_json("/v1/event-tickets", &json!({})).await;
    assert_eq!(issued.status, StatusCode::CREATED);
    let ticket = issued.json()["ticket"].as_str().unwrap().to_string();
    assert_eq!(issued.json()["expires_in_secs"], 30);
    let host = gw.host();
    let path = format!("/v1/events?ticket={ticket}&after=0");
    let stream = SseClient::open(gw.addr, &path, &[("host", &host)]).await;
    assert_eq!(stream.status, StatusCode::OK);
    drop(stream);
    let again = SseClient::open(gw.addr, &path, &[("host", &host)]).await;
    assert_eq!(again.status, StatusCode::UNAUTHORIZED);
    // A ticket opens the stream, nothing else.
    let other = gw.post_json("/v1/event-tickets", &json!({})).await.json()["ticket"]
        .as_str()
        .unwrap()
        .to_string();
    let elsewhere = gw
        .send_exact(
            "GET",
            &format!("/v1/reception-queue?ticket={other}"),
            &[],
            None,
        )
        .await;
    assert_eq!(elsewhere.status, StatusCode::UNAUTHORIZED);
    assert_eq!(elsewhere.error_code(), "credential_missing");
    // The credential itself in the URL is not a way in.
    let in_url = gw
        .send_exact(
            "GET",
            &format!(
                "/v1/reception-queue?access_token={}",
                issuer::credential(Role::Reception)
            ),
            &[],
            None,
        )
        .await;
    assert_eq!(in_url.status, StatusCode::UNAUTHORIZED);
    // A stream with a credential from another issuer is refused.
    let foreign = sign_with(
        &claims(Role::Reception),
        &SigningKey::from_slice(&[0x18; 32]).unwrap(),
        issuer::KID,
    );
    let foreign = SseClient::open(
        gw.addr,
        "/v1/events",
        &[
            ("host", &host),
            ("authorization", &format!("Bearer {foreign}")),
        ],
    )
    .await;
    assert_eq!(foreign.status, StatusCode::UNAUTHORIZED);
    // An admin may not even get a ticket: it sees neither queue nor card sessions.
    let admin = gw
        .send(
            "POST",
            "/v1/event-tickets",
            &[("authorization", &bearer(Role::Admin))],
            None,
        )
        .await;
    assert_eq!(admin.status, StatusCode::FORBIDDEN);
    gw.stop().await;
}

#[tokio::test]
async fn a_stream_ends_when_its_credential_does() {
    let gw = gateway().await;
    let mut short = claims(Role::Reception);
    short["exp"] = json!(issuer::now() + 2);
    let auth = format!("Bearer {}", sign(&short));
    let mut stream = SseClient::open(
        gw.addr,
        "/v1/events",
        &[("host", &gw.host()), ("authorization", &auth)],
    )
    .await;
    assert_eq!(stream.status, StatusCode::OK);
    let started = std::time::Instant::now();
    // Keep-alives may arrive; the stream must end (None) within a generous bound.
    while stream.next_event(Duration::from_secs(20)).await.is_some() {}
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "the stream outlived its credential"
    );
    gw.stop().await;
}
