//! The access log in SQLite (see [`crate::store::audit`]). An append is one `IMMEDIATE`
//! transaction: it takes the write lock before reading the chain's last hash, so no other
//! connection (a second gateway process, a tool) can append between the read and the
//! insert, and the chain cannot fork. Behaviour is tested for both backends in
//! `tests/store.rs` and `tests/audit.rs`.

use rusqlite::types::Value;
use rusqlite::{params, params_from_iter, OptionalExtension, Row, TransactionBehavior};

use super::Database;
use crate::store::audit::{
    link, parse_hash, validate_all, AuditSecret, ChainHead, ChainState, CheckpointMark, GENESIS,
};
use crate::store::events::fetch_for;
use crate::store::{
    Appended, AuditEntry, AuditFilter, AuditPage, AuditRecord, Checkpoint, StoreError,
};

/// The columns every read of `audit_log` selects, in [`read_record`] order.
const COLUMNS: &str = "seq, at_ms, sub, role, licence, facility, action, patient_ref, outcome, \
                       reason, request_id, desk, hash";

const CHECKPOINT_COLUMNS: &str = "seq, head_hash, count, at_ms, kid, public_jwk, jws";

impl Database {
    /// The store's key for patient references, made now if the store has none yet.
    pub fn audit_secret(&mut self) -> Result<AuditSecret, StoreError> {
        let fresh = AuditSecret::generate()?;
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        tx.execute(
            "INSERT INTO audit_secret (single_row, secret) VALUES (1, ?1)
             ON CONFLICT (single_row) DO NOTHING",
            params![fresh.as_bytes()],
        )?;
        let stored: Vec<u8> =
            tx.query_row("SELECT secret FROM audit_secret", [], |row| row.get(0))?;
        tx.commit()?;
        AuditSecret::from_bytes(&stored)
    }

    /// Appends `entries` to the chain in one transaction.
    pub fn append_audit(&mut self, entries: &[AuditEntry]) -> Result<Appended, StoreError> {
        if entries.is_empty() {
            return Err(StoreError::AuditEntry("nothing to append".to_string()));
        }
        validate_all(entries)?;
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let (last_seq, prev) = head(&tx)?;
        let first_seq = last_seq + 1;
        let hashes = link(prev, first_seq, entries);
        {
            let mut insert = tx.prepare_cached(
                "INSERT INTO audit_log
                    (seq, at_ms, sub, role, licence, facility, action, patient_ref, outcome,
                     reason, request_id, desk, hash)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
            )?;
            for ((e, hash), seq) in entries.iter().zip(&hashes).zip(first_seq..) {
                insert.execute(params![
                    seq,
                    e.at_ms,
                    e.sub,
                    e.role,
                    e.licence,
                    e.facility,
                    e.action,
                    e.patient_ref,
                    e.outcome,
                    e.reason,
                    e.request_id,
                    e.desk,
                    hash,
                ])?;
            }
        }
        let last_checkpoint = last_checkpoint(&tx)?;
        tx.commit()?;
        Ok(Appended {
            first_seq,
            last_seq: last_seq + i64::try_from(entries.len()).unwrap_or(i64::MAX),
            head_hash: hashes.last().cloned().unwrap_or_default(),
            last_checkpoint,
        })
    }

    /// Up to `limit` rows above `after_seq` matching `filter`. Only the conditions given
    /// are in the SQL, so SQLite can use the index that fits.
    pub fn audit_page(
        &self,
        filter: &AuditFilter,
        after_seq: i64,
        limit: usize,
    ) -> Result<AuditPage, StoreError> {
        let mut sql = format!("SELECT {COLUMNS} FROM audit_log WHERE seq > ?1");
        let mut bound = vec![Value::Integer(after_seq)];
        let mut condition = |sql_part: &str, value: Value| {
            bound.push(value);
            sql.push_str(&format!(" AND {sql_part} ?{}", bound.len()));
        };
        let (start, end) = filter.ms_range();
        if filter.from.is_some() {
            condition("at_ms >=", Value::Integer(start));
        }
        if filter.to.is_some() {
            condition("at_ms <", Value::Integer(end));
        }
        if let Some(sub) = &filter.sub {
            condition("sub =", Value::Text(sub.clone()));
        }
        if let Some(patient) = &filter.patient_ref {
            condition("patient_ref =", Value::Text(patient.clone()));
        }
        bound.push(Value::Integer(fetch_for(limit)));
        sql.push_str(&format!(" ORDER BY seq LIMIT ?{}", bound.len()));
        let mut records = self.read_records(&sql, bound)?;
        let more = records.len() > limit;
        records.truncate(limit);
        Ok(AuditPage { records, more })
    }

