//! [`GatewayClient`] over `fetch` (gloo-net), with a client-side deadline and an
//! `AbortController` so a cancelled or timed-out request really stops. Each call sends
//! the credential it is given as `Authorization: Bearer` (never in the URL), and a card
//! session's secret as `x-onshi-session-secret`; the gateway's CORS allows both headers.

use std::pin::pin;

use futures::future::{select, Either};
use gloo_net::http::{Request, RequestBuilder};
use gloo_timers::future::TimeoutFuture;
use onshi_core::api::{EventTicket, Health, QualificationAnswer, QualificationQuery, QueuePlace};
use onshi_core::card_session::{
    CardSessionView, PinEntry, StartCardSession, VisualCheck, SESSION_SECRET_HEADER,
};
use onshi_core::consent::{ConsentOverview, ConsentRecord, GiveConsent};
use onshi_core::jose::KeySet;
use serde::de::DeserializeOwned;
use web_sys::{AbortController, AbortSignal};

use super::{read_body, Call, ClientError, GatewayClient, Json};

/// Longer than the gateway's own 30 s terminal deadline, so the gateway's typed
/// `terminal_timeout` normally arrives first and this only catches a hung gateway.
pub const CLIENT_TIMEOUT_MS: u32 = 40_000;

/// Deadline of card-session calls: each one only hands a step to the gateway (the card
/// and the national side report back through events), so they answer quickly.
pub const CARD_CLIENT_TIMEOUT_MS: u32 = 15_000;

/// Deadline of a health check: the gateway answers it from what it already knows, so a
/// gateway that takes longer is as good as not answering for the desk.
pub const HEALTH_TIMEOUT_MS: u32 = 10_000;

/// Deadline of a queue-place poll: the gateway answers from memory, and the next poll
/// follows a second later anyway, so a slow answer is worth nothing.
pub const QUEUE_PLACE_TIMEOUT_MS: u32 = 2_000;

/// The header naming a qualification request, so its place in the terminal's queue can
/// be asked for (the gateway's CORS preflight allows it).
pub const REQUEST_REF_HEADER: &str = "x-onshi-request";

/// Aborts its fetch when dropped, whichever way the surrounding future ends.
pub struct AbortGuard {
    controller: Option<AbortController>,
}

impl AbortGuard {
    pub fn new() -> Self {
        // Only very old browsers lack AbortController; then requests just are not abortable.
        Self {
            controller: AbortController::new().ok(),
        }
    }

    pub fn signal(&self) -> Option<AbortSignal> {
        self.controller.as_ref().map(AbortController::signal)
    }
}

impl Default for AbortGuard {
    fn default() -> Self {
        Self::new()
    }
}

impl Drop for AbortGuard {
    fn drop(&mut self) {
        if let Some(controller) = &self.controller {
            controller.abort();
        }
    }
}

/// The real gateway at `base` (e.g. `http://127.0.0.1:7611`, no trailing slash).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpGateway {
    base: String,
    timeout_ms: u32,
}

impl HttpGateway {
    pub fn new(base: impl Into<String>) -> Self {
        Self {
            base: base.into().trim_end_matches('/').to_string(),
            timeout_ms: CLIENT_TIMEOUT_MS,
        }
    }

    /// Overrides the client-side deadline (tests use a short one).
    pub fn with_timeout_ms(mut self, timeout_ms: u32) -> Self {
        self.timeout_ms = timeout_ms;
        self
    }

    pub fn base(&self) -> &str {
        &self.base
    }
}

impl HttpGateway {
    fn session_url(&self, id: &str, step: &str) -> String {
        let id = String::from(js_sys::encode_uri_component(id));
        format!("{}/v1/card-sessions/{id}{step}", self.base)
    }

    fn card_timeout(&self) -> u32 {
        self.timeout_ms.min(CARD_CLIENT_TIMEOUT_MS)
    }
}

/// `builder` with the credential, and a card session's secret when there is one.
fn authorize(builder: RequestBuilder, bearer: &str, secret: Option<&str>) -> RequestBuilder {
    let builder = builder.header("authorization", &format!("Bearer {bearer}"));
    match secret {
        Some(secret) => builder.header(SESSION_SECRET_HEADER, secret),
        None => builder,
    }
}

