//! `onshi-sim gen-cards`: the keys and certificates committed in `sim/fixtures/cards/`.
//!
//! Everything is derived from [`CARDS`] and a ChaCha seed, so running the generator again
//! with the same seed reproduces the committed files byte for byte; the fixtures are test
//! data of a synthetic CA, never anything a real card holds.

use std::str::FromStr;
use std::time::Duration;

use der::asn1::UtcTime;
use der::Encode;
use rand_chacha::rand_core::SeedableRng;
use rand_chacha::ChaCha20Rng;
use rsa::pkcs1v15::{Signature, SigningKey};
use rsa::pkcs8::{EncodePrivateKey, LineEnding};
use rsa::RsaPrivateKey;
use sha2::Sha256;
use thiserror::Error;
use x509_cert::builder::{Builder, CertificateBuilder, Profile};
use x509_cert::name::Name;
use x509_cert::serial_number::SerialNumber;
use x509_cert::spki::SubjectPublicKeyInfoOwned;
use x509_cert::time::{Time, Validity};

use super::catalog::{CardSpec, Issuer, CARDS, CA_NAME, CA_VALIDITY};

/// The seed the committed fixtures were made with ("onshi" in ASCII).
pub const FIXTURE_SEED: u64 = 0x6F_6E73_6869;
/// RSA modulus size of every key, as on today's cards (card-and-transport.md §2).
const KEY_BITS: usize = 2048;

