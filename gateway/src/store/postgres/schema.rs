//! Schema migrations for PostgreSQL, counted in the one-row table `schema_version`.
//!
//! Each step runs in its own transaction together with the version bump, so a crash leaves
//! the database at the previous version, never half-migrated (PostgreSQL's DDL is
//! transactional). Every desk's gateway migrates at start, possibly at the same moment
//! after a power cut: each step's transaction first takes [`MIGRATION_LOCK`], then reads
//! the version, so a second gateway waits and finds the step done instead of racing it.
//! Steps are only ever appended; an applied step is never edited. The numbering is this
//! backend's own (SQLite counts in `PRAGMA user_version`).

use deadpool_postgres::Object;

use crate::store::StoreError;

/// `pg_advisory_xact_lock` key serialising migrations ("onshi" + 1, as ASCII).
pub const MIGRATION_LOCK: i64 = 0x6f6e_7368_6901;

const MIGRATIONS: &[&str] = &[
    // 1: the reception queue, and the claims that make a file (name + content hash) go to
    // exactly one gateway. The claim is its own table so it can be taken before the event
    // ordering lock (see events.rs); reception_events keeps its own unique key as well.
    // received_at and payload are text as in SQLite, so both backends give back exactly
    // what was stored.
    "CREATE TABLE reception_events (
        id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        received_at TEXT NOT NULL,
        kind TEXT NOT NULL,
        source_file TEXT NOT NULL,
        content_sha256 TEXT NOT NULL,
        payload TEXT,
        prescription_issue_select TEXT,
        error TEXT,
        verification TEXT,
        UNIQUE (source_file, content_sha256)
    );
    CREATE INDEX reception_events_received_at ON reception_events (received_at);
    CREATE TABLE event_claims (
        source_file TEXT NOT NULL,
        content_sha256 TEXT NOT NULL,
        claimed_at TIMESTAMPTZ NOT NULL DEFAULT now(),
        PRIMARY KEY (source_file, content_sha256)
    );",
    // 2: the database's own identity, made once: desks on one terminal share compare it
    // (heartbeats) to tell whether they really share one store.
    "CREATE TABLE store_identity (
        single_row BOOLEAN PRIMARY KEY DEFAULT TRUE CHECK (single_row),
        id TEXT NOT NULL
    );
    INSERT INTO store_identity (id) VALUES (gen_random_uuid()::text);",
    // 3: the terminal's sessions and the queue for them, clinic-wide (admissions.rs).
    "CREATE TABLE terminal_admissions (
        ticket TEXT PRIMARY KEY,
        queued_seq BIGINT NOT NULL,
        admitted BOOLEAN NOT NULL,
        expires_at TIMESTAMPTZ NOT NULL
    );",
    // 4: the access log, its signed checkpoints and the key of its patient references
    // (store/audit.rs, audit.rs here). The triggers make the tables append-only for
    // everything short of disabling them (which the chain and the checkpoints then show).
    // The key's row is added when the store is opened (audit::secret), from the gateway's
    // operating system randomness.
    "CREATE TABLE audit_log (
        seq BIGINT PRIMARY KEY CHECK (seq > 0),
        at_ms BIGINT NOT NULL,
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
    );
    CREATE INDEX audit_log_at ON audit_log (at_ms);
    CREATE INDEX audit_log_sub ON audit_log (sub);
    CREATE INDEX audit_log_patient ON audit_log (patient_ref) WHERE patient_ref IS NOT NULL;
    CREATE TABLE audit_checkpoints (
        seq BIGINT PRIMARY KEY,
        head_hash TEXT NOT NULL,
        count BIGINT NOT NULL,
        at_ms BIGINT NOT NULL,
        kid TEXT NOT NULL,
        public_jwk TEXT NOT NULL,
        jws TEXT NOT NULL
    );
    CREATE TABLE audit_secret (
        single_row BOOLEAN PRIMARY KEY DEFAULT TRUE CHECK (single_row),
        secret BYTEA NOT NULL
    );
    CREATE FUNCTION onshi_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN RAISE EXCEPTION '% is append-only', TG_TABLE_NAME; END
    $$;
    CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
        FOR EACH ROW EXECUTE FUNCTION onshi_append_only();
    CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
        FOR EACH STATEMENT EXECUTE FUNCTION onshi_append_only();
    CREATE TRIGGER audit_checkpoints_append_only BEFORE UPDATE OR DELETE ON audit_checkpoints
        FOR EACH ROW EXECUTE FUNCTION onshi_append_only();
    CREATE TRIGGER audit_checkpoints_no_truncate BEFORE TRUNCATE ON audit_checkpoints
        FOR EACH STATEMENT EXECUTE FUNCTION onshi_append_only();
    CREATE TRIGGER audit_secret_append_only BEFORE UPDATE OR DELETE ON audit_secret
        FOR EACH ROW EXECUTE FUNCTION onshi_append_only();
    CREATE TRIGGER audit_secret_no_truncate BEFORE TRUNCATE ON audit_secret
        FOR EACH STATEMENT EXECUTE FUNCTION onshi_append_only();",
    // 5: consents and their withdrawals (store/consents.rs, consents.rs here),
    // append-only like the audit log: a withdrawal is a row of its own, never a change to
    // the consent. Times in Unix seconds; decisions as JSON text, as in SQLite.
    "CREATE TABLE consents (
        id TEXT PRIMARY KEY,
        patient_ref TEXT NOT NULL,
        source TEXT NOT NULL,
        method TEXT NOT NULL,
        decisions TEXT NOT NULL,
        given_at BIGINT NOT NULL,
        valid_until BIGINT NOT NULL,
        receipt TEXT,
        desk TEXT NOT NULL,
        sub TEXT,
        stored_at TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp()
    );
    CREATE INDEX consents_patient ON consents (patient_ref, given_at);
    CREATE TABLE consent_withdrawals (
        consent_id TEXT PRIMARY KEY REFERENCES consents (id),
        withdrawn_at BIGINT NOT NULL,
        sub TEXT NOT NULL,
        desk TEXT NOT NULL,
        stored_at TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp()
    );
    CREATE TRIGGER consents_append_only BEFORE UPDATE OR DELETE ON consents
        FOR EACH ROW EXECUTE FUNCTION onshi_append_only();
    CREATE TRIGGER consents_no_truncate BEFORE TRUNCATE ON consents
        FOR EACH STATEMENT EXECUTE FUNCTION onshi_append_only();
    CREATE TRIGGER consent_withdrawals_append_only BEFORE UPDATE OR DELETE
        ON consent_withdrawals FOR EACH ROW EXECUTE FUNCTION onshi_append_only();
    CREATE TRIGGER consent_withdrawals_no_truncate BEFORE TRUNCATE ON consent_withdrawals
        FOR EACH STATEMENT EXECUTE FUNCTION onshi_append_only();",
];

