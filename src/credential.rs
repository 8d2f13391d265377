//! The host EMR's credential for the gateway (`options.credential`): a string, or a
//! function the component calls for a fresh one. Every gateway call but the health check
//! carries it as `Authorization: Bearer`.
//!
//! The component never verifies a credential (the gateway does, against the EMR's keys);
//! it only reads the payload's `exp` to know when to ask the host page again, and its
//! `role`/`licence` to decide what to offer (the role table is `onshi_core::roles`). The
//! rules of when to call the host page live in [`HostCredential`] behind the small
//! [`CredentialSource`] trait, so they are tested natively with a fake clock and provider.
//!
//! The credential stays in memory (this module's cache); it is never put in a URL (the
//! event stream opens with a one-time ticket instead) or in browser storage.

use std::cell::RefCell;
use std::rc::Rc;

use futures::future::{ready, FutureExt, LocalBoxFuture, Shared};
use onshi_core::roles::{Licence, Role};
use serde::Deserialize;

/// Ask the host page again when fewer than this many seconds of the credential remain:
/// more than a slow request takes, so no request leaves with a credential that expires
/// on its way.
pub const REFRESH_BEFORE_SECS: i64 = 60;

/// A credential fetched less than this long ago is not fetched again only because it is
/// close to its expiry: a host page that hands out nearly expired credentials would
/// otherwise be called for every request.
pub const MIN_REFETCH_SECS: i64 = 10;

/// The host page's credential function: resolves to the credential, or fails with a
/// description for the console (a rejected promise, a non-string). It is called again
/// whenever the component needs a fresh credential.
pub type CredentialProvider = Rc<dyn Fn() -> LocalBoxFuture<'static, Result<String, String>>>;

/// Where credentials come from, as the host page configured it.
#[derive(Clone, Default)]
pub enum CredentialOption {
    /// None given: the component says nobody is signed in.
    #[default]
    Missing,
    /// A fixed credential; for a new one the host page mounts again.
    Fixed(String),
    /// A function called for each fresh credential.
    Provider(CredentialProvider),
}

impl std::fmt::Debug for CredentialOption {
    // Never prints the credential itself.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Missing => f.write_str("Missing"),
            Self::Fixed(_) => f.write_str("Fixed(…)"),
            Self::Provider(_) => f.write_str("Provider(fn)"),
        }
    }
}

impl PartialEq for CredentialOption {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (Self::Missing, Self::Missing) => true,
            (Self::Fixed(a), Self::Fixed(b)) => a == b,
            (Self::Provider(a), Self::Provider(b)) => Rc::ptr_eq(a, b),
            _ => false,
        }
    }
}

/// No credential: none was given, the host page's function failed or gave an empty one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NotSignedIn;

/// What the payload of a credential says about the caller, read WITHOUT verifying it:
/// only to schedule the next fetch and to decide what to offer. The gateway decides.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Identity {
    /// `None` when the payload does not name a role this build knows.
    pub role: Option<Role>,
    pub licence: Option<Licence>,
    /// Unix seconds.
    pub exp: Option<i64>,
}

#[derive(Deserialize)]
struct Payload {
    role: Option<serde_json::Value>,
    licence: Option<serde_json::Value>,
    exp: Option<serde_json::Value>,
}

/// Reads role, licence and expiry from a compact JWS's payload, unverified. Anything
/// unreadable is `None` (the gateway will refuse such a credential in words).
pub fn peek(token: &str) -> Identity {
    let payload = token
        .split('.')
        .nth(1)
        .and_then(|part| onshi_core::jose::decode(part, "payload").ok())
        .and_then(|bytes| serde_json::from_slice::<Payload>(&bytes).ok());
    let Some(payload) = payload else {
        return Identity::default();
    };
    Identity {
        role: payload.role.and_then(|v| serde_json::from_value(v).ok()),
        licence: payload.licence.and_then(|v| serde_json::from_value(v).ok()),
        exp: payload.exp.and_then(|v| v.as_i64()),
    }
}

