//! Everything the gateway keeps goes through [`Store`], which has two backends:
//!
//! - [`sqlite`] (the default): `<data-dir>/onshi.sqlite3` on this PC, for a clinic with one
//!   reception desk;
//! - [`postgres`] (`--store postgres://…`): one database shared by several desks, each PC
//!   running its own gateway against it and against the same terminal share.
//!
//! Both keep the same promises, checked by one test suite run against each
//! (`tests/store.rs`): a committed event survives a power cut; event ids are committed in
//! increasing order, so a reader that remembers its last id never skips one; a file (name
//! plus content hash) is stored once, and exactly one caller is told it stored it.
//!
//! Each table has its own trait ([`ReceptionEvents`], [`TerminalAdmissions`], [`AuditLog`],
//! [`ConsentLog`]);
//! [`Store`] gathers them with what every backend has besides (health, commit signals,
//! schema version). A new table is a new trait here plus one file per backend.

pub mod admissions;
pub mod audit;
pub mod consents;
pub mod events;
pub mod postgres;
pub mod signals;
pub mod sqlite;

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use async_trait::async_trait;
use onshi_core::api::{StoreBackend, StoreHealth};
use thiserror::Error;
use tokio::sync::watch;

pub use admissions::{Admission, AdmissionTimes, TerminalAdmissions};
pub use audit::{
    Appended, AuditEntry, AuditFilter, AuditLog, AuditPage, AuditRecord, ChainHead, ChainState,
    Checkpoint, CheckpointMark,
};
pub use consents::{ConsentLog, NewConsent, Withdrawal};
pub use events::{NewEvent, Page, ReceptionEvents, Recorded};
pub use signals::{spawn_prober, Signals};

/// File name of the SQLite store inside the data folder.
pub const STORE_FILE: &str = "onshi.sqlite3";

/// The gateway's store, whichever backend. Shared as `Arc<dyn Store>`.
#[async_trait]
pub trait Store:
    ReceptionEvents + TerminalAdmissions + AuditLog + ConsentLog + Send + Sync + fmt::Debug
{
    /// Reachability and commit signals.
    fn signals(&self) -> &Signals;

    /// Asks the store now whether it answers (the prober calls this; [`Self::health`]
    /// answers from its last result).
    async fn probe(&self) -> bool;

    /// The schema version the store is at.
    async fn schema_version(&self) -> Result<i64, StoreError>;

    /// Which store this is, the same for every desk that shares it and different for any
    /// other (never a URL, path or password): desks on one terminal share compare it in
    /// their heartbeats ([`crate::desk::heartbeat`]) to find out whether they share one.
    fn identity(&self) -> &str;

    /// Backend and last known reachability; cheap.
    fn health(&self) -> StoreHealth {
        self.signals().health()
    }

    /// Changes whenever an event may have been committed, by this gateway or (PostgreSQL)
    /// by another desk's.
    fn commits(&self) -> watch::Receiver<u64> {
        self.signals().commits()
    }
}

/// Where the store is (`--store`).
#[derive(Clone, Default, PartialEq, Eq)]
pub enum StoreLocation {
    /// `<data-dir>/onshi.sqlite3`.
    #[default]
    Sqlite,
    /// A PostgreSQL connection URL (`postgres://user@host:port/db`); may hold a password,
    /// so it is never printed as given (see the `Debug` impl).
    Postgres(String),
}

impl StoreLocation {
    /// `--store VALUE`: a `postgres://` or `postgresql://` URL, or `sqlite` for the default.
    pub fn parse(value: &str) -> Result<Self, StoreError> {
        let value = value.trim();
        if value.eq_ignore_ascii_case("sqlite") {
            return Ok(Self::Sqlite);
        }
        if value.starts_with("postgres://") || value.starts_with("postgresql://") {
            // Checked now so a typo stops the gateway at start, not at the first write.
            postgres::connection_config(value)?;
            return Ok(Self::Postgres(value.to_string()));
        }
        Err(StoreError::BadLocation(
            "--store takes a PostgreSQL URL (postgres://user@host:port/database) or `sqlite` \
             (the default: <data-dir>/onshi.sqlite3)"
                .to_string(),
        ))
    }

