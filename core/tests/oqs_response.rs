//! Reading the terminal's responses and face results, and writing them back.

use onshi_core::codes::{
    CharacterCode, ConsentFlag, InsuredCardClassification, LimitCategory,
    LimitCertificateClassification, PersonalFamily, Preschool, PrescriptionIssueSelect,
    ProcessingResultStatus, QualificationValidity, ReasonOfLoss, ReferenceClassification,
    SegmentOfResult, Sex, SpecificDiseaseCategory,
};
use onshi_core::oqs::response::{parse_response, write_response};
use onshi_core::oqs::{OqsError, XmlEncoding};
use onshi_core::qualification::{
    EchoedSearch, ElderlyRecipient, Insurance, LimitCertificate, LimitCertificateInfo,
    MedicalTicket, Person, ProcessingResult, QualificationRecord, QualificationResponse,
    ResponseHeader, SpecificDiseaseCertificate, SpecificDiseaseInfo, ViewingConsent,
    ViewingConsents,
};

const RESPONSE: &[u8] = include_bytes!("fixtures/OQSsiquc01res_20261125_0001.xml");
const FACE: &[u8] = include_bytes!("fixtures/face_result_example.xml");

fn s(value: &str) -> Option<String> {
    Some(value.to_string())
}

#[test]
fn the_sample_response_is_read() {
    let response = parse_response(RESPONSE).unwrap();
    assert_eq!(response.header.process_execution_time, s("20261125091502"));
    assert_eq!(
        response.header.arbitrary_file_identifier,
        s("20261125-0001")
    );
    assert_eq!(
        response.header.reference_classification,
        Some(ReferenceClassification::InsuranceCard)
    );
    assert_eq!(
        response.header.segment_of_result,
        Some(SegmentOfResult::Completed)
    );
    assert_eq!(
        response.header.character_code_identifier,
        Some(CharacterCode::Utf8)
    );
    assert_eq!(
        response.processing.status,
        Some(ProcessingResultStatus::Completed)
    );
    assert_eq!(response.validity, Some(QualificationValidity::Valid));
    assert_eq!(response.prescription_issue_select, None);
    assert_eq!(response.results.len(), 1);

    let record = &response.results[0];
    assert_eq!(record.person.name, s("標本　一美"));
    assert_eq!(record.person.name_kana, s("ﾋｮｳﾎﾝ ｶｽﾞﾐ"));
    assert_eq!(record.person.sex1, Some(Sex::Female));
    assert_eq!(record.person.post_number, s("100-8916"));
    assert_eq!(
        record.insurance.card_classification,
        Some(InsuredCardClassification::General)
    );
    assert_eq!(record.insurance.insurer_number, s("01130012"));
    assert_eq!(record.insurance.branch, s("01"));
    assert_eq!(record.insurance.partial_contribution_ratio, s("030"));
    assert_eq!(
        record.insurance.personal_family,
        Some(PersonalFamily::Insured)
    );
    assert_eq!(record.insurance.insurer_name, s("全国健康保険協会東京支部"));
    assert_eq!(record.elderly, None);
    assert_eq!(record.limit.consent, Some(ConsentFlag::Given));
    assert_eq!(record.limit.consent_time, s("20261125091455"));
    let certificate = record.limit.certificate.as_ref().unwrap();
    assert_eq!(
        certificate.classification,
        Some(LimitCertificateClassification::Limit)
    );
    assert_eq!(certificate.category, Some(LimitCategory::A03));
    assert_eq!(certificate.valid_end_date, s("20270331"));
    assert_eq!(certificate.long_term_date, None);
    assert_eq!(record.viewing_consents, ViewingConsents::default());
}

