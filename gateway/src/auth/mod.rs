//! Who is calling: every route but `GET /v1/health` needs the host EMR's credential, and
//! each route needs a capability of the role table (`onshi_core::roles`).
//!
//! The Origin/Host guard ([`crate::security`]) stops other web pages; this stops other
//! local processes, which can send any header but cannot sign as the EMR's server.
//!
//! - [`authenticate`] (one layer over the whole API) reads `Authorization: Bearer`, or an
//!   event-stream ticket on `GET /v1/events?ticket=` (EventSource cannot send headers),
//!   verifies it with core's one verifier and puts the [`Caller`] into the request; a
//!   missing or bad credential is a 401 with `credential_missing` / `_invalid` /
//!   `_expired` and a `WWW-Authenticate` header.
//! - [`require`] (a layer per route group) checks the capability: 403 `role_not_allowed` or
//!   `licence_not_allowed`.
//!
//! Refusals are logged at warn with the reason and the path, never the token, and every
//! refusal is appended to the audit log (`credential.refused`, `<capability>.refused`).

pub mod tickets;

use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use axum::extract::{FromRequestParts, Request, State};
use axum::http::header::{AUTHORIZATION, WWW_AUTHENTICATE};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use onshi_core::api::ErrorCode;
use onshi_core::credential::{verify_credential, Caller};
use onshi_core::jose::KeySet;
use onshi_core::roles::{permits, Capability, Refusal};
use tracing::warn;

use crate::access_log::RequestId;
use crate::api_error::ApiFailure;
use crate::audit::{access, Auditor};
pub use tickets::Tickets;

/// The only route that answers without a credential: it says nothing about patients.
pub const OPEN_PATH: &str = "/v1/health";
/// The event stream, the one route that takes a ticket instead of a header.
pub const EVENTS_PATH: &str = "/v1/events";

/// The verified caller, put into the request's extensions by [`authenticate`].
#[derive(Debug, Clone)]
pub struct Authenticated(pub Arc<Caller>);

/// A handler's view of who asks: the verified caller and the request id the access log
/// gave the request, which its audit entries carry.
#[derive(Debug, Clone)]
pub struct Who {
    pub caller: Arc<Caller>,
    pub request_id: u64,
}

impl<S: Send + Sync> FromRequestParts<S> for Who {
    type Rejection = ApiFailure;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, ApiFailure> {
        let Authenticated(caller) = parts
            .extensions
            .get::<Authenticated>()
            .cloned()
            // The authentication layer runs first; reaching here without it is a wiring fault.
            .ok_or_else(|| ApiFailure::internal("the request was not authenticated"))?;
        let request_id = parts.extensions.get::<RequestId>().map_or(0, |id| id.0);
        Ok(Self { caller, request_id })
    }
}

impl Who {
    /// An audit entry for `action` by this caller in this request.
    pub fn entry(&self, action: &str) -> crate::store::AuditEntry {
        access::entry(Some(&self.caller), self.request_id, action)
    }
}

/// What [`authenticate`] needs.
#[derive(Debug)]
pub struct Auth {
    keys: KeySet,
    audience: String,
    pub tickets: Tickets,
    audit: Arc<Auditor>,
}

impl Auth {
    pub fn new(keys: KeySet, audience: impl Into<String>, audit: Arc<Auditor>) -> Self {
        Self {
            keys,
            audience: audience.into(),
            tickets: Tickets::default(),
            audit,
        }
    }

    /// Verifies a bearer credential now.
    pub fn verify(&self, token: &str) -> Result<Caller, ApiFailure> {
        verify_credential(token, &self.keys, &self.audience, unix_now()).map_err(|err| {
            let message = format!("{err}; the EMR must sign in again or fetch a fresh credential");
            unauthorized(err.code(), message)
        })
    }
}

/// Unix seconds now.
pub fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// The authentication layer; install with `middleware::from_fn_with_state`.
pub async fn authenticate(
    State(auth): State<Arc<Auth>>,
    mut request: Request,
    next: Next,
) -> Response {
    if request.uri().path() == OPEN_PATH {
        return next.run(request).await;
    }
    let caller = match identify(&auth, &request) {
        Ok(caller) => caller,
        Err(failure) => {
            warn!(
                path = %request.uri().path(),
                code = ?failure.code,
                "refused a request without a valid credential: {}",
                failure.message
            );
            let entry = access::refused(
                access::entry(None, request_id(&request), "credential.refused"),
                failure.code,
            );
            // Refused either way; a refusal the log could not take is logged above.
            let _ = auth.audit.record_or_refuse(entry).await;
            return challenge(failure.into_response());
        }
    };
    request
        .extensions_mut()
        .insert(Authenticated(Arc::new(caller)));
    next.run(request).await
}

