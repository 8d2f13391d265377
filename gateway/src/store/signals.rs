//! What a store tells the rest of the gateway without being asked: whether it was last
//! seen reachable (for `GET /v1/health` and the 503 on writes), and that something new was
//! committed (to wake the reception feeds).
//!
//! A commit signal carries no event: a woken feed reads the store after the last id it
//! sent, so a signal that arrives late, twice or out of order costs one read, never an
//! event.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use onshi_core::api::{StoreBackend, StoreHealth};
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tracing::{info, warn};

use super::{Store, StoreError};

/// How often the background probe asks the store whether it answers.
pub const PROBE_INTERVAL: Duration = Duration::from_secs(1);
/// A probe not answered within this counts as unreachable.
pub const PROBE_TIMEOUT: Duration = Duration::from_secs(3);

#[derive(Debug)]
pub struct Signals {
    backend: StoreBackend,
    reachable: AtomicBool,
    /// Counts commit signals; only changes matter.
    commits: watch::Sender<u64>,
}

impl Signals {
    /// A store just opened is reachable: opening it needed it.
    pub fn new(backend: StoreBackend) -> Self {
        let (commits, _) = watch::channel(0);
        Self {
            backend,
            reachable: AtomicBool::new(true),
            commits,
        }
    }

    pub fn health(&self) -> StoreHealth {
        StoreHealth {
            backend: self.backend,
            reachable: self.reachable.load(Ordering::Acquire),
        }
    }

    /// Notes whether a store call reached the store (a refusal of the call itself, such
    /// as a constraint, says nothing about reachability) and passes its result on.
    pub fn observe<T>(&self, result: Result<T, StoreError>) -> Result<T, StoreError> {
        match &result {
            Ok(_) => self.set_reachable(true),
            Err(err) if err.is_unavailable() => self.set_reachable(false),
            Err(_) => {}
        }
        result
    }

    /// Records what a probe or a store call found. Coming back also wakes the feeds: while
    /// the store was away, other desks' commit signals may have been lost.
    pub fn set_reachable(&self, reachable: bool) {
        let was = self.reachable.swap(reachable, Ordering::AcqRel);
        match (was, reachable) {
            (true, false) => warn!(backend = ?self.backend, "the store cannot be reached"),
            (false, true) => {
                info!(backend = ?self.backend, "the store answers again");
                self.committed();
            }
            _ => {}
        }
    }

    /// Something may have been committed that a feed has not read yet.
    pub fn committed(&self) {
        self.commits.send_modify(|n| *n = n.wrapping_add(1));
    }

    pub fn commits(&self) -> watch::Receiver<u64> {
        self.commits.subscribe()
    }
}

/// Probes `store` every [`PROBE_INTERVAL`] until `closing` turns true, so that health
/// answers from a cache and a store that went away is noticed even when nobody writes.
pub fn spawn_prober(store: Arc<dyn Store>, mut closing: watch::Receiver<bool>) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(PROBE_INTERVAL);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                () = crate::reception::closed(&mut closing) => break,
                _ = tick.tick() => {
                    let reachable = tokio::time::timeout(PROBE_TIMEOUT, store.probe())
                        .await
                        .unwrap_or(false);
                    store.signals().set_reachable(reachable);
                }
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn coming_back_wakes_the_feeds_and_going_away_does_not() {
        let signals = Signals::new(StoreBackend::Postgres);
        let mut commits = signals.commits();
        assert!(signals.health().reachable);
        signals.set_reachable(false);
        assert!(!signals.health().reachable);
        assert!(!commits.has_changed().unwrap());
        signals.set_reachable(true);
        assert!(commits.has_changed().unwrap());
        commits.mark_unchanged();
        signals.set_reachable(true);
        assert!(!commits.has_changed().unwrap(), "no change, no wake-up");
        assert_eq!(signals.health().backend, StoreBackend::Postgres);
    }
}
