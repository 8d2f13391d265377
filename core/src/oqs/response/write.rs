//! Lays the grouped model back out as the terminal's flat response XML.

use crate::oqs::writer::XmlText;
use crate::oqs::XmlEncoding;
use crate::qualification::{
    EchoedSearch, ElderlyRecipient, LimitCertificate, MedicalTicket, QualificationRecord,
    QualificationResponse, SpecificDiseaseCertificate, ViewingConsent,
};

pub(super) fn response(response: &QualificationResponse, encoding: XmlEncoding) -> String {
    let mut x = XmlText::new(encoding);
    x.open("XmlMsg");
    header(&mut x, response, encoding);
    x.open("MessageBody");
    if let Some(echo) = &response.search_info {
        search_info(&mut x, echo);
    }
    let p = &response.processing;
    x.leaf(
        "ProcessingResultStatus",
        p.status.as_ref().map(|c| c.code()),
    );
    x.leaf("ProcessingResultCode", p.code.as_deref());
    x.leaf("ProcessingResultMessage", p.message.as_deref());
    x.leaf(
        "QualificationValidity",
        response.validity.as_ref().map(|c| c.code()),
    );
    if !response.results.is_empty() {
        x.open("ResultList");
        for r in &response.results {
            record(&mut x, r);
        }
        x.close("ResultList");
    }
    x.leaf(
        "PrescriptionIssueSelect",
        response
            .prescription_issue_select
            .as_ref()
            .map(|c| c.code()),
    );
    x.close("MessageBody");
    x.close("XmlMsg");
    x.finish()
}

fn search_info(x: &mut XmlText, echo: &EchoedSearch) {
    x.open("QualificationConfirmSearchInfo");
    x.leaf("InsurerNumber", echo.insurer_number.as_deref());
    x.leaf("InsuredCardSymbol", echo.symbol.as_deref());
    x.leaf("InsuredIdentificationNumber", echo.number.as_deref());
    x.leaf("InsuredBranchNumber", echo.branch.as_deref());
    x.leaf("Birthdate", echo.birthdate.as_deref());
    x.close("QualificationConfirmSearchInfo");
}

fn header(x: &mut XmlText, response: &QualificationResponse, encoding: XmlEncoding) {
    let h = &response.header;
    x.open("MessageHeader");
    x.leaf("ProcessExecutionTime", h.process_execution_time.as_deref());
    x.leaf(
        "QualificationConfirmationDate",
        h.qualification_confirmation_date.as_deref(),
    );
    x.leaf(
        "MedicalInstitutionCode",
        h.medical_institution_code.as_deref(),
    );
    x.leaf(
        "ArbitraryFileIdentifier",
        h.arbitrary_file_identifier.as_deref(),
    );
    x.leaf(
        "ReferenceClassification",
        h.reference_classification.as_ref().map(|c| c.code()),
    );
    x.leaf(
        "SegmentOfResult",
        h.segment_of_result.as_ref().map(|c| c.code()),
    );
    x.leaf("ErrorCode", h.error_code.as_deref());
    x.leaf("ErrorMessage", h.error_message.as_deref());
    // A Shift_JIS file must say so in 文字コード識別 too; readers that ignore the
    // declaration rely on it.
    let character_code = match (&h.character_code_identifier, encoding) {
        (Some(held), _) => Some(held.clone()),
        (None, XmlEncoding::ShiftJis) => Some(encoding.character_code()),
        (None, XmlEncoding::Utf8) => None,
    };
    x.leaf(
        "CharacterCodeIdentifier",
        character_code.as_ref().map(|c| c.code()),
    );
    x.close("MessageHeader");
}

