//! The kiosk's Yew components: one root ([`KioskApp`]) that owns the state and wires
//! the hooks, and one small component per screen. Every text run sits under an element
//! with its `lang`; Japanese consent wording carries furigana (`<ruby>`).

use std::rc::Rc;

use onshi_core::consent::ConsentCategory;
use web_sys::HtmlInputElement;
use yew::prelude::*;

use super::flow::{Action, Kiosk, Load, Question, Screen};
use super::hooks::{now_ms, use_clock, use_consent_calls, use_session_watch};
use super::idle::{IdleState, Timing};
use super::lang::KioskLang;
use super::present::{self, AnswerRow, CardView, RowStatus};
use super::text::{self, segments, Msg, Segment};
use crate::app::ClientRef;
use crate::card::{Busy, CardAction, CardFlow};
use crate::context::UiContext;
use crate::hooks::{use_card_commands, use_card_runner, CardCommands};
use crate::pin::PIN_LENGTH;
use crate::views::pin_pad::{PinPadView, PinTexts};

#[derive(Properties, PartialEq, Clone)]
pub struct KioskProps {
    pub client: ClientRef,
    pub lang: KioskLang,
    pub categories: Rc<[ConsentCategory]>,
    pub timing: Timing,
    pub id_prefix: AttrValue,
}

/// `msg` in `lang`, with furigana as `<ruby>`.
pub fn words(lang: KioskLang, msg: Msg) -> Html {
    marked(text::text(lang, msg))
}

fn marked(text: &str) -> Html {
    segments(text)
        .into_iter()
        .map(|segment| match segment {
            Segment::Plain(t) => html! { { t.to_string() } },
            Segment::Ruby { base, reading } => html! {
                <ruby>{ base.to_string() }<rp>{ "(" }</rp><rt>{ reading.to_string() }</rt><rp>{ ")" }</rp></ruby>
            },
        })
        .collect()
}

/// `msg` without furigana, for attributes.
fn label(lang: KioskLang, msg: Msg) -> AttrValue {
    text::plain(text::text(lang, msg)).into()
}

fn dispatch(state: &UseReducerHandle<Kiosk>, action: Action) -> Callback<MouseEvent> {
    let dispatcher = state.dispatcher();
    Callback::from(move |_: MouseEvent| dispatcher.dispatch(action.clone()))
}

