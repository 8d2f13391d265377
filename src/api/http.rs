//! [`GatewayClient`] over `fetch` (gloo-net), with a client-side deadline and an
//! `AbortController` so a cancelled or timed-out request really stops.

use std::pin::pin;

use futures::future::{select, Either, LocalBoxFuture};
use gloo_net::http::Request;
use gloo_timers::future::TimeoutFuture;
use onshi_core::api::{Health, QualificationAnswer, QualificationQuery};
use web_sys::{AbortController, AbortSignal};

use super::{read_answer, ClientError, GatewayClient};

/// Longer than the gateway's own 30 s terminal deadline, so the gateway's typed
/// `terminal_timeout` normally arrives first and this only catches a hung gateway.
pub const CLIENT_TIMEOUT_MS: u32 = 40_000;

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

    /// `GET /v1/health`.
    pub async fn health(&self) -> Result<Health, ClientError> {
        let url = format!("{}/v1/health", self.base);
        let guard = AbortGuard::new();
        let exchange = async {
            let response = Request::get(&url)
                .abort_signal(guard.signal().as_ref())
                .send()
                .await
                .map_err(|_| ClientError::Unreachable)?;
            let status = response.status();
            let body = response
                .text()
                .await
                .map_err(|e| ClientError::Decode(e.to_string()))?;
            if !(200..300).contains(&status) {
                return Err(ClientError::Decode(format!("health answered {status}")));
            }
            serde_json::from_str(&body).map_err(|e| ClientError::Decode(e.to_string()))
        };
        with_deadline(exchange, self.timeout_ms).await
    }
}

impl GatewayClient for HttpGateway {
    fn qualify(
        &self,
        query: QualificationQuery,
    ) -> LocalBoxFuture<'static, Result<QualificationAnswer, ClientError>> {
        let url = format!("{}/v1/qualifications", self.base);
        let timeout_ms = self.timeout_ms;
        Box::pin(async move {
            let guard = AbortGuard::new();
            let exchange = async {
                let request = Request::post(&url)
                    .abort_signal(guard.signal().as_ref())
                    .json(&query)
                    .map_err(|e| ClientError::Decode(e.to_string()))?;
                let response = request.send().await.map_err(|_| ClientError::Unreachable)?;
                let status = response.status();
                let body = response
                    .text()
                    .await
                    .map_err(|e| ClientError::Decode(e.to_string()))?;
                read_answer(status, &body)
            };
            with_deadline(exchange, timeout_ms).await
        })
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
        assert_eq!(gateway.with_timeout_ms(5).timeout_ms, 5);
    }
}
