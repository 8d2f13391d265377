//! The gateway's signature over a qualification answer: a compact JWS (ES256, `typ`
//! [`TYP`]) made with the gateway's own key (published at `GET /v1/keys`) over the
//! answer's digest, the request id and the time. The component verifies it before it
//! renders the answer and hands it on in `onshi:qualified`, so the EMR's server can check
//! that what it stores is what the desk was shown.
//!
//! The digest is SHA-256 over the answer's JSON as this crate serialises it with
//! `token` left out: both sides use the same types, so the bytes are the same.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use thiserror::Error;

use crate::api::QualificationAnswer;
use crate::jose::{encode, verify_compact, JwsError, KeySet};

/// The JWS `typ` of an answer token; a credential can never pass for one or back.
pub const TYP: &str = "onshi-answer+jwt";

/// What an answer token says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AnswerClaims {
    /// Unpadded base64url of [`answer_digest`].
    pub answer_sha256: String,
    /// The gateway's `x-request-id` of the request that produced the answer.
    pub request_id: String,
    /// Unix seconds when the gateway signed it.
    pub iat: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum AnswerTokenError {
    #[error("the answer carries no token")]
    Missing,
    #[error("the answer's token does not verify: {0}")]
    Signature(#[from] JwsError),
    #[error("the answer's token is not an answer token")]
    Type,
    #[error("the answer's token cannot be read")]
    Claims,
    #[error("the answer differs from what the gateway signed")]
    Digest,
}

/// SHA-256 of the answer's JSON without its token.
pub fn answer_digest(answer: &QualificationAnswer) -> [u8; 32] {
    let mut unsigned = answer.clone();
    unsigned.token = None;
    // Serialising these plain structs cannot fail.
    let json = serde_json::to_vec(&unsigned).unwrap_or_default();
    Sha256::digest(&json).into()
}

/// The claims to sign for `answer`.
pub fn claims_for(answer: &QualificationAnswer, request_id: &str, now: i64) -> AnswerClaims {
    AnswerClaims {
        answer_sha256: encode(&answer_digest(answer)),
        request_id: request_id.to_string(),
        iat: now,
    }
}

/// Checks `answer.token` against the gateway's `keys` and the answer itself.
pub fn verify_answer(
    answer: &QualificationAnswer,
    keys: &KeySet,
) -> Result<AnswerClaims, AnswerTokenError> {
    let token = answer.token.as_deref().ok_or(AnswerTokenError::Missing)?;
    let verified = verify_compact(token, keys)?;
    if verified.typ.as_deref() != Some(TYP) {
        return Err(AnswerTokenError::Type);
    }
    let claims: AnswerClaims =
        serde_json::from_slice(&verified.payload).map_err(|_| AnswerTokenError::Claims)?;
    if claims.answer_sha256 != encode(&answer_digest(answer)) {
        return Err(AnswerTokenError::Digest);
    }
    Ok(claims)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::api::QualificationStatus;
    use crate::jose::tests::{key_set, sign, test_key};

    fn answer() -> QualificationAnswer {
        QualificationAnswer {
            status: QualificationStatus::Valid,
            validity_code: Some("1".into()),
            reference_classification: None,
            checked_at: Some("20261202093000".into()),
            advisory: None,
            results: Vec::new(),
            token: None,
        }
    }

    fn signed(answer: &QualificationAnswer, typ: &str) -> QualificationAnswer {
        let claims = claims_for(answer, "req-1", 1_800_000_000);
        let token = sign(
            &json!({"alg": "ES256", "kid": "gw", "typ": typ}),
            &serde_json::to_value(claims).unwrap(),
            &test_key(5),
        );
        QualificationAnswer {
            token: Some(token),
            ..answer.clone()
        }
    }

    #[test]
    fn a_signed_answer_verifies_after_a_json_round_trip() {
        let answer = signed(&answer(), TYP);
        let wire = serde_json::to_string(&answer).unwrap();
        let received: QualificationAnswer = serde_json::from_str(&wire).unwrap();
        let claims = verify_answer(&received, &key_set("gw", &test_key(5))).unwrap();
        assert_eq!(claims.request_id, "req-1");
    }

    #[test]
    fn an_altered_answer_or_a_wrong_type_is_refused() {
        let keys = key_set("gw", &test_key(5));
        let mut altered = signed(&answer(), TYP);
        altered.status = QualificationStatus::Invalid;
        assert_eq!(
            verify_answer(&altered, &keys),
            Err(AnswerTokenError::Digest)
        );
        let credential_typed = signed(&answer(), "JWT");
        assert_eq!(
            verify_answer(&credential_typed, &keys),
            Err(AnswerTokenError::Type)
        );
        assert_eq!(
            verify_answer(&answer(), &keys),
            Err(AnswerTokenError::Missing)
        );
        let foreign = signed(&answer(), TYP);
        assert!(matches!(
            verify_answer(&foreign, &key_set("gw", &test_key(6))),
            Err(AnswerTokenError::Signature(JwsError::BadSignature))
        ));
    }
}
