//! What stands in for the reception screen when the page cannot work for whoever is
//! there: nobody signed in, a credential the gateway refused, or a role the reception
//! page offers nothing to. Words first (the colour of the box is never the only cue),
//! and a button only where pressing it can change something.

use yew::prelude::*;

use crate::access::{Blocked, BlockedView};
use crate::context::UiContext;
use crate::i18n::{self, text, Msg};

#[derive(Properties, PartialEq)]
pub struct AccessPanelProps {
    pub view: BlockedView,
    /// Ask the host page's credential function once more.
    pub on_ask_again: Callback<()>,
}

#[component]
pub fn AccessPanel(props: &AccessPanelProps) -> Html {
    let ui = use_context::<UiContext>().unwrap_or_default();
    let lang = ui.lang;
    let view = props.view;
    let on_click = {
        let cb = props.on_ask_again.clone();
        Callback::from(move |_: MouseEvent| cb.emit(()))
    };
    let urgency = view.urgency;
    // Marked like the gateway status strip's notices: a symbol, a heading in words, and
    // `role="alert"` only for a refusal; the form and queue are simply not there.
    html! {
        <section class={classes!("onshi-status__notice", urgency.class(), "onshi-access")}
            role={urgency.role()} data-access={view.key}
            aria-labelledby={ui.id("access-heading")}>
            <span class="onshi-status__symbol" aria-hidden="true">{ urgency.symbol() }</span>
            <div class="onshi-access__body">
                // A heading for assistive technology, set like the strip's labels so it
                // lines up with the symbol.
                <p class="onshi-status__text onshi-access__heading" role="heading" aria-level="3">
                    <strong class="onshi-status__label" id={ui.id("access-heading")}>
                        { text(lang, view.heading) }
                    </strong>
                </p>
                <p class="onshi-status__text">{ text(lang, view.text) }</p>
                if let Blocked::Role(signed_in) = view.why {
                    <p class="onshi-status__text onshi-access__role" data-role={signed_in.as_str()}>
                        { i18n::current_role(lang, signed_in) }
                    </p>
                }
                if view.ask_again {
                    <p class="onshi-access__actions">
                        <button type="button" class="onshi-button" data-action="ask-again"
                            onclick={on_click}>
                            { text(lang, Msg::AskAgain) }
                        </button>
                    </p>
                }
            </div>
        </section>
    }
}
