//! The 資格確認 result as people and host EMRs read it.
//!
//! The terminal's XML is flat; this model groups the same fields by what they describe
//! (the person, the insurance, the certificates, the consents). Values are kept as the
//! terminal wrote them: dates stay `yyyyMMdd` / `yyyyMMddHHmmss` strings, numbers that carry
//! leading zeros or spaces (`"  131011"`, `"030"`) stay strings. [`crate::oqs`] fills it
//! from XML and writes it back (the simulator plays the terminal with the same code).

use serde::{Deserialize, Serialize};

use crate::codes::{
    CharacterCode, ConsentFlag, InsuredCardClassification, LimitCategory,
    LimitCertificateClassification, PersonalFamily, PrescriptionIssueSelect,
    ProcessingResultStatus, QualificationValidity, ReasonOfLoss, ReferenceClassification,
    SegmentOfResult, Sex, SpecificDiseaseCategory,
};

/// One whole response file of the terminal (`OQSsiquc01res_*.xml` or a face result).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct QualificationResponse {
    pub header: ResponseHeader,
    pub processing: ProcessingResult,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub validity: Option<QualificationValidity>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prescription_issue_select: Option<PrescriptionIssueSelect>,
    /// One or many `ResultOfQualificationConfirmation`, in file order.
    #[serde(default)]
    pub results: Vec<QualificationRecord>,
    /// The request's `QualificationConfirmSearchInfo` as the terminal echoes it back in
    /// the answer's body; what [`crate::oqs::matching`] compares with what was asked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub search_info: Option<EchoedSearch>,
}

/// The search keys of a request as echoed in its answer, exactly as written (a 6-digit
/// 国保 insurer number keeps its padding; widths are not normalised here).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct EchoedSearch {
    pub insurer_number: Option<String>,
    pub symbol: Option<String>,
    pub number: Option<String>,
    pub branch: Option<String>,
    /// `yyyyMMdd`.
    pub birthdate: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct ResponseHeader {
    /// 処理実行日時, `yyyyMMddHHmmss`.
    pub process_execution_time: Option<String>,
    /// 資格確認日, `yyyyMMdd`.
    pub qualification_confirmation_date: Option<String>,
    pub medical_institution_code: Option<String>,
    pub arbitrary_file_identifier: Option<String>,
    pub reference_classification: Option<ReferenceClassification>,
    pub segment_of_result: Option<SegmentOfResult>,
    pub error_code: Option<String>,
    pub error_message: Option<String>,
    /// 文字コード識別 (0 UTF-8, 1 Shift_JIS; an unknown code is kept as written).
    pub character_code_identifier: Option<CharacterCode>,
}

/// 処理結果: set on errors, and on success when the national side adds an advisory.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct ProcessingResult {
    pub status: Option<ProcessingResultStatus>,
    pub code: Option<String>,
    pub message: Option<String>,
}

