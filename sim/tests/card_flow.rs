//! Core's JPKI flow (`onshi_core::jpki`) against every kind of virtual card, in-process,
//! and the simulated national side's verdict on what the cards signed.

use onshi_core::jpki::{
    self, run, Authentication, CardChannel, ChannelError, Checkpoint, JpkiError, Pin, StatusWord,
    TokenKind, TriesLeft, VerificationMethod,
};
use onshi_sim::card::catalog::unix_time;
use onshi_sim::card::{verify_authentication, CardVariant, VerifyError, VirtualCard, CARDS};

/// 2026-06-01: every current certificate is valid, the expired one is not.
const TODAY: u64 = 1_780_272_000;
const CHALLENGE: &[u8] = b"national-side challenge 0001";

/// Forwards to the card and keeps what was sent, to check what the flow did not send.
struct Recorder<'a> {
    card: &'a mut VirtualCard,
    sent: Vec<Vec<u8>>,
}

impl<'a> Recorder<'a> {
    fn new(card: &'a mut VirtualCard) -> Self {
        Recorder {
            card,
            sent: Vec::new(),
        }
    }

    fn verifies_with_pin(&self) -> usize {
        self.sent
            .iter()
            .filter(|c| c.len() > 4 && c[..4] == [0x00, 0x20, 0x00, 0x80])
            .count()
    }
}

impl CardChannel for Recorder<'_> {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, ChannelError> {
        self.sent.push(command.to_vec());
        self.card.transmit(command)
    }
}

fn open(id: &str) -> VirtualCard {
    VirtualCard::open(id).unwrap()
}

fn pin(text: &str) -> Pin {
    Pin::parse(text).unwrap()
}

/// Both phases: read, then VERIFY (if asked for) and sign.
fn authenticate(
    channel: &mut impl CardChannel,
    pin_text: &str,
) -> Result<Authentication, JpkiError> {
    match run(jpki::start(), channel)? {
        Checkpoint::PinRequired(prompt) => run(prompt.verify(pin(pin_text), CHALLENGE)?, channel),
        Checkpoint::AlreadyVerified(verified) => run(verified.sign(CHALLENGE)?, channel),
    }
}

fn tries_shown(card: &mut VirtualCard) -> Result<TriesLeft, JpkiError> {
    match run(jpki::start(), card)? {
        Checkpoint::PinRequired(prompt) => Ok(prompt.tries_left()),
        Checkpoint::AlreadyVerified(_) => panic!("expected a PIN prompt"),
    }
}

#[test]
fn every_genuine_physical_card_authenticates_and_maps_to_its_holder() {
    let physical = CARDS
        .iter()
        .filter(|c| matches!(c.variant, CardVariant::Normal | CardVariant::LastAttempt));
    let mut seen = 0;
    for spec in physical {
        let mut card = VirtualCard::from_spec(spec).unwrap();
        let auth = authenticate(&mut card, spec.pin).unwrap();
        assert_eq!(auth.token, TokenKind::Card, "{}", spec.id);
        assert_eq!(auth.method, VerificationMethod::Pin);
        assert_eq!(auth.signature.len(), 256, "RSA-2048 signature");
        assert_eq!(auth.certificate.der(), card.certificate_der());
        assert_eq!(auth.certificate.serial_hex(), spec.serial_hex());

        let holder = verify_authentication(
            auth.certificate.der(),
            CHALLENGE,
            &auth.signature,
            unix_time(TODAY),
        )
        .unwrap();
        assert_eq!(holder.card_id, spec.id);
        assert_eq!(holder.person_key, spec.person_key);
        // The correct PIN restores the counter, even on the last-attempt card.
        assert_eq!(card.tries_left(), 3, "{}", spec.id);
        seen += 1;
    }
    assert_eq!(seen, 8);
}

