//! Byte-exact transcripts of the JPKI authentication flow against a scripted card.
//!
//! The certificates are synthetic: assembled here with x509-cert's own types, with a made-up
//! RSA modulus and signature bytes, sized to land on or off READ BINARY chunk boundaries.

use std::str::FromStr;
use std::time::Duration;

use der::asn1::{Any, BitString, ObjectIdentifier, UtcTime};
use der::Encode;
use onshi_core::jpki::{
    self, commands::JPKI_AID, run, AuthCertificate, CardChannel, ChannelError, Checkpoint,
    JpkiError, Operation, Pin, PinError, Progress, SignatureAlgorithm, StatusWord, Step, TokenKind,
    TriesLeft, VerificationMethod,
};
use x509_cert::certificate::{Certificate, TbsCertificate, Version};
use x509_cert::name::Name;
use x509_cert::serial_number::SerialNumber;
use x509_cert::spki::{AlgorithmIdentifierOwned, SubjectPublicKeyInfoOwned};
use x509_cert::time::{Time, Validity};

// ---------------------------------------------------------------- synthetic certificates

const SHA256_WITH_RSA: &str = "1.2.840.113549.1.1.11";
const RSA_ENCRYPTION: &str = "1.2.840.113549.1.1.1";
const ECDSA_WITH_SHA384: &str = "1.2.840.10045.4.3.3";
const EC_PUBLIC_KEY: &str = "1.2.840.10045.2.1";
const SECP384R1: &str = "1.3.132.0.34";

fn oid(text: &str) -> ObjectIdentifier {
    ObjectIdentifier::new_unwrap(text)
}

fn with_null(algorithm: &str) -> AlgorithmIdentifierOwned {
    AlgorithmIdentifierOwned {
        oid: oid(algorithm),
        parameters: Some(Any::null()),
    }
}

fn utc(unix: u64) -> Time {
    Time::UtcTime(UtcTime::from_unix_duration(Duration::from_secs(unix)).unwrap())
}

/// A synthetic RSA-2048 public key: `SEQUENCE { INTEGER n, INTEGER 65537 }`.
fn rsa_public_key() -> Vec<u8> {
    let mut key = vec![0x30, 0x82, 0x01, 0x0A, 0x02, 0x82, 0x01, 0x01, 0x00];
    key.extend((0..256u32).map(|i| 0xC1 ^ (i as u8).wrapping_mul(7)));
    key.extend([0x02, 0x03, 0x01, 0x00, 0x01]);
    key
}

fn certificate(
    spki: SubjectPublicKeyInfoOwned,
    signature_oid: &str,
    signature_len: usize,
) -> Vec<u8> {
    let signature_algorithm = if signature_oid == SHA256_WITH_RSA {
        with_null(signature_oid)
    } else {
        AlgorithmIdentifierOwned {
            oid: oid(signature_oid),
            parameters: None,
        }
    };
    let tbs = TbsCertificate {
        version: Version::V3,
        serial_number: SerialNumber::new(&[0x01, 0x23, 0x45, 0x67, 0x89]).unwrap(),
        signature: signature_algorithm.clone(),
        issuer: Name::from_str("CN=Synthetic Auth CA,O=onshi test,C=JP").unwrap(),
        validity: Validity {
            not_before: utc(1_735_689_600), // 2025-01-01
            not_after: utc(1_893_456_000),  // 2030-01-01
        },
        subject: Name::from_str("CN=SYNTHETIC-0001,O=onshi test,C=JP").unwrap(),
        subject_public_key_info: spki,
        issuer_unique_id: None,
        subject_unique_id: None,
        extensions: None,
    };
    Certificate {
        tbs_certificate: tbs,
        signature_algorithm,
        signature: BitString::from_bytes(&vec![0x5A; signature_len]).unwrap(),
    }
    .to_der()
    .unwrap()
}

