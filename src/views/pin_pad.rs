//! The PIN pad: four masked slots, an on-screen keypad (large targets) and the keyboard
//! (digits, Backspace, Enter). It never sends by itself; the tries left are always in
//! view, 2 or fewer add a warning, and the last try needs an explicit confirmation.
//! The digits live only in this component's reducer ([`crate::pin::PinPad`]) and are
//! wiped when sent, on cancel and on unmount.

use yew::prelude::*;

use crate::context::UiContext;
use crate::pin::{caution, Caution, PinAction, PinPad, PinStep, PIN_LENGTH};

/// The pad's words, in the page's language (the reception desk's ja/en tables, the
/// kiosk's five languages): the pad itself holds the rules, not the text.
#[derive(Debug, Clone, PartialEq)]
pub struct PinTexts {
    /// The `lang` of these texts.
    pub lang: AttrValue,
    pub label: AttrValue,
    /// "残り N 回" for the current tries left.
    pub tries_left: AttrValue,
    pub wrong: AttrValue,
    pub low_warning: AttrValue,
    pub incomplete: AttrValue,
    pub last_confirm: AttrValue,
    pub send: AttrValue,
    pub confirm_send: AttrValue,
    pub sending: AttrValue,
    pub back: AttrValue,
    pub clear: AttrValue,
    pub backspace: AttrValue,
    pub keypad: AttrValue,
    /// For the screen reader: how many digits are in, for 0 to 4.
    pub entered: [AttrValue; PIN_LENGTH + 1],
}

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
    pub texts: PinTexts,
}

const KEYPAD: [u8; 9] = [1, 2, 3, 4, 5, 6, 7, 8, 9];

#[component]
pub fn PinPadView(props: &PinPadProps) -> Html {
    let ui = use_context::<UiContext>().unwrap_or_default();
    let t = &props.texts;
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
        <div class="onshi-pin" role="group" aria-labelledby={label_id.clone()} {onkeydown} lang={t.lang.clone()}
            data-tries-left={tries_left.to_string()}>
            <p class="onshi-pin__label" id={label_id}>{ t.label.clone() }</p>
            <p class={classes!("onshi-pin__tries", (caution != Caution::None).then_some("onshi-pin__tries--low"))}>
                { t.tries_left.clone() }
            </p>
            if props.previous_attempt_failed {
                <p class="onshi-pin__wrong" role="alert">
                    { t.wrong.clone() }{ " " }{ t.tries_left.clone() }
                </p>
            }
            if caution != Caution::None {
                <p class="onshi-pin__warning">{ t.low_warning.clone() }</p>
            }
            <div class="onshi-pin__display" tabindex="0" ref={display_ref}
                aria-label={t.label.clone()} aria-describedby={ui.id("pin-entered")}>
                { for slots }
                <span class="onshi-visually-hidden" id={ui.id("pin-entered")} aria-live="polite">
                    { t.entered[entered.min(PIN_LENGTH)].clone() }
                </span>
            </div>
            if pad.incomplete {
                <p class="onshi-pin__incomplete" role="alert">{ t.incomplete.clone() }</p>
            }
            if pad.step == PinStep::Confirming {
                <div class="onshi-pin__confirm" role="alertdialog"
                    aria-labelledby={ui.id("pin-confirm")}>
                    <p class="onshi-pin__confirm-text" id={ui.id("pin-confirm")}>
                        { t.last_confirm.clone() }
                    </p>
                    <div class="onshi-pin__confirm-actions">
                        <button type="button" class="onshi-button onshi-button--warning"
                            data-action="pin-confirm-send" disabled={props.busy}
                            onclick={act(PinAction::Submit { tries_left })}>
                            { t.confirm_send.clone() }
                        </button>
                        <button type="button" class="onshi-button" data-action="pin-back"
                            ref={back_ref} onclick={act(PinAction::Back)}>
                            { t.back.clone() }
                        </button>
                    </div>
                </div>
            } else {
                <div class="onshi-pin__keypad" role="group" aria-label={t.keypad.clone()}>
                    { for KEYPAD.iter().map(|d| key_button(*d)) }
                    <button type="button" class="onshi-pin__key onshi-pin__key--aux"
                        data-action="pin-clear" disabled={props.busy} onclick={act(PinAction::Clear)}>
                        { t.clear.clone() }
                    </button>
                    { key_button(0) }
                    <button type="button" class="onshi-pin__key onshi-pin__key--aux"
                        data-action="pin-backspace" disabled={props.busy}
                        aria-label={t.backspace.clone()}
                        onclick={act(PinAction::Backspace)}>
                        { "⌫" }
                    </button>
                </div>
                <div class="onshi-pin__actions">
                    <button type="button" class="onshi-button onshi-button--primary"
                        data-action="pin-send" disabled={props.busy}
                        onclick={act(PinAction::Submit { tries_left })}>
                        { if props.busy { t.sending.clone() } else { t.send.clone() } }
                    </button>
                </div>
            }
        </div>
    }
}
