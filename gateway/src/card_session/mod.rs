//! Card sessions on a reader the gateway drives (PC/SC): the routes' side of
//! `onshi_core::card_session`.
//!
//! Each session has a worker thread ([`worker`]) that owns the PC/SC context, waits for a
//! card, runs core's JPKI flow and stops at the PIN prompt until the HTTP side hands it a
//! [`registry::Command`]. Every state change is kept in the [`registry::Registry`] (for
//! `GET …/{id}`) and broadcast (for SSE `event: card_session`); nothing of a session is
//! stored except a confirmed result, which joins the reception queue as `card_result`.
//!
//! The PIN travels from the request body into a `Pin` (4 digits, wiped on drop), over a
//! channel to the worker and into VERIFY; it is never logged, stored or sent back.

pub mod national;
mod outcome;
mod registry;
mod worker;

use std::sync::{mpsc, Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use onshi_core::card_session::{CardSessionState, CardSessionView, StartCardSession};
use onshi_core::jpki::Pin;
use sha2::{Digest, Sha256};
use thiserror::Error;
use tokio::runtime::Handle;
use tokio::sync::broadcast;
use tracing::{info, warn};

use crate::card_reader::{ReaderError, Readers};
use crate::reception::Reception;
pub use national::NationalSide;
use registry::{Command, Entry, Registry};

/// How many state changes a slow SSE client may fall behind (it then skips to the next).
const EVENT_BACKLOG: usize = 64;
/// Beyond a few polls: how long a cancel waits for the card to be reset and released.
const RELEASE_GRACE: Duration = Duration::from_secs(1);

/// Timings of card sessions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CardSessionSettings {
    /// A session nobody acts on for this long is cancelled and its reader released.
    pub idle_timeout: Duration,
    /// Longest PC/SC wait before the worker looks at its commands again (a command also
    /// wakes it at once through `SCardCancel`).
    pub poll: Duration,
    /// Finished sessions stay readable (`GET …/{id}`) this long.
    pub keep_finished: Duration,
    /// One APDU the card does not answer within this fails the session (`card_error`).
    /// PC/SC has no transmit timeout; see [`crate::card_reader::PcscChannel`].
    pub command_timeout: Duration,
}

impl Default for CardSessionSettings {
    fn default() -> Self {
        Self {
            idle_timeout: Duration::from_secs(180),
            poll: Duration::from_millis(250),
            keep_finished: Duration::from_secs(600),
            // A JPKI signature takes about a second; slow contactless links a few.
            command_timeout: Duration::from_secs(15),
        }
    }
}

/// Why a card-session request was refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum SessionFailure {
    #[error("no card session has this id (finished sessions are kept for 10 minutes)")]
    NotFound,
    #[error("card session {0} is already running on this reader; cancel it (DELETE) or wait for it to finish")]
    Active(String),
    #[error("{0}")]
    NotWaiting(&'static str),
    #[error("{0}")]
    ReaderUnavailable(String),
    #[error("{0}")]
    Internal(String),
    #[error(
        "this card session's secret is missing or wrong: only the caller that started it \
         may drive it (send the secret from the 201 as x-onshi-session-secret)"
    )]
    Secret,
    #[error(
        "the card has one PIN try left: send the PIN with confirm_last_try: true only after \
         the user confirmed (a wrong PIN now locks the card until the 市区町村窓口 resets it)"
    )]
    LastTryNotConfirmed,
}

/// A session's state change with the `sub` of the caller that owns the session.
#[derive(Debug, Clone)]
pub struct SessionEvent {
    pub owner: Arc<str>,
    pub view: CardSessionView,
}

/// What the worker threads and the HTTP side share.
pub(crate) struct Shared {
    registry: Mutex<Registry>,
    events: broadcast::Sender<SessionEvent>,
    national: Arc<dyn NationalSide>,
    reception: Arc<Reception>,
    runtime: Handle,
    settings: CardSessionSettings,
}

