//! The gateway status strip above the form: one notice per problem the latest health
//! reading shows (symbol, kind in words, what to do), and "再確認 / Check again".
//! Renders an empty placeholder while all is well.

use yew::prelude::*;

use crate::context::UiContext;
use crate::i18n::{text, Msg};
use crate::present::status::{recheck_label, StripView};

#[derive(Properties, PartialEq)]
pub struct StatusStripProps {
    pub view: StripView,
    pub on_recheck: Callback<()>,
}

#[component]
pub fn StatusStrip(props: &StatusStripProps) -> Html {
    let ui = use_context::<UiContext>().unwrap_or_default();
    let lang = ui.lang;
    let view = &props.view;
    let on_recheck = {
        let cb = props.on_recheck.clone();
        Callback::from(move |_: MouseEvent| cb.emit(()))
    };
    let notices = view.notices.iter().map(|notice| {
        let urgency = notice.urgency();
        html! {
            <div class={classes!("onshi-status__notice", urgency.class())}
                role={urgency.role()} data-notice={notice.key()}>
                <span class="onshi-status__symbol" aria-hidden="true">{ urgency.symbol() }</span>
                <p class="onshi-status__text">
                    <strong class="onshi-status__label">{ text(lang, urgency.label()) }</strong>
                    { " " }{ notice.text(lang) }
                </p>
            </div>
        }
    });
    html! {
        <div class="onshi-status" data-gateway={view.state}>
            if !view.notices.is_empty() {
                <section class="onshi-status__strip" aria-label={text(lang, Msg::HealthStrip)}>
                    <div class="onshi-status__notices">{ for notices }</div>
                    if view.recheck {
                        <div class="onshi-status__actions">
                            <button type="button" class="onshi-button onshi-status__recheck"
                                data-action="recheck-gateway" aria-busy={view.checking.to_string()}
                                onclick={on_recheck}>
                                { text(lang, recheck_label(view.checking)) }
                            </button>
                        </div>
                    }
                </section>
            }
        </div>
    }
}
