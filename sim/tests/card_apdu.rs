//! The virtual card's answers APDU by APDU: status words of card-and-transport.md §1.4.

use onshi_sim::card::{ReadOverrun, VirtualCard, ATR, CERT_EF_LEN};
use rand::{Rng, SeedableRng};
use rsa::pkcs8::DecodePublicKey;
use rsa::{Pkcs1v15Sign, RsaPublicKey};
use sha2::{Digest, Sha256};
use x509_cert::der::{Decode, Encode};

const SELECT_JPKI: &str = "00 A4 04 0C 0A D3 92 F0 00 26 01 00 00 00 01";
const SELECT_TEXT_AP: &str = "00 A4 04 0C 0A D3 92 10 00 31 00 01 01 04 08";
const SELECT_SURFACE_AP: &str = "00 A4 04 0C 0A D3 92 10 00 31 00 01 01 04 02";
const SELECT_COMMON_AP: &str = "00 A4 04 0C 0A D3 92 10 00 31 00 01 01 01 00";
const SELECT_TOKEN_INFO: &str = "00 A4 02 0C 02 00 06";
const SELECT_CERT: &str = "00 A4 02 0C 02 00 0A";
const SELECT_KEY: &str = "00 A4 02 0C 02 00 17";
const SELECT_PIN: &str = "00 A4 02 0C 02 00 18";
const RETRY_COUNTER: &str = "00 20 00 80";

fn h(text: &str) -> Vec<u8> {
    text.split_whitespace()
        .map(|b| u8::from_str_radix(b, 16).unwrap())
        .collect()
}

/// Send and return (data, SW as u16).
fn send(card: &mut VirtualCard, command: &[u8]) -> (Vec<u8>, u16) {
    let response = card.respond(command);
    assert!(response.len() >= 2, "every answer ends in a status word");
    let (data, sw) = response.split_at(response.len() - 2);
    (data.to_vec(), u16::from_be_bytes([sw[0], sw[1]]))
}

fn sw(card: &mut VirtualCard, command: &str) -> u16 {
    send(card, &h(command)).1
}

fn verify(pin: &str) -> Vec<u8> {
    let mut command = vec![0x00, 0x20, 0x00, 0x80, pin.len() as u8];
    command.extend_from_slice(pin.as_bytes());
    command
}

fn digest_info(message: &[u8]) -> Vec<u8> {
    let mut info = h("30 31 30 0D 06 09 60 86 48 01 65 03 04 02 01 05 00 04 20");
    info.extend_from_slice(&Sha256::digest(message));
    info
}

fn sign_command(data: &[u8], le: Option<u8>) -> Vec<u8> {
    let mut command = vec![0x80, 0x2A, 0x00, 0x80, data.len() as u8];
    command.extend_from_slice(data);
    command.extend(le);
    command
}

/// JPKI AP selected, PIN EF current.
fn at_pin(id: &str) -> VirtualCard {
    let mut card = VirtualCard::open(id).unwrap();
    assert_eq!(sw(&mut card, SELECT_JPKI), 0x9000);
    assert_eq!(sw(&mut card, SELECT_PIN), 0x9000);
    card
}

#[test]
fn selects_only_the_applications_present() {
    let mut card = VirtualCard::open("card-01").unwrap();
    assert_eq!(sw(&mut card, SELECT_JPKI), 0x9000);
    // Never an AP that could hold the individual number.
    assert_eq!(sw(&mut card, SELECT_TEXT_AP), 0x6A82);
    assert_eq!(sw(&mut card, SELECT_SURFACE_AP), 0x6A82);
    assert_eq!(sw(&mut card, "00 A4 04 0C 05 A0 00 00 00 03"), 0x6A82);
    // Selecting needs P2 = 0C (no FCI) here, and a name.
    assert_eq!(
        sw(&mut card, "00 A4 04 00 0A D3 92 F0 00 26 01 00 00 00 01"),
        0x6A86
    );
    assert_eq!(sw(&mut card, "00 A4 04 0C"), 0x6700);
    assert_eq!(sw(&mut card, "00 A4 08 0C 02 00 0A"), 0x6A86);
}

