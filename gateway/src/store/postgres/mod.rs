//! The PostgreSQL backend (`--store postgres://user@host:port/db`): one database for a
//! clinic with several reception desks, each PC running its own gateway against it.
//!
//! - **Connections:** a `deadpool-postgres` pool; each connection is checked with an empty
//!   query before use, so after a database restart broken connections are replaced instead
//!   of failing the next write. Connecting and waiting for a connection time out after
//!   [`CONNECT_TIMEOUT`]; TCP keepalives and a TCP user timeout notice a server that
//!   vanished from the network.
//! - **Durability:** every write transaction runs with `synchronous_commit = on` whatever
//!   the role's default; opening refuses a server with `fsync` or `full_page_writes` off.
//! - **Ordering and claims:** see [`events`]. **Push to every desk:** see [`listen`].
//! - **TLS:** not supported by this build (no TLS connector is linked); `sslmode=require`
//!   is refused at start rather than silently connecting in clear. Keep the database on
//!   the clinic's own network segment, or tunnel it (see the gateway README).

mod admissions;
mod audit;
mod consents;
mod events;
mod listen;
mod schema;

use std::str::FromStr;
use std::time::Duration;

use async_trait::async_trait;
use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod, Runtime};
use onshi_core::api::StoreBackend;
use tokio::task::JoinHandle;
use tokio_postgres::config::{Host, SslMode};
use tokio_postgres::error::SqlState;
use tokio_postgres::NoTls;
use tracing::info;

use super::audit::{AuditSecret, ChainState};
use super::consents::{ConsentLog, NewConsent, Withdrawal};
use super::{
    Admission, AdmissionTimes, Appended, AuditEntry, AuditFilter, AuditLog, AuditPage, AuditRecord,
    Checkpoint, NewEvent, Page, ReceptionEvents, Recorded, Signals, Store, StoreError,
    TerminalAdmissions,
};

pub use admissions::ADMISSION_LOCK;
pub use audit::AUDIT_CHAIN_LOCK;
pub use events::EVENT_ORDER_LOCK;
pub use listen::CHANNEL;
pub use schema::MIGRATION_LOCK;

/// Connections per gateway: a desk has a handful of screens and one face watcher.
const POOL_SIZE: usize = 8;
/// Connecting, waiting for a pooled connection, and checking one each give up after this.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// Unacknowledged data on the socket for this long means the server is gone.
const TCP_USER_TIMEOUT: Duration = Duration::from_secs(15);
const KEEPALIVE_IDLE: Duration = Duration::from_secs(30);

/// The PostgreSQL backend behind the async [`Store`] trait.
pub struct PostgresStore {
    pool: Pool,
    /// `postgres:` + the database's own random id (schema step 2), so desks agree on it
    /// however they address the server (host name, IP, port forwarding).
    identity: String,
    signals: std::sync::Arc<Signals>,
    /// The LISTEN connection's task; ends with the store.
    listener: JoinHandle<()>,
    /// The key of patient references in the audit log, loaded once.
    audit_secret: AuditSecret,
}

impl std::fmt::Debug for PostgresStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PostgresStore")
    }
}

impl Drop for PostgresStore {
    fn drop(&mut self) {
        self.listener.abort();
    }
}

impl PostgresStore {
    /// Connects, checks the server's durability settings, migrates the schema and starts
    /// listening for other desks' commits. Fails if the database cannot be reached: a
    /// gateway that cannot store must not start taking files in.
    pub async fn open(url: &str) -> Result<Self, StoreError> {
        let config = connection_config(url)?;
        let manager = Manager::from_config(
            config.clone(),
            NoTls,
            ManagerConfig {
                recycling_method: RecyclingMethod::Verified,
            },
        );
        let pool = Pool::builder(manager)
            .max_size(POOL_SIZE)
            .runtime(Runtime::Tokio1)
            .wait_timeout(Some(CONNECT_TIMEOUT))
            .create_timeout(Some(CONNECT_TIMEOUT))
            .recycle_timeout(Some(CONNECT_TIMEOUT))
            .build()
            .map_err(|err| StoreError::BadLocation(format!("cannot set up the pool: {err}")))?;
        let mut client = pool.get().await?;
        check_durability(&client).await?;
        schema::migrate(&mut client).await?;
        let identity: String = client
            .query_one("SELECT id FROM store_identity", &[])
            .await?
            .get(0);
        let audit_secret = audit::secret(&mut client).await?;
        drop(client);
        let signals = std::sync::Arc::new(Signals::new(StoreBackend::Postgres));
        let listener = listen::spawn(config, std::sync::Arc::clone(&signals));
        info!(database = %redacted(url), "store: PostgreSQL");
        Ok(Self {
            pool,
            identity: format!("postgres:{identity}"),
            signals,
            listener,
            audit_secret,
        })
    }

