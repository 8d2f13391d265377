//! A JWK Set of trusted P-256 public keys, looked up by `kid`: the EMR's issuer keys on
//! the gateway (`--trust-keys`), the gateway's own key in the component (`GET /v1/keys`).
//!
//! A set is refused as a whole when any key is not an ES256 verification key, so a
//! wrongly exported file (an RSA key, a private key) is found at start, not at the first
//! patient.

use std::collections::BTreeMap;

use p256::ecdsa::VerifyingKey;
use serde::Deserialize;
use thiserror::Error;

use super::{decode, ES256};

/// Why a JWK Set was refused; the texts name the key by `kid`, never its material.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum KeyError {
    #[error("the key set is not JSON of the form {{\"keys\":[…]}}: {0}")]
    Json(String),
    #[error("the key set holds no keys")]
    Empty,
    #[error("a key has no `kid`; every trusted key needs one")]
    MissingKid,
    #[error("two keys share the kid {0:?}")]
    DuplicateKid(String),
    #[error("key {0:?} is not an EC P-256 key (kty EC, crv P-256)")]
    NotP256(String),
    #[error("key {0:?} is marked for another algorithm or use than ES256 signatures")]
    NotForEs256(String),
    #[error("key {0:?} holds a private part (`d`); a trust file must hold public keys only")]
    Private(String),
    #[error("key {0:?} is not a point on P-256")]
    BadPoint(String),
}

#[derive(Debug, Deserialize)]
struct JwkSet {
    keys: Vec<Jwk>,
}

#[derive(Debug, Deserialize)]
struct Jwk {
    kty: Option<String>,
    crv: Option<String>,
    kid: Option<String>,
    x: Option<String>,
    y: Option<String>,
    d: Option<serde::de::IgnoredAny>,
    alg: Option<String>,
    #[serde(rename = "use")]
    usage: Option<String>,
}

/// Trusted verification keys by `kid`.
#[derive(Debug, Clone, Default)]
pub struct KeySet {
    keys: BTreeMap<String, VerifyingKey>,
}

impl KeySet {
    /// Reads a JWK Set document.
    pub fn from_jwks(json: &[u8]) -> Result<Self, KeyError> {
        let set: JwkSet =
            serde_json::from_slice(json).map_err(|err| KeyError::Json(err.to_string()))?;
        if set.keys.is_empty() {
            return Err(KeyError::Empty);
        }
        let mut keys = BTreeMap::new();
        for jwk in set.keys {
            let kid = jwk.kid.clone().ok_or(KeyError::MissingKid)?;
            let key = verifying_key(&kid, &jwk)?;
            if keys.insert(kid.clone(), key).is_some() {
                return Err(KeyError::DuplicateKid(kid));
            }
        }
        Ok(Self { keys })
    }

    /// A set of one key (the gateway's own, in tests and in the component).
    pub fn single(kid: impl Into<String>, key: VerifyingKey) -> Self {
        let mut keys = BTreeMap::new();
        keys.insert(kid.into(), key);
        Self { keys }
    }

    pub fn get(&self, kid: &str) -> Option<&VerifyingKey> {
        self.keys.get(kid)
    }

    pub fn len(&self) -> usize {
        self.keys.len()
    }

    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// The kids, for logs ("trusting keys a, b").
    pub fn kids(&self) -> impl Iterator<Item = &str> {
        self.keys.keys().map(String::as_str)
    }
}

fn verifying_key(kid: &str, jwk: &Jwk) -> Result<VerifyingKey, KeyError> {
    if jwk.kty.as_deref() != Some("EC") || jwk.crv.as_deref() != Some("P-256") {
        return Err(KeyError::NotP256(kid.to_string()));
    }
    if jwk.alg.as_deref().is_some_and(|alg| alg != ES256)
        || jwk.usage.as_deref().is_some_and(|usage| usage != "sig")
    {
        return Err(KeyError::NotForEs256(kid.to_string()));
    }
    if jwk.d.is_some() {
        return Err(KeyError::Private(kid.to_string()));
    }
    let coordinate = |part: &Option<String>| {
        part.as_deref()
            .and_then(|text| decode(text, "key").ok())
            .filter(|bytes| bytes.len() == 32)
            .ok_or_else(|| KeyError::BadPoint(kid.to_string()))
    };
    let (x, y) = (coordinate(&jwk.x)?, coordinate(&jwk.y)?);
    let mut sec1 = Vec::with_capacity(65);
    sec1.push(0x04);
    sec1.extend_from_slice(&x);
    sec1.extend_from_slice(&y);
    VerifyingKey::from_sec1_bytes(&sec1).map_err(|_| KeyError::BadPoint(kid.to_string()))
}
