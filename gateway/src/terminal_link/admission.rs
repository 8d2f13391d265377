//! The terminal's sessions counted clinic-wide through the store
//! ([`crate::store::admissions`]), and where each waiting request stands, for the desk that
//! sent it (`GET /v1/qualifications/queue/{ref}`).
//!
//! A request waits its turn (first come, first served across desks) until the exchange's
//! deadline, asking the store again every [`ClinicAdmission::poll`]. If the store cannot
//! be asked (a database that is down), the desk goes on with its own count: qualification
//! by card numbers must keep working, and the terminal's own limit is the last guard.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use onshi_core::api::QueuePlace;
use tokio::time::Instant;
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
}

impl ClinicSession {
    /// Gives the session back now, so the next request (at any desk) can take it at once.
    pub async fn release(mut self) {
        let ticket = std::mem::take(&mut self.ticket);
        if let Err(err) = self.store.release(&ticket).await {
            debug!(file = %ticket, "cannot give a terminal session back now: {err}");
        }
    }
}

impl Drop for ClinicSession {
    /// An exchange abandoned mid-way (its future dropped) gives its session back too.
    fn drop(&mut self) {
        if self.ticket.is_empty() {
            return;
        }
        let (store, ticket) = (Arc::clone(&self.store), std::mem::take(&mut self.ticket));
        // If this fails (store down), the lease lapses by itself after `hold`.
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(async move {
                if let Err(err) = store.release(&ticket).await {
                    debug!(file = %ticket, "cannot give a terminal session back now: {err}");
                }
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
        loop {
            match self.store.admit(ticket, limit, self.times).await {
                Ok(Admission::Admitted) => {
                    self.set_place(client_ref, QueuePlace::AtTerminal);
                    return Ok(Some(ClinicSession {
                        store: Arc::clone(&self.store),
                        ticket: ticket.to_string(),
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
            tokio::time::sleep(self.poll).await;
        }
    }
}
