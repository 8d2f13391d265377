//! The JPKI AP's files on a virtual card (card-and-transport.md §1.2).
//!
//! Only the authentication half exists: the card models a holder without a 署名用電子証明書
//! (as children under 15 have), so EF 0001/0002/001A/001B are absent and EF 0008 says so.

use super::catalog::CardVariant;

/// The EFs this card has.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Ef {
    /// 0006: token information (CK_TOKEN_INFO, 160 bytes).
    TokenInfo,
    /// 0008: which certificates are present.
    CertificateFlags,
    /// 000A: the authentication certificate, free to read on cards.
    AuthCertificate,
    /// 000B: the authentication CA certificate.
    AuthCaCertificate,
    /// 0017: the authentication private key; not readable.
    AuthKey,
    /// 0018: the authentication PIN; not readable.
    AuthPin,
}

impl Ef {
    /// The EF with this file identifier.
    pub fn from_id(id: u16) -> Option<Self> {
        Some(match id {
            0x0006 => Ef::TokenInfo,
            0x0008 => Ef::CertificateFlags,
            0x000A => Ef::AuthCertificate,
            0x000B => Ef::AuthCaCertificate,
            0x0017 => Ef::AuthKey,
            0x0018 => Ef::AuthPin,
            _ => return None,
        })
    }

    /// The EF a short file identifier (P2 = 80 | SFI, READ BINARY P1 = 80 | SFI) names; the
    /// JPKI AP's SFIs are the low five bits of the file identifiers.
    pub fn from_sfi(sfi: u8) -> Option<Self> {
        Self::from_id(u16::from(sfi & 0x1F))
    }
}

/// Bytes of EF 0006.
pub const TOKEN_INFO_LEN: usize = 160;
/// Size of the certificate EFs: larger than any RSA-2048 certificate, filled after the DER
/// the way real cards are, so a host that reads "until the card stops" gets filler.
pub const CERT_EF_LEN: usize = 0x0800;
/// What fills a certificate EF after the DER.
pub const FILLER: u8 = 0xFF;
/// EF 0008: `8F` = authentication certificate present; `00` = no signature certificate.
/// Inferred from the documented `8F 8F 00` ("both present").
pub const CERTIFICATE_FLAGS: [u8; 3] = [0x8F, 0x00, 0x00];

// CK_TOKEN_INFO flags (PKCS#11 v2.40 §3.2).
const CKF_LOGIN_REQUIRED: u32 = 0x0000_0004;
const CKF_USER_PIN_INITIALIZED: u32 = 0x0000_0008;
const CKF_TOKEN_INITIALIZED: u32 = 0x0000_0400;

/// EF 0006: a PKCS#11 CK_TOKEN_INFO with 32-bit big-endian numbers, label first.
///
/// Only the label is documented for the real card; the other fields are filled the way a
/// PKCS#11 token would (4-digit PIN, one session), naming the simulator as manufacturer.
pub fn token_info(variant: CardVariant, card_id: &str) -> [u8; TOKEN_INFO_LEN] {
    let mut out = Vec::with_capacity(TOKEN_INFO_LEN);
    padded(&mut out, variant.token_label(), 32); // label
    padded(&mut out, "onshi-sim (synthetic)", 32); // manufacturerID
    padded(&mut out, "virtual JPKI AP", 16); // model
    padded(&mut out, card_id, 16); // serialNumber
    let numbers = [
        CKF_LOGIN_REQUIRED | CKF_USER_PIN_INITIALIZED | CKF_TOKEN_INITIALIZED,
        1,        // ulMaxSessionCount
        0,        // ulSessionCount
        1,        // ulMaxRwSessionCount
        0,        // ulRwSessionCount
        4,        // ulMaxPinLen
        4,        // ulMinPinLen
        u32::MAX, // total/free public and private memory: CK_UNAVAILABLE_INFORMATION
        u32::MAX,
        u32::MAX,
        u32::MAX,
    ];
    for number in numbers {
        out.extend_from_slice(&number.to_be_bytes());
    }
    out.extend_from_slice(&[1, 0, 1, 0]); // hardwareVersion, firmwareVersion
    padded(&mut out, "", 16); // utcTime: no clock on the token
    let mut info = [b' '; TOKEN_INFO_LEN];
    info.copy_from_slice(&out);
    info
}

fn padded(out: &mut Vec<u8>, text: &str, len: usize) {
    let start = out.len();
    out.extend(text.bytes().take(len));
    out.resize(start + len, b' ');
}

/// A certificate EF: the DER, then filler up to [`CERT_EF_LEN`] (or just the DER if it
/// were ever longer).
pub fn certificate_ef(der: &[u8]) -> Vec<u8> {
    let mut ef = der.to_vec();
    ef.resize(CERT_EF_LEN.max(der.len()), FILLER);
    ef
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_info_is_160_bytes_with_the_label_first() {
        let info = token_info(CardVariant::Android, "android");
        assert_eq!(&info[..15], b"JPKIAPGPSETOKEN");
        assert!(info[15..32].iter().all(|b| *b == b' '));
        assert_eq!(&info[80..87], b"android");
        // ulMaxPinLen and ulMinPinLen sit after flags and four session counts.
        let max_pin = 96 + 5 * 4;
        assert_eq!(info[max_pin..max_pin + 8], [0, 0, 0, 4, 0, 0, 0, 4]);
    }

    #[test]
    fn sfi_names_the_same_ef_as_the_file_id() {
        assert_eq!(Ef::from_sfi(0x18), Some(Ef::AuthPin));
        assert_eq!(Ef::from_sfi(0x97), Some(Ef::AuthKey));
        assert_eq!(Ef::from_id(0x0001), None);
    }
}