/// An RSA certificate of exactly `len` DER bytes (the signature's length absorbs the rest).
fn rsa_cert(len: usize) -> Vec<u8> {
    let spki = || SubjectPublicKeyInfoOwned {
        algorithm: with_null(RSA_ENCRYPTION),
        subject_public_key: BitString::from_bytes(&rsa_public_key()).unwrap(),
    };
    let mut signature_len = 256;
    for _ in 0..4 {
        let der = certificate(spki(), SHA256_WITH_RSA, signature_len);
        if der.len() == len {
            return der;
        }
        signature_len = (signature_len + len).checked_sub(der.len()).unwrap();
    }
    panic!("cannot size a synthetic certificate to {len} bytes");
}

fn ec_p384_cert() -> Vec<u8> {
    let mut point = vec![0x04];
    point.extend((0..96u8).map(|i| i.wrapping_mul(3)));
    let spki = SubjectPublicKeyInfoOwned {
        algorithm: AlgorithmIdentifierOwned {
            oid: oid(EC_PUBLIC_KEY),
            parameters: Some(Any::from(&oid(SECP384R1))),
        },
        subject_public_key: BitString::from_bytes(&point).unwrap(),
    };
    certificate(spki, ECDSA_WITH_SHA384, 104)
}

// ---------------------------------------------------------------- the scripted card

fn h(text: &str) -> Vec<u8> {
    text.split_whitespace()
        .map(|b| u8::from_str_radix(b, 16).unwrap())
        .collect()
}

fn hex(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect::<Vec<_>>()
        .join(" ")
}

fn ok(data: &[u8]) -> Vec<u8> {
    [data, &[0x90, 0x00]].concat()
}

type Reply = Result<Vec<u8>, ChannelError>;

/// A card that expects exactly the scripted commands, in order, and records what it got.
struct ScriptedCard {
    script: Vec<(Vec<u8>, Reply)>,
    sent: Vec<Vec<u8>>,
}

impl ScriptedCard {
    fn new(script: Vec<(Vec<u8>, Reply)>) -> Self {
        ScriptedCard {
            script,
            sent: Vec::new(),
        }
    }

    fn assert_done(&self) {
        assert_eq!(
            self.sent.len(),
            self.script.len(),
            "the flow stopped after {} of {} scripted commands",
            self.sent.len(),
            self.script.len()
        );
    }
}

impl CardChannel for ScriptedCard {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, ChannelError> {
        let index = self.sent.len();
        self.sent.push(command.to_vec());
        let Some((expected, reply)) = self.script.get(index) else {
            panic!("unscripted command #{index}: {}", hex(command));
        };
        assert_eq!(hex(command), hex(expected), "command #{index}");
        reply.clone()
    }
}

// ---------------------------------------------------------------- transcript pieces

const SELECT_JPKI: &str = "00 A4 04 0C 0A D3 92 F0 00 26 01 00 00 00 01";
const SELECT_TOKEN_INFO: &str = "00 A4 02 0C 02 00 06";
const READ_LABEL: &str = "00 B0 00 00 20";
const SELECT_CERT: &str = "00 A4 02 0C 02 00 0A";
const SELECT_PIN: &str = "00 A4 02 0C 02 00 18";
const RETRY_COUNTER: &str = "00 20 00 80";
const VERIFY_1234: &str = "00 20 00 80 04 31 32 33 34";
const SELECT_KEY: &str = "00 A4 02 0C 02 00 17";
const LAST_COMMAND: &str = "80 FC 00 00";

const CHALLENGE: &[u8] = b"abc";
/// SHA-256("abc") from FIPS 180-2, inside the DigestInfo the card pads and signs.
const SIGN_ABC: &str = "80 2A 00 80 33 30 31 30 0D 06 09 60 86 48 01 65 03 04 02 01 05 00 04 20 \
    BA 78 16 BF 8F 01 CF EA 41 41 40 DE 5D AE 22 23 B0 03 61 A3 96 17 7A 9C B4 10 FF 61 F2 00 15 AD 00";

fn step(command: &str, reply: Vec<u8>) -> (Vec<u8>, Reply) {
    (h(command), Ok(reply))
}

fn label(name: &str) -> Vec<u8> {
    let mut label = name.as_bytes().to_vec();
    label.resize(32, b' ');
    ok(&label)
}

