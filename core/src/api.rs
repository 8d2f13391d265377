//! JSON types of the gateway's HTTP API (v1), shared by the gateway and the component so
//! the two cannot drift apart.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::codes::{QualificationValidity, ReferenceClassification};
use crate::qualification::{ProcessingResult, QualificationRecord, QualificationResponse};

/// Default loopback port of the gateway.
pub const DEFAULT_PORT: u16 = 7611;

/// How the patient was identified at reception.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum QueryMethod {
    /// Insurance card or 資格確認書: 記号・番号・枝番 plus insurer number.
    InsuranceCard,
}

/// Body of `POST /v1/qualifications`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QualificationQuery {
    pub method: QueryMethod,
    pub insurer_number: String,
    #[serde(default)]
    pub symbol: String,
    pub number: String,
    #[serde(default)]
    pub branch: String,
    /// `YYYY-MM-DD`.
    pub birthdate: String,
    /// The receptionist saw the check-digit warning and sends the number as printed.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub override_check_digit: bool,
    /// The patient agreed to the clinic seeing their 限度額適用認定証 and 特定疾病療養受療証
    /// details (LimitApplicationCertificateRelatedConsFlg); without it the national side
    /// leaves them out.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub limit_consent: bool,
}

/// Outcome of a qualification check, in words a program can branch on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum QualificationStatus {
    Valid,
    Invalid,
    InvalidNewQualification,
    NotFound,
    Multiple,
    ValidUnregistered,
    /// A validity code this build does not know; `validity_code` carries it.
    Unknown,
}

impl QualificationStatus {
    pub fn from_validity(validity: &QualificationValidity) -> Self {
        match validity {
            QualificationValidity::Valid => Self::Valid,
            QualificationValidity::Invalid => Self::Invalid,
            QualificationValidity::InvalidNewQualification => Self::InvalidNewQualification,
            QualificationValidity::NotFound => Self::NotFound,
            QualificationValidity::Multiple => Self::Multiple,
            QualificationValidity::ValidUnregistered => Self::ValidUnregistered,
            QualificationValidity::Unknown(_) => Self::Unknown,
        }
    }

    /// Whether the patient may be treated under this insurance.
    pub fn is_valid(&self) -> bool {
        matches!(self, Self::Valid | Self::ValidUnregistered)
    }
}

/// Answer of `POST /v1/qualifications` (and, later, of card and face results).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QualificationAnswer {
    pub status: QualificationStatus,
    /// The 資格有効性 code as the terminal wrote it.
    pub validity_code: Option<String>,
    pub reference_classification: Option<ReferenceClassification>,
    /// 処理実行日時 of the terminal, `yyyyMMddHHmmss`.
    pub checked_at: Option<String>,
    /// Advisory text the national side attached to a successful answer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub advisory: Option<ProcessingResult>,
    /// Usually one record; several when the status is `multiple`.
    pub results: Vec<QualificationRecord>,
    /// The gateway's signature over this answer (see [`crate::answer_token`]), so the
    /// EMR's server can check what the desk was shown; absent on event-borne answers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
}

impl QualificationAnswer {
    /// Builds the answer from a completed terminal response.
    ///
    /// The status comes from the 資格有効性 code alone. A response without one is not a
    /// qualification answer: its status is [`QualificationStatus::Unknown`] with no
    /// `validity_code`, never a made-up 該当資格なし (callers treat such a file as a bad
    /// response, see [`Self::has_validity`]).
    pub fn from_response(response: QualificationResponse) -> Self {
        let validity_code = response.validity.as_ref().map(|v| v.code().to_string());
        let status = response.validity.as_ref().map_or(
            QualificationStatus::Unknown,
            QualificationStatus::from_validity,
        );
        let advisory = (response.processing.code.is_some()
            || response.processing.message.is_some())
        .then_some(response.processing);
        Self {
            status,
            validity_code,
            reference_classification: response.header.reference_classification,
            checked_at: response.header.process_execution_time,
            advisory,
            results: response.results,
            token: None,
        }
    }

    /// Whether the terminal wrote a 資格有効性 code (known or not). Without one the answer
    /// says nothing about the patient's qualification.
    pub fn has_validity(&self) -> bool {
        self.validity_code.is_some()
    }
}

