//! The kiosk's effects: the card session (the reception desk's hooks, over
//! [`crate::card::CardHost`]), the consent calls the state asks for, watching the
//! authenticated session for the card's removal, and the clock of the idle timer.
//! Decisions stay in [`super::flow`].

use gloo_timers::callback::Interval;
use yew::prelude::*;

use super::flow::{Action, Kiosk};
use crate::app::ClientRef;

/// The browser's clock in milliseconds.
pub fn now_ms() -> u64 {
    js_sys::Date::now() as u64
}

/// Runs the consent calls of the current screen: loading the consents on record, a
/// withdrawal, the recording (whose receipt [`crate::api::Gateway::give_consent`]
/// verifies). A reset makes their answers stale; the reducer ignores them by number.
#[hook]
pub fn use_consent_calls(state: &UseReducerHandle<Kiosk>, client: &ClientRef) {
    {
        let request = state
            .overview_request()
            .map(|(seq, session)| (seq, session.to_string()));
        let dispatcher = state.dispatcher();
        let client = client.clone();
        use_effect_with(request, move |request| {
            if let Some((seq, session)) = request.clone() {
                let call = client.0.consents(&session);
                wasm_bindgen_futures::spawn_local(async move {
                    let result = call.await;
                    dispatcher.dispatch(Action::OverviewLoaded { seq, result });
                });
            }
        });
    }
    {
        let request = state
            .withdraw_request()
            .map(|(seq, id, session)| (seq, id.to_string(), session.to_string()));
        let dispatcher = state.dispatcher();
        let client = client.clone();
        use_effect_with(request, move |request| {
            if let Some((seq, id, session)) = request.clone() {
                let call = client.0.withdraw_consent(&id, &session);
                wasm_bindgen_futures::spawn_local(async move {
                    let result = call.await;
                    let now_secs = crate::clock::unix_now();
                    dispatcher.dispatch(Action::Withdrawn {
                        seq,
                        result,
                        now_secs,
                    });
                });
            }
        });
    }
    {
        let request = state
            .record_request()
            .map(|(seq, session, decisions)| (seq, session.to_string(), decisions));
        let dispatcher = state.dispatcher();
        let client = client.clone();
        use_effect_with(request, move |request| {
            if let Some((seq, session, decisions)) = request.clone() {
                let call = client.0.give_consent(
                    &session,
                    decisions,
                    std::rc::Rc::new(crate::clock::unix_now),
                );
                wasm_bindgen_futures::spawn_local(async move {
                    let result = call.await;
                    dispatcher.dispatch(Action::Recorded { seq, result });
                });
            }
        });
    }
}

/// While the patient answers, asks `GET /v1/card-sessions/{id}` every
/// [`super::idle::Timing::watch_ms`] ([`crate::card::POLL_FALLBACK_MS`] by default): a session that failed (the card was taken away) ends the visit.
/// When the patient is gone, the session's secret is forgotten.
#[hook]
pub fn use_session_watch(state: &UseReducerHandle<Kiosk>, client: &ClientRef) {
    let watched = state.watched_session().map(str::to_string);
    let every = state.timing.watch_ms;
    {
        let dispatcher = state.dispatcher();
        let client = client.clone();
        use_effect_with(watched, move |watched| {
            let timer = watched.clone().map(|id| {
                Interval::new(every, move || {
                    let call = client.0.card_session(&id);
                    let dispatcher = dispatcher.clone();
                    wasm_bindgen_futures::spawn_local(async move {
                        if let Ok(view) = call.await {
                            dispatcher.dispatch(Action::CardReport(view));
                        }
                    });
                })
            });
            move || drop(timer)
        });
    }
    // Effect: forget the secret of a session whose patient has gone (after the card
    // hooks took what they need to cancel it).
    {
        let previous = use_mut_ref(|| None::<String>);
        let session = state.session.clone();
        let client = client.clone();
        use_effect_with(session, move |session| {
            let before = std::mem::replace(&mut *previous.borrow_mut(), session.clone());
            if let Some(before) = before {
                if session.as_ref() != Some(&before) {
                    client.0.forget_session(&before);
                }
            }
        });
    }
}

/// Ticks once a second while the state counts something (the idle timer, the done
/// screen).
#[hook]
pub fn use_clock(state: &UseReducerHandle<Kiosk>) {
    let ticking = state.ticking();
    let dispatcher = state.dispatcher();
    use_effect_with(ticking, move |ticking| {
        let timer = ticking.then(|| {
            dispatcher.dispatch(Action::Tick { now: now_ms() });
            Interval::new(1_000, move || {
                dispatcher.dispatch(Action::Tick { now: now_ms() })
            })
        });
        move || drop(timer)
    });
}
