//! Consents the face-recognition card reader reports: a face result's record carries, per
//! category, the consent flag, when it was given (`ConsTime`) and until when it allows
//! viewing (`AvailableTime`, `yyyyMMddHHmmss` in JST). When the face watcher has committed
//! such a result, one [`ConsentRecord`] (source `face_reader`, method
//! `face_recognition`) is stored for it, holding every category the reader reported as
//! given (and those it reported as refused, since the newest answer decides), with
//! `given_at`/`valid_until` from those times.
//!
//! The id is derived from the reception event's id, so reading the same file again (after
//! a crash, or at another desk sharing the store) stores nothing twice. Storing it never
//! stands in the way of the face result: a failure is logged and the result goes on.

use onshi_core::api::QualificationAnswer;
use onshi_core::card_session::VerificationMethod;
use onshi_core::codes::ConsentFlag;
use onshi_core::consent::{ConsentDecisions, ConsentRecord, ConsentSource};
use onshi_core::jst::parse_ymdhms;
use onshi_core::qualification::ViewingConsent;
use sha2::{Digest, Sha256};
use tracing::{debug, info, warn};

use crate::audit::access::answer_patient_key;
use crate::store::audit::hex;
use crate::store::{NewConsent, Store};

/// The consent id for reception event `event_id`: 128 bits of a hash, so it has the shape
/// of a kiosk consent's random id and says nothing about the event.
pub fn id_for_event(event_id: i64) -> String {
    let digest = Sha256::digest(format!("onshi-face-consent-v1|{event_id}").as_bytes());
    hex(&digest[..16])
}

/// The consent a face result reports for `patient`, if any category was given with both
/// times readable.
pub fn consent_of(
    event_id: i64,
    patient: String,
    answer: &QualificationAnswer,
) -> Option<ConsentRecord> {
    let record = answer.results.first()?;
    let viewing = &record.viewing_consents;
    let mut decisions = ConsentDecisions::default();
    // (given_at, valid_until) of the categories given; the earliest of each, so a
    // consent is never taken to run longer than the reader said.
    let mut times: Option<(i64, i64)> = None;
    for (category, consent) in [
        (
            onshi_core::consent::ConsentCategory::Medications,
            &viewing.medications,
        ),
        (
            onshi_core::consent::ConsentCategory::Checkups,
            &viewing.checkups,
        ),
        (
            onshi_core::consent::ConsentCategory::Diagnoses,
            &viewing.diagnoses,
        ),
        (
            onshi_core::consent::ConsentCategory::Operations,
            &viewing.operations,
        ),
    ] {
        let Some(ViewingConsent {
            flag: Some(flag),
            consent_time,
            available_time,
        }) = consent
        else {
            continue;
        };
        match flag {
            ConsentFlag::Given => {
                let given = consent_time.as_deref().and_then(parse_ymdhms);
                let until = available_time.as_deref().and_then(parse_ymdhms);
                let (Some(given), Some(until)) = (given, until) else {
                    debug!(
                        event_id,
                        "a given consent without readable times is left out"
                    );
                    continue;
                };
                decisions.set(category, Some(true));
                times = Some(match times {
                    None => (given, until),
                    Some((g, u)) => (g.min(given), u.min(until)),
                });
            }
            ConsentFlag::NotGiven => decisions.set(category, Some(false)),
            // Expired, hard to obtain (救急), codes this gateway does not know: not an
            // answer the patient gave here.
            _ => {}
        }
    }
    let (given_at, valid_until) = times?;
    let flag = |f: &Option<ConsentFlag>| match f {
        Some(ConsentFlag::Given) => Some(true),
        Some(ConsentFlag::NotGiven) => Some(false),
        _ => None,
    };
    decisions.limit_certificate = flag(&record.limit.consent);
    decisions.specific_disease = flag(&record.specific_diseases.consent);
    Some(ConsentRecord {
        id: id_for_event(event_id),
        patient,
        source: ConsentSource::FaceReader,
        method: VerificationMethod::FaceRecognition,
        decisions,
        given_at,
        valid_until,
        withdrawn_at: None,
        receipt: None,
    })
}

/// Stores the consent face result `event_id` reports, if any; logs and returns if it
/// cannot (the face result is delivered regardless).
pub async fn record_from_face_result(
    store: &dyn Store,
    desk: &str,
    event_id: i64,
    answer: &QualificationAnswer,
) {
    let Some(key) = answer_patient_key(answer) else {
        return;
    };
    let Some(record) = consent_of(event_id, store.patient_ref(&key), answer) else {
        return;
    };
    let consent = NewConsent {
        record,
        desk: desk.to_string(),
        sub: None,
    };
    match store.record_consent(consent).await {
        Ok(true) => info!(event_id, "face-reader consent stored"),
        Ok(false) => debug!(event_id, "face-reader consent already stored"),
        Err(err) => warn!(event_id, "cannot store a face-reader consent: {err}"),
    }
}

#[cfg(test)]
mod tests {
    use onshi_core::api::QualificationStatus;
    use onshi_core::qualification::{QualificationRecord, ViewingConsents};

    use super::*;

    fn answer(viewing: ViewingConsents) -> QualificationAnswer {
        let record = QualificationRecord {
            viewing_consents: viewing,
            ..QualificationRecord::default()
        };
        QualificationAnswer {
            status: QualificationStatus::Valid,
            validity_code: Some("1".into()),
            reference_classification: None,
            checked_at: None,
            advisory: None,
            results: vec![record],
            token: None,
        }
    }

    fn given(at: &str, until: &str) -> Option<ViewingConsent> {
        Some(ViewingConsent {
            flag: Some(ConsentFlag::Given),
            consent_time: Some(at.into()),
            available_time: Some(until.into()),
        })
    }

    #[test]
    fn given_categories_and_their_times_make_one_consent() {
        let a = answer(ViewingConsents {
            medications: given("20261125083011", "20261126083011"),
            checkups: given("20261125083011", "20261126083011"),
            diagnoses: Some(ViewingConsent {
                flag: Some(ConsentFlag::NotGiven),
                ..ViewingConsent::default()
            }),
            operations: None,
        });
        let consent = consent_of(7, "p".into(), &a).unwrap();
        assert_eq!(consent.id, id_for_event(7));
        assert_ne!(consent.id, id_for_event(8));
        assert_eq!(consent.decisions.medications, Some(true));
        assert_eq!(consent.decisions.checkups, Some(true));
        assert_eq!(consent.decisions.diagnoses, Some(false));
        assert_eq!(consent.decisions.operations, None);
        assert_eq!(consent.given_at, parse_ymdhms("20261125083011").unwrap());
        assert_eq!(consent.valid_until - consent.given_at, 24 * 3600);
        assert_eq!(consent.source, ConsentSource::FaceReader);
        assert_eq!(consent.method, VerificationMethod::FaceRecognition);
    }

    #[test]
    fn nothing_given_or_no_times_is_no_consent() {
        let refused = answer(ViewingConsents {
            medications: Some(ViewingConsent {
                flag: Some(ConsentFlag::NotGiven),
                ..ViewingConsent::default()
            }),
            ..ViewingConsents::default()
        });
        assert_eq!(consent_of(1, "p".into(), &refused), None);
        let untimed = answer(ViewingConsents {
            medications: given("2026112508", "20261126083011"),
            ..ViewingConsents::default()
        });
        assert_eq!(consent_of(1, "p".into(), &untimed), None);
    }
}
