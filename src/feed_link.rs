//! When the component opens the gateway's event stream, and when it gives up.
//!
//! Each attempt asks for a one-time ticket and opens a new `EventSource` with it
//! ([`crate::api::Gateway::open_feed`]). The browser's own reconnect reuses the spent
//! ticket and is refused, and a stream ends when its credential expires; either way the
//! stream is reported `Closed`. A stream that was open is opened again at once (that is
//! the normal end of a ticket), one that failed again waits, twice as long for each
//! failure in a row. A refusal that another attempt cannot cure (no credential, the
//! credential refused, the role may not read the queue) stops it. Pure data, tested with
//! `cargo test`; [`crate::hooks::use_event_feed`] runs the attempts and the timer.

use std::rc::Rc;

use yew::Reducible;

use crate::api::{ClientError, FeedSignal};

/// The longest wait between two attempts.
pub const MAX_REOPEN_DELAY_MS: u32 = 60_000;

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum LinkStage {
    /// Not wanted: nobody is signed in, or the role may not read the queue.
    #[default]
    Idle,
    /// Getting a ticket and opening stream `attempt`.
    Opening { attempt: u64 },
    /// Stream `attempt` exists (open, or the browser is reconnecting it).
    Open { attempt: u64 },
    /// Waiting before attempt `attempt`.
    Waiting { attempt: u64, delay_ms: u32 },
    /// The gateway refused this caller; another attempt would be refused too.
    Refused(ClientError),
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FeedLink {
    pub stage: LinkStage,
    /// Attempts in a row that ended without the stream opening.
    failures: u32,
    /// Whether the current stream reported `Open`.
    was_open: bool,
    last_attempt: u64,
}

#[derive(Debug, Clone, PartialEq)]
pub enum LinkAction {
    /// The stream is wanted (mounted and signed in with a role that reads the queue).
    Start,
    /// No longer wanted.
    Stop,
    /// Attempt `attempt` could not open: no ticket, or no credential.
    OpenFailed { attempt: u64, error: ClientError },
    /// What stream `attempt` reported.
    Signal { attempt: u64, signal: FeedSignal },
    /// The wait before `attempt` is over.
    Due { attempt: u64 },
}

/// Whether another attempt could get a different answer: not when there is no
/// credential, the gateway refused it (401 after a refresh) or the role (403).
pub fn worth_retrying(error: &ClientError) -> bool {
    match error {
        ClientError::NotSignedIn => false,
        ClientError::Api { status, .. } => !matches!(status, 401 | 403),
        _ => true,
    }
}

/// The wait after `failures` failed attempts in a row (the first one waits `base_ms`).
pub fn reopen_delay_ms(base_ms: u32, failures: u32) -> u32 {
    let doublings = failures.saturating_sub(1).min(16);
    base_ms
        .saturating_mul(1 << doublings)
        .min(MAX_REOPEN_DELAY_MS.max(base_ms))
}

impl FeedLink {
    /// The attempt to make now, if any.
    pub fn opening(&self) -> Option<u64> {
        match self.stage {
            LinkStage::Opening { attempt } => Some(attempt),
            _ => None,
        }
    }

    /// The attempt whose stream should exist now (being opened or open): its
    /// subscription is kept while this stays the same.
    pub fn stream(&self) -> Option<u64> {
        match self.stage {
            LinkStage::Opening { attempt } | LinkStage::Open { attempt } => Some(attempt),
            _ => None,
        }
    }

    /// Why the gateway refused the stream, while it does.
    pub fn refusal(&self) -> Option<&ClientError> {
        match &self.stage {
            LinkStage::Refused(error) => Some(error),
            _ => None,
        }
    }

    /// The attempt being waited for, and how long.
    pub fn waiting(&self) -> Option<(u64, u32)> {
        match self.stage {
            LinkStage::Waiting { attempt, delay_ms } => Some((attempt, delay_ms)),
            _ => None,
        }
    }

    fn current(&self) -> Option<u64> {
        match self.stage {
            LinkStage::Opening { attempt }
            | LinkStage::Open { attempt }
            | LinkStage::Waiting { attempt, .. } => Some(attempt),
            LinkStage::Idle | LinkStage::Refused(_) => None,
        }
    }

    fn open_next(&mut self) {
        self.last_attempt += 1;
        self.was_open = false;
        self.stage = LinkStage::Opening {
            attempt: self.last_attempt,
        };
    }

    /// After a stream closed or an attempt failed: again at once after a stream that
    /// worked, else after a wait.
    fn after_failure(&mut self, base_ms: u32) {
        if self.was_open {
            self.failures = 0;
            self.open_next();
            return;
        }
        self.failures += 1;
        self.last_attempt += 1;
        self.stage = LinkStage::Waiting {
            attempt: self.last_attempt,
            delay_ms: reopen_delay_ms(base_ms, self.failures),
        };
    }

    /// The next state, or `None` when the action changes nothing. `base_ms` is the
    /// feed's [`crate::api::EventFeed::reopen_delay_ms`].
    pub fn apply(&self, action: LinkAction, base_ms: u32) -> Option<FeedLink> {
        let mut next = self.clone();
        match action {
            LinkAction::Start => {
                if !matches!(self.stage, LinkStage::Idle | LinkStage::Refused(_)) {
                    return None;
                }
                next.failures = 0;
                next.open_next();
            }
            LinkAction::Stop => {
                if self.stage == LinkStage::Idle {
                    return None;
                }
                next.stage = LinkStage::Idle;
            }
            LinkAction::OpenFailed { attempt, error } => {
                if self.opening() != Some(attempt) {
                    return None;
                }
                if worth_retrying(&error) {
                    next.after_failure(base_ms);
                } else {
                    next.stage = LinkStage::Refused(error);
                }
            }
            LinkAction::Signal { attempt, signal } => {
                if self.current() != Some(attempt)
                    || matches!(self.stage, LinkStage::Waiting { .. })
                {
                    return None;
                }
                match signal {
                    FeedSignal::Open => {
                        next.was_open = true;
                        next.failures = 0;
                        next.stage = LinkStage::Open { attempt };
                    }
                    FeedSignal::Reconnecting => next.stage = LinkStage::Open { attempt },
                    FeedSignal::Closed => next.after_failure(base_ms),
                    FeedSignal::Message(_) => return None,
                }
            }
            LinkAction::Due { attempt } => {
                if self.waiting().map(|(a, _)| a) != Some(attempt) {
                    return None;
                }
                next.stage = LinkStage::Opening { attempt };
            }
        }
        (next != *self).then_some(next)
    }
}

/// [`FeedLink`] with the feed's base delay, for `use_reducer`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FeedLinkState {
    pub link: FeedLink,
    pub base_ms: u32,
}

