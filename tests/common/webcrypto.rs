//! ES256 with the browser's own WebCrypto, as an EMR's server or page would sign a
//! credential: P-256 keys from `crypto.subtle`, and signatures that are already JOSE's
//! 64-byte `r‖s` (WebCrypto's ECDSA output is IEEE P1363, not DER). WebCrypto does not
//! normalise `s`, so about half of its signatures are "high-S".

use js_sys::{Array, Uint8Array};
use onshi_core::jose::encode;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{CryptoKey, EcKeyGenParams, EcKeyImportParams, EcdsaParams, SubtleCrypto};

/// (n − 1) / 2 for the P-256 group order n, big-endian: `s` above it is high-S.
pub const HALF_ORDER: [u8; 32] = [
    0x7f, 0xff, 0xff, 0xff, 0x80, 0x00, 0x00, 0x00, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xde, 0x73, 0x7d, 0x56, 0xd3, 0x8b, 0xcf, 0x42, 0x79, 0xdc, 0xe5, 0x61, 0x7e, 0x31, 0x92, 0xa8,
];

/// The P-256 group order n, big-endian.
pub const ORDER: [u8; 32] = [
    0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xbc, 0xe6, 0xfa, 0xad, 0xa7, 0x17, 0x9e, 0x84, 0xf3, 0xb9, 0xca, 0xc2, 0xfc, 0x63, 0x25, 0x51,
];

fn subtle() -> SubtleCrypto {
    web_sys::window()
        .expect("a window")
        .crypto()
        .expect("WebCrypto")
        .subtle()
}

fn usages(names: &[&str]) -> Array {
    names.iter().map(|name| JsValue::from_str(name)).collect()
}

async fn settle(promise: Result<js_sys::Promise, JsValue>) -> JsValue {
    JsFuture::from(promise.expect("a WebCrypto promise"))
        .await
        .unwrap_or_else(|e| panic!("WebCrypto refused: {e:?}"))
}

/// A new P-256 signing key pair: (private, public).
pub async fn generate() -> (CryptoKey, CryptoKey) {
    let pair = settle(subtle().generate_key_with_object(
        &EcKeyGenParams::new("ECDSA", "P-256"),
        true,
        &usages(&["sign", "verify"]),
    ))
    .await;
    let get = |name: &str| -> CryptoKey {
        js_sys::Reflect::get(&pair, &name.into())
            .expect("a key pair")
            .unchecked_into()
    };
    (get("privateKey"), get("publicKey"))
}

/// The key as a JWK (JSON), e.g. the public half for a JWK Set.
pub async fn export_jwk(key: &CryptoKey) -> serde_json::Value {
    let jwk = settle(subtle().export_key("jwk", key)).await;
    let text = String::from(js_sys::JSON::stringify(&jwk).expect("JSON"));
    serde_json::from_str(&text).expect("a JWK")
}

/// Imports a private P-256 JWK (a JSON string, as the test script passes it) for signing.
pub async fn import_private_jwk(jwk_json: &str) -> CryptoKey {
    let jwk: js_sys::Object = js_sys::JSON::parse(jwk_json)
        .expect("the issuer key is JSON")
        .unchecked_into();
    let params = EcKeyImportParams::new("ECDSA");
    params.set_named_curve("P-256");
    settle(subtle().import_key_with_object("jwk", &jwk, &params, false, &usages(&["sign"])))
        .await
        .unchecked_into()
}

/// ECDSA P-256 with SHA-256 over `data`: 64 bytes `r‖s`.
pub async fn sign(key: &CryptoKey, data: &[u8]) -> Vec<u8> {
    let signature = settle(subtle().sign_with_object_and_u8_array(
        &EcdsaParams::new_with_str("ECDSA", "SHA-256"),
        key,
        data,
    ))
    .await;
    Uint8Array::new(&signature).to_vec()
}

/// A compact JWS (ES256) of `header` and `payload`, signed by WebCrypto.
pub async fn jws(
    key: &CryptoKey,
    header: &serde_json::Value,
    payload: &serde_json::Value,
) -> String {
    let input = format!(
        "{}.{}",
        encode(header.to_string().as_bytes()),
        encode(payload.to_string().as_bytes())
    );
    let signature = sign(key, input.as_bytes()).await;
    assert_eq!(signature.len(), 64, "WebCrypto's ECDSA is r‖s");
    format!("{input}.{}", encode(&signature))
}

/// Whether the signature part of `token` has s > n/2.
pub fn is_high_s(token: &str) -> bool {
    let signature = signature_of(token);
    signature[32..] > HALF_ORDER[..]
}

pub fn signature_of(token: &str) -> Vec<u8> {
    let part = token.rsplit('.').next().expect("three parts");
    onshi_core::jose::decode(part, "signature").expect("base64url")
}

/// n − s for a 32-byte big-endian `s` (the other signature of the same message).
pub fn negate_s(s: &[u8]) -> [u8; 32] {
    let mut out = [0u8; 32];
    let mut borrow = 0i16;
    for i in (0..32).rev() {
        let mut d = ORDER[i] as i16 - s[i] as i16 - borrow;
        borrow = if d < 0 {
            d += 256;
            1
        } else {
            0
        };
        out[i] = d as u8;
    }
    out
}
