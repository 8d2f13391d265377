//! What the desk knows of its gateway: the latest `GET /v1/health` answer (or that there
//! was none), and which check is on its way. Checks start on mount, on the periodic
//! timer, on "再確認 / Check again" and after a request failed on the gateway's side;
//! one runs at a time, and a check asked for meanwhile follows it. Pure data, tested
//! with `cargo test`; [`crate::hooks::use_gateway_status`] runs the checks and the timer.

use std::rc::Rc;

use onshi_core::api::Health;
use yew::Reducible;

use crate::api::ClientError;

/// The latest reading of the gateway.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Observed {
    /// The gateway answered its health check.
    Health(Health),
    /// The health check failed: nothing answered, too late, or not a health answer.
    Unreachable,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct GatewayStatus {
    /// `None` until the first check ends.
    pub observed: Option<Observed>,
    /// The check in flight.
    checking: Option<u64>,
    /// A check was asked for while one was in flight: its answer may predate the reason
    /// (a failure seen after it was sent), so another one follows.
    again: bool,
    last_seq: u64,
}

#[derive(Debug, Clone, PartialEq)]
pub enum StatusAction {
    /// Ask the gateway now (mount, the timer, "Check again").
    Check,
    /// A request of this desk failed; some failures mean the gateway's state changed.
    RequestFailed(ClientError),
    /// The answer to check `seq`.
    Checked {
        seq: u64,
        result: Result<Health, ClientError>,
    },
}

/// Whether a failed request says something about the gateway, its terminal or its store
/// (so its health is worth reading again now): no answer, no answer in time, an answer
/// that is not the API's, or a 5xx. A 4xx is about the request itself, and a cancel is
/// the desk's own doing.
pub fn points_at_gateway(error: &ClientError) -> bool {
    match error {
        ClientError::Unreachable | ClientError::Timeout | ClientError::Decode(_) => true,
        ClientError::Api { status, .. } => *status >= 500,
        // Nothing was sent, or the gateway answered in full (its signature is the fault).
        ClientError::Cancelled
        | ClientError::NotSignedIn
        | ClientError::AnswerSignature(_)
        | ClientError::Receipt(_) => false,
    }
}

impl GatewayStatus {
    /// The check to run now, if any.
    pub fn pending_check(&self) -> Option<u64> {
        self.checking
    }

    pub fn is_checking(&self) -> bool {
        self.checking.is_some()
    }

    /// The next state, or `None` when the action changes nothing (no re-render).
    pub fn apply(&self, action: StatusAction) -> Option<GatewayStatus> {
        let mut next = self.clone();
        match action {
            StatusAction::Check => next.ask(),
            StatusAction::RequestFailed(error) => {
                if !points_at_gateway(&error) {
                    return None;
                }
                next.ask();
            }
            StatusAction::Checked { seq, result } => {
                if self.checking != Some(seq) {
                    return None;
                }
                next.checking = None;
                next.observed = Some(match result {
                    Ok(health) => Observed::Health(health),
                    Err(_) => Observed::Unreachable,
                });
                if std::mem::take(&mut next.again) {
                    next.ask();
                }
            }
        }
        (next != *self).then_some(next)
    }

    fn ask(&mut self) {
        if self.checking.is_some() {
            self.again = true;
        } else {
            self.last_seq += 1;
            self.checking = Some(self.last_seq);
        }
    }
}

impl Reducible for GatewayStatus {
    type Action = StatusAction;

    fn reduce(self: Rc<Self>, action: StatusAction) -> Rc<Self> {
        match self.apply(action) {
            Some(next) => Rc::new(next),
            None => self,
        }
    }
}

#[cfg(test)]
mod tests;