impl Shared {
    fn registry(&self) -> MutexGuard<'_, Registry> {
        self.registry.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Sets and announces a session's state, unless the session already ended (a cancel
    /// wins over whatever the worker was about to report). `false` if nothing changed.
    fn publish(&self, id: &str, state: CardSessionState) -> bool {
        let mut registry = self.registry();
        let Some(entry) = registry.sessions.get_mut(id) else {
            return false;
        };
        if entry.state.is_final() {
            return false;
        }
        entry.state = state;
        entry.touched = Instant::now();
        let _ = self.events.send(entry.event(id));
        true
    }

    fn set_visual_check_possible(&self, id: &str, possible: bool) {
        if let Some(entry) = self.registry().sessions.get_mut(id) {
            entry.visual_check_possible = possible;
        }
    }
}

/// The gateway's card sessions (`--sim` only for now: see the README and [`national`]).
#[derive(Clone)]
pub struct CardSessions {
    shared: Arc<Shared>,
}

impl std::fmt::Debug for CardSessions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CardSessions")
    }
}

impl CardSessions {
    /// Must be called inside the tokio runtime (workers use its handle to store results).
    pub fn new(
        national: Arc<dyn NationalSide>,
        reception: Arc<Reception>,
        settings: CardSessionSettings,
    ) -> Self {
        let (events, _) = broadcast::channel(EVENT_BACKLOG);
        Self {
            shared: Arc::new(Shared {
                registry: Mutex::new(Registry::default()),
                events,
                national,
                reception,
                runtime: Handle::current(),
                settings,
            }),
        }
    }

