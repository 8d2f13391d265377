//! Strict verification of ES256 compact JWS, the one verifier of the project: the gateway
//! checks the host EMR's credentials with it and the component checks the gateway's
//! signed answers with it.
//!
//! Why hand-written: the JOSE crates that support ES256 pull in their own `p256`
//! (0.13) and more than a browser bundle should carry; this module only has to accept one
//! algorithm, so it stays small and every branch is tested (RFC 8725 §3.1–3.4):
//!
//! - `alg` is pinned to `ES256`; `none`, `HS256` and everything else are refused;
//! - the key comes only from the configured [`KeySet`], looked up by `kid` (required);
//!   `jku`, `x5u`, `jwk`, `x5c` and `crit` are refused, as is any header parameter this
//!   module does not know (and a repeated one);
//! - the signature is exactly 64 bytes `r‖s` (JWA §3.4; a DER signature is refused)
//!   with `r` and `s` in `[1, n−1]` (CVE-2022-21449);
//! - **high-S signatures are accepted**: JOSE does not require low-S and WebCrypto
//!   produces high-S half the time; replay protection must use `jti`, never the
//!   signature bytes;
//! - the whole token is capped at [`MAX_TOKEN_BYTES`].
//!
//! Claims (time, audience) are the caller's business: [`crate::credential`] for EMR
//! credentials, [`crate::answer_token`] for the gateway's answers.

mod keys;

pub use keys::{KeyError, KeySet};

use base64ct::{Base64UrlUnpadded, Encoding};
use p256::ecdsa::signature::Verifier;
use p256::ecdsa::{Signature, VerifyingKey};
use serde::Deserialize;
use thiserror::Error;

/// Larger tokens are refused before any decoding (a credential is well under 2 KiB).
pub const MAX_TOKEN_BYTES: usize = 8 * 1024;

/// The only algorithm accepted.
pub const ES256: &str = "ES256";

/// The order n of the P-256 group, big-endian: `r` and `s` must be below it.
const P256_ORDER: [u8; 32] = [
    0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xbc, 0xe6, 0xfa, 0xad, 0xa7, 0x17, 0x9e, 0x84, 0xf3, 0xb9, 0xca, 0xc2, 0xfc, 0x63, 0x25, 0x51,
];

/// Why a token was refused. The texts name the rule, never the token.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum JwsError {
    #[error("the token is larger than {MAX_TOKEN_BYTES} bytes")]
    TooLarge,
    #[error("the token is not three base64url parts separated by dots")]
    Shape,
    #[error("the token's {0} is not unpadded base64url")]
    Encoding(&'static str),
    #[error("the token's header is not a JSON object of known parameters: {0}")]
    Header(String),
    #[error("the token's algorithm is not ES256")]
    Algorithm,
    #[error("the token's header carries `{0}`, which is refused (keys come only from the configured set)")]
    ForbiddenHeader(&'static str),
    #[error("the token's header has no `kid`")]
    MissingKid,
    #[error("the token's `kid` is not among the trusted keys")]
    UnknownKid,
    #[error("the signature is {0} bytes; ES256 signatures are exactly 64 bytes r‖s")]
    SignatureLength(usize),
    #[error("the signature's r or s is 0 or not below the group order")]
    SignatureRange,
    #[error("the signature does not verify")]
    BadSignature,
}

/// A token whose signature verified; its claims are not checked yet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    pub kid: String,
    pub typ: Option<String>,
    /// The decoded payload (JSON by convention, not checked here).
    pub payload: Vec<u8>,
}

/// The protected header, strictly: unknown or repeated parameters fail to parse.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Header {
    alg: String,
    kid: Option<String>,
    typ: Option<String>,
    // Parsed only to be refused by name.
    jku: Option<serde::de::IgnoredAny>,
    x5u: Option<serde::de::IgnoredAny>,
    jwk: Option<serde::de::IgnoredAny>,
    x5c: Option<serde::de::IgnoredAny>,
    crit: Option<serde::de::IgnoredAny>,
}

/// Verifies `token` against `keys` and returns its payload.
pub fn verify_compact(token: &str, keys: &KeySet) -> Result<Verified, JwsError> {
    if token.len() > MAX_TOKEN_BYTES {
        return Err(JwsError::TooLarge);
    }
    let mut parts = token.split('.');
    let (Some(header_part), Some(payload_part), Some(signature_part), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(JwsError::Shape);
    };
    let header_bytes = decode(header_part, "header")?;
    let header: Header = serde_json::from_slice(&header_bytes).map_err(|err| {
        // serde's message names the offending parameter (a name from our list or the
        // token's own key), never a value.
        JwsError::Header(err.to_string())
    })?;
    if header.alg != ES256 {
        return Err(JwsError::Algorithm);
    }
    for (present, name) in [
        (header.jku.is_some(), "jku"),
        (header.x5u.is_some(), "x5u"),
        (header.jwk.is_some(), "jwk"),
        (header.x5c.is_some(), "x5c"),
        (header.crit.is_some(), "crit"),
    ] {
        if present {
            return Err(JwsError::ForbiddenHeader(name));
        }
    }
    let kid = header.kid.ok_or(JwsError::MissingKid)?;
    let key = keys.get(&kid).ok_or(JwsError::UnknownKid)?;
    let signature = decode(signature_part, "signature")?;
    let payload = decode(payload_part, "payload")?;
    let signing_input_len = header_part.len() + 1 + payload_part.len();
    verify_es256(key, &token.as_bytes()[..signing_input_len], &signature)?;
    Ok(Verified {
        kid,
        typ: header.typ,
        payload,
    })
}

/// ES256 over `message` with a 64-byte `r‖s` signature; the check [`verify_compact`]
/// makes, exposed for the Wycheproof vectors.
pub fn verify_es256(key: &VerifyingKey, message: &[u8], signature: &[u8]) -> Result<(), JwsError> {
    if signature.len() != 64 {
        return Err(JwsError::SignatureLength(signature.len()));
    }
    let (r, s) = signature.split_at(32);
    if !in_scalar_range(r) || !in_scalar_range(s) {
        return Err(JwsError::SignatureRange);
    }
    let signature = Signature::from_slice(signature).map_err(|_| JwsError::SignatureRange)?;
    key.verify(message, &signature)
        .map_err(|_| JwsError::BadSignature)
}

/// 1 ≤ v ≤ n − 1 for a 32-byte big-endian `v`.
fn in_scalar_range(v: &[u8]) -> bool {
    v.iter().any(|&b| b != 0) && v < &P256_ORDER[..]
}

/// Unpadded base64url, strictly (no padding, no other alphabet, canonical trailing bits).
pub fn decode(part: &str, what: &'static str) -> Result<Vec<u8>, JwsError> {
    Base64UrlUnpadded::decode_vec(part).map_err(|_| JwsError::Encoding(what))
}

/// Unpadded base64url, as JOSE writes every part.
pub fn encode(bytes: &[u8]) -> String {
    Base64UrlUnpadded::encode_string(bytes)
}

#[cfg(test)]
pub(crate) mod tests;
