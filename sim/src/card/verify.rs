//! The simulated national side's check of a JPKI authentication: is the certificate ours,
//! current, and did its key sign this challenge? If so, whose card is it?
//!
//! The real 利用者証明用電子証明書 names no one, so the holder is found by the certificate's
//! serial number, as the national side (J-LIS) does; only after the chain is proven,
//! because a counterfeit can copy a serial.

use std::time::{Duration, SystemTime};

use der::asn1::ObjectIdentifier;
use der::{Decode, Encode};
use rsa::pkcs8::DecodePublicKey;
use rsa::{Pkcs1v15Sign, RsaPublicKey};
use sha2::{Digest, Sha256};
use thiserror::Error;
use x509_cert::Certificate;

use super::catalog::{self, CardVariant, Issuer, TEST_CA_CERT};

const SHA256_WITH_RSA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.11");

/// Whose card signed: what the gateway learns from a successful check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CardHolderRef {
    /// The virtual card's id.
    pub card_id: &'static str,
    /// The sample person's [`crate::SamplePatient::key`].
    pub person_key: &'static str,
    /// The card's variant (a phone token signs as its holder too).
    pub variant: CardVariant,
    /// Certificate serial number, upper-case hex.
    pub serial_hex: String,
}

/// Why an authentication was refused. Each says which check failed, never more.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum VerifyError {
    /// Not a parseable X.509 certificate.
    #[error("malformed certificate: {0}")]
    MalformedCertificate(String),
    /// Not issued by the test JPKI CA: other issuer name, or a CA signature that does not
    /// verify with the test CA's key.
    #[error("the certificate was not issued by the onshi test JPKI CA")]
    UntrustedIssuer,
    /// A signature or key algorithm this side does not accept.
    #[error("unsupported algorithm {0}")]
    UnsupportedAlgorithm(String),
    /// Before the certificate's notBefore.
    #[error("the certificate is not valid yet")]
    NotYetValid,
    /// After the certificate's notAfter.
    #[error("the certificate has expired")]
    Expired,
    /// The card's signature over the challenge does not verify.
    #[error("the signature over the challenge does not verify")]
    BadSignature,
    /// A genuine certificate that no simulated card holds.
    #[error("no card holder is registered for certificate serial {0}")]
    UnknownCard(String),
}

/// Check `signature` (PKCS#1 v1.5 over the SHA-256 DigestInfo of `challenge`) against
/// `cert_der`, the certificate's chain to the test CA and its validity at `at`.
pub fn verify_authentication(
    cert_der: &[u8],
    challenge: &[u8],
    signature: &[u8],
    at: SystemTime,
) -> Result<CardHolderRef, VerifyError> {
    let cert = Certificate::from_der(cert_der)
        .map_err(|error| VerifyError::MalformedCertificate(error.to_string()))?;
    check_issuer(&cert)?;
    check_validity(&cert, at)?;

    let key = public_key(&cert)?;
    key.verify(
        Pkcs1v15Sign::new::<Sha256>(),
        &Sha256::digest(challenge),
        signature,
    )
    .map_err(|_| VerifyError::BadSignature)?;

    let serial = cert.tbs_certificate.serial_number.as_bytes();
    catalog::CARDS
        .iter()
        .find(|card| card.variant.issuer() == Issuer::TestCa && card.serial_bytes() == serial)
        .map(|card| CardHolderRef {
            card_id: card.id,
            person_key: card.person_key,
            variant: card.variant,
            serial_hex: card.serial_hex(),
        })
        .ok_or_else(|| VerifyError::UnknownCard(hex(serial)))
}

fn check_issuer(cert: &Certificate) -> Result<(), VerifyError> {
    let ca = Certificate::from_der(TEST_CA_CERT)
        .map_err(|error| VerifyError::MalformedCertificate(format!("test CA: {error}")))?;
    if cert.tbs_certificate.issuer != ca.tbs_certificate.subject {
        return Err(VerifyError::UntrustedIssuer);
    }
    if cert.signature_algorithm.oid != SHA256_WITH_RSA {
        return Err(VerifyError::UnsupportedAlgorithm(
            cert.signature_algorithm.oid.to_string(),
        ));
    }
    let tbs = cert
        .tbs_certificate
        .to_der()
        .map_err(|error| VerifyError::MalformedCertificate(error.to_string()))?;
    let ca_signature = cert
        .signature
        .as_bytes()
        .ok_or(VerifyError::UntrustedIssuer)?;
    public_key(&ca)?
        .verify(
            Pkcs1v15Sign::new::<Sha256>(),
            &Sha256::digest(&tbs),
            ca_signature,
        )
        .map_err(|_| VerifyError::UntrustedIssuer)
}

fn check_validity(cert: &Certificate, at: SystemTime) -> Result<(), VerifyError> {
    let validity = &cert.tbs_certificate.validity;
    let at = at
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap_or(Duration::ZERO);
    if at < validity.not_before.to_unix_duration() {
        return Err(VerifyError::NotYetValid);
    }
    if at > validity.not_after.to_unix_duration() {
        return Err(VerifyError::Expired);
    }
    Ok(())
}

fn public_key(cert: &Certificate) -> Result<RsaPublicKey, VerifyError> {
    let spki = &cert.tbs_certificate.subject_public_key_info;
    let der = spki
        .to_der()
        .map_err(|error| VerifyError::MalformedCertificate(error.to_string()))?;
    RsaPublicKey::from_public_key_der(&der)
        .map_err(|_| VerifyError::UnsupportedAlgorithm(spki.algorithm.oid.to_string()))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02X}")).collect()
}
