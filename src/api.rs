//! Talking to the local gateway.
//!
//! The component only sees the object-safe [`GatewayClient`] and [`EventFeed`] traits, so
//! browser tests can script answers and push events, and the real [`HttpGateway`] and
//! [`BrowserEventFeed`] stay thin layers over `fetch` and `EventSource`.

mod error;
mod feed;
mod http;

use futures::future::LocalBoxFuture;
use onshi_core::api::{Health, QualificationAnswer, QualificationQuery, QueuePlace};
use onshi_core::card_session::{CardSessionView, PinEntry, StartCardSession};

pub use error::{read_answer, read_body, ClientError};
pub use feed::{BrowserEventFeed, EventFeed, FeedMessage, FeedSignal, Subscription};
pub use http::{
    AbortGuard, HttpGateway, CARD_CLIENT_TIMEOUT_MS, CLIENT_TIMEOUT_MS, HEALTH_TIMEOUT_MS,
    QUEUE_PLACE_TIMEOUT_MS, REQUEST_REF_HEADER,
};

/// A gateway call in flight. Dropping it cancels the request: implementations must not
/// keep working (or keep a connection open) for an answer nobody waits for.
pub type Call<T> = LocalBoxFuture<'static, Result<T, ClientError>>;

/// How often the component asks the gateway how it is: often enough that a stopped
/// terminal or database shows within a patient or two, rarely enough to cost nothing.
pub const HEALTH_EVERY_MS: u32 = 30_000;

/// Asks the gateway for qualifications and drives card sessions on its reader.
pub trait GatewayClient {
    /// `POST /v1/qualifications`, sent with `x-onshi-request: request_ref` so that
    /// [`Self::queue_place`] can ask where it stands while the terminal is busy.
    fn qualify(&self, query: QualificationQuery, request_ref: &str) -> Call<QualificationAnswer>;

    /// `GET /v1/qualifications/queue/{request_ref}`: where that request waits. A request
    /// that finished (or never arrived) is a 404 [`ClientError::Api`].
    fn queue_place(&self, request_ref: &str) -> Call<QueuePlace>;

    /// `POST /v1/card-sessions`.
    fn start_card_session(&self, start: StartCardSession) -> Call<CardSessionView>;

    /// `GET /v1/card-sessions/{id}` (the fallback when no SSE event arrives).
    fn card_session(&self, id: &str) -> Call<CardSessionView>;

    /// `POST /v1/card-sessions/{id}/pin`. The PIN is moved in and dropped with the call.
    fn send_pin(&self, id: &str, pin: PinEntry) -> Call<CardSessionView>;

    /// `POST /v1/card-sessions/{id}/visual-check` with `staff_confirmed: true`.
    fn visual_check(&self, id: &str) -> Call<CardSessionView>;

    /// `DELETE /v1/card-sessions/{id}`.
    fn cancel_card_session(&self, id: &str) -> Call<CardSessionView>;

    /// `GET /v1/health`.
    fn health(&self) -> Call<Health>;

    /// How long between two health checks while mounted.
    fn health_every_ms(&self) -> u32 {
        HEALTH_EVERY_MS
    }
}