/// Sends `builder` (with `body` as JSON, if any) and reads a `T` or a typed error.
fn call<T: DeserializeOwned + 'static>(
    builder: RequestBuilder,
    body: Option<String>,
    timeout_ms: u32,
) -> Call<T> {
    exchange(builder, body, timeout_ms, |status, text| {
        read_body(status, text)
    })
}

/// Sends `builder` and hands the status and text to `read`. Only `read` depends on the
/// answer's type: the fetch, its deadline and abort are one function for every call
/// (generic, they were compiled once per answer type into the bundle).
fn exchange<T: 'static>(
    builder: RequestBuilder,
    body: Option<String>,
    timeout_ms: u32,
    read: impl FnOnce(u16, &str) -> Result<T, ClientError> + 'static,
) -> Call<T> {
    let sent = fetch_text(builder, body, timeout_ms);
    Box::pin(async move {
        let (status, text) = sent.await?;
        read(status, &text)
    })
}

/// The fetch itself: status and body text, or why there is none.
fn fetch_text(
    builder: RequestBuilder,
    body: Option<String>,
    timeout_ms: u32,
) -> Call<(u16, String)> {
    Box::pin(async move {
        let guard = AbortGuard::new();
        let exchange = async {
            let builder = builder.abort_signal(guard.signal().as_ref());
            let response = match body {
                Some(body) => {
                    builder
                        .header("content-type", "application/json")
                        .body(body)
                        .map_err(|e| ClientError::Decode(e.to_string()))?
                        .send()
                        .await
                }
                None => builder.send().await,
            }
            .map_err(|_| ClientError::Unreachable)?;
            let status = response.status();
            let text = response
                .text()
                .await
                .map_err(|e| ClientError::Decode(e.to_string()))?;
            Ok((status, text))
        };
        with_deadline(exchange, timeout_ms).await
    })
}

/// A 2xx answer as its JSON text (any JSON), read as a type only where it is used; any
/// other status is the usual typed error.
fn read_json<T>(status: u16, text: &str) -> Result<Json<T>, ClientError> {
    read_body::<serde::de::IgnoredAny>(status, text)?;
    Ok(Json::from_text(text.to_string()))
}

/// A 2xx `GET /v1/keys` must be a JWK Set of ES256 keys; anything else is the usual error.
fn read_keys(status: u16, text: &str) -> Result<KeySet, ClientError> {
    // Non-2xx: the typed error; 2xx: any JSON, then read strictly as keys.
    read_body::<serde::de::IgnoredAny>(status, text)?;
    KeySet::from_jwks(text.as_bytes())
        .map_err(|e| ClientError::Decode(format!("the gateway's keys: {e}")))
}

fn json_of(value: &impl serde::Serialize) -> Option<String> {
    // These request types always serialize.
    serde_json::to_string(value).ok()
}

impl GatewayClient for HttpGateway {
    fn qualify(
        &self,
        bearer: &str,
        query: QualificationQuery,
        request_ref: &str,
    ) -> Call<QualificationAnswer> {
        let url = format!("{}/v1/qualifications", self.base);
        let builder = Request::post(&url).header(REQUEST_REF_HEADER, request_ref);
        call(
            authorize(builder, bearer, None),
            json_of(&query),
            self.timeout_ms,
        )
    }

    fn queue_place(&self, bearer: &str, request_ref: &str) -> Call<QueuePlace> {
        let request_ref = String::from(js_sys::encode_uri_component(request_ref));
        let url = format!("{}/v1/qualifications/queue/{request_ref}", self.base);
        call(
            authorize(Request::get(&url), bearer, None),
            None,
            self.timeout_ms.min(QUEUE_PLACE_TIMEOUT_MS),
        )
    }

    fn start_card_session(&self, bearer: &str, start: StartCardSession) -> Call<CardSessionView> {
        let url = format!("{}/v1/card-sessions", self.base);
        call(
            authorize(Request::post(&url), bearer, None),
            json_of(&start),
            self.card_timeout(),
        )
    }

    fn card_session(&self, bearer: &str, id: &str, secret: Option<&str>) -> Call<CardSessionView> {
        call(
            authorize(Request::get(&self.session_url(id, "")), bearer, secret),
            None,
            self.card_timeout(),
        )
    }

