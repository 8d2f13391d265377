//! The host EMR's credential: an ES256 compact JWS its server signs for the logged-in
//! user, verified by [`crate::jose`] and then checked claim by claim here.
//!
//! Claims: `sub`, `name`, `role`, `licence` (required for clinicians), `facility_type`,
//! `facility_code` (10 digits), `aud` (must name this gateway), `iat`, `exp` (at most
//! [`MAX_LIFETIME_SECS`] after `iat`), optional `nbf` and `jti`. Times are checked with at
//! most [`LEEWAY_SECS`] of leeway. Other claims are ignored (RFC 7519 §4: an issuer may add
//! its own), but none of these may repeat.

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::api::ErrorCode;
use crate::jose::{verify_compact, JwsError, KeySet};
use crate::roles::{FacilityType, Licence, Role};

/// Clock difference tolerated between the EMR's server and this PC.
pub const LEEWAY_SECS: i64 = 60;
/// A credential lives at most a working day.
pub const MAX_LIFETIME_SECS: i64 = 12 * 3600;
/// The gateway's audience unless `--audience` says otherwise.
pub const DEFAULT_AUDIENCE: &str = "onshi-gateway";
/// `sub`, `name` and `jti` longer than this are not an EMR's user.
const MAX_TEXT_CLAIM: usize = 256;

/// Who is calling, once the credential verified.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Caller {
    pub sub: String,
    pub name: String,
    pub role: Role,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub licence: Option<Licence>,
    pub facility_type: FacilityType,
    pub facility_code: String,
    /// Unix seconds; the gateway ends an event stream at this time.
    pub exp: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jti: Option<String>,
}

/// Why a credential was refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum CredentialError {
    #[error("{0}")]
    Signature(#[from] JwsError),
    #[error("the credential's claims are not valid: {0}")]
    Claims(String),
    #[error("the credential's `typ` is not JWT")]
    Type,
    #[error("the credential is not for this gateway (aud)")]
    Audience,
    #[error("the credential has expired")]
    Expired,
    #[error("the credential is not valid yet (nbf or iat in the future)")]
    NotYetValid,
    #[error("the credential lives longer than 12 hours (exp − iat)")]
    Lifetime,
}

impl CredentialError {
    /// `credential_expired` lets a page fetch a fresh credential and retry; everything
    /// else is `credential_invalid`.
    pub fn code(&self) -> ErrorCode {
        match self {
            Self::Expired => ErrorCode::CredentialExpired,
            _ => ErrorCode::CredentialInvalid,
        }
    }
}

/// `aud` may be one string or an array of them (RFC 7519 §4.1.3).
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum Audience {
    One(String),
    Many(Vec<String>),
}

#[derive(Debug, Deserialize)]
struct Claims {
    sub: String,
    name: String,
    role: Role,
    licence: Option<Licence>,
    facility_type: FacilityType,
    facility_code: String,
    aud: Audience,
    iat: i64,
    exp: i64,
    nbf: Option<i64>,
    jti: Option<String>,
}

/// Verifies `token` against the trusted `keys` for `audience` at Unix time `now`.
pub fn verify_credential(
    token: &str,
    keys: &KeySet,
    audience: &str,
    now: i64,
) -> Result<Caller, CredentialError> {
    let verified = verify_compact(token, keys)?;
    if verified
        .typ
        .as_deref()
        .is_some_and(|typ| !typ.eq_ignore_ascii_case("JWT"))
    {
        return Err(CredentialError::Type);
    }
    let claims: Claims = serde_json::from_slice(&verified.payload)
        .map_err(|err| CredentialError::Claims(err.to_string()))?;
    check_claims(claims, audience, now)
}

