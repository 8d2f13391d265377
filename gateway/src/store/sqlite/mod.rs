//! The SQLite backend (`<data-dir>/onshi.sqlite3`), the default for a single desk.
//!
//! Durability first (security.md §4): WAL with `synchronous=FULL`, so a committed reception
//! event survives a power cut, not only a crash of the gateway; `foreign_keys=ON`; a
//! `busy_timeout` so a second process (a backup, an inspector) does not make writes fail
//! at once; `PRAGMA quick_check` on opening, so a damaged file is found at start rather
//! than in the middle of a morning. The file must stay on a local disk: WAL does not work
//! on a network share, which is why several desks share PostgreSQL instead.
//!
//! [`Database`] is one synchronous connection; [`SqliteStore`] runs it on the blocking
//! pool (every commit waits for an fsync) behind the async [`Store`] trait. One
//! connection behind a mutex also serialises the writes, which is what makes ids commit
//! in increasing order here.

mod admissions;
mod audit;
mod consents;
mod events;
mod schema;

use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use onshi_core::api::StoreBackend;
use rusqlite::Connection;

use super::audit::{AuditSecret, ChainState};
use super::consents::{ConsentLog, NewConsent, Withdrawal};
use super::{
    Admission, AdmissionTimes, Appended, AuditEntry, AuditFilter, AuditLog, AuditPage, AuditRecord,
    Checkpoint, NewEvent, Page, ReceptionEvents, Recorded, Signals, Store, StoreError,
    TerminalAdmissions, STORE_FILE,
};

/// The store holds patients' names, birthdates and card numbers: the file is made
/// owner-only (0600) before SQLite first opens it, and SQLite gives the `-wal` and `-shm`
/// files it creates the database file's mode. Those of an older, wider store are
/// tightened too.
fn private_files(path: &Path) -> std::io::Result<()> {
    crate::data_dir::ensure_private_file(path)?;
    for suffix in ["-wal", "-shm"] {
        let mut side = path.as_os_str().to_owned();
        side.push(suffix);
        match crate::data_dir::restrict_file(Path::new(&side)) {
            Ok(_) => {}
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => {}
            Err(err) => return Err(err),
        }
    }
    Ok(())
}

/// How long a write waits for another connection's lock before failing.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// One open connection to the SQLite file.
#[derive(Debug)]
pub struct Database {
    conn: Connection,
}

impl Database {
    /// Opens (creating if needed) the store in `data_dir`, checks it and brings its schema
    /// up to date.
    pub fn open_in(data_dir: &Path) -> Result<Self, StoreError> {
        Self::open(&data_dir.join(STORE_FILE))
    }

    pub fn open(path: &Path) -> Result<Self, StoreError> {
        let open_err = |source| StoreError::Open {
            path: path.to_path_buf(),
            source,
        };
        private_files(path).map_err(|err| {
            StoreError::BadLocation(format!(
                "cannot make the store {} owner-only: {err}",
                path.display()
            ))
        })?;
        let conn = Connection::open(path).map_err(open_err)?;
        conn.busy_timeout(BUSY_TIMEOUT).map_err(open_err)?;
        // journal_mode answers with the mode in force; anything but "wal" means the
        // durability promised above does not hold, so refuse rather than run degraded.
        let mode: String = conn
            .query_row("PRAGMA journal_mode=WAL", [], |row| row.get(0))
            .map_err(open_err)?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(StoreError::Damaged {
                path: path.to_path_buf(),
                report: format!("journal_mode is {mode}, WAL is required"),
            });
        }
        conn.execute_batch("PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;")
            .map_err(open_err)?;
        let report: String = conn
            .query_row("PRAGMA quick_check", [], |row| row.get(0))
            .map_err(open_err)?;
        if report != "ok" {
            return Err(StoreError::Damaged {
                path: path.to_path_buf(),
                report,
            });
        }
        let mut store = Self { conn };
        schema::migrate(&mut store.conn)?;
        Ok(store)
    }

    /// The schema version the file is at (`PRAGMA user_version`).
    pub fn schema_version(&self) -> Result<i64, StoreError> {
        Ok(schema::version(&self.conn)?)
    }
}

/// The SQLite backend behind the async [`Store`] trait.
#[derive(Debug)]
pub struct SqliteStore {
    db: Arc<Mutex<Database>>,
    signals: Signals,
    /// Random per opening: a SQLite file lives on one PC's disk, so no other desk can ever
    /// share it, and any two desks' identities must differ.
    identity: String,
    /// The key of patient references in the audit log, loaded once.
    audit_secret: AuditSecret,
}

