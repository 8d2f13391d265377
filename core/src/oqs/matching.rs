//! Whether an answer in `res/` belongs to the request it is named after.
//!
//! The file name alone is not enough: several desks' gateways write into one terminal
//! share, and a terminal (or a person tidying the share) can misplace a file. An answer
//! is shown only when everything it echoes of the request agrees with what was asked:
//! the `ArbitraryFileIdentifier` (required), the `MedicalInstitutionCode` (required), the
//! search keys of an echoed `QualificationConfirmSearchInfo`, and the birthdate of every
//! person it returns (a birthdate is a search key and never changes between insurances,
//! so a result for another birthdate is another patient's, echo or not).
//!
//! Values are compared width-normalised ([`crate::card_number::equivalent`]: NFKC,
//! trimmed, leading zeros folded), because terminals pad the 6-digit 国保 insurer number
//! with spaces and may pad other numbers with zeros.

use crate::card_number::equivalent;
use crate::oqs::QualificationRequest;
use crate::qualification::QualificationResponse;

/// Which echoed value disagrees with the request. Only names of fields, never their
/// values: a mismatch is logged and shown, and the values are patient data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mismatch {
    /// The answer does not carry the request's `ArbitraryFileIdentifier` at all.
    NoFileIdentifier,
    FileIdentifier,
    /// The answer does not say which institution it answers.
    NoInstitutionCode,
    InstitutionCode,
    /// An echoed search key (`InsurerNumber`, `InsuredCardSymbol`, …) differs.
    SearchKey(&'static str),
    /// A returned person was born on another day than the one asked for.
    ResultBirthdate,
}

impl Mismatch {
    /// A fixed sentence for logs and the API, naming the field, not its value.
    pub fn reason(self) -> String {
        match self {
            Self::NoFileIdentifier => "it carries no ArbitraryFileIdentifier".to_string(),
            Self::FileIdentifier => {
                "its ArbitraryFileIdentifier belongs to another request".to_string()
            }
            Self::NoInstitutionCode => "it carries no MedicalInstitutionCode".to_string(),
            Self::InstitutionCode => {
                "its MedicalInstitutionCode is not this institution's".to_string()
            }
            Self::SearchKey(field) => format!("its echoed {field} differs from the request's"),
            Self::ResultBirthdate => {
                "it returns a person born on another day than the one asked for".to_string()
            }
        }
    }
}

