//! Side effects of the component's state, as hooks: running the request the state asks
//! for, following the gateway's event stream, driving a card session, and telling the
//! host page about a shown answer. Decisions stay in the reducers; these only connect
//! them to the client, the feed and timers.

use std::cell::RefCell;
use std::rc::Rc;

use futures::future::{abortable, Aborted};
use gloo_timers::callback::{Interval, Timeout};
use onshi_core::api::QualificationAnswer;
use onshi_core::card_session::{PinEntry, StartCardSession};
use yew::prelude::*;

use crate::access::{Access, AccessAction};
use crate::api::{ClientError, FeedSignal, Subscription};
use crate::app::{ClientRef, CredentialRef, FeedRef};
use crate::card::{Busy, CardAction, CardHost, CardStage, POLL_FALLBACK_MS};
use crate::credential::CredentialSource;
use crate::events;
use crate::feed_link::{FeedLink, FeedLinkState, LinkAction};
use crate::queue::{parse_message, FeedItem, Queue, QueueAction};
use crate::request_ref;
use crate::state::{Action, Origin, Reception};
use crate::status::{GatewayStatus, StatusAction};

/// How long after sending the desk first asks where its request waits, and how often
/// after that: a free terminal answers most requests before anyone would read a queue
/// place, and the place changes no faster than requests finish.
pub const QUEUE_POLL_MS: u32 = 1_000;

/// Runs the request of a `Submitting` phase, named for the gateway by a per-mount random
/// prefix and its `seq`, and meanwhile polls where it waits in the terminal's queue.
/// Leaving that phase (answer, Cancel, unmount) aborts the future, which drops the
/// client's request and so aborts the fetch, and stops the polling.
#[hook]
pub fn use_request_runner(state: &UseReducerHandle<Reception>, client: &ClientRef) {
    let prefix = use_memo((), |_| request_ref::random_prefix());
    let in_flight = state.in_flight().map(|(seq, query)| (seq, query.clone()));
    let key = in_flight.as_ref().map(|(seq, _)| *seq);
    let dispatcher = state.dispatcher();
    let client = client.clone();
    use_effect_with(key, move |_| {
        let running = in_flight.map(|(seq, query)| {
            let name = request_ref::request_ref(&prefix, seq);
            let (request, handle) = abortable(client.0.qualify(query, &name));
            let poller = QueuePoller::start(client, name, seq, dispatcher.clone());
            wasm_bindgen_futures::spawn_local(async move {
                // An aborted request reports nothing: the state has moved on already.
                if let Ok(result) = request.await.map_err(|Aborted| ()) {
                    dispatcher.dispatch(Action::Resolved { seq, result });
                }
            });
            (handle, poller)
        });
        move || {
            if let Some((handle, poller)) = running {
                handle.abort();
                drop(poller);
            }
        }
    });
}

/// Asks every [`QUEUE_POLL_MS`] where request `seq` waits, one poll at a time (a slow
/// answer is not overtaken by a newer one). A poll that fails or finds the request gone
/// (404: finished) reports "unknown", which shows nothing. Dropping it stops the timer
/// and aborts the poll on its way.
struct QueuePoller {
    _timer: Interval,
    pending: Rc<RefCell<Option<futures::future::AbortHandle>>>,
}

impl QueuePoller {
    fn start(
        client: ClientRef,
        name: String,
        seq: u64,
        dispatcher: UseReducerDispatcher<Reception>,
    ) -> Self {
        let pending: Rc<RefCell<Option<futures::future::AbortHandle>>> = Rc::default();
        let timer = {
            let pending = pending.clone();
            Interval::new(QUEUE_POLL_MS, move || {
                if pending.borrow().is_some() {
                    return;
                }
                let (poll, handle) = abortable(client.0.queue_place(&name));
                *pending.borrow_mut() = Some(handle);
                let pending = pending.clone();
                let dispatcher = dispatcher.clone();
                wasm_bindgen_futures::spawn_local(async move {
                    if let Ok(result) = poll.await {
                        pending.borrow_mut().take();
                        dispatcher.dispatch(Action::QueuePlace {
                            seq,
                            place: result.ok(),
                        });
                    }
                });
            })
        };
        Self {
            _timer: timer,
            pending,
        }
    }
}

impl Drop for QueuePoller {
    fn drop(&mut self) {
        if let Some(handle) = self.pending.borrow_mut().take() {
            handle.abort();
        }
    }
}

/// Fires `onshi:qualified` on `host` once per shown answer.
#[hook]
pub fn use_qualified_event(state: &UseReducerHandle<Reception>, host: &web_sys::Element) {
    let shown: Option<(u64, Origin, QualificationAnswer)> = state
        .shown()
        .map(|(seq, origin, answer)| (seq, origin.clone(), answer.clone()));
    let key = shown.as_ref().map(|(seq, _, _)| *seq);
    let host = host.clone();
    use_effect_with(key, move |_| {
        if let Some((_, origin, answer)) = shown {
            if let Err(error) = events::emit_qualified(&host, &origin, &answer) {
                web_sys::console::error_2(&"onshi: could not fire onshi:qualified".into(), &error);
            }
        }
    });
}

