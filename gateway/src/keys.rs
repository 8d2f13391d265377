//! The gateway's own signing key: one P-256 key per desk, made on the first start from the
//! operating system's randomness and kept as PKCS#8 PEM in `<data-dir>/gateway-key.pem`.
//!
//! Why a key of its own: what the gateway vouches for must be checkable away from this PC:
//! the audit log's checkpoints ([`crate::audit`]), an ES256 signature over the chain's head
//! that can be exported (EMR server, printout, immutable backup) so that a later rewrite of
//! the log on this PC shows, and the answer tokens of `onshi_core::answer_token`, which the
//! component and the EMR check against [`GatewayKey::jwks`].
//!
//! The key file is created owner-only (mode 0600 on unix, set when the file is created, so
//! it is never readable by others even for a moment), and a key file that group or others
//! can read is refused at start: a key others may have copied no longer proves anything.
//! On Windows the file inherits the data folder's ACL, which the installer restricts.
//!
//! Keys are named by their RFC 7638 JWK thumbprint (`kid`), so a checkpoint signed by any
//! desk names the key it was signed with, and the key's JWK travels with it. This module
//! only signs; signatures are checked by the project's one strict verifier,
//! `onshi_core::jose::verify_compact` (with [`GatewayKey::key_set`], or a key set read from
//! a stored JWK).

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use onshi_core::jose::{encode, KeySet};
use p256::ecdsa::signature::Signer;
use p256::ecdsa::{Signature, SigningKey, VerifyingKey};
use p256::elliptic_curve::Generate;
use p256::pkcs8::{DecodePrivateKey, EncodePrivateKey, LineEnding};
use serde::Serialize;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use thiserror::Error;

/// File holding the key inside the data folder.
pub const KEY_FILE: &str = "gateway-key.pem";

/// The JWS algorithm of every signature the gateway makes.
pub const ALG: &str = "ES256";

#[derive(Debug, Error)]
pub enum KeyError {
    #[error("cannot read or write the gateway key {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error(
        "the gateway key {path} can be read by other users (mode {mode:o}); a key others may \
         have copied proves nothing. Restrict it (chmod 600) if nobody else has read it, or \
         move it away so a new key is made, and tell whoever checks this desk's signatures"
    )]
    Exposed { path: PathBuf, mode: u32 },
    #[error("the gateway key {path} is not a P-256 PKCS#8 PEM key: {reason}")]
    Unreadable { path: PathBuf, reason: String },
    #[error("cannot make a gateway key: {0}")]
    Generate(String),
}

/// This desk's signing key.
#[derive(Clone)]
pub struct GatewayKey {
    signing: SigningKey,
    /// The public half as a JWK without `kid`/`use`/`alg`: the RFC 7638 members only.
    x: String,
    y: String,
    kid: String,
}

impl std::fmt::Debug for GatewayKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GatewayKey")
            .field("kid", &self.kid)
            .finish_non_exhaustive()
    }
}

impl GatewayKey {
    /// The key in `<data_dir>/gateway-key.pem`, made and stored first if there is none.
    /// Refuses a key file others can read (unix) and one that does not hold a key: a
    /// damaged key file is never silently replaced, since signatures made with it must stay
    /// attributable.
    pub fn load_or_create(data_dir: &Path) -> Result<Self, KeyError> {
        let path = data_dir.join(KEY_FILE);
        match Self::load(&path) {
            Err(KeyError::Io { source, .. }) if source.kind() == io::ErrorKind::NotFound => {}
            other => return other,
        }
        let key = Self::from_signing_key(SigningKey::generate());
        match key.store_new(&path) {
            Ok(()) => Ok(key),
            // Another process made one at the same moment: use that one.
            Err(KeyError::Io { source, .. }) if source.kind() == io::ErrorKind::AlreadyExists => {
                Self::load(&path)
            }
            Err(err) => Err(err),
        }
    }

    /// The key stored at `path`.
    pub fn load(path: &Path) -> Result<Self, KeyError> {
        let io_err = |source| KeyError::Io {
            path: path.to_path_buf(),
            source,
        };
        let metadata = fs::metadata(path).map_err(io_err)?;
        check_private(path, &metadata)?;
        let pem = zeroize::Zeroizing::new(fs::read_to_string(path).map_err(io_err)?);
        let signing = SigningKey::from_pkcs8_pem(&pem).map_err(|err| KeyError::Unreadable {
            path: path.to_path_buf(),
            reason: err.to_string(),
        })?;
        Ok(Self::from_signing_key(signing))
    }