fn identify(token_label: &str) -> Vec<(Vec<u8>, Reply)> {
    vec![
        step(SELECT_JPKI, ok(&[])),
        step(SELECT_TOKEN_INFO, ok(&[])),
        step(READ_LABEL, label(token_label)),
    ]
}

fn read_binary(offset: usize, le: usize) -> String {
    format!(
        "00 B0 {:02X} {:02X} {:02X}",
        offset >> 8,
        offset & 0xFF,
        le % 256
    )
}

/// SELECT 000A and READ BINARY in 256-byte chunks; the EF holds filler after the DER.
fn read_cert(cert: &[u8]) -> Vec<(Vec<u8>, Reply)> {
    let mut ef = cert.to_vec();
    ef.resize(cert.len() + 300, 0xFF);
    let mut steps = vec![step(SELECT_CERT, ok(&[]))];
    let mut offset = 0;
    while offset < cert.len() {
        let le = if offset == 0 {
            256
        } else {
            (cert.len() - offset).min(256)
        };
        steps.push(step(&read_binary(offset, le), ok(&ef[offset..offset + le])));
        offset += le;
    }
    steps
}

fn retry_counter(sw: &str) -> Vec<(Vec<u8>, Reply)> {
    vec![step(SELECT_PIN, ok(&[])), step(RETRY_COUNTER, h(sw))]
}

fn signature() -> Vec<u8> {
    (0..256u16).map(|i| (i * 13 % 251) as u8).collect()
}

fn sign_steps() -> Vec<(Vec<u8>, Reply)> {
    vec![step(SELECT_KEY, ok(&[])), step(SIGN_ABC, ok(&signature()))]
}

fn phase_one(card: &mut ScriptedCard) -> Result<Checkpoint, JpkiError> {
    run(jpki::start(), card)
}

fn pin_required(checkpoint: Checkpoint) -> jpki::PinRequired {
    match checkpoint {
        Checkpoint::PinRequired(p) => p,
        Checkpoint::AlreadyVerified(_) => panic!("expected a PIN prompt"),
    }
}

fn pin() -> Pin {
    Pin::parse("1234").unwrap()
}

/// No SELECT by name (P1=04) may name anything but the JPKI AP: never 券面事項入力補助AP.
fn assert_only_jpki_selected(sent: &[Vec<u8>]) {
    for command in sent {
        if command.len() >= 5 && command[1] == 0xA4 && command[2] == 0x04 {
            assert_eq!(
                &command[5..],
                JPKI_AID,
                "selected another AP: {}",
                hex(command)
            );
        }
    }
}

fn concat(parts: Vec<Vec<(Vec<u8>, Reply)>>) -> Vec<(Vec<u8>, Reply)> {
    parts.into_iter().flatten().collect()
}

// ---------------------------------------------------------------- the reference sequence

#[test]
fn card_reference_transcript_is_byte_exact() {
    let cert = rsa_cert(700);
    let mut card = ScriptedCard::new(concat(vec![
        identify("JPKIAPICCTOKEN2"),
        read_cert(&cert),
        retry_counter("63 C3"),
        vec![step(VERIFY_1234, ok(&[]))],
        sign_steps(),
    ]));
    // 700 bytes: 256 @ 0, 256 @ 256, then exactly the 188 left.
    assert!(card.script.iter().any(|(c, _)| hex(c) == "00 B0 02 00 BC"));

    let checkpoint = phase_one(&mut card).unwrap();
    assert_eq!(checkpoint.token(), &TokenKind::Card);
    assert_eq!(checkpoint.certificate().unwrap().der(), cert);
    let prompt = pin_required(checkpoint);
    assert_eq!(prompt.tries_left(), TriesLeft::Remaining(3));
    assert!(!prompt.is_last_attempt());
    // Phase 1 stopped right after the retry counter: nothing was verified yet.
    assert_eq!(hex(card.sent.last().unwrap()), RETRY_COUNTER);

    let auth = run(prompt.verify(pin(), CHALLENGE).unwrap(), &mut card).unwrap();
    card.assert_done();
    assert_eq!(auth.certificate.der(), cert);
    assert_eq!(auth.signature, signature());
    assert_eq!(auth.algorithm, SignatureAlgorithm::RsaPkcs1Sha256);
    assert_eq!(auth.token, TokenKind::Card);
    assert_eq!(auth.method, VerificationMethod::Pin);
    assert_only_jpki_selected(&card.sent);
}

