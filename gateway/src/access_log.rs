//! One info line per request: id, method, path, status, error code and elapsed time.
//! Paths and codes only: names, numbers and birthdates travel in bodies, which are never
//! logged here.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use axum::extract::Request;
use axum::http::HeaderValue;
use axum::middleware::Next;
use axum::response::Response;
use onshi_core::api::ErrorCode;
use tracing::{info, info_span, Instrument};

/// Response header carrying the request id, for matching a client report to the log.
pub const REQUEST_ID_HEADER: &str = "x-request-id";

static NEXT_ID: AtomicU64 = AtomicU64::new(1);

/// Per-request id, also available to handlers as a request extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RequestId(pub u64);

pub async fn log_requests(mut request: Request, next: Next) -> Response {
    let id = RequestId(NEXT_ID.fetch_add(1, Ordering::Relaxed));
    request.extensions_mut().insert(id);
    let method = request.method().clone();
    let path = request.uri().path().to_string();
    let started = Instant::now();
    let span = info_span!("request", id = id.0);
    let mut response = next.run(request).instrument(span.clone()).await;
    let elapsed_ms = started.elapsed().as_millis();
    let status = response.status().as_u16();
    // The contract's snake_case name, as the client sees it.
    let code = response
        .extensions()
        .get::<ErrorCode>()
        .and_then(|c| serde_json::to_value(c).ok())
        .and_then(|v| v.as_str().map(str::to_string));
    span.in_scope(|| match code {
        Some(code) => info!(%method, %path, status, %code, elapsed_ms, "handled"),
        None => info!(%method, %path, status, elapsed_ms, "handled"),
    });
    if let Ok(value) = HeaderValue::from_str(&id.0.to_string()) {
        response.headers_mut().insert(REQUEST_ID_HEADER, value);
    }
    response
}
