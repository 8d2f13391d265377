//! A failed check: what happened in words, the gateway's detail when useful, Retry.

use yew::prelude::*;

use crate::api::ClientError;
use crate::context::UiContext;
use crate::i18n::{text, Msg};
use crate::present;

#[derive(Properties, PartialEq)]
pub struct ErrorPanelProps {
    pub error: ClientError,
    pub on_retry: Callback<()>,
    pub on_next_patient: Callback<()>,
}

#[component]
pub fn ErrorPanel(props: &ErrorPanelProps) -> Html {
    let ui = use_context::<UiContext>().unwrap_or_default();
    let lang = ui.lang;
    let view = present::error_view(&props.error);
    let onclick = {
        let cb = props.on_retry.clone();
        Callback::from(move |_: MouseEvent| cb.emit(()))
    };
    let next = {
        let cb = props.on_next_patient.clone();
        Callback::from(move |_: MouseEvent| cb.emit(()))
    };
    html! {
        <section class="onshi-error" role="alert" data-error={error_kind(&props.error)}>
            <h3 class="onshi-error__heading">{ text(lang, Msg::ErrorHeading) }</h3>
            <p class="onshi-error__text">{ text(lang, view.msg) }</p>
            if let Some(detail) = view.detail {
                <p class="onshi-error__detail">
                    <span class="onshi-error__detail-label">{ text(lang, Msg::ErrorCode) }{ ": " }</span>
                    { detail }
                </p>
            }
            <div class="onshi-error__actions">
                if view.retry {
                    <button type="button" class="onshi-button onshi-button--primary"
                        data-action="retry" {onclick}>
                        { text(lang, Msg::Retry) }
                    </button>
                }
                <button type="button" class="onshi-button" data-action="next-patient" onclick={next}>
                    { text(lang, Msg::NextPatient) }
                </button>
            </div>
        </section>
    }
}

/// A stable hook for host styling and tests.
fn error_kind(error: &ClientError) -> &'static str {
    match error {
        ClientError::Unreachable => "unreachable",
        ClientError::Timeout => "timeout",
        ClientError::Cancelled => "cancelled",
        ClientError::Api { .. } => "api",
        ClientError::Decode(_) => "decode",
    }
}