    /// Notes whether a call reached the database.
    fn observe<T>(&self, result: Result<T, StoreError>) -> Result<T, StoreError> {
        self.signals.observe(result)
    }
}

#[async_trait]
impl ReceptionEvents for PostgresStore {
    async fn insert_event(&self, event: NewEvent) -> Result<Recorded, StoreError> {
        let recorded = self.observe(events::insert(&self.pool, &event).await)?;
        if recorded.new {
            // Local feeds need not wait for the notification's round trip.
            self.signals.committed();
        }
        Ok(recorded)
    }

    async fn events_after(&self, after: i64, limit: usize) -> Result<Page, StoreError> {
        self.observe(events::after(&self.pool, after, limit).await)
    }

    async fn events_since(&self, from: String, limit: usize) -> Result<Page, StoreError> {
        self.observe(events::since(&self.pool, &from, limit).await)
    }
}

#[async_trait]
impl TerminalAdmissions for PostgresStore {
    async fn admit(
        &self,
        ticket: &str,
        limit: u32,
        times: AdmissionTimes,
    ) -> Result<Admission, StoreError> {
        let result = admissions::admit(&self.pool, ticket, limit, times).await;
        self.observe(result)
    }

    async fn release(&self, ticket: &str) -> Result<(), StoreError> {
        let result = admissions::release(&self.pool, ticket).await;
        self.observe(result)
    }
}

#[async_trait]
impl AuditLog for PostgresStore {
    fn patient_ref(&self, key_material: &str) -> String {
        self.audit_secret.patient_ref(key_material)
    }

    async fn append(&self, entries: Vec<AuditEntry>) -> Result<Appended, StoreError> {
        self.observe(audit::append(&self.pool, &entries).await)
    }

    async fn page(
        &self,
        filter: AuditFilter,
        after_seq: i64,
        limit: usize,
    ) -> Result<AuditPage, StoreError> {
        self.observe(audit::page(&self.pool, &filter, after_seq, limit).await)
    }

    async fn records_after(
        &self,
        after_seq: i64,
        limit: usize,
    ) -> Result<Vec<AuditRecord>, StoreError> {
        self.observe(audit::records_after(&self.pool, after_seq, limit).await)
    }

    async fn chain_state(&self) -> Result<ChainState, StoreError> {
        self.observe(audit::chain_state(&self.pool).await)
    }

    async fn add_checkpoint(&self, checkpoint: Checkpoint) -> Result<bool, StoreError> {
        self.observe(audit::add_checkpoint(&self.pool, &checkpoint).await)
    }

    async fn checkpoints(&self) -> Result<Vec<Checkpoint>, StoreError> {
        self.observe(audit::checkpoints(&self.pool).await)
    }
}

#[async_trait]
impl ConsentLog for PostgresStore {
    async fn record_consent(&self, consent: NewConsent) -> Result<bool, StoreError> {
        self.observe(consents::record(&self.pool, &consent).await)
    }

    async fn record_withdrawal(&self, withdrawal: Withdrawal) -> Result<bool, StoreError> {
        self.observe(consents::withdraw(&self.pool, &withdrawal).await)
    }

    async fn consents_of(
        &self,
        patient_ref: &str,
    ) -> Result<Vec<onshi_core::consent::ConsentRecord>, StoreError> {
        self.observe(consents::of_patient(&self.pool, patient_ref).await)
    }

    async fn consent(
        &self,
        id: &str,
    ) -> Result<Option<onshi_core::consent::ConsentRecord>, StoreError> {
        self.observe(consents::by_id(&self.pool, id).await)
    }
}

#[async_trait]
impl Store for PostgresStore {
    fn signals(&self) -> &Signals {
        &self.signals
    }

    fn identity(&self) -> &str {
        &self.identity
    }

    async fn probe(&self) -> bool {
        let answered = async {
            let client = self.pool.get().await?;
            client.simple_query("SELECT 1").await?;
            Ok::<_, StoreError>(())
        };
        answered.await.is_ok()
    }

    async fn schema_version(&self) -> Result<i64, StoreError> {
        let client = self.pool.get().await?;
        self.observe(schema::version(&client).await)
    }
}

