//! The reception queue as async code sees it: every event is committed to the
//! [`Store`] first and only then announced to live listeners, so what a client was shown
//! is always also on disk, and a client that missed something can read it back by id.

mod feed;

use std::path::Path;
use std::sync::{Arc, Mutex};

use onshi_core::api::ReceptionEvent;
use tokio::sync::{broadcast, watch};

use crate::store::{NewEvent, Page, Store, StoreError};

pub use feed::{feed, Start};

/// How many events a slow live listener may fall behind before it re-reads from the store.
const LIVE_BACKLOG: usize = 256;

/// The queue: the store plus the live announcements.
#[derive(Debug)]
pub struct Reception {
    store: Arc<Mutex<Store>>,
    live: broadcast::Sender<ReceptionEvent>,
    closing: watch::Sender<bool>,
}

impl Reception {
    /// Opens the store in `data_dir` (on the blocking pool: opening checks the file).
    pub async fn open(data_dir: &Path) -> Result<Self, StoreError> {
        let dir = data_dir.to_path_buf();
        let store = tokio::task::spawn_blocking(move || Store::open_in(&dir))
            .await
            .map_err(|err| StoreError::Worker(err.to_string()))??;
        let (live, _) = broadcast::channel(LIVE_BACKLOG);
        let (closing, _) = watch::channel(false);
        Ok(Self {
            store: Arc::new(Mutex::new(store)),
            live,
            closing,
        })
    }

    /// Commits `event`, then announces it. A file already stored (same name and content,
    /// taken in again after a crash) is not announced twice; its stored event is returned.
    pub async fn record(&self, event: NewEvent) -> Result<ReceptionEvent, StoreError> {
        let (stored, new) = self
            .with_store(move |store| store.insert_event(&event))
            .await?;
        if new {
            // No listener is not an error: the event is in the store for later.
            let _ = self.live.send(stored.clone());
        }
        Ok(stored)
    }

    /// Up to `limit` events after id `after`.
    pub async fn after(&self, after: i64, limit: usize) -> Result<Page, StoreError> {
        self.with_store(move |store| store.events_after(after, limit))
            .await
    }

    /// Up to `limit` events received at or after `from` (RFC 3339 as stored).
    pub async fn since(&self, from: String, limit: usize) -> Result<Page, StoreError> {
        self.with_store(move |store| store.events_since(&from, limit))
            .await
    }

    /// Events committed from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<ReceptionEvent> {
        self.live.subscribe()
    }

    /// Tells every open feed and background task to finish (graceful shutdown: an SSE
    /// stream never ends by itself, and the server waits for open responses).
    pub fn close(&self) {
        self.closing.send_replace(true);
    }

    /// Becomes `true` when [`Self::close`] is called.
    pub fn closing(&self) -> watch::Receiver<bool> {
        self.closing.subscribe()
    }

    /// Runs `job` on the blocking pool: SQLite calls block (fsync on every commit).
    async fn with_store<T: Send + 'static>(
        &self,
        job: impl FnOnce(&mut Store) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        let store = Arc::clone(&self.store);
        tokio::task::spawn_blocking(move || {
            let mut guard = store
                .lock()
                .map_err(|_| StoreError::Worker("a store call panicked earlier".to_string()))?;
            job(&mut guard)
        })
        .await
        .map_err(|err| StoreError::Worker(err.to_string()))?
    }
}

/// Waits until `closing` turns true (or its sender is gone).
pub async fn closed(closing: &mut watch::Receiver<bool>) {
    let _ = closing.wait_for(|closing| *closing).await;
}
