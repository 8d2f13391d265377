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
    // An alert for a refusal; a status for a state of the page.
    let role = if view.alert { "alert" } else { "status" };
    html! {
        <section class="onshi-error onshi-access" {role} data-access={view.key}
            aria-labelledby={ui.id("access-heading")}>
            <h3 class="onshi-error__heading" id={ui.id("access-heading")}>
                { text(lang, view.heading) }
            </h3>
            <p class="onshi-error__text">{ text(lang, view.text) }</p>
            if let Blocked::Role(signed_in) = view.why {
                <p class="onshi-error__detail" data-role={signed_in.as_str()}>
                    { i18n::current_role(lang, signed_in) }
                </p>
            }
            if view.ask_again {
                <div class="onshi-error__actions">
                    <button type="button" class="onshi-button onshi-button--primary"
                        data-action="ask-again" onclick={on_click}>
                        { text(lang, Msg::AskAgain) }
                    </button>
                </div>
            }
        </section>
    }
}
