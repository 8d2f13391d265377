//! 日本語 / English toggle: two real buttons with `aria-pressed`, so it is keyboard
//! and screen-reader friendly without custom widgets.

use onshi_core::codes::Lang;
use yew::prelude::*;

use crate::context::UiContext;
use crate::i18n::{text, Msg};

#[component]
pub fn LangSwitch() -> Html {
    let ui = use_context::<UiContext>().unwrap_or_default();
    let button = |lang: Lang, label: &'static str, tag: &'static str| {
        let set_lang = ui.set_lang.clone();
        let pressed = ui.lang == lang;
        html! {
            <button type="button" lang={tag}
                class={classes!("onshi-lang__button", pressed.then_some("onshi-lang__button--active"))}
                aria-pressed={pressed.to_string()}
                data-lang={tag}
                onclick={Callback::from(move |_| set_lang.emit(lang))}>
                { label }
            </button>
        }
    };
    html! {
        <div class="onshi-lang" role="group" aria-label={text(ui.lang, Msg::LanguageSwitch)}>
            { button(Lang::Ja, "日本語", "ja") }
            { button(Lang::En, "English", "en") }
        </div>
    }
}
