//! A refused face file in the queue (`face_error`): the gateway's reason, as a detail
//! line under the entry. By the gateway's contract the reason is a fixed text or the
//! reader/terminal's own error code and message, never the file's content, so it holds no
//! patient data and is shown as written; only the framing is translated.

use onshi_core::api::ReceptionEventKind;
use onshi_core::codes::Lang;

use crate::i18n;
use crate::queue::QueueEntry;

/// The detail line of a refused file, or `None` for other entries and for a refusal the
/// gateway gave no reason for (stored before it recorded one).
pub fn refusal_detail(entry: &QueueEntry, lang: Lang) -> Option<String> {
    let event = &entry.event;
    if event.kind != ReceptionEventKind::FaceError {
        return None;
    }
    let reason = event
        .error
        .as_deref()
        .map(str::trim)
        .filter(|r| !r.is_empty())?;
    Some(i18n::refusal_reason(lang, reason))
}

#[cfg(test)]
mod tests {
    use onshi_core::api::ReceptionEvent;

    use super::*;

    fn entry(kind: ReceptionEventKind, error: Option<&str>) -> QueueEntry {
        QueueEntry {
            event: ReceptionEvent {
                id: 4,
                received_at: "2026-11-25T10:02:00.000+09:00".into(),
                kind,
                source_file: "f.xml".into(),
                answer: None,
                prescription_issue_select: None,
                error: error.map(str::to_string),
                verification: None,
            },
            confirmed: false,
        }
    }

    #[test]
    fn a_refused_file_says_why_in_both_framings() {
        let reader = "the reader or terminal reported error EFR0042: カード読取エラー";
        let refused = entry(ReceptionEventKind::FaceError, Some(reader));
        assert_eq!(
            refusal_detail(&refused, Lang::Ja).as_deref(),
            Some("ゲートウェイが記録した理由：the reader or terminal reported error EFR0042: カード読取エラー")
        );
        assert_eq!(
            refusal_detail(&refused, Lang::En).as_deref(),
            Some("Reason recorded by the gateway: the reader or terminal reported error EFR0042: カード読取エラー")
        );
    }

    #[test]
    fn no_reason_no_line_and_results_have_none() {
        for error in [None, Some(""), Some("  ")] {
            let refused = entry(ReceptionEventKind::FaceError, error);
            assert_eq!(refusal_detail(&refused, Lang::Ja), None, "{error:?}");
        }
        for kind in [
            ReceptionEventKind::FaceResult,
            ReceptionEventKind::CardResult,
        ] {
            let result = entry(kind, Some("stray"));
            assert_eq!(refusal_detail(&result, Lang::En), None, "{kind:?}");
        }
    }
}
