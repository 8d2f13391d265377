//! [`VirtualCard`]: a My Number Card (or phone token) answering APDUs like its JPKI AP.
//!
//! Everything core's flow sends is answered as the real card does (card-and-transport.md
//! §1.3); what it does not send is answered the way §1.4 and ISO 7816-4 make plausible.
//! The card never panics on input: every byte string gets a status word.

use onshi_core::jpki::{CardChannel, ChannelError};
use rsa::pkcs8::DecodePrivateKey;
use rsa::{Pkcs1v15Sign, RsaPrivateKey};
use thiserror::Error;

use super::apdu::{respond, sw, Class, Command};
use super::catalog::{self, CardSpec, CardVariant};
use super::files::{self, Ef, TOKEN_INFO_LEN};
use super::pin::{Outcome, PinCounter};

/// The card's answer-to-reset: a contact My Number Card ATR listed by OpenSC
/// (card-and-transport.md §3.3), T=1. Hosts must detect the card by SELECTing the JPKI AP,
/// never by ATR; this one only has to be well-formed (TCK checked in the tests).
pub const ATR: [u8; 9] = [0x3B, 0xE0, 0x00, 0xFF, 0x81, 0x31, 0xFE, 0x45, 0x14];

/// The applications on the card (§1.1).
const JPKI_AID: [u8; 10] = [0xD3, 0x92, 0xF0, 0x00, 0x26, 0x01, 0x00, 0x00, 0x00, 0x01];
const JUKI_AID: [u8; 10] = [0xD3, 0x92, 0x10, 0x00, 0x31, 0x00, 0x01, 0x01, 0x04, 0x01];
const COMMON_AID: [u8; 10] = [0xD3, 0x92, 0x10, 0x00, 0x31, 0x00, 0x01, 0x01, 0x01, 0x00];
const ISD_AID: [u8; 7] = [0xA0, 0x00, 0x00, 0x01, 0x51, 0x00, 0x00];

/// Largest input COMPUTE SIGNATURE with P1=00 pads verbatim: k − 11 for RSA-2048.
const MAX_SIGN_INPUT: usize = 245;

/// Which application is current.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum App {
    /// The GlobalPlatform ISD, current after power-up.
    Isd,
    Jpki,
    /// 住基AP or 共通カードAP: selectable, but their files are not modelled, and the
    /// 券面 APs, which hold the individual number, are absent altogether (番号法).
    Other,
}

const APPS: [(&[u8], App); 4] = [
    (&JPKI_AID, App::Jpki),
    (&JUKI_AID, App::Other),
    (&COMMON_AID, App::Other),
    (&ISD_AID, App::Isd),
];

/// What a READ BINARY that runs past the end of the EF answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ReadOverrun {
    /// The bytes that exist, with 6282 (end of file reached before Le bytes).
    #[default]
    ShortData,
    /// No data, `6Cxx` with the number of bytes left: the ISO "wrong Le" answer some
    /// cards give, for testing a host's resend.
    CorrectLe,
}

/// Why a virtual card could not be made.
#[derive(Debug, Error)]
pub enum CardError {
    /// No card with this id in [`catalog::CARDS`].
    #[error("no virtual card {0:?} (known: {known})", known = known_ids())]
    UnknownCard(String),
    /// The catalog names a card whose fixtures are not compiled in.
    #[error("card {0:?} has no fixture files; run scripts/gen-card-fixtures.sh")]
    MissingFixture(&'static str),
    /// The committed private key does not parse.
    #[error("the private key of card {id:?} is unreadable: {error}")]
    Key {
        /// The card.
        id: &'static str,
        /// Shown, not chained: without rsa's `std` feature it is no `std::error::Error`.
        error: rsa::pkcs8::Error,
    },
}

fn known_ids() -> String {
    catalog::CARDS
        .iter()
        .map(|card| card.id)
        .collect::<Vec<_>>()
        .join(", ")
}

/// Volatile state: lost on reset, power-off, and (security status) on leaving the AP.
#[derive(Debug, Clone)]
struct Session {
    app: App,
    ef: Option<Ef>,
    verified: bool,
}

type Answer = (Vec<u8>, u16);

fn status(sw: u16) -> Answer {
    (Vec::new(), sw)
}

/// A virtual My Number Card, Android token or iPhone token (see [`CardVariant`]).
#[derive(Clone)]
pub struct VirtualCard {
    spec: &'static CardSpec,
    key: RsaPrivateKey,
    token_info: [u8; TOKEN_INFO_LEN],
    auth_certificate: Vec<u8>,
    auth_ca_certificate: Vec<u8>,
    pin: PinCounter,
    session: Session,
    read_overrun: ReadOverrun,
}

impl std::fmt::Debug for VirtualCard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VirtualCard")
            .field("id", &self.spec.id)
            .field("variant", &self.spec.variant)
            .field("pin", &self.pin)
            .field("session", &self.session)
            .finish_non_exhaustive()
    }
}