#[test]
fn the_sample_face_result_is_read() {
    let response = parse_response(FACE).unwrap();
    assert_eq!(
        response.header.reference_classification,
        Some(ReferenceClassification::MyNumberCard)
    );
    assert_eq!(response.header.arbitrary_file_identifier, None);
    assert_eq!(
        response.prescription_issue_select,
        Some(PrescriptionIssueSelect::Electronic)
    );
    let record = &response.results[0];
    assert_eq!(
        record.insurance.insurer_number,
        s("  131011"),
        "国保 padding kept"
    );
    assert_eq!(record.insurance.symbol, s("千代田"));
    assert_eq!(record.insurance.number, s("000777"), "leading zeros kept");
    assert_eq!(record.person.name, s("例示　●子"));
    assert_eq!(record.person.address, None);
    let elderly = record.elderly.as_ref().unwrap();
    assert_eq!(elderly.contribution_ratio, s("020"));
    assert_eq!(elderly.valid_start_date, s("20260801"));
    let consents = &record.viewing_consents;
    assert_eq!(
        consents.checkups,
        Some(ViewingConsent {
            flag: Some(ConsentFlag::Given),
            consent_time: s("20261125082955"),
            available_time: s("20261126082955"),
        })
    );
    assert_eq!(
        consents.medications.as_ref().unwrap().available_time,
        s("20261126082955")
    );
    assert_eq!(
        consents.diagnoses,
        Some(ViewingConsent {
            flag: Some(ConsentFlag::NotGiven),
            ..ViewingConsent::default()
        })
    );
    assert_eq!(
        consents.operations.as_ref().unwrap().flag,
        Some(ConsentFlag::NotGiven)
    );
    assert_eq!(record.reference_number, s("P-000123"));
    assert_eq!(record.limit, LimitCertificateInfo::default());
}

#[test]
fn the_samples_survive_a_write_and_read_back() {
    for sample in [RESPONSE, FACE] {
        let parsed = parse_response(sample).unwrap();
        let written = write_response(&parsed, XmlEncoding::Utf8).unwrap();
        assert_eq!(parse_response(&written).unwrap(), parsed);
    }
}

/// A response with every field of the model set, two results, several certificates and
/// tickets, and unknown codes.
fn full_response() -> QualificationResponse {
    let record = QualificationRecord {
        person: Person {
            name: s("標本　花子"),
            name_kana: s("ﾋｮｳﾎﾝ ﾊﾅｺ"),
            name_of_other: s("標本　華"),
            name_of_other_kana: s("ﾋｮｳﾎﾝ ﾊﾅ"),
            sex1: Some(Sex::Female),
            sex2: Some(Sex::NotSet),
            birthdate: s("19500102"),
            address: s("東京都千代田区千代田１－１　標本ハイツ１０１"),
            post_number: s("100-0001"),
        },
        insurance: Insurance {
            card_classification: Some(InsuredCardClassification::MedicalAssistance),
            insurer_number: s("  138057"),
            insurer_name: s("標本市"),
            symbol: s("記号<&>"),
            number: s("０１２３"),
            branch: s("00"),
            personal_family: Some(PersonalFamily::Family),
            insured_name: s("標本　太郎"),
            qualification_date: s("20000401"),
            disqualification_date: s("20261231"),
            reason_of_loss: Some(ReasonOfLoss::OtherInsurance),
            certificate_issuance_date: s("20200401"),
            card_valid_date: s("20200401"),
            card_expiration_date: s("20270731"),
            partial_contribution_ratio: s("010"),
            preschool: Some(Preschool::Preschool),
        },
        elderly: Some(ElderlyRecipient {
            certificate_date: s("20260801"),
            valid_start_date: s("20260801"),
            valid_end_date: s("20270731"),
            contribution_ratio: s("020"),
        }),
        limit: LimitCertificateInfo {
            consent: Some(ConsentFlag::Given),
            consent_time: s("20261125091455"),
            certificate: Some(LimitCertificate {
                classification: Some(LimitCertificateClassification::LimitAndReduction),
                category: Some(LimitCategory::Unknown("C01".into())),
                certificate_date: s("20260401"),
                valid_start_date: s("20260401"),
                valid_end_date: s("20270331"),
                long_term_date: s("20260901"),
            }),
        },
        specific_diseases: SpecificDiseaseInfo {
            consent: Some(ConsentFlag::Given),
            consent_time: s("20261125091455"),
            certificates: vec![
                SpecificDiseaseCertificate {
                    category: Some(SpecificDiseaseCategory::ChronicRenalFailure),
                    certificate_date: s("20250401"),
                    valid_start_date: s("20250401"),
                    valid_end_date: s("20280331"),
                    self_pay: s("10000"),
                },
                SpecificDiseaseCertificate {
                    category: Some(SpecificDiseaseCategory::Haemophilia),
                    self_pay: s("0"),
                    ..SpecificDiseaseCertificate::default()
                },
            ],
        },
        viewing_consents: ViewingConsents {
            checkups: Some(ViewingConsent {
                flag: Some(ConsentFlag::Given),
                consent_time: s("20261125082955"),
                available_time: s("20261126082955"),
            }),
            medications: Some(ViewingConsent {
                flag: Some(ConsentFlag::HardToObtain),
                consent_time: None,
                available_time: None,
            }),
            diagnoses: Some(ViewingConsent {
                flag: Some(ConsentFlag::Unknown("9".into())),
                consent_time: s("20261125082955"),
                available_time: None,
            }),
            operations: None,
        },
        medical_tickets: vec![
            MedicalTicket {
                ticket_type: s("01"),
                valid_date: s("20261101"),
                expiration_date: s("20261130"),
                issue_number: s("0000123"),
                treatment_month: s("202611"),
                designated_institution_code: s("1319999999"),
                designated_institution_flag: s("0"),
                designated_institution_name: s("標本クリニック"),
                treatment_type: s("02"),
                self_pay_amount: s("0"),
                injury_names: vec!["標本病".into(), "例示症".into()],
                remarks: vec!["備考１".into()],
            },
            MedicalTicket {
                ticket_type: s("02"),
                ..MedicalTicket::default()
            },
        ],
        reference_number: s("P-000123"),
        arbitrary_identifier: s("受付-0001"),
    };
    let second = QualificationRecord {
        insurance: Insurance {
            insurer_number: s("01130012"),
            card_classification: Some(InsuredCardClassification::Unknown("B9".into())),
            ..Insurance::default()
        },
        person: Person {
            name: s("標本　次郎"),
            ..Person::default()
        },
        ..QualificationRecord::default()
    };
    QualificationResponse {
        header: ResponseHeader {
            process_execution_time: s("20261125091502"),
            qualification_confirmation_date: s("20261125"),
            medical_institution_code: s("1319999999"),
            arbitrary_file_identifier: s("20261125-0001"),
            reference_classification: Some(ReferenceClassification::InsuranceCard),
            segment_of_result: Some(SegmentOfResult::Completed),
            error_code: s("E0000"),
            error_message: s("注意 <advisory> & more"),
            character_code_identifier: Some(CharacterCode::Utf8),
        },
        processing: ProcessingResult {
            status: Some(ProcessingResultStatus::Completed),
            code: s("I001"),
            message: s("マイナンバーカードの失効期限3か月前"),
        },
        validity: Some(QualificationValidity::Multiple),
        prescription_issue_select: Some(PrescriptionIssueSelect::Paper),
        results: vec![record, second],
        search_info: Some(EchoedSearch {
            insurer_number: s("  139014"),
            symbol: s("90"),
            number: s("5001"),
            branch: s("01"),
            birthdate: s("19881108"),
        }),
    }
}

