//! Terminal sessions in SQLite (see [`crate::store::admissions`]). Times are this PC's
//! clock in milliseconds: one PC, one clock.

use std::time::{SystemTime, UNIX_EPOCH};

use rusqlite::{params, OptionalExtension, TransactionBehavior};

use super::Database;
use crate::store::admissions::{Admission, AdmissionTimes};
use crate::store::StoreError;

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

fn ms(d: std::time::Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

impl Database {
    pub fn admit(
        &mut self,
        ticket: &str,
        limit: u32,
        times: AdmissionTimes,
    ) -> Result<Admission, StoreError> {
        let now = now_ms();
        // IMMEDIATE: the count and the grant are one step for every caller.
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        tx.execute(
            "DELETE FROM terminal_admissions WHERE expires_at < ?1",
            params![now],
        )?;
        let mine: Option<(i64, bool)> = tx
            .query_row(
                "SELECT queued_seq, admitted FROM terminal_admissions WHERE ticket = ?1",
                params![ticket],
                |row| Ok((row.get(0)?, row.get(1)?)),
            )
            .optional()?;
        let seq = match mine {
            Some((_, true)) => {
                tx.commit()?;
                return Ok(Admission::Admitted);
            }
            Some((seq, false)) => {
                tx.execute(
                    "UPDATE terminal_admissions SET expires_at = ?2 WHERE ticket = ?1",
                    params![ticket, now + ms(times.queue_hold)],
                )?;
                seq
            }
            None => tx.query_row(
                "INSERT INTO terminal_admissions (ticket, queued_seq, admitted, expires_at)
                 VALUES (?1, (SELECT COALESCE(MAX(queued_seq), 0) + 1 FROM terminal_admissions),
                         0, ?2)
                 RETURNING queued_seq",
                params![ticket, now + ms(times.queue_hold)],
                |row| row.get(0),
            )?,
        };
        let (running, ahead): (i64, i64) = tx.query_row(
            "SELECT COALESCE(SUM(admitted), 0),
                    COALESCE(SUM(CASE WHEN admitted = 0 AND queued_seq < ?1 THEN 1 ELSE 0 END), 0)
             FROM terminal_admissions",
            params![seq],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )?;
        let admission = if running < i64::from(limit) && ahead == 0 {
            tx.execute(
                "UPDATE terminal_admissions SET admitted = 1, expires_at = ?2 WHERE ticket = ?1",
                params![ticket, now + ms(times.hold)],
            )?;
            Admission::Admitted
        } else {
            Admission::Queued {
                ahead: u32::try_from(ahead).unwrap_or(u32::MAX),
            }
        };
        tx.commit()?;
        Ok(admission)
    }

    pub fn release(&mut self, ticket: &str) -> Result<(), StoreError> {
        self.conn.execute(
            "DELETE FROM terminal_admissions WHERE ticket = ?1",
            params![ticket],
        )?;
        Ok(())
    }
}