    fn send_pin(
        &self,
        bearer: &str,
        id: &str,
        secret: Option<&str>,
        pin: PinEntry,
    ) -> Call<CardSessionView> {
        let body = json_of(&pin);
        drop(pin);
        call(
            authorize(Request::post(&self.session_url(id, "/pin")), bearer, secret),
            body,
            self.card_timeout(),
        )
    }

    fn visual_check(&self, bearer: &str, id: &str, secret: Option<&str>) -> Call<CardSessionView> {
        let body = json_of(&VisualCheck {
            staff_confirmed: true,
        });
        call(
            authorize(
                Request::post(&self.session_url(id, "/visual-check")),
                bearer,
                secret,
            ),
            body,
            self.card_timeout(),
        )
    }

    fn cancel_card_session(
        &self,
        bearer: &str,
        id: &str,
        secret: Option<&str>,
    ) -> Call<CardSessionView> {
        call(
            authorize(Request::delete(&self.session_url(id, "")), bearer, secret),
            None,
            self.card_timeout(),
        )
    }

    fn consents(
        &self,
        bearer: &str,
        session: &str,
        secret: Option<&str>,
    ) -> Call<Json<ConsentOverview>> {
        let session = String::from(js_sys::encode_uri_component(session));
        let url = format!("{}/v1/consents?session={session}", self.base);
        exchange(
            authorize(Request::get(&url), bearer, secret),
            None,
            self.card_timeout(),
            read_json,
        )
    }

    fn give_consent(
        &self,
        bearer: &str,
        give: &Json<GiveConsent>,
        secret: Option<&str>,
    ) -> Call<Json<ConsentRecord>> {
        let url = format!("{}/v1/consents", self.base);
        exchange(
            authorize(Request::post(&url), bearer, secret),
            Some(give.text().to_string()),
            self.card_timeout(),
            read_json,
        )
    }

    fn withdraw_consent(
        &self,
        bearer: &str,
        id: &str,
        session: &str,
        secret: Option<&str>,
    ) -> Call<Json<ConsentRecord>> {
        let id = String::from(js_sys::encode_uri_component(id));
        let session = String::from(js_sys::encode_uri_component(session));
        let url = format!("{}/v1/consents/{id}?session={session}", self.base);
        exchange(
            authorize(Request::delete(&url), bearer, secret),
            None,
            self.card_timeout(),
            read_json,
        )
    }

    fn keys(&self, bearer: &str) -> Call<KeySet> {
        let url = format!("{}/v1/keys", self.base);
        exchange(
            authorize(Request::get(&url), bearer, None),
            None,
            self.timeout_ms.min(HEALTH_TIMEOUT_MS),
            read_keys,
        )
    }

    fn event_ticket(&self, bearer: &str) -> Call<EventTicket> {
        let url = format!("{}/v1/event-tickets", self.base);
        call(
            authorize(Request::post(&url), bearer, None),
            None,
            self.timeout_ms.min(HEALTH_TIMEOUT_MS),
        )
    }

    fn health(&self) -> Call<Health> {
        let url = format!("{}/v1/health", self.base);
        call(
            Request::get(&url),
            None,
            self.timeout_ms.min(HEALTH_TIMEOUT_MS),
        )
    }
}

/// Races `exchange` against a timer; the loser is dropped (and its fetch aborted by
/// the caller's [`AbortGuard`]).
async fn with_deadline<T>(
    exchange: impl std::future::Future<Output = Result<T, ClientError>>,
    timeout_ms: u32,
) -> Result<T, ClientError> {
    match select(pin!(exchange), TimeoutFuture::new(timeout_ms)).await {
        Either::Left((result, _)) => result,
        Either::Right(((), _)) => Err(ClientError::Timeout),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_url_loses_trailing_slashes() {
        let gateway = HttpGateway::new("http://127.0.0.1:7611//");
        assert_eq!(gateway.base(), "http://127.0.0.1:7611");
        assert_eq!(gateway.timeout_ms, CLIENT_TIMEOUT_MS);
        assert_eq!(gateway.health_every_ms(), crate::api::HEALTH_EVERY_MS);
        assert_eq!(gateway.with_timeout_ms(5).timeout_ms, 5);
    }
}