impl VirtualCard {
    /// The card `id` of [`catalog::CARDS`], freshly inserted.
    pub fn open(id: &str) -> Result<Self, CardError> {
        let spec = catalog::find(id).ok_or_else(|| CardError::UnknownCard(id.to_string()))?;
        Self::from_spec(spec)
    }

    /// The card of `spec`, freshly inserted.
    pub fn from_spec(spec: &'static CardSpec) -> Result<Self, CardError> {
        let fixture = catalog::fixture(spec.id).ok_or(CardError::MissingFixture(spec.id))?;
        let key = RsaPrivateKey::from_pkcs8_pem(fixture.key_pem)
            .map_err(|error| CardError::Key { id: spec.id, error })?;
        let ca = catalog::ca_certificate(spec.variant.issuer());
        Ok(VirtualCard {
            spec,
            key,
            token_info: files::token_info(spec.variant, spec.id),
            auth_certificate: files::certificate_ef(fixture.cert_der),
            auth_ca_certificate: files::certificate_ef(ca),
            pin: PinCounter::new(spec.pin, spec.variant.initial_tries()),
            session: Session::after_reset(),
            read_overrun: ReadOverrun::default(),
        })
    }

    /// Answer READ BINARY overruns with `6Cxx` instead of short data.
    pub fn with_read_overrun(mut self, read_overrun: ReadOverrun) -> Self {
        self.read_overrun = read_overrun;
        self
    }