#[component]
pub fn KioskApp(props: &KioskProps) -> Html {
    let state = use_reducer(|| Kiosk::new(props.lang, &props.categories, props.timing));
    use_card_runner(&state, &props.client);
    let commands = use_card_commands(&state, &props.client);
    use_consent_calls(&state, &props.client);
    use_session_watch(&state, &props.client);
    use_clock(&state);
    let lang = state.lang;
    let key = present::screen_key(&state);
    let heading_ref = use_node_ref();

    // Effect: each new screen takes the focus on its heading (keyboard, screen reader),
    // but the PIN pad keeps it on its display, where the digits are typed.
    {
        let heading_ref = heading_ref.clone();
        let focus_key = match &state.screen {
            Screen::Question(q) => format!("{key}-{}", q.key()),
            _ => key.to_string(),
        };
        use_effect_with(focus_key, move |key| {
            if key != "pin" {
                if let Some(heading) = heading_ref.cast::<web_sys::HtmlElement>() {
                    let _ = heading.focus();
                }
            }
        });
    }

    // Callbacks: any touch or key keeps the visit going.
    let on_input = {
        let dispatcher = state.dispatcher();
        move || dispatcher.dispatch(Action::Input { now: now_ms() })
    };
    let onkeydown = {
        let on_input = on_input.clone();
        Callback::from(move |_: KeyboardEvent| on_input())
    };
    let onpointerdown = Callback::from(move |_: PointerEvent| on_input());

    let ui = UiContext {
        id_prefix: props.id_prefix.clone(),
        ..UiContext::default()
    };
    let id = |part: &str| AttrValue::from(format!("{}-{part}", props.id_prefix));
    let heading_id = id("heading");
    let screen = match &state.screen {
        Screen::Card { flow, .. } => html! {
            <CardScreen flow={flow.clone()} {lang} commands={commands.clone()}
                state={state.clone()} heading_id={heading_id.clone()} heading_ref={heading_ref.clone()} />
        },
        Screen::Overview { .. } => html! {
            <OverviewScreen state={state.clone()} heading_id={heading_id.clone()} heading_ref={heading_ref.clone()} />
        },
        Screen::Question(question) => html! {
            <QuestionScreen state={state.clone()} question={*question}
                heading_id={heading_id.clone()} heading_ref={heading_ref.clone()} />
        },
        Screen::Summary { .. } => html! {
            <SummaryScreen state={state.clone()} heading_id={heading_id.clone()} heading_ref={heading_ref.clone()} />
        },
        Screen::Done { .. } => html! {
            <DoneScreen state={state.clone()} heading_id={heading_id.clone()} heading_ref={heading_ref.clone()} />
        },
    };
    let finish_offered = key != "start";

    html! {
        <ContextProvider<UiContext> context={ui}>
            <div class="onshi-kiosk" lang={lang.tag()} data-screen={key} {onkeydown} {onpointerdown}>
                <header class="onshi-kiosk__header">
                    <p class="onshi-kiosk__title">{ words(lang, Msg::Title) }</p>
                    <LangChoice state={state.clone()} />
                </header>
                <section class="onshi-kiosk__screen" aria-labelledby={heading_id.clone()}>
                    { screen }
                </section>
                if finish_offered {
                    <div class="onshi-kiosk__footer">
                        <button type="button" class="onshi-kiosk__button onshi-kiosk__button--quiet"
                            data-action="finish" onclick={dispatch(&state, Action::Finish)}>
                            { words(lang, Msg::Finish) }
                        </button>
                    </div>
                }
                if let IdleState::Warning { seconds_left } = state.idle_state() {
                    <IdleWarning {lang} {seconds_left} state={state.clone()} id_prefix={props.id_prefix.clone()} />
                }
            </div>
        </ContextProvider<UiContext>>
    }
}

#[derive(Properties, PartialEq)]
struct StateProps {
    state: UseReducerHandle<Kiosk>,
}

/// The five languages, each button in its own language.
#[component]
fn LangChoice(props: &StateProps) -> Html {
    let lang = props.state.lang;
    let buttons = KioskLang::ALL.into_iter().map(|choice| {
        html! {
            <button type="button" class="onshi-kiosk__lang" lang={choice.tag()}
                data-lang={choice.tag()} aria-pressed={(choice == lang).to_string()}
                onclick={dispatch(&props.state, Action::SetLang(choice))}>
                { choice.own_name() }
            </button>
        }
    });
    html! {
        <div class="onshi-kiosk__langs" role="group" aria-label={label(lang, Msg::Languages)}>
            { for buttons }
        </div>
    }
}

#[derive(Properties, PartialEq)]
struct ScreenProps {
    state: UseReducerHandle<Kiosk>,
    heading_id: AttrValue,
    heading_ref: NodeRef,
}

fn heading(props_id: &AttrValue, node: &NodeRef, lang: KioskLang, msg: Msg) -> Html {
    html! {
        <h1 class="onshi-kiosk__heading" id={props_id.clone()} tabindex="-1" ref={node.clone()}>
            { words(lang, msg) }
        </h1>
    }
}

#[derive(Properties, PartialEq)]
struct CardScreenProps {
    flow: CardFlow,
    lang: KioskLang,
    commands: CardCommands,
    state: UseReducerHandle<Kiosk>,
    heading_id: AttrValue,
    heading_ref: NodeRef,
}