#[test]
fn a_prefix_of_the_name_selects_the_jpki_ap() {
    let mut card = VirtualCard::open("card-01").unwrap();
    assert_eq!(sw(&mut card, "00 A4 04 0C 05 D3 92 F0 00 26"), 0x9000);
    assert_eq!(sw(&mut card, SELECT_TOKEN_INFO), 0x9000);
    let (label, status) = send(&mut card, &h("00 B0 00 00 0F"));
    assert_eq!(
        (label.as_slice(), status),
        (&b"JPKIAPICCTOKEN2"[..], 0x9000)
    );
}

#[test]
fn select_mf_is_refused_after_reset_and_a_no_op_later() {
    let mut card = VirtualCard::open("card-01").unwrap();
    assert_eq!(sw(&mut card, "00 A4 00 00"), 0x6A86);
    assert_eq!(sw(&mut card, SELECT_JPKI), 0x9000);
    assert_eq!(sw(&mut card, SELECT_TOKEN_INFO), 0x9000);
    assert_eq!(sw(&mut card, "00 A4 00 00"), 0x9000);
    assert_eq!(
        send(&mut card, &h("00 B0 00 00 04")).1,
        0x9000,
        "EF still current"
    );
}

#[test]
fn files_exist_only_inside_the_jpki_ap() {
    let mut card = VirtualCard::open("card-01").unwrap();
    assert_eq!(
        sw(&mut card, SELECT_CERT),
        0x6A82,
        "no AP selected after reset"
    );
    assert_eq!(sw(&mut card, "00 B0 00 00 10"), 0x6986, "no current EF");
    assert_eq!(sw(&mut card, SELECT_JPKI), 0x9000);
    // The signature half (certificate, CA, key, password) is absent on this card.
    for ef in ["00 01", "00 02", "00 1A", "00 1B", "00 11", "FF FF"] {
        assert_eq!(
            sw(&mut card, &format!("00 A4 02 0C 02 {ef}")),
            0x6A82,
            "{ef}"
        );
    }
    assert_eq!(sw(&mut card, "00 A4 02 0C 01 0A"), 0x6700);
    assert_eq!(sw(&mut card, SELECT_KEY), 0x9000);
    assert_eq!(
        sw(&mut card, "00 B0 00 00 10"),
        0x6981,
        "keys are not readable"
    );
}

#[test]
fn token_info_is_160_bytes_and_reads_past_its_end_as_the_doc_says() {
    let mut card = VirtualCard::open("card-01").unwrap();
    sw(&mut card, SELECT_JPKI);
    sw(&mut card, SELECT_TOKEN_INFO);
    let (all, status) = send(&mut card, &h("00 B0 00 00 A0"));
    assert_eq!((all.len(), status), (160, 0x9000));
    assert_eq!(&all[..32], b"JPKIAPICCTOKEN2                 ");
    // Le past the end: the 16 bytes left, with 6282.
    let (tail, status) = send(&mut card, &h("00 B0 00 90 20"));
    assert_eq!((tail.as_slice(), status), (&all[0x90..], 0x6282));
    assert_eq!(sw(&mut card, "00 B0 00 A0 01"), 0x6B00);
    assert_eq!(sw(&mut card, "00 B0 7F FF 01"), 0x6B00);
    // READ BINARY needs an Le and no data.
    assert_eq!(sw(&mut card, "00 B0 00 00"), 0x6700);
    assert_eq!(sw(&mut card, "00 B0 00 00 01 00 10"), 0x6700);

    let mut strict = VirtualCard::open("card-01")
        .unwrap()
        .with_read_overrun(ReadOverrun::CorrectLe);
    sw(&mut strict, SELECT_JPKI);
    sw(&mut strict, SELECT_TOKEN_INFO);
    assert_eq!(send(&mut strict, &h("00 B0 00 90 20")), (vec![], 0x6C10));
    assert_eq!(
        send(&mut strict, &h("00 B0 00 90 10")),
        (all[0x90..].to_vec(), 0x9000)
    );
}

#[test]
fn read_binary_by_short_file_identifier() {
    let mut card = VirtualCard::open("iphone").unwrap();
    sw(&mut card, SELECT_JPKI);
    let (label, status) = send(&mut card, &h("00 B0 86 00 0E"));
    assert_eq!((label.as_slice(), status), (&b"JPKIAPIOSTOKEN"[..], 0x9000));
    let (flags, status) = send(&mut card, &h("00 B0 88 00 03"));
    assert_eq!((flags, status), (vec![0x8F, 0x00, 0x00], 0x9000));
    assert_eq!(sw(&mut card, "00 B0 81 00 10"), 0x6A82);
    assert_eq!(sw(&mut card, "00 B0 A6 00 10"), 0x6A86);
}