#[test]
fn certificate_fields_come_from_the_der() {
    let cert = AuthCertificate::from_der(&rsa_cert(700)).unwrap();
    assert!(
        cert.subject().contains("CN=SYNTHETIC-0001"),
        "{}",
        cert.subject()
    );
    assert!(
        cert.issuer().contains("CN=Synthetic Auth CA"),
        "{}",
        cert.issuer()
    );
    assert_eq!(cert.serial_hex(), "0123456789");
    assert_eq!(cert.not_before().to_string(), "2025-01-01T00:00:00Z");
    assert_eq!(cert.not_after().to_string(), "2030-01-01T00:00:00Z");
    assert_eq!(cert.algorithm(), SignatureAlgorithm::RsaPkcs1Sha256);

    let ec = AuthCertificate::from_der(&ec_p384_cert()).unwrap();
    assert_eq!(ec.algorithm(), SignatureAlgorithm::EcdsaP384Sha384);
}

#[test]
fn certificate_ending_on_a_chunk_boundary_needs_no_extra_read() {
    let cert = rsa_cert(768);
    let reads = read_cert(&cert);
    assert_eq!(
        reads
            .iter()
            .skip(1)
            .map(|(c, _)| hex(c))
            .collect::<Vec<_>>(),
        ["00 B0 00 00 00", "00 B0 01 00 00", "00 B0 02 00 00"]
    );
    let mut card = ScriptedCard::new(concat(vec![
        identify("JPKIAPICCTOKEN2"),
        reads,
        retry_counter("63 C3"),
    ]));
    let checkpoint = phase_one(&mut card).unwrap();
    card.assert_done();
    assert_eq!(checkpoint.certificate().unwrap().der(), cert);
}

#[test]
fn wrong_le_6cxx_is_resent_and_offsets_follow_the_bytes_received() {
    let cert = rsa_cert(700);
    let mut card = ScriptedCard::new(concat(vec![
        identify("JPKIAPICCTOKEN2"),
        vec![
            step(SELECT_CERT, ok(&[])),
            step("00 B0 00 00 00", h("6C 80")),
            step("00 B0 00 00 80", ok(&cert[..0x80])),
            // 700 - 128 = 572 left: 256, 256, then 60.
            step("00 B0 00 80 00", ok(&cert[0x80..0x180])),
            step("00 B0 01 80 00", ok(&cert[0x180..0x280])),
            step("00 B0 02 80 3C", ok(&cert[0x280..])),
        ],
        retry_counter("63 C3"),
    ]));
    let checkpoint = phase_one(&mut card).unwrap();
    card.assert_done();
    assert_eq!(checkpoint.certificate().unwrap().der(), cert);
}

#[test]
fn more_data_61xx_is_fetched_with_get_response() {
    let cert = rsa_cert(700);
    let sig = signature();
    let mut card = ScriptedCard::new(concat(vec![
        identify("JPKIAPICCTOKEN2"),
        vec![
            step(SELECT_CERT, ok(&[])),
            step("00 B0 00 00 00", [&cert[..0x80], &h("61 80")[..]].concat()),
            step("00 C0 00 00 80", ok(&cert[0x80..0x100])),
            step("00 B0 01 00 00", ok(&cert[0x100..0x200])),
            step("00 B0 02 00 BC", ok(&cert[0x200..])),
        ],
        retry_counter("63 C3"),
        vec![
            step(VERIFY_1234, ok(&[])),
            step(SELECT_KEY, ok(&[])),
            step(SIGN_ABC, h("61 00")),
            step("00 C0 00 00 00", ok(&sig)),
        ],
    ]));
    let prompt = pin_required(phase_one(&mut card).unwrap());
    let auth = run(prompt.verify(pin(), CHALLENGE).unwrap(), &mut card).unwrap();
    card.assert_done();
    assert_eq!(auth.certificate.der(), cert);
    assert_eq!(auth.signature, sig);
}