/// What the component learns about its credential; [`crate::access`] turns it into
/// what the page shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CredentialEvent {
    /// A credential came from the host page. `refused`: it is the very one the gateway
    /// refused last, so nothing changed for the better.
    Fetched { identity: Identity, refused: bool },
    /// None given, or the host page's function failed or gave an empty one.
    NotSignedIn,
    /// The gateway refused the credential (401) and no fresh one cured it.
    Refused,
}

/// Where a call gets its credential.
pub trait CredentialSource {
    /// The credential to send now: the cached one while more than
    /// [`REFRESH_BEFORE_SECS`] remain (or its expiry is unknown), else a fresh one.
    fn current(&self) -> LocalBoxFuture<'static, Result<String, NotSignedIn>>;

    /// A fresh credential after the gateway said `stale` expired. When another call
    /// renewed it meanwhile, that newer one.
    fn renew(&self, stale: &str) -> LocalBoxFuture<'static, Result<String, NotSignedIn>>;

    /// The gateway refused `token` (401) and renewing did not cure it.
    fn refused(&self, token: &str);
}

/// Seconds until the credential expiring at `exp` should be fetched again, seen at `now`:
/// [`REFRESH_BEFORE_SECS`] before `exp`, but never sooner than [`MIN_REFETCH_SECS`] after
/// `fetched_at` (so a short-lived credential does not make the page call the host in a
/// loop). `0` means now.
pub fn refresh_in_secs(exp: i64, fetched_at: i64, now: i64) -> i64 {
    let due = exp - REFRESH_BEFORE_SECS;
    let earliest = fetched_at + MIN_REFETCH_SECS;
    (due.max(earliest) - now).max(0)
}

#[derive(Debug, Clone)]
struct Cached {
    token: String,
    exp: Option<i64>,
    fetched_at: i64,
}

impl Cached {
    fn usable(&self, now: i64) -> bool {
        self.exp
            .is_none_or(|exp| refresh_in_secs(exp, self.fetched_at, now) > 0)
    }
}

type Fetch = Shared<LocalBoxFuture<'static, Result<String, NotSignedIn>>>;

#[derive(Default)]
struct Inner {
    cached: Option<Cached>,
    /// The host page's function is being called; later callers wait for the same answer.
    fetching: Option<Fetch>,
    /// The last credential the gateway refused.
    refused: Option<String>,
    watcher: Option<Rc<dyn Fn(CredentialEvent)>>,
}

struct Core {
    option: CredentialOption,
    /// Unix seconds now.
    clock: Rc<dyn Fn() -> i64>,
    inner: RefCell<Inner>,
}

/// The credential as the host page gives it, cached in memory and fetched again before
/// it expires. Cheap to clone (one shared cache).
#[derive(Clone)]
pub struct HostCredential(Rc<Core>);

impl HostCredential {
    /// `clock` says Unix seconds now ([`crate::clock::unix_now`] in the browser).
    pub fn new(option: CredentialOption, clock: Rc<dyn Fn() -> i64>) -> Self {
        Self(Rc::new(Core {
            option,
            clock,
            inner: RefCell::default(),
        }))
    }

    /// Whether `other` is this same credential (not a copy of its value).
    pub fn same_as(&self, other: &HostCredential) -> bool {
        Rc::ptr_eq(&self.0, &other.0)
    }

    /// Whether the host page can be asked again (a function, not a fixed string): only
    /// then does "check again" make sense on the not-signed-in panel.
    pub fn can_ask_again(&self) -> bool {
        matches!(self.0.option, CredentialOption::Provider(_))
    }

    /// Everything learnt from now on goes to `watcher` (one at a time; `None` stops).
    pub fn watch(&self, watcher: Option<Rc<dyn Fn(CredentialEvent)>>) {
        self.0.inner.borrow_mut().watcher = watcher;
    }

    /// Seconds until the cached credential should be fetched again; `None` when there is
    /// nothing to schedule (no credential yet, a fixed one, or one without `exp`).
    pub fn refresh_in_secs(&self) -> Option<i64> {
        if !self.can_ask_again() {
            return None;
        }
        let inner = self.0.inner.borrow();
        let cached = inner.cached.as_ref()?;
        let exp = cached.exp?;
        Some(refresh_in_secs(exp, cached.fetched_at, (self.0.clock)()))
    }

