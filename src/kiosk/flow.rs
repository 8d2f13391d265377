//! The kiosk's state machine. The start screen is a card session waiting for a card;
//! then the PIN pad (or the staff's visual check), the consents on record (with
//! withdrawal), one question per shown category and the 限度額 / 特定疾病 questions, a
//! summary to confirm or change, the recording (its receipt verified before anything
//! says "recorded"), and the done screen. Finish, card removal, the idle timeout and
//! the done screen's own timeout all return to a fresh start: nothing of the patient
//! is kept, and their card session is cancelled.
//!
//! Pure data; the component only dispatches [`Action`]s (see [`super::hooks`]).

use std::rc::Rc;

use onshi_core::card_session::{CardErrorCode, CardSessionState, CardSessionView};
use onshi_core::consent::{
    state_of, ConsentCategory, ConsentDecisions, ConsentOverview, ConsentRecord,
};
use yew::Reducible;

use super::idle::{Idle, IdleState, Timing};
use super::lang::KioskLang;
use crate::api::{ClientError, Recorded};
use crate::card::{Abandoned, CardAction, CardFlow, CardHost, CardStage};

/// One question the patient answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Question {
    /// May the clinicians see this category?
    Category(ConsentCategory),
    /// May the clinic be told the 限度額適用認定証 information?
    Limit,
    /// May the clinic be told the 特定疾病療養受療証 information?
    Disease,
}

impl Question {
    /// The questions for the categories a facility shows, in the wire order, then the two
    /// sharing questions.
    pub fn for_categories(categories: &[ConsentCategory]) -> Vec<Question> {
        ConsentCategory::ALL
            .iter()
            .filter(|c| categories.contains(c))
            .map(|c| Question::Category(*c))
            .chain([Question::Limit, Question::Disease])
            .collect()
    }

    pub fn answer(self, decisions: &ConsentDecisions) -> Option<bool> {
        match self {
            Self::Category(category) => decisions.get(category),
            Self::Limit => decisions.limit_certificate,
            Self::Disease => decisions.specific_disease,
        }
    }

    fn set(self, decisions: &mut ConsentDecisions, yes: bool) {
        match self {
            Self::Category(category) => decisions.set(category, Some(yes)),
            Self::Limit => decisions.limit_certificate = Some(yes),
            Self::Disease => decisions.specific_disease = Some(yes),
        }
    }

    /// A stable name for tests and styling.
    pub fn key(self) -> &'static str {
        match self {
            Self::Category(ConsentCategory::Medications) => "medications",
            Self::Category(ConsentCategory::Checkups) => "checkups",
            Self::Category(ConsentCategory::Diagnoses) => "diagnoses",
            Self::Category(ConsentCategory::Operations) => "operations",
            Self::Limit => "limit_certificate",
            Self::Disease => "specific_disease",
        }
    }
}