/// Parses `url` and adds the gateway's connection defaults where the URL sets none.
pub fn connection_config(url: &str) -> Result<tokio_postgres::Config, StoreError> {
    let mut config = tokio_postgres::Config::from_str(url).map_err(|err| {
        StoreError::BadLocation(format!("--store is not a usable PostgreSQL URL: {err}"))
    })?;
    if config.get_ssl_mode() == SslMode::Require {
        return Err(StoreError::BadLocation(
            "--store asks for sslmode=require, but this gateway build has no TLS support; \
             see the gateway README (PostgreSQL on another machine)"
                .to_string(),
        ));
    }
    if config.get_connect_timeout().is_none() {
        config.connect_timeout(CONNECT_TIMEOUT);
    }
    if config.get_tcp_user_timeout().is_none() {
        config.tcp_user_timeout(TCP_USER_TIMEOUT);
    }
    if config.get_application_name().is_none() {
        config.application_name("onshi-gateway");
    }
    config.keepalives(true).keepalives_idle(KEEPALIVE_IDLE);
    Ok(config)
}

/// `url` without its password (and other parameters), for logs and `Debug`.
pub fn redacted(url: &str) -> String {
    let Ok(config) = tokio_postgres::Config::from_str(url) else {
        return "postgres://(unreadable URL)".to_string();
    };
    let hosts: Vec<String> = config
        .get_hosts()
        .iter()
        .enumerate()
        .map(|(i, host)| {
            let name = match host {
                Host::Tcp(name) => name.clone(),
                #[cfg(unix)]
                Host::Unix(path) => path.display().to_string(),
            };
            match config.get_ports().get(i).or(config.get_ports().first()) {
                Some(port) => format!("{name}:{port}"),
                None => name,
            }
        })
        .collect();
    format!(
        "postgres://{}@{}/{}",
        config.get_user().unwrap_or(""),
        hosts.join(","),
        config.get_dbname().unwrap_or("")
    )
}

/// Whether `err` means the database could not be reached (or went away), rather than that
/// it refused a statement.
pub fn is_connection_error(err: &tokio_postgres::Error) -> bool {
    if err.is_closed() {
        return true;
    }
    match err.code() {
        // Connection exceptions (class 08), shutdown and crash recovery (57P01-57P03),
        // out of resources (class 53).
        Some(code) => {
            let code = code.code();
            code.starts_with("08")
                || code.starts_with("53")
                || [
                    SqlState::ADMIN_SHUTDOWN.code(),
                    SqlState::CRASH_SHUTDOWN.code(),
                    SqlState::CANNOT_CONNECT_NOW.code(),
                ]
                .contains(&code)
        }
        // No SQLSTATE: the failure was below the protocol (socket, timeout).
        None => std::error::Error::source(err)
            .is_some_and(|source| source.downcast_ref::<std::io::Error>().is_some()),
    }
}

/// Refuses a server that could lose a committed transaction in a power cut. These two are
/// server-wide (postgresql.conf); `synchronous_commit` is set per transaction instead.
async fn check_durability(client: &tokio_postgres::Client) -> Result<(), StoreError> {
    for setting in ["fsync", "full_page_writes"] {
        let rows = client.simple_query(&format!("SHOW {setting}")).await?;
        let value = rows
            .iter()
            .find_map(|message| match message {
                tokio_postgres::SimpleQueryMessage::Row(row) => row.get(0).map(str::to_string),
                _ => None,
            })
            .unwrap_or_default();
        if value != "on" {
            return Err(StoreError::Unsafe { setting, value });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_get_timeouts_and_never_show_the_password() {
        let config = connection_config("postgres://onshi:pw@db.example:6543/clinic").unwrap();
        assert_eq!(config.get_connect_timeout(), Some(&CONNECT_TIMEOUT));
        assert_eq!(config.get_application_name(), Some("onshi-gateway"));
        assert!(config.get_keepalives());
        let explicit =
            connection_config("postgres://u@h/db?connect_timeout=2&application_name=desk1")
                .unwrap();
        assert_eq!(
            explicit.get_connect_timeout(),
            Some(&Duration::from_secs(2))
        );
        assert_eq!(explicit.get_application_name(), Some("desk1"));
        assert_eq!(
            redacted("postgres://onshi:pw@db.example:6543/clinic"),
            "postgres://onshi@db.example:6543/clinic"
        );
    }

    #[test]
    fn tls_cannot_be_required_of_a_build_without_it() {
        let err = connection_config("postgres://u@h/db?sslmode=require").unwrap_err();
        assert!(err.to_string().contains("no TLS support"), "{err}");
        assert!(connection_config("postgres://u@h/db?sslmode=disable").is_ok());
    }
}