fn identify(auth: &Auth, request: &Request) -> Result<Caller, ApiFailure> {
    if let Some(value) = request.headers().get(AUTHORIZATION) {
        let token = value
            .to_str()
            .ok()
            .and_then(|v| {
                v.strip_prefix("Bearer ")
                    .or_else(|| v.strip_prefix("bearer "))
            })
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .ok_or_else(|| {
                unauthorized(
                    ErrorCode::CredentialInvalid,
                    "the Authorization header must be `Bearer <credential>`",
                )
            })?;
        return auth.verify(token);
    }
    if request.uri().path() == EVENTS_PATH {
        if let Some(ticket) = ticket_param(request.uri().query()) {
            return auth.tickets.redeem(&ticket).ok_or_else(|| {
                unauthorized(
                    ErrorCode::CredentialInvalid,
                    "this event-stream ticket is unknown, used or expired; get a new one \
                     with POST /v1/event-tickets",
                )
            });
        }
    }
    Err(unauthorized(
        ErrorCode::CredentialMissing,
        "this gateway needs the EMR's credential: send `Authorization: Bearer <credential>`",
    ))
}

/// `ticket=` of a query string (the only parameter read here; tickets are URL-safe).
fn ticket_param(query: Option<&str>) -> Option<String> {
    query?
        .split('&')
        .find_map(|pair| pair.strip_prefix("ticket="))
        .filter(|t| !t.is_empty())
        .map(str::to_string)
}

/// A 401 in the contract's shape, with the RFC 6750 challenge.
pub fn unauthorized(code: ErrorCode, message: impl Into<String>) -> ApiFailure {
    ApiFailure::new(StatusCode::UNAUTHORIZED, code, message)
}

/// Adds `WWW-Authenticate` to 401 answers (RFC 6750 §3).
fn challenge(mut response: Response) -> Response {
    if response.status() == StatusCode::UNAUTHORIZED {
        response.headers_mut().insert(
            WWW_AUTHENTICATE,
            HeaderValue::from_static("Bearer realm=\"onshi-gateway\", error=\"invalid_token\""),
        );
    }
    response
}

/// The role table's verdict as an answer.
pub fn check(caller: &Caller, capability: Capability) -> Result<(), ApiFailure> {
    permits(caller.role, caller.licence, capability).map_err(|refusal| {
        let (code, why) = match refusal {
            Refusal::RoleNotAllowed => (ErrorCode::RoleNotAllowed, "this role"),
            Refusal::LicenceNotAllowed => (ErrorCode::LicenceNotAllowed, "this licence"),
        };
        ApiFailure::new(
            StatusCode::FORBIDDEN,
            code,
            format!(
                "{why} ({}) may not use {}",
                caller.role.as_str(),
                capability.as_str()
            ),
        )
    })
}

/// The request id the access log gave this request (0 outside the full stack).
pub fn request_id(request: &Request) -> u64 {
    request.extensions().get::<RequestId>().map_or(0, |id| id.0)
}

/// The capability layer of a route group; install with
/// `route_layer(middleware::from_fn_with_state((capability, auditor), require))`.
pub async fn require(
    State((capability, audit)): State<(Capability, Arc<Auditor>)>,
    request: Request,
    next: Next,
) -> Response {
    let Some(Authenticated(caller)) = request.extensions().get::<Authenticated>().cloned() else {
        // The authentication layer runs first; reaching here without it is a wiring fault.
        return ApiFailure::internal("the request was not authenticated").into_response();
    };
    if let Err(failure) = check(&caller, capability) {
        warn!(
            path = %request.uri().path(),
            role = caller.role.as_str(),
            code = ?failure.code,
            "refused a request the caller's role does not allow"
        );
        let action = format!("{}.refused", capability.as_str());
        let entry = access::refused(
            access::entry(Some(&caller), request_id(&request), &action),
            failure.code,
        );
        let _ = audit.record_or_refuse(entry).await;
        return failure.into_response();
    }
    next.run(request).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ticket_is_read_from_the_query() {
        assert_eq!(ticket_param(Some("ticket=abc")), Some("abc".into()));
        assert_eq!(
            ticket_param(Some("after=3&ticket=x_y-z")),
            Some("x_y-z".into())
        );
        assert_eq!(ticket_param(Some("after=3")), None);
        assert_eq!(ticket_param(Some("ticket=")), None);
        assert_eq!(ticket_param(None), None);
    }
}
