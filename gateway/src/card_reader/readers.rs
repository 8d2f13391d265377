//! A PC/SC context: readers, card arrival and removal, connecting.

use std::ffi::CString;
use std::time::Duration;

use pcsc::{Context, Protocols, ReaderState, Scope, ShareMode, State};

use super::{PcscChannel, ReaderError};

/// Whether a card sits in a reader.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Presence {
    Present,
    Absent,
}

/// One PC/SC context. Blocking; use it from one dedicated thread.
pub struct Readers {
    context: Context,
}

/// Wakes a [`Readers`] wait early from another thread (`SCardCancel`).
#[derive(Clone)]
pub struct Canceller(Context);

impl Canceller {
    /// Interrupts a wait in progress; the wait returns [`ReaderError::Cancelled`].
    /// Harmless when nothing waits.
    pub fn cancel(&self) {
        let _ = self.0.cancel();
    }
}

impl std::fmt::Debug for Canceller {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Canceller")
    }
}

impl Readers {
    /// Opens a context; [`ReaderError::ServiceNotRunning`] when pcscd does not answer.
    pub fn establish() -> Result<Self, ReaderError> {
        let context = Context::establish(Scope::User).map_err(ReaderError::from_pcsc)?;
        Ok(Self { context })
    }

    pub fn canceller(&self) -> Canceller {
        Canceller(self.context.clone())
    }

    /// The readers PC/SC lists now (none is not an error here).
    pub fn names(&self) -> Result<Vec<String>, ReaderError> {
        match self.context.list_readers_owned() {
            Ok(names) => Ok(names
                .into_iter()
                .map(|name| name.to_string_lossy().into_owned())
                .collect()),
            Err(pcsc::Error::NoReadersAvailable) => Ok(Vec::new()),
            Err(other) => Err(ReaderError::from_pcsc(other)),
        }
    }

    /// Waits up to `timeout` for a card in `wanted` (or in any reader) and returns that
    /// reader's name, or `None` when the time is up with no card.
    pub fn wait_for_card(
        &self,
        wanted: Option<&str>,
        timeout: Duration,
    ) -> Result<Option<String>, ReaderError> {
        let names = self.names()?;
        let watched: Vec<String> = match wanted {
            Some(name) if names.iter().any(|n| n == name) => vec![name.to_string()],
            Some(name) => return Err(ReaderError::UnknownReader(name.to_string())),
            None => names,
        };
        if watched.is_empty() {
            // No reader at all: wait for one to be plugged in, then let the caller retry.
            let mut pnp = [ReaderState::new(pcsc::PNP_NOTIFICATION(), State::UNAWARE)];
            return match self.context.get_status_change(timeout, &mut pnp) {
                Ok(()) | Err(pcsc::Error::Timeout) => Ok(None),
                Err(other) => Err(ReaderError::from_pcsc(other)),
            };
        }
        let mut states = reader_states(&watched)?;
        // UNAWARE answers at once with the current state.
        self.status_change(Duration::ZERO, &mut states)?;
        if let Some(found) = first_with_card(&states) {
            return Ok(Some(found));
        }
        states.iter_mut().for_each(ReaderState::sync_current_state);
        match self.status_change(timeout, &mut states)? {
            true => Ok(first_with_card(&states)),
            false => Ok(None),
        }
    }

    /// Waits up to `timeout` for the card in `reader` to leave; returns what is there
    /// after the wait.
    pub fn watch(&self, reader: &str, timeout: Duration) -> Result<Presence, ReaderError> {
        let mut states = reader_states(&[reader.to_string()])?;
        self.status_change(Duration::ZERO, &mut states)?;
        if !has_card(&states[0])? {
            return Ok(Presence::Absent);
        }
        states[0].sync_current_state();
        self.status_change(timeout, &mut states)?;
        Ok(if has_card(&states[0])? {
            Presence::Present
        } else {
            Presence::Absent
        })
    }

    /// Connects to the card in `reader`, exclusively (no other application can select
    /// another AP, which would clear the PIN state, in the middle of the flow), T=1 or T=0.
    /// A command the card does not answer within `command_timeout` fails the channel (see
    /// [`PcscChannel`]).
    pub fn connect(
        &self,
        reader: &str,
        command_timeout: Duration,
    ) -> Result<PcscChannel, ReaderError> {
        let name = CString::new(reader).map_err(|_| ReaderError::UnknownReader(reader.into()))?;
        let card = self
            .context
            .connect(&name, ShareMode::Exclusive, Protocols::T1 | Protocols::T0)
            .map_err(ReaderError::from_pcsc)?;
        Ok(PcscChannel::new(card, command_timeout))
    }

    /// `Ok(true)` on a change, `Ok(false)` on timeout.
    fn status_change(
        &self,
        timeout: Duration,
        states: &mut [ReaderState],
    ) -> Result<bool, ReaderError> {
        match self.context.get_status_change(timeout, states) {
            Ok(()) => Ok(true),
            Err(pcsc::Error::Timeout) => Ok(false),
            Err(other) => Err(ReaderError::from_pcsc(other)),
        }
    }
}

fn reader_states(names: &[String]) -> Result<Vec<ReaderState>, ReaderError> {
    names
        .iter()
        .map(|name| {
            CString::new(name.as_str())
                .map(|c| ReaderState::new(c, State::UNAWARE))
                .map_err(|_| ReaderError::UnknownReader(name.clone()))
        })
        .collect()
}

/// A card that answered its reset (a mute card is present but unusable).
fn has_card(state: &ReaderState) -> Result<bool, ReaderError> {
    let event = state.event_state();
    if event.intersects(State::UNKNOWN | State::UNAVAILABLE | State::IGNORE) {
        return Err(ReaderError::ReaderGone);
    }
    Ok(event.contains(State::PRESENT) && !event.contains(State::MUTE))
}

fn first_with_card(states: &[ReaderState]) -> Option<String> {
    states
        .iter()
        .find(|state| has_card(state).unwrap_or(false))
        .map(|state| state.name().to_string_lossy().into_owned())
}