/// `GET /v1/health`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Health {
    /// `"ok"` while the gateway answers.
    pub status: String,
    pub mode: GatewayMode,
    pub terminal: TerminalState,
    pub version: String,
    /// The gateway's store; absent from gateways that predate it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub store: Option<StoreHealth>,
    /// Other desks' gateways seen on the same terminal share; absent from gateways that
    /// predate it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub desks: Option<DeskPresence>,
}

/// Which store a gateway keeps its data in, and whether it answers now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoreHealth {
    pub backend: StoreBackend,
    /// `false`: the desk refuses store writes (503 `store_unavailable`) until it is back.
    pub reachable: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StoreBackend {
    /// One PC: an embedded file in the data folder.
    Sqlite,
    /// A clinic: one database every desk shares.
    Postgres,
}

/// What this gateway knows of the other desks on its terminal share (from their
/// heartbeat files in the share).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct DeskPresence {
    /// Other desks' gateways seen on the share within the last minute.
    pub others: u32,
    /// Whether every one of them keeps its data in the same store as this desk. `false`
    /// means face results reach only one desk and nothing is shared: the desks need one
    /// PostgreSQL store (`--store postgres://…`).
    pub shared_store: bool,
}

impl DeskPresence {
    /// Other desks share the terminal but not this desk's store.
    pub fn needs_shared_store(&self) -> bool {
        self.others > 0 && !self.shared_store
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GatewayMode {
    Sim,
    Terminal,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TerminalState {
    Online,
    Degraded,
    Offline,
}

/// `GET /v1/qualifications/queue/{ref}`: where a request sent with `x-onshi-request: ref`
/// stands while it waits for one of the terminal's sessions (shared by every desk).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum QueuePlace {
    /// The terminal is saturated; `ahead` requests (any desk's) came earlier and wait.
    Waiting { ahead: u32 },
    /// Sent to the terminal; its answer is awaited.
    AtTerminal,
}

/// Answer of `POST /v1/event-tickets`: a one-time name for opening `GET /v1/events`
/// (`?ticket=`), because `EventSource` cannot send the credential as a header. It works
/// once, within [`EventTicket::expires_in_secs`], and the stream it opens ends when the
/// credential it was issued for expires; a page then asks for a new one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventTicket {
    pub ticket: String,
    pub expires_in_secs: u64,
}

/// Error body of every non-2xx answer: `{"error": {...}}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiErrorBody {
    pub error: ApiError,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiError {
    pub code: ErrorCode,
    pub message: String,
    /// Per-field problem codes (see [`crate::query::FieldProblem`]) for 422 answers.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub fields: BTreeMap<String, String>,
}

/// Machine-readable error codes of the API.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// 422: one or more fields are malformed; see `fields`.
    InvalidInput,
    /// 422: only check digits failed; resend with `override_check_digit`.
    CheckDigit,
    /// 400: the body is not JSON of the expected shape.
    BadRequest,
    /// 403: the page's Origin is not on the allowlist.
    OriginNotAllowed,
    /// 421: the Host header is not the gateway's own (DNS rebinding).
    HostNotAllowed,
    /// 404.
    NotFound,
    /// 504: the terminal did not answer in time.
    TerminalTimeout,
    /// 502: the terminal's answer could not be read; the file is kept.
    TerminalBadResponse,
    /// 502: the answer file names another request, institution or patient than the one
    /// asked for (a misplaced file); it is kept aside and never shown.
    TerminalAnswerMismatch,
    /// 502: the terminal or the national system reported an error.
    TerminalError,
    /// 503: the terminal folder cannot be reached.
    TerminalUnavailable,
    /// 500: a fault inside the gateway.
    Internal,
    /// 409: a card session is already running on that reader (one at a time per reader).
    SessionActive,
    /// 409: the card session is not waiting for that (no PIN prompt or visual check open).
    SessionNotWaiting,
    /// 503: no PC/SC service (pcscd) or no card reader.
    ReaderUnavailable,
    /// 503: the gateway's store (SQLite file or PostgreSQL) cannot be reached, so nothing
    /// that would have to be stored is started; retry when `GET /v1/health` reports the
    /// store reachable again.
    StoreUnavailable,
    /// 401: no `Authorization: Bearer` credential (or stream ticket) came with the request.
    CredentialMissing,
    /// 401: the credential is forged, malformed, for another gateway, or not yet valid.
    CredentialInvalid,
    /// 401: the credential has expired; fetch a fresh one from the EMR and retry.
    CredentialExpired,
    /// 403: the caller's role may not do this (see `onshi_core::roles`).
    RoleNotAllowed,
    /// 403: the caller's licence may not see this.
    LicenceNotAllowed,
    /// 403: the card session's secret is missing or wrong; only the caller that started a
    /// session may drive it.
    SessionSecretInvalid,
    /// 409: the card has one PIN try left and the request did not say the user confirmed
    /// spending it (`confirm_last_try: true`).
    LastTryNotConfirmed,
    /// 503: the gateway is handling as many requests as it takes at once; retry shortly.
    Busy,
    /// 503: as many event streams (`GET /v1/events`) are open as the gateway keeps; close
    /// another page's stream or retry later.
    TooManyStreams,
    /// 503: the gateway could not answer in time (a hang other than the terminal's, which
    /// is `terminal_timeout`); retry.
    RequestTimeout,
    /// 409: the card session has not (or not successfully) confirmed a patient with
    /// insurance numbers, so there is nobody to record a consent for; finish the card
    /// read first.
    SessionNotDone,
    /// 409: the card session confirmed its patient too long ago (over 10 minutes) to stand
    /// for the person at the kiosk now; read the card again.
    SessionTooOld,
}