/// Keeps the gateway's event stream open while `enabled` (signed in, with a role that
/// reads the queue): reception events go to the queue, card-session reports to the
/// reception state. [`FeedLink`] decides when to open a stream (each with a new ticket,
/// resuming after the last id seen) and when to wait or give up; this runs its attempts
/// and its timer. Returns the link, whose refusal the queue panel shows.
#[hook]
pub fn use_event_feed(
    feed: &FeedRef,
    client: &ClientRef,
    enabled: bool,
    queue: &UseReducerHandle<Queue>,
    reception: UseReducerDispatcher<Reception>,
) -> UseReducerHandle<FeedLinkState> {
    let last_id = use_mut_ref(|| None::<i64>);
    *last_id.borrow_mut() = queue.last_id();
    let link = use_reducer({
        let base_ms = feed.0.reopen_delay_ms();
        move || FeedLinkState {
            link: FeedLink::default(),
            base_ms,
        }
    });

    // Effect: start or stop with `enabled`.
    {
        let dispatcher = link.dispatcher();
        use_effect_with(enabled, move |enabled| {
            dispatcher.dispatch(if *enabled {
                LinkAction::Start
            } else {
                LinkAction::Stop
            });
        });
    }

    // Effect: open stream `attempt` (ticket first) and keep it while it is the one.
    {
        let attempt = link.link.stream();
        let queue = queue.dispatcher();
        let links = link.dispatcher();
        let client = client.clone();
        let feed = feed.clone();
        use_effect_with(attempt, move |attempt| {
            let subscription: Rc<RefCell<Option<Subscription>>> = Rc::default();
            let opening = attempt.map(|attempt| {
                let sink = feed_sink(attempt, queue, reception, links.clone());
                let after = *last_id.borrow();
                let (open, handle) = abortable(client.0.open_feed(feed.0.clone(), after, sink));
                let slot = subscription.clone();
                wasm_bindgen_futures::spawn_local(async move {
                    match open.await {
                        Ok(Ok(opened)) => *slot.borrow_mut() = Some(opened),
                        Ok(Err(error)) => links.dispatch(LinkAction::OpenFailed { attempt, error }),
                        // Superseded or unmounted before the ticket came: nothing opened.
                        Err(Aborted) => {}
                    }
                });
                handle
            });
            move || {
                if let Some(handle) = opening {
                    handle.abort();
                }
                subscription.borrow_mut().take();
            }
        });
    }

    // Effect: the wait before the next attempt.
    {
        let waiting = link.link.waiting();
        let dispatcher = link.dispatcher();
        use_effect_with(waiting, move |waiting| {
            let timer = waiting.map(|(attempt, delay_ms)| {
                Timeout::new(delay_ms, move || {
                    dispatcher.dispatch(LinkAction::Due { attempt })
                })
            });
            move || drop(timer)
        });
    }

    link
}

/// Where stream `attempt`'s signals go.
fn feed_sink(
    attempt: u64,
    queue: UseReducerDispatcher<Queue>,
    reception: UseReducerDispatcher<Reception>,
    link: UseReducerDispatcher<FeedLinkState>,
) -> Rc<dyn Fn(FeedSignal)> {
    Rc::new(move |signal: FeedSignal| match signal {
        FeedSignal::Message(message) => match parse_message(&message) {
            Some(FeedItem::Reception(event)) => {
                queue.dispatch(QueueAction::Received(Box::new(event)))
            }
            Some(FeedItem::CardSession(view)) => reception.dispatch(Action::CardReport(view)),
            None => {}
        },
        other => {
            queue.dispatch(QueueAction::Signal(other.clone()));
            link.dispatch(LinkAction::Signal {
                attempt,
                signal: other,
            });
        }
    })
}

