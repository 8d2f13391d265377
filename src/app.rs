//! The root component: owns the reception state and the display language, provides
//! the UI context and wires the side-effect hooks.

use std::rc::Rc;

use onshi_core::codes::Lang;
use yew::prelude::*;

use crate::access::{access_view, AccessView};
use crate::api::{EventFeed, Gateway};
use crate::context::{lang_tag, UiContext};
use crate::credential::HostCredential;
use crate::hooks::{
    use_access, use_ask_again, use_card_commands, use_card_runner, use_event_feed,
    use_finished_cards, use_gateway_status, use_qualified_event, use_request_runner,
};
use crate::i18n::{text, Msg};
use crate::present::status::strip_view;
use crate::queue::Queue;
use crate::state::{Action, Reception};
use crate::status::StatusAction;
use crate::views::{AccessPanel, LangSwitch, ReceptionView, StatusStrip};

/// The shared gateway; equal when it is the same one.
#[derive(Clone)]
pub struct ClientRef(pub Rc<Gateway>);

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

/// The page's credential; equal when it is the same one.
#[derive(Clone)]
pub struct CredentialRef(pub HostCredential);

impl PartialEq for CredentialRef {
    fn eq(&self, other: &Self) -> bool {
        self.0.same_as(&other.0)
    }
}

#[derive(Properties, PartialEq, Clone)]
pub struct AppProps {
    pub client: ClientRef,
    pub feed: FeedRef,
    pub credential: CredentialRef,
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

    let access = use_access(&props.credential);
    let view = access_view(&access, props.credential.0.can_ask_again());
    let offer = match view {
        AccessView::Reception(offer) => Some(offer),
        _ => None,
    };

    // Effects
    use_request_runner(&reception, &props.client);
    use_card_runner(&reception, &props.client);
    let link = use_event_feed(
        &props.feed,
        &props.client,
        offer.is_some_and(|offer| offer.queue),
        &queue,
        reception.dispatcher(),
    );
    use_finished_cards(&reception, queue.dispatcher());
    use_qualified_event(&reception, &props.host);
    let commands = use_card_commands(&reception, &props.client);
    let status = use_gateway_status(&props.client, reception.failure().cloned());
    let on_recheck = {
        let dispatcher = status.dispatcher();
        Callback::from(move |()| dispatcher.dispatch(StatusAction::Check))
    };
    let on_ask_again = use_ask_again(&props.credential, &access);

    // Effect: whoever signed out leaves no patient on screen for the next person (a
    // card session still going is cancelled on the way).
    {
        let dispatcher = reception.dispatcher();
        use_effect_with(access.is_signed_in(), move |signed_in| {
            if !*signed_in {
                dispatcher.dispatch(Action::NextPatient);
            }
        });
    }

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
                {
                    match view {
                        AccessView::Reception(offer) => html! {
                            <ReceptionView state={reception} {queue} {commands} {offer}
                                queue_refusal={link.link.refusal().cloned()} />
                        },
                        AccessView::Checking => html! {
                            <p class="onshi-notice onshi-access" role="status" data-access="checking">
                                { text(*lang, Msg::SignInChecking) }
                            </p>
                        },
                        AccessView::Blocked(blocked) => html! {
                            <AccessPanel view={blocked} on_ask_again={on_ask_again} />
                        },
                    }
                }
            </div>
        </ContextProvider<UiContext>>
    }
}