    pub fn backend(&self) -> StoreBackend {
        match self {
            Self::Sqlite => StoreBackend::Sqlite,
            Self::Postgres(_) => StoreBackend::Postgres,
        }
    }
}

impl fmt::Debug for StoreLocation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Sqlite => f.write_str("Sqlite"),
            Self::Postgres(url) => write!(f, "Postgres({})", postgres::redacted(url)),
        }
    }
}

/// Opens the store at `location` (SQLite in `data_dir`), checks it and brings its schema
/// up to date.
pub async fn open(location: &StoreLocation, data_dir: &Path) -> Result<Arc<dyn Store>, StoreError> {
    Ok(match location {
        StoreLocation::Sqlite => Arc::new(sqlite::SqliteStore::open_in(data_dir).await?),
        StoreLocation::Postgres(url) => Arc::new(postgres::PostgresStore::open(url).await?),
    })
}

#[derive(Debug, Error)]
pub enum StoreError {
    #[error("cannot open the store {path}: {source}")]
    Open {
        path: PathBuf,
        #[source]
        source: rusqlite::Error,
    },
    #[error("the store {path} is damaged (quick_check: {report})")]
    Damaged { path: PathBuf, report: String },
    #[error(
        "the store is at schema version {found}, newer than this gateway knows ({known}); \
         run a newer gateway or restore a backup"
    )]
    TooNew { found: i64, known: i64 },
    #[error("store query failed: {0}")]
    Query(#[from] rusqlite::Error),
    #[error("PostgreSQL: {0}")]
    Postgres(#[from] tokio_postgres::Error),
    #[error("cannot get a PostgreSQL connection: {0}")]
    Pool(#[from] deadpool_postgres::PoolError),
    #[error("{0}")]
    BadLocation(String),
    #[error(
        "PostgreSQL runs with {setting} = {value}: a committed reception event could be lost \
         in a power cut; set {setting} = on in postgresql.conf"
    )]
    Unsafe {
        setting: &'static str,
        value: String,
    },
    #[error("a stored payload cannot be read or written as JSON: {0}")]
    Payload(#[from] serde_json::Error),
    #[error("event {id} has unknown kind {kind:?}")]
    UnknownKind { id: i64, kind: String },
    #[error("audit entry refused: {0}")]
    AuditEntry(String),
    #[error(
        "the audit log's last row (seq {seq}) has a damaged hash, so nothing can be chained \
         onto it; run `onshi-gateway audit verify`"
    )]
    AuditHead { seq: i64 },
    #[error("the store's worker is gone: {0}")]
    Worker(String),
}

impl StoreError {
    /// Whether the store could not be reached at all (as opposed to refusing a request):
    /// the desk then reports it unreachable until a probe succeeds.
    pub fn is_unavailable(&self) -> bool {
        match self {
            Self::Pool(_) => true,
            Self::Postgres(err) => postgres::is_connection_error(err),
            Self::Query(rusqlite::Error::SqliteFailure(err, _)) => matches!(
                err.code,
                rusqlite::ErrorCode::SystemIoFailure
                    | rusqlite::ErrorCode::DatabaseBusy
                    | rusqlite::ErrorCode::DatabaseLocked
                    | rusqlite::ErrorCode::DiskFull
                    | rusqlite::ErrorCode::CannotOpen
            ),
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn store_locations_are_a_postgres_url_or_sqlite() {
        assert_eq!(
            StoreLocation::parse("sqlite").unwrap(),
            StoreLocation::Sqlite
        );
        let url = "postgres://onshi:secret@db.clinic.example:5432/onshi";
        let location = StoreLocation::parse(url).unwrap();
        assert_eq!(location, StoreLocation::Postgres(url.to_string()));
        assert_eq!(location.backend(), StoreBackend::Postgres);
        let shown = format!("{location:?}");
        assert!(!shown.contains("secret"), "{shown}");
        assert!(shown.contains("db.clinic.example:5432/onshi"), "{shown}");
        for bad in ["/var/lib/onshi.sqlite3", "mysql://x@y/z", ""] {
            assert!(StoreLocation::parse(bad).is_err(), "{bad}");
        }
        assert!(StoreLocation::parse("postgres://u@h:notaport/db").is_err());
    }
}