/// Texts of the shared PIN pad in the kiosk's language.
fn pin_texts(lang: KioskLang, tries_left: u8) -> PinTexts {
    let t = |msg: Msg| label(lang, msg);
    PinTexts {
        lang: lang.tag().into(),
        label: t(Msg::PinLabel),
        tries_left: text::tries_left(lang, tries_left).into(),
        wrong: t(Msg::PinWrong),
        low_warning: t(Msg::PinLowWarning),
        incomplete: t(Msg::PinIncomplete),
        last_confirm: t(Msg::PinLastConfirm),
        send: t(Msg::PinSend),
        confirm_send: t(Msg::PinConfirmSend),
        sending: t(Msg::Sending),
        back: t(Msg::Back),
        clear: t(Msg::PinClear),
        backspace: t(Msg::PinBackspace),
        keypad: t(Msg::PinKeypad),
        entered: std::array::from_fn::<_, { PIN_LENGTH + 1 }, _>(|n| {
            text::pin_entered(lang, n).into()
        }),
    }
}

/// The start screen and the card steps.
#[component]
fn CardScreen(props: &CardScreenProps) -> Html {
    let lang = props.lang;
    let (h, r) = (&props.heading_id, &props.heading_ref);
    let on_step = |action: CardAction| {
        dispatch(
            &props.state,
            Action::Card {
                seq: props.state.card_seq(),
                action,
            },
        )
    };
    match present::card_view(&props.flow) {
        CardView::Start => html! {
            <div class="onshi-kiosk__start">
                { heading(h, r, lang, Msg::PlaceCard) }
                <p class="onshi-kiosk__text">{ words(lang, Msg::PlaceCardHelp) }</p>
                <div class="onshi-kiosk__card-picture" aria-hidden="true"></div>
            </div>
        },
        CardView::Busy(msg) => html! {
            <div class="onshi-kiosk__busy" role="status">
                { heading(h, r, lang, msg) }
                <progress class="onshi-kiosk__progress" aria-label={label(lang, msg)}></progress>
            </div>
        },
        CardView::Failed { blocked } => html! {
            <div class="onshi-kiosk__failed" role="alert">
                { heading(h, r, lang, Msg::CardFailed) }
                if blocked {
                    <p class="onshi-kiosk__text">{ words(lang, Msg::CardBlocked) }</p>
                }
                <button type="button" class="onshi-kiosk__button onshi-kiosk__button--primary"
                    data-action="start-over" onclick={dispatch(&props.state, Action::Finish)}>
                    { words(lang, if blocked { Msg::StartOver } else { Msg::CardRetry }) }
                </button>
            </div>
        },
        CardView::StartFailed => html! {
            <div class="onshi-kiosk__failed" role="alert" data-error="start">
                { heading(h, r, lang, Msg::RequestFailed) }
                <button type="button" class="onshi-kiosk__button onshi-kiosk__button--primary"
                    data-action="start-over" onclick={dispatch(&props.state, Action::Finish)}>
                    { words(lang, Msg::TryAgain) }
                </button>
            </div>
        },
        CardView::Pin {
            tries_left,
            previous_attempt_failed,
        } => {
            let busy = props.flow.busy.is_some();
            match props.flow.visual_check {
                Some(ticked) => html! {
                    <StaffCheck {lang} {ticked} busy={props.flow.busy == Some(Busy::VisualCheck)}
                        state={props.state.clone()} on_confirm={props.commands.visual_check.clone()}
                        heading_id={h.clone()} heading_ref={r.clone()} />
                },
                None => html! {
                    <div class="onshi-kiosk__pin">
                        { heading(h, r, lang, Msg::PinPrompt) }
                        <PinPadView {tries_left} {previous_attempt_failed} {busy}
                            texts={pin_texts(lang, tries_left)}
                            on_submit={props.commands.send_pin.clone()} />
                        <button type="button" class="onshi-kiosk__button onshi-kiosk__button--quiet"
                            data-action="staff-check" disabled={busy}
                            onclick={on_step(CardAction::OpenVisualCheck)}>
                            { words(lang, Msg::StaffCheck) }
                        </button>
                    </div>
                },
            }
        }
    }
}

