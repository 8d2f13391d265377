//! The reception queue table: face results and refused face files, in arrival order.

use onshi_core::api::{QualificationAnswer, ReceptionEvent, ReceptionEventKind};
use onshi_core::card_session::VerificationMethod;
use onshi_core::codes::PrescriptionIssueSelect;
use rusqlite::{params, OptionalExtension, Row, TransactionBehavior};

use super::{Store, StoreError};

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

/// Events in id order, and whether more follow the last one.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Page {
    pub events: Vec<ReceptionEvent>,
    pub more: bool,
}

const COLUMNS: &str =
    "id, received_at, kind, source_file, payload, prescription_issue_select, error, verification";

impl Store {
    /// Stores `event` and returns it with its id, and `true`; or, when the same file (same
    /// name and content) is already stored, the stored event and `false`.
    pub fn insert_event(&mut self, event: &NewEvent) -> Result<(ReceptionEvent, bool), StoreError> {
        let payload = event
            .answer
            .as_ref()
            .map(serde_json::to_string)
            .transpose()?;
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let existing = tx
            .query_row(
                &format!(
                    "SELECT {COLUMNS} FROM reception_events
                     WHERE source_file = ?1 AND content_sha256 = ?2"
                ),
                params![event.source_file, event.content_sha256],
                read_row,
            )
            .optional()?;
        if let Some(row) = existing {
            tx.commit()?;
            return Ok((row.into_event()?, false));
        }
        tx.execute(
            "INSERT INTO reception_events
                (received_at, kind, source_file, content_sha256, payload,
                 prescription_issue_select, error, verification)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![
                event.received_at,
                event.kind.as_str(),
                event.source_file,
                event.content_sha256,
                payload,
                event.prescription_issue_select.as_ref().map(|p| p.code()),
                event.error,
                event.verification.map(verification_name),
            ],
        )?;
        let id = tx.last_insert_rowid();
        tx.commit()?;
        let stored = ReceptionEvent {
            id,
            received_at: event.received_at.clone(),
            kind: event.kind,
            source_file: event.source_file.clone(),
            answer: event.answer.clone(),
            prescription_issue_select: event.prescription_issue_select.clone(),
            error: event.error.clone(),
            verification: event.verification,
        };
        Ok((stored, true))
    }

    /// Up to `limit` events with an id above `after`.
    pub fn events_after(&self, after: i64, limit: usize) -> Result<Page, StoreError> {
        self.page(
            &format!("SELECT {COLUMNS} FROM reception_events WHERE id > ?1 ORDER BY id LIMIT ?2"),
            rusqlite::types::Value::Integer(after),
            limit,
        )
    }

    /// Up to `limit` events received at or after `from` (same format as `received_at`).
    pub fn events_since(&self, from: &str, limit: usize) -> Result<Page, StoreError> {
        self.page(
            &format!(
                "SELECT {COLUMNS} FROM reception_events WHERE received_at >= ?1
                 ORDER BY id LIMIT ?2"
            ),
            rusqlite::types::Value::Text(from.to_string()),
            limit,
        )
    }

    fn page(
        &self,
        sql: &str,
        bound: rusqlite::types::Value,
        limit: usize,
    ) -> Result<Page, StoreError> {
        // One row more than asked tells whether the page is the last.
        let fetch = i64::try_from(limit.saturating_add(1)).unwrap_or(i64::MAX);
        let mut statement = self.conn.prepare_cached(sql)?;
        let rows = statement.query_map(params![bound, fetch], read_row)?;
        let mut events = Vec::new();
        for row in rows {
            events.push(row?.into_event()?);
        }
        let more = events.len() > limit;
        events.truncate(limit);
        Ok(Page { events, more })
    }
}

/// A row as stored, before its text columns are interpreted.
struct RawRow {
    id: i64,
    received_at: String,
    kind: String,
    source_file: String,
    payload: Option<String>,
    prescription_issue_select: Option<String>,
    error: Option<String>,
    verification: Option<String>,
}

fn read_row(row: &Row<'_>) -> rusqlite::Result<RawRow> {
    Ok(RawRow {
        id: row.get(0)?,
        received_at: row.get(1)?,
        kind: row.get(2)?,
        source_file: row.get(3)?,
        payload: row.get(4)?,
        prescription_issue_select: row.get(5)?,
        error: row.get(6)?,
        verification: row.get(7)?,
    })
}

impl RawRow {
    fn into_event(self) -> Result<ReceptionEvent, StoreError> {
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

/// The stored text of a method: its JSON (snake_case) name.
fn verification_name(method: VerificationMethod) -> &'static str {
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
    use onshi_core::api::QualificationStatus;

    fn answer() -> QualificationAnswer {
        QualificationAnswer {
            status: QualificationStatus::Valid,
            validity_code: Some("1".to_string()),
            reference_classification: None,
            checked_at: Some("20261125083011".to_string()),
            advisory: None,
            results: Vec::new(),
        }
    }

    fn event(name: &str, hash: &str, at: &str) -> NewEvent {
        NewEvent {
            received_at: at.to_string(),
            kind: ReceptionEventKind::FaceResult,
            source_file: name.to_string(),
            content_sha256: hash.to_string(),
            answer: Some(answer()),
            prescription_issue_select: Some(PrescriptionIssueSelect::Electronic),
            error: None,
            verification: Some(VerificationMethod::FaceRecognition),
        }
    }

    fn store() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open_in(dir.path()).unwrap();
        (dir, store)
    }

