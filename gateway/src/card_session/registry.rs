//! The sessions the gateway knows: their current state, who holds which reader, and the
//! line to each session's worker thread.

use std::collections::HashMap;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use onshi_core::card_session::{CardSessionState, CardSessionView};
use onshi_core::jpki::Pin;

use crate::card_reader::Canceller;

/// What the HTTP side asks of a worker.
pub enum Command {
    /// The PIN as typed, already checked to be 4 digits; wiped when dropped.
    Pin(Pin),
    /// The staff member confirmed face against photo.
    VisualCheck,
    /// Stop now and release the reader.
    Cancel,
}

/// One session.
pub struct Entry {
    pub state: CardSessionState,
    /// The reader asked for, or `None` for "whichever gets a card" (claims all readers).
    pub claim: Option<String>,
    pub commands: mpsc::Sender<Command>,
    pub canceller: Option<Canceller>,
    /// The card served its certificate before the PIN, so a visual check can use it.
    pub visual_check_possible: bool,
    /// Last state change or user action.
    pub touched: Instant,
    /// The `sub` of the caller that started the session: only its event streams see the
    /// session's progress.
    pub owner: std::sync::Arc<str>,
    /// SHA-256 of the session secret handed to the owner in the `201`; PIN, visual check,
    /// cancel and state need the secret.
    pub secret_digest: [u8; 32],
    /// Turns `true` once the worker has let go of the card and the reader.
    pub released: tokio::sync::watch::Receiver<bool>,
}

impl Entry {
    pub fn view(&self, id: &str) -> CardSessionView {
        CardSessionView {
            id: id.to_string(),
            state: self.state.clone(),
            secret: None,
        }
    }

    /// The view with its owner, as broadcast to event streams.
    pub fn event(&self, id: &str) -> super::SessionEvent {
        super::SessionEvent {
            owner: self.owner.clone(),
            view: self.view(id),
        }
    }

    /// Wakes the worker if it is blocked in a PC/SC wait.
    pub fn wake(&self) {
        if let Some(canceller) = &self.canceller {
            canceller.cancel();
        }
    }
}

#[derive(Default)]
pub struct Registry {
    pub sessions: HashMap<String, Entry>,
}

impl Registry {
    /// The active session whose reader claim overlaps `claim`, if any.
    pub fn conflicting(&self, claim: Option<&str>) -> Option<&str> {
        self.sessions
            .iter()
            .filter(|(_, entry)| !entry.state.is_final())
            .find(|(_, entry)| match (claim, entry.claim.as_deref()) {
                (Some(wanted), Some(held)) => wanted == held,
                // "Any reader" overlaps with every reader.
                _ => true,
            })
            .map(|(id, _)| id.as_str())
    }

    /// Drops finished sessions nobody asked about for `keep`.
    pub fn prune(&mut self, keep: Duration) {
        self.sessions
            .retain(|_, entry| !entry.state.is_final() || entry.touched.elapsed() < keep);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(state: CardSessionState, claim: Option<&str>) -> Entry {
        let (commands, _) = mpsc::channel();
        let (_, released) = tokio::sync::watch::channel(false);
        Entry {
            released,
            state,
            claim: claim.map(str::to_string),
            commands,
            canceller: None,
            visual_check_possible: false,
            touched: Instant::now(),
            owner: "u".into(),
            secret_digest: [0; 32],
        }
    }

    #[test]
    fn one_active_session_per_reader() {
        let mut registry = Registry::default();
        registry
            .sessions
            .insert("a".into(), entry(CardSessionState::Reading, Some("R0")));
        registry
            .sessions
            .insert("b".into(), entry(CardSessionState::Cancelled, Some("R1")));
        assert_eq!(registry.conflicting(Some("R0")), Some("a"));
        assert_eq!(registry.conflicting(Some("R1")), None);
        assert_eq!(registry.conflicting(None), Some("a"));
    }

    #[test]
    fn finished_sessions_are_pruned_after_a_while() {
        let mut registry = Registry::default();
        registry
            .sessions
            .insert("done".into(), entry(CardSessionState::Cancelled, None));
        registry
            .sessions
            .insert("live".into(), entry(CardSessionState::Reading, None));
        registry.prune(Duration::ZERO);
        assert!(registry.sessions.contains_key("live"));
        assert!(!registry.sessions.contains_key("done"));
    }
}