impl SqliteStore {
    /// Opens (creating if needed) `<data_dir>/onshi.sqlite3` on the blocking pool: opening
    /// checks the whole file.
    pub async fn open_in(data_dir: &Path) -> Result<Self, StoreError> {
        let dir = data_dir.to_path_buf();
        let (db, audit_secret) = tokio::task::spawn_blocking(move || {
            let mut db = Database::open_in(&dir)?;
            let secret = db.audit_secret()?;
            Ok::<_, StoreError>((db, secret))
        })
        .await
        .map_err(|err| StoreError::Worker(err.to_string()))??;
        let mut random = [0u8; 8];
        getrandom::getrandom(&mut random).map_err(|err| StoreError::Worker(err.to_string()))?;
        let identity = random.iter().fold(String::from("sqlite:"), |mut id, b| {
            id.push_str(&format!("{b:02x}"));
            id
        });
        Ok(Self {
            db: Arc::new(Mutex::new(db)),
            signals: Signals::new(StoreBackend::Sqlite),
            identity,
            audit_secret,
        })
    }

    /// Runs `job` on the blocking pool (SQLite calls block: fsync on every commit) and
    /// notes whether the file answered.
    async fn with_db<T: Send + 'static>(
        &self,
        job: impl FnOnce(&mut Database) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        let db = Arc::clone(&self.db);
        let result = tokio::task::spawn_blocking(move || {
            let mut guard = db
                .lock()
                .map_err(|_| StoreError::Worker("a store call panicked earlier".to_string()))?;
            job(&mut guard)
        })
        .await
        .map_err(|err| StoreError::Worker(err.to_string()))?;
        self.signals.observe(result)
    }
}

#[async_trait]
impl ReceptionEvents for SqliteStore {
    async fn insert_event(&self, event: NewEvent) -> Result<Recorded, StoreError> {
        let recorded = self.with_db(move |db| db.insert_event(&event)).await?;
        if recorded.new {
            self.signals.committed();
        }
        Ok(recorded)
    }

    async fn events_after(&self, after: i64, limit: usize) -> Result<Page, StoreError> {
        self.with_db(move |db| db.events_after(after, limit)).await
    }

    async fn events_since(&self, from: String, limit: usize) -> Result<Page, StoreError> {
        self.with_db(move |db| db.events_since(&from, limit)).await
    }
}

#[async_trait]
impl TerminalAdmissions for SqliteStore {
    async fn admit(
        &self,
        ticket: &str,
        limit: u32,
        times: AdmissionTimes,
    ) -> Result<Admission, StoreError> {
        let ticket = ticket.to_string();
        self.with_db(move |db| db.admit(&ticket, limit, times))
            .await
    }

    async fn release(&self, ticket: &str) -> Result<(), StoreError> {
        let ticket = ticket.to_string();
        self.with_db(move |db| db.release(&ticket)).await
    }
}

#[async_trait]
impl AuditLog for SqliteStore {
    fn patient_ref(&self, key_material: &str) -> String {
        self.audit_secret.patient_ref(key_material)
    }

    async fn append(&self, entries: Vec<AuditEntry>) -> Result<Appended, StoreError> {
        self.with_db(move |db| db.append_audit(&entries)).await
    }

    async fn page(
        &self,
        filter: AuditFilter,
        after_seq: i64,
        limit: usize,
    ) -> Result<AuditPage, StoreError> {
        self.with_db(move |db| db.audit_page(&filter, after_seq, limit))
            .await
    }

    async fn records_after(
        &self,
        after_seq: i64,
        limit: usize,
    ) -> Result<Vec<AuditRecord>, StoreError> {
        self.with_db(move |db| db.audit_records_after(after_seq, limit))
            .await
    }

    async fn chain_state(&self) -> Result<ChainState, StoreError> {
        self.with_db(|db| db.audit_chain_state()).await
    }

    async fn add_checkpoint(&self, checkpoint: Checkpoint) -> Result<bool, StoreError> {
        self.with_db(move |db| db.add_audit_checkpoint(&checkpoint))
            .await
    }

    async fn checkpoints(&self) -> Result<Vec<Checkpoint>, StoreError> {
        self.with_db(|db| db.audit_checkpoints()).await
    }
}

#[async_trait]
impl ConsentLog for SqliteStore {
    async fn record_consent(&self, consent: NewConsent) -> Result<bool, StoreError> {
        self.with_db(move |db| db.record_consent(&consent)).await
    }

    async fn record_withdrawal(&self, withdrawal: Withdrawal) -> Result<bool, StoreError> {
        self.with_db(move |db| db.record_withdrawal(&withdrawal))
            .await
    }