    /// Up to `limit` rows above `after_seq`, as stored.
    pub fn audit_records_after(
        &self,
        after_seq: i64,
        limit: usize,
    ) -> Result<Vec<AuditRecord>, StoreError> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        self.read_records(
            &format!("SELECT {COLUMNS} FROM audit_log WHERE seq > ?1 ORDER BY seq LIMIT ?2"),
            vec![Value::Integer(after_seq), Value::Integer(limit)],
        )
    }

    fn read_records(&self, sql: &str, bound: Vec<Value>) -> Result<Vec<AuditRecord>, StoreError> {
        let mut statement = self.conn.prepare_cached(sql)?;
        let rows = statement.query_map(params_from_iter(bound), read_record)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    pub fn audit_chain_state(&self) -> Result<ChainState, StoreError> {
        let head = self
            .conn
            .query_row(
                "SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1",
                [],
                |row| {
                    Ok(ChainHead {
                        seq: row.get(0)?,
                        hash: row.get(1)?,
                    })
                },
            )
            .optional()?;
        Ok(ChainState {
            head,
            last_checkpoint: last_checkpoint(&self.conn)?,
        })
    }

    pub fn add_audit_checkpoint(&mut self, checkpoint: &Checkpoint) -> Result<bool, StoreError> {
        let added = self.conn.execute(
            &format!(
                "INSERT INTO audit_checkpoints ({CHECKPOINT_COLUMNS})
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT (seq) DO NOTHING"
            ),
            params![
                checkpoint.seq,
                checkpoint.head_hash,
                checkpoint.count,
                checkpoint.at_ms,
                checkpoint.kid,
                checkpoint.public_jwk,
                checkpoint.jws,
            ],
        )?;
        Ok(added == 1)
    }

    pub fn audit_checkpoints(&self) -> Result<Vec<Checkpoint>, StoreError> {
        let mut statement = self.conn.prepare_cached(&format!(
            "SELECT {CHECKPOINT_COLUMNS} FROM audit_checkpoints ORDER BY seq"
        ))?;
        let rows = statement.query_map([], |row| {
            Ok(Checkpoint {
                seq: row.get(0)?,
                head_hash: row.get(1)?,
                count: row.get(2)?,
                at_ms: row.get(3)?,
                kid: row.get(4)?,
                public_jwk: row.get(5)?,
                jws: row.get(6)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}

/// The last row's seq and hash (0 and [`GENESIS`] for an empty log).
fn head(conn: &rusqlite::Connection) -> Result<(i64, [u8; 32]), StoreError> {
    let last: Option<(i64, String)> = conn
        .query_row(
            "SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1",
            [],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .optional()?;
    match last {
        None => Ok((0, GENESIS)),
        Some((seq, hash)) => {
            let hash = parse_hash(&hash).ok_or(StoreError::AuditHead { seq })?;
            Ok((seq, hash))
        }
    }
}

fn last_checkpoint(conn: &rusqlite::Connection) -> Result<Option<CheckpointMark>, StoreError> {
    Ok(conn
        .query_row(
            "SELECT seq, at_ms FROM audit_checkpoints ORDER BY seq DESC LIMIT 1",
            [],
            |row| {
                Ok(CheckpointMark {
                    seq: row.get(0)?,
                    at_ms: row.get(1)?,
                })
            },
        )
        .optional()?)
}

fn read_record(row: &Row<'_>) -> rusqlite::Result<AuditRecord> {
    Ok(AuditRecord {
        seq: row.get(0)?,
        entry: AuditEntry {
            at_ms: row.get(1)?,
            sub: row.get(2)?,
            role: row.get(3)?,
            licence: row.get(4)?,
            facility: row.get(5)?,
            action: row.get(6)?,
            patient_ref: row.get(7)?,
            outcome: row.get(8)?,
            reason: row.get(9)?,
            request_id: row.get(10)?,
            desk: row.get(11)?,
        },
        hash: row.get(12)?,
    })
}
