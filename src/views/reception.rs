//! The reception screen: the form, then whichever panel the phase calls for.

use yew::prelude::*;

use crate::clock;
use crate::context::UiContext;
use crate::form::Field;
use crate::i18n::{text, Msg};
use crate::state::{Action, Notice, Phase, Reception};
use crate::views::error_panel::ErrorPanel;
use crate::views::form::ReceptionForm;
use crate::views::in_flight::InFlight;
use crate::views::result_card::ResultPanel;

#[derive(Properties, PartialEq)]
pub struct ReceptionProps {
    pub state: UseReducerHandle<Reception>,
}

/// A callback that dispatches the action `make` builds from its input.
fn dispatch_with<E, F>(state: &UseReducerHandle<Reception>, make: F) -> Callback<E>
where
    F: Fn(E) -> Action + 'static,
    E: 'static,
{
    let dispatcher = state.dispatcher();
    Callback::from(move |e: E| dispatcher.dispatch(make(e)))
}

#[component]
pub fn ReceptionView(props: &ReceptionProps) -> Html {
    let ui = use_context::<UiContext>().unwrap_or_default();
    let state = &props.state;

    // Callbacks
    let on_edit = dispatch_with(state, |(field, value): (Field, String)| {
        Action::Edit(field, value)
    });
    let on_blur = dispatch_with(state, Action::Blur);
    let on_submit = dispatch_with(state, |()| Action::Submit {
        today: clock::today(),
    });
    let on_send_as_printed = dispatch_with(state, |()| Action::SendAsPrinted {
        today: clock::today(),
    });
    let on_cancel = dispatch_with(state, |()| Action::Cancel);
    let on_retry = dispatch_with(state, |()| Action::Retry);
    let on_next_patient = dispatch_with(state, |()| Action::NextPatient);

    let assessment = state.form.assess(&clock::today());
    let panel = match &state.phase {
        Phase::Editing { notice: None } => html! {},
        Phase::Editing {
            notice: Some(Notice::Cancelled),
        } => html! {
            <p class="onshi-notice" role="status">{ text(ui.lang, Msg::CancelledNotice) }</p>
        },
        Phase::Submitting { seq, .. } => html! { <InFlight key={*seq} {on_cancel} /> },
        Phase::Shown { seq, answer, .. } => html! {
            <ResultPanel key={*seq} answer={answer.clone()} {on_next_patient} />
        },
        Phase::Failed { error, .. } => html! {
            <ErrorPanel error={error.clone()} {on_retry} {on_next_patient} />
        },
    };
    html! {
        <div class="onshi-reception">
            <ReceptionForm
                form={state.form.clone()}
                {assessment}
                submitting={state.is_submitting()}
                {on_edit}
                {on_blur}
                {on_submit}
                {on_send_as_printed} />
            <div class="onshi-reception__panel">{ panel }</div>
        </div>
    }
}
