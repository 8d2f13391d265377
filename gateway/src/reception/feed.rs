//! One client's view of the queue: the stored events it missed, then new ones, each
//! exactly once and in id order.
//!
//! The feed never takes an event from a notification: it reads the store after the last
//! id it sent, whenever the store's commit signal changes. The signal is marked seen
//! *before* each read, so a commit that lands during the read changes it again and causes
//! one more read; nothing committed is left unread. Ids are committed in increasing order
//! (see the store), so "after the last id" never skips one.
//!
//! If the store cannot be read, the feed keeps the client's stream open and tries again
//! with backoff: a PostgreSQL restart pauses the desk's feed rather than ending it.

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Duration;

use futures_util::stream::{self, Stream};
use onshi_core::api::ReceptionEvent;
use tokio::sync::watch;
use tracing::{info, warn};

use super::{closed, Reception};

/// Events read from the store per round trip while catching up.
const PAGE: usize = 200;
/// Wait after a failed read, doubling up to [`MAX_RETRY`].
const FIRST_RETRY: Duration = Duration::from_millis(200);
const MAX_RETRY: Duration = Duration::from_secs(5);

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
    commits: watch::Receiver<u64>,
    closing: watch::Receiver<bool>,
    ready: VecDeque<ReceptionEvent>,
    last_id: i64,
    /// Stored events may exist that have not been read yet.
    catching_up: bool,
    since: Option<String>,
    /// The wait before the next read after a failure; `None` while reads succeed.
    retry: Option<Duration>,
}

/// The events for one client, until the gateway shuts down.
pub fn feed(reception: Arc<Reception>, start: Start) -> impl Stream<Item = ReceptionEvent> {
    let commits = reception.commits();
    let closing = reception.closing();
    let (last_id, since) = match start {
        Start::After(id) => (id, None),
        Start::Since(from) => (0, Some(from)),
    };
    let state = Feed {
        reception,
        commits,
        closing,
        ready: VecDeque::new(),
        last_id,
        catching_up: true,
        since,
        retry: None,
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
                self.read().await;
                continue;
            }
            tokio::select! {
                () = closed(&mut self.closing) => return None,
                changed = self.commits.changed() => match changed {
                    Ok(()) => self.catching_up = true,
                    // The store is gone: the gateway is shutting down.
                    Err(_) => return None,
                },
            }
        }
    }

    /// One page from the store into `ready`, or a pause after a failure.
    async fn read(&mut self) {
        self.commits.mark_unchanged();
        let page = match self.since.clone() {
            Some(from) => self.reception.since(from, PAGE).await,
            None => self.reception.after(self.last_id, PAGE).await,
        };
        match page {
            Ok(page) => {
                if self.retry.take().is_some() {
                    info!("reception feed resumed");
                }
                self.since = None;
                self.catching_up = page.more;
                let last_id = self.last_id;
                self.ready
                    .extend(page.events.into_iter().filter(|e| e.id > last_id));
            }
            Err(err) => {
                let wait = match self.retry {
                    None => {
                        warn!("reception feed paused: cannot read the store: {err}");
                        FIRST_RETRY
                    }
                    Some(wait) => (wait * 2).min(MAX_RETRY),
                };
                self.retry = Some(wait);
                tokio::select! {
                    () = closed(&mut self.closing) => {}
                    () = tokio::time::sleep(wait) => {}
                }
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

    async fn reception(dir: &tempfile::TempDir) -> Arc<Reception> {
        let location = crate::store::StoreLocation::Sqlite;
        Arc::new(Reception::open(&location, dir.path()).await.unwrap())
    }

    #[tokio::test]
    async fn a_listener_that_falls_behind_reads_the_rest_from_the_store() {
        let dir = tempfile::tempdir().unwrap();
        let reception = reception(&dir).await;
        reception.record(event(0)).await.unwrap();
        let stream = feed(Arc::clone(&reception), Start::After(0));
        futures_util::pin_mut!(stream);
        assert_eq!(stream.next().await.map(|e| e.id), Some(1));
        // Now live, and not reading while more than a page arrives.
        let total = PAGE + 40;
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
        let reception = reception(&dir).await;
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
