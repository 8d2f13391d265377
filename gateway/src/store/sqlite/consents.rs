//! Consents in SQLite (see [`crate::store::consents`]).

use onshi_core::consent::ConsentRecord;
use rusqlite::{params, OptionalExtension, Row};

use super::Database;
use crate::store::consents::{from_name, name_of, NewConsent, Withdrawal};
use crate::store::StoreError;

/// `consents` joined with its withdrawal, in [`read`] order.
const SELECT: &str = "SELECT c.id, c.patient_ref, c.source, c.method, c.decisions, c.given_at, \
                      c.valid_until, c.receipt, w.withdrawn_at \
                      FROM consents c LEFT JOIN consent_withdrawals w ON w.consent_id = c.id";

fn now_ms() -> i64 {
    crate::audit::now_ms()
}

impl Database {
    pub fn record_consent(&mut self, consent: &NewConsent) -> Result<bool, StoreError> {
        let r = &consent.record;
        let changed = self.conn.execute(
            "INSERT INTO consents
                (id, patient_ref, source, method, decisions, given_at, valid_until, receipt,
                 desk, sub, stored_at_ms)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)
             ON CONFLICT (id) DO NOTHING",
            params![
                r.id,
                r.patient,
                name_of(&r.source)?,
                name_of(&r.method)?,
                serde_json::to_string(&r.decisions)?,
                r.given_at,
                r.valid_until,
                r.receipt,
                consent.desk,
                consent.sub,
                now_ms(),
            ],
        )?;
        Ok(changed == 1)
    }

    pub fn record_withdrawal(&mut self, withdrawal: &Withdrawal) -> Result<bool, StoreError> {
        let changed = self.conn.execute(
            "INSERT INTO consent_withdrawals (consent_id, withdrawn_at, sub, desk, stored_at_ms)
             VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT (consent_id) DO NOTHING",
            params![
                withdrawal.consent_id,
                withdrawal.withdrawn_at,
                withdrawal.sub,
                withdrawal.desk,
                now_ms(),
            ],
        )?;
        Ok(changed == 1)
    }

    pub fn consents_of(&self, patient_ref: &str) -> Result<Vec<ConsentRecord>, StoreError> {
        let mut statement = self.conn.prepare_cached(&format!(
            "{SELECT} WHERE c.patient_ref = ?1 ORDER BY c.given_at, c.id"
        ))?;
        let rows = statement.query_map(params![patient_ref], raw)?;
        rows.map(|row| read(row?)).collect()
    }

    pub fn consent(&self, id: &str) -> Result<Option<ConsentRecord>, StoreError> {
        let row = self
            .conn
            .query_row(&format!("{SELECT} WHERE c.id = ?1"), params![id], raw)
            .optional()?;
        row.map(read).transpose()
    }
}

type Raw = (
    String,
    String,
    String,
    String,
    String,
    i64,
    i64,
    Option<String>,
    Option<i64>,
);

fn raw(row: &Row<'_>) -> rusqlite::Result<Raw> {
    Ok((
        row.get(0)?,
        row.get(1)?,
        row.get(2)?,
        row.get(3)?,
        row.get(4)?,
        row.get(5)?,
        row.get(6)?,
        row.get(7)?,
        row.get(8)?,
    ))
}

fn read(
    (id, patient, source, method, decisions, given_at, valid_until, receipt, withdrawn_at): Raw,
) -> Result<ConsentRecord, StoreError> {
    Ok(ConsentRecord {
        id,
        patient,
        source: from_name(&source)?,
        method: from_name(&method)?,
        decisions: serde_json::from_str(&decisions)?,
        given_at,
        valid_until,
        withdrawn_at,
        receipt,
    })
}