/// What the page knows of its credential: asks the host page on mount, hears everything
/// [`crate::credential::HostCredential`] learns afterwards (fetches for calls, refusals),
/// and asks again [`crate::credential::REFRESH_BEFORE_SECS`] before the credential expires.
#[hook]
pub fn use_access(credential: &CredentialRef) -> UseReducerHandle<Access> {
    let access = use_reducer(Access::default);

    // Effect: listen, and ask once on mount.
    {
        let dispatcher = access.dispatcher();
        use_effect_with(credential.clone(), move |credential| {
            let source = credential.0.clone();
            source.watch(Some(Rc::new(move |event| {
                dispatcher.dispatch(AccessAction::Learnt(event))
            })));
            let first = source.current();
            wasm_bindgen_futures::spawn_local(async move {
                let _ = first.await;
            });
            move || source.watch(None)
        });
    }

    // Effect: ask again before the credential expires (re-armed by every change).
    {
        use_effect_with(
            ((*access).clone(), credential.clone()),
            move |(_, credential)| {
                let timer = credential.0.refresh_in_secs().map(|secs| {
                    let source = credential.0.clone();
                    // setTimeout takes at most 2^31−1 ms; a credential lives at most 12 h.
                    let ms = (secs.clamp(0, 2_000_000) * 1000) as u32;
                    Timeout::new(ms, move || {
                        let fetch = source.current();
                        wasm_bindgen_futures::spawn_local(async move {
                            let _ = fetch.await;
                        });
                    })
                });
                move || drop(timer)
            },
        );
    }

    access
}

/// "Check again" on the not-signed-in panel: ask the host page's function once more.
#[hook]
pub fn use_ask_again(
    credential: &CredentialRef,
    access: &UseReducerHandle<Access>,
) -> Callback<()> {
    let source = credential.0.clone();
    let dispatcher = access.dispatcher();
    Callback::from(move |()| {
        dispatcher.dispatch(AccessAction::Asking);
        let fetch = source.ask_again();
        wasm_bindgen_futures::spawn_local(async move {
            let _ = fetch.await;
        });
    })
}

/// Tells the queue about every card session that reached `done` here: its queued
/// `card_result` is the result the desk is looking at, so it is not counted as unconfirmed
/// (the queue matches it whether the event arrived before or after).
#[hook]
pub fn use_finished_cards(state: &UseReducerHandle<Reception>, queue: UseReducerDispatcher<Queue>) {
    let finished = state.finished.clone();
    let key = finished.as_ref().map(|f| f.seq);
    use_effect_with(key, move |_| {
        if let Some(finished) = finished {
            queue.dispatch(QueueAction::CardSessionDone(finished.session_id));
        }
    });
}

/// Drives the card session of a `Card` phase: starts it, polls `GET …/{id}` when no
/// report arrived for [`POLL_FALLBACK_MS`], and cancels (`DELETE`) every session the desk
/// left while it was still going, including on unmount.
#[hook]
pub fn use_card_runner<S: CardHost>(state: &UseReducerHandle<S>, client: &ClientRef) {
    let mounted = use_mut_ref(|| true);
    let live = use_mut_ref(|| None::<String>);
    *live.borrow_mut() = state
        .card()
        .and_then(|(_, flow)| flow.live_session().map(str::to_string));

    // Effect: start a session.
    {
        let starting = state
            .card()
            .filter(|(_, flow)| flow.stage == CardStage::Starting)
            .map(|(seq, _)| seq);
        let dispatcher = state.dispatcher();
        let client = client.clone();
        let mounted = mounted.clone();
        use_effect_with(starting, move |starting| {
            if let Some(seq) = *starting {
                // Not aborted when the desk leaves: the answer names the session to cancel.
                let call = client.0.start_card_session(StartCardSession::default());
                wasm_bindgen_futures::spawn_local(async move {
                    let result = call.await;
                    if *mounted.borrow() {
                        dispatcher.dispatch(S::card_step(seq, CardAction::Started(result)));
                    } else if let Ok(view) = result {
                        if !view.state.is_final() {
                            let _ = client.0.cancel_card_session(&view.id).await;
                        }
                    }
                });
            }
        });
    }

    // Effect: the polling fallback, re-armed by every report.
    {
        let poll = state
            .card()
            .filter(|(_, flow)| flow.busy.is_none())
            .and_then(|(seq, flow)| {
                flow.live_session()
                    .map(|id| (seq, id.to_string(), flow.revision))
            });
        let dispatcher = state.dispatcher();
        let client = client.clone();
        use_effect_with(poll, move |poll| {
            let pending: Rc<RefCell<Option<futures::future::AbortHandle>>> = Rc::default();
            let timer = poll.clone().map(|(seq, id, _)| {
                let pending = pending.clone();
                Timeout::new(POLL_FALLBACK_MS, move || {
                    let (request, handle) = abortable(client.0.card_session(&id));
                    *pending.borrow_mut() = Some(handle);
                    wasm_bindgen_futures::spawn_local(async move {
                        match request.await {
                            Ok(Ok(view)) => dispatcher.dispatch(S::card_report(view)),
                            Ok(Err(error)) => dispatcher
                                .dispatch(S::card_step(seq, CardAction::PollFailed(error))),
                            Err(Aborted) => {}
                        }
                    });
                })
            });
            move || {
                drop(timer);
                // A newer report arrived: an older poll's answer must not overwrite it.
                if let Some(handle) = pending.borrow_mut().take() {
                    handle.abort();
                }
            }
        });
    }

    // Effect: cancel sessions the desk left.
    {
        let abandoned = state.abandoned().cloned();
        let key = abandoned.as_ref().map(|a| a.seq);
        let client = client.clone();
        use_effect_with(key, move |_| {
            if let Some(abandoned) = abandoned {
                let call = client.0.cancel_card_session(&abandoned.session_id);
                wasm_bindgen_futures::spawn_local(async move {
                    let _ = call.await;
                });
            }
        });
    }

    // Effect: on unmount, cancel the session still going.
    {
        let client = client.clone();
        use_effect_with((), move |_| {
            move || {
                *mounted.borrow_mut() = false;
                if let Some(id) = live.borrow_mut().take() {
                    let call = client.0.cancel_card_session(&id);
                    wasm_bindgen_futures::spawn_local(async move {
                        let _ = call.await;
                    });
                }
            }
        });
    }
}

