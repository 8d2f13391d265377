//! What a terminal answer means, whether it came back to a request (`res/`) or arrived
//! unasked from the face-recognition reader (`face/`): one rule for both paths.
//!
//! Only SegmentOfResult 1 with a 資格有効性 is a final answer. 9, or a body status 2, is
//! the terminal's or the national side's error. Anything else says nothing about the
//! patient and must not be shown as if it did: an answer without validity is not "not
//! found".

use crate::codes::{ProcessingResultStatus, SegmentOfResult};
use crate::qualification::QualificationResponse;

/// The meaning of one answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// SegmentOfResult 1 with a QualificationValidity: show it.
    Final,
    /// SegmentOfResult 2 (処理中): ask again.
    InProgress,
    /// The terminal (header) or the national side (body) reported an error.
    Failed { code: String, message: String },
    /// Not a final answer, whatever it says; a fixed reason, safe to log and show.
    Unusable(&'static str),
}

/// Judges `answer` (see the module doc).
pub fn verdict(answer: &QualificationResponse) -> Verdict {
    let segment = answer.header.segment_of_result.as_ref();
    if segment == Some(&SegmentOfResult::InProgress) {
        return Verdict::InProgress;
    }
    let failed = segment == Some(&SegmentOfResult::Failed)
        || answer.processing.status.as_ref() == Some(&ProcessingResultStatus::Error);
    if failed {
        // The header carries the terminal's own errors, the body those of the national side.
        let code = answer
            .header
            .error_code
            .clone()
            .or_else(|| answer.processing.code.clone())
            .unwrap_or_else(|| "unknown".to_string());
        let message = answer
            .header
            .error_message
            .clone()
            .or_else(|| answer.processing.message.clone())
            .unwrap_or_else(|| "no message".to_string());
        return Verdict::Failed { code, message };
    }
    match segment {
        Some(SegmentOfResult::Completed) if answer.validity.is_some() => Verdict::Final,
        Some(SegmentOfResult::Completed) => Verdict::Unusable(
            "it says completed (SegmentOfResult 1) but carries no QualificationValidity",
        ),
        None => Verdict::Unusable("it has no SegmentOfResult"),
        Some(_) => Verdict::Unusable("its SegmentOfResult is not a known code"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codes::QualificationValidity;

    fn completed() -> QualificationResponse {
        let mut answer = QualificationResponse::default();
        answer.header.segment_of_result = Some(SegmentOfResult::Completed);
        answer.processing.status = Some(ProcessingResultStatus::Completed);
        answer.validity = Some(QualificationValidity::Valid);
        answer
    }

    #[test]
    fn only_a_completed_answer_with_validity_is_final() {
        assert_eq!(verdict(&completed()), Verdict::Final);
        let mut no_validity = completed();
        no_validity.validity = None;
        assert!(matches!(verdict(&no_validity), Verdict::Unusable(_)));
        let mut no_segment = completed();
        no_segment.header.segment_of_result = None;
        assert!(matches!(verdict(&no_segment), Verdict::Unusable(_)));
        let mut unknown = completed();
        unknown.header.segment_of_result = Some(SegmentOfResult::from_code("7"));
        assert!(matches!(verdict(&unknown), Verdict::Unusable(_)));
    }

    #[test]
    fn errors_win_over_missing_bodies_and_carry_the_code() {
        let mut failed = completed();
        failed.validity = None;
        failed.header.segment_of_result = Some(SegmentOfResult::Failed);
        failed.header.error_code = Some("EQ9999".into());
        assert_eq!(
            verdict(&failed),
            Verdict::Failed {
                code: "EQ9999".into(),
                message: "no message".into()
            }
        );
        let mut body_error = completed();
        body_error.validity = None;
        body_error.header.segment_of_result = None;
        body_error.processing.status = Some(ProcessingResultStatus::Error);
        body_error.processing.code = Some("BODY1".into());
        body_error.processing.message = Some("本文のエラー".into());
        assert_eq!(
            verdict(&body_error),
            Verdict::Failed {
                code: "BODY1".into(),
                message: "本文のエラー".into()
            }
        );
        let mut in_progress = completed();
        in_progress.header.segment_of_result = Some(SegmentOfResult::InProgress);
        assert_eq!(verdict(&in_progress), Verdict::InProgress);
    }
}
