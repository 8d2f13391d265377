//! A My Number Card read on the gateway's reader, as the desk follows it: starting the
//! session, what the gateway reports (SSE `card_session` events, the polling fallback,
//! and the answers to each step), the PIN or visual-check step and its failures.
//! The flow lives inside [`crate::state::Phase::Card`]; finishing it is decided there.

use onshi_core::card_session::{CardErrorCode, CardSessionState, CardSessionView};

use crate::api::ClientError;

/// A card session a page left while it was still going; the page cancels it
/// (`DELETE`). Numbered so each one is sent once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Abandoned {
    pub seq: u64,
    pub session_id: String,
}

/// A page state that holds a card attempt (the reception desk's, the kiosk's): what the
/// card hooks ([`crate::hooks::use_card_runner`], [`crate::hooks::use_card_commands`])
/// read from it and dispatch to it, so both pages drive sessions with the same code.
pub trait CardHost: yew::Reducible + 'static {
    /// The card attempt on screen and its number.
    fn card(&self) -> Option<(u64, &CardFlow)>;
    /// The latest session left while still going, to be cancelled.
    fn abandoned(&self) -> Option<&Abandoned>;
    /// The action carrying step `action` of attempt `seq`.
    fn card_step(seq: u64, action: CardAction) -> Self::Action;
    /// The action carrying a report of the gateway on a session.
    fn card_report(view: CardSessionView) -> Self::Action;
}

/// How long the component waits for an SSE report before asking `GET …/{id}`.
pub const POLL_FALLBACK_MS: u32 = 2_000;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CardStage {
    /// `POST /v1/card-sessions` is in flight.
    Starting,
    /// The latest state the gateway reported (never `Done` or `Cancelled`: those leave
    /// the card phase).
    Session(CardSessionState),
    /// The session could not be started.
    StartFailed(ClientError),
}

/// A step request in flight.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Busy {
    Pin,
    VisualCheck,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CardFlow {
    pub session_id: Option<String>,
    pub stage: CardStage,
    pub busy: Option<Busy>,
    /// The visual-check confirmation is open; `true` once the staff ticked the box.
    pub visual_check: Option<bool>,
    /// A step or poll request failed; the session itself may still go on.
    pub request_error: Option<ClientError>,
    /// Bumped by every report or missed poll: re-arms the polling fallback.
    pub revision: u32,
}

/// What the card flow is asked to do (responses carry the attempt they belong to).
#[derive(Debug, Clone, PartialEq)]
pub enum CardAction {
    Started(Result<CardSessionView, ClientError>),
    Sending(Busy),
    StepFailed(ClientError),
    PollFailed(ClientError),
    OpenVisualCheck,
    TickVisualCheck(bool),
    CloseVisualCheck,
}

impl CardFlow {
    pub fn starting() -> Self {
        Self {
            session_id: None,
            stage: CardStage::Starting,
            busy: None,
            visual_check: None,
            request_error: None,
            revision: 0,
        }
    }

    /// Still going: the desk may cancel it and the gateway may report on it.
    pub fn is_active(&self) -> bool {
        match &self.stage {
            CardStage::Starting => true,
            CardStage::Session(state) => !state.is_final(),
            CardStage::StartFailed(_) => false,
        }
    }

    /// The session to cancel if the desk leaves now.
    pub fn live_session(&self) -> Option<&str> {
        self.is_active()
            .then_some(self.session_id.as_deref())
            .flatten()
    }

    /// Tries left, while the card waits for the PIN.
    pub fn tries_left(&self) -> Option<u8> {
        match &self.stage {
            CardStage::Session(CardSessionState::PinRequired { tries_left, .. }) => {
                Some(*tries_left)
            }
            _ => None,
        }
    }

    /// Takes a report of this flow's session (`Done`/`Cancelled` are handled by the caller).
    pub(crate) fn report(&mut self, state: CardSessionState) {
        let leaves_pin = !matches!(state, CardSessionState::PinRequired { .. });
        self.stage = CardStage::Session(state);
        self.busy = None;
        self.request_error = None;
        self.revision = self.revision.wrapping_add(1);
        if leaves_pin {
            self.visual_check = None;
        }
    }

    /// Applies a step action; `None` when it changes nothing.
    pub(crate) fn apply(&self, action: CardAction) -> Option<CardFlow> {
        let mut next = self.clone();
        match action {
            CardAction::Started(_) => return None, // handled by the reception state
            CardAction::Sending(busy) => {
                if self.busy.is_some() || self.tries_left().is_none() {
                    return None;
                }
                next.busy = Some(busy);
                next.request_error = None;
            }
            CardAction::StepFailed(error) => {
                next.busy = None;
                next.request_error = Some(error);
            }
            CardAction::PollFailed(error) => {
                if !self.is_active() {
                    return None;
                }
                next.request_error = Some(error);
                next.revision = next.revision.wrapping_add(1);
            }
            CardAction::OpenVisualCheck => {
                if self.tries_left().is_none() || self.visual_check.is_some() {
                    return None;
                }
                next.visual_check = Some(false);
            }
            CardAction::TickVisualCheck(ticked) => {
                if self.visual_check.is_none() || self.visual_check == Some(ticked) {
                    return None;
                }
                next.visual_check = Some(ticked);
            }
            CardAction::CloseVisualCheck => {
                if self.visual_check.is_none() || self.busy.is_some() {
                    return None;
                }
                next.visual_check = None;
            }
        }
        Some(next)
    }
}

/// Whether a failed session is worth a new attempt right away (a blocked PIN or an
/// expired certificate needs the municipal office, not another read).
pub fn can_retry(code: CardErrorCode) -> bool {
    !matches!(
        code,
        CardErrorCode::PinBlocked | CardErrorCode::CertificateExpired
    )
}