/// One `ResultOfQualificationConfirmation`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct QualificationRecord {
    pub person: Person,
    pub insurance: Insurance,
    pub elderly: Option<ElderlyRecipient>,
    pub limit: LimitCertificateInfo,
    pub specific_diseases: SpecificDiseaseInfo,
    pub viewing_consents: ViewingConsents,
    /// 医療扶助 医療券・調剤券 (PublicExpenseResultList).
    pub medical_tickets: Vec<MedicalTicket>,
    /// 照会番号: the clinic's own patient ID, when registered.
    pub reference_number: Option<String>,
    pub arbitrary_identifier: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Person {
    pub name: Option<String>,
    /// Half-width kana as the terminal sends it, e.g. `ﾋｮｳﾎﾝ ｶｽﾞﾐ`.
    pub name_kana: Option<String>,
    /// 通称.
    pub name_of_other: Option<String>,
    pub name_of_other_kana: Option<String>,
    /// 券面の性別.
    pub sex1: Option<Sex>,
    /// 性別2, set only under the 2012 gender-notation rule.
    pub sex2: Option<Sex>,
    /// `yyyyMMdd`.
    pub birthdate: Option<String>,
    pub address: Option<String>,
    /// `123-4567`.
    pub post_number: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Insurance {
    pub card_classification: Option<InsuredCardClassification>,
    /// 8 characters; a 6-digit 国保 number is left-padded with spaces.
    pub insurer_number: Option<String>,
    pub insurer_name: Option<String>,
    pub symbol: Option<String>,
    pub number: Option<String>,
    pub branch: Option<String>,
    pub personal_family: Option<PersonalFamily>,
    /// 被保険者氏名（世帯主）.
    pub insured_name: Option<String>,
    pub qualification_date: Option<String>,
    pub disqualification_date: Option<String>,
    pub reason_of_loss: Option<ReasonOfLoss>,
    pub certificate_issuance_date: Option<String>,
    pub card_valid_date: Option<String>,
    pub card_expiration_date: Option<String>,
    /// 一部負担金割合, 3-digit percent: `"030"` is 3割.
    pub partial_contribution_ratio: Option<String>,
    pub preschool: Option<crate::codes::Preschool>,
}

/// 高齢受給者証.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct ElderlyRecipient {
    pub certificate_date: Option<String>,
    pub valid_start_date: Option<String>,
    pub valid_end_date: Option<String>,
    /// 3-digit percent like [`Insurance::partial_contribution_ratio`].
    pub contribution_ratio: Option<String>,
}

/// 限度額適用認定証: the consent to show it, and the certificate when given.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct LimitCertificateInfo {
    pub consent: Option<ConsentFlag>,
    /// `yyyyMMddHHmmss`.
    pub consent_time: Option<String>,
    pub certificate: Option<LimitCertificate>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct LimitCertificate {
    pub classification: Option<LimitCertificateClassification>,
    pub category: Option<LimitCategory>,
    pub certificate_date: Option<String>,
    pub valid_start_date: Option<String>,
    pub valid_end_date: Option<String>,
    /// 長期入院該当年月日.
    pub long_term_date: Option<String>,
}

/// 特定疾病療養受療証: the consent to show it, and the certificates when given.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct SpecificDiseaseInfo {
    pub consent: Option<ConsentFlag>,
    pub consent_time: Option<String>,
    pub certificates: Vec<SpecificDiseaseCertificate>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct SpecificDiseaseCertificate {
    pub category: Option<SpecificDiseaseCategory>,
    pub certificate_date: Option<String>,
    pub valid_start_date: Option<String>,
    pub valid_end_date: Option<String>,
    /// 自己負担限度額, as written.
    pub self_pay: Option<String>,
}

/// 閲覧同意 per category, as given at the card reader.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct ViewingConsents {
    /// 特定健診情報 (`SpecificHealthCheckupsInfo…`).
    pub checkups: Option<ViewingConsent>,
    /// 薬剤情報 (`PharmacistsInfo…`, also read from `PharmaceuticalInfo…`).
    pub medications: Option<ViewingConsent>,
    /// 診療情報 (`DiagnosisInfo…`).
    pub diagnoses: Option<ViewingConsent>,
    /// 手術情報 (`OperationInfo…`).
    pub operations: Option<ViewingConsent>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct ViewingConsent {
    pub flag: Option<ConsentFlag>,
    /// When consent was given, `yyyyMMddHHmmss`.
    pub consent_time: Option<String>,
    /// Until when viewing is allowed, `yyyyMMddHHmmss` (24 h after consent).
    pub available_time: Option<String>,
}

/// 医療券・調剤券 of 医療扶助. Codes this model does not interpret stay strings.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct MedicalTicket {
    pub ticket_type: Option<String>,
    pub valid_date: Option<String>,
    pub expiration_date: Option<String>,
    pub issue_number: Option<String>,
    pub treatment_month: Option<String>,
    pub designated_institution_code: Option<String>,
    pub designated_institution_flag: Option<String>,
    pub designated_institution_name: Option<String>,
    pub treatment_type: Option<String>,
    pub self_pay_amount: Option<String>,
    pub injury_names: Vec<String>,
    pub remarks: Vec<String>,
}
