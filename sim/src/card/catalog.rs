//! The virtual cards that exist, and the committed key material behind them.
//!
//! [`CARDS`] is the one source of truth: `onshi-sim gen-cards` derives the fixtures in
//! `sim/fixtures/cards/` (keys, certificates, `index.json`) from it, and the runtime only
//! loads those fixtures with `include_bytes!`, because generating RSA-2048 keys takes
//! seconds in a debug build and cannot be left to a test or a browser page.

use std::time::{Duration, SystemTime};

use serde::Serialize;

/// What sets a card apart from a plain, healthy My Number Card.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CardVariant {
    /// A physical card, 3 PIN tries, a current certificate.
    Normal,
    /// Two wrong PINs already spent: the next wrong one blocks the card.
    LastAttempt,
    /// The authentication PIN is blocked (only the municipal office can reset it).
    Blocked,
    /// The authentication certificate ran out before the simulated "today".
    ExpiredCertificate,
    /// スマホ用電子証明書 on Android: the certificate is served only after VERIFY.
    Android,
    /// スマホ用電子証明書 on iPhone: the phone verified its holder (biometrics), so the
    /// empty VERIFY answers 9000, and the session ends with `80 FC 00 00`.
    IPhone,
    /// A counterfeit: a valid-looking certificate from a CA with the test CA's name but
    /// another key. The national side must refuse it.
    UntrustedIssuer,
}

impl CardVariant {
    /// The token label of EF 0006 (card-and-transport.md §1.2).
    pub fn token_label(self) -> &'static str {
        match self {
            CardVariant::Android => "JPKIAPGPSETOKEN",
            CardVariant::IPhone => "JPKIAPIOSTOKEN",
            _ => "JPKIAPICCTOKEN2",
        }
    }

    /// PIN tries left when the card is handed out.
    pub fn initial_tries(self) -> u8 {
        match self {
            CardVariant::LastAttempt => 1,
            CardVariant::Blocked => 0,
            _ => super::pin::AUTH_PIN_TRIES,
        }
    }

    /// Which CA signed the certificate.
    pub fn issuer(self) -> Issuer {
        match self {
            CardVariant::UntrustedIssuer => Issuer::Rogue,
            _ => Issuer::TestCa,
        }
    }

    /// Validity of the certificate, as seconds since the Unix epoch (inclusive bounds).
    pub fn validity(self) -> (u64, u64) {
        match self {
            CardVariant::ExpiredCertificate => (EXPIRED_NOT_BEFORE, EXPIRED_NOT_AFTER),
            _ => (CURRENT_NOT_BEFORE, CURRENT_NOT_AFTER),
        }
    }
}

/// The CA behind a certificate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Issuer {
    /// "onshi test JPKI CA", the one the simulated national side trusts.
    TestCa,
    /// Same name, different key: what a forger would make.
    Rogue,
}

/// Name of both CAs (the rogue one copies it on purpose).
pub const CA_NAME: &str = "CN=onshi test JPKI CA,OU=synthetic,O=onshi test,C=JP";
/// Validity of the CA certificates: 2024-04-01 to 2034-03-31.
pub const CA_VALIDITY: (u64, u64) = (1_711_929_600, 2_027_462_399);
/// Current certificates: 2025-04-01 to 2030-03-31, five years like the real 利用者証明用.
const CURRENT_NOT_BEFORE: u64 = 1_743_465_600;
const CURRENT_NOT_AFTER: u64 = 1_901_231_999;
/// The expired certificate: 2019-04-01 to 2024-03-31.
const EXPIRED_NOT_BEFORE: u64 = 1_554_076_800;
const EXPIRED_NOT_AFTER: u64 = 1_711_929_599;

/// One virtual card.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CardSpec {
    /// Stable identifier, used on the command line and in `index.json`.
    pub id: &'static str,
    /// The [`crate::SamplePatient::key`] of the holder. The certificate itself names no
    /// one; only the simulated national side links it to the person.
    pub person_key: &'static str,
    /// How the card behaves.
    pub variant: CardVariant,
    /// The 4-digit authentication PIN (synthetic test data).
    pub pin: &'static str,
    /// Certificate serial number; what the national side looks holders up by.
    pub serial: u64,
}

impl CardSpec {
    /// Serial number as the DER INTEGER's content bytes (positive, no leading zeros).
    pub fn serial_bytes(&self) -> Vec<u8> {
        let bytes = self.serial.to_be_bytes();
        let first = bytes.iter().position(|b| *b != 0).unwrap_or(7);
        let mut out = bytes[first..].to_vec();
        if out[0] & 0x80 != 0 {
            out.insert(0, 0);
        }
        out
    }

