//! A JSON body extractor whose rejections are contract errors (400 `bad_request`), not
//! axum's plain-text ones, so a client never has to parse two error shapes.

use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;
use onshi_core::api::ErrorCode;
use serde::de::DeserializeOwned;

use crate::api_error::ApiFailure;

/// `axum::Json` with [`ApiFailure`] as its rejection.
#[derive(Debug, Clone, Copy, Default)]
pub struct ApiJson<T>(pub T);

impl<S, T> FromRequest<S> for ApiJson<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiFailure;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(value)) => Ok(Self(value)),
            Err(rejection) => Err(rejection_to_failure(&rejection)),
        }
    }
}

fn rejection_to_failure(rejection: &JsonRejection) -> ApiFailure {
    let message = match rejection {
        JsonRejection::MissingJsonContentType(_) => {
            "expected a JSON body with Content-Type: application/json".to_string()
        }
        JsonRejection::JsonSyntaxError(_) => "the body is not valid JSON".to_string(),
        // serde names the missing or mistyped field, which is what the caller needs to fix.
        JsonRejection::JsonDataError(err) => format!("the JSON does not fit: {}", err.body_text()),
        JsonRejection::BytesRejection(_) => "the body could not be read (too large?)".to_string(),
        other => other.body_text(),
    };
    // Keep axum's status (400, 413, 415, 422) except 422, which the contract reserves for
    // field validation of a well-formed query.
    let status = match rejection.status() {
        StatusCode::UNPROCESSABLE_ENTITY => StatusCode::BAD_REQUEST,
        other => other,
    };
    ApiFailure::new(status, ErrorCode::BadRequest, message)
}
