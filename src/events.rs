//! The DOM event the host page listens to: `onshi:qualified`, fired on the mount
//! element once per shown answer, whichever way the patient was identified.

use onshi_core::api::{QualificationAnswer, QualificationQuery};
use onshi_core::card_session::VerificationMethod;
use serde::Serialize;
use wasm_bindgen::JsValue;
use web_sys::{CustomEvent, CustomEventInit, Element};

use crate::state::Origin;

/// Name of the event fired when an answer is shown.
pub const QUALIFIED_EVENT: &str = "onshi:qualified";

/// `event.detail` of [`QUALIFIED_EVENT`], in the gateway's JSON shapes; `source` says
/// which flow produced it. It never carries a PIN.
#[derive(Debug, Serialize)]
#[serde(tag = "source", rename_all = "snake_case")]
pub enum QualifiedDetail<'a> {
    /// `{ source: "insurance_card", query, answer }`
    InsuranceCard {
        query: &'a QualificationQuery,
        answer: &'a QualificationAnswer,
    },
    /// `{ source: "face", answer, received_at, verification: "face_recognition", event_id }`
    Face {
        answer: &'a QualificationAnswer,
        received_at: &'a str,
        verification: VerificationMethod,
        event_id: i64,
    },
    /// `{ source: "my_number_card", verification: "pin" | "visual_check", answer }`; opened
    /// from the queue (a `card_result`) it also has `received_at` and `event_id`, and
    /// `verification` is the method the gateway stored (`null` for a result stored before
    /// the gateway recorded it).
    MyNumberCard {
        verification: Option<VerificationMethod>,
        answer: &'a QualificationAnswer,
        #[serde(skip_serializing_if = "Option::is_none")]
        received_at: Option<&'a str>,
        #[serde(skip_serializing_if = "Option::is_none")]
        event_id: Option<i64>,
    },
}

impl<'a> QualifiedDetail<'a> {
    pub fn new(origin: &'a Origin, answer: &'a QualificationAnswer) -> Self {
        match origin {
            Origin::InsuranceCard(query) => Self::InsuranceCard { query, answer },
            Origin::Face {
                event_id,
                received_at,
            } => Self::Face {
                answer,
                received_at,
                verification: VerificationMethod::FaceRecognition,
                event_id: *event_id,
            },
            Origin::MyNumberCard { verification } => Self::MyNumberCard {
                verification: Some(*verification),
                answer,
                received_at: None,
                event_id: None,
            },
            Origin::QueuedCard {
                event_id,
                received_at,
                verification,
            } => Self::MyNumberCard {
                verification: *verification,
                answer,
                received_at: Some(received_at),
                event_id: Some(*event_id),
            },
        }
    }
}

/// Plain JS objects (not `Map`s), with `null` where the JSON has `null`, so host code
/// reads `detail.answer.results[0].person.name` as it would from the gateway.
///
/// Written as JSON text and read back with the browser's `JSON.parse`: the answer types
/// are then serialized by serde_json alone (its code is in the bundle for the answer's
/// signature digest anyway), not a second time for serde-wasm-bindgen.
pub fn detail_value(detail: &QualifiedDetail<'_>) -> Result<JsValue, JsValue> {
    let json = serde_json::to_string(detail).map_err(|e| JsValue::from(e.to_string()))?;
    js_sys::JSON::parse(&json)
}