    /// Serial in upper-case hex, as certificate viewers and core's `serial_hex` show it.
    pub fn serial_hex(&self) -> String {
        self.serial_bytes()
            .iter()
            .map(|b| format!("{b:02X}"))
            .collect()
    }

    /// Subject of the authentication certificate: an opaque identifier, no name and no
    /// individual number, as on the real 利用者証明用電子証明書.
    pub fn subject(&self) -> String {
        format!(
            "CN={},OU=synthetic JPKI user authentication,O=onshi test,C=JP",
            self.serial_hex()
        )
    }
}

const fn card(
    id: &'static str,
    person_key: &'static str,
    variant: CardVariant,
    pin: &'static str,
    serial: u64,
) -> CardSpec {
    CardSpec {
        id,
        person_key,
        variant,
        pin,
        serial,
    }
}

/// Every virtual card. Serials start with "JP" (0x4A50) so they read as synthetic.
pub const CARDS: &[CardSpec] = &[
    card(
        "card-01",
        "kyokai_insured",
        CardVariant::Normal,
        "1234",
        0x4A50_0000_0001,
    ),
    card(
        "card-02",
        "kyokai_family",
        CardVariant::Normal,
        "5678",
        0x4A50_0000_0002,
    ),
    card(
        "card-03",
        "kokuho",
        CardVariant::Normal,
        "1234",
        0x4A50_0000_0003,
    ),
    card(
        "card-04",
        "kouki",
        CardVariant::LastAttempt,
        "2468",
        0x4A50_0000_0004,
    ),
    card(
        "card-05",
        "elderly_70_74",
        CardVariant::Normal,
        "1234",
        0x4A50_0000_0005,
    ),
    card(
        "card-06",
        "limit_certificate",
        CardVariant::Normal,
        "1234",
        0x4A50_0000_0006,
    ),
    card(
        "card-07",
        "specific_disease",
        CardVariant::Normal,
        "1234",
        0x4A50_0000_0007,
    ),
    card(
        "card-08",
        "new_qualification_current",
        CardVariant::Normal,
        "1234",
        0x4A50_0000_0008,
    ),
    card(
        "blocked",
        "disqualified",
        CardVariant::Blocked,
        "1234",
        0x4A50_0000_0101,
    ),
    card(
        "expired",
        "shift_jis",
        CardVariant::ExpiredCertificate,
        "1234",
        0x4A50_0000_0102,
    ),
    card(
        "android",
        "kyokai_family",
        CardVariant::Android,
        "5678",
        0x4A50_0000_0201,
    ),
    card(
        "iphone",
        "kokuho",
        CardVariant::IPhone,
        "1234",
        0x4A50_0000_0202,
    ),
    card(
        "counterfeit",
        "kyokai_insured",
        CardVariant::UntrustedIssuer,
        "1234",
        0x4A50_0000_0001,
    ),
];

/// The card with this id.
pub fn find(id: &str) -> Option<&'static CardSpec> {
    CARDS.iter().find(|card| card.id == id)
}

/// Unix seconds as a `SystemTime`, for callers of [`crate::card::verify_authentication`].
pub fn unix_time(seconds: u64) -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(seconds)
}

/// A card's committed key material.
pub(crate) struct Fixture {
    pub(crate) cert_der: &'static [u8],
    pub(crate) key_pem: &'static str,
}

macro_rules! fixtures {
    ($($id:literal),* $(,)?) => {
        /// The committed files of card `id`.
        pub(crate) fn fixture(id: &str) -> Option<Fixture> {
            match id {
                $($id => Some(Fixture {
                    cert_der: include_bytes!(concat!(
                        env!("CARGO_MANIFEST_DIR"), "/fixtures/cards/", $id, ".cert.der"
                    )),
                    key_pem: include_str!(concat!(
                        env!("CARGO_MANIFEST_DIR"), "/fixtures/cards/", $id, ".key.pem"
                    )),
                }),)*
                _ => None,
            }
        }
    };
}

fixtures!(
    "card-01",
    "card-02",
    "card-03",
    "card-04",
    "card-05",
    "card-06",
    "card-07",
    "card-08",
    "blocked",
    "expired",
    "android",
    "iphone",
    "counterfeit",
);

/// DER of the test CA certificate (EF 000B of every genuine card).
pub const TEST_CA_CERT: &[u8] = include_bytes!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/fixtures/cards/ca.cert.der"
));
/// DER of the rogue CA certificate (EF 000B of the counterfeit).
pub const ROGUE_CA_CERT: &[u8] = include_bytes!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/fixtures/cards/rogue-ca.cert.der"
));

/// The CA certificate of `issuer`.
pub fn ca_certificate(issuer: Issuer) -> &'static [u8] {
    match issuer {
        Issuer::TestCa => TEST_CA_CERT,
        Issuer::Rogue => ROGUE_CA_CERT,
    }
}
