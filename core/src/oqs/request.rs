//! The 資格確認 request (`OQSsiquc01req_*.xml`): written by the gateway, read by the simulator.

use super::encoding::{decode, XmlEncoding};
use super::tree::{self, Element};
use super::writer::XmlText;
use super::OqsError;
use crate::query::ValidQuery;

/// One individual qualification request (個別照会 by insurance card details).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct QualificationRequest {
    /// `yyyyMMdd`.
    pub confirmation_date: String,
    /// 10 digits.
    pub institution_code: String,
    /// `ArbitraryFileIdentifier`, echoed by the terminal to match answer and request.
    pub file_identifier: Option<String>,
    /// Wire form: 8 characters, a 6-digit 国保 number left-padded with spaces.
    pub insurer_number: String,
    /// Empty → element omitted.
    pub symbol: String,
    pub number: String,
    /// Empty → element omitted (never invented as `"00"`).
    pub branch: String,
    /// `yyyyMMdd`.
    pub birthdate: String,
    /// The patient agreed to share 限度額適用認定証 details (`…RelatedConsFlg` 1/0).
    pub limit_consent: bool,
    pub arbitrary_identifier: Option<String>,
}

impl QualificationRequest {
    /// Builds a request from a validated query. `limit_consent` is carried over from the
    /// query: consent to 限度額 details is the patient's, given at the desk.
    pub fn from_query(
        query: &ValidQuery,
        confirmation_date: &str,
        institution_code: &str,
        file_identifier: Option<String>,
    ) -> Self {
        Self {
            confirmation_date: confirmation_date.to_string(),
            institution_code: institution_code.to_string(),
            file_identifier,
            insurer_number: query.insurer.wire(),
            symbol: query.symbol.clone(),
            number: query.number.clone(),
            branch: query.branch.clone(),
            birthdate: query.birthdate.clone(),
            limit_consent: query.limit_consent,
            arbitrary_identifier: None,
        }
    }

    /// The request file, UTF-8, in the layout of the terminal's samples.
    pub fn to_xml(&self) -> Vec<u8> {
        let mut xml = XmlText::new(XmlEncoding::Utf8);
        xml.open("XmlMsg");
        xml.open("MessageHeader");
        xml.leaf(
            "QualificationConfirmationDate",
            Some(&self.confirmation_date),
        );
        xml.leaf("MedicalInstitutionCode", Some(&self.institution_code));
        xml.leaf("ArbitraryFileIdentifier", self.file_identifier.as_deref());
        xml.close("MessageHeader");
        xml.open("MessageBody");
        xml.open("QualificationConfirmSearchInfo");
        xml.leaf("InsurerNumber", Some(&self.insurer_number));
        xml.leaf("InsuredCardSymbol", non_empty(&self.symbol));
        xml.leaf("InsuredIdentificationNumber", Some(&self.number));
        xml.leaf("InsuredBranchNumber", non_empty(&self.branch));
        xml.leaf("Birthdate", Some(&self.birthdate));
        xml.leaf(
            "LimitApplicationCertificateRelatedConsFlg",
            Some(if self.limit_consent { "1" } else { "0" }),
        );
        xml.leaf("ArbitraryIdentifier", self.arbitrary_identifier.as_deref());
        xml.close("QualificationConfirmSearchInfo");
        xml.close("MessageBody");
        xml.close("XmlMsg");
        xml.finish().into_bytes()
    }

    /// Reads a request file (UTF-8 or Shift_JIS, any element order, unknown elements
    /// ignored). Values are kept as written, including the insurer number's padding.
    pub fn parse(bytes: &[u8]) -> Result<Self, OqsError> {
        let (text, _) = decode(bytes)?;
        let root = tree::parse(&text)?;
        if root.name != "XmlMsg" {
            return Err(OqsError::WrongRoot { found: root.name });
        }
        let header = root
            .child("MessageHeader")
            .ok_or(OqsError::MissingElement("MessageHeader"))?;
        let info = root
            .child("MessageBody")
            .ok_or(OqsError::MissingElement("MessageBody"))?
            .child("QualificationConfirmSearchInfo")
            .ok_or(OqsError::MissingElement("QualificationConfirmSearchInfo"))?;
        Ok(Self {
            confirmation_date: required(header, "QualificationConfirmationDate")?,
            institution_code: required(header, "MedicalInstitutionCode")?,
            file_identifier: header.text_of("ArbitraryFileIdentifier"),
            insurer_number: required(info, "InsurerNumber")?,
            symbol: info.text_of("InsuredCardSymbol").unwrap_or_default(),
            number: required(info, "InsuredIdentificationNumber")?,
            branch: info.text_of("InsuredBranchNumber").unwrap_or_default(),
            birthdate: required(info, "Birthdate")?,
            limit_consent: info
                .text_of("LimitApplicationCertificateRelatedConsFlg")
                .is_some_and(|flag| flag.trim() == "1"),
            arbitrary_identifier: info.text_of("ArbitraryIdentifier"),
        })
    }
}

fn non_empty(value: &str) -> Option<&str> {
    (!value.is_empty()).then_some(value)
}

fn required(parent: &Element, name: &'static str) -> Result<String, OqsError> {
    parent.text_of(name).ok_or(OqsError::MissingElement(name))
}
