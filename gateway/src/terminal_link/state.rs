//! Whether the terminal folder is usable, for `GET /v1/health`.
//!
//! Finding out writes (and removes) a probe file in `req/` and `res/`, so the answer is
//! cached ([`StateCache`]): however often health is asked, the terminal share is probed at
//! most once per interval, and callers arriving during a probe share its result.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use onshi_core::api::TerminalState;
use tokio::fs;
use tokio::sync::Mutex;
use tokio::time::Instant;

use super::files::remove_if_present;

static PROBE_SEQ: AtomicU64 = AtomicU64::new(0);

/// The folder state, probed at most once per `interval`.
#[derive(Debug)]
pub struct StateCache {
    terminal_dir: PathBuf,
    interval: Duration,
    last: Mutex<Option<(Instant, TerminalState)>>,
    probes: AtomicU64,
}

impl StateCache {
    pub fn new(terminal_dir: &Path, interval: Duration) -> Self {
        Self {
            terminal_dir: terminal_dir.to_path_buf(),
            interval,
            last: Mutex::new(None),
            probes: AtomicU64::new(0),
        }
    }

    /// The cached state, or a fresh probe when the cache is older than the interval. The
    /// lock is held across the probe, so concurrent callers wait for one probe.
    pub async fn get(&self) -> TerminalState {
        let mut last = self.last.lock().await;
        if let Some((at, state)) = *last {
            if at.elapsed() < self.interval {
                return state;
            }
        }
        self.probes.fetch_add(1, Ordering::Relaxed);
        let state = folder_state(&self.terminal_dir).await;
        *last = Some((Instant::now(), state));
        state
    }

    /// Probes run so far.
    pub fn probes(&self) -> u64 {
        self.probes.load(Ordering::Relaxed)
    }
}

/// `online` when `req/` and `res/` exist and accept a file; `degraded` when only some of
/// that holds (e.g. a read-only share); `offline` when neither folder is there.
pub async fn folder_state(terminal_dir: &Path) -> TerminalState {
    let req = writable(&terminal_dir.join("req")).await;
    let res = writable(&terminal_dir.join("res")).await;
    match (req, res) {
        (Usable::Writable, Usable::Writable) => TerminalState::Online,
        (Usable::Missing, Usable::Missing) => TerminalState::Offline,
        _ => TerminalState::Degraded,
    }
}

#[derive(Debug, PartialEq, Eq)]
enum Usable {
    Missing,
    ReadOnly,
    Writable,
}

async fn writable(dir: &Path) -> Usable {
    match fs::metadata(dir).await {
        Ok(meta) if meta.is_dir() => {}
        _ => return Usable::Missing,
    }
    // Permission bits lie on shares and for root, so try it. The probe name is hidden and
    // ends in .tmp, which no terminal pattern matches.
    let probe = dir.join(format!(
        ".onshi-probe-{}-{}.tmp",
        std::process::id(),
        PROBE_SEQ.fetch_add(1, Ordering::Relaxed)
    ));
    match fs::write(&probe, b"").await {
        Ok(()) => {
            let _ = remove_if_present(&probe).await;
            Usable::Writable
        }
        Err(_) => Usable::ReadOnly,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn states_follow_the_folders() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(folder_state(dir.path()).await, TerminalState::Offline);
        std::fs::create_dir(dir.path().join("req")).unwrap();
        assert_eq!(folder_state(dir.path()).await, TerminalState::Degraded);
        std::fs::create_dir(dir.path().join("res")).unwrap();
        assert_eq!(folder_state(dir.path()).await, TerminalState::Online);
        // The probe leaves nothing behind.
        assert_eq!(
            std::fs::read_dir(dir.path().join("req")).unwrap().count(),
            0
        );
    }

    #[tokio::test]
    async fn a_burst_of_callers_probes_once() {
        let dir = tempfile::tempdir().unwrap();
        for sub in ["req", "res"] {
            std::fs::create_dir(dir.path().join(sub)).unwrap();
        }
        let cache = std::sync::Arc::new(StateCache::new(dir.path(), Duration::from_secs(600)));
        let callers: Vec<_> = (0..50)
            .map(|_| {
                let cache = std::sync::Arc::clone(&cache);
                tokio::spawn(async move { cache.get().await })
            })
            .collect();
        for caller in callers {
            assert_eq!(caller.await.unwrap(), TerminalState::Online);
        }
        assert_eq!(cache.probes(), 1);
        // Within the interval the cached state stands, even if the folders changed.
        std::fs::remove_dir(dir.path().join("res")).unwrap();
        assert_eq!(cache.get().await, TerminalState::Online);
        assert_eq!(cache.probes(), 1);
    }

    #[tokio::test]
    async fn an_expired_cache_probes_again() {
        let dir = tempfile::tempdir().unwrap();
        let cache = StateCache::new(dir.path(), Duration::ZERO);
        assert_eq!(cache.get().await, TerminalState::Offline);
        std::fs::create_dir(dir.path().join("req")).unwrap();
        assert_eq!(cache.get().await, TerminalState::Degraded);
        assert_eq!(cache.probes(), 2);
    }

    #[tokio::test]
    async fn a_missing_root_is_offline() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(
            folder_state(&dir.path().join("nowhere")).await,
            TerminalState::Offline
        );
    }
}
