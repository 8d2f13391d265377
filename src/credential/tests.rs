use std::cell::Cell;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures::channel::oneshot;
use onshi_core::jose::encode;
use serde_json::json;

use super::*;

const NOW: i64 = 1_800_000_000;

/// A credential-shaped token with `payload` (the signature is never checked here).
pub(crate) fn token(payload: serde_json::Value) -> String {
    format!(
        "{}.{}.c2ln",
        encode(br#"{"alg":"ES256","kid":"emr"}"#),
        encode(payload.to_string().as_bytes())
    )
}

fn reception_until(exp: i64, n: u32) -> String {
    token(json!({"sub": format!("u{n}"), "role": "reception", "exp": exp}))
}

/// Polls once without an executor: every future here is ready or waits on a channel
/// the test controls.
fn poll<F: Future + Unpin>(future: &mut F) -> Poll<F::Output> {
    let mut cx = Context::from_waker(futures::task::noop_waker_ref());
    Pin::new(future).poll(&mut cx)
}

fn now_ready<F: Future + Unpin>(mut future: F) -> F::Output {
    match poll(&mut future) {
        Poll::Ready(out) => out,
        Poll::Pending => panic!("not ready"),
    }
}

/// A host page whose function hands out the next credential of `tokens` per call and
/// counts the calls; the clock is a cell the test moves.
struct Host {
    calls: Rc<Cell<u32>>,
    clock: Rc<Cell<i64>>,
    events: Rc<RefCell<Vec<CredentialEvent>>>,
    source: HostCredential,
}

fn host(answers: Vec<Result<String, String>>) -> Host {
    let calls = Rc::new(Cell::new(0));
    let clock = Rc::new(Cell::new(NOW));
    let answers = Rc::new(RefCell::new(answers.into_iter()));
    let provider: CredentialProvider = {
        let calls = calls.clone();
        Rc::new(move || {
            calls.set(calls.get() + 1);
            let next = answers.borrow_mut().next().unwrap_or(Err("no more".into()));
            ready(next).boxed_local()
        })
    };
    let source = HostCredential::new(CredentialOption::Provider(provider), {
        let clock = clock.clone();
        Rc::new(move || clock.get())
    });
    let events: Rc<RefCell<Vec<CredentialEvent>>> = Rc::default();
    source.watch(Some({
        let events = events.clone();
        Rc::new(move |e| events.borrow_mut().push(e))
    }));
    Host {
        calls,
        clock,
        events,
        source,
    }
}

#[test]
fn the_payload_is_read_unverified_for_role_licence_and_expiry() {
    let identity = peek(&token(
        json!({"role": "clinician", "licence": "nurse", "exp": NOW}),
    ));
    assert_eq!(
        identity,
        Identity {
            role: Some(Role::Clinician),
            licence: Some(Licence::Nurse),
            exp: Some(NOW),
        }
    );
    // Unknown names and unreadable tokens say nothing rather than guess.
    let odd = peek(&token(json!({"role": "superuser", "exp": "soon"})));
    assert_eq!(odd, Identity::default());
    assert_eq!(peek("not a jws"), Identity::default());
    assert_eq!(peek("a.%%%.c"), Identity::default());
}

#[test]
fn refresh_sixty_seconds_before_expiry_but_not_in_a_loop() {
    // An hour left: due 60 s before the end.
    assert_eq!(refresh_in_secs(NOW + 3600, NOW, NOW), 3540);
    // Inside the last minute: now, unless it was fetched just now.
    assert_eq!(refresh_in_secs(NOW + 59, NOW - 100, NOW), 0);
    assert_eq!(refresh_in_secs(NOW + 30, NOW, NOW), MIN_REFETCH_SECS);
    assert_eq!(refresh_in_secs(NOW - 5, NOW - 20, NOW), 0);
}

#[test]
fn a_credential_is_cached_until_a_minute_before_it_expires() {
    let first = reception_until(NOW + 600, 1);
    let second = reception_until(NOW + 1200, 2);
    let host = host(vec![Ok(first.clone()), Ok(second.clone())]);
    assert_eq!(now_ready(host.source.current()), Ok(first.clone()));
    assert_eq!(now_ready(host.source.current()), Ok(first.clone()));
    assert_eq!(host.calls.get(), 1, "cached");
    assert_eq!(host.source.refresh_in_secs(), Some(540));

    host.clock.set(NOW + 539);
    assert_eq!(now_ready(host.source.current()), Ok(first));
    assert_eq!(host.calls.get(), 1);
    host.clock.set(NOW + 541);
    assert_eq!(now_ready(host.source.current()), Ok(second));
    assert_eq!(host.calls.get(), 2, "fewer than 60 s left: asked again");
    assert_eq!(
        host.events.borrow()[0],
        CredentialEvent::Fetched {
            identity: Identity {
                role: Some(Role::Reception),
                licence: None,
                exp: Some(NOW + 600),
            },
            refused: false,
        }
    );
}

#[test]
fn a_credential_without_exp_is_kept_until_the_gateway_says_it_expired() {
    let plain = token(json!({"role": "reception"}));
    let host = host(vec![Ok(plain.clone()), Ok("fresh".into())]);
    assert_eq!(now_ready(host.source.current()), Ok(plain.clone()));
    host.clock.set(NOW + 86_400);
    assert_eq!(now_ready(host.source.current()), Ok(plain.clone()));
    assert_eq!(host.source.refresh_in_secs(), None, "nothing to schedule");
    assert_eq!(
        now_ready(host.source.renew(&plain)),
        Ok("fresh".to_string())
    );
    assert_eq!(host.calls.get(), 2);
}

#[test]
fn renewing_a_credential_another_call_renewed_already_takes_the_newer_one() {
    let old = reception_until(NOW + 600, 1);
    let new = reception_until(NOW + 1200, 2);
    let host = host(vec![Ok(old.clone()), Ok(new.clone())]);
    now_ready(host.source.current()).unwrap();
    assert_eq!(now_ready(host.source.renew(&old)), Ok(new.clone()));
    // A second call that failed with the old one does not ask the host again.
    assert_eq!(now_ready(host.source.renew(&old)), Ok(new));
    assert_eq!(host.calls.get(), 2);
}

#[test]
fn concurrent_callers_share_one_call_of_the_host_function() {
    let (tx, rx) = oneshot::channel::<Result<String, String>>();
    let rx = RefCell::new(Some(rx));
    let calls = Rc::new(Cell::new(0));
    let provider: CredentialProvider = {
        let calls = calls.clone();
        Rc::new(move || {
            calls.set(calls.get() + 1);
            let rx = rx.borrow_mut().take().expect("called once");
            async move { rx.await.unwrap_or(Err("dropped".into())) }.boxed_local()
        })
    };
    let source = HostCredential::new(CredentialOption::Provider(provider), Rc::new(|| NOW));
    let mut a = source.current();
    let mut b = source.current();
    assert!(poll(&mut a).is_pending());
    assert!(poll(&mut b).is_pending());
    tx.send(Ok(reception_until(NOW + 600, 1))).unwrap();
    assert!(matches!(poll(&mut a), Poll::Ready(Ok(_))));
    assert!(matches!(poll(&mut b), Poll::Ready(Ok(_))));
    assert_eq!(calls.get(), 1);
}

#[test]
fn no_credential_a_rejection_or_an_empty_string_is_not_signed_in() {
    let missing = HostCredential::new(CredentialOption::Missing, Rc::new(|| NOW));
    assert_eq!(now_ready(missing.current()), Err(NotSignedIn));
    assert!(!missing.can_ask_again());

    let host = host(vec![
        Err("the EMR's session ended".into()),
        Ok("  ".into()),
        Ok(reception_until(NOW + 600, 1)),
    ]);
    assert_eq!(now_ready(host.source.current()), Err(NotSignedIn));
    assert_eq!(now_ready(host.source.current()), Err(NotSignedIn));
    assert!(now_ready(host.source.ask_again()).is_ok());
    assert!(host.source.can_ask_again());
    let events = host.events.borrow();
    assert_eq!(events[0], CredentialEvent::NotSignedIn);
    assert_eq!(events[1], CredentialEvent::NotSignedIn);
    assert!(matches!(
        events[2],
        CredentialEvent::Fetched { refused: false, .. }
    ));
}

#[test]
fn a_fixed_credential_is_sent_as_given_and_never_scheduled() {
    let fixed = reception_until(NOW + 30, 1);
    let source = HostCredential::new(CredentialOption::Fixed(fixed.clone()), Rc::new(|| NOW));
    assert_eq!(now_ready(source.current()), Ok(fixed.clone()));
    assert_eq!(now_ready(source.current()), Ok(fixed.clone()));
    assert_eq!(source.refresh_in_secs(), None);
    assert_eq!(now_ready(source.renew(&fixed)), Ok(fixed), "all there is");
}

#[test]
fn a_refused_credential_handed_out_again_is_still_refused() {
    let bad = reception_until(NOW + 600, 1);
    let good = reception_until(NOW + 600, 2);
    let host = host(vec![Ok(bad.clone()), Ok(bad.clone()), Ok(good)]);
    now_ready(host.source.current()).unwrap();
    host.source.refused(&bad);
    now_ready(host.source.ask_again()).unwrap();
    now_ready(host.source.ask_again()).unwrap();
    let events = host.events.borrow();
    assert_eq!(events[1], CredentialEvent::Refused);
    assert!(matches!(
        events[2],
        CredentialEvent::Fetched { refused: true, .. }
    ));
    assert!(matches!(
        events[3],
        CredentialEvent::Fetched { refused: false, .. }
    ));
}

#[test]
fn debug_output_never_shows_the_credential() {
    let option = CredentialOption::Fixed("secret-token".into());
    assert!(!format!("{option:?}").contains("secret"));
}