#[test]
fn the_last_attempt_card_is_flagged_before_the_pin_is_asked() {
    let mut card = open("card-04");
    let Checkpoint::PinRequired(prompt) = run(jpki::start(), &mut card).unwrap() else {
        panic!("expected a PIN prompt");
    };
    assert!(prompt.is_last_attempt());
    assert_eq!(card.tries_left(), 1, "reading the counter spent nothing");
}

#[test]
fn wrong_pins_count_down_then_block_and_blocked_is_reported_before_any_verify() {
    let mut card = open("card-01");
    assert_eq!(tries_shown(&mut card).unwrap(), TriesLeft::Remaining(3));
    assert_eq!(
        authenticate(&mut card, "0000").unwrap_err(),
        JpkiError::WrongPin { tries_left: 2 }
    );
    assert_eq!(tries_shown(&mut card).unwrap(), TriesLeft::Remaining(2));
    assert_eq!(
        authenticate(&mut card, "9999").unwrap_err(),
        JpkiError::WrongPin { tries_left: 1 }
    );
    assert_eq!(
        authenticate(&mut card, "1111").unwrap_err(),
        JpkiError::Blocked {
            sw: StatusWord::new(0x63, 0xC0)
        }
    );
    // Blocked now: even the right PIN is never sent, phase 1 stops at the counter.
    let mut recorder = Recorder::new(&mut card);
    assert_eq!(
        authenticate(&mut recorder, "1234").unwrap_err(),
        JpkiError::Blocked {
            sw: StatusWord::new(0x69, 0x84)
        }
    );
    assert_eq!(recorder.verifies_with_pin(), 0);
}

#[test]
fn a_correct_pin_resets_the_counter() {
    let mut card = open("card-02");
    assert_eq!(
        authenticate(&mut card, "1234").unwrap_err(),
        JpkiError::WrongPin { tries_left: 2 }
    );
    authenticate(&mut card, "5678").unwrap();
    card.reset();
    assert_eq!(tries_shown(&mut card).unwrap(), TriesLeft::Remaining(3));
}

#[test]
fn the_blocked_card_is_reported_before_any_verify() {
    let mut card = open("blocked");
    let mut recorder = Recorder::new(&mut card);
    assert_eq!(
        run(jpki::start(), &mut recorder).unwrap_err(),
        JpkiError::Blocked {
            sw: StatusWord::new(0x69, 0x84)
        }
    );
    assert_eq!(recorder.verifies_with_pin(), 0);
    assert_eq!(card.tries_left(), 0);
}

#[test]
fn an_expired_certificate_signs_but_the_national_side_refuses_it() {
    let mut card = open("expired");
    let auth = authenticate(&mut card, "1234").unwrap();
    assert_eq!(
        verify_authentication(
            auth.certificate.der(),
            CHALLENGE,
            &auth.signature,
            unix_time(TODAY)
        ),
        Err(VerifyError::Expired)
    );
    // The same signature was fine while the certificate ran (2022-01-01).
    let holder = verify_authentication(
        auth.certificate.der(),
        CHALLENGE,
        &auth.signature,
        unix_time(1_640_995_200),
    )
    .unwrap();
    assert_eq!(holder.person_key, "shift_jis");
}

#[test]
fn a_certificate_is_refused_before_its_validity() {
    let mut card = open("card-03");
    let auth = authenticate(&mut card, "1234").unwrap();
    // 2025-01-01, three months before notBefore.
    assert_eq!(
        verify_authentication(
            auth.certificate.der(),
            CHALLENGE,
            &auth.signature,
            unix_time(1_735_689_600)
        ),
        Err(VerifyError::NotYetValid)
    );
}