    /// A key that is never stored (tests, tools).
    pub fn ephemeral() -> Self {
        Self::from_signing_key(SigningKey::generate())
    }

    fn from_signing_key(signing: SigningKey) -> Self {
        let point = signing.verifying_key().to_sec1_point(false);
        let (Some(x), Some(y)) = (point.x(), point.y()) else {
            unreachable!("an uncompressed point has both coordinates")
        };
        let x = encode(x);
        let y = encode(y);
        let kid = thumbprint_of(&x, &y);
        Self { signing, x, y, kid }
    }

    /// Writes the key to a new owner-only file; never replaces an existing one.
    fn store_new(&self, path: &Path) -> Result<(), KeyError> {
        let io_err = |source| KeyError::Io {
            path: path.to_path_buf(),
            source,
        };
        let pem = self
            .signing
            .to_pkcs8_pem(LineEnding::LF)
            .map_err(|err| KeyError::Generate(err.to_string()))?;
        // Written under a temporary name of its own, then linked into place: the key file
        // either does not exist or holds the whole key, and a key made at the same moment
        // by another process is never replaced (the link fails instead).
        let mut suffix = [0u8; 8];
        getrandom::getrandom(&mut suffix).map_err(|err| KeyError::Generate(err.to_string()))?;
        let suffix: String = suffix.iter().map(|b| format!("{b:02x}")).collect();
        let temp = path.with_extension(format!("pem.{suffix}.tmp"));
        let mut file = create_private(&temp).map_err(io_err)?;
        let written = file
            .write_all(pem.as_bytes())
            .and_then(|()| file.sync_all())
            .and_then(|()| fs::hard_link(&temp, path));
        let _ = fs::remove_file(&temp);
        written.map_err(io_err)?;
        if let Some(dir) = path.parent() {
            sync_dir(dir);
        }
        Ok(())
    }

    /// RFC 7638 thumbprint of the public key, base64url (no padding).
    pub fn kid(&self) -> &str {
        &self.kid
    }

    /// The public key as a JWK: `kty`, `crv`, `x`, `y`, `kid`, `use: "sig"`, `alg: "ES256"`.
    pub fn public_jwk(&self) -> Value {
        json!({
            "kty": "EC",
            "crv": "P-256",
            "x": self.x,
            "y": self.y,
            "kid": self.kid,
            "use": "sig",
            "alg": ALG,
        })
    }

    /// `{"keys":[public_jwk]}`, a JWK Set.
    pub fn jwks(&self) -> Value {
        json!({ "keys": [self.public_jwk()] })
    }

    /// The public key (for checks in this process).
    pub fn verifying_key(&self) -> &VerifyingKey {
        self.signing.verifying_key()
    }

    /// This key alone as a key set for `onshi_core::jose::verify_compact`.
    pub fn key_set(&self) -> KeySet {
        KeySet::single(self.kid.clone(), *self.signing.verifying_key())
    }

    /// An ES256 compact JWS over `payload` with the protected header
    /// `{"alg":"ES256","typ":typ,"kid":kid}`; the signature is the fixed 64-byte `r‖s`.
    pub fn sign_compact(&self, typ: &str, payload: &Value) -> String {
        #[derive(Serialize)]
        struct Header<'a> {
            alg: &'a str,
            typ: &'a str,
            kid: &'a str,
        }
        let header = Header {
            alg: ALG,
            typ,
            kid: &self.kid,
        };
        // Serialising a struct of strings and a `Value` cannot fail.
        let header = serde_json::to_vec(&header).unwrap_or_default();
        let payload = serde_json::to_vec(payload).unwrap_or_default();
        let input = format!("{}.{}", encode(&header), encode(&payload));
        let signature: Signature = self.signing.sign(input.as_bytes());
        format!("{input}.{}", encode(&signature.to_bytes()))
    }
}

/// RFC 7638 thumbprint of a P-256 JWK (only `crv`, `kty`, `x`, `y` count); `None` unless
/// the JWK is an EC P-256 key with both coordinates. Whether the coordinates are a point
/// is for the key set that reads the JWK to say.
pub fn thumbprint(jwk: &Value) -> Option<String> {
    let member = |name| jwk.get(name).and_then(Value::as_str);
    if member("kty") != Some("EC") || member("crv") != Some("P-256") {
        return None;
    }
    let (x, y) = (member("x")?, member("y")?);
    // Only base64url characters, so the canonical JSON below needs no escaping.
    let plain = |v: &str| {
        v.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    };
    (plain(x) && plain(y)).then(|| thumbprint_of(x, y))
}

