use serde_json::json;

use super::*;
use crate::jose::tests::{key_set, sign, test_key};

const NOW: i64 = 1_800_000_000;

fn record(id: &str, given_at: i64, decisions: ConsentDecisions) -> ConsentRecord {
    ConsentRecord {
        id: id.into(),
        patient: "p-ref".into(),
        source: ConsentSource::Kiosk,
        method: VerificationMethod::Pin,
        decisions,
        given_at,
        valid_until: given_at + VALIDITY_SECS,
        withdrawn_at: None,
        receipt: None,
    }
}

fn yes_to(categories: &[ConsentCategory]) -> ConsentDecisions {
    let mut decisions = ConsentDecisions::default();
    for c in categories {
        decisions.set(*c, Some(true));
    }
    decisions
}

#[test]
fn decisions_travel_as_plain_fields_and_unasked_ones_are_left_out() {
    let decisions = ConsentDecisions {
        medications: Some(true),
        checkups: Some(false),
        limit_certificate: Some(true),
        ..ConsentDecisions::default()
    };
    let json = serde_json::to_value(decisions).unwrap();
    assert_eq!(
        json,
        json!({"medications": true, "checkups": false, "limit_certificate": true})
    );
    assert_eq!(
        serde_json::from_value::<ConsentDecisions>(json).unwrap(),
        decisions
    );
    assert!(ConsentDecisions::default().is_empty());
    assert!(!decisions.is_empty());
    let only_sharing = ConsentDecisions {
        specific_disease: Some(false),
        ..ConsentDecisions::default()
    };
    assert!(!only_sharing.is_empty());
}

#[test]
fn the_facility_default_shows_medications_and_checkups_only() {
    let shown: Vec<_> = ConsentCategory::ALL
        .into_iter()
        .filter(|c| c.shown_by_default())
        .collect();
    assert_eq!(
        shown,
        [ConsentCategory::Medications, ConsentCategory::Checkups]
    );
}

#[test]
fn a_consent_is_valid_for_24_hours_and_then_expired() {
    let given = record("c1", NOW, yes_to(&[ConsentCategory::Medications]));
    let records = [given];
    let at = |t| state_of(&records, ConsentCategory::Medications, t);
    assert!(at(NOW).allows_viewing());
    assert!(at(NOW + VALIDITY_SECS - 1).allows_viewing());
    assert_eq!(
        at(NOW + VALIDITY_SECS),
        ConsentState::Expired {
            id: "c1".into(),
            at: NOW + VALIDITY_SECS
        }
    );
    // Before it was given, it does not count.
    assert_eq!(at(NOW - 1), ConsentState::None);
    // A category it did not ask about is not covered.
    assert_eq!(
        state_of(&records, ConsentCategory::Checkups, NOW),
        ConsentState::None
    );
}

#[test]
fn the_newest_answer_decides_and_a_withdrawal_ends_it() {
    let yes = record(
        "c1",
        NOW,
        yes_to(&[ConsentCategory::Medications, ConsentCategory::Checkups]),
    );
    let mut no = record("c2", NOW + 10, ConsentDecisions::default());
    no.decisions.medications = Some(false);
    let records = vec![yes.clone(), no];
    assert_eq!(
        state_of(&records, ConsentCategory::Medications, NOW + 20),
        ConsentState::Refused { id: "c2".into() }
    );
    // c2 did not ask about checkups: c1 still decides them.
    assert!(state_of(&records, ConsentCategory::Checkups, NOW + 20).allows_viewing());

    let mut withdrawn = yes;
    withdrawn.withdrawn_at = Some(NOW + 30);
    let records = [withdrawn];
    assert!(state_of(&records, ConsentCategory::Checkups, NOW + 29).allows_viewing());
    assert_eq!(
        state_of(&records, ConsentCategory::Checkups, NOW + 30),
        ConsentState::Withdrawn {
            id: "c1".into(),
            at: NOW + 30
        }
    );
}

#[test]
fn a_face_reader_consent_counts_like_a_kiosk_one() {
    let mut face = record("f1", NOW, yes_to(&[ConsentCategory::Checkups]));
    face.source = ConsentSource::FaceReader;
    face.method = VerificationMethod::FaceRecognition;
    assert_eq!(
        state_of(&[face], ConsentCategory::Checkups, NOW + 1),
        ConsentState::Valid {
            id: "f1".into(),
            source: ConsentSource::FaceReader,
            until: NOW + VALIDITY_SECS
        }
    );
}

fn receipt(claims: &ReceiptClaims, typ: &str, seed: u8) -> String {
    sign(
        &json!({"alg": "ES256", "kid": "gw", "typ": typ}),
        &serde_json::to_value(claims).unwrap(),
        &test_key(seed),
    )
}

#[test]
fn a_receipt_verifies_only_as_itself_unexpired_and_by_the_gateway_key() {
    let key = test_key(7);
    let keys = key_set("gw", &key);
    let given = record("c1", NOW, yes_to(&[ConsentCategory::Medications]));
    let claims = ReceiptClaims::for_record(&given, "1310000001");
    assert_eq!(claims.exp, NOW + VALIDITY_SECS);

    let token = receipt(&claims, RECEIPT_TYP, 7);
    assert_eq!(
        verify_receipt(&token, &keys, "c1", NOW + 5),
        Ok(claims.clone())
    );
    assert_eq!(
        verify_receipt(&token, &keys, "c2", NOW + 5),
        Err(ReceiptError::OtherConsent)
    );
    assert_eq!(
        verify_receipt(&token, &keys, "c1", NOW + VALIDITY_SECS),
        Err(ReceiptError::Expired)
    );
    assert_eq!(
        verify_receipt(&token, &keys, "c1", NOW - RECEIPT_LEEWAY_SECS - 1),
        Err(ReceiptError::NotYetValid)
    );
    // Another key (a forgery), another type (an answer token), a changed payload.
    assert!(matches!(
        verify_receipt(&receipt(&claims, RECEIPT_TYP, 8), &keys, "c1", NOW),
        Err(ReceiptError::Signature(_))
    ));
    assert_eq!(
        verify_receipt(&receipt(&claims, "onshi-answer+jwt", 7), &keys, "c1", NOW),
        Err(ReceiptError::Type)
    );
    let mut parts: Vec<String> = token.split('.').map(str::to_string).collect();
    let mut widened = claims.clone();
    widened.decisions.checkups = Some(true);
    parts[1] = crate::jose::encode(&serde_json::to_vec(&widened).unwrap());
    assert!(matches!(
        verify_receipt(&parts.join("."), &keys, "c1", NOW),
        Err(ReceiptError::Signature(_))
    ));
}

#[test]
fn a_consent_list_names_every_category_by_its_wire_name() {
    let list = ConsentOverview::at(
        vec![record("c1", NOW, yes_to(&[ConsentCategory::Medications]))],
        NOW + 1,
    );
    let value = serde_json::to_value(&list).unwrap();
    assert_eq!(value["states"]["medications"]["state"], "valid");
    assert_eq!(value["states"]["checkups"], json!({"state": "none"}));
    assert_eq!(value["states"].as_object().unwrap().len(), 4);
    let back: ConsentOverview = serde_json::from_value(value).unwrap();
    assert_eq!(back, list);
}
