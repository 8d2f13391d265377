//! `POST /v1/qualifications`: validate the card details, ask the terminal, answer with
//! [`QualificationAnswer`], signed by the desk's key (`token`) and recorded in the audit
//! log before it leaves.

use std::collections::BTreeMap;

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::Json;
use onshi_core::answer_token;
use onshi_core::api::{ErrorCode, QualificationAnswer, QualificationQuery, QueuePlace};
use onshi_core::oqs::request::QualificationRequest;
use onshi_core::query::{validate, QueryProblems};
use tracing::debug;

use crate::api_error::ApiFailure;
use crate::audit::access;
use crate::auth::{unix_now, Who};
use crate::clock;
use crate::json::ApiJson;
use crate::server::AppState;
use crate::terminal_link::LinkError;

/// The page's own name for a request, so it can ask where the request stands
/// (`GET /v1/qualifications/queue/{ref}`) while the terminal is busy.
pub const CLIENT_REF_HEADER: &str = "x-onshi-request";

pub async fn check_qualification(
    State(state): State<AppState>,
    who: Who,
    headers: HeaderMap,
    ApiJson(query): ApiJson<QualificationQuery>,
) -> Result<Json<QualificationAnswer>, ApiFailure> {
    let mut entry = who.entry("qualification.check");
    entry.patient_ref = Some(state.audit.patient_ref(&access::patient_key(
        &query.insurer_number,
        &query.symbol,
        &query.number,
        &query.branch,
    )));
    match ask_terminal(&state, &headers, &query).await {
        Ok(mut answer) => {
            let claims = answer_token::claims_for(&answer, &who.request_id.to_string(), unix_now());
            let claims = serde_json::to_value(claims)
                .map_err(|_| ApiFailure::internal("the answer could not be signed"))?;
            answer.token = Some(state.audit.key().sign_compact(answer_token::TYP, &claims));
            state.audit.record_or_refuse(entry).await?;
            Ok(Json(answer))
        }
        Err(failure) => {
            // The failure is answered whether or not the log took it.
            let _ = state
                .audit
                .record_or_refuse(access::ended_with(entry, &failure))
                .await;
            Err(failure)
        }
    }
}

async fn ask_terminal(
    state: &AppState,
    headers: &HeaderMap,
    query: &QualificationQuery,
) -> Result<QualificationAnswer, ApiFailure> {
    let client_ref = match headers.get(CLIENT_REF_HEADER) {
        None => None,
        Some(value) => Some(
            value
                .to_str()
                .ok()
                .filter(|r| is_client_ref(r))
                .ok_or_else(bad_client_ref)?
                .to_string(),
        ),
    };
    let today = clock::yyyymmdd(clock::now_jst());
    let valid = validate(query, &today).map_err(problems_to_failure)?;
    let ticket = state.link.ticket(client_ref).await;
    debug!(file = %ticket.suffix, insurer = %valid.insurer.wire(), "sending a qualification request");
    let request = QualificationRequest::from_query(
        &valid,
        &today,
        &state.institution_code,
        Some(ticket.suffix.clone()),
    );
    let response = state
        .link
        .exchange(&ticket, &request)
        .await
        .map_err(|err| link_failure(&err))?;
    Ok(QualificationAnswer::from_response(response))
}

/// `GET /v1/qualifications/queue/{ref}`: where the request the page sent as `ref` stands.
pub async fn queue_place(
    State(state): State<AppState>,
    Path(client_ref): Path<String>,
) -> Result<Json<QueuePlace>, ApiFailure> {
    if !is_client_ref(&client_ref) {
        return Err(bad_client_ref());
    }
    state
        .link
        .queue_place(&client_ref)
        .map(Json)
        .ok_or_else(|| {
            ApiFailure::new(
                StatusCode::NOT_FOUND,
                ErrorCode::NotFound,
                "no request of that reference is waiting or running (finished, or never sent)",
            )
        })
}

/// 1 to 64 letters, digits, `-` or `_`: a UUID or a counter, never patient data.
fn is_client_ref(value: &str) -> bool {
    (1..=64).contains(&value.len())
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

fn bad_client_ref() -> ApiFailure {
    ApiFailure::new(
        StatusCode::BAD_REQUEST,
        ErrorCode::BadRequest,
        "x-onshi-request must be 1 to 64 letters, digits, '-' or '_'",
    )
}

fn problems_to_failure(problems: QueryProblems) -> ApiFailure {
    let (code, message) = if problems.only_check_digits() {
        (
            ErrorCode::CheckDigit,
            "the check digit does not match; if the card really reads so, send again with \
             override_check_digit: true",
        )
    } else {
        (
            ErrorCode::InvalidInput,
            "some fields are missing or malformed; see fields",
        )
    };
    let fields: BTreeMap<String, String> = problems
        .fields
        .into_iter()
        .map(|(field, problem)| (field, problem.code().to_string()))
        .collect();
    ApiFailure::new(StatusCode::UNPROCESSABLE_ENTITY, code, message).with_fields(fields)
}

/// The one place where link outcomes become HTTP answers.
pub fn link_failure(err: &LinkError) -> ApiFailure {
    let (status, code) = match err {
        LinkError::Timeout(_) => (StatusCode::GATEWAY_TIMEOUT, ErrorCode::TerminalTimeout),
        LinkError::BadResponse { .. } => (StatusCode::BAD_GATEWAY, ErrorCode::TerminalBadResponse),
        LinkError::Mismatch { .. } => (StatusCode::BAD_GATEWAY, ErrorCode::TerminalAnswerMismatch),
        LinkError::Terminal { .. } => (StatusCode::BAD_GATEWAY, ErrorCode::TerminalError),
        LinkError::Unavailable(_) | LinkError::Busy(_) | LinkError::Overloaded { .. } => (
            StatusCode::SERVICE_UNAVAILABLE,
            ErrorCode::TerminalUnavailable,
        ),
    };
    ApiFailure::new(status, code, err.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use onshi_core::query::FieldProblem;
    use std::time::Duration;

    #[test]
    fn only_check_digits_gives_check_digit() {
        let mut problems = QueryProblems::default();
        problems
            .fields
            .insert("insurer_number".to_string(), FieldProblem::CheckDigit);
        let failure = problems_to_failure(problems);
        assert_eq!(failure.code, ErrorCode::CheckDigit);
        assert_eq!(failure.fields["insurer_number"], "check_digit");
    }

    #[test]
    fn mixed_problems_give_invalid_input() {
        let mut problems = QueryProblems::default();
        problems
            .fields
            .insert("insurer_number".to_string(), FieldProblem::CheckDigit);
        problems
            .fields
            .insert("birthdate".to_string(), FieldProblem::Date);
        let failure = problems_to_failure(problems);
        assert_eq!(failure.code, ErrorCode::InvalidInput);
        assert_eq!(failure.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(failure.fields.len(), 2);
    }

    #[test]
    fn link_errors_map_to_contract_statuses() {
        let timeout = link_failure(&LinkError::Timeout(Duration::from_secs(30)));
        assert_eq!(timeout.status, StatusCode::GATEWAY_TIMEOUT);
        assert_eq!(timeout.code, ErrorCode::TerminalTimeout);
        let terminal = link_failure(&LinkError::Terminal {
            code: "EQ1234".to_string(),
            message: "サンプル".to_string(),
        });
        assert_eq!(terminal.status, StatusCode::BAD_GATEWAY);
        assert!(terminal.message.contains("EQ1234"));
    }
}
