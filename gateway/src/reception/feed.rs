//! One client's view of the queue: the stored events it missed, then live ones, each
//! exactly once and in id order.
//!
//! The live subscription is taken *before* the store is read, so an event committed
//! while the backlog is being read is either in the backlog or announced afterwards;
//! ids already sent are skipped, which removes the overlap.

use std::collections::VecDeque;
use std::sync::Arc;

use futures_util::stream::{self, Stream};
use onshi_core::api::ReceptionEvent;
use tokio::sync::broadcast::error::RecvError;
use tokio::sync::{broadcast, watch};
use tracing::warn;

use super::{closed, Reception};

/// Events read from the store per round trip while catching up.
const PAGE: usize = 200;

/// Where a feed starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Start {
    /// After this event id (`Last-Event-ID`, `?after=`); 0 means from the beginning.
    After(i64),
    /// Events received at or after this time (RFC 3339 as stored): "today's queue".
    Since(String),
}

struct Feed {
    reception: Arc<Reception>,
    live: broadcast::Receiver<ReceptionEvent>,
    closing: watch::Receiver<bool>,
    ready: VecDeque<ReceptionEvent>,
    last_id: i64,
    /// Stored events may exist that have not been read yet.
    catching_up: bool,
    since: Option<String>,
}

/// The events for one client, until the gateway shuts down. A store failure ends the
/// stream (logged); the client reconnects with the last id it saw.
pub fn feed(reception: Arc<Reception>, start: Start) -> impl Stream<Item = ReceptionEvent> {
    let live = reception.subscribe();
    let closing = reception.closing();
    let (last_id, since) = match start {
        Start::After(id) => (id, None),
        Start::Since(from) => (0, Some(from)),
    };
    let state = Feed {
        reception,
        live,
        closing,
        ready: VecDeque::new(),
        last_id,
        catching_up: true,
        since,
    };
    stream::unfold(state, |mut feed| async move {
        let event = feed.next().await?;
        Some((event, feed))
    })
}

impl Feed {
    async fn next(&mut self) -> Option<ReceptionEvent> {
        loop {
            if *self.closing.borrow() {
                return None;
            }
            if let Some(event) = self.ready.pop_front() {
                self.last_id = self.last_id.max(event.id);
                return Some(event);
            }
            if self.catching_up {
                let page = match self.since.take() {
                    Some(from) => self.reception.since(from, PAGE).await,
                    None => self.reception.after(self.last_id, PAGE).await,
                };
                match page {
                    Ok(page) => {
                        self.catching_up = page.more;
                        self.ready.extend(page.events);
                    }
                    Err(err) => {
                        warn!("reception feed ends: cannot read the store: {err}");
                        return None;
                    }
                }
                continue;
            }
            let Self {
                live,
                closing,
                last_id,
                ..
            } = self;
            tokio::select! {
                () = closed(closing) => return None,
                received = live.recv() => match received {
                    Ok(event) if event.id > *last_id => {
                        *last_id = event.id;
                        return Some(event);
                    }
                    Ok(_) => {}
                    // Fell behind the live backlog: the store has everything, read it back.
                    Err(RecvError::Lagged(_)) => self.catching_up = true,
                    Err(RecvError::Closed) => return None,
                },
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::NewEvent;
    use futures_util::StreamExt;
    use onshi_core::api::ReceptionEventKind;

    fn event(n: usize) -> NewEvent {
        NewEvent {
            received_at: "2026-11-25T08:00:00.000+09:00".to_string(),
            kind: ReceptionEventKind::FaceError,
            source_file: format!("{n}.xml"),
            content_sha256: "h".to_string(),
            answer: None,
            prescription_issue_select: None,
            error: Some("test".to_string()),
            verification: None,
        }
    }

    #[tokio::test]
    async fn a_listener_that_falls_behind_reads_the_rest_from_the_store() {
        let dir = tempfile::tempdir().unwrap();
        let reception = Arc::new(Reception::open(dir.path()).await.unwrap());
        reception.record(event(0)).await.unwrap();
        let stream = feed(Arc::clone(&reception), Start::After(0));
        futures_util::pin_mut!(stream);
        assert_eq!(stream.next().await.map(|e| e.id), Some(1));
        // Now live, and not reading while far more than the live backlog arrives.
        let total = super::super::LIVE_BACKLOG + 40;
        for n in 1..=total {
            reception.record(event(n)).await.unwrap();
        }
        let mut ids = Vec::new();
        for _ in 0..total {
            ids.push(stream.next().await.expect("event").id);
        }
        let expected: Vec<i64> = (2..=(total as i64 + 1)).collect();
        assert_eq!(ids, expected);
    }

    #[tokio::test]
    async fn closing_ends_every_feed() {
        let dir = tempfile::tempdir().unwrap();
        let reception = Arc::new(Reception::open(dir.path()).await.unwrap());
        let stream = feed(Arc::clone(&reception), Start::After(0));
        futures_util::pin_mut!(stream);
        let closer = Arc::clone(&reception);
        tokio::spawn(async move {
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            closer.close();
        });
        let end = tokio::time::timeout(std::time::Duration::from_secs(5), stream.next()).await;
        assert_eq!(end.expect("ends in time"), None);
    }
}
