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

/// A card session as the component shows it. On the wire the state's fields sit beside
/// `id` (`{"id", "state": "pin_required", "tries_left", …}`), read and written through the
/// flat [`CardSessionWire`] rather than `#[serde(flatten)]` over a tagged enum, which
/// would buffer every answer and compile its whole decoder a second time into the
/// browser bundle.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "CardSessionWire", into = "CardSessionWire")]
pub struct CardSessionView {
    pub id: String,
    pub state: CardSessionState,
    /// Only in the `201` of `POST /v1/card-sessions`: the secret the caller sends as
    /// [`SESSION_SECRET_HEADER`] to drive the session (PIN, visual check, cancel, state).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
}

/// Header carrying a card session's secret.
pub const SESSION_SECRET_HEADER: &str = "x-onshi-session-secret";

/// Where a card session stands; on the wire, `"state"` names the variant (see
/// [`CardSessionView`]).
#[derive(Debug, Clone, PartialEq, Eq)]
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

/// The wire form of [`CardSessionView`]: the variant's name in `state`, its fields
/// beside it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CardSessionWire {
    id: String,
    state: StateName,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    readers: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    tries_left: Option<u8>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    token: Option<TokenKind>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    previous_attempt_failed: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    method: Option<VerificationMethod>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    answer: Option<QualificationAnswer>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    error: Option<CardSessionError>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    secret: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum StateName {
    WaitingForCard,
    Reading,
    PinRequired,
    Verifying,
    Done,
    Failed,
    Cancelled,
}

impl From<CardSessionView> for CardSessionWire {
    fn from(view: CardSessionView) -> Self {
        let mut wire = CardSessionWire {
            id: view.id,
            state: StateName::Reading,
            readers: None,
            tries_left: None,
            token: None,
            previous_attempt_failed: None,
            method: None,
            answer: None,
            error: None,
            secret: view.secret,
        };
        wire.state = match view.state {
            CardSessionState::WaitingForCard { readers } => {
                wire.readers = Some(readers);
                StateName::WaitingForCard
            }
            CardSessionState::Reading => StateName::Reading,
            CardSessionState::PinRequired {
                tries_left,
                token,
                previous_attempt_failed,
            } => {
                wire.tries_left = Some(tries_left);
                wire.token = Some(token);
                wire.previous_attempt_failed = Some(previous_attempt_failed);
                StateName::PinRequired
            }
            CardSessionState::Verifying => StateName::Verifying,
            CardSessionState::Done { method, answer } => {
                wire.method = Some(method);
                wire.answer = Some(answer);
                StateName::Done
            }
            CardSessionState::Failed { error } => {
                wire.error = Some(error);
                StateName::Failed
            }
            CardSessionState::Cancelled => StateName::Cancelled,
        };
        wire
    }
}

impl TryFrom<CardSessionWire> for CardSessionView {
    type Error = String;

    fn try_from(wire: CardSessionWire) -> Result<Self, String> {
        let name = wire.state;
        let missing = |field: &str| format!("a {name:?} card session needs `{field}`");
        let state = match wire.state {
            StateName::WaitingForCard => CardSessionState::WaitingForCard {
                readers: wire.readers.ok_or_else(|| missing("readers"))?,
            },
            StateName::Reading => CardSessionState::Reading,
            StateName::PinRequired => CardSessionState::PinRequired {
                tries_left: wire.tries_left.ok_or_else(|| missing("tries_left"))?,
                token: wire.token.ok_or_else(|| missing("token"))?,
                previous_attempt_failed: wire.previous_attempt_failed.unwrap_or(false),
            },
            StateName::Verifying => CardSessionState::Verifying,
            StateName::Done => CardSessionState::Done {
                method: wire.method.ok_or_else(|| missing("method"))?,
                answer: wire.answer.ok_or_else(|| missing("answer"))?,
            },
            StateName::Failed => CardSessionState::Failed {
                error: wire.error.ok_or_else(|| missing("error"))?,
            },
            StateName::Cancelled => CardSessionState::Cancelled,
        };
        Ok(CardSessionView {
            id: wire.id,
            state,
            secret: wire.secret,
        })
    }
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

#[cfg(test)]
mod tests {
    use serde_json::{json, Value};