#[test]
fn a_full_response_round_trips_in_utf8() {
    let response = full_response();
    let written = write_response(&response, XmlEncoding::Utf8).unwrap();
    let text = String::from_utf8(written.clone()).unwrap();
    assert!(text.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"no\"?>"));
    assert!(text.contains("<InsuredCardSymbol>記号&lt;&amp;&gt;</InsuredCardSymbol>"));
    assert!(text.contains("<InsurerNumber>  138057</InsurerNumber>"));
    assert_eq!(
        text.matches("<ResultOfQualificationConfirmation>").count(),
        2
    );
    assert_eq!(parse_response(&written).unwrap(), response);
}

#[test]
fn a_full_response_round_trips_in_shift_jis() {
    let mut response = full_response();
    response.header.character_code_identifier = None;
    let written = write_response(&response, XmlEncoding::ShiftJis).unwrap();
    assert!(
        written.starts_with(b"<?xml version=\"1.0\" encoding=\"Shift_JIS\" standalone=\"no\"?>")
    );
    assert!(
        std::str::from_utf8(&written).is_err(),
        "kanji really are Shift_JIS bytes"
    );
    // ﾋ (U+FF8B) is the single byte 0xCB in Shift_JIS.
    assert!(written.contains(&0xCB));

    let back = parse_response(&written).unwrap();
    assert_eq!(
        back.header.character_code_identifier,
        Some(CharacterCode::ShiftJis)
    );
    assert_eq!(back.results[0].person.name_kana, s("ﾋｮｳﾎﾝ ﾊﾅｺ"));
    response.header.character_code_identifier = Some(CharacterCode::ShiftJis);
    assert_eq!(back, response);
}