fn check_claims(claims: Claims, audience: &str, now: i64) -> Result<Caller, CredentialError> {
    let for_us = match &claims.aud {
        Audience::One(aud) => aud == audience,
        Audience::Many(auds) => auds.iter().any(|aud| aud == audience),
    };
    if !for_us {
        return Err(CredentialError::Audience);
    }
    if now > claims.exp.saturating_add(LEEWAY_SECS) {
        return Err(CredentialError::Expired);
    }
    let not_before = claims.nbf.unwrap_or(claims.iat).max(claims.iat);
    if not_before > now.saturating_add(LEEWAY_SECS) {
        return Err(CredentialError::NotYetValid);
    }
    if claims.exp <= claims.iat || claims.exp - claims.iat > MAX_LIFETIME_SECS {
        return Err(CredentialError::Lifetime);
    }
    let text = |name: &str, value: &str| {
        if value.trim().is_empty() || value.chars().count() > MAX_TEXT_CLAIM {
            Err(CredentialError::Claims(format!(
                "`{name}` must be 1 to {MAX_TEXT_CLAIM} characters"
            )))
        } else {
            Ok(())
        }
    };
    text("sub", &claims.sub)?;
    text("name", &claims.name)?;
    if let Some(jti) = &claims.jti {
        text("jti", jti)?;
    }
    if claims.facility_code.len() != 10 || !claims.facility_code.bytes().all(|b| b.is_ascii_digit())
    {
        return Err(CredentialError::Claims(
            "`facility_code` must be 10 digits".into(),
        ));
    }
    if claims.role == Role::Clinician && claims.licence.is_none() {
        return Err(CredentialError::Claims(
            "a clinician's credential needs `licence`".into(),
        ));
    }
    Ok(Caller {
        sub: claims.sub,
        name: claims.name,
        role: claims.role,
        licence: claims.licence,
        facility_type: claims.facility_type,
        facility_code: claims.facility_code,
        exp: claims.exp,
        jti: claims.jti,
    })
}

#[cfg(test)]
mod tests {
    use serde_json::{json, Value};

    use super::*;
    use crate::jose::tests::{key_set, sign, test_key};

    const NOW: i64 = 1_800_000_000;

    fn claims() -> Value {
        json!({
            "sub": "emr-user-17", "name": "受付 花子", "role": "reception",
            "facility_type": "medical_institution", "facility_code": "1319999999",
            "aud": DEFAULT_AUDIENCE, "iat": NOW - 600, "exp": NOW + 3600, "jti": "a1",
        })
    }

    fn verify_claims(claims: &Value) -> Result<Caller, CredentialError> {
        let key = test_key(9);
        let token = sign(
            &json!({"alg": "ES256", "kid": "emr", "typ": "JWT"}),
            claims,
            &key,
        );
        verify_credential(&token, &key_set("emr", &key), DEFAULT_AUDIENCE, NOW)
    }

    fn with(field: &str, value: Value) -> Value {
        let mut c = claims();
        c[field] = value;
        c
    }

    #[test]
    fn a_valid_credential_names_the_caller() {
        let caller = verify_claims(&claims()).unwrap();
        assert_eq!(caller.sub, "emr-user-17");
        assert_eq!(caller.role, Role::Reception);
        assert_eq!(caller.licence, None);
        assert_eq!(caller.facility_type, FacilityType::MedicalInstitution);
        assert_eq!(caller.exp, NOW + 3600);
        assert_eq!(caller.jti.as_deref(), Some("a1"));
        let many = with("aud", json!(["other", DEFAULT_AUDIENCE]));
        assert!(verify_claims(&many).is_ok());
    }

    #[test]
    fn expiry_and_validity_with_sixty_seconds_of_leeway() {
        let expired = with("exp", json!(NOW - LEEWAY_SECS - 1));
        let err = verify_claims(&expired).unwrap_err();
        assert_eq!(err, CredentialError::Expired);
        assert_eq!(err.code(), ErrorCode::CredentialExpired);
        assert!(verify_claims(&with("exp", json!(NOW - LEEWAY_SECS))).is_ok());
        let early = with("nbf", json!(NOW + LEEWAY_SECS + 1));
        let err = verify_claims(&early).unwrap_err();
        assert_eq!(err, CredentialError::NotYetValid);
        assert_eq!(err.code(), ErrorCode::CredentialInvalid);
        assert!(verify_claims(&with("nbf", json!(NOW + LEEWAY_SECS))).is_ok());
        let mut future = claims();
        future["iat"] = json!(NOW + 600);
        future["exp"] = json!(NOW + 1200);
        assert_eq!(
            verify_claims(&future).unwrap_err(),
            CredentialError::NotYetValid
        );
        let mut missing_exp = claims();
        missing_exp.as_object_mut().unwrap().remove("exp");
        assert!(matches!(
            verify_claims(&missing_exp),
            Err(CredentialError::Claims(_))
        ));
    }

