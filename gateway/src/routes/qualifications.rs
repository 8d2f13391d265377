//! `POST /v1/qualifications`: validate the card details, ask the terminal, answer with
//! [`QualificationAnswer`].

use std::collections::BTreeMap;

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use onshi_core::api::{ErrorCode, QualificationAnswer, QualificationQuery};
use onshi_core::oqs::request::QualificationRequest;
use onshi_core::query::{validate, QueryProblems};
use tracing::debug;

use crate::api_error::ApiFailure;
use crate::clock;
use crate::json::ApiJson;
use crate::server::AppState;
use crate::terminal_link::LinkError;

pub async fn check_qualification(
    State(state): State<AppState>,
    ApiJson(query): ApiJson<QualificationQuery>,
) -> Result<Json<QualificationAnswer>, ApiFailure> {
    let today = clock::yyyymmdd(clock::now_jst());
    let valid = validate(&query, &today).map_err(problems_to_failure)?;
    let ticket = state.link.ticket().await;
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
    Ok(Json(QualificationAnswer::from_response(response)))
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
