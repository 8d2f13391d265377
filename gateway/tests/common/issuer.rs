//! The tests' stand-in for the host EMR's server: a fixed P-256 issuer key the test
//! gateways trust, and credentials signed with it exactly as an EMR would (ES256 compact
//! JWS, 64-byte r‖s), so every test goes through the gateway's real verifier.

use onshi_core::credential::DEFAULT_AUDIENCE;
use onshi_core::jose::{encode, KeySet};
use onshi_core::roles::{Licence, Role};
use p256::ecdsa::signature::Signer;
use p256::ecdsa::{Signature, SigningKey};
use serde_json::{json, Value};

pub const KID: &str = "test-emr-1";
pub const FACILITY_CODE: &str = "1319999999";

pub fn signing_key() -> SigningKey {
    SigningKey::from_slice(&[0x42; 32]).unwrap()
}

/// What the test gateways trust.
pub fn key_set() -> KeySet {
    KeySet::single(KID, *signing_key().verifying_key())
}

pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// Claims of a 10-minute credential for `role` (clinicians are physicians).
pub fn claims(role: Role) -> Value {
    let mut claims = json!({
        "sub": format!("test-{}", role.as_str()),
        "name": format!("テスト {}", role.as_str()),
        "role": role.as_str(),
        "facility_type": "medical_institution",
        "facility_code": FACILITY_CODE,
        "aud": DEFAULT_AUDIENCE,
        "iat": now() - 5,
        "exp": now() + 600,
    });
    if role == Role::Clinician {
        claims["licence"] = json!(Licence::Physician.as_str());
    }
    claims
}

/// A credential for `role`.
pub fn credential(role: Role) -> String {
    sign(&claims(role))
}

/// A credential with exactly `claims`, signed by the trusted key.
pub fn sign(claims: &Value) -> String {
    sign_with(claims, &signing_key(), KID)
}

/// A compact JWS over `claims` by `key` under `kid`.
pub fn sign_with(claims: &Value, key: &SigningKey, kid: &str) -> String {
    let header = json!({"alg": "ES256", "typ": "JWT", "kid": kid});
    let input = format!(
        "{}.{}",
        encode(header.to_string().as_bytes()),
        encode(claims.to_string().as_bytes())
    );
    let signature: Signature = key.sign(input.as_bytes());
    format!("{input}.{}", encode(&signature.to_bytes()))
}

/// `Bearer <credential>` for `role`.
pub fn bearer(role: Role) -> String {
    format!("Bearer {}", credential(role))
}
