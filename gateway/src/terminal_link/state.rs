//! Whether the terminal folder is usable, for `GET /v1/health`.

use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};

use onshi_core::api::TerminalState;
use tokio::fs;

use super::files::remove_if_present;

static PROBE_SEQ: AtomicU64 = AtomicU64::new(0);

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
    async fn a_missing_root_is_offline() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(
            folder_state(&dir.path().join("nowhere")).await,
            TerminalState::Offline
        );
    }
}
