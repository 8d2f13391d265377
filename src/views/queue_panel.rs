//! The live reception queue: face-reader and My Number Card results, newest first, each a
//! button that opens the result and says how the patient was identified; the connection state in a quiet line at the top.

use yew::prelude::*;

use onshi_core::codes::Lang;

use crate::api::ClientError;
use crate::context::UiContext;
use crate::i18n::{self, text, Msg};
use crate::present::refusal::refusal_detail;
use crate::present::{self, EntryView};
use crate::queue::{Queue, QueueEntry};

#[derive(Properties, PartialEq)]
pub struct QueuePanelProps {
    pub queue: UseReducerHandle<Queue>,
    /// Open the entry with this event id.
    pub on_open: Callback<i64>,
    /// The gateway refused the event stream (e.g. this role may not read the queue).
    #[prop_or_default]
    pub refusal: Option<ClientError>,
}

#[component]
pub fn QueuePanel(props: &QueuePanelProps) -> Html {
    let ui = use_context::<UiContext>().unwrap_or_default();
    let lang = ui.lang;
    let queue = &props.queue;
    let (conn_msg, conn_class) = present::connection_label(queue.connection);
    let unconfirmed = queue.unconfirmed();

    let entries = queue
        .entries()
        .iter()
        .map(|entry| queue_entry_item(entry, lang, &props.on_open));

    html! {
        <aside class="onshi-queue" aria-labelledby={ui.id("queue-heading")}>
            <div class="onshi-queue__header">
                <h3 class="onshi-queue__heading" id={ui.id("queue-heading")}>
                    { text(lang, Msg::QueueHeading) }
                    if unconfirmed > 0 {
                        <span class="onshi-queue__count">
                            { format!(" {}: {unconfirmed}", text(lang, Msg::QueueUnconfirmed)) }
                        </span>
                    }
                </h3>
                <p class={classes!("onshi-conn", conn_class)} role="status">
                    <span class="onshi-visually-hidden">{ text(lang, Msg::QueueConnection) }{ ": " }</span>
                    <span class="onshi-conn__text">{ text(lang, conn_msg) }</span>
                </p>
            </div>
            <p class="onshi-visually-hidden" aria-live="polite">
                { format!("{}: {unconfirmed}", text(lang, Msg::QueueUnconfirmed)) }
            </p>
            if let Some(refusal) = &props.refusal {
                <p class="onshi-queue__empty onshi-queue__refusal" role="alert">
                    { text(lang, present::error_view(refusal).msg) }
                </p>
            }
            if queue.entries().is_empty() {
                <p class="onshi-queue__empty">{ text(lang, Msg::QueueEmpty) }</p>
            } else {
                <ul class="onshi-queue__list" aria-labelledby={ui.id("queue-heading")}>
                    { for entries }
                </ul>
            }
        </aside>
    }
}

/// One queue entry as a list item: a button that opens the result, or a neutral line for a
/// file that could not be read. Public so the render benchmark measures the real markup.
pub fn queue_entry_item(entry: &QueueEntry, lang: Lang, on_open: &Callback<i64>) -> Html {
    let view = present::queue_entry(entry);
    let time = html! {
        <span class="onshi-queue__time">{ view.time.clone().unwrap_or_default() }</span>
    };
    match view.view {
        EntryView::Unreadable => html! {
            <li key={view.id} class="onshi-queue__item">
                <div class="onshi-queue__entry onshi-queue__entry--error" data-event-id={view.id.to_string()}>
                    { time }
                    <span class="onshi-queue__error-text">{ text(lang, Msg::QueueFaceError) }</span>
                    if let Some(detail) = refusal_detail(entry, lang) {
                        <span class="onshi-queue__error-detail">{ detail }</span>
                    }
                </div>
            </li>
        },
        EntryView::Result {
            name,
            kana,
            badge,
            consents,
            confirmed,
            method,
        } => {
            let onclick = {
                let on_open = on_open.clone();
                let id = view.id;
                Callback::from(move |_: MouseEvent| on_open.emit(id))
            };
            let state = if confirmed {
                Msg::QueueConfirmed
            } else {
                Msg::QueueUnconfirmed
            };
            html! {
                <li key={view.id} class="onshi-queue__item">
                    <button type="button" {onclick} data-event-id={view.id.to_string()}
                        class={classes!("onshi-queue__entry", (!confirmed).then_some("onshi-queue__entry--new"))}>
                        <span class="onshi-queue__line">
                            { time }
                            <span class="onshi-queue__name">
                                { name.unwrap_or_else(|| text(lang, Msg::QueueNoName).to_string()) }
                            </span>
                            if let Some(kana) = kana {
                                <span class="onshi-queue__kana" lang="ja">{ kana }</span>
                            }
                        </span>
                        <span class="onshi-queue__line">
                            <span class={classes!("onshi-queue__validity", badge.class)}>{ text(lang, badge.msg) }</span>
                            if let Some((msg, key)) = method {
                                <span class="onshi-queue__method" data-verification={key}>
                                    <span class="onshi-visually-hidden">{ text(lang, Msg::QueueMethod) }{ ": " }</span>
                                    { text(lang, msg) }
                                </span>
                            }
                            <span class={classes!("onshi-queue__state", confirmed.then_some("onshi-queue__state--done"))}>
                                { text(lang, state) }
                            </span>
                        </span>
                        <span class="onshi-queue__consents">
                            { for consents.iter().map(|c| html! {
                                <span class={classes!("onshi-consent", if c.given { "onshi-consent--given" } else { "onshi-consent--none" })}
                                    data-given={c.given.to_string()}>
                                    { i18n::consent_badge(lang, c.category, c.given) }
                                </span>
                            }) }
                        </span>
                    </button>
                </li>
            }
        }
    }
}
