//! Talking to the local gateway.
//!
//! Two layers. Below, the object-safe [`GatewayClient`] and [`EventFeed`] traits: one
//! HTTP exchange per call with the credential and session secret it is given, so browser
//! tests can script answers and push events, and the real [`HttpGateway`] and
//! [`BrowserEventFeed`] stay thin layers over `fetch` and `EventSource`. Above,
//! [`Gateway`]: what the component calls. It adds the credential (and one retry with a
//! fresh one after `credential_expired`), keeps card-session secrets in memory, verifies
//! the gateway's signature over each answer before anyone sees it, and opens the event
//! stream with a one-time ticket. Tests and production share that layer.

mod authorized;
mod error;
mod feed;
mod http;
mod keys;

use std::marker::PhantomData;

use futures::future::LocalBoxFuture;
use onshi_core::api::{EventTicket, Health, QualificationAnswer, QualificationQuery, QueuePlace};
use onshi_core::card_session::{CardSessionView, PinEntry, StartCardSession};
use onshi_core::consent::{ConsentOverview, ConsentRecord, GiveConsent};
use onshi_core::jose::KeySet;

pub use authorized::Recorded;
pub use authorized::{authorized, Gateway, SessionSecrets};
pub use error::{read_answer, read_body, ClientError};
pub use feed::{BrowserEventFeed, EventFeed, FeedMessage, FeedSignal, Subscription};
pub use http::{
    AbortGuard, HttpGateway, CARD_CLIENT_TIMEOUT_MS, CLIENT_TIMEOUT_MS, HEALTH_TIMEOUT_MS,
    QUEUE_PLACE_TIMEOUT_MS, REQUEST_REF_HEADER,
};
pub use keys::AnswerKeys;

/// A JSON text of type `T`: an answer as it came, or a request body as it goes. Read
/// with [`Json::read`] only where the value is used: a [`GatewayClient`] method typed by
/// its answer would link that answer's decoder into every page that holds a client (its
/// methods are a vtable), even pages that never make the call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Json<T> {
    text: String,
    _type: PhantomData<fn() -> T>,
}

impl<T> Json<T> {
    /// `text`, taken to be a `T` (checked by [`Json::read`]).
    pub fn from_text(text: String) -> Self {
        Self {
            text,
            _type: PhantomData,
        }
    }

    pub fn text(&self) -> &str {
        &self.text
    }
}

impl<T: serde::de::DeserializeOwned> Json<T> {
    /// The value; a text that is not a `T` is [`ClientError::Decode`].
    pub fn read(&self) -> Result<T, ClientError> {
        crate::json::from_str(&self.text)
            .map_err(|e| ClientError::Decode(format!("the gateway's answer: {e}")))
    }
}

impl<T: serde::Serialize> Json<T> {
    /// `value` as JSON.
    pub fn of(value: &T) -> Self {
        // The wire types always serialize.
        Self::from_text(serde_json::to_string(value).unwrap_or_default())
    }
}

/// A gateway call in flight. Dropping it cancels the request: implementations must not
/// keep working (or keep a connection open) for an answer nobody waits for.
pub type Call<T> = LocalBoxFuture<'static, Result<T, ClientError>>;

/// How often the component asks the gateway how it is: often enough that a stopped
/// terminal or database shows within a patient or two, rarely enough to cost nothing.
pub const HEALTH_EVERY_MS: u32 = 30_000;

/// One exchange with the gateway per call. `bearer` is the EMR's credential (sent as
/// `Authorization: Bearer`); a card session's calls also carry the `secret` its `201`
/// returned (`x-onshi-session-secret`), when the desk has it.
pub trait GatewayClient {
    /// `POST /v1/qualifications`, sent with `x-onshi-request: request_ref` so that
    /// [`Self::queue_place`] can ask where it stands while the terminal is busy.
    fn qualify(
        &self,
        bearer: &str,
        query: QualificationQuery,
        request_ref: &str,
    ) -> Call<QualificationAnswer>;

    /// `GET /v1/qualifications/queue/{request_ref}`: where that request waits. A request
    /// that finished (or never arrived) is a 404 [`ClientError::Api`].
    fn queue_place(&self, bearer: &str, request_ref: &str) -> Call<QueuePlace>;

    /// `POST /v1/card-sessions`; the answer carries the session's `secret`.
    fn start_card_session(&self, bearer: &str, start: StartCardSession) -> Call<CardSessionView>;

    /// `GET /v1/card-sessions/{id}` (the fallback when no SSE event arrives).
    fn card_session(&self, bearer: &str, id: &str, secret: Option<&str>) -> Call<CardSessionView>;

    /// `POST /v1/card-sessions/{id}/pin`. The PIN is moved in and dropped with the call.
    fn send_pin(
        &self,
        bearer: &str,
        id: &str,
        secret: Option<&str>,
        pin: PinEntry,
    ) -> Call<CardSessionView>;

    /// `POST /v1/card-sessions/{id}/visual-check` with `staff_confirmed: true`.
    fn visual_check(&self, bearer: &str, id: &str, secret: Option<&str>) -> Call<CardSessionView>;

    /// `DELETE /v1/card-sessions/{id}`.
    fn cancel_card_session(
        &self,
        bearer: &str,
        id: &str,
        secret: Option<&str>,
    ) -> Call<CardSessionView>;

    /// `GET /v1/consents?session={session}`: the consents of the patient that card
    /// session authenticated (kiosk role, with the session's secret).
    fn consents(
        &self,
        bearer: &str,
        session: &str,
        secret: Option<&str>,
    ) -> Call<Json<ConsentOverview>>;

    /// `POST /v1/consents` (body [`GiveConsent`], the session's secret): the record with
    /// the gateway's signed receipt.
    fn give_consent(
        &self,
        bearer: &str,
        give: &Json<GiveConsent>,
        secret: Option<&str>,
    ) -> Call<Json<ConsentRecord>>;

    /// `DELETE /v1/consents/{id}?session={session}`: the record, withdrawn.
    fn withdraw_consent(
        &self,
        bearer: &str,
        id: &str,
        session: &str,
        secret: Option<&str>,
    ) -> Call<Json<ConsentRecord>>;

    /// `GET /v1/keys`: the gateway's public keys, for its signatures over answers.
    fn keys(&self, bearer: &str) -> Call<KeySet>;

    /// `POST /v1/event-tickets`: a one-time ticket for opening the event stream.
    fn event_ticket(&self, bearer: &str) -> Call<EventTicket>;

    /// `GET /v1/health`: open to anyone, so it is sent without a credential (the status
    /// strip works before anyone signed in).
    fn health(&self) -> Call<Health>;

    /// How long between two health checks while mounted.
    fn health_every_ms(&self) -> u32 {
        HEALTH_EVERY_MS
    }
}
