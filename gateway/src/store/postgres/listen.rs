//! Other desks' commits: a dedicated connection (outside the pool) that `LISTEN`s on
//! [`CHANNEL`] and turns every notification into a commit signal for this gateway's
//! feeds.
//!
//! Notifications are only a wake-up. A feed that wakes reads the store after the last id
//! it sent, so what the payload says, and in which order notifications arrive, does not
//! matter. What does matter is the gap: notifications sent while this connection was down
//! are lost, so every (re)connection is itself a commit signal and the feeds catch up
//! from the store. A lost connection is retried with backoff (from
//! [`FIRST_RETRY`] doubling to [`MAX_RETRY`]) for as long as the store lives.

use std::sync::Arc;
use std::time::Duration;

use futures_util::stream::{self, StreamExt};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio_postgres::{AsyncMessage, NoTls};
use tracing::{debug, info, warn};

use crate::store::{Signals, StoreError};

/// The notification channel every gateway of the clinic listens on.
pub const CHANNEL: &str = "onshi_reception_events";
const FIRST_RETRY: Duration = Duration::from_millis(100);
const MAX_RETRY: Duration = Duration::from_secs(5);

/// Listens until aborted (when the store is dropped).
pub fn spawn(config: tokio_postgres::Config, signals: Arc<Signals>) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut retry = FIRST_RETRY;
        let mut reported = false;
        loop {
            let mut listening = false;
            let ended = listen(&config, &signals, &mut listening).await;
            if listening {
                retry = FIRST_RETRY;
                reported = false;
            }
            if reported {
                debug!("LISTEN connection still down: {ended}");
            } else {
                warn!("lost the connection that hears other desks' events; reconnecting: {ended}");
                reported = true;
            }
            tokio::time::sleep(retry).await;
            retry = (retry * 2).min(MAX_RETRY);
        }
    })
}

/// One connection's life: connect, LISTEN, signal every notification. Returns why it
/// ended; sets `listening` once the LISTEN took effect.
async fn listen(
    config: &tokio_postgres::Config,
    signals: &Signals,
    listening: &mut bool,
) -> StoreError {
    let (client, mut connection) = match config.connect(NoTls).await {
        Ok(pair) => pair,
        Err(err) => return err.into(),
    };
    // The connection must be polled for the client's queries to make progress, and it is
    // also where notifications arrive: a task drives it and forwards them.
    let (notes, mut heard) = mpsc::unbounded_channel();
    let driver = tokio::spawn(async move {
        let mut messages = stream::poll_fn(move |cx| connection.poll_message(cx));
        while let Some(message) = messages.next().await {
            match message {
                Ok(AsyncMessage::Notification(_)) => {
                    if notes.send(()).is_err() {
                        break;
                    }
                }
                Ok(_) => {}
                Err(err) => return StoreError::from(err),
            }
        }
        StoreError::Worker("the LISTEN connection was closed".to_string())
    });
    if let Err(err) = client.batch_execute(&format!("LISTEN {CHANNEL}")).await {
        driver.abort();
        return err.into();
    }
    *listening = true;
    info!("listening for other desks' events");
    // Whatever was committed while this connection was not listening.
    signals.committed();
    while heard.recv().await.is_some() {
        signals.committed();
    }
    // The driver ended: the connection is gone.
    drop(client);
    driver
        .await
        .unwrap_or_else(|err| StoreError::Worker(err.to_string()))
}