#[test]
fn the_flow_can_be_driven_step_by_step() {
    // The async transports hold the step across their own awaits; this is that loop, minus
    // the awaits, and it must send exactly what `run` sends.
    let cert = rsa_cert(700);
    let script = concat(vec![
        identify("JPKIAPICCTOKEN2"),
        read_cert(&cert),
        retry_counter("63 C2"),
    ]);
    let mut card = ScriptedCard::new(script.clone());
    let mut progress = jpki::start();
    let checkpoint = loop {
        match progress {
            Progress::Transmit(step) => {
                let answer = card.transmit(step.next_command()).unwrap();
                progress = step.feed(&answer).unwrap();
            }
            Progress::Done(checkpoint) => break checkpoint,
        }
    };
    card.assert_done();
    assert_eq!(
        pin_required(checkpoint).tries_left(),
        TriesLeft::Remaining(2)
    );
}

// ---------------------------------------------------------------- tokens and their quirks

#[test]
fn android_token_verifies_before_reading_the_certificate() {
    let cert = rsa_cert(700);
    let mut card = ScriptedCard::new(concat(vec![
        identify("JPKIAPGPSETOKEN"),
        retry_counter("63 C3"),
        vec![step(VERIFY_1234, ok(&[]))],
        read_cert(&cert),
        sign_steps(),
    ]));
    let checkpoint = phase_one(&mut card).unwrap();
    assert_eq!(checkpoint.token(), &TokenKind::Android);
    assert!(checkpoint.certificate().is_none());
    assert!(!card.sent.iter().any(|c| hex(c) == SELECT_CERT));

    let auth = run(
        pin_required(checkpoint).verify(pin(), CHALLENGE).unwrap(),
        &mut card,
    )
    .unwrap();
    card.assert_done();
    assert_eq!(auth.token, TokenKind::Android);
    assert_eq!(auth.certificate.der(), cert);
    assert_eq!(auth.signature, signature());
    assert_only_jpki_selected(&card.sent);
}

#[test]
fn iphone_token_ends_with_the_last_command_indicator() {
    let cert = rsa_cert(700);
    let mut card = ScriptedCard::new(concat(vec![
        identify("JPKIAPIOSTOKEN"),
        read_cert(&cert),
        retry_counter("63 C3"),
        vec![step(VERIFY_1234, ok(&[]))],
        sign_steps(),
        vec![step(LAST_COMMAND, ok(&[]))],
    ]));
    let prompt = pin_required(phase_one(&mut card).unwrap());
    assert_eq!(prompt.token(), &TokenKind::IPhone);
    let auth = run(prompt.verify(pin(), CHALLENGE).unwrap(), &mut card).unwrap();
    card.assert_done();
    assert_eq!(auth.token, TokenKind::IPhone);
    assert_eq!(auth.signature, signature());
}

#[test]
fn iphone_already_verified_signs_without_verify_and_tolerates_the_indicator_answer() {
    let cert = rsa_cert(700);
    let mut card = ScriptedCard::new(concat(vec![
        identify("JPKIAPIOSTOKEN"),
        read_cert(&cert),
        retry_counter("90 00"),
        sign_steps(),
        // Whatever the phone answers, the signature is already in hand.
        vec![step(LAST_COMMAND, h("67 00"))],
    ]));
    let Checkpoint::AlreadyVerified(verified) = phase_one(&mut card).unwrap() else {
        panic!("9000 to the empty VERIFY means already verified");
    };
    let auth = run(verified.sign(CHALLENGE).unwrap(), &mut card).unwrap();
    card.assert_done();
    assert_eq!(auth.method, VerificationMethod::AlreadyVerified);
    assert!(!card.sent.iter().any(|c| c.len() > 4 && c[1] == 0x20));
}