/// Why the fixtures could not be made.
#[derive(Debug, Error)]
pub enum GenerateError {
    /// RSA key generation failed.
    // rsa's errors implement std::error::Error only with its `std` feature, which the
    // wasm32 build cannot have; so they are shown, not chained.
    #[error("RSA key generation failed: {0}")]
    Rsa(rsa::Error),
    /// A certificate field could not be encoded.
    #[error("DER encoding failed: {0}")]
    Der(#[from] der::Error),
    /// The certificate builder refused its input.
    #[error("certificate builder failed: {0}")]
    Builder(#[from] x509_cert::builder::Error),
    /// The public key could not be put into a SubjectPublicKeyInfo.
    #[error("public key encoding failed: {0}")]
    Spki(#[from] x509_cert::spki::Error),
    /// The private key could not be written as PKCS#8.
    #[error("private key encoding failed: {0}")]
    Pkcs8(rsa::pkcs8::Error),
    /// index.json could not be written.
    #[error("index.json encoding failed: {0}")]
    Json(#[from] serde_json::Error),
    /// A file could not be written.
    #[error("cannot write {path}: {source}")]
    Write {
        /// The file.
        path: std::path::PathBuf,
        /// The error.
        source: std::io::Error,
    },
}

/// One file to write into the fixtures folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GeneratedFile {
    /// File name, no directories.
    pub name: String,
    /// Contents.
    pub bytes: Vec<u8>,
}

/// Generate every fixture file. Slow in debug builds (RSA key generation): run the
/// generator with `--release` (scripts/gen-card-fixtures.sh does).
pub fn generate(seed: u64) -> Result<Vec<GeneratedFile>, GenerateError> {
    let mut rng = ChaCha20Rng::seed_from_u64(seed);
    let test_ca = Ca::new(&mut rng, 0x4A50_0000_0000)?;
    let rogue_ca = Ca::new(&mut rng, 0x4A50_0000_0000)?;
    let mut files = vec![
        file("ca.cert.der", test_ca.cert.clone()),
        file("rogue-ca.cert.der", rogue_ca.cert.clone()),
    ];
    for card in CARDS {
        let key = RsaPrivateKey::new(&mut rng, KEY_BITS).map_err(GenerateError::Rsa)?;
        let ca = match card.variant.issuer() {
            Issuer::TestCa => &test_ca,
            Issuer::Rogue => &rogue_ca,
        };
        let cert = ca.issue(card, &key)?;
        let pem = key
            .to_pkcs8_pem(LineEnding::LF)
            .map_err(GenerateError::Pkcs8)?;
        files.push(file(&format!("{}.cert.der", card.id), cert));
        files.push(file(
            &format!("{}.key.pem", card.id),
            pem.as_bytes().to_vec(),
        ));
    }
    files.push(file("index.json", index_json(seed)?.into_bytes()));
    Ok(files)
}

/// Generate the fixtures and write them into `dir` (created if missing); the paths written.
pub fn write_fixtures(
    dir: &std::path::Path,
    seed: u64,
) -> Result<Vec<std::path::PathBuf>, GenerateError> {
    let files = generate(seed)?;
    std::fs::create_dir_all(dir).map_err(|source| GenerateError::Write {
        path: dir.to_path_buf(),
        source,
    })?;
    files
        .into_iter()
        .map(|file| {
            let path = dir.join(&file.name);
            std::fs::write(&path, &file.bytes)
                .map(|()| path.clone())
                .map_err(|source| GenerateError::Write { path, source })
        })
        .collect()
}

fn file(name: &str, bytes: Vec<u8>) -> GeneratedFile {
    GeneratedFile {
        name: name.to_string(),
        bytes,
    }
}

/// A CA's signing key and its self-signed certificate.
struct Ca {
    signer: SigningKey<Sha256>,
    cert: Vec<u8>,
}

impl Ca {
    fn new(rng: &mut ChaCha20Rng, serial: u64) -> Result<Self, GenerateError> {
        let key = RsaPrivateKey::new(rng, KEY_BITS).map_err(GenerateError::Rsa)?;
        let spki = SubjectPublicKeyInfoOwned::from_key(key.to_public_key())?;
        let signer = SigningKey::<Sha256>::new(key);
        let cert = build(
            Profile::Root,
            &serial.to_be_bytes()[2..],
            CA_VALIDITY,
            CA_NAME,
            spki,
            &signer,
        )?;
        Ok(Ca { signer, cert })
    }

    fn issue(&self, card: &CardSpec, key: &RsaPrivateKey) -> Result<Vec<u8>, GenerateError> {
        let profile = Profile::Leaf {
            issuer: Name::from_str(CA_NAME)?,
            enable_key_agreement: false,
            enable_key_encipherment: false,
        };
        let spki = SubjectPublicKeyInfoOwned::from_key(key.to_public_key())?;
        build(
            profile,
            &card.serial_bytes(),
            card.variant.validity(),
            &card.subject(),
            spki,
            &self.signer,
        )
    }
}

fn build(
    profile: Profile,
    serial: &[u8],
    (not_before, not_after): (u64, u64),
    subject: &str,
    spki: SubjectPublicKeyInfoOwned,
    signer: &SigningKey<Sha256>,
) -> Result<Vec<u8>, GenerateError> {
    let validity = Validity {
        not_before: utc(not_before)?,
        not_after: utc(not_after)?,
    };
    let builder = CertificateBuilder::new(
        profile,
        SerialNumber::new(serial)?,
        validity,
        Name::from_str(subject)?,
        spki,
        signer,
    )?;
    Ok(builder.build::<Signature>()?.to_der()?)
}

fn utc(unix: u64) -> Result<Time, der::Error> {
    Ok(Time::UtcTime(UtcTime::from_unix_duration(
        Duration::from_secs(unix),
    )?))
}

/// `index.json`: card id → holder, variant, PIN, files. Depends only on [`CARDS`] and the
/// seed, so a test can check the committed one without generating keys.
pub fn index_json(seed: u64) -> Result<String, GenerateError> {
    let cards: Vec<serde_json::Value> = CARDS
        .iter()
        .map(|card| {
            let (not_before, not_after) = card.variant.validity();
            serde_json::json!({
                "id": card.id,
                "person_key": card.person_key,
                "variant": card.variant,
                "pin": card.pin,
                "tries": card.variant.initial_tries(),
                "token_label": card.variant.token_label(),
                "serial": card.serial_hex(),
                "not_before": iso(not_before),
                "not_after": iso(not_after),
                "certificate": format!("{}.cert.der", card.id),
                "private_key": format!("{}.key.pem", card.id),
                "issuer_certificate": match card.variant.issuer() {
                    Issuer::TestCa => "ca.cert.der",
                    Issuer::Rogue => "rogue-ca.cert.der",
                },
            })
        })
        .collect();
    let index = serde_json::json!({
        "about": "Synthetic virtual My Number Cards for onshi tests. Test CA, test keys, \
                  made-up PINs; regenerate with scripts/gen-card-fixtures.sh.",
        "seed": seed,
        "ca": { "name": CA_NAME, "certificate": "ca.cert.der",
                "not_before": iso(CA_VALIDITY.0), "not_after": iso(CA_VALIDITY.1) },
        "rogue_ca": { "name": CA_NAME, "certificate": "rogue-ca.cert.der" },
        "cards": cards,
    });
    let mut text = serde_json::to_string_pretty(&index)?;
    text.push('\n');
    Ok(text)
}

fn iso(unix: u64) -> String {
    let at = i64::try_from(unix)
        .ok()
        .and_then(|secs| time::OffsetDateTime::from_unix_timestamp(secs).ok())
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        at.year(),
        u8::from(at.month()),
        at.day(),
        at.hour(),
        at.minute(),
        at.second()
    )
}
