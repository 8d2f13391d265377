//! The one shape of every non-2xx answer: `{"error":{"code","message","fields"}}`
//! ([`onshi_core::api::ApiErrorBody`]), so the component can branch on `code` alone.

use std::collections::BTreeMap;

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use onshi_core::api::{ApiError, ApiErrorBody, ErrorCode};

/// A request that ends in an error answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiFailure {
    pub status: StatusCode,
    pub code: ErrorCode,
    pub message: String,
    pub fields: BTreeMap<String, String>,
}

impl ApiFailure {
    pub fn new(status: StatusCode, code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
            fields: BTreeMap::new(),
        }
    }

    pub fn with_fields(mut self, fields: BTreeMap<String, String>) -> Self {
        self.fields = fields;
        self
    }

    pub fn not_found() -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            ErrorCode::NotFound,
            "no such endpoint; see GET /v1/health",
        )
    }

    pub fn method_not_allowed() -> Self {
        // No dedicated code exists in the contract; bad_request tells the caller it is at fault.
        Self::new(
            StatusCode::METHOD_NOT_ALLOWED,
            ErrorCode::BadRequest,
            "this endpoint does not accept that method",
        )
    }

    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            ErrorCode::Internal,
            message,
        )
    }
}

impl IntoResponse for ApiFailure {
    fn into_response(self) -> Response {
        let body = ApiErrorBody {
            error: ApiError {
                code: self.code,
                message: self.message,
                fields: self.fields,
            },
        };
        let mut response = (self.status, Json(body)).into_response();
        // Lets the access log name the outcome without parsing the body.
        response.extensions_mut().insert(self.code);
        response
    }
}

/// Fallback for unknown paths.
pub async fn not_found() -> ApiFailure {
    ApiFailure::not_found()
}

/// Fallback for known paths called with the wrong method.
pub async fn method_not_allowed() -> ApiFailure {
    ApiFailure::method_not_allowed()
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::to_bytes;

    #[tokio::test]
    async fn failure_renders_the_contract_body() {
        let mut fields = BTreeMap::new();
        fields.insert("number".to_string(), "required".to_string());
        let response = ApiFailure::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::InvalidInput,
            "check the fields",
        )
        .with_fields(fields)
        .into_response();
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let bytes = to_bytes(response.into_body(), 4096).await.unwrap();
        let body: ApiErrorBody = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(body.error.code, ErrorCode::InvalidInput);
        assert_eq!(body.error.fields["number"], "required");
    }
}