    /// Forgets the cached credential and asks the host page again ("check again").
    pub fn ask_again(&self) -> LocalBoxFuture<'static, Result<String, NotSignedIn>> {
        self.0.inner.borrow_mut().cached = None;
        self.fetch()
    }

    fn notify(&self, event: CredentialEvent) {
        let watcher = self.0.inner.borrow().watcher.clone();
        if let Some(watcher) = watcher {
            watcher(event);
        }
    }

    /// Takes what the host page answered: caches a credential, reports either way.
    fn settle(&self, answer: Result<String, String>) -> Result<String, NotSignedIn> {
        let now = (self.0.clock)();
        let token = match answer {
            Ok(token) if !token.trim().is_empty() => token.trim().to_string(),
            Ok(_) => {
                log_failure("the credential function gave an empty credential");
                return self.not_signed_in();
            }
            Err(reason) => {
                log_failure(&reason);
                return self.not_signed_in();
            }
        };
        let identity = peek(&token);
        let refused = {
            let mut inner = self.0.inner.borrow_mut();
            inner.cached = Some(Cached {
                token: token.clone(),
                exp: identity.exp,
                fetched_at: now,
            });
            inner.refused.as_deref() == Some(token.as_str())
        };
        self.notify(CredentialEvent::Fetched { identity, refused });
        Ok(token)
    }

    fn not_signed_in(&self) -> Result<String, NotSignedIn> {
        self.0.inner.borrow_mut().cached = None;
        self.notify(CredentialEvent::NotSignedIn);
        Err(NotSignedIn)
    }

    /// One call of the host page's function at a time; callers meanwhile share it.
    fn fetch(&self) -> LocalBoxFuture<'static, Result<String, NotSignedIn>> {
        let provider = match &self.0.option {
            CredentialOption::Missing => return ready(self.not_signed_in()).boxed_local(),
            CredentialOption::Fixed(token) => {
                return ready(self.settle(Ok(token.clone()))).boxed_local()
            }
            CredentialOption::Provider(provider) => provider.clone(),
        };
        if let Some(fetching) = self.0.inner.borrow().fetching.clone() {
            return fetching.boxed_local();
        }
        let this = self.clone();
        let call = provider();
        let fetch: Fetch = async move {
            let answer = call.await;
            this.0.inner.borrow_mut().fetching = None;
            this.settle(answer)
        }
        .boxed_local()
        .shared();
        self.0.inner.borrow_mut().fetching = Some(fetch.clone());
        fetch.boxed_local()
    }
}

impl CredentialSource for HostCredential {
    fn current(&self) -> LocalBoxFuture<'static, Result<String, NotSignedIn>> {
        let now = (self.0.clock)();
        let cached = self.0.inner.borrow().cached.clone();
        match cached {
            // A fixed credential is all there is, however close to its expiry.
            Some(cached)
                if cached.usable(now) || matches!(self.0.option, CredentialOption::Fixed(_)) =>
            {
                ready(Ok(cached.token)).boxed_local()
            }
            _ => self.fetch(),
        }
    }

    fn renew(&self, stale: &str) -> LocalBoxFuture<'static, Result<String, NotSignedIn>> {
        {
            let mut inner = self.0.inner.borrow_mut();
            match &inner.cached {
                Some(cached) if cached.token != stale => {
                    return ready(Ok(cached.token.clone())).boxed_local();
                }
                _ => inner.cached = None,
            }
        }
        self.fetch()
    }

    fn refused(&self, token: &str) {
        self.0.inner.borrow_mut().refused = Some(token.to_string());
        self.notify(CredentialEvent::Refused);
    }
}

/// The host page's function failed; say so on the console (never with a credential).
fn log_failure(reason: &str) {
    #[cfg(target_arch = "wasm32")]
    web_sys::console::warn_1(&format!("onshi: no credential: {reason}").into());
    #[cfg(not(target_arch = "wasm32"))]
    let _ = reason;
}

#[cfg(test)]
pub(crate) mod tests;