    #[test]
    fn at_most_twelve_hours() {
        let mut long = claims();
        long["exp"] = json!(NOW - 600 + MAX_LIFETIME_SECS + 1);
        assert_eq!(verify_claims(&long).unwrap_err(), CredentialError::Lifetime);
        long["exp"] = json!(NOW - 600 + MAX_LIFETIME_SECS);
        assert!(verify_claims(&long).is_ok());
    }

    #[test]
    fn the_audience_must_be_this_gateway() {
        for aud in [json!("another-gateway"), json!([]), json!(["x", "y"])] {
            assert_eq!(
                verify_claims(&with("aud", aud)).unwrap_err(),
                CredentialError::Audience
            );
        }
    }

    #[test]
    fn claims_are_checked() {
        let bad = [
            with("role", json!("superuser")),
            with("facility_code", json!("131999999")),
            with("facility_code", json!("13199999９9")),
            with("facility_type", json!("hospital")),
            with("sub", json!("  ")),
            with("name", json!("x".repeat(257))),
            with("role", json!("clinician")),
            with("licence", json!("surgeon")),
            with("exp", json!("tomorrow")),
        ];
        for claims in bad {
            assert!(
                matches!(verify_claims(&claims), Err(CredentialError::Claims(_))),
                "{claims}"
            );
        }
        let mut clinician = with("role", json!("clinician"));
        clinician["licence"] = json!("dentist");
        assert_eq!(
            verify_claims(&clinician).unwrap().licence,
            Some(Licence::Dentist)
        );
    }

    #[test]
    fn a_repeated_claim_is_refused() {
        let key = test_key(9);
        let header = crate::jose::encode(br#"{"alg":"ES256","kid":"emr"}"#);
        let payload = format!(
            r#"{{"sub":"a","name":"n","role":"kiosk","role":"admin","facility_type":"pharmacy","facility_code":"1319999999","aud":"{DEFAULT_AUDIENCE}","iat":{},"exp":{}}}"#,
            NOW,
            NOW + 60
        );
        let input = format!("{header}.{}", crate::jose::encode(payload.as_bytes()));
        use p256::ecdsa::signature::Signer;
        let signature: p256::ecdsa::Signature = key.sign(input.as_bytes());
        let token = format!("{input}.{}", crate::jose::encode(&signature.to_bytes()));
        let refused = verify_credential(&token, &key_set("emr", &key), DEFAULT_AUDIENCE, NOW);
        assert!(
            matches!(refused, Err(CredentialError::Claims(_))),
            "{refused:?}"
        );
    }

    #[test]
    fn an_answer_token_is_not_a_credential() {
        let key = test_key(9);
        let token = sign(
            &json!({"alg": "ES256", "kid": "emr", "typ": crate::answer_token::TYP}),
            &claims(),
            &key,
        );
        assert_eq!(
            verify_credential(&token, &key_set("emr", &key), DEFAULT_AUDIENCE, NOW),
            Err(CredentialError::Type)
        );
    }

    #[test]
    fn signature_failures_are_invalid_not_expired() {
        let key = test_key(9);
        let token = sign(
            &json!({"alg": "ES256", "kid": "emr"}),
            &claims(),
            &test_key(8),
        );
        let err =
            verify_credential(&token, &key_set("emr", &key), DEFAULT_AUDIENCE, NOW).unwrap_err();
        assert_eq!(err, CredentialError::Signature(JwsError::BadSignature));
        assert_eq!(err.code(), ErrorCode::CredentialInvalid);
    }
}
