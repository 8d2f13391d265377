//! What the simulated terminal answers, as result models (no files, no threads), so the
//! same answers serve the folder terminal and any in-process use.

use time::{Duration, PrimitiveDateTime};

use onshi_core::codes::{
    ConsentFlag, PrescriptionIssueSelect, ProcessingResultStatus, QualificationValidity,
    ReferenceClassification, SegmentOfResult,
};
use onshi_core::oqs::{QualificationRequest, XmlEncoding};
use onshi_core::qualification::{
    EchoedSearch, ProcessingResult, QualificationRecord, QualificationResponse, ResponseHeader,
    ViewingConsent, ViewingConsents,
};

use crate::clock::{ymd, ymdhms};
use crate::population::Population;

/// ErrorCode of the answer to a request file that cannot be read. The real codes of
/// 別紙6-1 are not public; this one is the simulator's own.
pub const REQUEST_UNREADABLE_CODE: &str = "ESIM0001";

/// Viewing consent lasts 24 hours from the moment it is given (portal FAQ, §3).
const CONSENT_VALID_HOURS: i64 = 24;

fn header(
    request: Option<&QualificationRequest>,
    institution_code: &str,
    now: PrimitiveDateTime,
    segment: SegmentOfResult,
    encoding: XmlEncoding,
) -> ResponseHeader {
    let date = request
        .map(|r| r.confirmation_date.trim())
        .filter(|d| !d.is_empty())
        .map(str::to_string)
        .unwrap_or_else(|| ymd(now.date()));
    let institution = request
        .map(|r| r.institution_code.trim())
        .filter(|c| !c.is_empty())
        .unwrap_or(institution_code);
    ResponseHeader {
        process_execution_time: Some(ymdhms(now)),
        qualification_confirmation_date: Some(date),
        medical_institution_code: Some(institution.to_string()),
        arbitrary_file_identifier: request.and_then(|r| r.file_identifier.clone()),
        reference_classification: Some(ReferenceClassification::InsuranceCard),
        segment_of_result: Some(segment),
        error_code: None,
        error_message: None,
        character_code_identifier: Some(encoding.character_code()),
    }
}

impl Population {
    /// The completed answer (SegmentOfResult 1) to a request: the person's record with
    /// their validity, validity 4 and no record when nobody matches, or validity 5
    /// (複数該当) with every matching record when several do (see [`Population::matches`]).
    ///
    /// 限度額 and 特定疾病 details come back only when the request says the patient
    /// consented (`limit_consent`), as on the real system.
    pub fn respond(
        &self,
        request: &QualificationRequest,
        institution_code: &str,
        now: PrimitiveDateTime,
        encoding: XmlEncoding,
    ) -> QualificationResponse {
        let found = self.matches(request);
        let validity = match found.as_slice() {
            [] => QualificationValidity::NotFound,
            [person] => person.validity.clone(),
            _ => QualificationValidity::Multiple,
        };
        let results = found
            .into_iter()
            .map(|person| {
                let mut record = person.record.clone();
                set_limit_consent(&mut record, request.limit_consent.then(|| ymdhms(now)));
                record.arbitrary_identifier = request.arbitrary_identifier.clone();
                record
            })
            .collect();
        let header = header(
            Some(request),
            institution_code,
            now,
            SegmentOfResult::Completed,
            encoding,
        );
        QualificationResponse {
            search_info: Some(echo(request)),
            ..completed(header, validity, None, results)
        }
    }
}

/// The request's search block, echoed in the answer as the terminal does.
fn echo(request: &QualificationRequest) -> EchoedSearch {
    let present = |value: &str| (!value.is_empty()).then(|| value.to_string());
    EchoedSearch {
        insurer_number: present(&request.insurer_number),
        symbol: present(&request.symbol),
        number: present(&request.number),
        branch: present(&request.branch),
        birthdate: present(&request.birthdate),
    }
}

/// A completed answer (SegmentOfResult 1, processing status 1).
fn completed(
    header: ResponseHeader,
    validity: QualificationValidity,
    prescription_issue_select: Option<PrescriptionIssueSelect>,
    results: Vec<QualificationRecord>,
) -> QualificationResponse {
    QualificationResponse {
        header,
        processing: ProcessingResult {
            status: Some(ProcessingResultStatus::Completed),
            code: None,
            message: None,
        },
        validity: Some(validity),
        prescription_issue_select,
        results,
        search_info: None,
    }
}

/// The completed answer to a My Number Card confirmation at `now` (ReferenceClassification
/// 1): nobody's request to echo, as for the face reader's unasked results and the national
/// side of card sessions.
pub(crate) fn card_confirmation(
    institution_code: &str,
    now: PrimitiveDateTime,
    validity: QualificationValidity,
    prescription_issue_select: Option<PrescriptionIssueSelect>,
    results: Vec<QualificationRecord>,
) -> QualificationResponse {
    let mut header = header(
        None,
        institution_code,
        now,
        SegmentOfResult::Completed,
        XmlEncoding::Utf8,
    );
    header.reference_classification = Some(ReferenceClassification::MyNumberCard);
    completed(header, validity, prescription_issue_select, results)
}

