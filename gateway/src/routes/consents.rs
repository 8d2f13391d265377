//! `POST /v1/consents`, `GET /v1/consents?session=…`, `DELETE /v1/consents/{id}?session=…`
//! (kiosk role; contract: `onshi_core::consent`).
//!
//! Every call names the card session that authenticated the patient at this kiosk, with
//! the session's secret in `x-onshi-session-secret`: the session must be the caller's own,
//! finished with a confirmed patient ([`CardSessionState::Done`] with insurance numbers)
//! at most [`SESSION_MAX_AGE`] ago. The patient is that session's (as an opaque
//! reference), never one the request names, so a kiosk can only ever read or change the
//! consents of the patient whose card was just read on it.
//!
//! A consent is stored durably and the access written to the audit log before the `201`;
//! if either cannot be recorded the answer is 503 and no receipt is handed out (a consent
//! stored before the audit log failed is withdrawn at once, so it never counts).

use std::collections::BTreeMap;
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::Json;
use onshi_core::api::ErrorCode;
use onshi_core::card_session::{CardSessionState, VerificationMethod, SESSION_SECRET_HEADER};
use onshi_core::consent::{ConsentOverview, ConsentRecord, GiveConsent};
use serde::Deserialize;
use tracing::warn;

use crate::api_error::ApiFailure;
use crate::audit::access;
use crate::auth::Who;
use crate::card_session::SessionFailure;
use crate::consents::{kiosk_consent, new_id};
use crate::server::AppState;
use crate::store::{NewConsent, StoreError, Withdrawal};

/// How long after a card session confirmed its patient it may still stand for the person
/// at the kiosk (the default of `Config::consent_session_max_age`).
pub const SESSION_MAX_AGE: Duration = Duration::from_secs(10 * 60);

#[derive(Debug, Deserialize)]
pub struct SessionQuery {
    session: Option<String>,
}

/// The patient a card session confirmed.
struct SessionPatient {
    patient_ref: String,
    method: VerificationMethod,
}

pub async fn give_consent(
    State(state): State<AppState>,
    who: Who,
    headers: HeaderMap,
    body: Bytes,
) -> Result<(StatusCode, Json<ConsentRecord>), ApiFailure> {
    let mut patient_ref = None;
    let result = give(&state, &who, &headers, &body, &mut patient_ref).await;
    let stored = result
        .as_ref()
        .ok()
        .map(|(_, Json(record))| record.id.clone());
    let answer = audited(&state, &who, "consent.give", patient_ref, result).await;
    if let (Err(_), Some(id)) = (&answer, stored) {
        // Stored, but the access could not be logged, so the patient is told it failed
        // and gets no receipt: the stored row must not stand as a consent either. Rows are
        // never changed, so it is withdrawn at once (best effort; logged if even that fails).
        let withdrawal = Withdrawal {
            consent_id: id,
            withdrawn_at: state.clock.unix_seconds(),
            sub: who.caller.sub.clone(),
            desk: state.audit.desk().to_string(),
        };
        if let Err(err) = state.reception.store().record_withdrawal(withdrawal).await {
            warn!("a consent whose access could not be logged could not be withdrawn: {err}");
        }
    }
    answer
}

pub async fn list_consents(
    State(state): State<AppState>,
    who: Who,
    headers: HeaderMap,
    Query(query): Query<SessionQuery>,
) -> Result<Json<ConsentOverview>, ApiFailure> {
    let mut patient_ref = None;
    let result = list(&state, &who, &headers, query, &mut patient_ref).await;
    audited(&state, &who, "consent.read", patient_ref, result).await
}

pub async fn withdraw_consent(
    State(state): State<AppState>,
    who: Who,
    Path(id): Path<String>,
    headers: HeaderMap,
    Query(query): Query<SessionQuery>,
) -> Result<Json<ConsentRecord>, ApiFailure> {
    let mut patient_ref = None;
    let result = withdraw(&state, &who, &id, &headers, query, &mut patient_ref).await;
    audited(&state, &who, "consent.withdraw", patient_ref, result).await
}

/// Records the access (with the patient's reference once the session named one), then
/// lets the answer go; an answer whose access could not be recorded is not sent.
async fn audited<T>(
    state: &AppState,
    who: &Who,
    action: &str,
    patient_ref: Option<String>,
    result: Result<T, ApiFailure>,
) -> Result<T, ApiFailure> {
    let mut entry = who.entry(action);
    entry.patient_ref = patient_ref;
    match &result {
        Ok(_) => state.audit.record_or_refuse(entry).await?,
        Err(failure) => {
            let _ = state
                .audit
                .record_or_refuse(access::ended_with(entry, failure))
                .await;
        }
    }
    result
}

async fn give(
    state: &AppState,
    who: &Who,
    headers: &HeaderMap,
    body: &[u8],
    patient_ref: &mut Option<String>,
) -> Result<(StatusCode, Json<ConsentRecord>), ApiFailure> {
    let request: GiveConsent = serde_json::from_slice(body).map_err(|_| {
        ApiFailure::new(
            StatusCode::BAD_REQUEST,
            ErrorCode::BadRequest,
            "the body must be {\"session\": \"<card session id>\", \"decisions\": \
             {\"medications\": true, …}}",
        )
    })?;
    if request.decisions.is_empty() {
        return Err(invalid(
            "decisions",
            "empty",
            "the consent answers nothing: give at least one decision",
        ));
    }
    let patient = session_patient(state, who, &request.session, headers)?;
    *patient_ref = Some(patient.patient_ref.clone());
    let id = new_id().map_err(|err| ApiFailure::internal(format!("no randomness: {err}")))?;
    let record = kiosk_consent(
        id,
        patient.patient_ref,
        patient.method,
        request.decisions,
        state.clock.unix_seconds(),
        state.audit.key(),
        &state.institution_code,
    );
    let consent = NewConsent {
        record: record.clone(),
        desk: state.audit.desk().to_string(),
        sub: Some(who.caller.sub.clone()),
    };
    state
        .reception
        .store()
        .record_consent(consent)
        .await
        .map_err(|err| not_stored(&err))?;
    Ok((StatusCode::CREATED, Json(record)))
}

