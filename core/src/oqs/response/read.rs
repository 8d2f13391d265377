//! Maps the element tree of a response onto the grouped [`QualificationResponse`] model.

use crate::codes::{
    CharacterCode, ConsentFlag, InsuredCardClassification, LimitCategory,
    LimitCertificateClassification, PersonalFamily, Preschool, PrescriptionIssueSelect,
    ProcessingResultStatus, QualificationValidity, ReasonOfLoss, ReferenceClassification,
    SegmentOfResult, Sex, SpecificDiseaseCategory,
};
use crate::oqs::tree::Element;
use crate::oqs::OqsError;
use crate::qualification::{
    EchoedSearch, ElderlyRecipient, Insurance, LimitCertificate, LimitCertificateInfo,
    MedicalTicket, Person, ProcessingResult, QualificationRecord, QualificationResponse,
    ResponseHeader, SpecificDiseaseCertificate, SpecificDiseaseInfo, ViewingConsent,
    ViewingConsents,
};

pub(super) fn response(root: &Element) -> Result<QualificationResponse, OqsError> {
    if root.name != "XmlMsg" {
        return Err(OqsError::WrongRoot {
            found: root.name.clone(),
        });
    }
    let header = root
        .child("MessageHeader")
        .ok_or(OqsError::MissingElement("MessageHeader"))?;
    // An error answer may carry nothing but the header's ErrorCode.
    let empty = Element::default();
    let body = root.child("MessageBody").unwrap_or(&empty);

    let mut found = Vec::new();
    body.descendants_named("ResultOfQualificationConfirmation", &mut found);
    // One model puts PrescriptionIssueSelect in MessageBody, another inside the result.
    let prescription_issue_select = code(
        body,
        "PrescriptionIssueSelect",
        PrescriptionIssueSelect::from_code,
    )
    .or_else(|| {
        found.iter().find_map(|r| {
            code(
                r,
                "PrescriptionIssueSelect",
                PrescriptionIssueSelect::from_code,
            )
        })
    });

    Ok(QualificationResponse {
        header: response_header(header),
        processing: ProcessingResult {
            status: code(
                body,
                "ProcessingResultStatus",
                ProcessingResultStatus::from_code,
            ),
            code: body.text_of("ProcessingResultCode"),
            message: body.text_of("ProcessingResultMessage"),
        },
        validity: code(
            body,
            "QualificationValidity",
            QualificationValidity::from_code,
        ),
        prescription_issue_select,
        results: found.into_iter().map(record).collect(),
        search_info: body
            .child("QualificationConfirmSearchInfo")
            .map(echoed_search),
    })
}

fn echoed_search(info: &Element) -> EchoedSearch {
    EchoedSearch {
        insurer_number: info.text_of("InsurerNumber"),
        symbol: info.text_of("InsuredCardSymbol"),
        number: info.text_of("InsuredIdentificationNumber"),
        branch: info.text_of("InsuredBranchNumber"),
        birthdate: info.text_of("Birthdate"),
    }
}

fn response_header(h: &Element) -> ResponseHeader {
    ResponseHeader {
        process_execution_time: h.text_of("ProcessExecutionTime"),
        qualification_confirmation_date: h.text_of("QualificationConfirmationDate"),
        medical_institution_code: h.text_of("MedicalInstitutionCode"),
        arbitrary_file_identifier: h.text_of("ArbitraryFileIdentifier"),
        reference_classification: code(
            h,
            "ReferenceClassification",
            ReferenceClassification::from_code,
        ),
        segment_of_result: code(h, "SegmentOfResult", SegmentOfResult::from_code),
        error_code: h.text_of("ErrorCode"),
        error_message: h.text_of("ErrorMessage"),
        character_code_identifier: code(h, "CharacterCodeIdentifier", CharacterCode::from_code),
    }
}