    async fn consents_of(
        &self,
        patient_ref: &str,
    ) -> Result<Vec<onshi_core::consent::ConsentRecord>, StoreError> {
        let patient_ref = patient_ref.to_string();
        self.with_db(move |db| db.consents_of(&patient_ref)).await
    }

    async fn consent(
        &self,
        id: &str,
    ) -> Result<Option<onshi_core::consent::ConsentRecord>, StoreError> {
        let id = id.to_string();
        self.with_db(move |db| db.consent(&id)).await
    }
}

#[async_trait]
impl Store for SqliteStore {
    fn signals(&self) -> &Signals {
        &self.signals
    }

    fn identity(&self) -> &str {
        &self.identity
    }

    async fn probe(&self) -> bool {
        self.with_db(|db| Ok(db.conn.query_row("SELECT 1", [], |_| Ok(()))?))
            .await
            .is_ok()
    }

    async fn schema_version(&self) -> Result<i64, StoreError> {
        self.with_db(|db| db.schema_version()).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn opening_sets_the_durability_pragmas() {
        let dir = tempfile::tempdir().unwrap();
        let store = Database::open_in(dir.path()).unwrap();
        let pragma = |name: &str| -> String {
            store
                .conn
                .query_row(&format!("PRAGMA {name}"), [], |row| {
                    row.get::<_, rusqlite::types::Value>(0)
                })
                .map(|v| match v {
                    rusqlite::types::Value::Integer(i) => i.to_string(),
                    rusqlite::types::Value::Text(t) => t,
                    other => format!("{other:?}"),
                })
                .unwrap()
        };
        assert_eq!(pragma("journal_mode"), "wal");
        // FULL is 2.
        assert_eq!(pragma("synchronous"), "2");
        assert_eq!(pragma("foreign_keys"), "1");
        assert_eq!(pragma("busy_timeout"), "5000");
        assert_eq!(store.schema_version().unwrap(), schema::LATEST);
        assert!(dir.path().join(STORE_FILE).is_file());
    }

    #[test]
    fn a_version_1_store_migrates_in_place_and_keeps_its_rows() {
        use onshi_core::api::ReceptionEventKind;
        use onshi_core::card_session::VerificationMethod;

        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(STORE_FILE);
        {
            // The store as the first release wrote it: schema step 1 only.
            let conn = Connection::open(&path).unwrap();
            conn.execute_batch(
                "PRAGMA journal_mode=WAL;
                 CREATE TABLE reception_events (
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
                 CREATE INDEX reception_events_received_at ON reception_events (received_at);
                 INSERT INTO reception_events
                    (received_at, kind, source_file, content_sha256, payload, error)
                 VALUES
                    ('2026-11-24T09:00:00.000+09:00', 'card_result', 'card-session/old', 'h1',
                     '{\"status\":\"valid\",\"validity_code\":\"1\",
                       \"reference_classification\":null,\"checked_at\":null,\"results\":[]}',
                     NULL),
                    ('2026-11-24T09:01:00.000+09:00', 'face_error', 'bad.xml', 'h2', NULL,
                     'the file ends early');
                 PRAGMA user_version = 1;",
            )
            .unwrap();
        }

        let mut store = Database::open(&path).unwrap();
        assert_eq!(store.schema_version().unwrap(), schema::LATEST);
        let old = store.events_after(0, 10).unwrap().events;
        assert_eq!(old.len(), 2);
        assert_eq!(old[0].kind, ReceptionEventKind::CardResult);
        assert_eq!(old[0].source_file, "card-session/old");
        assert!(old[0].answer.is_some());
        assert_eq!(old[0].verification, None, "not recorded before step 2");
        assert_eq!(old[1].error.as_deref(), Some("the file ends early"));
        assert_eq!(old[1].verification, None);

        let new = store
            .insert_event(&NewEvent {
                received_at: "2026-11-25T09:00:00.000+09:00".into(),
                kind: ReceptionEventKind::CardResult,
                source_file: "card-session/new".into(),
                content_sha256: "h3".into(),
                answer: old[0].answer.clone(),
                prescription_issue_select: None,
                error: None,
                verification: Some(VerificationMethod::VisualCheck),
            })
            .unwrap()
            .event;
        assert!(new.id > old[1].id);
        drop(store);
        // Reopening a migrated file changes nothing.
        let store = Database::open(&path).unwrap();
        let all = store.events_after(0, 10).unwrap().events;
        assert_eq!(all[..2], old[..]);
        assert_eq!(all[2].verification, Some(VerificationMethod::VisualCheck));
    }

    #[test]
    fn a_file_that_is_not_a_database_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join(STORE_FILE),
            b"this is not sqlite at all, not at all",
        )
        .unwrap();
        assert!(Database::open_in(dir.path()).is_err());
    }
}