#[derive(Properties, PartialEq)]
struct StaffCheckProps {
    lang: KioskLang,
    ticked: bool,
    busy: bool,
    state: UseReducerHandle<Kiosk>,
    on_confirm: Callback<()>,
    heading_id: AttrValue,
    heading_ref: NodeRef,
}

/// 目視確認 by a staff member, instead of the PIN.
#[component]
fn StaffCheck(props: &StaffCheckProps) -> Html {
    let lang = props.lang;
    let seq = props.state.card_seq();
    let checkbox_id = format!("{}-staff", props.heading_id);
    let onchange = {
        let dispatcher = props.state.dispatcher();
        Callback::from(move |e: Event| {
            let input: HtmlInputElement = e.target_unchecked_into();
            dispatcher.dispatch(Action::Card {
                seq,
                action: CardAction::TickVisualCheck(input.checked()),
            });
        })
    };
    let confirm = {
        let on_confirm = props.on_confirm.clone();
        Callback::from(move |_: MouseEvent| on_confirm.emit(()))
    };
    html! {
        <div class="onshi-kiosk__staff">
            { heading(&props.heading_id, &props.heading_ref, lang, Msg::StaffCheckHeading) }
            <p class="onshi-kiosk__text">{ words(lang, Msg::StaffCheckExplain) }</p>
            <div class="onshi-kiosk__check">
                <input type="checkbox" class="onshi-kiosk__checkbox" id={checkbox_id.clone()}
                    checked={props.ticked} disabled={props.busy} {onchange} />
                <label for={checkbox_id}>{ words(lang, Msg::StaffCheckConfirm) }</label>
            </div>
            <div class="onshi-kiosk__actions">
                <button type="button" class="onshi-kiosk__button onshi-kiosk__button--primary"
                    data-action="staff-submit" disabled={!props.ticked || props.busy} onclick={confirm}>
                    { words(lang, if props.busy { Msg::Sending } else { Msg::StaffCheckSubmit }) }
                </button>
                <button type="button" class="onshi-kiosk__button" data-action="staff-back"
                    disabled={props.busy}
                    onclick={dispatch(&props.state, Action::Card { seq, action: CardAction::CloseVisualCheck })}>
                    { words(lang, Msg::Back) }
                </button>
            </div>
        </div>
    }
}

/// The consents on record, with withdrawal.
#[component]
fn OverviewScreen(props: &ScreenProps) -> Html {
    let state = &props.state;
    let lang = state.lang;
    let Screen::Overview {
        load,
        withdrawing,
        withdraw_failed,
        ..
    } = &state.screen
    else {
        return html! {};
    };
    let body = match load {
        Load::Loading => html! {
            <p class="onshi-kiosk__text" role="status">{ words(lang, Msg::OverviewLoading) }</p>
        },
        Load::Failed(_) => html! {
            <p class="onshi-kiosk__text" role="alert" data-error="overview">{ words(lang, Msg::OverviewFailed) }</p>
        },
        Load::Loaded(overview) => {
            let rows = present::overview_rows(overview).into_iter().map(|row| {
                let status = match row.status {
                    RowStatus::Until(until) => html! { { text::state_valid(lang, until) } },
                    RowStatus::Said(msg) => words(lang, msg),
                };
                let busy = withdrawing.as_ref().map(|(_, id)| id) == row.withdraw.as_ref()
                    && row.withdraw.is_some();
                html! {
                    <li class="onshi-kiosk__row" data-category={present_key(row.category)}>
                        <span class="onshi-kiosk__row-name">{ words(lang, row.name) }</span>
                        <span class="onshi-kiosk__row-value">{ status }</span>
                        if let Some(id) = row.withdraw {
                            <button type="button" class="onshi-kiosk__button" data-action="withdraw"
                                data-consent={id.clone()} disabled={withdrawing.is_some()}
                                onclick={dispatch(state, Action::Withdraw(id))}>
                                { words(lang, if busy { Msg::Withdrawing } else { Msg::Withdraw }) }
                            </button>
                        }
                    </li>
                }
            });
            html! { <ul class="onshi-kiosk__rows">{ for rows }</ul> }
        }
    };
    html! {
        <div class="onshi-kiosk__overview">
            { heading(&props.heading_id, &props.heading_ref, lang, Msg::OverviewHeading) }
            { body }
            if withdraw_failed.is_some() {
                <p class="onshi-kiosk__error" role="alert" data-error="withdraw">{ words(lang, Msg::WithdrawFailed) }</p>
            }
            if !matches!(load, Load::Loading) {
                <div class="onshi-kiosk__actions">
                    <button type="button" class="onshi-kiosk__button onshi-kiosk__button--primary"
                        data-action="next" disabled={withdrawing.is_some()}
                        onclick={dispatch(state, Action::Continue)}>
                        { words(lang, Msg::Next) }
                    </button>
                </div>
            }
        </div>
    }
}