#[test]
fn shift_jis_keeps_a_character_code_the_header_already_has() {
    let response = full_response();
    let written = write_response(&response, XmlEncoding::ShiftJis).unwrap();
    assert_eq!(
        parse_response(&written)
            .unwrap()
            .header
            .character_code_identifier,
        Some(CharacterCode::Utf8)
    );
}

#[test]
fn shift_jis_refuses_characters_outside_cp932() {
    let mut response = full_response();
    response.results[0].person.name = s("標本　𠮷子");
    assert_eq!(
        write_response(&response, XmlEncoding::ShiftJis),
        Err(OqsError::Unencodable { character: '𠮷' })
    );
    // UTF-8 carries it.
    let written = write_response(&response, XmlEncoding::Utf8).unwrap();
    assert_eq!(
        parse_response(&written).unwrap().results[0].person.name,
        s("標本　𠮷子")
    );
}

#[test]
fn groups_without_any_value_are_not_written() {
    let mut response = full_response();
    let record = &mut response.results[0];
    record.elderly = Some(ElderlyRecipient::default());
    record.limit.certificate = Some(LimitCertificate::default());
    let written = String::from_utf8(write_response(&response, XmlEncoding::Utf8).unwrap()).unwrap();
    assert!(!written.contains("ElderlyRecipientCertificateInfo"));
    assert!(!written.contains("LimitApplicationCertificateRelatedInfo"));
    let back = parse_response(written.as_bytes()).unwrap();
    assert_eq!(back.results[0].elderly, None);
    assert_eq!(back.results[0].limit.certificate, None);
}

const REORDERED: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<XmlMsg version="9">
  <FutureEnvelopePart><Name>not a person</Name></FutureEnvelopePart>
  <MessageBody>
    <ResultList>
      <ResultOfQualificationConfirmation>
        <FutureField>x</FutureField>
        <PublicExpenseResultList>
          <MedicalTicketInfo>
            <Remarks2>二</Remarks2><InjuryName2>乙病</InjuryName2><TicketType>01</TicketType>
            <InjuryName1>甲病</InjuryName1><Remarks1>一</Remarks1><InjuryName3/>
            <StatusOfInfecton>0</StatusOfInfecton>
          </MedicalTicketInfo>
          <MedicalTicketInfo><TicketType>02</TicketType></MedicalTicketInfo>
        </PublicExpenseResultList>
        <Name>標本　一郎</Name>
        <PharmaceuticalInfoAcquisitionTime>20261126082955</PharmaceuticalInfoAcquisitionTime>
        <PharmaceuticalInfoConsFlg> 1 </PharmaceuticalInfoConsFlg>
        <SpecificDiseasesCertificateList>
          <SpecificDiseasesCertificateInfo><SpecificDiseasesDiseaseCategory>3</SpecificDiseasesDiseaseCategory></SpecificDiseasesCertificateInfo>
          <SpecificDiseasesCertificateInfo><SpecificDiseasesSelfPay>20000</SpecificDiseasesSelfPay><SpecificDiseasesDiseaseCategory>1</SpecificDiseasesDiseaseCategory></SpecificDiseasesCertificateInfo>
        </SpecificDiseasesCertificateList>
        <InsurerNumber>39131156</InsurerNumber>
        <PrescriptionIssueSelect>2</PrescriptionIssueSelect>
        <InsuredBranchNumber></InsuredBranchNumber>
        <Address/>
        <InsuredCardSymbol>   </InsuredCardSymbol>
      </ResultOfQualificationConfirmation>
      <ResultOfQualificationConfirmation>
        <InsurerNumber>01130012</InsurerNumber>
      </ResultOfQualificationConfirmation>
    </ResultList>
    <QualificationValidity>5</QualificationValidity>
    <ProcessingResultStatus>1</ProcessingResultStatus>
  </MessageBody>
  <MessageHeader>
    <CharacterCodeIdentifier>0</CharacterCodeIdentifier>
    <Unexpected><Deeper>1</Deeper></Unexpected>
    <SegmentOfResult>1</SegmentOfResult>
  </MessageHeader>
</XmlMsg>
"#;

