//! A failed check: what happened in words, the gateway's detail when useful, and what
//! can be done: Retry where sending again may help, "back to the fields" where the
//! entries themselves were refused.

use yew::prelude::*;

use crate::api::ClientError;
use crate::context::UiContext;
use crate::i18n::{text, Msg};
use crate::present;

#[derive(Properties, PartialEq)]
pub struct ErrorPanelProps {
    pub error: ClientError,
    pub on_retry: Callback<()>,
    /// Puts the keyboard back on the form's fields.
    pub on_fix_fields: Callback<()>,
    pub on_next_patient: Callback<()>,
}

fn click(cb: &Callback<()>) -> Callback<MouseEvent> {
    let cb = cb.clone();
    Callback::from(move |_: MouseEvent| cb.emit(()))
}

#[component]
pub fn ErrorPanel(props: &ErrorPanelProps) -> Html {
    let ui = use_context::<UiContext>().unwrap_or_default();
    let lang = ui.lang;
    let view = present::error_view(&props.error);
    let heading_ref = use_node_ref();
    let retry_ref = use_node_ref();

    // Effect: the in-flight panel (and its focused Cancel) is gone; put the keyboard on
    // Retry when it is offered, otherwise on the heading (the alert is read either way).
    {
        let heading_ref = heading_ref.clone();
        let retry_ref = retry_ref.clone();
        use_effect_with((), move |_| {
            let target = retry_ref
                .cast::<web_sys::HtmlElement>()
                .or_else(|| heading_ref.cast::<web_sys::HtmlElement>());
            if let Some(target) = target {
                let _ = target.focus();
            }
        });
    }

    html! {
        <section class="onshi-error" role="alert" data-error={error_kind(&props.error)}
            aria-labelledby={ui.id("error-heading")}>
            <h3 class="onshi-error__heading" id={ui.id("error-heading")} tabindex="-1" ref={heading_ref}>
                { text(lang, Msg::ErrorHeading) }
            </h3>
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
                        data-action="retry" ref={retry_ref} onclick={click(&props.on_retry)}>
                        { text(lang, Msg::Retry) }
                    </button>
                }
                if view.fix_fields {
                    <button type="button" class="onshi-button onshi-button--primary"
                        data-action="fix-fields" onclick={click(&props.on_fix_fields)}>
                        { text(lang, Msg::BackToFields) }
                    </button>
                }
                <button type="button" class="onshi-button" data-action="next-patient"
                    onclick={click(&props.on_next_patient)}>
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
        ClientError::NotSignedIn => "not_signed_in",
        ClientError::AnswerSignature(_) => "answer_signature",
        ClientError::Receipt(_) => "receipt",
    }
}
