//! The root component: owns the reception state and the display language, provides
//! the UI context and wires the side-effect hooks.

use std::rc::Rc;

use onshi_core::codes::Lang;
use yew::prelude::*;

use crate::api::{EventFeed, GatewayClient};
use crate::context::{lang_tag, UiContext};
use crate::hooks::{
    use_card_commands, use_card_runner, use_event_feed, use_finished_cards, use_gateway_status,
    use_qualified_event, use_request_runner,
};
use crate::i18n::{text, Msg};
use crate::present::status::strip_view;
use crate::queue::Queue;
use crate::state::Reception;
use crate::status::StatusAction;
use crate::views::{LangSwitch, ReceptionView, StatusStrip};

/// A shared gateway client; equal when it is the same client.
#[derive(Clone)]
pub struct ClientRef(pub Rc<dyn GatewayClient>);

impl PartialEq for ClientRef {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.0, &other.0)
    }
}

/// A shared event feed; equal when it is the same feed.
#[derive(Clone)]
pub struct FeedRef(pub Rc<dyn EventFeed>);

impl PartialEq for FeedRef {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.0, &other.0)
    }
}

#[derive(Properties, PartialEq, Clone)]
pub struct AppProps {
    pub client: ClientRef,
    pub feed: FeedRef,
    pub lang: Lang,
    /// The host element: `onshi:qualified` is dispatched here.
    pub host: web_sys::Element,
    /// Makes element ids unique when a page mounts the component twice.
    pub id_prefix: AttrValue,
}

#[component]
pub fn App(props: &AppProps) -> Html {
    let lang = use_state_eq(|| props.lang);
    let reception = use_reducer(Reception::default);
    let queue = use_reducer(Queue::default);

    // Effects
    use_request_runner(&reception, &props.client);
    use_card_runner(&reception, &props.client);
    use_event_feed(&props.feed, &queue, reception.dispatcher());
    use_finished_cards(&reception, queue.dispatcher());
    use_qualified_event(&reception, &props.host);
    let commands = use_card_commands(&reception, &props.client);
    let status = use_gateway_status(&props.client, reception.failure().cloned());
    let on_recheck = {
        let dispatcher = status.dispatcher();
        Callback::from(move |()| dispatcher.dispatch(StatusAction::Check))
    };

    let ui = UiContext {
        lang: *lang,
        set_lang: {
            let lang = lang.clone();
            Callback::from(move |next: Lang| lang.set(next))
        },
        id_prefix: props.id_prefix.clone(),
    };
    html! {
        <ContextProvider<UiContext> context={ui}>
            <div class="onshi" lang={lang_tag(*lang)}>
                <header class="onshi-header">
                    <h2 class="onshi-header__title">{ text(*lang, Msg::Title) }</h2>
                    <LangSwitch />
                </header>
                <StatusStrip view={strip_view(&status)} {on_recheck} />
                <ReceptionView state={reception} {queue} {commands} />
            </div>
        </ContextProvider<UiContext>>
    }
}