fn record(x: &mut XmlText, r: &QualificationRecord) {
    let (p, i) = (&r.person, &r.insurance);
    x.open("ResultOfQualificationConfirmation");
    x.leaf(
        "InsuredCardClassification",
        i.card_classification.as_ref().map(|c| c.code()),
    );
    x.leaf("InsurerNumber", i.insurer_number.as_deref());
    x.leaf("InsuredCardSymbol", i.symbol.as_deref());
    x.leaf("InsuredIdentificationNumber", i.number.as_deref());
    x.leaf("InsuredBranchNumber", i.branch.as_deref());
    x.leaf(
        "PersonalFamilyClassification",
        i.personal_family.as_ref().map(|c| c.code()),
    );
    x.leaf("InsuredName", i.insured_name.as_deref());
    x.leaf("Name", p.name.as_deref());
    x.leaf("NameOfOther", p.name_of_other.as_deref());
    x.leaf("NameKana", p.name_kana.as_deref());
    x.leaf("NameOfOtherKana", p.name_of_other_kana.as_deref());
    x.leaf("Sex1", p.sex1.as_ref().map(|c| c.code()));
    x.leaf("Sex2", p.sex2.as_ref().map(|c| c.code()));
    x.leaf("Birthdate", p.birthdate.as_deref());
    x.leaf("Address", p.address.as_deref());
    x.leaf("PostNumber", p.post_number.as_deref());
    x.leaf(
        "InsuredCertificateIssuanceDate",
        i.certificate_issuance_date.as_deref(),
    );
    x.leaf("InsuredCardValidDate", i.card_valid_date.as_deref());
    x.leaf(
        "InsuredCardExpirationDate",
        i.card_expiration_date.as_deref(),
    );
    x.leaf("QualificationDate", i.qualification_date.as_deref());
    x.leaf("DisqualificationDate", i.disqualification_date.as_deref());
    x.leaf("ReasonOfLoss", i.reason_of_loss.as_ref().map(|c| c.code()));
    x.leaf(
        "InsuredPartialContributionRatio",
        i.partial_contribution_ratio.as_deref(),
    );
    x.leaf(
        "PreschoolClassification",
        i.preschool.as_ref().map(|c| c.code()),
    );
    x.leaf("InsurerName", i.insurer_name.as_deref());
    if let Some(e) = r
        .elderly
        .as_ref()
        .filter(|e| **e != ElderlyRecipient::default())
    {
        elderly(x, e);
    }
    let limit = &r.limit;
    x.leaf(
        "LimitApplicationCertificateRelatedConsFlg",
        limit.consent.as_ref().map(|c| c.code()),
    );
    x.leaf(
        "LimitApplicationCertificateRelatedConsTime",
        limit.consent_time.as_deref(),
    );
    if let Some(l) = limit
        .certificate
        .as_ref()
        .filter(|l| **l != LimitCertificate::default())
    {
        limit_certificate(x, l);
    }
    let diseases = &r.specific_diseases;
    x.leaf(
        "SpecificDiseasesCertificateRelatedConsFlg",
        diseases.consent.as_ref().map(|c| c.code()),
    );
    x.leaf(
        "SpecificDiseasesCertificateRelatedConsTime",
        diseases.consent_time.as_deref(),
    );
    if !diseases.certificates.is_empty() {
        x.open("SpecificDiseasesCertificateList");
        for certificate in &diseases.certificates {
            specific_disease(x, certificate);
        }
        x.close("SpecificDiseasesCertificateList");
    }
    let v = &r.viewing_consents;
    viewing_consent(x, "SpecificHealthCheckupsInfo", v.checkups.as_ref());
    viewing_consent(x, "PharmacistsInfo", v.medications.as_ref());
    viewing_consent(x, "DiagnosisInfo", v.diagnoses.as_ref());
    viewing_consent(x, "OperationInfo", v.operations.as_ref());
    x.leaf("ReferenceNumber", r.reference_number.as_deref());
    if !r.medical_tickets.is_empty() {
        x.open("PublicExpenseResultList");
        for ticket in &r.medical_tickets {
            medical_ticket(x, ticket);
        }
        x.close("PublicExpenseResultList");
    }
    x.leaf("ArbitraryIdentifier", r.arbitrary_identifier.as_deref());
    x.close("ResultOfQualificationConfirmation");
}

