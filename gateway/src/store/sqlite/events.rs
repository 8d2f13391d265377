//! The reception queue table in SQLite. Behaviour is tested for both backends at once in
//! `tests/store.rs`.

use rusqlite::{params, OptionalExtension, Row, TransactionBehavior};

use super::Database;
use crate::store::events::{fetch_for, page_of, verification_name, RawRow, COLUMNS};
use crate::store::{NewEvent, Page, Recorded, StoreError};

impl Database {
    /// Stores `event` and returns it with its id; or, when the same file (same name and
    /// content) is already stored, the stored event, not new.
    pub fn insert_event(&mut self, event: &NewEvent) -> Result<Recorded, StoreError> {
        let payload = event.payload()?;
        // IMMEDIATE takes the write lock before the lookup, so a second process cannot
        // store the same file between the lookup and the insert.
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
            return Ok(Recorded {
                event: row.into_event()?,
                new: false,
            });
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
        Ok(Recorded {
            event: event.stored_as(id),
            new: true,
        })
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
        let mut statement = self.conn.prepare_cached(sql)?;
        let rows = statement.query_map(params![bound, fetch_for(limit)], read_row)?;
        let mut events = Vec::new();
        for row in rows {
            events.push(row?.into_event()?);
        }
        Ok(page_of(events, limit))
    }
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