/// Dispatches a bubbling, composed [`QUALIFIED_EVENT`] on `host`.
pub fn emit_qualified(
    host: &Element,
    origin: &Origin,
    answer: &QualificationAnswer,
) -> Result<(), JsValue> {
    let init = CustomEventInit::new();
    init.set_bubbles(true);
    init.set_composed(true);
    init.set_detail(&detail_value(&QualifiedDetail::new(origin, answer))?);
    let event = CustomEvent::new_with_event_init_dict(QUALIFIED_EVENT, &init)?;
    host.dispatch_event(&event)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use onshi_core::api::{QualificationStatus, QueryMethod, ReceptionEvent, ReceptionEventKind};

    use super::*;

    fn answer() -> QualificationAnswer {
        QualificationAnswer {
            status: QualificationStatus::Valid,
            validity_code: Some("1".into()),
            reference_classification: None,
            checked_at: None,
            advisory: None,
            results: vec![],
            token: None,
        }
    }

    #[test]
    fn each_source_has_its_shape() {
        let answer = answer();
        let query = QualificationQuery {
            method: QueryMethod::InsuranceCard,
            insurer_number: "01130012".into(),
            symbol: String::new(),
            number: "1".into(),
            branch: String::new(),
            birthdate: "1985-04-12".into(),
            override_check_digit: false,
            limit_consent: false,
        };
        let origin = Origin::InsuranceCard(query);
        let json = serde_json::to_value(QualifiedDetail::new(&origin, &answer)).unwrap();
        assert_eq!(json["source"], "insurance_card");
        assert_eq!(json["query"]["number"], "1");
        assert_eq!(json["answer"]["status"], "valid");

        let origin = Origin::Face {
            event_id: 3,
            received_at: "2026-11-25T09:05:00.000+09:00".into(),
        };
        let json = serde_json::to_value(QualifiedDetail::new(&origin, &answer)).unwrap();
        assert_eq!(json["source"], "face");
        assert_eq!(json["verification"], "face_recognition");
        assert_eq!(json["received_at"], "2026-11-25T09:05:00.000+09:00");
        assert_eq!(json["event_id"], 3);

        let origin = Origin::MyNumberCard {
            verification: VerificationMethod::VisualCheck,
        };
        let json = serde_json::to_value(QualifiedDetail::new(&origin, &answer)).unwrap();
        assert_eq!(json["source"], "my_number_card");
        assert_eq!(json["verification"], "visual_check");
        assert!(json.get("query").is_none());
        assert!(json.get("event_id").is_none(), "read at this desk");
        assert!(!json.to_string().contains("pin\":"), "no PIN field");
    }

    fn card_result(id: i64, verification: Option<VerificationMethod>) -> ReceptionEvent {
        ReceptionEvent {
            id,
            received_at: "2026-11-25T09:12:00.000+09:00".into(),
            kind: ReceptionEventKind::CardResult,
            source_file: "card-session/cs-1".into(),
            answer: Some(answer()),
            prescription_issue_select: None,
            error: None,
            verification,
        }
    }

    #[test]
    fn a_card_result_from_the_queue_reports_the_stored_method() {
        let event = card_result(14, Some(VerificationMethod::Pin));
        let origin = Origin::of_event(&event).unwrap();
        let answer = event.answer.as_ref().unwrap();
        let json = serde_json::to_value(QualifiedDetail::new(&origin, answer)).unwrap();
        assert_eq!(json["source"], "my_number_card");
        assert_eq!(json["verification"], "pin");
        assert_eq!(json["event_id"], 14);
        assert_eq!(json["received_at"], "2026-11-25T09:12:00.000+09:00");
        assert_eq!(json["answer"]["status"], "valid");

        let event = card_result(15, Some(VerificationMethod::VisualCheck));
        let origin = Origin::of_event(&event).unwrap();
        let json = serde_json::to_value(QualifiedDetail::new(&origin, answer)).unwrap();
        assert_eq!(json["verification"], "visual_check");

        // Stored before the gateway recorded the method: said so, not guessed.
        let event = card_result(16, None);
        let origin = Origin::of_event(&event).unwrap();
        let json = serde_json::to_value(QualifiedDetail::new(&origin, answer)).unwrap();
        assert_eq!(json["source"], "my_number_card");
        assert_eq!(json.get("verification"), Some(&serde_json::Value::Null));
        assert_eq!(json["event_id"], 16);

        // A face result stays `face`, whatever the event carries.
        let face = ReceptionEvent {
            kind: ReceptionEventKind::FaceResult,
            verification: Some(VerificationMethod::FaceRecognition),
            ..card_result(17, None)
        };
        let origin = Origin::of_event(&face).unwrap();
        let json = serde_json::to_value(QualifiedDetail::new(&origin, answer)).unwrap();
        assert_eq!(json["source"], "face");
        assert_eq!(json["verification"], "face_recognition");
    }
}
