//! JSON types of the gateway's card-session API: a My Number Card read on a reader the
//! gateway drives (PC/SC), step by step, with the PIN entered only by the person at the desk.
//!
//! - `POST /v1/card-sessions` (body [`StartCardSession`]) → 201 [`CardSessionView`]
//! - `GET /v1/card-sessions/{id}` → [`CardSessionView`] (polling fallback)
//! - `POST /v1/card-sessions/{id}/pin` (body [`PinEntry`]) → 202 [`CardSessionView`]
//! - `POST /v1/card-sessions/{id}/visual-check` (body [`VisualCheck`]) → 202 [`CardSessionView`]
//! - `DELETE /v1/card-sessions/{id}` → 200 [`CardSessionView`] (cancelled)
//! - progress is pushed on `GET /v1/events` as SSE `event: card_session`, `data:` a
//!   [`CardSessionView`] (not stored: a page that reconnects asks `GET …/{id}`).

use serde::{Deserialize, Serialize};

use crate::api::QualificationAnswer;

/// How the person in front of the desk was identified.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VerificationMethod {
    /// 4-digit 利用者証明用 PIN verified by the card.
    Pin,
    /// The face-recognition card reader matched the face to the card photo.
    FaceRecognition,
    /// 目視確認: a staff member compared the face with the card photo.
    VisualCheck,
}

/// Which kind of JPKI token answered: the card itself or a smartphone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TokenKind {
    Card,
    Android,
    Iphone,
    Other,
}

/// Body of `POST /v1/card-sessions`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StartCardSession {
    /// PC/SC reader name; `None` takes the first reader that has or gets a card.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reader: Option<String>,
}

/// Body of `POST /v1/card-sessions/{id}/pin`. Never logged or stored.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PinEntry {
    pub pin: String,
    /// The user confirmed spending the card's last PIN try. With one try left the gateway
    /// refuses a PIN without it (`last_try_not_confirmed`), so no page can lock a card
    /// without the user's say.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub confirm_last_try: bool,
}

impl std::fmt::Debug for PinEntry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PinEntry(****)")
    }
}

/// Body of `POST /v1/card-sessions/{id}/visual-check`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VisualCheck {
    /// The staff member confirms they compared the face with the card photo.
    pub staff_confirmed: bool,
}

/// A card session as the component shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CardSessionView {
    pub id: String,
    #[serde(flatten)]
    pub state: CardSessionState,
    /// Only in the `201` of `POST /v1/card-sessions`: the secret the caller sends as
    /// [`SESSION_SECRET_HEADER`] to drive the session (PIN, visual check, cancel, state).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
}

/// Header carrying a card session's secret.
pub const SESSION_SECRET_HEADER: &str = "x-onshi-session-secret";

/// Where a card session stands. Serialized with a `"state"` tag.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum CardSessionState {
    /// No card on the reader yet.
    WaitingForCard { readers: Vec<String> },
    /// Reading the certificate and the PIN tries left (no try is spent).
    Reading,
    /// The card waits for the PIN; nothing is sent to it until the user acts.
    PinRequired {
        tries_left: u8,
        token: TokenKind,
        /// The previous PIN of this session was wrong.
        #[serde(default)]
        previous_attempt_failed: bool,
    },
    /// PIN sent, or visual check confirmed; the card signs and the national side answers.
    Verifying,
    /// Qualification confirmed.
    Done {
        method: VerificationMethod,
        answer: QualificationAnswer,
    },
    /// The session ended without a result; a new session is needed.
    Failed { error: CardSessionError },
    /// Cancelled by the user.
    Cancelled,
}

impl CardSessionState {
    /// Whether the session can no longer change.
    pub fn is_final(&self) -> bool {
        matches!(
            self,
            Self::Done { .. } | Self::Failed { .. } | Self::Cancelled
        )
    }
}

/// Why a card session failed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CardSessionError {
    pub code: CardErrorCode,
    pub message: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CardErrorCode {
    /// The PIN is blocked: it must be reset at the municipal office (市区町村窓口).
    PinBlocked,
    /// The card was taken off the reader before the session finished.
    CardRemoved,
    /// The card is not a My Number Card (no JPKI AP).
    NotMyNumberCard,
    /// The authentication certificate has expired or is not valid yet.
    CertificateExpired,
    /// The national side refused the certificate or the signature.
    AuthenticationRejected,
    /// No PC/SC service or reader.
    ReaderUnavailable,
    /// The card answered something the flow cannot use.
    CardError,
    /// The terminal or national side did not answer in time.
    TerminalTimeout,
    /// The terminal or national side reported an error.
    TerminalError,
}
