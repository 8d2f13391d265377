//! The 資格確認 request: writing, reading back, and the shape of the terminal's sample.

use onshi_core::insurer::InsurerNumber;
use onshi_core::oqs::request::QualificationRequest;
use onshi_core::oqs::OqsError;
use onshi_core::query::ValidQuery;

const SAMPLE: &[u8] = include_bytes!("fixtures/OQSsiquc01req_20261125_0001.xml");

fn sample_request() -> QualificationRequest {
    QualificationRequest {
        confirmation_date: "20261125".into(),
        institution_code: "1319999999".into(),
        file_identifier: Some("20261125-0001".into()),
        insurer_number: "01130012".into(),
        symbol: "10203040".into(),
        number: "123".into(),
        branch: "01".into(),
        birthdate: "19780214".into(),
        limit_consent: true,
        arbitrary_identifier: None,
    }
}

/// Element names and texts in document order, ignoring layout white space.
fn shape(xml: &[u8]) -> Vec<String> {
    let text = std::str::from_utf8(xml).unwrap();
    text.split('<')
        .map(str::trim)
        .filter(|part| !part.is_empty())
        .map(str::to_string)
        .collect()
}

#[test]
fn the_sample_request_is_read() {
    assert_eq!(
        QualificationRequest::parse(SAMPLE).unwrap(),
        sample_request()
    );
}

#[test]
fn to_xml_has_the_shape_of_the_sample() {
    assert_eq!(shape(&sample_request().to_xml()), shape(SAMPLE));
}

#[test]
fn to_xml_starts_with_the_terminal_declaration() {
    let xml = sample_request().to_xml();
    assert!(xml.starts_with(b"<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"no\"?>"));
}

#[test]
fn padding_and_specials_survive_a_round_trip() {
    let request = QualificationRequest {
        insurer_number: "  138057".into(),
        symbol: "記号<&>\"'".into(),
        number: "０１２".into(),
        branch: String::new(),
        limit_consent: false,
        arbitrary_identifier: Some("受付-7".into()),
        file_identifier: None,
        ..sample_request()
    };
    let xml = request.to_xml();
    let text = String::from_utf8(xml.clone()).unwrap();
    assert!(text.contains("<InsurerNumber>  138057</InsurerNumber>"));
    assert!(text.contains("記号&lt;&amp;&gt;"));
    assert!(text.contains("<LimitApplicationCertificateRelatedConsFlg>0<"));
    assert!(
        !text.contains("InsuredBranchNumber"),
        "empty branch is omitted, not 00"
    );
    assert!(!text.contains("ArbitraryFileIdentifier"));
    assert_eq!(QualificationRequest::parse(&xml).unwrap(), request);
}

#[test]
fn an_empty_symbol_is_omitted() {
    let request = QualificationRequest {
        symbol: String::new(),
        ..sample_request()
    };
    let xml = request.to_xml();
    assert!(!String::from_utf8_lossy(&xml).contains("InsuredCardSymbol"));
    assert_eq!(QualificationRequest::parse(&xml).unwrap().symbol, "");
}

#[test]
fn a_shift_jis_request_in_any_order_with_unknown_elements_is_read() {
    let xml = "<?xml version='1.0' encoding='Shift_JIS' standalone='no'?>\
        <XmlMsg><MessageBody><QualificationConfirmSearchInfo>\
        <Birthdate>19520930</Birthdate><MedicalTreatmentFlag>1</MedicalTreatmentFlag>\
        <InsuredIdentificationNumber>000777</InsuredIdentificationNumber>\
        <InsuredCardSymbol>千代田</InsuredCardSymbol>\
        <InsurerNumber>  131011</InsurerNumber>\
        </QualificationConfirmSearchInfo></MessageBody>\
        <MessageHeader><MedicalInstitutionCode>1319999999</MedicalInstitutionCode>\
        <QualificationConfirmationDate>20261125</QualificationConfirmationDate></MessageHeader></XmlMsg>";
    let (bytes, _, errors) = encoding_rs::SHIFT_JIS.encode(xml);
    assert!(!errors);
    let request = QualificationRequest::parse(&bytes).unwrap();
    assert_eq!(request.insurer_number, "  131011");
    assert_eq!(request.symbol, "千代田");
    assert_eq!(request.number, "000777");
    assert_eq!(request.branch, "");
    assert!(!request.limit_consent);
    assert_eq!(request.file_identifier, None);
}

#[test]
fn a_request_without_required_fields_is_refused_by_name() {
    let text = String::from_utf8(sample_request().to_xml()).unwrap();
    let without_number = text.replace(
        "<InsuredIdentificationNumber>123</InsuredIdentificationNumber>",
        "",
    );
    assert_eq!(
        QualificationRequest::parse(without_number.as_bytes()),
        Err(OqsError::MissingElement("InsuredIdentificationNumber"))
    );
    let empty_birthdate = text.replace("<Birthdate>19780214</Birthdate>", "<Birthdate/>");
    assert_eq!(
        QualificationRequest::parse(empty_birthdate.as_bytes()),
        Err(OqsError::MissingElement("Birthdate"))
    );
    assert_eq!(
        QualificationRequest::parse(b"<XmlMsg><MessageHeader/></XmlMsg>"),
        Err(OqsError::MissingElement("MessageBody"))
    );
}

#[test]
fn a_response_file_is_not_a_request() {
    let response = include_bytes!("fixtures/OQSsiquc01res_20261125_0001.xml");
    assert_eq!(
        QualificationRequest::parse(response),
        Err(OqsError::MissingElement("QualificationConfirmSearchInfo"))
    );
    assert_eq!(
        QualificationRequest::parse(b"<Other/>"),
        Err(OqsError::WrongRoot {
            found: "Other".into()
        })
    );
}

#[test]
fn from_query_uses_the_wire_form_of_the_insurer_number() {
    let query = ValidQuery {
        insurer: InsurerNumber::parse("138057").unwrap(),
        symbol: "千代田".into(),
        number: "000777".into(),
        branch: String::new(),
        birthdate: "19520930".into(),
        limit_consent: true,
    };
    let request =
        QualificationRequest::from_query(&query, "20261125", "1319999999", Some("id-1".into()));
    assert_eq!(request.insurer_number, "  138057");
    assert!(
        request.limit_consent,
        "the patient's 限度額 consent travels to the terminal"
    );
    let without = ValidQuery {
        limit_consent: false,
        ..query.clone()
    };
    let request_without =
        QualificationRequest::from_query(&without, "20261125", "1319999999", None);
    assert!(!request_without.limit_consent, "consent is never assumed");
    assert_eq!(request.confirmation_date, "20261125");
    assert_eq!(request.institution_code, "1319999999");
    assert_eq!(request.file_identifier.as_deref(), Some("id-1"));
    assert_eq!(request.symbol, "千代田");
    assert_eq!(request.number, "000777");
    assert_eq!(request.branch, "");
    assert_eq!(request.birthdate, "19520930");
    let back = QualificationRequest::parse(&request.to_xml()).unwrap();
    assert_eq!(back, request);
}
