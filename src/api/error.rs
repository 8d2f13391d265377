//! Typed failures of a gateway call, and the one place that turns an HTTP status and
//! body into an answer or such a failure.

use onshi_core::api::{ApiError, ApiErrorBody, ErrorCode, QualificationAnswer};
use serde::de::DeserializeOwned;
use thiserror::Error;

/// Why no answer came back.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ClientError {
    /// No HTTP answer at all: gateway not running, blocked, or the network failed.
    #[error("the gateway could not be reached")]
    Unreachable,
    /// The client-side deadline passed before the gateway answered.
    #[error("the gateway did not answer in time")]
    Timeout,
    /// The user cancelled the request.
    #[error("the request was cancelled")]
    Cancelled,
    /// The gateway answered with a typed error.
    #[error("the gateway answered {status}: {}", error.message)]
    Api { status: u16, error: ApiError },
    /// The gateway answered with something that is neither an answer nor an error body.
    #[error("the gateway's answer could not be read: {0}")]
    Decode(String),
    /// Nothing was sent: the host page gave no credential (none given, its function
    /// failed, or it gave an empty one).
    #[error("the EMR has not signed anyone in")]
    NotSignedIn,
    /// The gateway's signature over the answer is missing or does not match it; the
    /// answer is dropped, never shown. The text names the rule that failed.
    #[error("the gateway's signature over this answer does not match: {0}")]
    AnswerSignature(String),
    /// A consent receipt that does not verify against the gateway's keys, is not for the
    /// consent given, or has expired: the consent is not reported as recorded.
    #[error("the consent receipt is refused: {0}")]
    Receipt(onshi_core::consent::ReceiptError),
}

impl ClientError {
    /// The gateway's error code, for API errors.
    pub fn api_code(&self) -> Option<ErrorCode> {
        match self {
            Self::Api { error, .. } => Some(error.code),
            _ => None,
        }
    }

    /// A 401 about the credential itself (missing, invalid, expired).
    pub fn is_credential_refusal(&self) -> bool {
        matches!(
            self.api_code(),
            Some(
                ErrorCode::CredentialMissing
                    | ErrorCode::CredentialInvalid
                    | ErrorCode::CredentialExpired
            )
        )
    }
}

/// Reads a finished HTTP exchange: a 2xx body must be a [`QualificationAnswer`], any
/// other status should carry an [`ApiErrorBody`].
pub fn read_answer(status: u16, body: &str) -> Result<QualificationAnswer, ClientError> {
    read_body(status, body)
}

/// Reads a finished HTTP exchange: a 2xx body must be a `T`, any other status should
/// carry an [`ApiErrorBody`].
pub fn read_body<T: DeserializeOwned>(status: u16, body: &str) -> Result<T, ClientError> {
    if (200..300).contains(&status) {
        return crate::json::from_str(body)
            .map_err(|e| ClientError::Decode(format!("answer with status {status}: {e}")));
    }
    match crate::json::from_str::<ApiErrorBody>(body) {
        Ok(body) => Err(ClientError::Api {
            status,
            error: body.error,
        }),
        Err(_) => Err(ClientError::Decode(format!(
            "status {status} without an error body"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use onshi_core::api::QualificationStatus;

    #[test]
    fn a_200_answer_is_decoded() {
        let body = r#"{"status":"valid","validity_code":"1","reference_classification":"2",
            "checked_at":"20261125091500","results":[{"person":{"name":"試験 花子"}}]}"#;
        let answer = read_answer(200, body).unwrap();
        assert_eq!(answer.status, QualificationStatus::Valid);
        assert_eq!(answer.results.len(), 1);
        assert_eq!(answer.results[0].person.name.as_deref(), Some("試験 花子"));
    }

    #[test]
    fn an_error_body_becomes_a_typed_api_error() {
        let body =
            r#"{"error":{"code":"invalid_input","message":"bad","fields":{"number":"required"}}}"#;
        let err = read_answer(422, body).unwrap_err();
        match &err {
            ClientError::Api { status, error } => {
                assert_eq!(*status, 422);
                assert_eq!(error.code, ErrorCode::InvalidInput);
                assert_eq!(
                    error.fields.get("number").map(String::as_str),
                    Some("required")
                );
            }
            other => panic!("unexpected {other:?}"),
        }
        assert_eq!(err.api_code(), Some(ErrorCode::InvalidInput));
        assert_eq!(err.to_string(), "the gateway answered 422: bad");
    }

    #[test]
    fn garbage_is_a_decode_error_not_a_panic() {
        assert!(matches!(
            read_answer(200, "<html>"),
            Err(ClientError::Decode(_))
        ));
        assert!(
            matches!(read_answer(502, "Bad Gateway"), Err(ClientError::Decode(m)) if m.contains("502"))
        );
        assert_eq!(ClientError::Timeout.api_code(), None);
    }
}