impl Reducible for FeedLinkState {
    type Action = LinkAction;

    fn reduce(self: Rc<Self>, action: LinkAction) -> Rc<Self> {
        match self.link.apply(action, self.base_ms) {
            Some(link) => Rc::new(Self {
                link,
                base_ms: self.base_ms,
            }),
            None => self,
        }
    }
}

#[cfg(test)]
mod tests {
    use onshi_core::api::{ApiError, ErrorCode};

    use super::*;

    const BASE: u32 = 5_000;

    fn step(link: &FeedLink, action: LinkAction) -> FeedLink {
        link.apply(action.clone(), BASE)
            .unwrap_or_else(|| panic!("{action:?} changed nothing in {link:?}"))
    }

    fn signal(attempt: u64, signal: FeedSignal) -> LinkAction {
        LinkAction::Signal { attempt, signal }
    }

    fn api(status: u16, code: ErrorCode) -> ClientError {
        ClientError::Api {
            status,
            error: ApiError {
                code,
                message: "m".into(),
                fields: Default::default(),
            },
        }
    }

    #[test]
    fn a_stream_that_ends_is_opened_again_at_once_with_a_new_attempt() {
        let link = step(&FeedLink::default(), LinkAction::Start);
        assert_eq!(link.opening(), Some(1));
        let link = step(&link, signal(1, FeedSignal::Open));
        assert_eq!(link.stage, LinkStage::Open { attempt: 1 });
        // The credential expired: the gateway ends the stream, the browser's reconnect
        // with the spent ticket is refused, the EventSource closes.
        assert!(link
            .apply(signal(1, FeedSignal::Reconnecting), BASE)
            .is_none());
        let link = step(&link, signal(1, FeedSignal::Closed));
        assert_eq!(link.opening(), Some(2), "a new ticket, no wait");
    }