#[test]
fn the_certificate_ef_holds_the_der_then_filler() {
    let mut card = VirtualCard::open("card-01").unwrap();
    let der = card.certificate_der().to_vec();
    sw(&mut card, SELECT_JPKI);
    sw(&mut card, SELECT_CERT);
    let mut ef = Vec::new();
    while ef.len() < CERT_EF_LEN {
        let [p1, p2] = (ef.len() as u16).to_be_bytes();
        let (chunk, status) = send(&mut card, &[0x00, 0xB0, p1, p2, 0x00]);
        assert_eq!(status, 0x9000);
        ef.extend(chunk);
    }
    assert_eq!(&ef[..der.len()], der.as_slice());
    assert!(ef[der.len()..].iter().all(|b| *b == 0xFF));
    let [p1, p2] = (CERT_EF_LEN as u16).to_be_bytes();
    assert_eq!(send(&mut card, &[0x00, 0xB0, p1, p2, 0x00]).1, 0x6B00);

    // EF 000B: the test CA.
    sw(&mut card, "00 A4 02 0C 02 00 0B");
    let (head, _) = send(&mut card, &h("00 B0 00 00 00"));
    assert_eq!(&head[..], &onshi_sim::card::catalog::TEST_CA_CERT[..256]);
}

#[test]
fn class_and_instruction_errors() {
    let mut card = VirtualCard::open("card-01").unwrap();
    assert_eq!(sw(&mut card, "00 0E 00 00"), 0x6D00);
    assert_eq!(sw(&mut card, "80 A4 04 0C 01 D3"), 0x6D00);
    assert_eq!(sw(&mut card, "00 2A 00 80 01 00 00"), 0x6D00);
    assert_eq!(
        sw(&mut card, "01 A4 04 0C 0A D3 92 F0 00 26 01 00 00 00 01"),
        0x6881
    );
    assert_eq!(sw(&mut card, "83 2A 00 80 01 00 00"), 0x6881);
    assert_eq!(sw(&mut card, "40 B0 00 00 01"), 0x6881);
    assert_eq!(sw(&mut card, "0C B0 00 00 01"), 0x6882);
    assert_eq!(sw(&mut card, "A0 B0 00 00 01"), 0x6E00);
    assert_eq!(
        sw(&mut card, "00 C0 00 00 10"),
        0x6985,
        "nothing to GET RESPONSE"
    );
    // Lengths that do not add up, and the extended form.
    assert_eq!(sw(&mut card, "00 A4 04 0C 0B D3 92"), 0x6700);
    assert_eq!(sw(&mut card, "00 B0 00 00 00 01 00"), 0x6700);
    assert_eq!(sw(&mut card, "00 A4"), 0x6700);
    assert_eq!(sw(&mut card, ""), 0x6700);
}

#[test]
fn any_bytes_get_a_status_word_and_never_a_panic() {
    let mut card = VirtualCard::open("card-01").unwrap();
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
    for round in 0..3000 {
        let len = rng.gen_range(0..300);
        let mut command: Vec<u8> = (0..len).map(|_| rng.gen()).collect();
        // Steer a third of them into the JPKI AP's own instruction space.
        if round % 3 == 0 && command.len() >= 2 {
            command[0] = if round % 2 == 0 { 0x00 } else { 0x80 };
            command[1] = [0xA4, 0xB0, 0x20, 0x24, 0x2A, 0xFC, 0xCA][round % 7];
        }
        assert!(card.respond(&command).len() >= 2);
    }
}

#[test]
fn the_retry_counter_costs_nothing() {
    let mut card = at_pin("card-01");
    for _ in 0..5 {
        assert_eq!(sw(&mut card, RETRY_COUNTER), 0x63C3);
    }
    assert_eq!(card.tries_left(), 3);
}

