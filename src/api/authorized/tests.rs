use std::cell::Cell;

use futures::FutureExt;
use onshi_core::api::ApiError;
use serde_json::json;

use super::*;
use crate::credential::{CredentialEvent, CredentialOption, CredentialProvider, HostCredential};

const NOW: i64 = 1_800_000_000;

fn token(n: u32) -> String {
    crate::credential::tests::token(
        json!({"sub": format!("u{n}"), "role": "reception", "exp": NOW + 600}),
    )
}

fn refused(status: u16, code: ErrorCode) -> ClientError {
    ClientError::Api {
        status,
        error: ApiError {
            code,
            message: "m".into(),
            fields: Default::default(),
        },
    }
}

/// A host page handing out `token(1)`, `token(2)`, … and what it reported.
struct Host {
    source: HostCredential,
    calls: Rc<Cell<u32>>,
    events: Rc<RefCell<Vec<CredentialEvent>>>,
}

fn host(fresh: bool) -> Host {
    let calls = Rc::new(Cell::new(0));
    let provider: CredentialProvider = {
        let calls = calls.clone();
        Rc::new(move || {
            calls.set(calls.get() + 1);
            // `fresh: false` plays a host that keeps handing out the same credential.
            let n = if fresh { calls.get() } else { 1 };
            Box::pin(futures::future::ready(Ok(token(n))))
        })
    };
    let source = HostCredential::new(CredentialOption::Provider(provider), Rc::new(|| NOW));
    let events: Rc<RefCell<Vec<CredentialEvent>>> = Rc::default();
    source.watch(Some({
        let events = events.clone();
        Rc::new(move |e| events.borrow_mut().push(e))
    }));
    Host {
        source,
        calls,
        events,
    }
}

/// A gateway call answering from `script` by the bearer it got, recording the bearers.
fn gateway(
    sent: Rc<RefCell<Vec<String>>>,
    script: impl Fn(&str) -> Result<u32, ClientError> + 'static,
) -> impl Fn(&str) -> Call<u32> {
    move |bearer: &str| {
        sent.borrow_mut().push(bearer.to_string());
        let reply = script(bearer);
        Box::pin(async move { reply })
    }
}

fn run<T>(future: impl std::future::Future<Output = T>) -> T {
    future.now_or_never().expect("ready")
}

#[test]
fn every_call_carries_the_current_credential() {
    let host = host(true);
    let sent = Rc::new(RefCell::new(Vec::new()));
    let send = gateway(sent.clone(), |_| Ok(7));
    assert_eq!(run(authorized(&host.source, &send)), Ok(7));
    assert_eq!(run(authorized(&host.source, &send)), Ok(7));
    assert_eq!(*sent.borrow(), vec![token(1), token(1)]);
    assert_eq!(host.calls.get(), 1);
}

#[test]
fn an_expired_credential_is_refreshed_and_the_call_retried_once() {
    let host = host(true);
    let sent = Rc::new(RefCell::new(Vec::new()));
    let first = token(1);
    let send = gateway(sent.clone(), move |bearer| {
        if bearer == first {
            Err(refused(401, ErrorCode::CredentialExpired))
        } else {
            Ok(1)
        }
    });
    assert_eq!(run(authorized(&host.source, &send)), Ok(1));
    assert_eq!(*sent.borrow(), vec![token(1), token(2)]);
    assert_eq!(host.calls.get(), 2);
    assert!(!host.events.borrow().contains(&CredentialEvent::Refused));
}

#[test]
fn a_second_expiry_is_not_retried_again_and_says_sign_in_again() {
    let host = host(true);
    let sent = Rc::new(RefCell::new(Vec::new()));
    let send = gateway(sent.clone(), |_| {
        Err(refused(401, ErrorCode::CredentialExpired))
    });
    let error = run(authorized(&host.source, &send)).unwrap_err();
    assert_eq!(error.api_code(), Some(ErrorCode::CredentialExpired));
    assert_eq!(sent.borrow().len(), 2, "one retry, not more");
    assert_eq!(host.events.borrow().last(), Some(&CredentialEvent::Refused));
}

#[test]
fn the_same_credential_again_is_not_sent_again() {
    let host = host(false);
    let sent = Rc::new(RefCell::new(Vec::new()));
    let send = gateway(sent.clone(), |_| {
        Err(refused(401, ErrorCode::CredentialExpired))
    });
    assert!(run(authorized(&host.source, &send)).is_err());
    assert_eq!(sent.borrow().len(), 1);
    assert_eq!(host.calls.get(), 2, "asked the host page for a fresh one");
    assert_eq!(host.events.borrow().last(), Some(&CredentialEvent::Refused));
}

#[test]
fn an_invalid_credential_is_not_retried() {
    let host = host(true);
    let sent = Rc::new(RefCell::new(Vec::new()));
    let send = gateway(sent.clone(), |_| {
        Err(refused(401, ErrorCode::CredentialInvalid))
    });
    assert!(run(authorized(&host.source, &send)).is_err());
    assert_eq!(sent.borrow().len(), 1);
    assert_eq!(host.events.borrow().last(), Some(&CredentialEvent::Refused));
}

#[test]
fn other_refusals_pass_through_untouched() {
    let host = host(true);
    let sent = Rc::new(RefCell::new(Vec::new()));
    let send = gateway(sent.clone(), |_| {
        Err(refused(403, ErrorCode::RoleNotAllowed))
    });
    let error = run(authorized(&host.source, &send)).unwrap_err();
    assert_eq!(error.api_code(), Some(ErrorCode::RoleNotAllowed));
    assert_eq!(sent.borrow().len(), 1);
    assert!(!host.events.borrow().contains(&CredentialEvent::Refused));
}

#[test]
fn without_a_credential_nothing_is_sent() {
    let source = HostCredential::new(CredentialOption::Missing, Rc::new(|| NOW));
    let sent = Rc::new(RefCell::new(Vec::new()));
    let send = gateway(sent.clone(), |_| Ok(1));
    assert_eq!(
        run(authorized(&source, &send)),
        Err(ClientError::NotSignedIn)
    );
    assert!(sent.borrow().is_empty());
}

#[test]
fn session_secrets_are_kept_per_session_and_bounded() {
    let secrets = SessionSecrets::default();
    secrets.keep("s1", "one".into());
    secrets.keep("s2", "two".into());
    assert_eq!(secrets.get("s1").as_deref(), Some("one"));
    secrets.keep("s1", "uno".into());
    assert_eq!(secrets.get("s1").as_deref(), Some("uno"));
    secrets.forget("s1");
    assert_eq!(secrets.get("s1"), None);
    for n in 0..MAX_SECRETS + 2 {
        secrets.keep(&format!("x{n}"), n.to_string());
    }
    assert_eq!(secrets.get("s2"), None, "the oldest went first");
    assert_eq!(secrets.get("x0"), None);
    assert_eq!(
        secrets.get(&format!("x{}", MAX_SECRETS + 1)).as_deref(),
        Some("9")
    );
}