fn record(r: &Element) -> QualificationRecord {
    QualificationRecord {
        person: person(r),
        insurance: insurance(r),
        elderly: elderly(r),
        limit: LimitCertificateInfo {
            consent: code(
                r,
                "LimitApplicationCertificateRelatedConsFlg",
                ConsentFlag::from_code,
            ),
            consent_time: r.text_of("LimitApplicationCertificateRelatedConsTime"),
            certificate: limit_certificate(r),
        },
        specific_diseases: specific_diseases(r),
        viewing_consents: ViewingConsents {
            checkups: viewing_consent(r, &["SpecificHealthCheckupsInfo"]),
            medications: viewing_consent(r, &["PharmacistsInfo", "PharmaceuticalInfo"]),
            diagnoses: viewing_consent(r, &["DiagnosisInfo"]),
            operations: viewing_consent(r, &["OperationInfo"]),
        },
        medical_tickets: medical_tickets(r),
        reference_number: r.text_of("ReferenceNumber"),
        arbitrary_identifier: r.text_of("ArbitraryIdentifier"),
    }
}

fn person(r: &Element) -> Person {
    Person {
        name: r.text_of("Name"),
        name_kana: r.text_of("NameKana"),
        name_of_other: r.text_of("NameOfOther"),
        name_of_other_kana: r.text_of("NameOfOtherKana"),
        sex1: code(r, "Sex1", Sex::from_code),
        sex2: code(r, "Sex2", Sex::from_code),
        birthdate: r.text_of("Birthdate"),
        address: r.text_of("Address"),
        post_number: r.text_of("PostNumber"),
    }
}

fn insurance(r: &Element) -> Insurance {
    Insurance {
        card_classification: code(
            r,
            "InsuredCardClassification",
            InsuredCardClassification::from_code,
        ),
        insurer_number: r.text_of("InsurerNumber"),
        insurer_name: r.text_of("InsurerName"),
        symbol: r.text_of("InsuredCardSymbol"),
        number: r.text_of("InsuredIdentificationNumber"),
        branch: r.text_of("InsuredBranchNumber"),
        personal_family: code(r, "PersonalFamilyClassification", PersonalFamily::from_code),
        insured_name: r.text_of("InsuredName"),
        qualification_date: r.text_of("QualificationDate"),
        disqualification_date: r.text_of("DisqualificationDate"),
        reason_of_loss: code(r, "ReasonOfLoss", ReasonOfLoss::from_code),
        certificate_issuance_date: r.text_of("InsuredCertificateIssuanceDate"),
        card_valid_date: r.text_of("InsuredCardValidDate"),
        card_expiration_date: r.text_of("InsuredCardExpirationDate"),
        partial_contribution_ratio: r.text_of("InsuredPartialContributionRatio"),
        preschool: code(r, "PreschoolClassification", Preschool::from_code),
    }
}

/// Certificate groups are read from their container, or from the result itself when a
/// writer left the container out (the field names are unique either way).
fn group<'a>(r: &'a Element, container: &str) -> &'a Element {
    r.child(container).unwrap_or(r)
}

fn elderly(r: &Element) -> Option<ElderlyRecipient> {
    let e = group(r, "ElderlyRecipientCertificateInfo");
    let elderly = ElderlyRecipient {
        certificate_date: e.text_of("ElderlyRecipientCertificateDate"),
        valid_start_date: e.text_of("ElderlyRecipientValidStartDate"),
        valid_end_date: e.text_of("ElderlyRecipientValidEndDate"),
        contribution_ratio: e.text_of("ElderlyRecipientContributionRatio"),
    };
    (elderly != ElderlyRecipient::default()).then_some(elderly)
}

fn limit_certificate(r: &Element) -> Option<LimitCertificate> {
    let l = group(r, "LimitApplicationCertificateRelatedInfo");
    let certificate = LimitCertificate {
        classification: code(
            l,
            "LimitApplicationCertificateClassification",
            LimitCertificateClassification::from_code,
        ),
        category: code(
            l,
            "LimitApplicationCertificateClassificationFlag",
            LimitCategory::from_code,
        ),
        certificate_date: l.text_of("LimitApplicationCertificateDate"),
        valid_start_date: l.text_of("LimitApplicationCertificateValidStartDate"),
        valid_end_date: l.text_of("LimitApplicationCertificateValidEndDate"),
        long_term_date: l.text_of("LimitApplicationCertificateLongTermDate"),
    };
    (certificate != LimitCertificate::default()).then_some(certificate)
}