#[test]
fn wrong_pins_count_down_to_blocked() {
    let mut card = at_pin("card-01");
    assert_eq!(send(&mut card, &verify("0000")).1, 0x63C2);
    assert_eq!(sw(&mut card, RETRY_COUNTER), 0x63C2);
    assert_eq!(
        send(&mut card, &verify("12345")).1,
        0x63C1,
        "any length costs a try"
    );
    assert_eq!(
        send(&mut card, &verify("4321")).1,
        0x63C0,
        "the try that blocks"
    );
    assert_eq!(
        send(&mut card, &verify("1234")).1,
        0x6984,
        "blocked for good"
    );
    assert_eq!(sw(&mut card, RETRY_COUNTER), 0x6984);
    sw(&mut card, SELECT_KEY);
    assert_eq!(
        send(&mut card, &sign_command(&digest_info(b"x"), Some(0))).1,
        0x6982
    );
    // A blocked PIN stays blocked across power cycles.
    card.reset();
    sw(&mut card, SELECT_JPKI);
    sw(&mut card, SELECT_PIN);
    assert_eq!(sw(&mut card, RETRY_COUNTER), 0x6984);
}

#[test]
fn a_correct_pin_resets_the_counter_and_verifies_the_session() {
    let mut card = at_pin("card-01");
    assert_eq!(send(&mut card, &verify("0000")).1, 0x63C2);
    assert_eq!(send(&mut card, &verify("1234")).1, 0x9000);
    assert_eq!(card.tries_left(), 3);
    assert_eq!(
        sw(&mut card, RETRY_COUNTER),
        0x9000,
        "already verified in this session"
    );
    // A wrong PIN afterwards both costs a try and drops the verification.
    assert_eq!(send(&mut card, &verify("0000")).1, 0x63C2);
    assert!(!card.is_pin_verified());
}

#[test]
fn verify_needs_the_pin_ef() {
    let mut card = VirtualCard::open("card-01").unwrap();
    sw(&mut card, SELECT_JPKI);
    sw(&mut card, SELECT_CERT);
    assert_eq!(sw(&mut card, RETRY_COUNTER), 0x6A88);
    assert_eq!(sw(&mut card, "00 20 01 80"), 0x6A86);
    assert_eq!(sw(&mut card, "00 20 00 00"), 0x6A86);
    // P2 = 80 | SFI names EF 0018 without selecting it.
    assert_eq!(sw(&mut card, "00 20 00 98"), 0x63C3);
    assert_eq!(
        sw(&mut card, "00 20 00 97"),
        0x6A88,
        "0017 is a key, not a PIN"
    );
}

#[test]
fn signs_the_digest_info_as_sent_with_pkcs1_type_1() {
    let mut card = at_pin("card-01");
    assert_eq!(send(&mut card, &verify("1234")).1, 0x9000);
    assert_eq!(sw(&mut card, SELECT_KEY), 0x9000);
    let (signature, status) = send(&mut card, &sign_command(&digest_info(b"abc"), Some(0)));
    assert_eq!((signature.len(), status), (256, 0x9000));

    let cert = x509_cert::Certificate::from_der(card.certificate_der()).unwrap();
    let spki = cert
        .tbs_certificate
        .subject_public_key_info
        .to_der()
        .unwrap();
    let key = RsaPublicKey::from_public_key_der(&spki).unwrap();
    key.verify(
        Pkcs1v15Sign::new::<Sha256>(),
        &Sha256::digest(b"abc"),
        &signature,
    )
    .unwrap();
    // Verbatim padding: the same bytes verify as an unprefixed payload too.
    key.verify(
        Pkcs1v15Sign::new_unprefixed(),
        &digest_info(b"abc"),
        &signature,
    )
    .unwrap();
}

#[test]
fn sign_refusals() {
    let mut card = at_pin("card-01");
    let data = digest_info(b"abc");
    sw(&mut card, SELECT_KEY);
    assert_eq!(
        send(&mut card, &sign_command(&data, Some(0))).1,
        0x6982,
        "no PIN yet"
    );
    sw(&mut card, SELECT_PIN);
    send(&mut card, &verify("1234"));
    assert_eq!(
        send(&mut card, &sign_command(&data, Some(0))).1,
        0x6A88,
        "PIN EF current"
    );
    sw(&mut card, SELECT_KEY);
    let mut p1 = sign_command(&data, Some(0));
    p1[2] = 0x01;
    assert_eq!(send(&mut card, &p1).1, 0x6A86);
    assert_eq!(send(&mut card, &sign_command(&data, Some(0x80))).1, 0x6C00);
    assert_eq!(send(&mut card, &sign_command(&data, None)).1, 0x6C00);
    assert_eq!(
        send(&mut card, &sign_command(&[0x55; 246], Some(0))).1,
        0x6700
    );
    // P2 = 80 | SFI of 0017 signs without the SELECT.
    sw(&mut card, SELECT_PIN);
    let mut by_sfi = sign_command(&data, Some(0));
    by_sfi[3] = 0x97;
    let (signature, status) = send(&mut card, &by_sfi);
    assert_eq!((signature.len(), status), (256, 0x9000));
}

