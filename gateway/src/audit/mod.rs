//! The access log as the rest of the gateway uses it (issue 7; security.md §1 シス 17 and
//! §4): [`Auditor::record`] appends one entry to the store's hash-chained log
//! ([`crate::store::audit`]) and, every [`CheckpointPolicy::every_rows`] rows or
//! [`CheckpointPolicy::every`] (whichever comes first), signs the chain's head with this
//! desk's key ([`crate::keys::GatewayKey`]) as a checkpoint that can be exported off the
//! PC. [`verify`] checks the whole log (`onshi-gateway audit verify`).
//!
//! The rule for callers: **record before any data leaves the gateway**. An access that
//! could not be recorded must not happen, so [`Auditor::record`] fails with
//! [`AuditError::NotRecorded`] and the caller answers with a refusal (503) instead of the
//! data. A checkpoint that could not be stored does not fail the access (the row is in the
//! chain; the next append or tick tries again): it is logged.

pub mod access;
pub mod verify;

use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use thiserror::Error;
use tokio::task::JoinHandle;
use tracing::warn;

use crate::cli::AuditCommand;
use crate::error::GatewayError;
use crate::keys::GatewayKey;
use crate::store::audit::{checkpoint_payload, CHECKPOINT_TYP};
use crate::store::{
    self, Appended, AuditEntry, ChainHead, Checkpoint, CheckpointMark, Store, StoreError,
    StoreLocation,
};

pub use verify::{verify, verify_after, BrokenAt, ChainVerifier, VerifyReport, Why};

/// When checkpoints are taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CheckpointPolicy {
    /// After this many rows since the last checkpoint.
    pub every_rows: i64,
    /// Or after this long since the last checkpoint, if any row came since.
    pub every: Duration,
}

impl Default for CheckpointPolicy {
    /// 1,000 rows or 15 minutes.
    fn default() -> Self {
        Self {
            every_rows: 1_000,
            every: Duration::from_secs(15 * 60),
        }
    }
}