/// Checks that `answer` answers `request` (see the module doc).
pub fn check_answer(
    request: &QualificationRequest,
    answer: &QualificationResponse,
) -> Result<(), Mismatch> {
    let header = &answer.header;
    match (&request.file_identifier, &header.arbitrary_file_identifier) {
        (Some(asked), Some(echoed)) if asked.trim() != echoed.trim() => {
            return Err(Mismatch::FileIdentifier)
        }
        (Some(_), None) => return Err(Mismatch::NoFileIdentifier),
        _ => {}
    }
    match &header.medical_institution_code {
        None => return Err(Mismatch::NoInstitutionCode),
        Some(code) if code.trim() != request.institution_code.trim() => {
            return Err(Mismatch::InstitutionCode)
        }
        Some(_) => {}
    }
    if let Some(echo) = &answer.search_info {
        let keys = [
            (
                "InsurerNumber",
                &echo.insurer_number,
                &request.insurer_number,
            ),
            ("InsuredCardSymbol", &echo.symbol, &request.symbol),
            ("InsuredIdentificationNumber", &echo.number, &request.number),
            ("InsuredBranchNumber", &echo.branch, &request.branch),
            ("Birthdate", &echo.birthdate, &request.birthdate),
        ];
        for (field, echoed, asked) in keys {
            if !equivalent(echoed.as_deref().unwrap_or_default(), asked) {
                return Err(Mismatch::SearchKey(field));
            }
        }
    }
    let born_elsewhen = answer.results.iter().any(|record| {
        record
            .person
            .birthdate
            .as_deref()
            .is_some_and(|born| born.trim() != request.birthdate.trim())
    });
    if born_elsewhen {
        return Err(Mismatch::ResultBirthdate);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::qualification::{EchoedSearch, QualificationRecord};

    fn request() -> QualificationRequest {
        QualificationRequest {
            confirmation_date: "20261201".into(),
            institution_code: "1319999999".into(),
            file_identifier: Some("20261201_091500_a1b2c3d4_0001".into()),
            insurer_number: "  139014".into(),
            symbol: "90".into(),
            number: "5001".into(),
            branch: "01".into(),
            birthdate: "19881108".into(),
            limit_consent: false,
            arbitrary_identifier: None,
        }
    }

    /// The answer a faithful terminal gives: everything echoed as sent.
    fn echoed() -> QualificationResponse {
        let asked = request();
        let mut answer = QualificationResponse::default();
        answer.header.arbitrary_file_identifier = asked.file_identifier.clone();
        answer.header.medical_institution_code = Some(asked.institution_code.clone());
        answer.search_info = Some(EchoedSearch {
            insurer_number: Some(asked.insurer_number.clone()),
            symbol: Some(asked.symbol.clone()),
            number: Some(asked.number.clone()),
            branch: Some(asked.branch.clone()),
            birthdate: Some(asked.birthdate.clone()),
        });
        let mut record = QualificationRecord::default();
        record.person.birthdate = Some(asked.birthdate.clone());
        answer.results.push(record);
        answer
    }

    #[test]
    fn a_faithful_echo_matches() {
        assert_eq!(check_answer(&request(), &echoed()), Ok(()));
    }

    #[test]
    fn widths_and_padding_do_not_matter() {
        let mut answer = echoed();
        let echo = answer.search_info.as_mut().unwrap();
        echo.insurer_number = Some("１３９０１４".into());
        echo.number = Some("０５００１".into());
        echo.symbol = Some("９０".into());
        assert_eq!(check_answer(&request(), &answer), Ok(()));
    }

    /// A field name and how to change it in an echo.
    type Change = (&'static str, fn(&mut EchoedSearch));

    #[test]
    fn every_echoed_key_is_compared() {
        let cases: [Change; 5] = [
            ("InsurerNumber", |e| {
                e.insurer_number = Some("  139015".into())
            }),
            ("InsuredCardSymbol", |e| e.symbol = Some("91".into())),
            ("InsuredIdentificationNumber", |e| {
                e.number = Some("5002".into())
            }),
            ("InsuredBranchNumber", |e| e.branch = Some("02".into())),
            ("Birthdate", |e| e.birthdate = Some("19881109".into())),
        ];
        for (field, change) in cases {
            let mut answer = echoed();
            change(answer.search_info.as_mut().unwrap());
            assert_eq!(
                check_answer(&request(), &answer),
                Err(Mismatch::SearchKey(field)),
                "{field}"
            );
        }
        // A key the request had but the echo dropped is a difference too.
        let mut answer = echoed();
        answer.search_info.as_mut().unwrap().number = None;
        assert_eq!(
            check_answer(&request(), &answer),
            Err(Mismatch::SearchKey("InsuredIdentificationNumber"))
        );
    }

    #[test]
    fn the_header_must_name_this_request_and_institution() {
        let mut answer = echoed();
        answer.header.arbitrary_file_identifier = Some("20261201_091500_ffffffff_0001".into());
        assert_eq!(
            check_answer(&request(), &answer),
            Err(Mismatch::FileIdentifier)
        );
        answer.header.arbitrary_file_identifier = None;
        assert_eq!(
            check_answer(&request(), &answer),
            Err(Mismatch::NoFileIdentifier)
        );
        let mut answer = echoed();
        answer.header.medical_institution_code = Some("1319999998".into());
        assert_eq!(
            check_answer(&request(), &answer),
            Err(Mismatch::InstitutionCode)
        );
        answer.header.medical_institution_code = None;
        assert_eq!(
            check_answer(&request(), &answer),
            Err(Mismatch::NoInstitutionCode)
        );
    }

    #[test]
    fn another_patients_result_is_refused_even_without_an_echo() {
        let mut answer = echoed();
        answer.search_info = None;
        assert_eq!(check_answer(&request(), &answer), Ok(()));
        answer.results[0].person.birthdate = Some("19790101".into());
        assert_eq!(
            check_answer(&request(), &answer),
            Err(Mismatch::ResultBirthdate)
        );
    }

    #[test]
    fn reasons_name_fields_never_values() {
        let asked = request();
        for mismatch in [
            Mismatch::NoFileIdentifier,
            Mismatch::FileIdentifier,
            Mismatch::NoInstitutionCode,
            Mismatch::InstitutionCode,
            Mismatch::SearchKey("InsuredIdentificationNumber"),
            Mismatch::ResultBirthdate,
        ] {
            let reason = mismatch.reason();
            for value in [&asked.number, &asked.birthdate, &asked.institution_code] {
                assert!(!reason.contains(value.as_str()), "{reason}");
            }
        }
    }
}
