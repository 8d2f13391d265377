//! The JPKI AP's command APDUs (card-and-transport.md §1.1–§1.3), byte for byte.
//!
//! Everything that is specific to today's RSA-2048 generation (the DigestInfo, CLA 80
//! COMPUTE SIGNATURE) is confined to [`sign`], behind a [`SignatureAlgorithm`] switch.

use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use super::apdu::{CommandApdu, MAX_LE};
use super::cert::SignatureAlgorithm;
use super::pin::Pin;

/// 公的個人認証AP (JPKI). The only application this module ever selects.
pub const JPKI_AID: [u8; 10] = [0xD3, 0x92, 0xF0, 0x00, 0x26, 0x01, 0x00, 0x00, 0x00, 0x01];

/// EF 0006: token information (label in the first 32 bytes).
pub const EF_TOKEN_INFO: u16 = 0x0006;
/// EF 000A: the authentication certificate, readable without a PIN on cards.
pub const EF_AUTH_CERT: u16 = 0x000A;
/// EF 0017: the authentication private key.
pub const EF_AUTH_KEY: u16 = 0x0017;
/// EF 0018: the authentication PIN's key reference.
pub const EF_AUTH_PIN: u16 = 0x0018;

/// Largest READ BINARY offset: P1‖P2 is a 15-bit address.
pub const MAX_OFFSET: usize = 0x7FFF;

/// DER prefix of a SHA-256 DigestInfo; the 32-byte hash follows (51 bytes in all).
const SHA256_DIGEST_INFO_PREFIX: [u8; 19] = [
    0x30, 0x31, 0x30, 0x0D, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05,
    0x00, 0x04, 0x20,
];

/// `00 A4 04 0C 0A <AID>`: select the JPKI AP by its full name, without FCI. A prefix
/// would also be accepted by the card and could land in another DF.
pub fn select_jpki() -> CommandApdu {
    CommandApdu::short(0x00, 0xA4, 0x04, 0x0C, &JPKI_AID, None)
}

/// `00 A4 02 0C 02 <EF>`: select an EF under the current AP, without FCI.
pub fn select_ef(ef: u16) -> CommandApdu {
    CommandApdu::short(0x00, 0xA4, 0x02, 0x0C, &ef.to_be_bytes(), None)
}

/// `00 B0 P1 P2 Le`: read `le` bytes (clamped to 1..=256) at `offset` of the current EF.
pub fn read_binary(offset: usize, le: u16) -> CommandApdu {
    // Callers keep offset ≤ MAX_OFFSET; masking keeps P1's top bit (SFI mode) clear anyway.
    let [p1, p2] = ((offset & MAX_OFFSET) as u16).to_be_bytes();
    CommandApdu::short(0x00, 0xB0, p1, p2, &[], Some(le))
}

/// `00 C0 00 00 xx`: fetch the bytes a `61xx` announced.
pub fn get_response(available: u16) -> CommandApdu {
    CommandApdu::short(0x00, 0xC0, 0x00, 0x00, &[], Some(available))
}

/// `00 20 00 80`: VERIFY with no data reports the retry counter without spending a try.
pub fn retry_counter() -> CommandApdu {
    CommandApdu::new(0x00, 0x20, 0x00, 0x80)
}

/// `00 20 00 80 04 <PIN>`: VERIFY against the current EF's key (EF 0018 selected first).
pub fn verify(pin: &Pin) -> CommandApdu {
    CommandApdu::short(0x00, 0x20, 0x00, 0x80, pin.ascii(), None)
}

/// `80 FC 00 00`: the iPhone token's last-command indicator.
pub fn last_command_indicator() -> CommandApdu {
    CommandApdu::new(0x80, 0xFC, 0x00, 0x00)
}

/// The COMPUTE SIGNATURE command for `challenge`, or `None` where the card generation's
/// command is not known yet.
///
/// RSA: `80 2A 00 80 33 <DigestInfo(SHA-256(challenge))> 00`. P1=00 makes the card pad the
/// data as sent (PKCS#1 v1.5 type 1), so the DigestInfo must be built here; this is the
/// portable form that production middleware and the phone tokens implement.
pub fn sign(algorithm: SignatureAlgorithm, challenge: &[u8]) -> Option<CommandApdu> {
    match algorithm {
        SignatureAlgorithm::RsaPkcs1Sha256 => {
            let mut digest_info = Zeroizing::new(SHA256_DIGEST_INFO_PREFIX.to_vec());
            digest_info.extend_from_slice(&Sha256::digest(challenge));
            Some(CommandApdu::short(
                0x80,
                0x2A,
                0x00,
                0x80,
                &digest_info,
                Some(MAX_LE),
            ))
        }
        // The P-384 card's AP layout and signing APDU are unpublished; guessing would send
        // an unknown command to a key that answers to the user's PIN.
        SignatureAlgorithm::EcdsaP384Sha384 => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(bytes: &[u8]) -> String {
        bytes
            .iter()
            .map(|b| format!("{b:02X}"))
            .collect::<Vec<_>>()
            .join(" ")
    }

    #[test]
    fn reference_bytes() {
        assert_eq!(
            hex(&select_jpki().to_bytes()),
            "00 A4 04 0C 0A D3 92 F0 00 26 01 00 00 00 01"
        );
        assert_eq!(
            hex(&select_ef(EF_AUTH_CERT).to_bytes()),
            "00 A4 02 0C 02 00 0A"
        );
        assert_eq!(hex(&retry_counter().to_bytes()), "00 20 00 80");
        assert_eq!(
            hex(&verify(&Pin::parse("1234").unwrap()).to_bytes()),
            "00 20 00 80 04 31 32 33 34"
        );
        assert_eq!(hex(&read_binary(0x0100, 256).to_bytes()), "00 B0 01 00 00");
        assert_eq!(hex(&read_binary(0x0200, 0xBC).to_bytes()), "00 B0 02 00 BC");
        assert_eq!(hex(&get_response(0x10).to_bytes()), "00 C0 00 00 10");
        assert_eq!(hex(&last_command_indicator().to_bytes()), "80 FC 00 00");
    }

    #[test]
    fn rsa_sign_carries_a_sha256_digest_info() {
        let bytes = sign(SignatureAlgorithm::RsaPkcs1Sha256, b"abc")
            .unwrap()
            .to_bytes();
        assert_eq!(bytes.len(), 5 + 51 + 1);
        assert_eq!(hex(&bytes[..5]), "80 2A 00 80 33");
        assert_eq!(bytes[5..24], SHA256_DIGEST_INFO_PREFIX);
        // SHA-256("abc"), FIPS 180-2 appendix B.1.
        assert_eq!(
            hex(&bytes[24..56]).replace(' ', ""),
            "BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD"
        );
        assert_eq!(bytes[56], 0x00);
    }

    #[test]
    fn no_guessed_command_for_the_next_generation() {
        assert!(sign(SignatureAlgorithm::EcdsaP384Sha384, b"abc").is_none());
    }
}