/// Something asked of the gateway: in flight, answered, or failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Load<T> {
    Loading,
    Loaded(T),
    Failed(ClientError),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Screen {
    /// The start screen (a session waiting for a card) and the card steps after it.
    Card {
        seq: u64,
        flow: CardFlow,
    },
    /// The consents on record; `seq` names the load.
    Overview {
        seq: u64,
        load: Load<ConsentOverview>,
        /// A withdrawal in flight: its number and the consent's id.
        withdrawing: Option<(u64, String)>,
        withdraw_failed: Option<ClientError>,
    },
    Question(Question),
    Summary {
        /// The recording in flight.
        sending: Option<u64>,
        error: Option<ClientError>,
    },
    /// Recorded (receipt verified); back to the start at `leave_at` (ms).
    Done {
        recorded: Recorded,
        leave_at: u64,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Kiosk {
    pub lang: KioskLang,
    /// The language the next patient starts in.
    pub home_lang: KioskLang,
    pub questions: Vec<Question>,
    pub timing: Timing,
    pub screen: Screen,
    /// The card session that authenticated the patient.
    pub session: Option<String>,
    pub decisions: ConsentDecisions,
    /// Changing one answer from the summary: answering goes back to it.
    pub reviewing: bool,
    pub idle: Idle,
    /// The browser's clock at the latest tick or input (ms).
    pub now: u64,
    /// The latest card session left behind, to be cancelled.
    pub abandoned: Option<Abandoned>,
    last_seq: u64,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    SetLang(KioskLang),
    Card {
        seq: u64,
        action: CardAction,
    },
    CardReport(CardSessionView),
    OverviewLoaded {
        seq: u64,
        result: Result<ConsentOverview, ClientError>,
    },
    Withdraw(String),
    Withdrawn {
        seq: u64,
        result: Result<ConsentRecord, ClientError>,
        /// Unix seconds, to say where each category stands now.
        now_secs: i64,
    },
    /// From the consents on record to the questions.
    Continue,
    Answer(Question, bool),
    Back,
    /// From the summary: change one answer.
    Change(Question),
    Confirm,
    Recorded {
        seq: u64,
        result: Result<Recorded, ClientError>,
    },
    /// "Finish": back to a fresh start.
    Finish,
    /// A touch or a key at `now` (ms).
    Input {
        now: u64,
    },
    /// The clock (ms), once a second while something is counting.
    Tick {
        now: u64,
    },
}

impl Kiosk {
    pub fn new(lang: KioskLang, categories: &[ConsentCategory], timing: Timing) -> Self {
        Self {
            lang,
            home_lang: lang,
            questions: Question::for_categories(categories),
            timing,
            screen: Screen::Card {
                seq: 1,
                flow: CardFlow::starting(),
            },
            session: None,
            decisions: ConsentDecisions::default(),
            reviewing: false,
            idle: Idle::default(),
            now: 0,
            abandoned: None,
            last_seq: 1,
        }
    }

    /// The number of the card attempt on screen (0 when none).
    pub fn card_seq(&self) -> u64 {
        self.card_flow().map_or(0, |(seq, _)| seq)
    }

    /// Where the idle timer stands now.
    pub fn idle_state(&self) -> IdleState {
        self.idle.state(self.now, &self.timing)
    }

    /// Whether the clock must tick (idle timer armed, or the done screen counting).
    pub fn ticking(&self) -> bool {
        self.idle.is_armed() || matches!(self.screen, Screen::Done { .. })
    }

    /// Seconds until the done screen leaves.
    pub fn done_seconds_left(&self) -> Option<u32> {
        match &self.screen {
            Screen::Done { leave_at, .. } => {
                Some(leave_at.saturating_sub(self.now).div_ceil(1000) as u32)
            }
            _ => None,
        }
    }

    /// The consents to load: `(seq, session)`.
    pub fn overview_request(&self) -> Option<(u64, &str)> {
        match (&self.screen, &self.session) {
            (
                Screen::Overview {
                    seq,
                    load: Load::Loading,
                    ..
                },
                Some(session),
            ) => Some((*seq, session)),
            _ => None,
        }
    }

    /// The withdrawal to send: `(seq, consent id, session)`.
    pub fn withdraw_request(&self) -> Option<(u64, &str, &str)> {
        match (&self.screen, &self.session) {
            (
                Screen::Overview {
                    withdrawing: Some((seq, id)),
                    ..
                },
                Some(session),
            ) => Some((*seq, id, session)),
            _ => None,
        }
    }

    /// The consent to record: `(seq, session, decisions)`.
    pub fn record_request(&self) -> Option<(u64, &str, ConsentDecisions)> {
        match (&self.screen, &self.session) {
            (
                Screen::Summary {
                    sending: Some(seq), ..
                },
                Some(session),
            ) => Some((*seq, session, self.decisions)),
            _ => None,
        }
    }

    /// The authenticated session to watch for the card's removal (until done).
    pub fn watched_session(&self) -> Option<&str> {
        match self.screen {
            Screen::Card { .. } | Screen::Done { .. } => None,
            _ => self.session.as_deref(),
        }
    }

    /// Every question has an answer.
    pub fn complete(&self) -> bool {
        self.questions
            .iter()
            .all(|q| q.answer(&self.decisions).is_some())
    }

    /// The next state, or `None` when nothing changes.
    pub fn apply(&self, action: Action) -> Option<Kiosk> {
        let mut next = self.clone();
        match action {
            Action::SetLang(lang) => {
                if lang == self.lang {
                    return None;
                }
                next.lang = lang;
            }
            Action::Card { seq, action } => return self.apply_card(seq, action),
            Action::CardReport(view) => return self.report(view),
            Action::OverviewLoaded { seq, result } => {
                if self.overview_request().map(|(s, _)| s) != Some(seq) {
                    return None;
                }
                match result {
                    Ok(overview) if overview.consents.is_empty() => next.go_to_questions(),
                    Ok(overview) => next.set_overview_load(Load::Loaded(overview)),
                    Err(error) => next.set_overview_load(Load::Failed(error)),
                }
            }
            Action::Withdraw(id) => {
                let Screen::Overview {
                    load: Load::Loaded(overview),
                    withdrawing,
                    withdraw_failed,
                    ..
                } = &mut next.screen
                else {
                    return None;
                };
                if withdrawing.is_some() || !overview.consents.iter().any(|c| c.id == id) {
                    return None;
                }
                next.last_seq += 1;
                *withdrawing = Some((next.last_seq, id));
                *withdraw_failed = None;
            }
            Action::Withdrawn {
                seq,
                result,
                now_secs,
            } => {
                if self.withdraw_request().map(|(s, _, _)| s) != Some(seq) {
                    return None;
                }
                let Screen::Overview {
                    load,
                    withdrawing,
                    withdraw_failed,
                    ..
                } = &mut next.screen
                else {
                    return None;
                };
                *withdrawing = None;
                match (result, load) {
                    (Ok(record), Load::Loaded(overview)) => withdrawn(overview, record, now_secs),
                    (Err(error), _) => *withdraw_failed = Some(error),
                    _ => {}
                }
            }
            Action::Continue => {
                let Screen::Overview { withdrawing, .. } = &self.screen else {
                    return None;
                };
                if withdrawing.is_some() {
                    return None;
                }
                next.go_to_questions();
            }
            Action::Answer(question, yes) => {
                if self.screen != Screen::Question(question) {
                    return None;
                }
                question.set(&mut next.decisions, yes);
                let after = self
                    .questions
                    .iter()
                    .skip_while(|q| **q != question)
                    .nth(1)
                    .copied();
                next.screen = match after {
                    Some(q) if !self.reviewing => Screen::Question(q),
                    _ => {
                        next.reviewing = false;
                        summary()
                    }
                };
            }
            Action::Back => match &self.screen {
                Screen::Question(question) => {
                    if self.reviewing {
                        next.reviewing = false;
                        next.screen = summary();
                    } else {
                        let index = self.questions.iter().position(|q| q == question)?;
                        next.screen = Screen::Question(*self.questions.get(index.checked_sub(1)?)?);
                    }
                }
                Screen::Summary { sending: None, .. } => {
                    next.screen = Screen::Question(*self.questions.last()?);
                }
                _ => return None,
            },
            Action::Change(question) => {
                let Screen::Summary { sending: None, .. } = self.screen else {
                    return None;
                };
                if !self.questions.contains(&question) {
                    return None;
                }
                next.reviewing = true;
                next.screen = Screen::Question(question);
            }
            Action::Confirm => {
                let Screen::Summary { sending: None, .. } = self.screen else {
                    return None;
                };
                if !self.complete() || self.session.is_none() {
                    return None;
                }
                next.last_seq += 1;
                next.screen = Screen::Summary {
                    sending: Some(next.last_seq),
                    error: None,
                };
            }
            Action::Recorded { seq, result } => {
                if self.record_request().map(|(s, _, _)| s) != Some(seq) {
                    return None;
                }
                next.screen = match result {
                    Ok(recorded) => {
                        next.idle.disarm();
                        Screen::Done {
                            recorded,
                            leave_at: self.now + self.timing.done_ms,
                        }
                    }
                    Err(error) => Screen::Summary {
                        sending: None,
                        error: Some(error),
                    },
                };
            }
            Action::Finish => next.reset(),
            Action::Input { now } => {
                if !next.idle.input(now) {
                    return None;
                }
                next.now = next.now.max(now);
            }
            Action::Tick { now } => {
                if now == self.now {
                    return None;
                }
                next.now = now;
                next.idle.clock(now);
                let leave = match &self.screen {
                    Screen::Done { leave_at, .. } => now >= *leave_at,
                    _ => false,
                };
                if leave || next.idle_state() == IdleState::Expired {
                    next.reset();
                }
            }
        }
        Some(next)
    }

    /// Back to a fresh start: the patient's answers, consents and session go; a session
    /// still known is cancelled.
    fn reset(&mut self) {
        let mut abandon = self.session.clone();
        if let Screen::Card { flow, .. } = &self.screen {
            abandon = abandon.or_else(|| flow.session_id.clone());
        }
        let last_seq = self.last_seq + 1;
        let before = std::mem::replace(
            self,
            Kiosk {
                lang: self.home_lang,
                home_lang: self.home_lang,
                questions: self.questions.clone(),
                timing: self.timing,
                screen: Screen::Card {
                    seq: last_seq,
                    flow: CardFlow::starting(),
                },
                session: None,
                decisions: ConsentDecisions::default(),
                reviewing: false,
                idle: Idle::default(),
                now: self.now,
                abandoned: self.abandoned.clone(),
                last_seq,
            },
        );
        drop(before);
        if let Some(id) = abandon {
            self.abandon(id);
        }
    }

    fn abandon(&mut self, session_id: String) {
        let seq = self.abandoned.as_ref().map_or(1, |a| a.seq + 1);
        self.abandoned = Some(Abandoned { seq, session_id });
    }

    fn set_overview_load(&mut self, to: Load<ConsentOverview>) {
        if let Screen::Overview { load, .. } = &mut self.screen {
            *load = to;
        }
    }

    fn go_to_questions(&mut self) {
        self.screen = match self.questions.first() {
            Some(q) => Screen::Question(*q),
            None => summary(),
        };
    }

    fn card_flow(&self) -> Option<(u64, &CardFlow)> {
        match &self.screen {
            Screen::Card { seq, flow } => Some((*seq, flow)),
            _ => None,
        }
    }

    fn apply_card(&self, seq: u64, action: CardAction) -> Option<Kiosk> {
        let current = self.card_flow().filter(|(current, _)| *current == seq);
        let mut next = self.clone();
        match (action, current) {
            (CardAction::Started(result), Some((_, flow))) => {
                if flow.stage != CardStage::Starting {
                    return None;
                }
                let mut flow = flow.clone();
                match result {
                    Ok(view) => {
                        flow.session_id = Some(view.id.clone());
                        next.screen = Screen::Card { seq, flow };
                        next.take_report(view.state);
                    }
                    Err(error) => {
                        flow.stage = CardStage::StartFailed(error);
                        next.screen = Screen::Card { seq, flow };
                    }
                }
            }
            // The kiosk moved on before the session started: cancel what the gateway made.
            (CardAction::Started(Ok(view)), None) => {
                if view.state.is_final() {
                    return None;
                }
                next.abandon(view.id);
            }
            (_, None) => return None,
            (action, Some((_, flow))) => {
                let flow = flow.apply(action)?;
                next.screen = Screen::Card { seq, flow };
            }
        }
        Some(next)
    }

    fn report(&self, view: CardSessionView) -> Option<Kiosk> {
        // The authenticated session: only its end matters (the card was taken away).
        if self.session.as_deref() == Some(view.id.as_str()) {
            return match view.state {
                CardSessionState::Failed { .. } | CardSessionState::Cancelled => {
                    let mut next = self.clone();
                    next.session = None; // over on the gateway: nothing to cancel
                    next.reset();
                    Some(next)
                }
                _ => None,
            };
        }
        let (_, flow) = self.card_flow()?;
        if flow.session_id.as_deref() != Some(view.id.as_str()) || !flow.is_active() {
            return None;
        }
        let mut next = self.clone();
        next.take_report(view.state);
        Some(next)
    }

    fn take_report(&mut self, state: CardSessionState) {
        let Screen::Card { flow, .. } = &mut self.screen else {
            return;
        };
        match state {
            CardSessionState::Done { .. } => {
                self.session = flow.session_id.clone();
                self.last_seq += 1;
                self.idle.start();
                self.screen = Screen::Overview {
                    seq: self.last_seq,
                    load: Load::Loading,
                    withdrawing: None,
                    withdraw_failed: None,
                };
            }
            CardSessionState::Cancelled
            | CardSessionState::Failed {
                error:
                    onshi_core::card_session::CardSessionError {
                        code: CardErrorCode::CardRemoved,
                        ..
                    },
            } => {
                flow.session_id = None; // ended on the gateway
                self.reset();
            }
            other => {
                // From the card being read on, someone's data is in play.
                if !matches!(other, CardSessionState::WaitingForCard { .. }) {
                    self.idle.start();
                }
                flow.report(other);
            }
        }
    }
}

fn summary() -> Screen {
    Screen::Summary {
        sending: None,
        error: None,
    }
}

/// `overview` after `record` was withdrawn: the record replaced, each category's state
/// decided again at `now`.
fn withdrawn(overview: &mut ConsentOverview, record: ConsentRecord, now: i64) {
    if let Some(known) = overview.consents.iter_mut().find(|c| c.id == record.id) {
        known.withdrawn_at = record.withdrawn_at.or(Some(now));
    }
    for category in ConsentCategory::ALL {
        let state = state_of(&overview.consents, category, now);
        if overview.states.contains_key(&category)
            || state != onshi_core::consent::ConsentState::None
        {
            overview.states.insert(category, state);
        }
    }
}

impl CardHost for Kiosk {
    fn card(&self) -> Option<(u64, &CardFlow)> {
        self.card_flow()
    }

    fn abandoned(&self) -> Option<&Abandoned> {
        self.abandoned.as_ref()
    }

    fn card_step(seq: u64, action: CardAction) -> Action {
        Action::Card { seq, action }
    }

    fn card_report(view: CardSessionView) -> Action {
        Action::CardReport(view)
    }
}

impl Reducible for Kiosk {
    type Action = Action;

    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        match self.apply(action) {
            Some(next) => Rc::new(next),
            None => self,
        }
    }
}

#[cfg(test)]
mod tests;
