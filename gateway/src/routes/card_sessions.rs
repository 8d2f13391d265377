//! `POST /v1/card-sessions`, `GET|DELETE /v1/card-sessions/{id}`, `POST …/{id}/pin`,
//! `POST …/{id}/visual-check` (contract: `onshi_core::card_session`).
//!
//! The PIN body is read by hand: a serde error would quote the value (`invalid type:
//! integer 1234`), and the PIN must never come back in an answer.

use std::collections::BTreeMap;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::Json;
use onshi_core::api::ErrorCode;
use onshi_core::card_session::{
    CardSessionState, CardSessionView, PinEntry, StartCardSession, VisualCheck,
    SESSION_SECRET_HEADER,
};
use onshi_core::jpki::Pin;
use zeroize::{Zeroize, Zeroizing};

use crate::api_error::ApiFailure;
use crate::audit::access;
use crate::auth::Who;
use crate::card_session::{CardSessions, SessionFailure};
use crate::server::AppState;

type Answer = Result<(StatusCode, Json<CardSessionView>), ApiFailure>;

pub async fn start_session(State(state): State<AppState>, who: Who, body: Bytes) -> Answer {
    let result = start(&state, &who, body).await;
    audited(&state, &who, "card_session.start", result).await
}

pub async fn get_session(
    State(state): State<AppState>,
    who: Who,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Answer {
    let result = get(&state, &id, &headers);
    audited(&state, &who, "card_session.read", result).await
}

pub async fn cancel_session(
    State(state): State<AppState>,
    who: Who,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Answer {
    let result = cancel(&state, &id, &headers).await;
    audited(&state, &who, "card_session.cancel", result).await
}

pub async fn enter_pin(
    State(state): State<AppState>,
    who: Who,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Answer {
    let result = pin(&state, &id, &headers, body);
    audited(&state, &who, "card_session.pin", result).await
}

pub async fn visual_check(
    State(state): State<AppState>,
    who: Who,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Answer {
    let result = visual(&state, &id, &headers, &body);
    audited(&state, &who, "card_session.visual_check", result).await
}

/// Records the access, then lets the answer go: a view holding a confirmed result names
/// its patient (by reference); one that could not be recorded is not sent.
async fn audited(state: &AppState, who: &Who, action: &str, result: Answer) -> Answer {
    let mut entry = who.entry(action);
    match &result {
        Ok((_, Json(view))) => {
            if let CardSessionState::Done { answer, .. } = &view.state {
                entry.patient_ref =
                    access::answer_patient_key(answer).map(|key| state.audit.patient_ref(&key));
            }
            state.audit.record_or_refuse(entry).await?;
        }
        Err(failure) => {
            let _ = state
                .audit
                .record_or_refuse(access::ended_with(entry, failure))
                .await;
        }
    }
    result
}

async fn start(state: &AppState, who: &Who, body: Bytes) -> Answer {
    let sessions = sessions(state)?;
    // A confirmed result is queued in the store; refuse before a patient enters a PIN for
    // a result that could not be kept.
    store_reachable(state)?;
    let request = if body.iter().all(u8::is_ascii_whitespace) {
        StartCardSession::default()
    } else {
        serde_json::from_slice::<StartCardSession>(&body).map_err(|err| {
            ApiFailure::new(
                StatusCode::BAD_REQUEST,
                ErrorCode::BadRequest,
                format!("the body must be {{}} or {{\"reader\":\"<PC/SC reader name>\"}}: {err}"),
            )
        })?
    };
    let view = sessions
        .start(request, &who.caller.sub)
        .await
        .map_err(failure)?;
    Ok((StatusCode::CREATED, Json(view)))
}

fn get(state: &AppState, id: &str, headers: &HeaderMap) -> Answer {
    let sessions = owned_sessions(state, id, headers)?;
    let view = sessions
        .get(id)
        .ok_or_else(|| failure(SessionFailure::NotFound))?;
    Ok((StatusCode::OK, Json(view)))
}

async fn cancel(state: &AppState, id: &str, headers: &HeaderMap) -> Answer {
    let sessions = owned_sessions(state, id, headers)?;
    let view = sessions.cancel(id).await.map_err(failure)?;
    Ok((StatusCode::OK, Json(view)))
}

fn pin(state: &AppState, id: &str, headers: &HeaderMap, body: Bytes) -> Answer {
    // The body holds the PIN: copy it into memory that is wiped when this returns.
    let body = Zeroizing::new(Vec::from(body));
    let sessions = owned_sessions(state, id, headers)?;
    let (pin, confirmed) = parse_pin(&body)?;
    let view = sessions.submit_pin(id, pin, confirmed).map_err(failure)?;
    Ok((StatusCode::ACCEPTED, Json(view)))
}

fn visual(state: &AppState, id: &str, headers: &HeaderMap, body: &[u8]) -> Answer {
    let sessions = owned_sessions(state, id, headers)?;
    let check: VisualCheck = serde_json::from_slice(body).map_err(|_| {
        ApiFailure::new(
            StatusCode::BAD_REQUEST,
            ErrorCode::BadRequest,
            "the body must be {\"staff_confirmed\": true}",
        )
    })?;
    if !check.staff_confirmed {
        return Err(invalid(
            "staff_confirmed",
            "must_be_true",
            "a visual check needs a staff member to confirm they compared the face with the \
             card photo (staff_confirmed: true)",
        ));
    }
    let view = sessions.visual_check(id).map_err(failure)?;
    Ok((StatusCode::ACCEPTED, Json(view)))
}

/// The sessions, once the request proved it holds session `id`'s secret.
fn owned_sessions<'a>(
    state: &'a AppState,
    id: &str,
    headers: &HeaderMap,
) -> Result<&'a CardSessions, ApiFailure> {
    let sessions = sessions(state)?;
    let secret = headers
        .get(SESSION_SECRET_HEADER)
        .and_then(|v| v.to_str().ok());
    sessions.authorize(id, secret).map_err(failure)?;
    Ok(sessions)
}

/// `{"pin":"1234","confirm_last_try":true}` → a [`Pin`] and the confirmation; every
/// failure has a fixed message.
fn parse_pin(body: &[u8]) -> Result<(Pin, bool), ApiFailure> {
    let mut entry: PinEntry = serde_json::from_slice(body).map_err(|_| {
        ApiFailure::new(
            StatusCode::BAD_REQUEST,
            ErrorCode::BadRequest,
            "the body must be {\"pin\": \"<4 digits>\"}",
        )
    })?;
    let pin = Pin::parse(&entry.pin);
    entry.pin.zeroize();
    let pin = pin.map_err(|err| invalid("pin", "format", &err.to_string()))?;
    Ok((pin, entry.confirm_last_try))
}

fn invalid(field: &str, problem: &str, message: &str) -> ApiFailure {
    let mut fields = BTreeMap::new();
    fields.insert(field.to_string(), problem.to_string());
    ApiFailure::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        ErrorCode::InvalidInput,
        message,
    )
    .with_fields(fields)
}

fn sessions(state: &AppState) -> Result<&CardSessions, ApiFailure> {
    state.card_sessions.as_ref().ok_or_else(|| {
        ApiFailure::new(
            StatusCode::SERVICE_UNAVAILABLE,
            ErrorCode::TerminalUnavailable,
            "card sessions are not available with --terminal-dir: a card authentication must \
             reach the national side through the 資格確認端末, and the terminal's file \
             interface has no documented way for the EMR side to submit one. Use the \
             face-recognition card reader (its results arrive on GET /v1/events) or run \
             the gateway with --sim",
        )
    })
}

fn store_reachable(state: &AppState) -> Result<(), ApiFailure> {
    if state.reception.store_health().reachable {
        Ok(())
    } else {
        Err(ApiFailure::new(
            StatusCode::SERVICE_UNAVAILABLE,
            ErrorCode::StoreUnavailable,
            "the gateway's store cannot be reached, so a card result could not be queued; \
             try again when GET /v1/health reports the store reachable",
        ))
    }
}

fn failure(failure: SessionFailure) -> ApiFailure {
    let (status, code) = match &failure {
        SessionFailure::NotFound => (StatusCode::NOT_FOUND, ErrorCode::NotFound),
        SessionFailure::Active(_) => (StatusCode::CONFLICT, ErrorCode::SessionActive),
        SessionFailure::NotWaiting(_) => (StatusCode::CONFLICT, ErrorCode::SessionNotWaiting),
        SessionFailure::ReaderUnavailable(_) => (
            StatusCode::SERVICE_UNAVAILABLE,
            ErrorCode::ReaderUnavailable,
        ),
        SessionFailure::Internal(_) => (StatusCode::INTERNAL_SERVER_ERROR, ErrorCode::Internal),
        SessionFailure::Secret => (StatusCode::FORBIDDEN, ErrorCode::SessionSecretInvalid),
        SessionFailure::LastTryNotConfirmed => {
            (StatusCode::CONFLICT, ErrorCode::LastTryNotConfirmed)
        }
    };
    ApiFailure::new(status, code, failure.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn malformed_pins_never_come_back_in_the_answer() {
        for body in [
            &br#"{"pin":1234}"#[..],
            br#"{"pin":"98765"}"#,
            br#"{"pin":"12a4"}"#,
            br#"{"pin":["4321"]}"#,
            b"4321",
        ] {
            let failure = parse_pin(body).map(|_| ()).unwrap_err();
            let text = format!("{} {:?}", failure.message, failure.fields);
            for secret in ["1234", "98765", "12a4", "4321"] {
                assert!(!text.contains(secret), "{text}");
            }
        }
        let format = parse_pin(br#"{"pin":"123"}"#).map(|_| ()).unwrap_err();
        assert_eq!(format.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(format.fields["pin"], "format");
        assert!(parse_pin(br#"{"pin":"0000"}"#).is_ok());
    }

    #[test]
    fn session_failures_map_to_contract_statuses() {
        let active = failure(SessionFailure::Active("cs-1".into()));
        assert_eq!(active.status, StatusCode::CONFLICT);
        assert_eq!(active.code, ErrorCode::SessionActive);
        let reader = failure(SessionFailure::ReaderUnavailable(
            "PC/SC service (pcscd) is not running".into(),
        ));
        assert_eq!(reader.status, StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(reader.message, "PC/SC service (pcscd) is not running");
    }
}