#[derive(Debug, Error)]
pub enum AuditError {
    /// The entry is not in the log: the access it describes must not go ahead.
    #[error("the access could not be recorded in the audit log, so it was not carried out: {0}")]
    NotRecorded(#[source] StoreError),
    /// Rows are recorded, but the checkpoint over them could not be stored.
    #[error("the audit checkpoint could not be stored: {0}")]
    Checkpoint(#[source] StoreError),
}

impl AuditError {
    /// Whether the store could not be reached (as opposed to refusing the entry): the
    /// caller answers 503 either way, but this one is worth retrying.
    pub fn is_unavailable(&self) -> bool {
        match self {
            Self::NotRecorded(err) | Self::Checkpoint(err) => err.is_unavailable(),
        }
    }
}

/// Appends this desk's entries and takes checkpoints; shared as `Arc<Auditor>`.
#[derive(Debug)]
pub struct Auditor {
    store: Arc<dyn Store>,
    desk: String,
    key: GatewayKey,
    policy: CheckpointPolicy,
    /// When this auditor started: the reference for the time rule before any checkpoint.
    started_ms: i64,
}

impl Auditor {
    pub fn new(
        store: Arc<dyn Store>,
        desk: impl Into<String>,
        key: GatewayKey,
        policy: CheckpointPolicy,
    ) -> Self {
        Self {
            store,
            desk: desk.into(),
            key,
            policy,
            started_ms: now_ms(),
        }
    }

    pub fn desk(&self) -> &str {
        &self.desk
    }

    pub fn key(&self) -> &GatewayKey {
        &self.key
    }

    /// The store's opaque reference for a patient ([`crate::store::AuditLog::patient_ref`]).
    pub fn patient_ref(&self, key_material: &str) -> String {
        self.store.patient_ref(key_material)
    }

    /// Appends `entry` (stamped with this desk's id) durably, then takes a checkpoint if
    /// one is due. `Err` means the entry is not in the log and the access must be refused.
    pub async fn record(&self, entry: AuditEntry) -> Result<(), AuditError> {
        self.record_all(vec![entry]).await.map(|_| ())
    }

    /// [`Self::record`] for several entries, appended in one transaction.
    pub async fn record_all(&self, mut entries: Vec<AuditEntry>) -> Result<Appended, AuditError> {
        for entry in &mut entries {
            entry.desk.clone_from(&self.desk);
        }
        let appended = self
            .store
            .append(entries)
            .await
            .map_err(AuditError::NotRecorded)?;
        let head = ChainHead {
            seq: appended.last_seq,
            hash: appended.head_hash.clone(),
        };
        if self.due(&head, appended.last_checkpoint, now_ms()) {
            if let Err(err) = self.sign(&head).await {
                warn!(error = %err, seq = head.seq, "audit: checkpoint not stored; retried later");
            }
        }
        Ok(appended)
    }

    /// Takes a checkpoint of the chain's current head if the policy says one is due;
    /// the checkpoint stored, if any. A periodic tick calls this so that the time rule
    /// holds even when no entry comes.
    pub async fn checkpoint_if_due(&self) -> Result<Option<Checkpoint>, AuditError> {
        let state = self
            .store
            .chain_state()
            .await
            .map_err(AuditError::Checkpoint)?;
        match state.head {
            Some(head) if self.due(&head, state.last_checkpoint, now_ms()) => {
                self.sign(&head).await
            }
            _ => Ok(None),
        }
    }

    /// Takes a checkpoint of the chain's current head now, unless the head already has
    /// one (or the log is empty).
    pub async fn checkpoint_now(&self) -> Result<Option<Checkpoint>, AuditError> {
        let state = self
            .store
            .chain_state()
            .await
            .map_err(AuditError::Checkpoint)?;
        match state.head {
            Some(head) if state.last_checkpoint.is_none_or(|last| last.seq < head.seq) => {
                self.sign(&head).await
            }
            _ => Ok(None),
        }
    }

    /// Calls [`Self::checkpoint_if_due`] every `tick` until the task is aborted.
    pub fn spawn_checkpoints(self: &Arc<Self>, tick: Duration) -> JoinHandle<()> {
        let auditor = Arc::clone(self);
        tokio::spawn(async move {
            let mut interval = tokio::time::interval(tick);
            interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                interval.tick().await;
                if let Err(err) = auditor.checkpoint_if_due().await {
                    warn!(error = %err, "audit: periodic checkpoint failed");
                }
            }
        })
    }

    fn due(&self, head: &ChainHead, last: Option<CheckpointMark>, now: i64) -> bool {
        checkpoint_due(&self.policy, self.started_ms, head.seq, last, now)
    }

    /// Signs and stores a checkpoint of `head` (which covers rows 1..=head.seq).
    async fn sign(&self, head: &ChainHead) -> Result<Option<Checkpoint>, AuditError> {
        let at_ms = now_ms();
        let checkpoint = Checkpoint {
            seq: head.seq,
            head_hash: head.hash.clone(),
            count: head.seq,
            at_ms,
            kid: self.key.kid().to_string(),
            public_jwk: self.key.public_jwk().to_string(),
            jws: self.key.sign_compact(
                CHECKPOINT_TYP,
                &checkpoint_payload(head.seq, &head.hash, head.seq, at_ms),
            ),
        };
        let added = self
            .store
            .add_checkpoint(checkpoint.clone())
            .await
            .map_err(AuditError::Checkpoint)?;
        Ok(added.then_some(checkpoint))
    }
}

/// Whether a checkpoint of row `head_seq` is due, the last one being `last` (none: time
/// counts from `started_ms`).
fn checkpoint_due(
    policy: &CheckpointPolicy,
    started_ms: i64,
    head_seq: i64,
    last: Option<CheckpointMark>,
    now: i64,
) -> bool {
    let (last_seq, since) = last.map_or((0, started_ms), |l| (l.seq, l.at_ms));
    if head_seq <= last_seq {
        return false;
    }
    let every_ms = i64::try_from(policy.every.as_millis()).unwrap_or(i64::MAX);
    head_seq - last_seq >= policy.every_rows || now.saturating_sub(since) >= every_ms
}

/// Now, in milliseconds since the Unix epoch (what [`AuditEntry::at_ms`] holds).
pub fn now_ms() -> i64 {
    let now = time::OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000;
    i64::try_from(now).unwrap_or(i64::MAX)
}

/// `onshi-gateway audit …`: prints the result; exit status 0 if the chain is intact, 1 if
/// it is broken (the first broken row named). A store that cannot be opened is an `Err`.
pub async fn run_command(command: AuditCommand) -> Result<ExitCode, GatewayError> {
    let AuditCommand::Verify(args) = command;
    let location = StoreLocation::parse(&args.store)?;
    let data_dir = match args.data_dir {
        Some(dir) => dir,
        None => crate::data_dir::default_data_dir()?,
    };
    if location == StoreLocation::Sqlite {
        // Opening would create an empty store, which would "verify".
        let file = data_dir.join(store::STORE_FILE);
        if !file.is_file() {
            return Err(StoreError::BadLocation(format!(
                "there is no store at {}; give the gateway's --data-dir (or --store)",
                file.display()
            ))
            .into());
        }
    }
    let store = store::open(&location, &data_dir).await?;
    let report = verify(store.as_ref()).await?;
    println!("{report}");
    if !report.kids.is_empty() {
        let kids: Vec<&str> = report.kids.iter().map(String::as_str).collect();
        println!("checkpoints signed by key(s): {}", kids.join(", "));
    }
    Ok(if report.intact() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checkpoints_fall_due_by_rows_or_by_time() {
        let policy = CheckpointPolicy {
            every_rows: 10,
            every: Duration::from_secs(60),
        };
        // An auditor started at 0 ms.
        let due = |head, last, now| checkpoint_due(&policy, 0, head, last, now);
        let mark = |seq, at_ms| Some(CheckpointMark { seq, at_ms });
        assert!(!due(9, None, 59_999));
        assert!(due(10, None, 0), "rows");
        assert!(due(1, None, 60_000), "time since start");
        assert!(!due(15, mark(10, 1_000), 60_999));
        assert!(due(20, mark(10, 1_000), 2_000));
        assert!(due(11, mark(10, 1_000), 61_000));
        assert!(!due(10, mark(10, 1_000), 1_000_000), "nothing new");
    }
}