/// What a patient answered on the reader's consent screens: the four viewing categories
/// and 限度額 / 特定疾病.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ConsentAnswers {
    pub medications: bool,
    pub checkups: bool,
    pub diagnoses: bool,
    pub operations: bool,
    pub limit: bool,
}

impl ConsentAnswers {
    /// `record` with these answers, given at `now`.
    pub(crate) fn apply(
        self,
        mut record: QualificationRecord,
        now: PrimitiveDateTime,
    ) -> QualificationRecord {
        let given_at = ymdhms(now);
        let until = ymdhms(now.saturating_add(Duration::hours(CONSENT_VALID_HOURS)));
        let viewing = |given: bool| {
            Some(if given {
                ViewingConsent {
                    flag: Some(ConsentFlag::Given),
                    consent_time: Some(given_at.clone()),
                    available_time: Some(until.clone()),
                }
            } else {
                // As in real files: a refusal carries the flag only.
                ViewingConsent {
                    flag: Some(ConsentFlag::NotGiven),
                    ..ViewingConsent::default()
                }
            })
        };
        record.viewing_consents = ViewingConsents {
            medications: viewing(self.medications),
            checkups: viewing(self.checkups),
            diagnoses: viewing(self.diagnoses),
            operations: viewing(self.operations),
        };
        set_limit_consent(&mut record, self.limit.then_some(given_at));
        record
    }
}

/// 限度額 and 特定疾病 consent on `record`: given at `given_at`, or refused (`None`), when
/// the national side leaves the certificates out.
fn set_limit_consent(record: &mut QualificationRecord, given_at: Option<String>) {
    let flag = if given_at.is_some() {
        ConsentFlag::Given
    } else {
        record.limit.certificate = None;
        record.specific_diseases.certificates.clear();
        ConsentFlag::NotGiven
    };
    record.limit.consent = Some(flag.clone());
    record.limit.consent_time = given_at.clone();
    record.specific_diseases.consent = Some(flag);
    record.specific_diseases.consent_time = given_at;
}

/// 処理中 (SegmentOfResult 2): the national side has not answered yet; no result.
pub fn in_progress(
    request: &QualificationRequest,
    institution_code: &str,
    now: PrimitiveDateTime,
) -> QualificationResponse {
    QualificationResponse {
        header: header(
            Some(request),
            institution_code,
            now,
            SegmentOfResult::InProgress,
            XmlEncoding::Utf8,
        ),
        search_info: Some(echo(request)),
        ..QualificationResponse::default()
    }
}

/// 異常終了 (SegmentOfResult 9) with an error code and message in the header.
pub fn failed(
    error_code: &str,
    message: &str,
    institution_code: &str,
    now: PrimitiveDateTime,
) -> QualificationResponse {
    let mut header = header(
        None,
        institution_code,
        now,
        SegmentOfResult::Failed,
        XmlEncoding::Utf8,
    );
    header.error_code = Some(error_code.to_string());
    header.error_message = Some(message.to_string());
    QualificationResponse {
        header,
        processing: ProcessingResult {
            status: Some(ProcessingResultStatus::Error),
            code: Some(error_code.to_string()),
            message: Some(message.to_string()),
        },
        ..QualificationResponse::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::date;
    use time::Time;

    fn now() -> PrimitiveDateTime {
        PrimitiveDateTime::new(date(2026, 11, 25), Time::from_hms(9, 15, 2).unwrap())
    }

    #[test]
    fn failure_carries_code_and_message_and_no_result() {
        let response = failed(REQUEST_UNREADABLE_CODE, "読めません", "1319999999", now());
        assert_eq!(
            response.header.segment_of_result,
            Some(SegmentOfResult::Failed)
        );
        assert_eq!(
            response.header.error_code.as_deref(),
            Some(REQUEST_UNREADABLE_CODE)
        );
        assert_eq!(
            response.header.process_execution_time.as_deref(),
            Some("20261125091502")
        );
        assert_eq!(
            response.header.qualification_confirmation_date.as_deref(),
            Some("20261125")
        );
        assert_eq!(
            response.processing.status,
            Some(ProcessingResultStatus::Error)
        );
        assert!(response.validity.is_none() && response.results.is_empty());
    }

    #[test]
    fn in_progress_echoes_the_request_and_falls_back_to_the_terminal_institution() {
        let request = QualificationRequest {
            confirmation_date: "20261124".into(),
            file_identifier: Some("abc".into()),
            ..QualificationRequest::default()
        };
        let response = in_progress(&request, "1310000001", now());
        assert_eq!(
            response.header.segment_of_result,
            Some(SegmentOfResult::InProgress)
        );
        assert_eq!(
            response.header.arbitrary_file_identifier.as_deref(),
            Some("abc")
        );
        assert_eq!(
            response.header.qualification_confirmation_date.as_deref(),
            Some("20261124")
        );
        assert_eq!(
            response.header.medical_institution_code.as_deref(),
            Some("1310000001")
        );
        assert!(response.results.is_empty());
    }
}