    use super::*;
    use crate::api::QualificationStatus;

    fn view(state: CardSessionState) -> CardSessionView {
        CardSessionView {
            id: "s1".into(),
            state,
            secret: None,
        }
    }

    /// The JSON every state has on the wire (the shape `#[serde(flatten)]` over a
    /// `tag = "state"` enum gave before), and back to the same value.
    #[test]
    fn every_state_keeps_its_wire_shape() {
        let answer = QualificationAnswer {
            status: QualificationStatus::Valid,
            validity_code: Some("1".into()),
            reference_classification: None,
            checked_at: None,
            advisory: None,
            results: Vec::new(),
            token: None,
        };
        let answer_json = serde_json::to_value(&answer).unwrap();
        let cases: Vec<(CardSessionState, Value)> = vec![
            (
                CardSessionState::WaitingForCard {
                    readers: vec!["R 00".into()],
                },
                json!({"id": "s1", "state": "waiting_for_card", "readers": ["R 00"]}),
            ),
            (
                CardSessionState::Reading,
                json!({"id": "s1", "state": "reading"}),
            ),
            (
                CardSessionState::PinRequired {
                    tries_left: 1,
                    token: TokenKind::Card,
                    previous_attempt_failed: false,
                },
                json!({"id": "s1", "state": "pin_required", "tries_left": 1, "token": "card",
                       "previous_attempt_failed": false}),
            ),
            (
                CardSessionState::Verifying,
                json!({"id": "s1", "state": "verifying"}),
            ),
            (
                CardSessionState::Done {
                    method: VerificationMethod::VisualCheck,
                    answer: answer.clone(),
                },
                json!({"id": "s1", "state": "done", "method": "visual_check",
                       "answer": answer_json}),
            ),
            (
                CardSessionState::Failed {
                    error: CardSessionError {
                        code: CardErrorCode::CardRemoved,
                        message: "gone".into(),
                    },
                },
                json!({"id": "s1", "state": "failed",
                       "error": {"code": "card_removed", "message": "gone"}}),
            ),
            (
                CardSessionState::Cancelled,
                json!({"id": "s1", "state": "cancelled"}),
            ),
        ];
        for (state, expected) in cases {
            let view = view(state);
            assert_eq!(serde_json::to_value(&view).unwrap(), expected);
            let back: CardSessionView = serde_json::from_value(expected).unwrap();
            assert_eq!(back, view);
        }
        let with_secret = CardSessionView {
            secret: Some("s3cr3t".into()),
            ..view(CardSessionState::Reading)
        };
        let json = serde_json::to_value(&with_secret).unwrap();
        assert_eq!(json["secret"], "s3cr3t");
        assert_eq!(
            serde_json::from_value::<CardSessionView>(json).unwrap(),
            with_secret
        );
    }

    #[test]
    fn a_state_without_its_fields_or_an_unknown_state_is_refused() {
        for body in [
            json!({"id": "s1", "state": "pin_required", "token": "card"}),
            json!({"id": "s1", "state": "done", "method": "pin"}),
            json!({"id": "s1", "state": "failed"}),
            json!({"id": "s1", "state": "waiting_for_card"}),
            json!({"id": "s1", "state": "exploded"}),
            json!({"state": "reading"}),
        ] {
            assert!(
                serde_json::from_value::<CardSessionView>(body.clone()).is_err(),
                "{body}"
            );
        }
        // An older gateway's pin_required without the flag reads as "not failed before".
        let old = json!({"id": "s1", "state": "pin_required", "tries_left": 3, "token": "card"});
        let view: CardSessionView = serde_json::from_value(old).unwrap();
        assert!(matches!(
            view.state,
            CardSessionState::PinRequired {
                previous_attempt_failed: false,
                ..
            }
        ));
    }
}
