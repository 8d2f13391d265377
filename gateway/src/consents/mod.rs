//! 閲覧同意 on the gateway's side: the kiosk's consents (`POST|GET|DELETE /v1/consents`,
//! [`crate::routes::consents`]) and those the face-recognition reader reports in its
//! results ([`face`]), both stored through [`crate::store::ConsentLog`] in the one shape
//! of `onshi_core::consent`.
//!
//! A kiosk consent gets a random 128-bit id and a receipt: an ES256 compact JWS by the
//! desk's key ([`crate::keys::GatewayKey`], published at `GET /v1/keys`) with `typ`
//! [`RECEIPT_TYP`] over [`ReceiptClaims`], which the patient (or the EMR) can check with
//! `onshi_core::consent::verify_receipt`.

pub mod face;

use onshi_core::card_session::VerificationMethod;
use onshi_core::consent::{
    ConsentDecisions, ConsentRecord, ConsentSource, ReceiptClaims, RECEIPT_TYP, VALIDITY_SECS,
};

use crate::keys::GatewayKey;
use crate::store::audit::hex;

/// A fresh consent id: 128 random bits as 32 lower-case hex digits.
pub fn new_id() -> Result<String, getrandom::Error> {
    let mut bytes = [0u8; 16];
    getrandom::getrandom(&mut bytes)?;
    Ok(hex(&bytes))
}

/// A kiosk consent given `now` (Unix seconds) by the patient `patient` (the opaque
/// reference), identified by `method`, signed by `key` for `facility`.
pub fn kiosk_consent(
    id: String,
    patient: String,
    method: VerificationMethod,
    decisions: ConsentDecisions,
    now: i64,
    key: &GatewayKey,
    facility: &str,
) -> ConsentRecord {
    let mut record = ConsentRecord {
        id,
        patient,
        source: ConsentSource::Kiosk,
        method,
        decisions,
        given_at: now,
        valid_until: now.saturating_add(VALIDITY_SECS),
        withdrawn_at: None,
        receipt: None,
    };
    record.receipt = Some(receipt(&record, key, facility));
    record
}

/// The signed receipt of `record`.
pub fn receipt(record: &ConsentRecord, key: &GatewayKey, facility: &str) -> String {
    let claims = ReceiptClaims::for_record(record, facility);
    // Serialising a struct of strings, numbers and options cannot fail.
    let payload = serde_json::to_value(claims).unwrap_or_default();
    key.sign_compact(RECEIPT_TYP, &payload)
}

#[cfg(test)]
mod tests {
    use onshi_core::consent::verify_receipt;

    use super::*;

    #[test]
    fn a_kiosk_consent_carries_a_receipt_of_itself() {
        let key = GatewayKey::ephemeral();
        let id = new_id().unwrap();
        assert_eq!(id.len(), 32);
        assert_ne!(id, new_id().unwrap());
        let decisions = ConsentDecisions {
            medications: Some(true),
            ..ConsentDecisions::default()
        };
        let now = 1_800_000_000;
        let record = kiosk_consent(
            id.clone(),
            "0123456789abcdef0123456789abcdef".into(),
            VerificationMethod::Pin,
            decisions,
            now,
            &key,
            "1319999999",
        );
        assert_eq!(record.valid_until, now + VALIDITY_SECS);
        let claims =
            verify_receipt(record.receipt.as_deref().unwrap(), &key.key_set(), &id, now).unwrap();
        assert_eq!(claims, ReceiptClaims::for_record(&record, "1319999999"));
    }
}
