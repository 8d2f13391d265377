//! 閲覧同意 as the store keeps them (`onshi_core::consent`): every consent a patient gave at
//! this clinic's kiosk or at the face-recognition reader, and every withdrawal, each as a
//! row of its own. Both tables are append-only (triggers refuse UPDATE and DELETE, as for
//! the audit log): a withdrawal is a second row, never a change to the first, so what a
//! patient agreed to and when stays readable as it was.
//!
//! - `consents`: one row per consent; `decisions` is the JSON of
//!   [`ConsentDecisions`](onshi_core::consent::ConsentDecisions), times are Unix seconds,
//!   `receipt` the gateway's signed receipt (kiosk consents), `desk` the gateway that
//!   stored it and `sub` the kiosk user (none for the reader's).
//! - `consent_withdrawals`: at most one row per consent (its id is the key).
//!
//! A consent is committed durably before [`ConsentLog::record_consent`] answers (SQLite:
//! WAL with `synchronous=FULL`; PostgreSQL: `synchronous_commit = on`), so a receipt the
//! patient was shown is never lost in a crash.

use async_trait::async_trait;
use onshi_core::consent::ConsentRecord;

use super::StoreError;

/// A consent to store, with where it was stored from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewConsent {
    /// Its `withdrawn_at` is ignored: a withdrawal is recorded on its own.
    pub record: ConsentRecord,
    /// The desk id of the gateway storing it.
    pub desk: String,
    /// The kiosk user's `sub`; `None` for a consent the face-recognition reader reported.
    pub sub: Option<String>,
}

/// A withdrawal to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Withdrawal {
    pub consent_id: String,
    /// Unix seconds.
    pub withdrawn_at: i64,
    pub sub: String,
    pub desk: String,
}

#[async_trait]
pub trait ConsentLog {
    /// Stores `consent` durably. `false` if a consent with its id is already stored (a
    /// face result read again): nothing is stored twice, and the stored one is kept.
    async fn record_consent(&self, consent: NewConsent) -> Result<bool, StoreError>;

    /// Stores a withdrawal durably. `false` if the consent was already withdrawn (the first
    /// withdrawal stands, nothing is added); an error if no consent has that id.
    async fn record_withdrawal(&self, withdrawal: Withdrawal) -> Result<bool, StoreError>;

    /// Every consent of `patient_ref`, oldest first, with `withdrawn_at` filled in.
    async fn consents_of(&self, patient_ref: &str) -> Result<Vec<ConsentRecord>, StoreError>;

    /// One consent by id, with `withdrawn_at` filled in.
    async fn consent(&self, id: &str) -> Result<Option<ConsentRecord>, StoreError>;
}

/// A stored text column back to its enum (`source`, `method`), as serde names it.
pub(crate) fn from_name<T: serde::de::DeserializeOwned>(name: &str) -> Result<T, StoreError> {
    Ok(serde_json::from_value(serde_json::Value::String(
        name.to_string(),
    ))?)
}

/// An enum's serde name, for its text column.
pub(crate) fn name_of<T: serde::Serialize>(value: &T) -> Result<String, StoreError> {
    match serde_json::to_value(value)? {
        serde_json::Value::String(name) => Ok(name),
        other => Err(StoreError::Worker(format!("{other} has no name to store"))),
    }
}

#[cfg(test)]
mod tests {
    use onshi_core::card_session::VerificationMethod;
    use onshi_core::consent::ConsentSource;

    use super::*;

    #[test]
    fn enums_are_stored_by_their_wire_names() {
        assert_eq!(name_of(&ConsentSource::FaceReader).unwrap(), "face_reader");
        assert_eq!(
            name_of(&VerificationMethod::FaceRecognition).unwrap(),
            "face_recognition"
        );
        let back: VerificationMethod = from_name("visual_check").unwrap();
        assert_eq!(back, VerificationMethod::VisualCheck);
        assert!(from_name::<ConsentSource>("kiosk ").is_err());
    }
}
