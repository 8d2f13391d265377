//! The 利用者証明用電子証明書 read from EF 000A: how long it is, and what it says.
//!
//! Parsing is x509-cert's; this module only picks out what the flow and the UI need and
//! names the signature algorithm the card's key implies. Trust (chain, revocation) is the
//! national side's job and is not decided here.

use der::asn1::ObjectIdentifier;
use der::{DateTime, Decode, Encode, Header, SliceReader, Tag};
use thiserror::Error;
use x509_cert::Certificate;

const RSA_ENCRYPTION: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");
const EC_PUBLIC_KEY: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.2.1");
const SECP384R1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.132.0.34");

/// How the certificate's key signs.
///
/// Today's cards are RSA-2048; the next generation announced ECDSA P-384 with SHA-384
/// (card-and-transport.md §2), so the flow carries this value instead of assuming RSA.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SignatureAlgorithm {
    /// RSA, PKCS#1 v1.5 padding over a SHA-256 DigestInfo (current cards and phones).
    RsaPkcs1Sha256,
    /// ECDSA on P-384 with SHA-384 (announced for the next card generation).
    EcdsaP384Sha384,
}

/// Why the bytes from EF 000A are not a usable authentication certificate.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum CertError {
    /// Not DER at all, or not a well-formed X.509 certificate.
    #[error("malformed certificate: {0}")]
    Malformed(#[from] der::Error),
    /// The file does not start with a SEQUENCE (an empty EF reads as filler bytes).
    #[error("EF 000A does not start with a DER SEQUENCE (tag byte {0:02X})")]
    NotASequence(u8),
    /// The DER header announces more than READ BINARY's 15-bit offsets can reach.
    #[error("the certificate claims {0} bytes, more than an EF can hold")]
    TooLarge(usize),
    /// EF 000A holds nothing (the card reported end of file at offset 0).
    #[error("EF 000A holds no certificate")]
    Empty,
    /// The card reported end of file before the length the DER header announced.
    #[error("the card ended the file after {received} of {expected} certificate bytes")]
    EndedEarly {
        /// Bytes received before the end of file.
        received: usize,
        /// Bytes the DER header announced.
        expected: usize,
    },
    /// A public key this flow cannot use, named by its algorithm OID (and curve, if any).
    #[error("unsupported public key algorithm {0}")]
    UnsupportedKey(String),
}

/// Total length (header + content) of the DER object at the start of `prefix`.
///
/// `prefix` needs only to hold the header, so the first READ BINARY chunk is enough.
pub fn der_length(prefix: &[u8]) -> Result<usize, CertError> {
    let first = *prefix
        .first()
        .ok_or(der::Error::incomplete(der::Length::ZERO))?;
    let header = Header::decode(&mut SliceReader::new(prefix)?)?;
    if header.tag != Tag::Sequence {
        return Err(CertError::NotASequence(first));
    }
    let total = (header.encoded_len()? + header.length)?;
    Ok(usize::try_from(total)?)
}

/// The parsed authentication certificate, with its DER kept byte for byte.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthCertificate {
    der: Vec<u8>,
    subject: String,
    issuer: String,
    serial: Vec<u8>,
    not_before: DateTime,
    not_after: DateTime,
    algorithm: SignatureAlgorithm,
}

impl AuthCertificate {
    /// Parse a DER certificate (exactly one, nothing after it).
    pub fn from_der(der: &[u8]) -> Result<Self, CertError> {
        let cert = Certificate::from_der(der)?;
        let tbs = &cert.tbs_certificate;
        let algorithm = key_algorithm(&tbs.subject_public_key_info.algorithm)?;
        Ok(AuthCertificate {
            der: der.to_vec(),
            subject: tbs.subject.to_string(),
            issuer: tbs.issuer.to_string(),
            serial: tbs.serial_number.as_bytes().to_vec(),
            not_before: tbs.validity.not_before.to_date_time(),
            not_after: tbs.validity.not_after.to_date_time(),
            algorithm,
        })
    }

    /// The certificate exactly as the card stored it.
    pub fn der(&self) -> &[u8] {
        &self.der
    }

    /// Subject name (RFC 4514 string).
    pub fn subject(&self) -> &str {
        &self.subject
    }

    /// Issuer name (RFC 4514 string).
    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    /// Serial number as its DER integer bytes.
    pub fn serial(&self) -> &[u8] {
        &self.serial
    }

    /// Serial number in upper-case hex, as certificate viewers show it.
    pub fn serial_hex(&self) -> String {
        self.serial.iter().map(|b| format!("{b:02X}")).collect()
    }

    /// Start of validity (UTC).
    pub fn not_before(&self) -> DateTime {
        self.not_before
    }

    /// End of validity (UTC).
    pub fn not_after(&self) -> DateTime {
        self.not_after
    }

    /// How the certificate's key signs.
    pub fn algorithm(&self) -> SignatureAlgorithm {
        self.algorithm
    }
}

fn key_algorithm(
    algorithm: &x509_cert::spki::AlgorithmIdentifierOwned,
) -> Result<SignatureAlgorithm, CertError> {
    if algorithm.oid == RSA_ENCRYPTION {
        return Ok(SignatureAlgorithm::RsaPkcs1Sha256);
    }
    if algorithm.oid == EC_PUBLIC_KEY {
        let curve = algorithm
            .parameters
            .as_ref()
            .map(|p| p.decode_as::<ObjectIdentifier>())
            .transpose()?;
        return match curve {
            Some(curve) if curve == SECP384R1 => Ok(SignatureAlgorithm::EcdsaP384Sha384),
            Some(curve) => Err(CertError::UnsupportedKey(format!(
                "{} ({curve})",
                algorithm.oid
            ))),
            None => Err(CertError::UnsupportedKey(algorithm.oid.to_string())),
        };
    }
    Err(CertError::UnsupportedKey(algorithm.oid.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_short_and_long_form_lengths() {
        assert_eq!(der_length(&[0x30, 0x03, 1, 2, 3]).unwrap(), 5);
        assert_eq!(der_length(&[0x30, 0x81, 0x80]).unwrap(), 3 + 0x80);
        assert_eq!(
            der_length(&[0x30, 0x82, 0x05, 0xA0, 0x30]).unwrap(),
            4 + 0x05A0
        );
    }

    #[test]
    fn refuses_what_cannot_start_a_certificate() {
        assert_eq!(
            der_length(&[0x04, 0x01, 0x00]),
            Err(CertError::NotASequence(0x04))
        );
        assert!(matches!(der_length(&[]), Err(CertError::Malformed(_))));
        assert!(matches!(der_length(&[0x30]), Err(CertError::Malformed(_))));
        // Filler of an empty EF.
        assert!(der_length(&[0xFF; 8]).is_err());
    }

    #[test]
    fn garbage_is_a_typed_error() {
        assert!(matches!(
            AuthCertificate::from_der(&[0x30, 0x03, 0x02, 0x01, 0x00]),
            Err(CertError::Malformed(_))
        ));
    }
}