fn present_key(category: ConsentCategory) -> &'static str {
    Question::Category(category).key()
}

#[derive(Properties, PartialEq)]
struct QuestionProps {
    state: UseReducerHandle<Kiosk>,
    question: Question,
    heading_id: AttrValue,
    heading_ref: NodeRef,
}

/// One question: what it is, who sees it and for how long, yes or no.
#[component]
fn QuestionScreen(props: &QuestionProps) -> Html {
    let state = &props.state;
    let lang = state.lang;
    let view = present::question_view(state, props.question);
    let ask_id = format!("{}-ask", props.heading_id);
    let answer = |yes: bool| {
        html! {
            <button type="button"
                class={classes!("onshi-kiosk__answer", if yes { "onshi-kiosk__answer--yes" } else { "onshi-kiosk__answer--no" })}
                data-answer={if yes { "yes" } else { "no" }}
                aria-pressed={(view.current == Some(yes)).to_string()}
                onclick={dispatch(state, Action::Answer(view.question, yes))}>
                { words(lang, if yes { Msg::Yes } else { Msg::No }) }
            </button>
        }
    };
    html! {
        <div class="onshi-kiosk__question" data-question={view.question.key()}>
            <p class="onshi-kiosk__step">{ text::step_of(lang, view.number, view.total) }</p>
            { heading(&props.heading_id, &props.heading_ref, lang, view.title) }
            <p class="onshi-kiosk__text">{ words(lang, view.explain) }</p>
            if let Some(who) = view.who {
                <p class="onshi-kiosk__text onshi-kiosk__who">{ words(lang, who) }</p>
            }
            <p class="onshi-kiosk__ask" id={ask_id.clone()}>{ words(lang, view.ask) }</p>
            <div class="onshi-kiosk__answers" role="group" aria-labelledby={ask_id}>
                { answer(true) }
                { answer(false) }
            </div>
            if view.can_go_back {
                <button type="button" class="onshi-kiosk__button onshi-kiosk__button--quiet"
                    data-action="back" onclick={dispatch(state, Action::Back)}>
                    { words(lang, Msg::Back) }
                </button>
            }
        </div>
    }
}

fn answer_list(
    lang: KioskLang,
    rows: Vec<AnswerRow>,
    change: Option<&UseReducerHandle<Kiosk>>,
) -> Html {
    let items = rows.into_iter().map(|row| {
        html! {
            <li class="onshi-kiosk__row" data-question={row.question.key()} data-yes={row.yes.to_string()}>
                <span class="onshi-kiosk__row-name">{ words(lang, row.name) }</span>
                <span class="onshi-kiosk__row-value">{ words(lang, row.answer) }</span>
                if let Some(state) = change {
                    <button type="button" class="onshi-kiosk__button" data-change={row.question.key()}
                        onclick={dispatch(state, Action::Change(row.question))}>
                        { words(lang, Msg::Change) }
                    </button>
                }
            </li>
        }
    });
    html! { <ul class="onshi-kiosk__rows">{ for items }</ul> }
}