#[test]
fn a_physical_card_never_gets_the_iphone_indicator() {
    let cert = rsa_cert(700);
    let mut card = ScriptedCard::new(concat(vec![
        identify("JPKIAPICCTOKEN2"),
        read_cert(&cert),
        retry_counter("63 C3"),
        vec![step(VERIFY_1234, ok(&[]))],
        sign_steps(),
    ]));
    let prompt = pin_required(phase_one(&mut card).unwrap());
    run(prompt.verify(pin(), CHALLENGE).unwrap(), &mut card).unwrap();
    card.assert_done();
    assert!(!card.sent.iter().any(|c| hex(c) == LAST_COMMAND));
}

#[test]
fn an_unknown_label_is_reported_and_run_like_a_card() {
    let cert = rsa_cert(700);
    let mut card = ScriptedCard::new(concat(vec![
        identify("JPKIAPFUTURETOKEN"),
        read_cert(&cert),
        retry_counter("63 00"),
    ]));
    let prompt = pin_required(phase_one(&mut card).unwrap());
    card.assert_done();
    assert_eq!(
        prompt.token(),
        &TokenKind::Other("JPKIAPFUTURETOKEN".into())
    );
    assert_eq!(prompt.tries_left(), TriesLeft::Unlimited);
}

#[test]
fn no_run_selects_any_application_but_jpki() {
    let cert = rsa_cert(700);
    for (label, quirk) in [
        ("JPKIAPICCTOKEN2", vec![]),
        ("JPKIAPIOSTOKEN", vec![step(LAST_COMMAND, ok(&[]))]),
    ] {
        let mut card = ScriptedCard::new(concat(vec![
            identify(label),
            read_cert(&cert),
            retry_counter("63 C3"),
            vec![step(VERIFY_1234, ok(&[]))],
            sign_steps(),
            quirk,
        ]));
        let prompt = pin_required(phase_one(&mut card).unwrap());
        run(prompt.verify(pin(), CHALLENGE).unwrap(), &mut card).unwrap();
        card.assert_done();
        let by_name: Vec<_> = card
            .sent
            .iter()
            .filter(|c| c[1] == 0xA4 && c[2] == 0x04)
            .collect();
        assert_eq!(by_name.len(), 1, "{label}: exactly one SELECT by name");
        assert_only_jpki_selected(&card.sent);
    }
    // The check itself catches the 券面事項入力補助AP.
    let text_ap = h("00 A4 04 0C 0A D3 92 10 00 31 00 01 01 04 08");
    let caught = std::panic::catch_unwind(|| assert_only_jpki_selected(&[text_ap]));
    assert!(caught.is_err());
}

// ---------------------------------------------------------------- error paths

#[test]
fn not_a_my_number_card() {
    for sw in ["6A 82", "6A 86", "6D 00"] {
        let mut card = ScriptedCard::new(vec![step(SELECT_JPKI, h(sw))]);
        let err = phase_one(&mut card).unwrap_err();
        let h_sw = h(sw);
        assert_eq!(
            err,
            JpkiError::NotMyNumberCard {
                sw: StatusWord::new(h_sw[0], h_sw[1])
            }
        );
        card.assert_done();
    }
}

#[test]
fn truncated_response_is_a_typed_error() {
    let mut card = ScriptedCard::new(vec![
        step(SELECT_JPKI, ok(&[])),
        step(SELECT_TOKEN_INFO, vec![0x90]),
    ]);
    assert_eq!(
        phase_one(&mut card).unwrap_err(),
        JpkiError::Apdu(jpki::ApduError::TruncatedResponse(1))
    );
    card.assert_done();
}

#[test]
fn card_removed_mid_read_stops_the_flow() {
    let cert = rsa_cert(700);
    let mut script = concat(vec![identify("JPKIAPICCTOKEN2"), read_cert(&cert)]);
    script.truncate(5); // SELECT AID, SELECT 0006, label, SELECT 000A, first chunk
    script.push((h("00 B0 01 00 00"), Err(ChannelError::CardRemoved)));
    let mut card = ScriptedCard::new(script);
    assert_eq!(
        phase_one(&mut card).unwrap_err(),
        JpkiError::Channel(ChannelError::CardRemoved)
    );
    card.assert_done();
}

