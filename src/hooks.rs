//! Side effects of the reception state, as hooks: running the request the state asks
//! for, and telling the host page about a shown answer.

use futures::future::{abortable, Aborted};
use onshi_core::api::{QualificationAnswer, QualificationQuery};
use yew::prelude::*;

use crate::app::ClientRef;
use crate::events;
use crate::state::{Action, Reception};

/// Runs the request of a `Submitting` phase. Leaving that phase (Cancel, unmount)
/// aborts the future, which drops the client's request and so aborts the fetch.
#[hook]
pub fn use_request_runner(state: &UseReducerHandle<Reception>, client: &ClientRef) {
    let in_flight = state.in_flight().map(|(seq, query)| (seq, query.clone()));
    let key = in_flight.as_ref().map(|(seq, _)| *seq);
    let dispatcher = state.dispatcher();
    let client = client.clone();
    use_effect_with(key, move |_| {
        let handle = in_flight.map(|(seq, query)| {
            let (request, handle) = abortable(client.0.qualify(query));
            wasm_bindgen_futures::spawn_local(async move {
                // An aborted request reports nothing: the state has moved on already.
                if let Ok(result) = request.await.map_err(|Aborted| ()) {
                    dispatcher.dispatch(Action::Resolved { seq, result });
                }
            });
            handle
        });
        move || {
            if let Some(handle) = handle {
                handle.abort();
            }
        }
    });
}

/// Fires `onshi:qualified` on `host` once per shown answer.
#[hook]
pub fn use_qualified_event(state: &UseReducerHandle<Reception>, host: &web_sys::Element) {
    let shown: Option<(u64, QualificationQuery, QualificationAnswer)> = state
        .shown()
        .map(|(seq, query, answer)| (seq, query.clone(), answer.clone()));
    let key = shown.as_ref().map(|(seq, _, _)| *seq);
    let host = host.clone();
    use_effect_with(key, move |_| {
        if let Some((_, query, answer)) = shown {
            if let Err(error) = events::emit_qualified(&host, &query, &answer) {
                web_sys::console::error_2(&"onshi: could not fire onshi:qualified".into(), &error);
            }
        }
    });
}