/// What the card panel can ask the gateway to do.
#[derive(Clone, PartialEq)]
pub struct CardCommands {
    /// Sends a PIN (moved in, dropped with the request).
    pub send_pin: Callback<String>,
    /// Sends the staff's visual-check confirmation.
    pub visual_check: Callback<()>,
}

/// Step commands for the current card attempt.
#[hook]
pub fn use_card_commands<S: CardHost>(
    state: &UseReducerHandle<S>,
    client: &ClientRef,
) -> CardCommands {
    // Only while the card waits for the PIN and nothing else is on its way.
    let target = state
        .card()
        .filter(|(_, flow)| flow.busy.is_none() && flow.tries_left().is_some())
        .and_then(|(seq, flow)| flow.session_id.clone().map(|id| (seq, id)));
    // The pad releases the digits at one try left only after the user's explicit
    // confirmation (src/pin.rs), so a PIN sent now at one try is a confirmed one.
    let last_try = state.card().and_then(|(_, flow)| flow.tries_left()) == Some(1);
    let step = |busy: Busy| {
        let target = target.clone();
        let dispatcher = state.dispatcher();
        let client = client.clone();
        move |pin: Option<String>| {
            let Some((seq, id)) = target.clone() else {
                return;
            };
            dispatcher.dispatch(S::card_step(seq, CardAction::Sending(busy)));
            let call = match pin {
                Some(pin) => client.0.send_pin(
                    &id,
                    PinEntry {
                        pin,
                        confirm_last_try: last_try,
                    },
                ),
                None => client.0.visual_check(&id),
            };
            let dispatcher = dispatcher.clone();
            wasm_bindgen_futures::spawn_local(async move {
                match call.await {
                    Ok(view) => dispatcher.dispatch(S::card_report(view)),
                    Err(error) => {
                        dispatcher.dispatch(S::card_step(seq, CardAction::StepFailed(error)))
                    }
                }
            });
        }
    };
    let send_pin = step(Busy::Pin);
    let visual = step(Busy::VisualCheck);
    CardCommands {
        send_pin: Callback::from(move |pin: String| send_pin(Some(pin))),
        visual_check: Callback::from(move |()| visual(None)),
    }
}

/// Keeps the desk's reading of its gateway current: a check on mount and then every
/// [`crate::api::GatewayClient::health_every_ms`], one whenever `failure` (the failed
/// request on screen) becomes one that points at the gateway, and whatever check the
/// status asks for (including "Check again", dispatched by the view).
#[hook]
pub fn use_gateway_status(
    client: &ClientRef,
    failure: Option<ClientError>,
) -> UseReducerHandle<GatewayStatus> {
    let status = use_reducer(GatewayStatus::default);

    // Effect: check on mount, then on the timer.
    {
        let dispatcher = status.dispatcher();
        use_effect_with(client.clone(), move |client| {
            dispatcher.dispatch(StatusAction::Check);
            let timer = Interval::new(client.0.health_every_ms(), move || {
                dispatcher.dispatch(StatusAction::Check)
            });
            move || drop(timer)
        });
    }

    // Effect: a request just failed (keyed on the failure, so each one counts once).
    {
        let dispatcher = status.dispatcher();
        use_effect_with(failure, move |failure| {
            if let Some(error) = failure {
                dispatcher.dispatch(StatusAction::RequestFailed(error.clone()));
            }
        });
    }

    // Effect: run the check the status asks for; unmounting drops (aborts) it.
    {
        let dispatcher = status.dispatcher();
        let client = client.clone();
        use_effect_with(status.pending_check(), move |pending| {
            let handle = pending.map(|seq| {
                let (request, handle) = abortable(client.0.health());
                wasm_bindgen_futures::spawn_local(async move {
                    if let Ok(result) = request.await.map_err(|Aborted| ()) {
                        dispatcher.dispatch(StatusAction::Checked { seq, result });
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

    status
}
