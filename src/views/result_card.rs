//! The answer: a validity badge in words and colour, what to do about it, and one card
//! per returned record.

use onshi_core::api::QualificationAnswer;
use onshi_core::qualification::QualificationRecord;
use yew::prelude::*;

use crate::clock;
use crate::context::UiContext;
use crate::i18n::{self, text, Msg};
use crate::present::{self, Row};
use crate::state::Origin;

#[derive(Properties, PartialEq)]
pub struct ResultPanelProps {
    pub answer: QualificationAnswer,
    /// How the patient was identified.
    pub origin: Origin,
    pub on_next_patient: Callback<()>,
}

fn rows_html(lang: onshi_core::codes::Lang, rows: &[Row]) -> Html {
    html! {
        <dl class="onshi-rows">
            { for rows.iter().map(|row| html! {
                <div class={classes!("onshi-row", row.emphasis.then_some("onshi-row--emphasis"))}>
                    <dt class="onshi-row__label">{ text(lang, row.label) }</dt>
                    <dd class="onshi-row__value">{ row.value.clone() }</dd>
                </div>
            }) }
        </dl>
    }
}

#[component]
pub fn ResultPanel(props: &ResultPanelProps) -> Html {
    let ui = use_context::<UiContext>().unwrap_or_default();
    let lang = ui.lang;
    let heading_ref = use_node_ref();

    // Effect: move focus to the result so keyboard and screen-reader users land on it.
    {
        let heading_ref = heading_ref.clone();
        use_effect_with((), move |_| {
            if let Some(heading) = heading_ref.cast::<web_sys::HtmlElement>() {
                let _ = heading.focus();
            }
        });
    }

    let answer = &props.answer;
    let badge = present::status_badge(&answer.status);
    let explanation = present::status_explanation(&answer.status);
    let total = answer.results.len();
    let today = clock::today();
    let next = {
        let cb = props.on_next_patient.clone();
        Callback::from(move |_: MouseEvent| cb.emit(()))
    };
    html! {
        <section class="onshi-result" aria-labelledby={ui.id("result-heading")}>
            <h3 class="onshi-result__heading" id={ui.id("result-heading")} tabindex="-1" ref={heading_ref}>
                { text(lang, Msg::ResultHeading) }
            </h3>
            <p class={classes!("onshi-badge", badge.class)} data-status={format!("{:?}", answer.status)}>
                { text(lang, badge.msg) }
            </p>
            if let Some(msg) = explanation {
                <p class="onshi-result__explain">{ text(lang, msg) }</p>
            }
            { for answer.results.iter().enumerate().map(|(i, record)| html! {
                <RecordCardView record={record.clone()}
                    caption={(total > 1).then(|| AttrValue::from(i18n::candidate(lang, i + 1, total)))}
                    today={AttrValue::from(today.clone())} />
            }) }
            { rows_html(lang, &present::answer_notes(answer)) }
            <div class="onshi-result__origin">{ rows_html(lang, &present::origin_rows(&props.origin, lang)) }</div>
            <div class="onshi-result__actions">
                <button type="button" class="onshi-button onshi-button--primary"
                    data-action="next-patient" onclick={next}>
                    { text(lang, Msg::NextPatient) }
                </button>
            </div>
        </section>
    }
}

#[derive(Properties, PartialEq)]
pub struct RecordCardProps {
    pub record: QualificationRecord,
    #[prop_or_default]
    pub caption: Option<AttrValue>,
    pub today: AttrValue,
}

#[component]
pub fn RecordCardView(props: &RecordCardProps) -> Html {
    let ui = use_context::<UiContext>().unwrap_or_default();
    let lang = ui.lang;
    let card = present::record_card(&props.record, lang, &props.today);
    html! {
        <article class="onshi-card">
            if let Some(caption) = &props.caption {
                <p class="onshi-card__caption">{ caption.clone() }</p>
            }
            <div class="onshi-card__name">
                <span class="onshi-visually-hidden">{ text(lang, Msg::Name) }</span>
                <span class="onshi-card__kanji">{ card.name.clone().unwrap_or_default() }</span>
                if let Some(kana) = &card.kana {
                    <span class="onshi-card__kana" lang="ja">{ kana.clone() }</span>
                }
            </div>
            { rows_html(lang, &card.rows) }
            { for card.sections.iter().map(|section| html! {
                <section class="onshi-card__section">
                    <h4 class="onshi-card__section-title">{ text(lang, section.title) }</h4>
                    { rows_html(lang, &section.rows) }
                </section>
            }) }
        </article>
    }
}
