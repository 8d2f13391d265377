//! The terminal's sessions counted clinic-wide through the store
//! ([`crate::store::admissions`]), and where each waiting request stands, for the desk that
//! sent it (`GET /v1/qualifications/queue/{ref}`).
//!
//! A request waits its turn (first come, first served across desks) until the exchange's
//! deadline, asking the store again every [`ClinicAdmission::poll`]. Only the first of a
//! desk's waiting requests asks the store; the others wait behind it, in order, at the
//! desk: every ask is a transaction under the clinic-wide lock, and a crowd of waiters all
//! asking ten times a second would keep the store too busy to hand out the sessions
//! (measured: at 200 requests/s the queue collapsed to minute-long waits). If the store cannot
//! be asked (a database that is down), the desk goes on with its own count: qualification
//! by card numbers must keep working, and the terminal's own limit is the last guard.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use onshi_core::api::QueuePlace;
use std::sync::atomic::Ordering;

use tokio::time::{timeout_at, Instant};
use tracing::{debug, warn};

use super::LinkError;
use crate::store::{Admission, AdmissionTimes, TerminalAdmissions};

/// A store that counts sessions, shared with whoever releases them.
pub type Admissions = Arc<dyn TerminalAdmissions + Send + Sync>;

#[derive(Clone)]
pub struct ClinicAdmission {
    store: Admissions,
    times: AdmissionTimes,
    /// How often a waiting request asks again (it also renews its queue place).
    poll: Duration,
    /// Where requests that named a client reference stand, by that reference.
    places: Arc<Mutex<HashMap<String, QueuePlace>>>,
    /// Held by the one waiting request of this desk that asks the store; the others wait
    /// for it in arrival order (tokio's mutex is fair).
    head: Arc<tokio::sync::Mutex<()>>,
    /// Requests of this desk waiting behind the head, for their `ahead` count.
    behind: Arc<std::sync::atomic::AtomicU32>,
    /// Rung when this desk gives a session back, so its head asks at once rather than at
    /// the next poll.
    freed: Arc<tokio::sync::Notify>,
}

impl std::fmt::Debug for ClinicAdmission {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClinicAdmission")
            .field("times", &self.times)
            .field("poll", &self.poll)
            .finish_non_exhaustive()
    }
}

/// A session taken in the store; given back when dropped.
pub struct ClinicSession {
    store: Admissions,
    ticket: String,
    freed: Arc<tokio::sync::Notify>,
}

impl ClinicSession {
    /// Gives the session back now, so the next request (at any desk) can take it at once.
    pub async fn release(mut self) {
        let ticket = std::mem::take(&mut self.ticket);
        if let Err(err) = self.store.release(&ticket).await {
            debug!(file = %ticket, "cannot give a terminal session back now: {err}");
        }
        self.freed.notify_one();
    }
}

impl Drop for ClinicSession {
    /// An exchange abandoned mid-way (its future dropped) gives its session back too.
    fn drop(&mut self) {
        if self.ticket.is_empty() {
            return;
        }
        let (store, ticket) = (Arc::clone(&self.store), std::mem::take(&mut self.ticket));
        let freed = Arc::clone(&self.freed);
        // If this fails (store down), the lease lapses by itself after `hold`.
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(async move {
                if let Err(err) = store.release(&ticket).await {
                    debug!(file = %ticket, "cannot give a terminal session back now: {err}");
                }
                freed.notify_one();
            });
        }
    }
}

impl ClinicAdmission {
    /// `timeout` is the longest exchange: a session's lease outlasts it.
    pub fn new(store: Admissions, timeout: Duration, poll: Duration) -> Self {
        let poll = poll.max(Duration::from_millis(10));
        Self {
            store,
            times: AdmissionTimes {
                hold: timeout + Duration::from_secs(10),
                queue_hold: (poll * 20).max(Duration::from_secs(3)),
            },
            poll,
            places: Arc::new(Mutex::new(HashMap::new())),
            head: Arc::new(tokio::sync::Mutex::new(())),
            behind: Arc::new(std::sync::atomic::AtomicU32::new(0)),
            freed: Arc::new(tokio::sync::Notify::new()),
        }
    }

    fn places(&self) -> std::sync::MutexGuard<'_, HashMap<String, QueuePlace>> {
        self.places.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Where the request sent with `client_ref` stands, while it runs.
    pub fn place(&self, client_ref: &str) -> Option<QueuePlace> {
        self.places().get(client_ref).copied()
    }

    pub fn set_place(&self, client_ref: Option<&str>, place: QueuePlace) {
        if let Some(client_ref) = client_ref {
            self.places().insert(client_ref.to_string(), place);
        }
    }

    pub fn forget(&self, client_ref: Option<&str>) {
        if let Some(client_ref) = client_ref {
            self.places().remove(client_ref);
        }
    }

    /// Waits for one of the clinic's `limit` sessions for `ticket` until `deadline`.
    /// `Ok(None)`: the store could not be asked; the caller counts on its own.
    pub async fn enter(
        &self,
        ticket: &str,
        client_ref: Option<&str>,
        limit: usize,
        deadline: Instant,
    ) -> Result<Option<ClinicSession>, LinkError> {
        let limit = u32::try_from(limit).unwrap_or(u32::MAX);
        // Wait behind this desk's earlier requests; only the head asks the store.
        let position = self.behind.fetch_add(1, Ordering::AcqRel);
        self.set_place(client_ref, QueuePlace::Waiting { ahead: position });
        let head = timeout_at(deadline, self.head.lock()).await;
        self.behind.fetch_sub(1, Ordering::AcqRel);
        let Ok(_head) = head else {
            return Err(LinkError::Busy(limit as usize));
        };
        loop {
            match self.store.admit(ticket, limit, self.times).await {
                Ok(Admission::Admitted) => {
                    self.set_place(client_ref, QueuePlace::AtTerminal);
                    return Ok(Some(ClinicSession {
                        store: Arc::clone(&self.store),
                        ticket: ticket.to_string(),
                        freed: Arc::clone(&self.freed),
                    }));
                }
                Ok(Admission::Queued { ahead }) => {
                    self.set_place(client_ref, QueuePlace::Waiting { ahead });
                }
                Err(err) => {
                    warn!(
                        file = %ticket,
                        "cannot count the terminal's sessions clinic-wide ({err}); counting this \
                         desk's only"
                    );
                    let _ = self.store.release(ticket).await;
                    return Ok(None);
                }
            }
            if Instant::now() + self.poll >= deadline {
                let _ = self.store.release(ticket).await;
                return Err(LinkError::Busy(limit as usize));
            }
            // Another desk's release is seen at the next poll; this desk's at once.
            tokio::select! {
                () = tokio::time::sleep(self.poll) => {}
                () = self.freed.notified() => {}
            }
        }
    }
}
