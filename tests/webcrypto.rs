//! The browser's WebCrypto makes ES256 tokens and `onshi_core`'s verifier accepts them: a
//! credential as an EMR page or server signs it with `crypto.subtle`, checked by
//! `onshi_core::jose` and `onshi_core::credential` compiled to WebAssembly. WebCrypto does
//! not normalise `s`, so half its signatures are high-S; JOSE allows both, and so must
//! the verifier (an acceptance item of the credential work).
#![cfg(target_arch = "wasm32")]

mod common;

use common::webcrypto::{export_jwk, generate, is_high_s, jws, negate_s, signature_of};
use onshi_core::credential::{verify_credential, DEFAULT_AUDIENCE};
use onshi_core::jose::{encode, verify_compact, JwsError, KeySet};
use onshi_core::roles::Role;
use serde_json::json;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

const KID: &str = "emr-webcrypto";

/// The public half as a one-key JWK Set, as an EMR publishes it for `--trust-keys`.
async fn trusted(public: &web_sys::CryptoKey) -> KeySet {
    let mut jwk = export_jwk(public).await;
    assert_eq!(jwk["kty"], "EC");
    assert_eq!(jwk["crv"], "P-256");
    jwk["kid"] = json!(KID);
    jwk["alg"] = json!("ES256");
    jwk["use"] = json!("sig");
    KeySet::from_jwks(json!({ "keys": [jwk] }).to_string().as_bytes()).expect("a key set")
}

/// `token` with its signature part replaced by `r‖s`.
fn with_signature(token: &str, r: &[u8], s: &[u8]) -> String {
    let input = &token[..token.rfind('.').unwrap()];
    format!("{input}.{}", encode(&[r, s].concat()))
}

#[wasm_bindgen_test]
async fn webcrypto_credentials_verify_including_high_s_signatures() {
    let (private, public) = generate().await;
    let keys = trusted(&public).await;
    let now = (js_sys::Date::now() / 1000.0) as i64;
    let header = json!({"alg": "ES256", "kid": KID, "typ": "JWT"});
    let (mut high, mut low) = (None, None);
    // Each signature is high-S with probability 1/2: 64 tries all alike is 2^-63.
    for n in 0..64 {
        let claims = json!({
            "sub": "emr-user-17", "name": "受付 花子", "role": "reception",
            "facility_type": "medical_institution", "facility_code": "1319999999",
            "aud": DEFAULT_AUDIENCE, "iat": now - 5, "exp": now + 600, "jti": format!("wc-{n}"),
        });
        let token = jws(&private, &header, &claims).await;
        let caller = verify_credential(&token, &keys, DEFAULT_AUDIENCE, now)
            .unwrap_or_else(|e| panic!("a WebCrypto credential was refused: {e}"));
        assert_eq!(caller.role, Role::Reception);
        assert_eq!(caller.jti.as_deref(), Some(format!("wc-{n}").as_str()));
        if is_high_s(&token) {
            high.get_or_insert(token);
        } else {
            low.get_or_insert(token);
        }
        if high.is_some() && low.is_some() {
            break;
        }
    }
    let high = high.expect("WebCrypto made no high-S signature in 64 tries");
    assert!(
        low.is_some(),
        "WebCrypto made no low-S signature in 64 tries"
    );

    // The high-S signature's low-S twin (r, n − s) signs the same token: both verify.
    let signature = signature_of(&high);
    let twin = with_signature(&high, &signature[..32], &negate_s(&signature[32..]));
    assert!(!is_high_s(&twin));
    assert!(verify_compact(&twin, &keys).is_ok());
    assert!(verify_compact(&high, &keys).is_ok());

    // And the verifier does verify: another payload under the same signature fails.
    let mut parts: Vec<&str> = high.split('.').collect();
    let other = encode(br#"{"sub":"someone-else","role":"admin"}"#);
    parts[1] = &other;
    assert_eq!(
        verify_compact(&parts.join("."), &keys).unwrap_err(),
        JwsError::BadSignature
    );
}

#[wasm_bindgen_test]
async fn a_webcrypto_key_the_set_does_not_hold_is_refused() {
    let (private, _) = generate().await;
    let (_, other_public) = generate().await;
    let keys = trusted(&other_public).await;
    let header = json!({"alg": "ES256", "kid": KID, "typ": "JWT"});
    let token = jws(&private, &header, &json!({"sub": "x"})).await;
    assert_eq!(
        verify_compact(&token, &keys).unwrap_err(),
        JwsError::BadSignature
    );
}
