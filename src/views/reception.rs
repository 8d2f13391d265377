//! The reception screen: the form, then whichever panel the phase calls for.

use wasm_bindgen::JsCast;
use yew::prelude::*;

use crate::access::Offer;
use crate::api::ClientError;
use crate::card::CardAction;
use crate::clock;
use crate::context::UiContext;
use crate::form::Field;
use crate::hooks::CardCommands;
use crate::i18n::{text, Msg};
use crate::present::in_flight::queued_notice;
use crate::queue::{Queue, QueueAction};
use crate::state::{Action, Notice, Phase, Reception};
use crate::views::card_panel::CardPanel;
use crate::views::error_panel::ErrorPanel;
use crate::views::form::ReceptionForm;
use crate::views::in_flight::InFlight;
use crate::views::queue_panel::QueuePanel;
use crate::views::result_card::ResultPanel;

#[derive(Properties, PartialEq)]
pub struct ReceptionProps {
    pub state: UseReducerHandle<Reception>,
    pub queue: UseReducerHandle<Queue>,
    pub commands: CardCommands,
    /// What the signed-in role may use (the role table).
    pub offer: Offer,
    /// Why the gateway refused the queue's event stream, while it does.
    pub queue_refusal: Option<ClientError>,
}

/// Which panel is up, for moving the keyboard when it changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PanelKind {
    Editing(Option<Notice>),
    Submitting,
    Card,
    Shown,
    Failed,
}

fn panel_kind(phase: &Phase) -> PanelKind {
    match phase {
        Phase::Editing { notice } => PanelKind::Editing(*notice),
        Phase::Submitting { .. } => PanelKind::Submitting,
        Phase::Card { .. } => PanelKind::Card,
        Phase::Shown { .. } => PanelKind::Shown,
        Phase::Failed { .. } => PanelKind::Failed,
    }
}

/// Focuses the first element under `root` that matches one of `selectors`.
fn focus_first(root: &web_sys::Element, selectors: &[&str]) {
    let target = selectors.iter().find_map(|selector| {
        root.query_selector(selector)
            .ok()
            .flatten()
            .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
    });
    if let Some(target) = target {
        let _ = target.focus();
    }
}

/// Whether the keyboard focus was lost (its element unmounted), so it sits on `<body>`.
fn focus_lost() -> bool {
    web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.active_element())
        .is_none_or(|active| active.tag_name().eq_ignore_ascii_case("body"))
}

const FIRST_PROBLEM: &str = ".onshi-form input[aria-invalid=true]";
const FIRST_FIELD: &str = ".onshi-form .onshi-field__input";
const SUBMIT: &str = "[data-action=submit]";