    /// What the card is.
    pub fn spec(&self) -> &'static CardSpec {
        self.spec
    }

    /// The answer-to-reset.
    pub fn atr(&self) -> &'static [u8] {
        &ATR
    }

    /// The authentication certificate (DER, without the EF's filler).
    pub fn certificate_der(&self) -> &'static [u8] {
        catalog::fixture(self.spec.id).map_or(&[], |fixture| fixture.cert_der)
    }

    /// PIN tries left; kept across resets like the real card's counter.
    pub fn tries_left(&self) -> u8 {
        self.pin.tries()
    }

    /// Whether the PIN counts as verified in the current session.
    pub fn is_pin_verified(&self) -> bool {
        self.session.verified
    }

    /// Power-off, power-on or warm reset: the session is gone, the counter stays.
    pub fn reset(&mut self) {
        self.session = Session::after_reset();
    }

    /// Answer one command APDU with `data ‖ SW1 SW2`, whatever the bytes are.
    pub fn respond(&mut self, command: &[u8]) -> Vec<u8> {
        let (data, sw) = self.process(command);
        respond(&data, sw)
    }

    fn process(&mut self, raw: &[u8]) -> Answer {
        let command = match Command::parse(raw) {
            Ok(command) => command,
            Err(sw) => return status(sw),
        };
        let class = match Class::decode(command.cla) {
            Ok(class) => class,
            Err(sw) => return status(sw),
        };
        match (class, command.ins) {
            (Class::Iso, 0xA4) => self.select(&command),
            (Class::Iso, 0xB0) => self.read_binary(&command),
            (Class::Iso, 0x20) => self.verify(&command),
            (Class::Iso, 0x24) => self.change_pin(&command),
            (Class::Iso, 0xCA) => get_data(&command),
            // This card never answers 61xx, so there is never anything to fetch.
            (Class::Iso, 0xC0) => status(sw::CONDITIONS),
            (Class::Proprietary, 0x2A) => self.sign(&command),
            (Class::Proprietary, 0xFC) => self.last_command(&command),
            _ => status(sw::INS_NOT_SUPPORTED),
        }
    }

    fn select(&mut self, command: &Command) -> Answer {
        match (command.p1, command.p2) {
            (0x04, 0x0C) => self.select_application(command.data),
            (0x02, 0x0C) => self.select_ef(command.data),
            // Selecting the MF is refused right after reset and a no-op once an AP is
            // current (§1.1, observed by myna-card).
            (0x00, 0x00) if self.session.app == App::Isd => status(sw::WRONG_P1P2),
            (0x00, 0x00) => status(sw::OK),
            _ => status(sw::WRONG_P1P2),
        }
    }

    fn select_application(&mut self, name: &[u8]) -> Answer {
        if name.is_empty() {
            return status(sw::WRONG_LENGTH);
        }
        // The card accepts a prefix of a name (§1.1); an unknown name, or one of the
        // absent 券面 APs, leaves the current AP as it was.
        let Some(&(_, app)) = APPS.iter().find(|(aid, _)| aid.starts_with(name)) else {
            return status(sw::NOT_FOUND);
        };
        if app == self.session.app {
            self.session.ef = None;
        } else {
            self.session = Session::entering(app, self.spec.variant);
        }
        status(sw::OK)
    }

    fn select_ef(&mut self, id: &[u8]) -> Answer {
        let [hi, lo] = id else {
            return status(sw::WRONG_LENGTH);
        };
        if self.session.app != App::Jpki {
            return status(sw::NOT_FOUND);
        }
        match Ef::from_id(u16::from_be_bytes([*hi, *lo])) {
            Some(ef) => {
                self.session.ef = Some(ef);
                status(sw::OK)
            }
            None => status(sw::NOT_FOUND),
        }
    }

    fn read_binary(&mut self, command: &Command) -> Answer {
        let (ef, offset) = if command.p1 & 0x80 != 0 {
            // P1 = 100x xxxx: short file identifier, P2 the offset; the EF becomes current.
            if command.p1 & 0x60 != 0 {
                return status(sw::WRONG_P1P2);
            }
            let ef = match Ef::from_sfi(command.p1) {
                Some(ef) if self.session.app == App::Jpki => ef,
                _ => return status(sw::NOT_FOUND),
            };
            self.session.ef = Some(ef);
            (ef, usize::from(command.p2))
        } else {
            let Some(ef) = self.session.ef else {
                return status(sw::NO_CURRENT_EF);
            };
            (
                ef,
                usize::from(u16::from_be_bytes([command.p1, command.p2])),
            )
        };
        let (Some(le), true) = (command.le, command.data.is_empty()) else {
            return status(sw::WRONG_LENGTH);
        };
        let contents: &[u8] = match ef {
            Ef::TokenInfo => &self.token_info,
            Ef::CertificateFlags => &files::CERTIFICATE_FLAGS,
            // The Android token serves its certificate only after VERIFY (§5, core token.rs).
            Ef::AuthCertificate
                if self.spec.variant == CardVariant::Android && !self.session.verified =>
            {
                return status(sw::SECURITY_STATUS)
            }
            Ef::AuthCertificate => &self.auth_certificate,
            Ef::AuthCaCertificate => &self.auth_ca_certificate,
            Ef::AuthKey | Ef::AuthPin => return status(sw::INCOMPATIBLE_FILE),
        };
        read_at(contents, offset, usize::from(le), self.read_overrun)
    }

    /// The PIN EF a VERIFY or CHANGE REFERENCE DATA addresses: P2 = 80 is "the current
    /// EF's key", P2 = 80|SFI names it without a SELECT.
    fn addressed_ef(&self, p2: u8) -> Result<Option<Ef>, u16> {
        match p2 {
            0x80 => Ok(self.session.ef),
            0x81..=0x9F if self.session.app == App::Jpki => Ok(Ef::from_sfi(p2)),
            0x81..=0x9F => Ok(None),
            _ => Err(sw::WRONG_P1P2),
        }
    }

    fn pin_reference(&self, command: &Command, p1: u8) -> Result<(), u16> {
        if command.p1 != p1 {
            return Err(sw::WRONG_P1P2);
        }
        match self.addressed_ef(command.p2)? {
            Some(Ef::AuthPin) => Ok(()),
            _ => Err(sw::REFERENCE_NOT_FOUND),
        }
    }

    fn verify(&mut self, command: &Command) -> Answer {
        if let Err(sw) = self.pin_reference(command, 0x00) {
            return status(sw);
        }
        if command.data.is_empty() {
            // The retry counter, without spending a try.
            return status(self.pin.status(self.session.verified));
        }
        match self.pin.verify(command.data) {
            Outcome::Verified => {
                self.session.verified = true;
                status(sw::OK)
            }
            Outcome::Refused(sw) => {
                self.session.verified = false;
                status(sw)
            }
        }
    }

    /// `00 24 01 80 Lc <new PIN>` after a successful VERIFY (§1.3).
    fn change_pin(&mut self, command: &Command) -> Answer {
        if let Err(sw) = self.pin_reference(command, 0x01) {
            return status(sw);
        }
        if self.pin.is_blocked() {
            return status(sw::REFERENCE_BLOCKED);
        }
        if !self.session.verified {
            return status(sw::SECURITY_STATUS);
        }
        if command.data.len() != 4 || !command.data.iter().all(u8::is_ascii_digit) {
            return status(sw::WRONG_DATA);
        }
        self.pin.change(command.data);
        status(sw::OK)
    }

    /// `80 2A 00 80 Lc <DigestInfo> 00`: PKCS#1 v1.5 type 1 over the data as sent.
    fn sign(&mut self, command: &Command) -> Answer {
        // myna-card saw P1 01..05 select hashing/PSS schemes on real cards; only the
        // portable P1 = 00 is modelled, the rest answer like an unknown scheme.
        if command.p1 != 0x00 {
            return status(sw::WRONG_P1P2);
        }
        match self.addressed_ef(command.p2) {
            Ok(Some(Ef::AuthKey)) => {}
            Ok(_) => return status(sw::REFERENCE_NOT_FOUND),
            Err(sw) => return status(sw),
        }
        if !self.session.verified {
            return status(sw::SECURITY_STATUS);
        }
        if command.data.is_empty() || command.data.len() > MAX_SIGN_INPUT {
            return status(sw::WRONG_LENGTH);
        }
        if command.le != Some(256) {
            // The signature is always 256 bytes: ask again with Le = 00.
            return status(sw::WRONG_LE);
        }
        match self.key.sign(Pkcs1v15Sign::new_unprefixed(), command.data) {
            Ok(signature) => (signature, sw::OK),
            Err(_) => status(sw::WRONG_DATA),
        }
    }

    /// `80 FC 00 00`: the iPhone's last-command indicator ends its session; physical
    /// cards answer 6700 (§5).
    fn last_command(&mut self, command: &Command) -> Answer {
        if self.spec.variant != CardVariant::IPhone {
            return status(sw::WRONG_LENGTH);
        }
        if (command.p1, command.p2) != (0, 0) {
            return status(sw::WRONG_P1P2);
        }
        self.reset();
        status(sw::OK)
    }
}