/// All answers, to confirm or change.
#[component]
fn SummaryScreen(props: &ScreenProps) -> Html {
    let state = &props.state;
    let lang = state.lang;
    let Screen::Summary { sending, error } = &state.screen else {
        return html! {};
    };
    let rows = present::answer_rows(&state.questions, &state.decisions);
    let editable = sending.is_none().then_some(state);
    html! {
        <div class="onshi-kiosk__summary">
            { heading(&props.heading_id, &props.heading_ref, lang, Msg::SummaryHeading) }
            <p class="onshi-kiosk__text">{ words(lang, Msg::SummaryExplain) }</p>
            { answer_list(lang, rows, editable) }
            if let Some(error) = error {
                <p class="onshi-kiosk__error" role="alert" data-error={present::record_error_key(error)}>
                    { words(lang, present::record_error(error)) }
                </p>
            }
            if sending.is_some() {
                <p class="onshi-kiosk__text" role="status">{ words(lang, Msg::Recording) }</p>
            }
            <div class="onshi-kiosk__actions">
                <button type="button" class="onshi-kiosk__button onshi-kiosk__button--primary"
                    data-action="record" disabled={sending.is_some()}
                    onclick={dispatch(state, Action::Confirm)}>
                    { words(lang, if error.is_some() { Msg::TryAgain } else { Msg::Record }) }
                </button>
                <button type="button" class="onshi-kiosk__button" data-action="back"
                    disabled={sending.is_some()} onclick={dispatch(state, Action::Back)}>
                    { words(lang, Msg::Back) }
                </button>
            </div>
        </div>
    }
}

/// What was agreed (from the verified receipt) and until when.
#[component]
fn DoneScreen(props: &ScreenProps) -> Html {
    let state = &props.state;
    let lang = state.lang;
    let Screen::Done { recorded, .. } = &state.screen else {
        return html! {};
    };
    let rows = present::answer_rows(&state.questions, &recorded.claims.decisions);
    html! {
        <div class="onshi-kiosk__done" role="status">
            { heading(&props.heading_id, &props.heading_ref, lang, Msg::DoneHeading) }
            <h2 class="onshi-kiosk__subheading">{ words(lang, Msg::DoneAgreed) }</h2>
            { answer_list(lang, rows, None) }
            <p class="onshi-kiosk__text" data-until={recorded.claims.exp.to_string()}>
                { text::valid_until(lang, recorded.claims.exp) }
            </p>
            <p class="onshi-kiosk__text">
                { text::done_return(lang, state.done_seconds_left().unwrap_or(0)) }
            </p>
        </div>
    }
}

#[derive(Properties, PartialEq)]
struct IdleProps {
    lang: KioskLang,
    seconds_left: u32,
    state: UseReducerHandle<Kiosk>,
    id_prefix: AttrValue,
}

/// "Are you still there?" with the countdown; any touch or key keeps going.
#[component]
fn IdleWarning(props: &IdleProps) -> Html {
    let lang = props.lang;
    let button_ref = use_node_ref();
    {
        let button_ref = button_ref.clone();
        use_effect_with((), move |_| {
            if let Some(button) = button_ref.cast::<web_sys::HtmlElement>() {
                let _ = button.focus();
            }
        });
    }
    let heading_id = format!("{}-idle", props.id_prefix);
    let keep = {
        let dispatcher = props.state.dispatcher();
        Callback::from(move |_: MouseEvent| dispatcher.dispatch(Action::Input { now: now_ms() }))
    };
    html! {
        <div class="onshi-kiosk__idle" role="alertdialog" aria-modal="true" aria-labelledby={heading_id.clone()}>
            <div class="onshi-kiosk__idle-box">
                <h2 class="onshi-kiosk__heading" id={heading_id}>{ words(lang, Msg::IdleHeading) }</h2>
                <p class="onshi-kiosk__text" data-seconds={props.seconds_left.to_string()}>
                    { text::idle_countdown(lang, props.seconds_left) }
                </p>
                <button type="button" class="onshi-kiosk__button onshi-kiosk__button--primary"
                    data-action="keep-going" ref={button_ref} onclick={keep}>
                    { words(lang, Msg::IdleContinue) }
                </button>
            </div>
        </div>
    }
}