#[test]
fn end_of_file_before_the_der_length_is_a_certificate_error() {
    let cert = rsa_cert(700);
    let mut card = ScriptedCard::new(concat(vec![
        identify("JPKIAPICCTOKEN2"),
        vec![
            step(SELECT_CERT, ok(&[])),
            step("00 B0 00 00 00", ok(&cert[..256])),
            step("00 B0 01 00 00", h("6B 00")),
        ],
    ]));
    assert_eq!(
        phase_one(&mut card).unwrap_err(),
        JpkiError::Certificate(jpki::CertError::EndedEarly {
            received: 256,
            expected: 700
        })
    );
    card.assert_done();
}

fn wrong_pin(tries: &str, expected_left: u8) {
    let cert = rsa_cert(700);
    let mut card = ScriptedCard::new(concat(vec![
        identify("JPKIAPICCTOKEN2"),
        read_cert(&cert),
        retry_counter("63 C3"),
        vec![step(VERIFY_1234, h(tries))],
    ]));
    let prompt = pin_required(phase_one(&mut card).unwrap());
    let err = run(prompt.verify(pin(), CHALLENGE).unwrap(), &mut card).unwrap_err();
    assert_eq!(
        err,
        JpkiError::WrongPin {
            tries_left: expected_left
        }
    );
    // Nothing after the refused VERIFY: no SELECT 0017, no SIGN.
    card.assert_done();
}

#[test]
fn wrong_pin_with_two_tries_left() {
    wrong_pin("63 C2", 2);
}

#[test]
fn wrong_pin_with_one_try_left() {
    wrong_pin("63 C1", 1);
}

#[test]
fn last_attempt_is_flagged_before_the_pin_is_asked() {
    let cert = rsa_cert(700);
    let mut card = ScriptedCard::new(concat(vec![
        identify("JPKIAPICCTOKEN2"),
        read_cert(&cert),
        retry_counter("63 C1"),
    ]));
    assert!(pin_required(phase_one(&mut card).unwrap()).is_last_attempt());
}

#[test]
fn the_try_that_blocks_the_pin_is_reported_as_blocked() {
    let cert = rsa_cert(700);
    let mut card = ScriptedCard::new(concat(vec![
        identify("JPKIAPICCTOKEN2"),
        read_cert(&cert),
        retry_counter("63 C1"),
        vec![step(VERIFY_1234, h("63 C0"))],
    ]));
    let prompt = pin_required(phase_one(&mut card).unwrap());
    let err = run(prompt.verify(pin(), CHALLENGE).unwrap(), &mut card).unwrap_err();
    assert_eq!(
        err,
        JpkiError::Blocked {
            sw: StatusWord::new(0x63, 0xC0)
        }
    );
}

#[test]
fn blocked_before_verify_sends_no_verify() {
    let cert = rsa_cert(700);
    for sw in ["63 C0", "69 84", "69 83"] {
        let mut card = ScriptedCard::new(concat(vec![
            identify("JPKIAPICCTOKEN2"),
            read_cert(&cert),
            retry_counter(sw),
        ]));
        let h_sw = h(sw);
        assert_eq!(
            phase_one(&mut card).unwrap_err(),
            JpkiError::Blocked {
                sw: StatusWord::new(h_sw[0], h_sw[1])
            }
        );
        card.assert_done();
        assert!(
            !card.sent.iter().any(|c| c.len() > 4 && c[1] == 0x20),
            "{sw}"
        );
    }
}

#[test]
fn a_malformed_pin_never_reaches_the_card() {
    let cert = rsa_cert(700);
    let mut card = ScriptedCard::new(concat(vec![
        identify("JPKIAPICCTOKEN2"),
        read_cert(&cert),
        retry_counter("63 C3"),
        vec![step(VERIFY_1234, ok(&[]))],
        sign_steps(),
    ]));
    let prompt = pin_required(phase_one(&mut card).unwrap());
    let sent_before = card.sent.len();
    for typed in ["123", "12345", "12a4", "１２３４", ""] {
        assert_eq!(Pin::parse(typed).map(|_| ()), Err(PinError::NotFourDigits));
    }
    assert_eq!(card.sent.len(), sent_before);
    // The prompt is still usable with a well-formed PIN.
    run(prompt.verify(pin(), CHALLENGE).unwrap(), &mut card).unwrap();
    card.assert_done();
}

