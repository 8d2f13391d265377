//! One labelled text input with its hint, inline problem and optional live preview.

use web_sys::HtmlInputElement;
use yew::prelude::*;

use crate::form::Field;

#[derive(Properties, PartialEq)]
pub struct TextFieldProps {
    pub field: Field,
    pub id: AttrValue,
    pub label: AttrValue,
    #[prop_or_default]
    pub hint: Option<AttrValue>,
    /// The "任意 / optional" marker text, for fields that may stay empty.
    #[prop_or_default]
    pub optional: Option<AttrValue>,
    pub value: AttrValue,
    /// The problem text, when it should be visible.
    #[prop_or_default]
    pub problem: Option<AttrValue>,
    /// The problem is a warning the user may override (a check digit), not an error.
    #[prop_or_default]
    pub warning: bool,
    /// Read-back of what was typed (the birthdate in both calendars).
    #[prop_or_default]
    pub preview: Option<AttrValue>,
    #[prop_or(AttrValue::Static("text"))]
    pub inputmode: AttrValue,
    pub on_edit: Callback<(Field, String)>,
    pub on_blur: Callback<Field>,
}

#[component]
pub fn TextField(props: &TextFieldProps) -> Html {
    let field = props.field;
    let oninput = {
        let on_edit = props.on_edit.clone();
        Callback::from(move |e: InputEvent| {
            let input: HtmlInputElement = e.target_unchecked_into();
            on_edit.emit((field, input.value()));
        })
    };
    let onblur = {
        let on_blur = props.on_blur.clone();
        Callback::from(move |_: FocusEvent| on_blur.emit(field))
    };
    let hint_id = format!("{}-hint", props.id);
    let problem_id = format!("{}-problem", props.id);
    let preview_id = format!("{}-preview", props.id);
    let described_by = [
        props.hint.as_ref().map(|_| hint_id.clone()),
        props.problem.as_ref().map(|_| problem_id.clone()),
        props.preview.as_ref().map(|_| preview_id.clone()),
    ]
    .into_iter()
    .flatten()
    .collect::<Vec<_>>()
    .join(" ");
    let invalid = props.problem.is_some();
    let state_class = match (invalid, props.warning) {
        (false, _) => None,
        (true, false) => Some("onshi-field--invalid"),
        (true, true) => Some("onshi-field--warning"),
    };
    html! {
        <div class={classes!("onshi-field", state_class)}
             data-field={field.key()}>
            <label class="onshi-field__label" for={props.id.clone()}>
                { props.label.clone() }
                if let Some(optional) = &props.optional {
                    <span class="onshi-field__optional">{ optional.clone() }</span>
                }
            </label>
            <input id={props.id.clone()}
                class="onshi-field__input"
                type="text"
                name={field.key()}
                inputmode={props.inputmode.clone()}
                autocomplete="off"
                spellcheck="false"
                value={props.value.clone()}
                aria-invalid={invalid.to_string()}
                aria-describedby={(!described_by.is_empty()).then_some(described_by)}
                {oninput}
                {onblur} />
            if let Some(hint) = &props.hint {
                <p id={hint_id} class="onshi-field__hint">{ hint.clone() }</p>
            }
            if let Some(preview) = &props.preview {
                <p id={preview_id} class="onshi-field__preview">{ preview.clone() }</p>
            }
            if let Some(problem) = &props.problem {
                <p id={problem_id} class="onshi-field__problem">{ problem.clone() }</p>
            }
        </div>
    }
}