/// The version a fully migrated database is at.
pub const LATEST: i64 = MIGRATIONS.len() as i64;

const VERSION_TABLE: &str = "CREATE TABLE IF NOT EXISTS schema_version (
        single_row BOOLEAN PRIMARY KEY DEFAULT TRUE CHECK (single_row),
        version BIGINT NOT NULL
    );
    INSERT INTO schema_version (version) VALUES (0) ON CONFLICT DO NOTHING;";

pub async fn version(client: &tokio_postgres::Client) -> Result<i64, StoreError> {
    let row = client
        .query_opt("SELECT version FROM schema_version", &[])
        .await;
    match row {
        Ok(row) => Ok(row.map_or(0, |row| row.get(0))),
        // No table yet: nothing migrated.
        Err(err) if err.code() == Some(&tokio_postgres::error::SqlState::UNDEFINED_TABLE) => Ok(0),
        Err(err) => Err(err.into()),
    }
}

pub async fn migrate(client: &mut Object) -> Result<(), StoreError> {
    loop {
        let tx = client.transaction().await?;
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])
            .await?;
        tx.batch_execute(VERSION_TABLE).await?;
        let found: i64 = tx
            .query_one("SELECT version FROM schema_version", &[])
            .await?
            .get(0);
        if found > LATEST {
            return Err(StoreError::TooNew {
                found,
                known: LATEST,
            });
        }
        let Some(step) = usize::try_from(found).ok().and_then(|i| MIGRATIONS.get(i)) else {
            tx.commit().await?;
            return Ok(());
        };
        tx.batch_execute(step).await?;
        tx.execute("UPDATE schema_version SET version = $1", &[&(found + 1)])
            .await?;
        tx.commit().await?;
    }
}
