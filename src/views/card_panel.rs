//! A My Number Card read on the gateway's reader, step by step: asking the patient to
//! place the card, reading, the PIN pad (or the staff's visual check), verifying, and
//! a clear message when it fails. Cancel is offered at every step.

use onshi_core::card_session::CardSessionState;
use web_sys::HtmlInputElement;
use yew::prelude::*;

use crate::card::{Busy, CardAction, CardFlow, CardStage};
use crate::context::UiContext;
use crate::hooks::CardCommands;
use crate::i18n::{self, text, Msg};
use crate::present;
use crate::views::pin_pad::{PinPadView, PinTexts};

/// The pad's words from the desk's tables.
fn pin_texts(lang: onshi_core::codes::Lang, tries_left: u8) -> PinTexts {
    let t = |msg: Msg| AttrValue::from(text(lang, msg));
    PinTexts {
        lang: crate::context::lang_tag(lang).into(),
        label: t(Msg::PinLabel),
        tries_left: i18n::tries_left(lang, tries_left).into(),
        wrong: t(Msg::PinWrong),
        low_warning: t(Msg::PinLowWarning),
        incomplete: t(Msg::PinIncomplete),
        last_confirm: t(Msg::PinLastConfirm),
        send: t(Msg::PinSend),
        confirm_send: t(Msg::PinConfirmSend),
        sending: t(Msg::Sending),
        back: t(Msg::PinBack),
        clear: t(Msg::PinClear),
        backspace: t(Msg::PinBackspace),
        keypad: t(Msg::PinKeypad),
        entered: std::array::from_fn(|n| i18n::pin_entered(lang, n).into()),
    }
}

#[derive(Properties, PartialEq)]
pub struct CardPanelProps {
    pub flow: CardFlow,
    pub commands: CardCommands,
    /// Steps of this attempt (visual-check dialog).
    pub on_step: Callback<CardAction>,
    pub on_cancel: Callback<()>,
    /// Start a new session.
    pub on_retry: Callback<()>,
    pub on_close: Callback<()>,
}

/// A stable name of where the flow stands, for host styling and tests.
fn stage_key(stage: &CardStage) -> &'static str {
    match stage {
        CardStage::Starting => "starting",
        CardStage::StartFailed(_) => "start_failed",
        CardStage::Session(state) => match state {
            CardSessionState::WaitingForCard { .. } => "waiting_for_card",
            CardSessionState::Reading => "reading",
            CardSessionState::PinRequired { .. } => "pin_required",
            CardSessionState::Verifying => "verifying",
            CardSessionState::Done { .. } => "done",
            CardSessionState::Failed { .. } => "failed",
            CardSessionState::Cancelled => "cancelled",
        },
    }
}

fn click(cb: &Callback<()>) -> Callback<MouseEvent> {
    let cb = cb.clone();
    Callback::from(move |_: MouseEvent| cb.emit(()))
}