fn specific_diseases(r: &Element) -> SpecificDiseaseInfo {
    let mut infos = Vec::new();
    r.descendants_named("SpecificDiseasesCertificateInfo", &mut infos);
    SpecificDiseaseInfo {
        consent: code(
            r,
            "SpecificDiseasesCertificateRelatedConsFlg",
            ConsentFlag::from_code,
        ),
        consent_time: r.text_of("SpecificDiseasesCertificateRelatedConsTime"),
        certificates: infos
            .into_iter()
            .map(|s| SpecificDiseaseCertificate {
                category: code(
                    s,
                    "SpecificDiseasesDiseaseCategory",
                    SpecificDiseaseCategory::from_code,
                ),
                certificate_date: s.text_of("SpecificDiseasesCertificateDate"),
                valid_start_date: s.text_of("SpecificDiseasesValidStartDate"),
                valid_end_date: s.text_of("SpecificDiseasesValidEndDate"),
                self_pay: s.text_of("SpecificDiseasesSelfPay"),
            })
            .filter(|c| *c != SpecificDiseaseCertificate::default())
            .collect(),
    }
}

/// A consent group under any of its known prefixes; `…AcquisitionTime` is the name a
/// reconstruction uses for `…AvailableTime`.
fn viewing_consent(r: &Element, prefixes: &[&str]) -> Option<ViewingConsent> {
    prefixes.iter().find_map(|prefix| {
        let field = |suffix: &str| r.text_of(&format!("{prefix}{suffix}"));
        let consent = ViewingConsent {
            flag: field("ConsFlg").map(|flag| ConsentFlag::from_code(&flag)),
            consent_time: field("ConsTime"),
            available_time: field("AvailableTime").or_else(|| field("AcquisitionTime")),
        };
        (consent != ViewingConsent::default()).then_some(consent)
    })
}

fn medical_tickets(r: &Element) -> Vec<MedicalTicket> {
    let mut infos = Vec::new();
    r.descendants_named("MedicalTicketInfo", &mut infos);
    infos
        .into_iter()
        .map(|t| MedicalTicket {
            ticket_type: t.text_of("TicketType"),
            valid_date: t.text_of("MedicalTicketValidDate"),
            expiration_date: t.text_of("MedicalTicketExpirationDate"),
            issue_number: t.text_of("IssueNumber"),
            treatment_month: t.text_of("MedicalTreatmentMonth"),
            designated_institution_code: t.text_of("DesignatedMedicalInstitutionCode"),
            designated_institution_flag: t.text_of("DesignatedMedicalInstitutionFlag"),
            designated_institution_name: t.text_of("DesignatedMedicalInstitutionName"),
            treatment_type: t.text_of("MedicalTreatmentType"),
            self_pay_amount: t.text_of("SelfPayAmount"),
            injury_names: numbered(t, "InjuryName"),
            remarks: numbered(t, "Remarks"),
        })
        .filter(|t| *t != MedicalTicket::default())
        .collect()
}

/// Values of `<Prefix1>`, `<Prefix2>`, … ordered by their number; empty ones skipped.
fn numbered(t: &Element, prefix: &str) -> Vec<String> {
    let mut items: Vec<(u32, String)> = t
        .children
        .iter()
        .filter_map(|c| {
            let index = c.name.strip_prefix(prefix)?.parse::<u32>().ok()?;
            Some((index, c.value()?))
        })
        .collect();
    items.sort_by_key(|(index, _)| *index);
    items.into_iter().map(|(_, value)| value).collect()
}

fn code<T>(parent: &Element, name: &str, from_code: fn(&str) -> T) -> Option<T> {
    parent.text_of(name).map(|value| from_code(&value))
}