#[test]
fn android_token_serves_its_certificate_after_verify() {
    let mut card = open("android");
    let checkpoint = run(jpki::start(), &mut card).unwrap();
    assert_eq!(checkpoint.token(), &TokenKind::Android);
    assert!(checkpoint.certificate().is_none());
    let Checkpoint::PinRequired(prompt) = checkpoint else {
        panic!("the Android token asks for the PIN");
    };
    let auth = run(prompt.verify(pin("5678"), CHALLENGE).unwrap(), &mut card).unwrap();
    assert_eq!(auth.token, TokenKind::Android);
    let holder = verify_authentication(
        auth.certificate.der(),
        CHALLENGE,
        &auth.signature,
        unix_time(TODAY),
    )
    .unwrap();
    assert_eq!(
        (holder.card_id, holder.person_key, holder.variant),
        ("android", "kyokai_family", CardVariant::Android)
    );
}

#[test]
fn iphone_token_needs_no_pin_and_gets_the_last_command_indicator() {
    let mut card = open("iphone");
    let mut recorder = Recorder::new(&mut card);
    let auth = authenticate(&mut recorder, "0000").unwrap();
    assert_eq!(auth.token, TokenKind::IPhone);
    assert_eq!(auth.method, VerificationMethod::AlreadyVerified);
    assert_eq!(recorder.verifies_with_pin(), 0);
    assert_eq!(recorder.sent.last().unwrap(), &[0x80, 0xFC, 0x00, 0x00]);
    let holder = verify_authentication(
        auth.certificate.der(),
        CHALLENGE,
        &auth.signature,
        unix_time(TODAY),
    )
    .unwrap();
    assert_eq!(holder.person_key, "kokuho");
    assert_eq!(card.tries_left(), 3);
}

#[test]
fn forged_signatures_are_refused() {
    let mut card = open("card-01");
    let auth = authenticate(&mut card, "1234").unwrap();
    let cert = auth.certificate.der();
    let at = unix_time(TODAY);

    let mut flipped = auth.signature.clone();
    flipped[100] ^= 0x01;
    assert_eq!(
        verify_authentication(cert, CHALLENGE, &flipped, at),
        Err(VerifyError::BadSignature)
    );
    assert_eq!(
        verify_authentication(cert, b"another challenge", &auth.signature, at),
        Err(VerifyError::BadSignature)
    );
    assert_eq!(
        verify_authentication(cert, CHALLENGE, &auth.signature[..255], at),
        Err(VerifyError::BadSignature)
    );
    // Card 03's signature presented with card 01's certificate.
    let mut other = open("card-03");
    let other_auth = authenticate(&mut other, "1234").unwrap();
    assert_eq!(
        verify_authentication(cert, CHALLENGE, &other_auth.signature, at),
        Err(VerifyError::BadSignature)
    );
}

#[test]
fn a_counterfeit_from_another_ca_is_refused_though_it_copies_a_serial() {
    let mut card = open("counterfeit");
    let auth = authenticate(&mut card, "1234").unwrap();
    assert_eq!(
        auth.certificate.serial_hex(),
        open("card-01").spec().serial_hex()
    );
    assert_eq!(
        verify_authentication(
            auth.certificate.der(),
            CHALLENGE,
            &auth.signature,
            unix_time(TODAY)
        ),
        Err(VerifyError::UntrustedIssuer)
    );
}

#[test]
fn ca_certificates_and_garbage_are_not_card_certificates() {
    let at = unix_time(TODAY);
    let signature = [0u8; 256];
    for ca in [
        onshi_sim::card::catalog::TEST_CA_CERT,
        onshi_sim::card::catalog::ROGUE_CA_CERT,
    ] {
        assert!(matches!(
            verify_authentication(ca, CHALLENGE, &signature, at),
            Err(VerifyError::BadSignature | VerifyError::UntrustedIssuer)
        ));
    }
    assert!(matches!(
        verify_authentication(&[0x30, 0x03, 0x02, 0x01, 0x00], CHALLENGE, &signature, at),
        Err(VerifyError::MalformedCertificate(_))
    ));
    assert!(matches!(
        verify_authentication(&[], CHALLENGE, &signature, at),
        Err(VerifyError::MalformedCertificate(_))
    ));
}
