//! Which other desks share the terminal folder: each gateway keeps a heartbeat file in the
//! share's top folder and reads the others'.
//!
//! Desks on one share must also share one store (PostgreSQL): otherwise each keeps its
//! own queue, a face-reader result reaches whichever desk takes the file first, and
//! nothing recorded at one desk is seen at another. A desk cannot see the other desks'
//! stores, so each heartbeat says which store its desk uses (an identity, never a
//! password or a path), and a desk that sees another desk on a different store says so in
//! health and on the page.
//!
//! The file is `<share>/.onshi-desk-<desk id>`: hidden, outside `req/`, `res/` and
//! `face/`, so neither the terminal nor a face watcher ever takes it for a message. A
//! heartbeat counts while its time stamp is younger than [`Heartbeat::fresh`]; the share's
//! clock stamps it, so desks with skewed clocks still agree as long as the share is one.
//! A desk that stops cleanly removes its file; one that crashes is forgotten once its file
//! goes stale.

use std::io;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, SystemTime};

use onshi_core::api::DeskPresence;
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tracing::{info, warn};

const PREFIX: &str = ".onshi-desk-";

/// One desk's heartbeat on one share.
#[derive(Debug)]
pub struct Heartbeat {
    share: PathBuf,
    desk_id: String,
    /// Which store this desk uses: equal identities mean one shared store.
    store_identity: String,
    /// How often the file is refreshed and the others are read.
    every: Duration,
    /// How old another desk's heartbeat may be and still count.
    fresh: Duration,
    presence: Mutex<DeskPresence>,
}

impl Heartbeat {
    pub fn new(share: &Path, desk_id: &str, store_identity: &str, every: Duration) -> Self {
        let every = every.max(Duration::from_millis(10));
        Self {
            share: share.to_path_buf(),
            desk_id: desk_id.to_string(),
            store_identity: store_identity.to_string(),
            every,
            // Four missed beats: a busy share or a paused VM is not a desk gone.
            fresh: every * 4,
            presence: Mutex::new(DeskPresence {
                others: 0,
                shared_store: true,
            }),
        }
    }

    fn own_file(&self) -> PathBuf {
        self.share.join(format!("{PREFIX}{}", self.desk_id))
    }