#[test]
fn reordered_and_unknown_elements_are_read() {
    let response = parse_response(REORDERED.as_bytes()).unwrap();
    assert_eq!(
        response.header.segment_of_result,
        Some(SegmentOfResult::Completed)
    );
    assert_eq!(response.validity, Some(QualificationValidity::Multiple));
    assert_eq!(
        response.processing.status,
        Some(ProcessingResultStatus::Completed)
    );
    assert_eq!(response.results.len(), 2);
    assert_eq!(response.results[1].insurance.insurer_number, s("01130012"));

    let first = &response.results[0];
    assert_eq!(first.person.name, s("標本　一郎"));
    assert_eq!(first.insurance.insurer_number, s("39131156"));
    // Empty or blank elements read as absent.
    assert_eq!(first.insurance.branch, None);
    assert_eq!(first.insurance.symbol, None);
    assert_eq!(first.person.address, None);
}

#[test]
fn prescription_choice_inside_the_result_is_accepted() {
    let response = parse_response(REORDERED.as_bytes()).unwrap();
    assert_eq!(
        response.prescription_issue_select,
        Some(PrescriptionIssueSelect::Paper)
    );
}

#[test]
fn alternative_consent_names_are_accepted() {
    let response = parse_response(REORDERED.as_bytes()).unwrap();
    assert_eq!(
        response.results[0].viewing_consents.medications,
        Some(ViewingConsent {
            flag: Some(ConsentFlag::Given),
            consent_time: None,
            available_time: s("20261126082955"),
        })
    );
}

#[test]
fn many_certificates_and_tickets_are_read_in_order() {
    let response = parse_response(REORDERED.as_bytes()).unwrap();
    let first = &response.results[0];
    let categories: Vec<_> = first
        .specific_diseases
        .certificates
        .iter()
        .map(|c| c.category.clone())
        .collect();
    assert_eq!(
        categories,
        [
            Some(SpecificDiseaseCategory::BloodProductHiv),
            Some(SpecificDiseaseCategory::ChronicRenalFailure)
        ]
    );
    assert_eq!(first.specific_diseases.certificates[1].self_pay, s("20000"));
    assert_eq!(first.medical_tickets.len(), 2);
    assert_eq!(first.medical_tickets[0].injury_names, ["甲病", "乙病"]);
    assert_eq!(first.medical_tickets[0].remarks, ["一", "二"]);
    assert_eq!(first.medical_tickets[1].ticket_type, s("02"));
}

#[test]
fn results_directly_in_the_body_are_accepted() {
    let xml = "<XmlMsg><MessageHeader/><MessageBody>\
        <ResultOfQualificationConfirmation><Name>甲</Name></ResultOfQualificationConfirmation>\
        <ResultOfQualificationConfirmation><Name>乙</Name></ResultOfQualificationConfirmation>\
        </MessageBody></XmlMsg>";
    let names: Vec<_> = parse_response(xml.as_bytes())
        .unwrap()
        .results
        .into_iter()
        .map(|r| r.person.name)
        .collect();
    assert_eq!(names, [s("甲"), s("乙")]);
}

#[test]
fn an_error_answer_with_only_a_header_is_read() {
    let xml = "<XmlMsg><MessageHeader><SegmentOfResult>9</SegmentOfResult>\
        <ErrorCode>EQ01</ErrorCode><ErrorMessage>照会エラー</ErrorMessage></MessageHeader></XmlMsg>";
    let response = parse_response(xml.as_bytes()).unwrap();
    assert_eq!(
        response.header.segment_of_result,
        Some(SegmentOfResult::Failed)
    );
    assert_eq!(response.header.error_code, s("EQ01"));
    assert_eq!(response.header.error_message, s("照会エラー"));
    assert!(response.results.is_empty());
    assert_eq!(response.validity, None);
}

#[test]
fn the_wrong_root_and_a_missing_header_are_refused() {
    assert_eq!(
        parse_response(b"<?xml version=\"1.0\"?><Response><MessageHeader/></Response>"),
        Err(OqsError::WrongRoot {
            found: "Response".into()
        })
    );
    assert_eq!(
        parse_response(b"<XmlMsg><MessageBody/></XmlMsg>"),
        Err(OqsError::MissingElement("MessageHeader"))
    );
}

#[test]
fn line_breaks_and_tabs_inside_values_are_kept() {
    let mut response = full_response();
    response.results[0].person.address = s("一丁目\r\n\t二号 ");
    let written = write_response(&response, XmlEncoding::Utf8).unwrap();
    assert_eq!(
        parse_response(&written).unwrap().results[0].person.address,
        s("一丁目\r\n\t二号 ")
    );
}
