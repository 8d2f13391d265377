//! The reception queue table as both backends see it: the rows going in and out, and how
//! a stored row becomes a [`ReceptionEvent`]. The SQL lives with each backend.

use async_trait::async_trait;
use onshi_core::api::{QualificationAnswer, ReceptionEvent, ReceptionEventKind};
use onshi_core::card_session::VerificationMethod;
use onshi_core::codes::PrescriptionIssueSelect;

use super::StoreError;

/// An event before it has an id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewEvent {
    /// RFC 3339, Japan time, fixed width (see [`crate::clock::rfc3339`]) so text order is
    /// time order.
    pub received_at: String,
    pub kind: ReceptionEventKind,
    pub source_file: String,
    /// Hex SHA-256 of the file's bytes: with the name, what makes a file "the same file".
    pub content_sha256: String,
    pub answer: Option<QualificationAnswer>,
    pub prescription_issue_select: Option<PrescriptionIssueSelect>,
    pub error: Option<String>,
    /// How the patient was identified; `None` for a refused file.
    pub verification: Option<VerificationMethod>,
}

impl NewEvent {
    /// The event as stored under `id`.
    pub fn stored_as(&self, id: i64) -> ReceptionEvent {
        ReceptionEvent {
            id,
            received_at: self.received_at.clone(),
            kind: self.kind,
            source_file: self.source_file.clone(),
            answer: self.answer.clone(),
            prescription_issue_select: self.prescription_issue_select.clone(),
            error: self.error.clone(),
            verification: self.verification,
        }
    }

    /// The answer as stored: JSON text, the same on both backends.
    pub(crate) fn payload(&self) -> Result<Option<String>, StoreError> {
        Ok(self
            .answer
            .as_ref()
            .map(serde_json::to_string)
            .transpose()?)
    }
}

/// What storing an event did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recorded {
    pub event: ReceptionEvent,
    /// `true` if this call stored it; `false` if the same file (name and content) was
    /// already stored, by this gateway before a restart or by another desk's gateway that
    /// claimed it first. Only the caller that stored it announces it.
    pub new: bool,
}

/// Events in id order, and whether more follow the last one.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Page {
    pub events: Vec<ReceptionEvent>,
    pub more: bool,
}

/// The reception queue: face results, refused face files and card results, in id order.
#[async_trait]
pub trait ReceptionEvents {
    /// Stores `event` with the next id, unless the same file (name and content hash) was
    /// already taken in: then the stored event comes back with `new: false`. Exactly one
    /// caller, clinic-wide, gets `new: true` for a file.
    async fn insert_event(&self, event: NewEvent) -> Result<Recorded, StoreError>;

    /// Up to `limit` events with an id above `after`. Ids are committed in increasing
    /// order, so a reader that remembers the last id it saw never skips an event.
    async fn events_after(&self, after: i64, limit: usize) -> Result<Page, StoreError>;

    /// Up to `limit` events received at or after `from` (same format as `received_at`).
    async fn events_since(&self, from: String, limit: usize) -> Result<Page, StoreError>;
}

/// The columns every read selects, in [`RawRow`] order.
pub(crate) const COLUMNS: &str =
    "id, received_at, kind, source_file, payload, prescription_issue_select, error, verification";

/// A row as stored, before its text columns are interpreted.
pub(crate) struct RawRow {
    pub id: i64,
    pub received_at: String,
    pub kind: String,
    pub source_file: String,
    pub payload: Option<String>,
    pub prescription_issue_select: Option<String>,
    pub error: Option<String>,
    pub verification: Option<String>,
}

impl RawRow {
    pub fn into_event(self) -> Result<ReceptionEvent, StoreError> {
        let kind = ReceptionEventKind::from_name(&self.kind).ok_or(StoreError::UnknownKind {
            id: self.id,
            kind: self.kind.clone(),
        })?;
        let answer = self
            .payload
            .as_deref()
            .map(serde_json::from_str::<QualificationAnswer>)
            .transpose()?;
        Ok(ReceptionEvent {
            id: self.id,
            received_at: self.received_at,
            kind,
            source_file: self.source_file,
            answer,
            prescription_issue_select: self
                .prescription_issue_select
                .as_deref()
                .map(PrescriptionIssueSelect::from_code),
            error: self.error,
            // A name this build does not know reads as "not recorded" rather than failing
            // the whole page.
            verification: self
                .verification
                .as_deref()
                .and_then(verification_from_name),
        })
    }
}

/// Splits `limit + 1` fetched rows into a page: the extra row only says that more follow.
pub(crate) fn page_of(mut events: Vec<ReceptionEvent>, limit: usize) -> Page {
    let more = events.len() > limit;
    events.truncate(limit);
    Page { events, more }
}

/// How many rows to fetch for a page of `limit`.
pub(crate) fn fetch_for(limit: usize) -> i64 {
    i64::try_from(limit.saturating_add(1)).unwrap_or(i64::MAX)
}

/// The stored text of a method: its JSON (snake_case) name.
pub(crate) fn verification_name(method: VerificationMethod) -> &'static str {
    match method {
        VerificationMethod::Pin => "pin",
        VerificationMethod::FaceRecognition => "face_recognition",
        VerificationMethod::VisualCheck => "visual_check",
    }
}

fn verification_from_name(name: &str) -> Option<VerificationMethod> {
    [
        VerificationMethod::Pin,
        VerificationMethod::FaceRecognition,
        VerificationMethod::VisualCheck,
    ]
    .into_iter()
    .find(|m| verification_name(*m) == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn methods_are_stored_under_their_json_names() {
        for method in [
            VerificationMethod::Pin,
            VerificationMethod::FaceRecognition,
            VerificationMethod::VisualCheck,
        ] {
            // SQL readers see the API's words.
            assert_eq!(
                serde_json::to_value(method).unwrap(),
                verification_name(method)
            );
            assert_eq!(
                verification_from_name(verification_name(method)),
                Some(method)
            );
        }
        assert_eq!(verification_from_name("retina"), None);
    }
}