/// RFC 7638: SHA-256 over the required members in lexicographic order, no whitespace.
/// `x` and `y` are base64url, so they need no JSON escaping.
fn thumbprint_of(x: &str, y: &str) -> String {
    let canonical = format!(r#"{{"crv":"P-256","kty":"EC","x":"{x}","y":"{y}"}}"#);
    encode(&Sha256::digest(canonical.as_bytes()))
}

#[cfg(unix)]
fn create_private(path: &Path) -> io::Result<File> {
    use std::os::unix::fs::OpenOptionsExt;
    OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
}

#[cfg(not(unix))]
fn create_private(path: &Path) -> io::Result<File> {
    OpenOptions::new().write(true).create_new(true).open(path)
}

#[cfg(unix)]
fn check_private(path: &Path, metadata: &fs::Metadata) -> Result<(), KeyError> {
    use std::os::unix::fs::PermissionsExt;
    let mode = metadata.permissions().mode() & 0o777;
    if mode & 0o077 != 0 {
        return Err(KeyError::Exposed {
            path: path.to_path_buf(),
            mode,
        });
    }
    Ok(())
}

#[cfg(not(unix))]
fn check_private(_path: &Path, _metadata: &fs::Metadata) -> Result<(), KeyError> {
    Ok(())
}

/// Makes a new directory entry durable (unix; elsewhere a no-op).
fn sync_dir(dir: &Path) {
    #[cfg(unix)]
    if let Ok(dir) = File::open(dir) {
        let _ = dir.sync_all();
    }
    #[cfg(not(unix))]
    let _ = dir;
}

#[cfg(test)]
mod tests {
    use super::*;

    use onshi_core::jose::{decode, verify_compact, JwsError};
    use p256::ecdsa::signature::Verifier;

    fn split(jws: &str) -> Vec<Vec<u8>> {
        jws.split('.')
            .map(|part| decode(part, "part").unwrap())
            .collect()
    }

    #[test]
    fn a_signature_round_trips_through_a_verifying_key() {
        let dir = tempfile::tempdir().unwrap();
        let key = GatewayKey::load_or_create(dir.path()).unwrap();
        let payload =
            json!({"seq": 7, "head": "ab", "count": 7, "at": "2026-11-25T08:00:00.000+09:00"});
        let jws = key.sign_compact("onshi-audit-checkpoint", &payload);
        let parts = split(&jws);
        assert_eq!(parts.len(), 3);
        let header: Value = serde_json::from_slice(&parts[0]).unwrap();
        assert_eq!(
            header,
            json!({"alg": "ES256", "typ": "onshi-audit-checkpoint", "kid": key.kid()})
        );
        assert_eq!(serde_json::from_slice::<Value>(&parts[1]).unwrap(), payload);
        assert_eq!(parts[2].len(), 64, "r‖s, not DER");
        assert!(!jws.contains('='), "no padding");

        // With p256 directly, from the published JWK alone.
        let set = KeySet::from_jwks(key.jwks().to_string().as_bytes()).unwrap();
        let verifying = set.get(key.kid()).unwrap();
        assert_eq!(verifying, key.verifying_key());
        let signature = Signature::from_slice(&parts[2]).unwrap();
        let input = jws.rsplit_once('.').unwrap().0;
        verifying.verify(input.as_bytes(), &signature).unwrap();

        // With the project's strict verifier.
        let verified = verify_compact(&jws, &set).unwrap();
        assert_eq!(verified.kid, key.kid());
        assert_eq!(verified.typ.as_deref(), Some("onshi-audit-checkpoint"));
        assert_eq!(
            serde_json::from_slice::<Value>(&verified.payload).unwrap(),
            payload
        );
        assert!(verify_compact(&jws, &key.key_set()).is_ok());
        // Any change to the signed part fails; another key does not know the kid.
        let mut forged = jws.clone().into_bytes();
        let at = jws.find('.').unwrap() + 3;
        forged[at] = if forged[at] == b'A' { b'B' } else { b'A' };
        assert!(verify_compact(std::str::from_utf8(&forged).unwrap(), &set).is_err());
        let other = GatewayKey::ephemeral();
        assert_eq!(
            verify_compact(&jws, &other.key_set()),
            Err(JwsError::UnknownKid)
        );
        let impostor = KeySet::single(key.kid(), *other.verifying_key());
        assert_eq!(verify_compact(&jws, &impostor), Err(JwsError::BadSignature));
    }

    #[test]
    fn the_kid_is_the_rfc_7638_thumbprint() {
        // RFC 7638 §3.1 computes over exactly these members in this order; check against
        // a thumbprint made independently from the JWK text.
        let key = GatewayKey::ephemeral();
        let jwk = key.public_jwk();
        let canonical = format!(
            "{{\"crv\":\"P-256\",\"kty\":\"EC\",\"x\":\"{}\",\"y\":\"{}\"}}",
            jwk["x"].as_str().unwrap(),
            jwk["y"].as_str().unwrap()
        );
        let expected = encode(&Sha256::digest(canonical.as_bytes()));
        assert_eq!(key.kid(), expected);
        assert_eq!(thumbprint(&jwk).unwrap(), expected);
        assert_eq!(
            thumbprint(&json!({"kty": "RSA", "n": "x", "e": "AQAB"})),
            None
        );
        assert_eq!(
            thumbprint(&json!({"kty": "EC", "crv": "P-256", "x": "a\"b", "y": "c"})),
            None
        );
        assert_eq!(key.kid().len(), 43);
        assert_eq!(jwk["use"], "sig");
        assert_eq!(jwk["alg"], "ES256");
        assert_eq!(jwk["kid"], key.kid());
        assert_eq!(key.jwks(), json!({ "keys": [jwk] }));
    }

    #[test]
    fn a_second_load_gives_the_same_key() {
        let dir = tempfile::tempdir().unwrap();
        let first = GatewayKey::load_or_create(dir.path()).unwrap();
        let second = GatewayKey::load_or_create(dir.path()).unwrap();
        assert_eq!(first.kid(), second.kid());
        let pem = fs::read_to_string(dir.path().join(KEY_FILE)).unwrap();
        assert!(pem.starts_with("-----BEGIN PRIVATE KEY-----"), "PKCS#8");
        let left: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(
            left,
            vec![std::ffi::OsString::from(KEY_FILE)],
            "no temp file left"
        );
        let other = tempfile::tempdir().unwrap();
        assert_ne!(
            GatewayKey::load_or_create(other.path()).unwrap().kid(),
            first.kid()
        );
    }

    #[test]
    fn two_processes_starting_at_once_end_up_with_one_key() {
        for _ in 0..10 {
            let dir = tempfile::tempdir().unwrap();
            let kids: Vec<String> = std::thread::scope(|scope| {
                let starts: Vec<_> = (0..4)
                    .map(|_| {
                        scope.spawn(|| {
                            GatewayKey::load_or_create(dir.path())
                                .unwrap()
                                .kid()
                                .to_string()
                        })
                    })
                    .collect();
                starts.into_iter().map(|s| s.join().unwrap()).collect()
            });
            assert!(kids.iter().all(|kid| kid == &kids[0]), "{kids:?}");
            assert_eq!(
                GatewayKey::load_or_create(dir.path()).unwrap().kid(),
                kids[0]
            );
        }
    }

    #[test]
    fn a_damaged_key_file_is_refused_not_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(KEY_FILE);
        create_private(&path)
            .unwrap()
            .write_all(b"not a key")
            .unwrap();
        assert!(matches!(
            GatewayKey::load_or_create(dir.path()),
            Err(KeyError::Unreadable { .. })
        ));
        assert_eq!(fs::read(&path).unwrap(), b"not a key");
    }

    #[cfg(unix)]
    #[test]
    fn the_key_file_is_owner_only_and_a_readable_one_is_refused() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let key = GatewayKey::load_or_create(dir.path()).unwrap();
        let path = dir.path().join(KEY_FILE);
        let mode = fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);

        for exposed in [0o640, 0o604, 0o660] {
            fs::set_permissions(&path, fs::Permissions::from_mode(exposed)).unwrap();
            let err = GatewayKey::load_or_create(dir.path()).unwrap_err();
            assert!(
                matches!(err, KeyError::Exposed { mode, .. } if mode == exposed),
                "{err}"
            );
            assert!(err.to_string().contains("chmod 600"), "{err}");
        }
        // Not replaced: restricted again, the same key loads.
        fs::set_permissions(&path, fs::Permissions::from_mode(0o600)).unwrap();
        assert_eq!(
            GatewayKey::load_or_create(dir.path()).unwrap().kid(),
            key.kid()
        );
    }
}