impl Session {
    fn after_reset() -> Self {
        Session {
            app: App::Isd,
            ef: None,
            verified: false,
        }
    }

    /// Entering another AP clears the security status of the one left (§1.1). The iPhone
    /// checks its holder itself whenever its JPKI AP is opened.
    fn entering(app: App, variant: CardVariant) -> Self {
        Session {
            app,
            ef: None,
            verified: app == App::Jpki && variant == CardVariant::IPhone,
        }
    }
}

fn read_at(contents: &[u8], offset: usize, le: usize, overrun: ReadOverrun) -> Answer {
    let Some(rest) = contents.get(offset..).filter(|rest| !rest.is_empty()) else {
        return status(sw::OFFSET_BEYOND_EOF);
    };
    if le <= rest.len() {
        return (rest[..le].to_vec(), sw::OK);
    }
    match overrun {
        ReadOverrun::ShortData => (rest.to_vec(), sw::END_OF_FILE),
        // rest.len() < le ≤ 256, so it fits the low byte.
        ReadOverrun::CorrectLe => status(sw::WRONG_LE | rest.len() as u16),
    }
}

/// `00 CA 5F 51 Le`: the contact ATR (§3.3, as myna-card reads it).
fn get_data(command: &Command) -> Answer {
    if (command.p1, command.p2) != (0x5F, 0x51) {
        return status(sw::REFERENCE_NOT_FOUND);
    }
    match command.le {
        Some(le) if command.data.is_empty() && usize::from(le) >= ATR.len() => {
            (ATR.to_vec(), sw::OK)
        }
        Some(_) if command.data.is_empty() => status(sw::WRONG_LE | ATR.len() as u16),
        _ => status(sw::WRONG_LENGTH),
    }
}

impl CardChannel for VirtualCard {
    /// In-process, the card never leaves the reader: every command gets its answer.
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, ChannelError> {
        Ok(self.respond(command))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn atr_check_byte_is_the_xor_of_t0_to_the_last_interface_byte() {
        let tck = ATR[1..ATR.len() - 1].iter().fold(0, |acc, b| acc ^ b);
        assert_eq!(tck, ATR[ATR.len() - 1]);
    }

    #[test]
    fn read_at_the_edges() {
        let ef = [1u8, 2, 3, 4];
        assert_eq!(
            read_at(&ef, 0, 4, ReadOverrun::ShortData),
            (ef.to_vec(), 0x9000)
        );
        assert_eq!(
            read_at(&ef, 2, 4, ReadOverrun::ShortData),
            (vec![3, 4], 0x6282)
        );
        assert_eq!(read_at(&ef, 2, 4, ReadOverrun::CorrectLe), (vec![], 0x6C02));
        assert_eq!(read_at(&ef, 4, 1, ReadOverrun::ShortData), (vec![], 0x6B00));
        assert_eq!(
            read_at(&ef, 0x7FFF, 1, ReadOverrun::ShortData),
            (vec![], 0x6B00)
        );
    }
}