/// What a reception-queue event reports. Sent as the SSE `event:` name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReceptionEventKind {
    /// The face-recognition card reader confirmed a patient; `answer` holds the result.
    FaceResult,
    /// A file in the terminal's `face/` folder could not be read; `error` says why, without
    /// patient data, and the file is kept in the gateway's `rejected/` folder.
    FaceError,
    /// A card session on a reader the gateway drives confirmed a patient (PIN or visual
    /// check); `answer` holds the result, `source_file` names the session
    /// (`card-session/<id>`), since no terminal file is involved.
    CardResult,
}

impl ReceptionEventKind {
    /// The snake_case name, as in JSON and as the SSE event name.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::FaceResult => "face_result",
            Self::FaceError => "face_error",
            Self::CardResult => "card_result",
        }
    }

    /// The inverse of [`Self::as_str`]; `None` for a name this build does not know.
    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "face_result" => Some(Self::FaceResult),
            "face_error" => Some(Self::FaceError),
            "card_result" => Some(Self::CardResult),
            _ => None,
        }
    }
}

/// One entry of the reception queue, as pushed by `GET /v1/events` (SSE `data:`) and listed
/// by `GET /v1/reception-queue`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReceptionEvent {
    /// The gateway's store id, also the SSE `id:`; later events have larger ids, so a
    /// client resumes with the last id it saw.
    pub id: i64,
    /// When the gateway took the file in, RFC 3339 in Japan time
    /// (`2026-11-25T08:30:11.123+09:00`).
    pub received_at: String,
    pub kind: ReceptionEventKind,
    /// The file's name in the terminal's `face/` folder (no path).
    pub source_file: String,
    /// The result, for [`ReceptionEventKind::FaceResult`]; consent flags and times are in
    /// each record's `viewing_consents`.
    #[serde(default)]
    pub answer: Option<QualificationAnswer>,
    /// The patient's choice at the reader (電子処方箋 or 紙), when the file carries it.
    #[serde(default)]
    pub prescription_issue_select: Option<crate::codes::PrescriptionIssueSelect>,
    /// Why the file was refused, for [`ReceptionEventKind::FaceError`].
    #[serde(default)]
    pub error: Option<String>,
    /// How the patient was identified: `face_recognition` for
    /// [`ReceptionEventKind::FaceResult`], `pin` or `visual_check` for
    /// [`ReceptionEventKind::CardResult`]. Absent for a
    /// [`ReceptionEventKind::FaceError`] and for events stored before the gateway recorded it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verification: Option<crate::card_session::VerificationMethod>,
}

