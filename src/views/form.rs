//! The query form: five fields, the 限度額 consent box, the check-digit warning with its "send as printed"
//! override, and the submit button.

use onshi_core::query::{problem_message, FieldProblem};
use yew::prelude::*;

use crate::context::UiContext;
use crate::form::{birthdate_preview, Assessment, Field, FormState, Verdict};
use crate::i18n::{text, Msg};
use crate::views::field::TextField;

#[derive(Properties, PartialEq)]
pub struct ReceptionFormProps {
    pub form: FormState,
    pub assessment: Assessment,
    pub submitting: bool,
    pub on_edit: Callback<(Field, String)>,
    pub on_blur: Callback<Field>,
    pub on_submit: Callback<()>,
    pub on_send_as_printed: Callback<()>,
    /// The 限度額 / 特定疾病 consent box was ticked or cleared.
    pub on_limit_consent: Callback<bool>,
}

struct FieldSpec {
    field: Field,
    label: Msg,
    hint: Option<Msg>,
    optional: bool,
    numeric: bool,
}

const FIELDS: [FieldSpec; 5] = [
    FieldSpec {
        field: Field::InsurerNumber,
        label: Msg::InsurerNumber,
        hint: Some(Msg::InsurerNumberHint),
        optional: false,
        numeric: true,
    },
    FieldSpec {
        field: Field::Symbol,
        label: Msg::Symbol,
        hint: Some(Msg::SymbolHint),
        optional: true,
        numeric: false,
    },
    FieldSpec {
        field: Field::Number,
        label: Msg::Number,
        hint: None,
        optional: false,
        numeric: false,
    },
    FieldSpec {
        field: Field::Branch,
        label: Msg::Branch,
        hint: Some(Msg::BranchHint),
        optional: true,
        numeric: true,
    },
    FieldSpec {
        field: Field::Birthdate,
        label: Msg::Birthdate,
        hint: Some(Msg::BirthdateHint),
        optional: false,
        numeric: false,
    },
];

#[component]
pub fn ReceptionForm(props: &ReceptionFormProps) -> Html {
    let ui = use_context::<UiContext>().unwrap_or_default();
    let lang = ui.lang;
    let form = &props.form;

    // Callbacks
    let onsubmit = {
        let on_submit = props.on_submit.clone();
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            on_submit.emit(());
        })
    };
    let on_consent = {
        let cb = props.on_limit_consent.clone();
        Callback::from(move |e: Event| {
            let input: web_sys::HtmlInputElement = e.target_unchecked_into();
            cb.emit(input.checked());
        })
    };
    let consent_id = ui.id("limit-consent");
    let send_as_printed = {
        let cb = props.on_send_as_printed.clone();
        Callback::from(move |_: MouseEvent| cb.emit(()))
    };

    // Helpers
    let visible_problem = |field: Field| -> Option<FieldProblem> {
        form.shows_problem(field)
            .then(|| props.assessment.problems.get(&field).copied())
            .flatten()
    };
    let fields = FIELDS.iter().map(|spec| {
        let shown = visible_problem(spec.field);
        let warning = shown == Some(FieldProblem::CheckDigit);
        let problem = shown.map(|p| AttrValue::from(problem_message(p, spec.field.key(), lang)));
        let preview = (spec.field == Field::Birthdate)
            .then(|| birthdate_preview(form.value(Field::Birthdate), lang))
            .flatten()
            .map(AttrValue::from);
        html! {
            <TextField
                field={spec.field}
                id={ui.field_id(spec.field)}
                label={text(lang, spec.label)}
                hint={spec.hint.map(|h| AttrValue::from(text(lang, h)))}
                optional={spec.optional.then(|| AttrValue::from(text(lang, Msg::Optional)))}
                value={AttrValue::from(form.value(spec.field).to_string())}
                {problem}
                {warning}
                {preview}
                inputmode={if spec.numeric { "numeric" } else { "text" }}
                on_edit={props.on_edit.clone()}
                on_blur={props.on_blur.clone()} />
        }
    });
    let check_digit_warning = form.submitted && props.assessment.verdict == Verdict::CheckDigitOnly;
    let fix_fields = form.submitted && props.assessment.verdict == Verdict::Invalid;

    html! {
        <form class="onshi-form" novalidate=true {onsubmit} aria-busy={props.submitting.to_string()}>
            <fieldset class="onshi-form__fields" disabled={props.submitting}>
                <legend class="onshi-form__legend">{ text(lang, Msg::FormLegend) }</legend>
                <div class="onshi-form__grid">{ for fields }</div>
                <div class="onshi-consent">
                    <input type="checkbox" class="onshi-consent__checkbox" id={consent_id.clone()}
                        name="limit_consent" checked={form.limit_consent} onchange={on_consent} />
                    <label class="onshi-consent__label" for={consent_id}>
                        { text(lang, Msg::LimitConsentAgree) }
                    </label>
                </div>
                if fix_fields {
                    <p class="onshi-form__summary" role="alert">{ text(lang, Msg::FixFields) }</p>
                }
                if check_digit_warning {
                    <div class="onshi-warning" role="alert">
                        <p class="onshi-warning__text">{ text(lang, Msg::CheckDigitWarning) }</p>
                        <button type="button" class="onshi-button onshi-button--warning"
                            data-action="send-as-printed" onclick={send_as_printed}>
                            { text(lang, Msg::SendAsPrinted) }
                        </button>
                    </div>
                }
                if form.override_check_digit {
                    <p class="onshi-form__override">{ text(lang, Msg::OverrideActive) }</p>
                }
                <div class="onshi-form__actions">
                    <button type="submit" class="onshi-button onshi-button--primary" data-action="submit">
                        { text(lang, Msg::Submit) }
                    </button>
                </div>
            </fieldset>
        </form>
    }
}
