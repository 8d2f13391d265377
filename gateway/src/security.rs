//! The loopback service's defences, applied to every request before routing:
//!
//! 1. **Host** must be this gateway's own `127.0.0.1:PORT`, `localhost:PORT` or
//!    `[::1]:PORT` (421 otherwise). A DNS-rebinding page reaches us under its own name,
//!    so a foreign Host is the tell.
//! 2. **Origin**, when a browser sends one, must be on the allowlist (403 otherwise, with no
//!    CORS headers). Browsers send Origin on every cross-origin POST, including the
//!    preflight-free "simple" ones, so this also stops CSRF. Clients without Origin
//!    (curl, an EMR server) are not browsers and may call. But a browser request that
//!    says it comes from another site (`Sec-Fetch-Site: cross-site` or `same-site`) and
//!    carries no Origin, such as a `no-cors` GET or `<img src=…/v1/events>`, is refused
//!    (403): it could read nothing, yet it would run the handler (or hold a stream open).
//! 3. **CORS** for allowed origins: the exact origin echoed (never `*`) with `Vary: Origin`;
//!    preflights answered here, including Private Network Access.
//!
//! Refusals are logged at warn with the refused Host or Origin value (at most 200
//! characters, Debug-escaped): site names, never patient data, and what IT needs to see a
//! missing `--allow-origin`.

use std::collections::HashSet;
use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::header::{
    ACCESS_CONTROL_ALLOW_HEADERS, ACCESS_CONTROL_ALLOW_METHODS, ACCESS_CONTROL_ALLOW_ORIGIN,
    ACCESS_CONTROL_EXPOSE_HEADERS, ACCESS_CONTROL_MAX_AGE, ACCESS_CONTROL_REQUEST_METHOD, HOST,
    ORIGIN, VARY,
};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use onshi_core::api::ErrorCode;
use tracing::warn;

use crate::api_error::ApiFailure;

// DELETE: `DELETE /v1/card-sessions/{id}` (cancel).
const ALLOWED_METHODS: &str = "GET, POST, DELETE";
// last-event-id: EventSource sends it when it reconnects to `GET /v1/events`;
// x-onshi-request: the page's name for a qualification request (its place in the queue);
// authorization: the EMR's credential; x-onshi-session-secret: a card session's secret.
const ALLOWED_HEADERS: &str =
    "authorization, content-type, last-event-id, x-onshi-request, x-onshi-session-secret";
/// Browsers cap this anyway (Chrome: 2 h); 10 min keeps allowlist changes quick to apply.
const PREFLIGHT_MAX_AGE_SECS: &str = "600";
const REQUEST_PRIVATE_NETWORK: &str = "access-control-request-private-network";
const ALLOW_PRIVATE_NETWORK: &str = "access-control-allow-private-network";
const SEC_FETCH_SITE: &str = "sec-fetch-site";

/// Who may talk to this gateway.
#[derive(Debug, Clone)]
pub struct SecurityPolicy {
    hosts: [String; 3],
    origins: HashSet<String>,
}

impl SecurityPolicy {
    /// `port` is the port actually listened on (not the configured one, which may be 0).
    pub fn new(port: u16, origins: impl IntoIterator<Item = String>) -> Self {
        Self {
            hosts: [
                format!("127.0.0.1:{port}"),
                format!("localhost:{port}"),
                format!("[::1]:{port}"),
            ],
            origins: origins.into_iter().collect(),
        }
    }

    fn host_allowed(&self, host: &str) -> bool {
        self.hosts.iter().any(|h| h.eq_ignore_ascii_case(host))
    }

    fn origin_allowed(&self, origin: &str) -> bool {
        self.origins.contains(origin)
    }
}

/// The middleware; install with `axum::middleware::from_fn_with_state`.
pub async fn guard(
    State(policy): State<Arc<SecurityPolicy>>,
    request: Request,
    next: Next,
) -> Response {
    let host = request_host(&request);
    if !host.is_some_and(|h| policy.host_allowed(h)) {
        // Host and Origin values name sites, never patients: IT needs them to diagnose.
        warn!(
            host = ?host.map(loggable),
            path = %request.uri().path(),
            "refused a request for a foreign Host (DNS rebinding, or a proxy rewriting Host)"
        );
        return ApiFailure::new(
            StatusCode::MISDIRECTED_REQUEST,
            ErrorCode::HostNotAllowed,
            "this gateway answers only to 127.0.0.1, localhost or [::1] with its own port",
        )
        .into_response();
    }

    let origin = match request.headers().get(ORIGIN) {
        None => None,
        Some(value) => match value.to_str().ok().filter(|o| policy.origin_allowed(o)) {
            Some(_) => Some(value.clone()),
            None => {
                warn!(
                    origin = ?loggable_bytes(value.as_bytes()),
                    path = %request.uri().path(),
                    "refused a request from an origin not on the allowlist; if this is the \
                     clinic's EMR page, start the gateway with --allow-origin <that origin>"
                );
                let mut refused = ApiFailure::new(
                    StatusCode::FORBIDDEN,
                    ErrorCode::OriginNotAllowed,
                    "this page's origin is not allowed to use the gateway (see --allow-origin)",
                )
                .into_response();
                add_vary_origin(refused.headers_mut());
                return refused;
            }
        },
    };

    let Some(origin) = origin else {
        if let Some(site) = cross_site(request.headers()) {
            warn!(
                sec_fetch_site = site,
                path = %request.uri().path(),
                "refused a browser request from another site that carried no Origin"
            );
            let mut refused = ApiFailure::new(
                StatusCode::FORBIDDEN,
                ErrorCode::OriginNotAllowed,
                "requests from another site must come from an allowed page origin (CORS, \
                 with Origin; see --allow-origin)",
            )
            .into_response();
            add_vary_origin(refused.headers_mut());
            return refused;
        }
        let mut response = next.run(request).await;
        add_vary_origin(response.headers_mut());
        return response;
    };

    if is_preflight(&request) {
        return preflight(origin, request.headers());
    }
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    headers.insert(ACCESS_CONTROL_ALLOW_ORIGIN, origin);
    headers.insert(
        ACCESS_CONTROL_EXPOSE_HEADERS,
        HeaderValue::from_static(crate::access_log::REQUEST_ID_HEADER),
    );
    add_vary_origin(headers);
    response
}