#[test]
fn leaving_the_ap_or_resetting_clears_the_verification_but_a_failed_select_does_not() {
    let mut card = at_pin("card-01");
    send(&mut card, &verify("1234"));
    assert_eq!(sw(&mut card, SELECT_TEXT_AP), 0x6A82);
    sw(&mut card, SELECT_KEY);
    assert_eq!(
        send(&mut card, &sign_command(&digest_info(b"a"), Some(0))).1,
        0x9000
    );

    assert_eq!(sw(&mut card, SELECT_COMMON_AP), 0x9000);
    assert_eq!(sw(&mut card, SELECT_KEY), 0x6A82, "JPKI's files are gone");
    sw(&mut card, SELECT_JPKI);
    sw(&mut card, SELECT_KEY);
    assert_eq!(
        send(&mut card, &sign_command(&digest_info(b"a"), Some(0))).1,
        0x6982
    );

    sw(&mut card, SELECT_PIN);
    send(&mut card, &verify("1234"));
    card.reset();
    sw(&mut card, SELECT_JPKI);
    sw(&mut card, SELECT_KEY);
    assert_eq!(
        send(&mut card, &sign_command(&digest_info(b"a"), Some(0))).1,
        0x6982
    );
}

#[test]
fn change_pin_after_verify() {
    let mut card = at_pin("card-01");
    let change = |pin: &str| {
        let mut command = vec![0x00, 0x24, 0x01, 0x80, pin.len() as u8];
        command.extend_from_slice(pin.as_bytes());
        command
    };
    assert_eq!(send(&mut card, &change("4321")).1, 0x6982);
    send(&mut card, &verify("1234"));
    assert_eq!(send(&mut card, &change("43a1")).1, 0x6A80);
    assert_eq!(send(&mut card, &change("4321")).1, 0x9000);
    card.reset();
    sw(&mut card, SELECT_JPKI);
    sw(&mut card, SELECT_PIN);
    assert_eq!(send(&mut card, &verify("1234")).1, 0x63C2);
    assert_eq!(send(&mut card, &verify("4321")).1, 0x9000);
}

#[test]
fn token_quirks() {
    // Physical cards reject the iPhone's last-command indicator with 6700.
    let mut card = VirtualCard::open("card-01").unwrap();
    sw(&mut card, SELECT_JPKI);
    assert_eq!(sw(&mut card, "80 FC 00 00"), 0x6700);

    // The iPhone ends its session with it: the AP must be selected again.
    let mut phone = VirtualCard::open("iphone").unwrap();
    sw(&mut phone, SELECT_JPKI);
    assert!(phone.is_pin_verified(), "the phone verified its holder");
    sw(&mut phone, SELECT_PIN);
    assert_eq!(sw(&mut phone, RETRY_COUNTER), 0x9000);
    assert_eq!(sw(&mut phone, "80 FC 00 01"), 0x6A86);
    assert_eq!(sw(&mut phone, "80 FC 00 00"), 0x9000);
    assert_eq!(sw(&mut phone, SELECT_KEY), 0x6A82);

    // Android: the certificate only after VERIFY.
    let mut android = at_pin("android");
    sw(&mut android, SELECT_CERT);
    assert_eq!(sw(&mut android, "00 B0 00 00 00"), 0x6982);
    sw(&mut android, SELECT_PIN);
    assert_eq!(send(&mut android, &verify("5678")).1, 0x9000);
    sw(&mut android, SELECT_CERT);
    let (head, status) = send(&mut android, &h("00 B0 00 00 04"));
    assert_eq!((head[0], status), (0x30, 0x9000));

    let mut blocked = at_pin("blocked");
    assert_eq!(sw(&mut blocked, RETRY_COUNTER), 0x6984);
}

#[test]
fn get_data_returns_the_atr() {
    let mut card = VirtualCard::open("card-01").unwrap();
    assert_eq!(card.atr(), ATR);
    assert_eq!(
        send(&mut card, &h("00 CA 5F 51 00")),
        (ATR.to_vec(), 0x9000)
    );
    assert_eq!(sw(&mut card, "00 CA 5F 51 04"), 0x6C09);
    assert_eq!(sw(&mut card, "00 CA 01 01 00"), 0x6A88);
}