    #[test]
    fn events_round_trip_with_increasing_ids() {
        let (_dir, mut store) = store();
        let (a, new_a) = store
            .insert_event(&event("a.xml", "h1", "2026-11-25T08:00:00.000+09:00"))
            .unwrap();
        let (b, _) = store
            .insert_event(&event("b.xml", "h2", "2026-11-25T08:01:00.000+09:00"))
            .unwrap();
        assert!(new_a && b.id > a.id);
        let page = store.events_after(0, 10).unwrap();
        assert_eq!(page.events, vec![a.clone(), b.clone()]);
        assert!(!page.more);
        assert_eq!(page.events[0].answer, Some(answer()));
        assert_eq!(
            page.events[0].prescription_issue_select,
            Some(PrescriptionIssueSelect::Electronic)
        );
        assert_eq!(store.events_after(a.id, 10).unwrap().events, vec![b]);
    }

    #[test]
    fn the_same_file_is_stored_once_but_a_new_content_is_a_new_event() {
        let (_dir, mut store) = store();
        let at = "2026-11-25T08:00:00.000+09:00";
        let (first, _) = store.insert_event(&event("a.xml", "h1", at)).unwrap();
        let (again, new) = store.insert_event(&event("a.xml", "h1", at)).unwrap();
        assert!(!new);
        assert_eq!(again, first);
        let (other, new) = store.insert_event(&event("a.xml", "h2", at)).unwrap();
        assert!(new && other.id > first.id);
    }

    #[test]
    fn pages_say_when_more_follow() {
        let (_dir, mut store) = store();
        for n in 0..5 {
            store
                .insert_event(&event(
                    &format!("{n}.xml"),
                    "h",
                    "2026-11-25T08:00:00.000+09:00",
                ))
                .unwrap();
        }
        let first = store.events_after(0, 3).unwrap();
        assert_eq!(first.events.len(), 3);
        assert!(first.more);
        let rest = store.events_after(first.events[2].id, 3).unwrap();
        assert_eq!(rest.events.len(), 2);
        assert!(!rest.more);
    }

    #[test]
    fn since_selects_by_receipt_time() {
        let (_dir, mut store) = store();
        store
            .insert_event(&event("old.xml", "h", "2026-11-24T17:59:00.000+09:00"))
            .unwrap();
        let (today, _) = store
            .insert_event(&event("new.xml", "h", "2026-11-25T07:59:00.000+09:00"))
            .unwrap();
        let page = store
            .events_since("2026-11-25T00:00:00.000+09:00", 10)
            .unwrap();
        assert_eq!(page.events, vec![today]);
    }

    #[test]
    fn the_verification_method_is_stored_and_read_back() {
        let (_dir, mut store) = store();
        let at = "2026-11-25T08:00:00.000+09:00";
        for (n, method) in [
            VerificationMethod::Pin,
            VerificationMethod::FaceRecognition,
            VerificationMethod::VisualCheck,
        ]
        .into_iter()
        .enumerate()
        {
            let card = NewEvent {
                kind: ReceptionEventKind::CardResult,
                prescription_issue_select: None,
                verification: Some(method),
                ..event(&format!("card-session/{n}"), "h", at)
            };
            let (inserted, _) = store.insert_event(&card).unwrap();
            assert_eq!(inserted.verification, Some(method));
            let read = store.events_after(inserted.id - 1, 1).unwrap().events;
            assert_eq!(read, vec![inserted]);
            // The stored text is the JSON name, so SQL readers see the API's words.
            assert_eq!(
                serde_json::to_value(method).unwrap(),
                verification_name(method)
            );
        }
        assert_eq!(verification_from_name("retina"), None);
    }

    #[test]
    fn errors_carry_no_answer() {
        let (_dir, mut store) = store();
        let refused = NewEvent {
            kind: ReceptionEventKind::FaceError,
            answer: None,
            prescription_issue_select: None,
            error: Some("the file ends early".to_string()),
            verification: None,
            ..event("bad.xml", "h", "2026-11-25T08:00:00.000+09:00")
        };
        store.insert_event(&refused).unwrap();
        let stored = &store.events_after(0, 1).unwrap().events[0];
        assert_eq!(stored.kind, ReceptionEventKind::FaceError);
        assert!(stored.answer.is_none());
        assert_eq!(stored.error.as_deref(), Some("the file ends early"));
        assert_eq!(stored.verification, None);
    }
}