    #[test]
    fn failures_in_a_row_wait_longer_and_an_open_stream_resets_the_wait() {
        let link = step(&FeedLink::default(), LinkAction::Start);
        let link = step(
            &link,
            LinkAction::OpenFailed {
                attempt: 1,
                error: ClientError::Unreachable,
            },
        );
        assert_eq!(link.waiting(), Some((2, BASE)));
        let link = step(&link, LinkAction::Due { attempt: 2 });
        assert_eq!(link.opening(), Some(2));
        // A ticket, but the stream closes before opening (gateway restarting).
        let link = step(&link, signal(2, FeedSignal::Closed));
        assert_eq!(link.waiting(), Some((3, 2 * BASE)));
        let link = step(&link, LinkAction::Due { attempt: 3 });
        let link = step(&link, signal(3, FeedSignal::Open));
        let link = step(&link, signal(3, FeedSignal::Closed));
        assert_eq!(link.opening(), Some(4));
        let link = step(&link, signal(4, FeedSignal::Closed));
        assert_eq!(link.waiting(), Some((5, BASE)), "counting starts again");
        assert_eq!(reopen_delay_ms(BASE, 40), MAX_REOPEN_DELAY_MS);
    }

    #[test]
    fn refusals_stop_the_stream_until_it_is_started_again() {
        for error in [
            ClientError::NotSignedIn,
            api(401, ErrorCode::CredentialInvalid),
            api(403, ErrorCode::RoleNotAllowed),
        ] {
            let link = step(&FeedLink::default(), LinkAction::Start);
            let link = step(
                &link,
                LinkAction::OpenFailed {
                    attempt: 1,
                    error: error.clone(),
                },
            );
            assert_eq!(link.stage, LinkStage::Refused(error));
            assert_eq!(link.opening(), None);
            let link = step(&link, LinkAction::Start);
            assert_eq!(link.opening(), Some(2));
        }
        assert!(worth_retrying(&api(503, ErrorCode::StoreUnavailable)));
        assert!(worth_retrying(&ClientError::Timeout));
    }

    #[test]
    fn stale_reports_and_repeated_starts_change_nothing() {
        let link = step(&FeedLink::default(), LinkAction::Start);
        assert!(link.apply(LinkAction::Start, BASE).is_none());
        assert!(link.apply(signal(7, FeedSignal::Open), BASE).is_none());
        assert!(link.apply(LinkAction::Due { attempt: 1 }, BASE).is_none());
        let link = step(&link, signal(1, FeedSignal::Open));
        let link = step(&link, signal(1, FeedSignal::Closed));
        // The old stream's late report is not about attempt 2.
        assert!(link.apply(signal(1, FeedSignal::Open), BASE).is_none());
        let idle = step(&link, LinkAction::Stop);
        assert_eq!(idle.stage, LinkStage::Idle);
        assert!(idle.apply(LinkAction::Stop, BASE).is_none());
        assert!(idle
            .apply(
                LinkAction::OpenFailed {
                    attempt: 2,
                    error: ClientError::Unreachable
                },
                BASE
            )
            .is_none());
    }
}