/// Where the keyboard goes when the panel changes from `before` to `now`. A result and
/// an error panel focus themselves when they mount; going back to the form lands on the
/// control that comes next: Submit after a cancel, the refused field after a gateway
/// field error, the card button after a cancelled card read, the first field otherwise.
fn move_focus(root: &web_sys::Element, before: PanelKind, now: PanelKind) {
    let PanelKind::Editing(notice) = now else {
        return;
    };
    if before != PanelKind::Submitting && (before == now || !focus_lost()) {
        return;
    }
    match (before, notice) {
        (_, Some(Notice::Cancelled)) => focus_first(root, &[SUBMIT]),
        (_, Some(Notice::CardCancelled)) => focus_first(root, &["[data-action=read-card]"]),
        (PanelKind::Submitting, None) => focus_first(root, &[FIRST_PROBLEM, SUBMIT]),
        (_, None) => focus_first(root, &[FIRST_PROBLEM, FIRST_FIELD]),
    }
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
    let on_limit_consent = dispatch_with(state, Action::SetLimitConsent);
    let on_cancel = dispatch_with(state, |()| Action::Cancel);
    let on_retry = dispatch_with(state, |()| Action::Retry);
    let on_next_patient = dispatch_with(state, |()| Action::NextPatient);
    let root_ref = use_node_ref();
    let on_fix_fields = {
        let root_ref = root_ref.clone();
        Callback::from(move |()| {
            if let Some(root) = root_ref.cast::<web_sys::Element>() {
                focus_first(&root, &[FIRST_PROBLEM, FIRST_FIELD]);
            }
        })
    };

    // Effect: keep the keyboard somewhere useful when the panel it was on goes away.
    {
        let previous = use_mut_ref(|| PanelKind::Editing(None));
        let root_ref = root_ref.clone();
        use_effect_with(panel_kind(&state.phase), move |now| {
            let before = std::mem::replace(&mut *previous.borrow_mut(), *now);
            if let Some(root) = root_ref.cast::<web_sys::Element>() {
                move_focus(&root, before, *now);
            }
        });
    }
    let on_read_card = dispatch_with(state, |_: MouseEvent| Action::StartCard);
    let on_card_cancel = dispatch_with(state, |()| Action::CancelCard);
    let on_card_retry = dispatch_with(state, |()| Action::StartCard);
    let on_card_close = dispatch_with(state, |()| Action::CloseCard);
    let on_open_entry = {
        let reception = state.dispatcher();
        let queue = props.queue.clone();
        Callback::from(move |id: i64| {
            let Some(entry) = queue.entry(id) else {
                return;
            };
            if entry.event.answer.is_none() {
                return;
            }
            reception.dispatch(Action::OpenEntry(Box::new(entry.event.clone())));
            queue.dispatch(QueueAction::Confirm(id));
        })
    };

    let assessment = state.form.assess(&clock::today());
    let panel = match &state.phase {
        Phase::Editing { notice: None } => html! {},
        Phase::Editing {
            notice: Some(Notice::Cancelled),
        } => html! {
            <p class="onshi-notice" role="status">{ text(ui.lang, Msg::CancelledNotice) }</p>
        },
        Phase::Editing {
            notice: Some(Notice::CardCancelled),
        } => html! {
            <p class="onshi-notice" role="status">{ text(ui.lang, Msg::CardCancelledNotice) }</p>
        },
        Phase::Card { seq, flow } => {
            let on_step = {
                let dispatcher = state.dispatcher();
                let seq = *seq;
                Callback::from(move |action: CardAction| {
                    dispatcher.dispatch(Action::Card { seq, action })
                })
            };
            html! {
                <CardPanel key={*seq} flow={flow.clone()} commands={props.commands.clone()}
                    {on_step} on_cancel={on_card_cancel} on_retry={on_card_retry}
                    on_close={on_card_close} />
            }
        }
        Phase::Submitting { seq, place, .. } => html! {
            <InFlight key={*seq} {on_cancel} queued={queued_notice(*place)} />
        },
        Phase::Shown {
            seq,
            answer,
            origin,
        } => html! {
            <ResultPanel key={*seq} answer={answer.clone()} origin={origin.clone()} {on_next_patient} />
        },
        Phase::Failed { error, .. } => html! {
            <ErrorPanel error={error.clone()} {on_retry} {on_fix_fields} {on_next_patient} />
        },
    };
    let card_disabled = state.is_submitting() || state.card_active();
    html! {
        <div class="onshi-reception" ref={root_ref}>
          <div class="onshi-reception__main">
            if props.offer.card {
                <div class="onshi-methods">
                    <button type="button" class="onshi-button onshi-button--card" data-action="read-card"
                        disabled={card_disabled} onclick={on_read_card}>
                        { text(ui.lang, Msg::ReadCard) }
                    </button>
                </div>
            }
            <ReceptionForm
                form={state.form.clone()}
                {assessment}
                submitting={state.is_submitting()}
                {on_edit}
                {on_blur}
                {on_submit}
                {on_send_as_printed}
                {on_limit_consent} />
            <div class="onshi-reception__panel">{ panel }</div>
          </div>
          if props.offer.queue {
              <QueuePanel queue={props.queue.clone()} on_open={on_open_entry}
                  refusal={props.queue_refusal.clone()} />
          }
        </div>
    }
}