async fn list(
    state: &AppState,
    who: &Who,
    headers: &HeaderMap,
    query: SessionQuery,
    patient_ref: &mut Option<String>,
) -> Result<Json<ConsentOverview>, ApiFailure> {
    let session = required_session(query)?;
    let patient = session_patient(state, who, &session, headers)?;
    *patient_ref = Some(patient.patient_ref.clone());
    let consents = state
        .reception
        .store()
        .consents_of(&patient.patient_ref)
        .await
        .map_err(|err| not_stored(&err))?;
    Ok(Json(ConsentOverview::at(
        consents,
        state.clock.unix_seconds(),
    )))
}

async fn withdraw(
    state: &AppState,
    who: &Who,
    id: &str,
    headers: &HeaderMap,
    query: SessionQuery,
    patient_ref: &mut Option<String>,
) -> Result<Json<ConsentRecord>, ApiFailure> {
    let session = required_session(query)?;
    let patient = session_patient(state, who, &session, headers)?;
    *patient_ref = Some(patient.patient_ref.clone());
    let store = state.reception.store();
    let found = store.consent(id).await.map_err(|err| not_stored(&err))?;
    // Another patient's consent is answered exactly as one that does not exist.
    let Some(consent) = found.filter(|c| c.patient == patient.patient_ref) else {
        return Err(ApiFailure::new(
            StatusCode::NOT_FOUND,
            ErrorCode::NotFound,
            "this patient has no consent with this id",
        ));
    };
    if consent.withdrawn_at.is_some() {
        return Ok(Json(consent));
    }
    store
        .record_withdrawal(Withdrawal {
            consent_id: consent.id.clone(),
            withdrawn_at: state.clock.unix_seconds(),
            sub: who.caller.sub.clone(),
            desk: state.audit.desk().to_string(),
        })
        .await
        .map_err(|err| not_stored(&err))?;
    let stored = store
        .consent(id)
        .await
        .map_err(|err| not_stored(&err))?
        .ok_or_else(|| ApiFailure::internal("a withdrawn consent could not be read back"))?;
    Ok(Json(stored))
}

fn required_session(query: SessionQuery) -> Result<String, ApiFailure> {
    query.session.filter(|s| !s.is_empty()).ok_or_else(|| {
        invalid(
            "session",
            "required",
            "name the card session that authenticated the patient: ?session=<id>",
        )
    })
}

/// The patient card session `id` confirmed, once the caller proved it is theirs.
fn session_patient(
    state: &AppState,
    who: &Who,
    id: &str,
    headers: &HeaderMap,
) -> Result<SessionPatient, ApiFailure> {
    let sessions = state.card_sessions.as_ref().ok_or_else(|| {
        ApiFailure::new(
            StatusCode::SERVICE_UNAVAILABLE,
            ErrorCode::TerminalUnavailable,
            "kiosk consents need a card session, and card sessions are not available with \
             --terminal-dir; the face-recognition card reader records consents itself",
        )
    })?;
    let secret = headers
        .get(SESSION_SECRET_HEADER)
        .and_then(|v| v.to_str().ok());
    sessions.authorize(id, secret).map_err(session_failure)?;
    let (session_state, since) = sessions
        .state_for(id, &who.caller.sub)
        .map_err(session_failure)?;
    let CardSessionState::Done { method, answer } = session_state else {
        return Err(not_done());
    };
    let key = access::answer_patient_key(&answer).ok_or_else(not_done)?;
    if since > state.consent_session_max_age {
        return Err(ApiFailure::new(
            StatusCode::CONFLICT,
            ErrorCode::SessionTooOld,
            format!(
                "this card session confirmed its patient more than {} s ago; read the card \
                 again",
                state.consent_session_max_age.as_secs()
            ),
        ));
    }
    Ok(SessionPatient {
        patient_ref: state.audit.patient_ref(&key),
        method,
    })
}

fn not_done() -> ApiFailure {
    ApiFailure::new(
        StatusCode::CONFLICT,
        ErrorCode::SessionNotDone,
        "this card session has not confirmed a patient with insurance numbers; finish the \
         card read first",
    )
}

fn session_failure(failure: SessionFailure) -> ApiFailure {
    match failure {
        SessionFailure::NotFound => ApiFailure::new(
            StatusCode::NOT_FOUND,
            ErrorCode::NotFound,
            failure.to_string(),
        ),
        SessionFailure::Secret => ApiFailure::new(
            StatusCode::FORBIDDEN,
            ErrorCode::SessionSecretInvalid,
            failure.to_string(),
        ),
        other => ApiFailure::internal(other.to_string()),
    }
}

fn not_stored(err: &StoreError) -> ApiFailure {
    warn!("a consent could not be stored or read: {err}");
    ApiFailure::new(
        StatusCode::SERVICE_UNAVAILABLE,
        ErrorCode::StoreUnavailable,
        "the gateway's store could not record or read the consent, so nothing was recorded; \
         try again when GET /v1/health reports the store reachable",
    )
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