#[component]
pub fn CardPanel(props: &CardPanelProps) -> Html {
    let ui = use_context::<UiContext>().unwrap_or_default();
    let lang = ui.lang;
    let flow = &props.flow;
    let heading_ref = use_node_ref();

    // Effect: bring the keyboard (and screen reader) to the card panel.
    {
        let heading_ref = heading_ref.clone();
        use_effect_with((), move |_| {
            if let Some(heading) = heading_ref.cast::<web_sys::HtmlElement>() {
                let _ = heading.focus();
            }
        });
    }

    let busy = flow.busy.is_some();
    let status = |msg: Msg, progress: bool| {
        html! {
            <div class="onshi-cardflow__status" role="status" aria-live="polite">
                <span class="onshi-inflight__spinner" aria-hidden="true"></span>
                <p class="onshi-cardflow__prompt">{ text(lang, msg) }</p>
                if progress {
                    <progress class="onshi-cardflow__progress" aria-label={text(lang, msg)}></progress>
                }
            </div>
        }
    };
    let failure = |message: Msg, detail: Option<String>, retry: bool, code: String| {
        html! {
            <div class="onshi-error onshi-cardflow__failed" role="alert" data-card-error={code}>
                <h4 class="onshi-error__heading">{ text(lang, Msg::CardFailedHeading) }</h4>
                <p class="onshi-error__text">{ text(lang, message) }</p>
                if let Some(detail) = detail {
                    <p class="onshi-error__detail">
                        <span class="onshi-error__detail-label">{ text(lang, Msg::ErrorCode) }{ ": " }</span>
                        { detail }
                    </p>
                }
                <div class="onshi-error__actions">
                    if retry {
                        <button type="button" class="onshi-button onshi-button--primary"
                            data-action="card-retry" onclick={click(&props.on_retry)}>
                            { text(lang, Msg::CardRetry) }
                        </button>
                    }
                    <button type="button" class="onshi-button" data-action="card-close"
                        onclick={click(&props.on_close)}>
                        { text(lang, Msg::Close) }
                    </button>
                </div>
            </div>
        }
    };

    let body = match &flow.stage {
        CardStage::Starting => status(Msg::CardStarting, false),
        CardStage::StartFailed(error) => {
            let view = present::error_view(error);
            failure(
                Msg::CardStartFailed,
                Some(text(lang, view.msg).to_string()),
                view.retry,
                String::new(),
            )
        }
        CardStage::Session(state) => match state {
            CardSessionState::WaitingForCard { .. } => status(Msg::CardWaiting, false),
            CardSessionState::Reading => status(Msg::CardReading, true),
            CardSessionState::Verifying | CardSessionState::Done { .. } => {
                status(Msg::CardVerifying, true)
            }
            CardSessionState::Cancelled => html! {},
            CardSessionState::Failed { error } => {
                let view = present::card_failure(error);
                failure(view.msg, view.detail, view.retry, view.key)
            }
            CardSessionState::PinRequired {
                tries_left,
                previous_attempt_failed,
                ..
            } => match flow.visual_check {
                Some(ticked) => html! {
                    <VisualCheckStep {ticked} busy={flow.busy == Some(Busy::VisualCheck)}
                        on_step={props.on_step.clone()}
                        on_confirm={props.commands.visual_check.clone()} />
                },
                None => {
                    let open_visual = {
                        let on_step = props.on_step.clone();
                        Callback::from(move |_: MouseEvent| {
                            on_step.emit(CardAction::OpenVisualCheck)
                        })
                    };
                    html! {
                        <>
                            <p class="onshi-cardflow__prompt">{ text(lang, Msg::CardPinPrompt) }</p>
                            <PinPadView tries_left={*tries_left}
                                texts={pin_texts(lang, *tries_left)}
                                previous_attempt_failed={*previous_attempt_failed}
                                {busy}
                                on_submit={props.commands.send_pin.clone()} />
                            <div class="onshi-cardflow__alt">
                                <button type="button" class="onshi-button" data-action="visual-open"
                                    disabled={busy} onclick={open_visual}>
                                    { text(lang, Msg::VisualCheck) }
                                </button>
                            </div>
                        </>
                    }
                }
            },
        },
    };

    html! {
        <section class="onshi-cardflow" aria-labelledby={ui.id("card-heading")}
            data-stage={stage_key(&flow.stage)}>
            <h3 class="onshi-cardflow__heading" id={ui.id("card-heading")} tabindex="-1" ref={heading_ref}>
                { text(lang, Msg::CardHeading) }
            </h3>
            { body }
            if let Some(error) = &flow.request_error {
                <p class="onshi-cardflow__request-error" role="alert">
                    { text(lang, Msg::CardStepFailed) }{ " " }{ text(lang, present::error_view(error).msg) }
                </p>
            }
            if flow.is_active() {
                <div class="onshi-cardflow__actions">
                    <button type="button" class="onshi-button" data-action="card-cancel"
                        onclick={click(&props.on_cancel)}>
                        { text(lang, Msg::Cancel) }
                    </button>
                </div>
            }
        </section>
    }
}

#[derive(Properties, PartialEq)]
struct VisualCheckProps {
    ticked: bool,
    busy: bool,
    on_step: Callback<CardAction>,
    on_confirm: Callback<()>,
}

/// 目視確認: the staff member confirms they compared the face with the card photo.
#[component]
fn VisualCheckStep(props: &VisualCheckProps) -> Html {
    let ui = use_context::<UiContext>().unwrap_or_default();
    let lang = ui.lang;
    let checkbox_id = ui.id("visual-confirm");
    let onchange = {
        let on_step = props.on_step.clone();
        Callback::from(move |e: Event| {
            let input: HtmlInputElement = e.target_unchecked_into();
            on_step.emit(CardAction::TickVisualCheck(input.checked()));
        })
    };
    let back = {
        let on_step = props.on_step.clone();
        Callback::from(move |_: MouseEvent| on_step.emit(CardAction::CloseVisualCheck))
    };
    html! {
        <div class="onshi-visual" role="group" aria-labelledby={ui.id("visual-heading")}>
            <h4 class="onshi-visual__heading" id={ui.id("visual-heading")}>
                { text(lang, Msg::VisualCheckHeading) }
            </h4>
            <p class="onshi-visual__explain">{ text(lang, Msg::VisualCheckExplain) }</p>
            <div class="onshi-visual__confirm">
                <input type="checkbox" class="onshi-visual__checkbox" id={checkbox_id.clone()}
                    name="visual_confirmed" checked={props.ticked} disabled={props.busy} {onchange} />
                <label for={checkbox_id}>{ text(lang, Msg::VisualCheckConfirm) }</label>
            </div>
            <div class="onshi-visual__actions">
                <button type="button" class="onshi-button onshi-button--primary"
                    data-action="visual-submit" disabled={!props.ticked || props.busy}
                    onclick={click(&props.on_confirm)}>
                    { if props.busy { text(lang, Msg::Sending) } else { text(lang, Msg::VisualCheckSubmit) } }
                </button>
                <button type="button" class="onshi-button" data-action="visual-back"
                    disabled={props.busy} onclick={back}>
                    { text(lang, Msg::PinBack) }
                </button>
            </div>
        </div>
    }
}
