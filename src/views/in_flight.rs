//! The visible "asking the terminal" state: a live status with elapsed seconds and a
//! Cancel button, since a terminal round trip can take many seconds; while the terminal
//! is busy, also where the request waits in its queue.

use std::rc::Rc;

use gloo_timers::callback::Interval;
use yew::prelude::*;

use crate::context::UiContext;
use crate::i18n::{self, text, Msg};
use crate::present::in_flight::QueuedNotice;

#[derive(Properties, PartialEq)]
pub struct InFlightProps {
    pub on_cancel: Callback<()>,
    /// Shown while the request waits for one of the terminal's sessions.
    #[prop_or_default]
    pub queued: Option<QueuedNotice>,
}

/// Whole seconds since the request started.
#[derive(Default, PartialEq)]
struct Elapsed(u32);

impl Reducible for Elapsed {
    type Action = ();

    fn reduce(self: Rc<Self>, _: ()) -> Rc<Self> {
        Rc::new(Elapsed(self.0.saturating_add(1)))
    }
}

#[component]
pub fn InFlight(props: &InFlightProps) -> Html {
    let ui = use_context::<UiContext>().unwrap_or_default();
    let elapsed = use_reducer(Elapsed::default);
    let cancel_ref = use_node_ref();

    // Effect: tick once a second while mounted.
    {
        let dispatcher = elapsed.dispatcher();
        use_effect_with((), move |_| {
            let interval = Interval::new(1_000, move || dispatcher.dispatch(()));
            move || drop(interval)
        });
    }
    // Effect: put the keyboard on Cancel, the only useful action now.
    {
        let cancel_ref = cancel_ref.clone();
        use_effect_with((), move |_| {
            if let Some(button) = cancel_ref.cast::<web_sys::HtmlElement>() {
                let _ = button.focus();
            }
        });
    }

    let onclick = {
        let on_cancel = props.on_cancel.clone();
        Callback::from(move |_: MouseEvent| on_cancel.emit(()))
    };
    let onkeydown = {
        let on_cancel = props.on_cancel.clone();
        Callback::from(move |e: KeyboardEvent| {
            if e.key() == "Escape" {
                on_cancel.emit(());
            }
        })
    };
    html! {
        <div class="onshi-inflight" role="status" aria-live="polite" {onkeydown}>
            <span class="onshi-inflight__spinner" aria-hidden="true"></span>
            <p class="onshi-inflight__text">{ text(ui.lang, Msg::Checking) }</p>
            <p class="onshi-inflight__elapsed">{ i18n::elapsed(ui.lang, elapsed.0) }</p>
            if let Some(queued) = props.queued {
                <p class="onshi-inflight__queued" role={QueuedNotice::ROLE}
                    data-ahead={queued.ahead.to_string()}>
                    <span class="onshi-inflight__queued-symbol" aria-hidden="true">{ QueuedNotice::SYMBOL }</span>
                    <span class="onshi-inflight__queued-text">{ queued.text(ui.lang) }</span>
                </p>
            }
            <button type="button" class="onshi-button" data-action="cancel"
                ref={cancel_ref} {onclick}>
                { text(ui.lang, Msg::Cancel) }
            </button>
        </div>
    }
}