/// `GET /v1/reception-queue`: events in id order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReceptionQueue {
    pub events: Vec<ReceptionEvent>,
    /// More events follow; ask again with `after` set to the last id.
    pub more: bool,
}

/// `POST /v1/sim/face-results` (simulator only): the face result file it dropped.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SimFaceDrop {
    /// File name in the simulated terminal's `face/` folder.
    pub file: String,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::qualification::{Insurance, QualificationRecord};

    fn response(validity: Option<QualificationValidity>, records: usize) -> QualificationResponse {
        let record = QualificationRecord {
            insurance: Insurance {
                number: Some("1234".to_string()),
                ..Insurance::default()
            },
            ..QualificationRecord::default()
        };
        QualificationResponse {
            validity,
            results: vec![record; records],
            ..QualificationResponse::default()
        }
    }

    #[test]
    fn status_follows_the_validity_code() {
        let answer =
            QualificationAnswer::from_response(response(Some(QualificationValidity::NotFound), 0));
        assert_eq!(answer.status, QualificationStatus::NotFound);
        assert_eq!(answer.validity_code.as_deref(), Some("4"));
        assert!(answer.has_validity());

        let answer =
            QualificationAnswer::from_response(response(Some(QualificationValidity::Multiple), 2));
        assert_eq!(answer.status, QualificationStatus::Multiple);
        assert_eq!(answer.results.len(), 2);

        let answer = QualificationAnswer::from_response(response(
            Some(QualificationValidity::from_code("7")),
            1,
        ));
        assert_eq!(answer.status, QualificationStatus::Unknown);
        assert_eq!(answer.validity_code.as_deref(), Some("7"));
        assert!(answer.has_validity());
    }

    #[test]
    fn a_response_without_validity_is_never_a_definite_answer() {
        for records in [0, 1] {
            let answer = QualificationAnswer::from_response(response(None, records));
            assert_eq!(answer.status, QualificationStatus::Unknown, "{records}");
            assert_eq!(answer.validity_code, None);
            assert!(!answer.has_validity());
            assert!(!answer.status.is_valid());
        }
    }

    #[test]
    fn only_valid_statuses_allow_treatment() {
        assert!(QualificationStatus::Valid.is_valid());
        assert!(QualificationStatus::ValidUnregistered.is_valid());
        for status in [
            QualificationStatus::Invalid,
            QualificationStatus::InvalidNewQualification,
            QualificationStatus::NotFound,
            QualificationStatus::Multiple,
            QualificationStatus::Unknown,
        ] {
            assert!(!status.is_valid(), "{status:?}");
        }
    }

    #[test]
    fn health_from_an_older_gateway_still_reads() {
        let old = r#"{"status":"ok","mode":"sim","terminal":"online","version":"0.1.0"}"#;
        let health: Health = serde_json::from_str(old).unwrap();
        assert_eq!(health.store, None);
        assert_eq!(health.desks, None);
        let new = r#"{"status":"ok","mode":"terminal","terminal":"online","version":"0.2.0",
                      "store":{"backend":"postgres","reachable":false},
                      "desks":{"others":2,"shared_store":false}}"#;
        let health: Health = serde_json::from_str(new).unwrap();
        assert_eq!(
            health.store,
            Some(StoreHealth {
                backend: StoreBackend::Postgres,
                reachable: false
            })
        );
        assert!(health.desks.unwrap().needs_shared_store());
        assert_eq!(
            serde_json::to_value(ErrorCode::StoreUnavailable).unwrap(),
            "store_unavailable"
        );
    }

    #[test]
    fn overload_codes_have_their_wire_names() {
        for (code, name) in [
            (ErrorCode::Busy, "busy"),
            (ErrorCode::TooManyStreams, "too_many_streams"),
            (ErrorCode::RequestTimeout, "request_timeout"),
            (ErrorCode::SessionNotDone, "session_not_done"),
            (ErrorCode::SessionTooOld, "session_too_old"),
        ] {
            assert_eq!(serde_json::to_value(code).unwrap(), name);
        }
    }
}