    /// Every state change from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<SessionEvent> {
        self.shared.events.subscribe()
    }

    /// Opens a session for the caller `owner` (a credential's `sub`): claims the reader,
    /// checks PC/SC, starts the worker. The view carries the session's secret, the only
    /// time it is shown.
    pub async fn start(
        &self,
        request: StartCardSession,
        owner: &str,
    ) -> Result<CardSessionView, SessionFailure> {
        let id = new_id()?;
        let secret = new_secret()?;
        let claim = request.reader.filter(|r| !r.trim().is_empty());
        let (commands, receiver) = mpsc::channel();
        let (released_tx, released) = tokio::sync::watch::channel(false);
        {
            let mut registry = self.shared.registry();
            registry.prune(self.shared.settings.keep_finished);
            if let Some(active) = registry.conflicting(claim.as_deref()) {
                return Err(SessionFailure::Active(active.to_string()));
            }
            registry.sessions.insert(
                id.clone(),
                Entry {
                    state: CardSessionState::WaitingForCard {
                        readers: Vec::new(),
                    },
                    claim: claim.clone(),
                    commands,
                    canceller: None,
                    visual_check_possible: false,
                    touched: Instant::now(),
                    owner: owner.into(),
                    secret_digest: Sha256::digest(secret.as_bytes()).into(),
                    released,
                },
            );
        }
        match self.open_readers(claim.as_deref()).await {
            Ok((readers, names)) => self
                .launch(id, claim, readers, names, receiver, released_tx)
                .map(|view| CardSessionView {
                    secret: Some(secret),
                    ..view
                }),
            Err(failure) => {
                self.shared.registry().sessions.remove(&id);
                Err(failure)
            }
        }
    }

    async fn open_readers(
        &self,
        claim: Option<&str>,
    ) -> Result<(Readers, Vec<String>), SessionFailure> {
        let opened = tokio::task::spawn_blocking(|| {
            let readers = Readers::establish()?;
            let names = readers.names()?;
            Ok::<_, ReaderError>((readers, names))
        })
        .await
        .map_err(|err| SessionFailure::Internal(format!("the reader thread failed: {err}")))?;
        let (readers, names) =
            opened.map_err(|err| SessionFailure::ReaderUnavailable(err.to_string()))?;
        if let Some(wanted) = claim {
            if !names.iter().any(|name| name == wanted) {
                return Err(SessionFailure::ReaderUnavailable(
                    ReaderError::UnknownReader(wanted.to_string()).to_string(),
                ));
            }
        }
        Ok((readers, names))
    }

    fn launch(
        &self,
        id: String,
        claim: Option<String>,
        readers: Readers,
        names: Vec<String>,
        receiver: mpsc::Receiver<Command>,
        released: tokio::sync::watch::Sender<bool>,
    ) -> Result<CardSessionView, SessionFailure> {
        let event = {
            let mut registry = self.shared.registry();
            let entry = registry
                .sessions
                .get_mut(&id)
                .ok_or(SessionFailure::NotFound)?;
            entry.canceller = Some(readers.canceller());
            if !entry.state.is_final() {
                entry.state = CardSessionState::WaitingForCard { readers: names };
                entry.touched = Instant::now();
            }
            entry.event(&id)
        };
        let view = event.view.clone();
        let _ = self.shared.events.send(event);
        let worker = worker::Worker::new(id.clone(), claim, readers, receiver, self.shared.clone());
        std::thread::Builder::new()
            .name("card-session".into())
            .spawn(move || {
                worker.run();
                released.send_replace(true);
            })
            .map_err(|err| {
                self.shared.publish(
                    &id,
                    CardSessionState::Failed {
                        error: onshi_core::card_session::CardSessionError {
                            code: onshi_core::card_session::CardErrorCode::CardError,
                            message: "the gateway could not start a reader thread".into(),
                        },
                    },
                );
                SessionFailure::Internal(format!("cannot start the reader thread: {err}"))
            })?;
        info!(session = %id, "card session started");
        Ok(view)
    }

    /// The session's current view.
    pub fn get(&self, id: &str) -> Option<CardSessionView> {
        self.shared.registry().sessions.get(id).map(|e| e.view(id))
    }

    /// Whether `secret` is the session's (compared as digests, in constant time).
    pub fn authorize(&self, id: &str, secret: Option<&str>) -> Result<(), SessionFailure> {
        let registry = self.shared.registry();
        let entry = registry.sessions.get(id).ok_or(SessionFailure::NotFound)?;
        let secret = secret.ok_or(SessionFailure::Secret)?;
        let given: [u8; 32] = Sha256::digest(secret.as_bytes()).into();
        let differs = given
            .iter()
            .zip(entry.secret_digest.iter())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b));
        if differs == 0 {
            Ok(())
        } else {
            Err(SessionFailure::Secret)
        }
    }

    /// The state of session `id` if `owner` started it, and how long ago its state last
    /// changed (for a finished session: how long ago it finished, since a finished state
    /// never changes). Another caller's session is refused as a wrong secret would be.
    pub fn state_for(
        &self,
        id: &str,
        owner: &str,
    ) -> Result<(CardSessionState, Duration), SessionFailure> {
        let registry = self.shared.registry();
        let entry = registry.sessions.get(id).ok_or(SessionFailure::NotFound)?;
        if &*entry.owner != owner {
            return Err(SessionFailure::Secret);
        }
        Ok((entry.state.clone(), entry.touched.elapsed()))
    }

    /// Hands a (well-formed) PIN to the session waiting for it. With one try left the
    /// PIN goes to the card only if the user confirmed spending the last try.
    pub fn submit_pin(
        &self,
        id: &str,
        pin: Pin,
        last_try_confirmed: bool,
    ) -> Result<CardSessionView, SessionFailure> {
        self.act(id, Command::Pin(pin), |entry| match entry.state {
            CardSessionState::PinRequired { tries_left: 1, .. } if !last_try_confirmed => {
                Err(SessionFailure::LastTryNotConfirmed)
            }
            CardSessionState::PinRequired { .. } => Ok(()),
            _ => Err(SessionFailure::NotWaiting(
                "the session is not waiting for a PIN (see its state)",
            )),
        })
    }

    /// Staff confirmed face against the card photo: confirm by certificate, without PIN.
    pub fn visual_check(&self, id: &str) -> Result<CardSessionView, SessionFailure> {
        self.act(id, Command::VisualCheck, |entry| {
            if !matches!(entry.state, CardSessionState::PinRequired { .. }) {
                return Err(SessionFailure::NotWaiting(
                    "the session is not waiting for a PIN or a visual check (see its state)",
                ));
            }
            entry
                .visual_check_possible
                .then_some(())
                .ok_or(SessionFailure::NotWaiting(
                    "this token serves its certificate only after the PIN, so a visual check \
                 cannot confirm it",
                ))
        })
    }

    /// Marks the session verifying, then gives the worker `command`.
    fn act(
        &self,
        id: &str,
        command: Command,
        allowed: impl FnOnce(&Entry) -> Result<(), SessionFailure>,
    ) -> Result<CardSessionView, SessionFailure> {
        let mut registry = self.shared.registry();
        let entry = registry
            .sessions
            .get_mut(id)
            .ok_or(SessionFailure::NotFound)?;
        allowed(entry)?;
        entry.state = CardSessionState::Verifying;
        entry.touched = Instant::now();
        let event = entry.event(id);
        // A worker that is gone already published its end; the command (and PIN) drop here.
        let _ = entry.commands.send(command);
        entry.wake();
        drop(registry);
        let view = event.view.clone();
        let _ = self.shared.events.send(event);
        Ok(view)
    }

    /// Cancels a running session (a finished one is returned as it is) and waits, briefly,
    /// until its worker has reset the card and released the reader, so the answer means
    /// the reader is free.
    pub async fn cancel(&self, id: &str) -> Result<CardSessionView, SessionFailure> {
        let (view, mut released) = self.cancel_now(id)?;
        let wait = self.shared.settings.poll * 4 + RELEASE_GRACE;
        if tokio::time::timeout(wait, released.wait_for(|done| *done))
            .await
            .is_err()
        {
            warn!(session = %id, "the reader was not released in time after a cancel");
        }
        Ok(view)
    }

    fn cancel_now(
        &self,
        id: &str,
    ) -> Result<(CardSessionView, tokio::sync::watch::Receiver<bool>), SessionFailure> {
        let mut registry = self.shared.registry();
        let entry = registry
            .sessions
            .get_mut(id)
            .ok_or(SessionFailure::NotFound)?;
        let released = entry.released.clone();
        if entry.state.is_final() {
            return Ok((entry.view(id), released));
        }
        entry.state = CardSessionState::Cancelled;
        entry.touched = Instant::now();
        let _ = entry.commands.send(Command::Cancel);
        entry.wake();
        let event = entry.event(id);
        drop(registry);
        let view = event.view.clone();
        let _ = self.shared.events.send(event);
        info!(session = %id, "card session cancelled");
        Ok((view, released))
    }

    /// Cancels every running session (gateway shutdown); workers end within one poll.
    pub fn shutdown(&self) {
        let ids: Vec<String> = self
            .shared
            .registry()
            .sessions
            .iter()
            .filter(|(_, e)| !e.state.is_final())
            .map(|(id, _)| id.clone())
            .collect();
        for id in ids {
            if let Err(err) = self.cancel_now(&id) {
                warn!(session = %id, "cannot cancel at shutdown: {err}");
            }
        }
    }
}

/// 128 random bits in hex behind a prefix: never numeric, so it cannot be mistaken for a
/// reception-event id, and not guessable by another page.
fn new_id() -> Result<String, SessionFailure> {
    let mut bytes = [0u8; 16];
    getrandom::getrandom(&mut bytes).map_err(|err| {
        SessionFailure::Internal(format!("no randomness for a session id: {err}"))
    })?;
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    Ok(format!("cs-{hex}"))
}

/// 256 random bits, base64url: the session secret (only its digest is kept).
fn new_secret() -> Result<String, SessionFailure> {
    let mut bytes = [0u8; 32];
    getrandom::getrandom(&mut bytes).map_err(|err| {
        SessionFailure::Internal(format!("no randomness for a session secret: {err}"))
    })?;
    Ok(onshi_core::jose::encode(&bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_prefixed_random_hex() {
        let a = new_id().unwrap();
        let b = new_id().unwrap();
        assert_ne!(a, b);
        assert!(a.starts_with("cs-") && a.len() == 35, "{a}");
        assert!(a.parse::<i64>().is_err());
    }
}