fn elderly(x: &mut XmlText, e: &ElderlyRecipient) {
    x.open("ElderlyRecipientCertificateInfo");
    x.leaf(
        "ElderlyRecipientCertificateDate",
        e.certificate_date.as_deref(),
    );
    x.leaf(
        "ElderlyRecipientValidStartDate",
        e.valid_start_date.as_deref(),
    );
    x.leaf("ElderlyRecipientValidEndDate", e.valid_end_date.as_deref());
    x.leaf(
        "ElderlyRecipientContributionRatio",
        e.contribution_ratio.as_deref(),
    );
    x.close("ElderlyRecipientCertificateInfo");
}

fn limit_certificate(x: &mut XmlText, l: &LimitCertificate) {
    x.open("LimitApplicationCertificateRelatedInfo");
    x.leaf(
        "LimitApplicationCertificateClassification",
        l.classification.as_ref().map(|c| c.code()),
    );
    x.leaf(
        "LimitApplicationCertificateClassificationFlag",
        l.category.as_ref().map(|c| c.code()),
    );
    x.leaf(
        "LimitApplicationCertificateDate",
        l.certificate_date.as_deref(),
    );
    x.leaf(
        "LimitApplicationCertificateValidStartDate",
        l.valid_start_date.as_deref(),
    );
    x.leaf(
        "LimitApplicationCertificateValidEndDate",
        l.valid_end_date.as_deref(),
    );
    x.leaf(
        "LimitApplicationCertificateLongTermDate",
        l.long_term_date.as_deref(),
    );
    x.close("LimitApplicationCertificateRelatedInfo");
}

fn specific_disease(x: &mut XmlText, s: &SpecificDiseaseCertificate) {
    x.open("SpecificDiseasesCertificateInfo");
    x.leaf(
        "SpecificDiseasesDiseaseCategory",
        s.category.as_ref().map(|c| c.code()),
    );
    x.leaf(
        "SpecificDiseasesCertificateDate",
        s.certificate_date.as_deref(),
    );
    x.leaf(
        "SpecificDiseasesValidStartDate",
        s.valid_start_date.as_deref(),
    );
    x.leaf("SpecificDiseasesValidEndDate", s.valid_end_date.as_deref());
    x.leaf("SpecificDiseasesSelfPay", s.self_pay.as_deref());
    x.close("SpecificDiseasesCertificateInfo");
}

fn viewing_consent(x: &mut XmlText, prefix: &str, consent: Option<&ViewingConsent>) {
    if let Some(c) = consent {
        x.leaf(
            &format!("{prefix}ConsFlg"),
            c.flag.as_ref().map(|f| f.code()),
        );
        x.leaf(&format!("{prefix}ConsTime"), c.consent_time.as_deref());
        x.leaf(
            &format!("{prefix}AvailableTime"),
            c.available_time.as_deref(),
        );
    }
}

fn medical_ticket(x: &mut XmlText, t: &MedicalTicket) {
    x.open("MedicalTicketInfo");
    x.leaf("TicketType", t.ticket_type.as_deref());
    x.leaf("MedicalTicketValidDate", t.valid_date.as_deref());
    x.leaf("MedicalTicketExpirationDate", t.expiration_date.as_deref());
    x.leaf("IssueNumber", t.issue_number.as_deref());
    x.leaf("MedicalTreatmentMonth", t.treatment_month.as_deref());
    x.leaf(
        "DesignatedMedicalInstitutionCode",
        t.designated_institution_code.as_deref(),
    );
    x.leaf(
        "DesignatedMedicalInstitutionFlag",
        t.designated_institution_flag.as_deref(),
    );
    x.leaf(
        "DesignatedMedicalInstitutionName",
        t.designated_institution_name.as_deref(),
    );
    for (n, name) in t.injury_names.iter().enumerate() {
        x.leaf(&format!("InjuryName{}", n + 1), Some(name));
    }
    x.leaf("MedicalTreatmentType", t.treatment_type.as_deref());
    x.leaf("SelfPayAmount", t.self_pay_amount.as_deref());
    for (n, remark) in t.remarks.iter().enumerate() {
        x.leaf(&format!("Remarks{}", n + 1), Some(remark));
    }
    x.close("MedicalTicketInfo");
}
