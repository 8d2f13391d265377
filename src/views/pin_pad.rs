//! The PIN pad: four masked slots, an on-screen keypad (large targets) and the keyboard
//! (digits, Backspace, Enter). It never sends by itself; the tries left are always in
//! view, 2 or fewer add a warning, and the last try needs an explicit confirmation.
//! The digits live only in this component's reducer ([`crate::pin::PinPad`]) and are
//! wiped when sent, on cancel and on unmount.

use yew::prelude::*;

use crate::context::UiContext;
use crate::i18n::{self, text, Msg};
use crate::pin::{caution, Caution, PinAction, PinPad, PinStep, PIN_LENGTH};

#[derive(Properties, PartialEq)]
pub struct PinPadProps {
    pub tries_left: u8,
    /// The previous PIN of this session was wrong.
    #[prop_or_default]
    pub previous_attempt_failed: bool,
    /// A PIN or visual check is on its way: the pad is locked.
    #[prop_or_default]
    pub busy: bool,
    /// Receives the PIN once, when the user sends it.
    pub on_submit: Callback<String>,
}

const KEYPAD: [u8; 9] = [1, 2, 3, 4, 5, 6, 7, 8, 9];

#[component]
pub fn PinPadView(props: &PinPadProps) -> Html {
    let ui = use_context::<UiContext>().unwrap_or_default();
    let lang = ui.lang;
    let pad = use_reducer(PinPad::default);
    let display_ref = use_node_ref();
    let back_ref = use_node_ref();
    let tries_left = props.tries_left;

    // Effect: hand an outgoing PIN to the request exactly once, then forget it.
    {
        let outgoing = pad.outgoing.clone();
        let key = outgoing.as_ref().map(|o| o.seq);
        let on_submit = props.on_submit.clone();
        let dispatcher = pad.dispatcher();
        use_effect_with(key, move |_| {
            if let Some(outgoing) = outgoing {
                on_submit.emit(outgoing.pin.reveal());
                dispatcher.dispatch(PinAction::Delivered(outgoing.seq));
            }
        });
    }
    // Effect: keyboard focus on the PIN display when the pad appears.
    {
        let display_ref = display_ref.clone();
        use_effect_with((), move |_| {
            if let Some(display) = display_ref.cast::<web_sys::HtmlElement>() {
                let _ = display.focus();
            }
        });
    }
    // Effect: the last-try question takes the focus (on its safe answer, Back) and
    // gives it back to the display afterwards.
    {
        let confirming = pad.step == PinStep::Confirming;
        let back_ref = back_ref.clone();
        let display_ref = display_ref.clone();
        use_effect_with(confirming, move |confirming| {
            let target = if *confirming { back_ref } else { display_ref };
            if let Some(element) = target.cast::<web_sys::HtmlElement>() {
                let _ = element.focus();
            }
        });
    }

    // Callbacks
    let act = |action: PinAction| {
        let dispatcher = pad.dispatcher();
        Callback::from(move |_: MouseEvent| dispatcher.dispatch(action))
    };
    let onkeydown = {
        let dispatcher = pad.dispatcher();
        let busy = props.busy;
        Callback::from(move |e: KeyboardEvent| {
            if busy {
                return;
            }
            let key = e.key();
            let on_button = e
                .target_dyn_into::<web_sys::Element>()
                .is_some_and(|t| t.tag_name().eq_ignore_ascii_case("button"));
            let action = match key.as_str() {
                "Backspace" => Some(PinAction::Backspace),
                "Escape" => Some(PinAction::Back),
                // On a button, Enter is that button's own click.
                "Enter" if !on_button => Some(PinAction::Submit { tries_left }),
                k if k.len() == 1 && k.as_bytes()[0].is_ascii_digit() => {
                    Some(PinAction::Digit(k.as_bytes()[0] - b'0'))
                }
                _ => None,
            };
            if let Some(action) = action {
                e.prevent_default();
                dispatcher.dispatch(action);
            }
        })
    };

    // Helpers
    let entered = pad.digits.len();
    let slots = (0..PIN_LENGTH).map(|i| {
        let filled = i < entered;
        html! {
            <span class={classes!("onshi-pin__slot", filled.then_some("onshi-pin__slot--filled"))}
                aria-hidden="true">
                { if filled { "●" } else { "" } }
            </span>
        }
    });
    let key_button = |digit: u8| {
        html! {
            <button type="button" class="onshi-pin__key" data-key={digit.to_string()}
                disabled={props.busy} onclick={act(PinAction::Digit(digit))}>
                { digit }
            </button>
        }
    };
    let caution = caution(tries_left);
    let label_id = ui.id("pin-label");

    html! {
        <div class="onshi-pin" role="group" aria-labelledby={label_id.clone()} {onkeydown}
            data-tries-left={tries_left.to_string()}>
            <p class="onshi-pin__label" id={label_id}>{ text(lang, Msg::PinLabel) }</p>
            <p class={classes!("onshi-pin__tries", (caution != Caution::None).then_some("onshi-pin__tries--low"))}>
                { i18n::tries_left(lang, tries_left) }
            </p>
            if props.previous_attempt_failed {
                <p class="onshi-pin__wrong" role="alert">
                    { text(lang, Msg::PinWrong) }{ " " }{ i18n::tries_left(lang, tries_left) }
                </p>
            }
            if caution != Caution::None {
                <p class="onshi-pin__warning">{ text(lang, Msg::PinLowWarning) }</p>
            }
            <div class="onshi-pin__display" tabindex="0" ref={display_ref}
                aria-label={text(lang, Msg::PinLabel)} aria-describedby={ui.id("pin-entered")}>
                { for slots }
                <span class="onshi-visually-hidden" id={ui.id("pin-entered")} aria-live="polite">
                    { i18n::pin_entered(lang, entered) }
                </span>
            </div>
            if pad.incomplete {
                <p class="onshi-pin__incomplete" role="alert">{ text(lang, Msg::PinIncomplete) }</p>
            }
            if pad.step == PinStep::Confirming {
                <div class="onshi-pin__confirm" role="alertdialog"
                    aria-labelledby={ui.id("pin-confirm")}>
                    <p class="onshi-pin__confirm-text" id={ui.id("pin-confirm")}>
                        { text(lang, Msg::PinLastConfirm) }
                    </p>
                    <div class="onshi-pin__confirm-actions">
                        <button type="button" class="onshi-button onshi-button--warning"
                            data-action="pin-confirm-send" disabled={props.busy}
                            onclick={act(PinAction::Submit { tries_left })}>
                            { text(lang, Msg::PinConfirmSend) }
                        </button>
                        <button type="button" class="onshi-button" data-action="pin-back"
                            ref={back_ref} onclick={act(PinAction::Back)}>
                            { text(lang, Msg::PinBack) }
                        </button>
                    </div>
                </div>
            } else {
                <div class="onshi-pin__keypad" role="group" aria-label={text(lang, Msg::PinKeypad)}>
                    { for KEYPAD.iter().map(|d| key_button(*d)) }
                    <button type="button" class="onshi-pin__key onshi-pin__key--aux"
                        data-action="pin-clear" disabled={props.busy} onclick={act(PinAction::Clear)}>
                        { text(lang, Msg::PinClear) }
                    </button>
                    { key_button(0) }
                    <button type="button" class="onshi-pin__key onshi-pin__key--aux"
                        data-action="pin-backspace" disabled={props.busy}
                        aria-label={text(lang, Msg::PinBackspace)}
                        onclick={act(PinAction::Backspace)}>
                        { "⌫" }
                    </button>
                </div>
                <div class="onshi-pin__actions">
                    <button type="button" class="onshi-button onshi-button--primary"
                        data-action="pin-send" disabled={props.busy}
                        onclick={act(PinAction::Submit { tries_left })}>
                        { if props.busy { text(lang, Msg::Sending) } else { text(lang, Msg::PinSend) } }
                    </button>
                </div>
            }
        </div>
    }
}
