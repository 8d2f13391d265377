//! The reception queue as async code sees it: every event is committed to the [`Store`]
//! first and only then announced, so what a desk was shown is always also stored, and a
//! desk that missed something reads it back by id.
//!
//! Announcing is a commit signal, not the event: each feed ([`feed`]) reads the store
//! after the last id it sent. That is what lets several gateways share one PostgreSQL
//! store: an event committed by another desk's gateway wakes this gateway's feeds through
//! the store's signal, and every desk reads the same events with the same ids in the same
//! order.

mod feed;

use std::path::Path;
use std::sync::Arc;

use onshi_core::api::StoreHealth;
use tokio::sync::watch;

use crate::store::{self, NewEvent, Page, Recorded, Store, StoreError, StoreLocation};

pub use feed::{feed, Start};

/// The queue: the store plus the gateway's shutdown signal.
#[derive(Debug)]
pub struct Reception {
    store: Arc<dyn Store>,
    closing: watch::Sender<bool>,
}

impl Reception {
    /// Opens the store at `location` (SQLite: in `data_dir`).
    pub async fn open(location: &StoreLocation, data_dir: &Path) -> Result<Self, StoreError> {
        Ok(Self::new(store::open(location, data_dir).await?))
    }

    pub fn new(store: Arc<dyn Store>) -> Self {
        let (closing, _) = watch::channel(false);
        Self { store, closing }
    }

    /// Commits `event`; its commit signal wakes the feeds. A file already stored (same
    /// name and content: taken in again after a crash, or by another desk first) is not
    /// stored twice; its stored event comes back with `new: false`.
    pub async fn record(&self, event: NewEvent) -> Result<Recorded, StoreError> {
        self.store.insert_event(event).await
    }

    /// Up to `limit` events after id `after`.
    pub async fn after(&self, after: i64, limit: usize) -> Result<Page, StoreError> {
        self.store.events_after(after, limit).await
    }

    /// Up to `limit` events received at or after `from` (RFC 3339 as stored).
    pub async fn since(&self, from: String, limit: usize) -> Result<Page, StoreError> {
        self.store.events_since(from, limit).await
    }

    /// Changes whenever an event may have been committed (here or at another desk).
    pub fn commits(&self) -> watch::Receiver<u64> {
        self.store.commits()
    }

    /// The store's backend and last known reachability (cached; cheap).
    pub fn store_health(&self) -> StoreHealth {
        self.store.health()
    }

    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
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
}

/// Waits until `closing` turns true (or its sender is gone).
pub async fn closed(closing: &mut watch::Receiver<bool>) {
    let _ = closing.wait_for(|closing| *closing).await;
}
