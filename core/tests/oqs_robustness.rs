//! Encodings, broken files and arbitrary bytes: the parsers answer with an error, never a panic.

use onshi_core::oqs::request::QualificationRequest;
use onshi_core::oqs::response::parse_response;
use onshi_core::oqs::OqsError;

const RESPONSE: &[u8] = include_bytes!("fixtures/OQSsiquc01res_20261125_0001.xml");
const FACE: &[u8] = include_bytes!("fixtures/face_result_example.xml");

fn shift_jis(text: &str) -> Vec<u8> {
    let (bytes, _, errors) = encoding_rs::SHIFT_JIS.encode(text);
    assert!(!errors, "test text must be CP932");
    bytes.into_owned()
}

fn face_with_declaration(declaration: &str) -> String {
    let text = std::str::from_utf8(FACE).unwrap();
    let body = &text[text.find("?>").unwrap() + 2..];
    format!("{declaration}{body}")
}

#[test]
fn every_shift_jis_label_is_read() {
    for label in ["Shift_JIS", "SJIS", "Windows-31J", "CP932", "shift-jis"] {
        let text = face_with_declaration(&format!("<?xml version=\"1.0\" encoding=\"{label}\"?>"));
        let response = parse_response(&shift_jis(&text)).unwrap();
        assert_eq!(
            response.results[0].insurance.symbol.as_deref(),
            Some("千代田"),
            "{label}"
        );
        assert_eq!(
            response.results[0].person.name_kana.as_deref(),
            Some("ﾚｲｼﾞ ﾕｳｺ")
        );
    }
}

#[test]
fn a_bom_wins_over_the_declaration() {
    let text = face_with_declaration("<?xml version=\"1.0\" encoding=\"Shift_JIS\"?>");
    let mut bytes = b"\xEF\xBB\xBF".to_vec();
    bytes.extend_from_slice(text.as_bytes());
    let response = parse_response(&bytes).unwrap();
    assert_eq!(
        response.results[0].person.name.as_deref(),
        Some("例示　●子")
    );
}

#[test]
fn undeclared_files_are_read_as_utf8() {
    let text = face_with_declaration("");
    let response = parse_response(text.as_bytes()).unwrap();
    assert_eq!(
        response.results[0].insurance.symbol.as_deref(),
        Some("千代田")
    );
}

#[test]
fn shift_jis_bytes_declared_as_utf8_are_refused_when_nothing_says_otherwise() {
    let text = face_with_declaration("<?xml version=\"1.0\" encoding=\"UTF-8\"?>")
        .replace("<CharacterCodeIdentifier>0</CharacterCodeIdentifier>", "");
    assert_eq!(
        parse_response(&shift_jis(&text)),
        Err(OqsError::Undecodable { encoding: "UTF-8" })
    );
}

#[test]
fn shift_jis_bytes_declared_as_utf8_are_read_when_the_character_code_says_1() {
    let text = face_with_declaration("<?xml version=\"1.0\" encoding=\"UTF-8\"?>").replace(
        "<CharacterCodeIdentifier>0</CharacterCodeIdentifier>",
        "<CharacterCodeIdentifier>1</CharacterCodeIdentifier>",
    );
    let response = parse_response(&shift_jis(&text)).unwrap();
    assert_eq!(
        response.results[0].insurance.insurer_name.as_deref(),
        Some("千代田区")
    );
}

#[test]
fn utf8_bytes_declared_as_shift_jis_follow_the_character_code_or_are_refused() {
    let text = face_with_declaration("<?xml version=\"1.0\" encoding=\"Shift_JIS\"?>");
    let response = parse_response(text.as_bytes()).unwrap();
    assert_eq!(
        response.results[0].person.name.as_deref(),
        Some("例示　●子")
    );

    let without_hint = text.replace("<CharacterCodeIdentifier>0</CharacterCodeIdentifier>", "");
    assert_eq!(
        parse_response(without_hint.as_bytes()),
        Err(OqsError::Undecodable {
            encoding: "Shift_JIS"
        })
    );
}

#[test]
fn encodings_the_terminal_never_uses_are_refused() {
    let text = face_with_declaration("<?xml version=\"1.0\" encoding=\"EUC-JP\"?>");
    assert_eq!(
        parse_response(text.as_bytes()),
        Err(OqsError::UnsupportedEncoding("EUC-JP".into()))
    );
    assert_eq!(
        parse_response(b"\xFE\xFF\0<"),
        Err(OqsError::UnsupportedEncoding("UTF-16BE".into()))
    );
}

#[test]
fn every_truncation_of_a_response_is_an_error() {
    let end = RESPONSE
        .windows(b"</XmlMsg>".len())
        .position(|w| w == b"</XmlMsg>")
        .unwrap();
    for cut in 0..end {
        let result = parse_response(&RESPONSE[..cut]);
        assert!(result.is_err(), "a file cut at byte {cut} was accepted");
    }
}

#[test]
fn a_half_written_file_names_the_open_element() {
    let text = std::str::from_utf8(RESPONSE).unwrap();
    let cut = text.find("<InsurerName>").unwrap();
    assert_eq!(
        parse_response(&RESPONSE[..cut]),
        Err(OqsError::Truncated {
            open: "ResultOfQualificationConfirmation".into()
        })
    );
}

#[test]
fn malformed_xml_is_an_error() {
    let cases: &[&[u8]] = &[
        b"",
        b"   ",
        b"<?xml version=\"1.0\"?>",
        b"not xml at all",
        b"<XmlMsg><MessageHeader></XmlMsg>",
        b"<XmlMsg><MessageHeader/></XmlMsg><XmlMsg/>",
        b"<XmlMsg><MessageHeader><Name>&bogus;</Name></MessageHeader></XmlMsg>",
        b"<XmlMsg><MessageHeader a=\"1></MessageHeader></XmlMsg>",
        b"<XmlMsg><MessageHeader><![CDATA[x</MessageHeader></XmlMsg>",
    ];
    for case in cases {
        assert!(
            parse_response(case).is_err(),
            "accepted {:?}",
            String::from_utf8_lossy(case)
        );
        assert!(QualificationRequest::parse(case).is_err());
    }
}

#[test]
fn absurd_nesting_is_refused_without_exhausting_the_stack() {
    let mut xml = String::from("<XmlMsg><MessageHeader/>");
    xml.push_str(&"<a>".repeat(100_000));
    assert!(matches!(
        parse_response(xml.as_bytes()),
        Err(OqsError::TooDeep { .. })
    ));
}

/// Small deterministic generator so the mutation test needs no extra crate.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 33
    }
}

#[test]
fn mutated_files_never_panic() {
    let mut rng = Lcg(0x5eed);
    let mut accepted = 0;
    for round in 0..3000 {
        let mut bytes = if round % 2 == 0 { RESPONSE } else { FACE }.to_vec();
        for _ in 0..=rng.next() % 4 {
            let at = (rng.next() as usize) % bytes.len();
            match rng.next() % 3 {
                0 => bytes[at] = rng.next() as u8,
                1 => {
                    bytes.remove(at);
                }
                _ => bytes.insert(at, b"<>&/\"'"[(rng.next() % 6) as usize]),
            }
        }
        // Either outcome is fine; reaching the next line is the assertion.
        if parse_response(&bytes).is_ok() {
            accepted += 1;
        }
        let _ = QualificationRequest::parse(&bytes);
    }
    // Sanity: some mutations only hit values and must still parse.
    assert!(accepted > 0);
}