#[test]
fn security_status_not_satisfied_at_sign() {
    let cert = rsa_cert(700);
    let mut card = ScriptedCard::new(concat(vec![
        identify("JPKIAPICCTOKEN2"),
        read_cert(&cert),
        retry_counter("90 00"),
        vec![step(SELECT_KEY, ok(&[])), step(SIGN_ABC, h("69 82"))],
    ]));
    let Checkpoint::AlreadyVerified(verified) = phase_one(&mut card).unwrap() else {
        panic!("expected already verified");
    };
    assert_eq!(
        run(verified.sign(CHALLENGE).unwrap(), &mut card).unwrap_err(),
        JpkiError::SecurityStatusNotSatisfied {
            operation: Operation::Sign
        }
    );
}

#[test]
fn an_unexpected_status_names_the_step_and_the_hex() {
    let cert = rsa_cert(700);
    let mut card = ScriptedCard::new(concat(vec![
        identify("JPKIAPICCTOKEN2"),
        read_cert(&cert),
        vec![step(SELECT_PIN, h("6A 82"))],
    ]));
    let err = phase_one(&mut card).unwrap_err();
    assert_eq!(
        err,
        JpkiError::UnexpectedStatus {
            operation: Operation::SelectFile(0x0018),
            sw: StatusWord::new(0x6A, 0x82)
        }
    );
    assert_eq!(
        err.to_string(),
        "unexpected status 6A82 during SELECT EF 0018"
    );
}

#[test]
fn a_key_without_a_known_sign_command_is_refused_before_the_pin() {
    let cert = ec_p384_cert();
    let mut card = ScriptedCard::new(concat(vec![identify("JPKIAPICCTOKEN2"), read_cert(&cert)]));
    assert_eq!(
        phase_one(&mut card).unwrap_err(),
        JpkiError::UnsupportedAlgorithm(SignatureAlgorithm::EcdsaP384Sha384)
    );
    // No retry counter read, no PIN asked.
    card.assert_done();
}

#[test]
fn an_empty_signature_is_an_error() {
    let cert = rsa_cert(700);
    let mut card = ScriptedCard::new(concat(vec![
        identify("JPKIAPICCTOKEN2"),
        read_cert(&cert),
        retry_counter("63 C3"),
        vec![
            step(VERIFY_1234, ok(&[])),
            step(SELECT_KEY, ok(&[])),
            step(SIGN_ABC, ok(&[])),
        ],
    ]));
    let prompt = pin_required(phase_one(&mut card).unwrap());
    assert_eq!(
        run(prompt.verify(pin(), CHALLENGE).unwrap(), &mut card).unwrap_err(),
        JpkiError::EmptySignature
    );
}

#[test]
fn a_pending_verify_does_not_show_the_pin_in_debug_output() {
    let cert = rsa_cert(700);
    let mut card = ScriptedCard::new(concat(vec![
        identify("JPKIAPICCTOKEN2"),
        read_cert(&cert),
        retry_counter("63 C3"),
    ]));
    let prompt = pin_required(phase_one(&mut card).unwrap());
    let progress = prompt
        .verify(Pin::parse("9876").unwrap(), CHALLENGE)
        .unwrap();
    let Progress::Transmit(step) = &progress else {
        panic!("VERIFY must be pending");
    };
    // The wire bytes carry the PIN (that is VERIFY's job); nothing printable does.
    assert_eq!(hex(step.next_command()), "00 20 00 80 04 39 38 37 36");
    let shown = format!("{progress:?}");
    for leak in ["9876", "57, 56, 55, 54", "39 38 37 36", "0x39"] {
        assert!(!shown.contains(leak), "{leak} in {shown}");
    }
}
