//! Schema migrations, counted in `PRAGMA user_version`.
//!
//! Each step runs in its own transaction together with the version bump, so a crash
//! leaves the file at the previous version, never half-migrated. Steps are only ever
//! appended; an applied step is never edited.

use rusqlite::{Connection, TransactionBehavior};

use super::StoreError;

const MIGRATIONS: &[&str] = &[
    // 1: the reception queue. (source_file, content_sha256) is unique so that a file taken
    // in again after a crash between the commit and its removal from face/ is recognised
    // instead of queued twice.
    "CREATE TABLE reception_events (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        received_at TEXT NOT NULL,
        kind TEXT NOT NULL,
        source_file TEXT NOT NULL,
        content_sha256 TEXT NOT NULL,
        payload TEXT,
        prescription_issue_select TEXT,
        error TEXT,
        UNIQUE (source_file, content_sha256)
    );
    CREATE INDEX reception_events_received_at ON reception_events (received_at);",
    // 2: how the patient was identified (`VerificationMethod` in snake_case); NULL for
    // refused files and for rows stored before this step.
    "ALTER TABLE reception_events ADD COLUMN verification TEXT;",
    // 3: the terminal's sessions and the queue for them (store/admissions.rs); times in
    // Unix milliseconds.
    "CREATE TABLE terminal_admissions (
        ticket TEXT PRIMARY KEY,
        queued_seq INTEGER NOT NULL,
        admitted INTEGER NOT NULL,
        expires_at INTEGER NOT NULL
    );",
    // 4: the access log, its signed checkpoints and the key of its patient references
    // (store/audit.rs). STRICT, so a value of another type cannot be slipped into a column;
    // the triggers make the tables append-only for everything short of dropping them (which
    // the chain and the checkpoints then show). The key's row is added when the store is
    // opened (Database::audit_secret), from the operating system's randomness.
    "CREATE TABLE audit_log (
        seq INTEGER PRIMARY KEY,
        at_ms INTEGER NOT NULL,
        sub TEXT NOT NULL,
        role TEXT NOT NULL,
        licence TEXT,
        facility TEXT,
        action TEXT NOT NULL,
        patient_ref TEXT,
        outcome TEXT NOT NULL,
        reason TEXT,
        request_id TEXT NOT NULL,
        desk TEXT NOT NULL,
        hash TEXT NOT NULL
    ) STRICT;
    CREATE INDEX audit_log_at ON audit_log (at_ms);
    CREATE INDEX audit_log_sub ON audit_log (sub);
    CREATE INDEX audit_log_patient ON audit_log (patient_ref) WHERE patient_ref IS NOT NULL;
    CREATE TABLE audit_checkpoints (
        seq INTEGER PRIMARY KEY,
        head_hash TEXT NOT NULL,
        count INTEGER NOT NULL,
        at_ms INTEGER NOT NULL,
        kid TEXT NOT NULL,
        public_jwk TEXT NOT NULL,
        jws TEXT NOT NULL
    ) STRICT;
    CREATE TABLE audit_secret (
        single_row INTEGER PRIMARY KEY CHECK (single_row = 1),
        secret BLOB NOT NULL
    ) STRICT;
    CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
        BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
    CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
        BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
    CREATE TRIGGER audit_checkpoints_no_update BEFORE UPDATE ON audit_checkpoints
        BEGIN SELECT RAISE(ABORT, 'audit checkpoints are append-only'); END;
    CREATE TRIGGER audit_checkpoints_no_delete BEFORE DELETE ON audit_checkpoints
        BEGIN SELECT RAISE(ABORT, 'audit checkpoints are append-only'); END;
    CREATE TRIGGER audit_secret_no_update BEFORE UPDATE ON audit_secret
        BEGIN SELECT RAISE(ABORT, 'the audit key is never replaced'); END;
    CREATE TRIGGER audit_secret_no_delete BEFORE DELETE ON audit_secret
        BEGIN SELECT RAISE(ABORT, 'the audit key is never replaced'); END;",
    // 5: consents and their withdrawals (store/consents.rs), append-only like the audit
    // log: a withdrawal is a row of its own, never a change to the consent. Times in Unix
    // seconds; decisions as JSON text.
    "CREATE TABLE consents (
        id TEXT PRIMARY KEY,
        patient_ref TEXT NOT NULL,
        source TEXT NOT NULL,
        method TEXT NOT NULL,
        decisions TEXT NOT NULL,
        given_at INTEGER NOT NULL,
        valid_until INTEGER NOT NULL,
        receipt TEXT,
        desk TEXT NOT NULL,
        sub TEXT,
        stored_at_ms INTEGER NOT NULL
    ) STRICT;
    CREATE INDEX consents_patient ON consents (patient_ref, given_at);
    CREATE TABLE consent_withdrawals (
        consent_id TEXT PRIMARY KEY REFERENCES consents (id),
        withdrawn_at INTEGER NOT NULL,
        sub TEXT NOT NULL,
        desk TEXT NOT NULL,
        stored_at_ms INTEGER NOT NULL
    ) STRICT;
    CREATE TRIGGER consents_no_update BEFORE UPDATE ON consents
        BEGIN SELECT RAISE(ABORT, 'consents are append-only'); END;
    CREATE TRIGGER consents_no_delete BEFORE DELETE ON consents
        BEGIN SELECT RAISE(ABORT, 'consents are append-only'); END;
    CREATE TRIGGER consent_withdrawals_no_update BEFORE UPDATE ON consent_withdrawals
        BEGIN SELECT RAISE(ABORT, 'consent withdrawals are append-only'); END;
    CREATE TRIGGER consent_withdrawals_no_delete BEFORE DELETE ON consent_withdrawals
        BEGIN SELECT RAISE(ABORT, 'consent withdrawals are append-only'); END;",
];

/// The version a fully migrated store is at.
pub const LATEST: i64 = MIGRATIONS.len() as i64;

pub fn version(conn: &Connection) -> rusqlite::Result<i64> {
    conn.query_row("PRAGMA user_version", [], |row| row.get(0))
}

pub fn migrate(conn: &mut Connection) -> Result<(), StoreError> {
    let found = version(conn)?;
    if found > LATEST {
        return Err(StoreError::TooNew {
            found,
            known: LATEST,
        });
    }
    for (step, sql) in MIGRATIONS.iter().enumerate().skip(found.max(0) as usize) {
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", step as i64 + 1)?;
        tx.commit()?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrating_twice_is_harmless() {
        let mut conn = Connection::open_in_memory().unwrap();
        migrate(&mut conn).unwrap();
        migrate(&mut conn).unwrap();
        assert_eq!(version(&conn).unwrap(), LATEST);
    }

    #[test]
    fn a_newer_schema_is_refused() {
        let mut conn = Connection::open_in_memory().unwrap();
        conn.pragma_update(None, "user_version", LATEST + 1)
            .unwrap();
        assert!(matches!(
            migrate(&mut conn),
            Err(StoreError::TooNew { found, .. }) if found == LATEST + 1
        ));
    }
}