    /// What the last look found.
    pub fn presence(&self) -> DeskPresence {
        *self.presence.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Refreshes this desk's file, then reads the others'. A share that cannot be
    /// written or read leaves the last presence as it was (the terminal's own health
    /// says the share is down).
    pub async fn beat(&self) -> DeskPresence {
        let own = self.own_file();
        let temp = self.share.join(format!("{PREFIX}{}.tmp", self.desk_id));
        let body = format!("store={}\n", self.store_identity);
        let written = tokio::task::spawn_blocking(move || {
            std::fs::write(&temp, body)?;
            std::fs::rename(&temp, &own)
        })
        .await
        .map_err(io::Error::other)
        .and_then(|r| r);
        if let Err(err) = written {
            warn!("cannot write this desk's heartbeat into the terminal folder: {err}");
        }
        match self.look().await {
            Ok(found) => {
                let before = std::mem::replace(
                    &mut *self.presence.lock().unwrap_or_else(PoisonError::into_inner),
                    found,
                );
                if found != before {
                    if found.needs_shared_store() {
                        warn!(
                            others = found.others,
                            "other desks use this terminal folder with another store: face \
                             results reach only one desk; give every desk the same \
                             --store postgres://…"
                        );
                    } else {
                        info!(others = found.others, "desks on this terminal folder");
                    }
                }
                found
            }
            Err(err) => {
                warn!("cannot read the other desks' heartbeats: {err}");
                self.presence()
            }
        }
    }

    /// The other desks' fresh heartbeats.
    async fn look(&self) -> io::Result<DeskPresence> {
        let (share, own, fresh, identity) = (
            self.share.clone(),
            format!("{PREFIX}{}", self.desk_id),
            self.fresh,
            self.store_identity.clone(),
        );
        tokio::task::spawn_blocking(move || {
            let now = SystemTime::now();
            let mut presence = DeskPresence {
                others: 0,
                shared_store: true,
            };
            for entry in std::fs::read_dir(&share)? {
                let Ok(entry) = entry else { continue };
                let Ok(name) = entry.file_name().into_string() else {
                    continue;
                };
                if !name.starts_with(PREFIX) || name.ends_with(".tmp") || name == own {
                    continue;
                }
                let Ok(modified) = entry.metadata().and_then(|m| m.modified()) else {
                    continue;
                };
                // A stamp slightly in the future (another PC's clock) is fresh too.
                let age = now.duration_since(modified).unwrap_or_default();
                if age > fresh {
                    continue;
                }
                let Ok(text) = std::fs::read_to_string(entry.path()) else {
                    continue;
                };
                presence.others += 1;
                let theirs = text
                    .lines()
                    .find_map(|line| line.strip_prefix("store="))
                    .unwrap_or_default();
                if theirs.trim() != identity {
                    presence.shared_store = false;
                }
            }
            Ok(presence)
        })
        .await
        .map_err(io::Error::other)?
    }

    /// Beats every `every` until `closing` turns true, then removes this desk's file.
    pub fn spawn(
        self: &std::sync::Arc<Self>,
        mut closing: watch::Receiver<bool>,
    ) -> JoinHandle<()> {
        let heartbeat = std::sync::Arc::clone(self);
        tokio::spawn(async move {
            loop {
                heartbeat.beat().await;
                tokio::select! {
                    () = tokio::time::sleep(heartbeat.every) => {}
                    _ = closing.wait_for(|closed| *closed) => break,
                }
            }
            let own = heartbeat.own_file();
            let _ = tokio::task::spawn_blocking(move || std::fs::remove_file(own)).await;
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const EVERY: Duration = Duration::from_secs(15);

    #[tokio::test]
    async fn desks_on_one_store_see_each_other_and_agree() {
        let share = tempfile::tempdir().unwrap();
        let a = Heartbeat::new(share.path(), "aaaaaaaa", "postgres:clinic", EVERY);
        let b = Heartbeat::new(share.path(), "bbbbbbbb", "postgres:clinic", EVERY);
        assert_eq!(a.beat().await.others, 0, "alone at first");
        let seen = b.beat().await;
        assert_eq!(
            seen,
            DeskPresence {
                others: 1,
                shared_store: true
            }
        );
        assert!(!a.beat().await.needs_shared_store());
        assert_eq!(a.presence().others, 1);
    }

    #[tokio::test]
    async fn desks_on_their_own_stores_need_a_shared_one() {
        let share = tempfile::tempdir().unwrap();
        let a = Heartbeat::new(share.path(), "aaaaaaaa", "sqlite:aaaaaaaa", EVERY);
        let b = Heartbeat::new(share.path(), "bbbbbbbb", "sqlite:bbbbbbbb", EVERY);
        a.beat().await;
        let seen = b.beat().await;
        assert!(seen.needs_shared_store(), "{seen:?}");
        assert!(a.beat().await.needs_shared_store());
    }

    #[tokio::test]
    async fn a_stale_heartbeat_is_a_desk_gone() {
        let share = tempfile::tempdir().unwrap();
        let a = Heartbeat::new(share.path(), "aaaaaaaa", "sqlite:aaaaaaaa", EVERY);
        let gone = share.path().join(format!("{PREFIX}cccccccc"));
        std::fs::write(&gone, "store=sqlite:cccccccc\n").unwrap();
        let old = SystemTime::now() - EVERY * 5;
        std::fs::File::options()
            .write(true)
            .open(&gone)
            .unwrap()
            .set_modified(old)
            .unwrap();
        assert_eq!(a.beat().await.others, 0);
        // Files that are not heartbeats are none of its business.
        std::fs::write(share.path().join("notes.txt"), "x").unwrap();
        std::fs::write(share.path().join(format!("{PREFIX}dddddddd.tmp")), "x").unwrap();
        assert_eq!(a.beat().await.others, 0);
    }

    #[tokio::test]
    async fn a_clean_stop_removes_the_heartbeat() {
        let share = tempfile::tempdir().unwrap();
        let a = std::sync::Arc::new(Heartbeat::new(
            share.path(),
            "aaaaaaaa",
            "sqlite:aaaaaaaa",
            Duration::from_millis(20),
        ));
        let (closing, receiver) = watch::channel(false);
        let task = a.spawn(receiver);
        let own = a.own_file();
        let deadline = std::time::Instant::now() + Duration::from_secs(5);
        while !own.exists() {
            assert!(std::time::Instant::now() < deadline, "heartbeat written");
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        closing.send_replace(true);
        task.await.unwrap();
        assert!(!own.exists());
    }
}