/// The browser's `Sec-Fetch-Site` when it says the request comes from another site
/// (`cross-site`, or `same-site`: another port or subdomain of the same site). `none` (typed
/// in the address bar) and `same-origin` pass, and so does a client that sends no such
/// header (not a browser).
fn cross_site(headers: &HeaderMap) -> Option<&'static str> {
    let value = headers.get(SEC_FETCH_SITE)?.as_bytes();
    ["cross-site", "same-site"]
        .into_iter()
        .find(|site| value.eq_ignore_ascii_case(site.as_bytes()))
}

/// HTTP/1.1 carries the authority in Host; HTTP/2 in the URI.
fn request_host(request: &Request) -> Option<&str> {
    match request.headers().get(HOST) {
        Some(value) => value.to_str().ok(),
        None => request.uri().authority().map(|a| a.as_str()),
    }
}

fn is_preflight(request: &Request) -> bool {
    request.method() == Method::OPTIONS
        && request
            .headers()
            .contains_key(ACCESS_CONTROL_REQUEST_METHOD)
}

fn preflight(origin: HeaderValue, request_headers: &HeaderMap) -> Response {
    let mut response = StatusCode::NO_CONTENT.into_response();
    let headers = response.headers_mut();
    headers.insert(ACCESS_CONTROL_ALLOW_ORIGIN, origin);
    headers.insert(
        ACCESS_CONTROL_ALLOW_METHODS,
        HeaderValue::from_static(ALLOWED_METHODS),
    );
    headers.insert(
        ACCESS_CONTROL_ALLOW_HEADERS,
        HeaderValue::from_static(ALLOWED_HEADERS),
    );
    headers.insert(
        ACCESS_CONTROL_MAX_AGE,
        HeaderValue::from_static(PREFLIGHT_MAX_AGE_SECS),
    );
    let wants_private_network = request_headers
        .get(REQUEST_PRIVATE_NETWORK)
        .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"true"));
    if wants_private_network {
        headers.insert(ALLOW_PRIVATE_NETWORK, HeaderValue::from_static("true"));
    }
    add_vary_origin(headers);
    response
}

/// At most 200 characters of a header value, for a log line (Debug-formatted by the
/// caller, so control characters cannot forge log lines).
fn loggable(value: &str) -> String {
    value.chars().take(200).collect()
}

fn loggable_bytes(value: &[u8]) -> String {
    loggable(&String::from_utf8_lossy(value))
}

fn add_vary_origin(headers: &mut HeaderMap) {
    headers.append(VARY, HeaderValue::from_static("origin"));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_are_exact_and_port_bound() {
        let policy = SecurityPolicy::new(7611, []);
        assert!(policy.host_allowed("127.0.0.1:7611"));
        assert!(policy.host_allowed("LOCALHOST:7611"));
        assert!(policy.host_allowed("[::1]:7611"));
        assert!(!policy.host_allowed("127.0.0.1"));
        assert!(!policy.host_allowed("127.0.0.1:8080"));
        assert!(!policy.host_allowed("attacker.example:7611"));
        assert!(!policy.host_allowed("localhost.attacker.example:7611"));
    }

    #[test]
    fn other_sites_are_told_apart_from_this_origin_and_address_bar() {
        let with = |value: &str| {
            let mut headers = HeaderMap::new();
            headers.insert(SEC_FETCH_SITE, HeaderValue::from_str(value).unwrap());
            headers
        };
        assert_eq!(cross_site(&with("cross-site")), Some("cross-site"));
        assert_eq!(cross_site(&with("Same-Site")), Some("same-site"));
        assert_eq!(cross_site(&with("same-origin")), None);
        assert_eq!(cross_site(&with("none")), None);
        assert_eq!(cross_site(&HeaderMap::new()), None);
    }

    #[test]
    fn origins_match_exactly() {
        let policy = SecurityPolicy::new(7611, ["http://localhost:8080".to_string()]);
        assert!(policy.origin_allowed("http://localhost:8080"));
        assert!(!policy.origin_allowed("http://localhost:8081"));
        assert!(!policy.origin_allowed("http://localhost:8080.attacker.example"));
        assert!(!policy.origin_allowed("null"));
    }
}
