//! The reception state machine: Editing → Submitting → Shown / Failed for the number
//! flow, Editing → Card → Shown for a My Number Card on the gateway's reader, and Shown
//! straight from a result in the queue (face reader or a card read at any desk); with cancel, retry and a reset for
//! the next patient. Pure data, so every transition is tested with plain `cargo test`;
//! the component only dispatches [`Action`]s.

use std::rc::Rc;

use onshi_core::api::{
    ErrorCode, QualificationAnswer, QualificationQuery, QueuePlace, ReceptionEvent,
    ReceptionEventKind,
};
use onshi_core::card_session::{CardSessionState, CardSessionView, VerificationMethod};
use yew::Reducible;

use crate::api::ClientError;
use crate::card::{CardAction, CardFlow, CardHost, CardStage};
use crate::form::{problem_from_code, Field, FormState, Verdict};

/// A short note shown above the form while editing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Notice {
    Cancelled,
    CardCancelled,
}

/// Where a shown answer came from (and so what `onshi:qualified` reports).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// Typed from an insurance card / 資格確認書.
    InsuranceCard(QualificationQuery),
    /// A face-recognition reader result from the queue.
    Face { event_id: i64, received_at: String },
    /// A My Number Card on the gateway's reader.
    MyNumberCard { verification: VerificationMethod },
    /// A My Number Card result opened from the queue (`card_result`, read at this or
    /// another desk); `verification` is `None` for a result stored before the gateway
    /// recorded the method.
    QueuedCard {
        event_id: i64,
        received_at: String,
        verification: Option<VerificationMethod>,
    },
}

impl Origin {
    /// Where the answer of an opened queue entry came from; `None` for an entry that has
    /// no answer to show (a refused face file).
    pub fn of_event(event: &ReceptionEvent) -> Option<Self> {
        let event_id = event.id;
        let received_at = event.received_at.clone();
        match event.kind {
            ReceptionEventKind::FaceResult => Some(Self::Face {
                event_id,
                received_at,
            }),
            ReceptionEventKind::CardResult => Some(Self::QueuedCard {
                event_id,
                received_at,
                verification: event.verification,
            }),
            ReceptionEventKind::FaceError => None,
        }
    }
}

pub use crate::card::Abandoned;

/// A card session that reached `done` at this desk. The gateway also queues its result
/// (a `card_result` whose `source_file` is `card-session/<id>`); the component tells the
/// queue, which counts that entry as seen here. Numbered so each one is passed on once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FinishedCard {
    pub seq: u64,
    pub session_id: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Phase {
    Editing {
        notice: Option<Notice>,
    },
    /// `seq` identifies this request, so a late answer to an older one is ignored.
    Submitting {
        seq: u64,
        query: QualificationQuery,
        /// Where the request stands in the terminal's clinic-wide queue, from the latest
        /// poll that answered; `None` before one did, or when it failed (unknown).
        place: Option<QueuePlace>,
    },
    /// Reading a My Number Card; `seq` identifies this attempt.
    Card {
        seq: u64,
        flow: CardFlow,
    },
    Shown {
        seq: u64,
        origin: Origin,
        answer: QualificationAnswer,
    },
    Failed {
        query: QualificationQuery,
        error: ClientError,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reception {
    pub form: FormState,
    pub phase: Phase,
    /// The latest card session left while still going, to be cancelled.
    pub abandoned: Option<Abandoned>,
    /// The latest card session whose result this desk showed.
    pub finished: Option<FinishedCard>,
    last_seq: u64,
}

impl Default for Reception {
    fn default() -> Self {
        Self {
            form: FormState::default(),
            phase: Phase::Editing { notice: None },
            abandoned: None,
            finished: None,
            last_seq: 0,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    Edit(Field, String),
    /// Ticks or clears the 限度額 / 特定疾病 consent box.
    SetLimitConsent(bool),
    Blur(Field),
    /// `today` (`yyyyMMdd`) bounds the birthdate.
    Submit {
        today: String,
    },
    /// "券面どおりに照会する": accept the check-digit warning and submit.
    SendAsPrinted {
        today: String,
    },
    Resolved {
        seq: u64,
        result: Result<QualificationAnswer, ClientError>,
    },
    /// Where request `seq` stands in the terminal's queue; `None` when the poll failed or
    /// the gateway no longer knows the request (it finished), so nothing is claimed.
    QueuePlace {
        seq: u64,
        place: Option<QueuePlace>,
    },
    Cancel,
    Retry,
    NextPatient,
    /// "マイナンバーカードで確認": start (or, after a failure, restart) a card session.
    StartCard,
    /// A step of card attempt `seq` (responses to the calls made for it).
    Card {
        seq: u64,
        action: CardAction,
    },
    /// The gateway reported a card session (SSE, polling, or a step's answer).
    CardReport(CardSessionView),
    /// Cancel the card session (every step has Cancel).
    CancelCard,
    /// Close a failed card attempt.
    CloseCard,
    /// Open a result from the queue (face reader or card); entries without an answer
    /// change nothing.
    OpenEntry(Box<ReceptionEvent>),
}

impl CardHost for Reception {
    fn card(&self) -> Option<(u64, &CardFlow)> {
        Reception::card(self)
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

impl Reception {
    pub fn is_submitting(&self) -> bool {
        matches!(self.phase, Phase::Submitting { .. })
    }

    /// The request to run now, if any.
    pub fn in_flight(&self) -> Option<(u64, &QualificationQuery)> {
        match &self.phase {
            Phase::Submitting { seq, query, .. } => Some((*seq, query)),
            _ => None,
        }
    }

    /// Where the request in flight stands in the terminal's queue, when known.
    pub fn queue_place(&self) -> Option<QueuePlace> {
        match &self.phase {
            Phase::Submitting { place, .. } => *place,
            _ => None,
        }
    }

    /// The answer on screen, with where it came from.
    pub fn shown(&self) -> Option<(u64, &Origin, &QualificationAnswer)> {
        match &self.phase {
            Phase::Shown {
                seq,
                origin,
                answer,
            } => Some((*seq, origin, answer)),
            _ => None,
        }
    }

    /// The card attempt on screen.
    pub fn card(&self) -> Option<(u64, &CardFlow)> {
        match &self.phase {
            Phase::Card { seq, flow } => Some((*seq, flow)),
            _ => None,
        }
    }

    /// The failed request on screen (a number check, or a card start, step or poll), so
    /// the desk can ask the gateway how it is (see [`crate::status::points_at_gateway`]).
    pub fn failure(&self) -> Option<&ClientError> {
        match &self.phase {
            Phase::Failed { error, .. } => Some(error),
            Phase::Card { flow, .. } => match &flow.stage {
                CardStage::StartFailed(error) => Some(error),
                _ => flow.request_error.as_ref(),
            },
            _ => None,
        }
    }

    /// Whether a card session is going on (so the card button is not offered).
    pub fn card_active(&self) -> bool {
        self.card().is_some_and(|(_, flow)| flow.is_active())
    }

    /// The next state, or `None` when the action changes nothing (no re-render).
    pub fn apply(&self, action: Action) -> Option<Reception> {
        let mut next = self.clone();
        match action {
            Action::Edit(field, value) => {
                if self.is_submitting() || self.form.value(field) == value {
                    return None;
                }
                next.form.edit(field, value);
                next.back_to_editing();
            }
            Action::SetLimitConsent(agreed) => {
                if self.is_submitting() || self.form.limit_consent == agreed {
                    return None;
                }
                next.form.limit_consent = agreed;
                next.back_to_editing();
            }
            Action::Blur(field) => {
                if self.form.is_touched(field) {
                    return None;
                }
                next.form.touch(field);
            }
            Action::Submit { today } => {
                if self.is_submitting() {
                    return None;
                }
                next.submit(&today);
            }
            Action::SendAsPrinted { today } => {
                if self.is_submitting() {
                    return None;
                }
                next.form.override_check_digit = true;
                next.submit(&today);
            }
            Action::Resolved { seq, result } => {
                let Phase::Submitting {
                    seq: current,
                    query,
                    ..
                } = &self.phase
                else {
                    return None;
                };
                if *current != seq {
                    return None;
                }
                next.resolve(seq, query.clone(), result);
            }
            Action::QueuePlace { seq, place } => {
                let Phase::Submitting {
                    seq: current,
                    place: now,
                    ..
                } = &mut next.phase
                else {
                    return None;
                };
                // A poll of an older request (answered or cancelled) says nothing now.
                if *current != seq || *now == place {
                    return None;
                }
                *now = place;
            }
            Action::Cancel => {
                if !self.is_submitting() {
                    return None;
                }
                next.phase = Phase::Editing {
                    notice: Some(Notice::Cancelled),
                };
            }
            Action::Retry => {
                let Phase::Failed { query, .. } = &self.phase else {
                    return None;
                };
                next.start(query.clone());
            }
            Action::NextPatient => {
                next = Reception {
                    last_seq: self.last_seq,
                    ..Reception::default()
                };
                next.abandoned = self.abandoned.clone();
                next.finished = self.finished.clone();
                next.leave_card(self);
            }
            Action::StartCard => {
                if self.is_submitting() || self.card_active() {
                    return None;
                }
                next.last_seq += 1;
                next.phase = Phase::Card {
                    seq: next.last_seq,
                    flow: CardFlow::starting(),
                };
            }
            Action::Card { seq, action } => return self.apply_card(seq, action),
            Action::CardReport(view) => return self.report_card(view),
            Action::CancelCard => {
                if !self.card_active() {
                    return None;
                }
                next.phase = Phase::Editing {
                    notice: Some(Notice::CardCancelled),
                };
                next.leave_card(self);
            }
            Action::CloseCard => {
                if self.card().is_none() || self.card_active() {
                    return None;
                }
                next.phase = Phase::Editing { notice: None };
            }
            Action::OpenEntry(event) => {
                let origin = Origin::of_event(&event)?;
                let answer = event.answer?;
                next.last_seq += 1;
                next.phase = Phase::Shown {
                    seq: next.last_seq,
                    origin,
                    answer,
                };
                next.leave_card(self);
            }
        }
        Some(next)
    }

    /// After an edit: a result or error of an earlier query no longer matches the form,
    /// so it goes (and a notice with it); what the form holds is what Submit sends. A card
    /// session on screen is left alone.
    fn back_to_editing(&mut self) {
        if matches!(
            self.phase,
            Phase::Editing { .. } | Phase::Failed { .. } | Phase::Shown { .. }
        ) {
            self.phase = Phase::Editing { notice: None };
        }
    }

    /// Remembers `before`'s live card session as abandoned (for `DELETE`).
    fn leave_card(&mut self, before: &Reception) {
        if let Some((_, flow)) = before.card() {
            if let Some(id) = flow.live_session() {
                self.abandon(id.to_string());
            }
        }
    }

    fn abandon(&mut self, session_id: String) {
        let seq = self.abandoned.as_ref().map_or(1, |a| a.seq + 1);
        self.abandoned = Some(Abandoned { seq, session_id });
    }

    fn apply_card(&self, seq: u64, action: CardAction) -> Option<Reception> {
        let current = self.card().filter(|(current, _)| *current == seq);
        let mut next = self.clone();
        match (action, current) {
            (CardAction::Started(result), Some((_, flow))) => {
                if flow.stage != CardStage::Starting {
                    return None;
                }
                match result {
                    Ok(view) => {
                        let mut flow = flow.clone();
                        flow.session_id = Some(view.id.clone());
                        next.phase = Phase::Card { seq, flow };
                        next.take_report(view.state);
                    }
                    Err(error) => {
                        let mut flow = flow.clone();
                        flow.stage = CardStage::StartFailed(error);
                        next.phase = Phase::Card { seq, flow };
                    }
                }
            }
            // The desk left before the session started: cancel what the gateway made.
            (CardAction::Started(Ok(view)), None) => {
                if view.state.is_final() {
                    return None;
                }
                next.abandon(view.id);
            }
            (CardAction::Started(Err(_)), None) | (_, None) => return None,
            (action, Some((_, flow))) => {
                let flow = flow.apply(action)?;
                next.phase = Phase::Card { seq, flow };
            }
        }
        Some(next)
    }

    fn report_card(&self, view: CardSessionView) -> Option<Reception> {
        let (_, flow) = self.card()?;
        if flow.session_id.as_deref() != Some(view.id.as_str()) || !flow.is_active() {
            return None;
        }
        let mut next = self.clone();
        next.take_report(view.state);
        Some(next)
    }

    /// Applies a report to the current card attempt: `Done` shows the answer,
    /// `Cancelled` returns to the form, anything else updates the flow.
    fn take_report(&mut self, state: CardSessionState) {
        let Phase::Card { flow, .. } = &mut self.phase else {
            return;
        };
        match state {
            CardSessionState::Done { method, answer } => {
                if let Some(session_id) = flow.session_id.clone() {
                    let seq = self.finished.as_ref().map_or(1, |f| f.seq + 1);
                    self.finished = Some(FinishedCard { seq, session_id });
                }
                self.last_seq += 1;
                self.phase = Phase::Shown {
                    seq: self.last_seq,
                    origin: Origin::MyNumberCard {
                        verification: method,
                    },
                    answer,
                };
            }
            CardSessionState::Cancelled => {
                self.phase = Phase::Editing {
                    notice: Some(Notice::CardCancelled),
                };
            }
            other => flow.report(other),
        }
    }

    fn submit(&mut self, today: &str) {
        self.form.submitted = true;
        match self.form.assess(today).verdict {
            Verdict::Ready(query) => self.start(query),
            Verdict::CheckDigitOnly | Verdict::Invalid => {
                self.phase = Phase::Editing { notice: None };
            }
        }
    }

    fn start(&mut self, query: QualificationQuery) {
        self.last_seq += 1;
        self.phase = Phase::Submitting {
            seq: self.last_seq,
            query,
            place: None,
        };
    }

    fn resolve(
        &mut self,
        seq: u64,
        query: QualificationQuery,
        result: Result<QualificationAnswer, ClientError>,
    ) {
        self.phase = match result {
            Ok(answer) => Phase::Shown {
                seq,
                origin: Origin::InsuranceCard(query),
                answer,
            },
            Err(ClientError::Cancelled) => Phase::Editing {
                notice: Some(Notice::Cancelled),
            },
            // Field problems belong next to the fields, not in an error box.
            Err(ClientError::Api { error, .. })
                if matches!(error.code, ErrorCode::InvalidInput | ErrorCode::CheckDigit)
                    && error.fields.iter().any(|(key, code)| {
                        Field::from_key(key).is_some() && problem_from_code(code).is_some()
                    }) =>
            {
                self.form.set_server_problems(&error.fields);
                if error.code == ErrorCode::CheckDigit {
                    self.form.override_check_digit = false;
                }
                Phase::Editing { notice: None }
            }
            Err(error) => Phase::Failed { query, error },
        };
    }
}

impl Reducible for Reception {
    type Action = Action;

    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        match self.apply(action) {
            Some(next) => Rc::new(next),
            None => self,
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use onshi_core::api::{ApiError, QualificationStatus};
    use onshi_core::query::FieldProblem;

    use super::*;

    const TODAY: &str = "20261125";

    fn run(state: Reception, actions: impl IntoIterator<Item = Action>) -> Reception {
        actions
            .into_iter()
            .fold(state, |s, a| s.apply(a).unwrap_or(s))
    }

    fn filled() -> Reception {
        run(
            Reception::default(),
            [
                Action::Edit(Field::InsurerNumber, "01130012".into()),
                Action::Edit(Field::Number, "4567".into()),
                Action::Edit(Field::Branch, "01".into()),
                Action::Edit(Field::Birthdate, "19850412".into()),
            ],
        )
    }

    fn submit() -> Action {
        Action::Submit {
            today: TODAY.into(),
        }
    }

    fn answer(status: QualificationStatus) -> QualificationAnswer {
        QualificationAnswer {
            status,
            validity_code: None,
            reference_classification: None,
            checked_at: None,
            advisory: None,
            results: vec![],
            token: None,
        }
    }

    /// A queue event with an answer, as the gateway pushes it.
    fn queued(id: i64, kind: ReceptionEventKind, answer: QualificationAnswer) -> ReceptionEvent {
        ReceptionEvent {
            id,
            received_at: "2026-11-25T09:05:00.000+09:00".into(),
            kind,
            source_file: format!("event-{id}"),
            answer: Some(answer),
            prescription_issue_select: None,
            error: None,
            verification: None,
        }
    }

    fn api(code: ErrorCode, fields: &[(&str, &str)]) -> ClientError {
        ClientError::Api {
            status: 422,
            error: ApiError {
                code,
                message: "m".into(),
                fields: fields
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect(),
            },
        }
    }

    #[test]
    fn submitting_a_valid_form_starts_a_request() {
        let state = run(filled(), [submit()]);
        let (seq, query) = state.in_flight().expect("in flight");
        assert_eq!(seq, 1);
        assert_eq!(query.insurer_number, "01130012");
        assert_eq!(query.birthdate, "1985-04-12");
    }

    #[test]
    fn submitting_an_invalid_form_stays_editing_and_reveals_problems() {
        let state = run(Reception::default(), [submit()]);
        assert_eq!(state.phase, Phase::Editing { notice: None });
        assert!(state.form.submitted);
        assert!(state.in_flight().is_none());
    }

    #[test]
    fn check_digit_warning_then_send_as_printed() {
        let state = run(
            filled(),
            [
                Action::Edit(Field::InsurerNumber, "01130013".into()),
                submit(),
            ],
        );
        assert!(!state.is_submitting());
        let state = run(
            state,
            [Action::SendAsPrinted {
                today: TODAY.into(),
            }],
        );
        let (_, query) = state.in_flight().expect("sent as printed");
        assert!(query.override_check_digit);
        assert_eq!(query.insurer_number, "01130013");
    }

    #[test]
    fn an_answer_is_shown_and_a_stale_one_ignored() {
        let state = run(filled(), [submit()]);
        let stale = Action::Resolved {
            seq: 99,
            result: Ok(answer(QualificationStatus::Valid)),
        };
        assert!(state.apply(stale).is_none());
        let state = run(
            state,
            [Action::Resolved {
                seq: 1,
                result: Ok(answer(QualificationStatus::Valid)),
            }],
        );
        let (seq, origin, shown) = state.shown().expect("shown");
        assert_eq!(seq, 1);
        let Origin::InsuranceCard(query) = origin else {
            panic!("{origin:?}")
        };
        assert_eq!(query.number, "4567");
        assert_eq!(shown.status, QualificationStatus::Valid);
    }

    #[test]
    fn cancel_keeps_everything_typed_and_ignores_the_late_answer() {
        let before = filled();
        let state = run(before.clone(), [submit(), Action::Cancel]);
        assert_eq!(
            state.phase,
            Phase::Editing {
                notice: Some(Notice::Cancelled)
            }
        );
        assert_eq!(state.form.value(Field::Number), "4567");
        let late = Action::Resolved {
            seq: 1,
            result: Ok(answer(QualificationStatus::Valid)),
        };
        assert!(state.apply(late).is_none());
        // Typing again clears the notice.
        let state = run(state, [Action::Edit(Field::Symbol, "1".into())]);
        assert_eq!(state.phase, Phase::Editing { notice: None });
    }

    #[test]
    fn edits_are_ignored_while_submitting() {
        let state = run(filled(), [submit()]);
        assert!(state
            .apply(Action::Edit(Field::Number, "9".into()))
            .is_none());
        assert!(state.apply(submit()).is_none());
        assert!(state.apply(Action::Retry).is_none());
    }

    #[test]
    fn failure_then_retry_sends_the_query_on_screen() {
        let state = run(
            filled(),
            [
                submit(),
                Action::Resolved {
                    seq: 1,
                    result: Err(ClientError::Unreachable),
                },
            ],
        );
        let Phase::Failed { error, query } = &state.phase else {
            panic!("{:?}", state.phase)
        };
        assert_eq!(*error, ClientError::Unreachable);
        let sent = query.clone();
        assert_eq!(state.form.value(Field::Birthdate), "19850412");
        // Untouched, Retry sends the same query again.
        let retried = run(state.clone(), [Action::Retry]);
        let (seq, query) = retried.in_flight().unwrap();
        assert_eq!(seq, 2);
        assert_eq!(*query, sent);

        // An edit after the error: the stale error goes, nothing typed is lost, and
        // there is no Retry of the old query any more; Submit sends the edited one.
        let edited = run(state, [Action::Edit(Field::Number, "4568".into())]);
        assert_eq!(edited.phase, Phase::Editing { notice: None });
        assert_eq!(edited.form.value(Field::Number), "4568");
        assert_eq!(edited.form.value(Field::Birthdate), "19850412");
        assert!(edited.apply(Action::Retry).is_none());
        let resent = run(edited, [submit()]);
        let (seq, query) = resent.in_flight().unwrap();
        assert_eq!(seq, 2);
        assert_eq!(query.number, "4568");
        assert_eq!(query.birthdate, sent.birthdate);
    }

    #[test]
    fn an_edit_next_to_a_result_withdraws_the_result() {
        let shown = run(
            filled(),
            [
                submit(),
                Action::Resolved {
                    seq: 1,
                    result: Ok(answer(QualificationStatus::Valid)),
                },
            ],
        );
        assert!(shown.shown().is_some());
        let edited = run(shown.clone(), [Action::Edit(Field::Branch, "02".into())]);
        assert_eq!(edited.phase, Phase::Editing { notice: None });
        assert!(edited.shown().is_none());
        assert_eq!(edited.form.value(Field::Branch), "02");
        assert_eq!(edited.form.value(Field::Number), "4567");
        let resent = run(edited, [submit()]);
        assert_eq!(resent.in_flight().unwrap().1.branch, "02");
        // Ticking the consent box is an edit too.
        let ticked = run(shown, [Action::SetLimitConsent(true)]);
        assert_eq!(ticked.phase, Phase::Editing { notice: None });
        // A face-reader result goes the same way.
        let face = run(
            Reception::default(),
            [Action::OpenEntry(Box::new(queued(
                3,
                ReceptionEventKind::FaceResult,
                answer(QualificationStatus::Valid),
            )))],
        );
        let edited = run(face, [Action::Edit(Field::Number, "1".into())]);
        assert_eq!(edited.phase, Phase::Editing { notice: None });
    }

    #[test]
    fn the_limit_consent_is_sent_kept_on_error_and_reset_for_the_next_patient() {
        let state = run(filled(), [Action::SetLimitConsent(true), submit()]);
        assert!(state.in_flight().unwrap().1.limit_consent);
        assert!(state.apply(Action::SetLimitConsent(false)).is_none());
        let failed = run(
            state,
            [Action::Resolved {
                seq: 1,
                result: Err(ClientError::Timeout),
            }],
        );
        assert!(failed.form.limit_consent, "kept on error");
        let retried = run(failed.clone(), [Action::Retry]);
        assert!(retried.in_flight().unwrap().1.limit_consent);
        let next = run(failed, [Action::NextPatient]);
        assert!(!next.form.limit_consent, "not carried to the next patient");
        let state = run(filled(), [submit()]);
        assert!(!state.in_flight().unwrap().1.limit_consent);
    }

    #[test]
    fn field_codes_that_mark_no_field_are_a_failure() {
        let state = run(
            filled(),
            [
                submit(),
                Action::Resolved {
                    seq: 1,
                    result: Err(api(ErrorCode::InvalidInput, &[("nonsense", "format")])),
                },
            ],
        );
        assert!(
            matches!(state.phase, Phase::Failed { .. }),
            "{:?}",
            state.phase
        );
    }

    #[test]
    fn field_errors_from_the_gateway_go_back_to_the_form() {
        let state = run(
            filled(),
            [
                submit(),
                Action::Resolved {
                    seq: 1,
                    result: Err(api(ErrorCode::InvalidInput, &[("number", "format")])),
                },
            ],
        );
        assert_eq!(state.phase, Phase::Editing { notice: None });
        assert_eq!(
            state.form.server_problems,
            BTreeMap::from([(Field::Number, FieldProblem::Format)])
        );
    }

    #[test]
    fn a_gateway_check_digit_error_withdraws_the_override() {
        let state = run(
            filled(),
            [
                Action::SendAsPrinted {
                    today: TODAY.into(),
                },
                Action::Resolved {
                    seq: 1,
                    result: Err(api(
                        ErrorCode::CheckDigit,
                        &[("insurer_number", "check_digit")],
                    )),
                },
            ],
        );
        assert!(!state.form.override_check_digit);
        assert_eq!(
            state.form.assess(TODAY).verdict,
            crate::form::Verdict::CheckDigitOnly
        );
    }

    #[test]
    fn an_api_error_without_fields_is_a_failure() {
        let state = run(
            filled(),
            [
                submit(),
                Action::Resolved {
                    seq: 1,
                    result: Err(api(ErrorCode::TerminalTimeout, &[])),
                },
            ],
        );
        assert!(matches!(state.phase, Phase::Failed { .. }));
    }

    #[test]
    fn next_patient_clears_the_form_but_not_the_sequence() {
        let state = run(
            filled(),
            [
                submit(),
                Action::Resolved {
                    seq: 1,
                    result: Ok(answer(QualificationStatus::Valid)),
                },
                Action::NextPatient,
            ],
        );
        assert_eq!(state.form, FormState::default());
        assert_eq!(state.phase, Phase::Editing { notice: None });
        let state = run(
            state,
            [
                Action::Edit(Field::InsurerNumber, "01130012".into()),
                Action::Edit(Field::Number, "1".into()),
                Action::Edit(Field::Birthdate, "19850412".into()),
                submit(),
            ],
        );
        assert_eq!(state.in_flight().unwrap().0, 2);
    }

    #[test]
    fn the_queue_place_follows_the_polls_of_the_current_request_only() {
        let waiting = |ahead| Action::QueuePlace {
            seq: 1,
            place: Some(QueuePlace::Waiting { ahead }),
        };
        assert!(filled().apply(waiting(3)).is_none(), "nothing in flight");
        let state = run(filled(), [submit()]);
        assert_eq!(state.queue_place(), None, "unknown until a poll answers");
        let state = run(state, [waiting(3)]);
        assert_eq!(state.queue_place(), Some(QueuePlace::Waiting { ahead: 3 }));
        assert!(
            state.apply(waiting(3)).is_none(),
            "the same place: no re-render"
        );
        let state = run(
            state,
            [Action::QueuePlace {
                seq: 1,
                place: Some(QueuePlace::AtTerminal),
            }],
        );
        assert_eq!(state.queue_place(), Some(QueuePlace::AtTerminal));
        // A failed or 404 poll claims nothing.
        let state = run(
            state,
            [
                waiting(1),
                Action::QueuePlace {
                    seq: 1,
                    place: None,
                },
            ],
        );
        assert_eq!(state.queue_place(), None);

        // After cancel and a new request, the old request's poll is ignored.
        let state = run(state, [waiting(2), Action::Cancel, submit()]);
        assert_eq!(state.in_flight().unwrap().0, 2);
        assert_eq!(state.queue_place(), None, "a new request starts unplaced");
        assert!(state.apply(waiting(5)).is_none(), "seq 1 is gone");
        // The answer ends the wait, and a late poll cannot bring it back.
        let answered = run(
            state,
            [Action::Resolved {
                seq: 2,
                result: Ok(answer(QualificationStatus::Valid)),
            }],
        );
        assert!(answered.shown().is_some());
        assert!(answered
            .apply(Action::QueuePlace {
                seq: 2,
                place: Some(QueuePlace::Waiting { ahead: 1 }),
            })
            .is_none());
        assert_eq!(answered.queue_place(), None);
    }

    #[test]
    fn blur_marks_touched_once() {
        let state = run(Reception::default(), [Action::Blur(Field::Number)]);
        assert!(state.form.is_touched(Field::Number));
        assert!(state.apply(Action::Blur(Field::Number)).is_none());
    }

    // --- My Number Card on the gateway's reader ---

    use onshi_core::card_session::{CardErrorCode, CardSessionError, TokenKind};

    use crate::card::Busy;

    fn view(id: &str, state: CardSessionState) -> CardSessionView {
        CardSessionView {
            id: id.into(),
            state,
            secret: None,
        }
    }

    fn pin_required(tries_left: u8, failed: bool) -> CardSessionState {
        CardSessionState::PinRequired {
            tries_left,
            token: TokenKind::Card,
            previous_attempt_failed: failed,
        }
    }

    fn card_step(seq: u64, action: CardAction) -> Action {
        Action::Card { seq, action }
    }

    /// A card attempt whose session `s1` waits for the card.
    fn waiting() -> Reception {
        run(
            Reception::default(),
            [
                Action::StartCard,
                card_step(
                    1,
                    CardAction::Started(Ok(view(
                        "s1",
                        CardSessionState::WaitingForCard { readers: vec![] },
                    ))),
                ),
            ],
        )
    }

    fn flow(state: &Reception) -> &CardFlow {
        state.card().expect("card phase").1
    }

    #[test]
    fn a_card_session_follows_the_gateways_reports_to_the_result() {
        let state = run(Reception::default(), [Action::StartCard]);
        assert_eq!(flow(&state).stage, CardStage::Starting);
        assert!(state.card_active());
        let state = run(
            state,
            [card_step(
                1,
                CardAction::Started(Ok(view(
                    "s1",
                    CardSessionState::WaitingForCard { readers: vec![] },
                ))),
            )],
        );
        assert_eq!(flow(&state).session_id.as_deref(), Some("s1"));
        let state = run(
            state,
            [
                Action::CardReport(view("s1", CardSessionState::Reading)),
                Action::CardReport(view("s1", pin_required(3, false))),
            ],
        );
        assert_eq!(flow(&state).tries_left(), Some(3));
        let revision = flow(&state).revision;
        let state = run(
            state,
            [
                card_step(1, CardAction::Sending(Busy::Pin)),
                Action::CardReport(view("s1", CardSessionState::Verifying)),
            ],
        );
        assert_eq!(flow(&state).busy, None, "a report ends the step");
        assert!(flow(&state).revision > revision);
        let state = run(
            state,
            [Action::CardReport(view(
                "s1",
                CardSessionState::Done {
                    method: VerificationMethod::Pin,
                    answer: answer(QualificationStatus::Valid),
                },
            ))],
        );
        let (_, origin, shown) = state.shown().expect("result shown");
        assert_eq!(
            *origin,
            Origin::MyNumberCard {
                verification: VerificationMethod::Pin
            }
        );
        assert_eq!(shown.status, QualificationStatus::Valid);
        assert_eq!(state.abandoned, None, "a finished session needs no cancel");
    }

    #[test]
    fn a_session_done_here_is_remembered_for_the_queue() {
        let done = || {
            Action::CardReport(view(
                "s1",
                CardSessionState::Done {
                    method: VerificationMethod::Pin,
                    answer: answer(QualificationStatus::Valid),
                },
            ))
        };
        assert_eq!(waiting().finished, None);
        let state = run(waiting(), [done()]);
        assert_eq!(
            state.finished,
            Some(FinishedCard {
                seq: 1,
                session_id: "s1".into()
            })
        );
        let state = run(state, [Action::NextPatient]);
        assert_eq!(state.finished.as_ref().unwrap().seq, 1, "kept");
        // A second read: a session that is done as soon as it starts.
        let state = run(
            state,
            [
                Action::StartCard,
                card_step(
                    3,
                    CardAction::Started(Ok(view(
                        "s2",
                        CardSessionState::Done {
                            method: VerificationMethod::VisualCheck,
                            answer: answer(QualificationStatus::Valid),
                        },
                    ))),
                ),
            ],
        );
        assert!(state.shown().is_some());
        assert_eq!(
            state.finished,
            Some(FinishedCard {
                seq: 2,
                session_id: "s2".into()
            })
        );
        // Cancelled or failed sessions show nothing, so nothing is remembered.
        let cancelled = run(
            waiting(),
            [Action::CardReport(view("s1", CardSessionState::Cancelled))],
        );
        assert_eq!(cancelled.finished, None);
    }

    #[test]
    fn reports_of_other_sessions_and_after_the_end_are_ignored() {
        let state = waiting();
        assert!(state
            .apply(Action::CardReport(view("other", CardSessionState::Reading)))
            .is_none());
        let failed = run(
            state,
            [Action::CardReport(view(
                "s1",
                CardSessionState::Failed {
                    error: CardSessionError {
                        code: CardErrorCode::CardRemoved,
                        message: "removed".into(),
                    },
                },
            ))],
        );
        assert!(!failed.card_active());
        assert!(failed
            .apply(Action::CardReport(view("s1", CardSessionState::Reading)))
            .is_none());
        // A stale answer of an older attempt changes nothing either.
        assert!(failed
            .apply(card_step(9, CardAction::StepFailed(ClientError::Timeout)))
            .is_none());
    }

    #[test]
    fn a_failed_session_can_be_retried_with_a_new_session() {
        let failed = run(
            waiting(),
            [Action::CardReport(view(
                "s1",
                CardSessionState::Failed {
                    error: CardSessionError {
                        code: CardErrorCode::CardRemoved,
                        message: "removed".into(),
                    },
                },
            ))],
        );
        let retry = run(failed.clone(), [Action::StartCard]);
        let (seq, flow) = retry.card().unwrap();
        assert_eq!(seq, 2);
        assert_eq!(flow.stage, CardStage::Starting);
        assert_eq!(flow.session_id, None);
        let closed = run(failed, [Action::CloseCard]);
        assert_eq!(closed.phase, Phase::Editing { notice: None });
    }

    #[test]
    fn cancel_at_any_step_abandons_the_live_session() {
        for report in [
            CardSessionState::WaitingForCard { readers: vec![] },
            CardSessionState::Reading,
            pin_required(2, true),
            CardSessionState::Verifying,
        ] {
            let state = run(
                waiting(),
                [Action::CardReport(view("s1", report)), Action::CancelCard],
            );
            assert_eq!(
                state.phase,
                Phase::Editing {
                    notice: Some(Notice::CardCancelled)
                }
            );
            assert_eq!(
                state.abandoned,
                Some(Abandoned {
                    seq: 1,
                    session_id: "s1".into()
                })
            );
        }
    }

    #[test]
    fn cancel_before_the_session_exists_cancels_it_when_it_arrives() {
        let state = run(
            Reception::default(),
            [Action::StartCard, Action::CancelCard],
        );
        assert_eq!(state.abandoned, None, "no id yet");
        let state = run(
            state,
            [card_step(
                1,
                CardAction::Started(Ok(view("late", CardSessionState::Reading))),
            )],
        );
        assert_eq!(
            state.abandoned.as_ref().map(|a| a.session_id.as_str()),
            Some("late")
        );
        assert!(state.card().is_none());
    }

    #[test]
    fn opening_a_face_result_leaves_a_card_session_and_shows_the_answer() {
        let state = run(
            waiting(),
            [Action::OpenEntry(Box::new(queued(
                7,
                ReceptionEventKind::FaceResult,
                answer(QualificationStatus::Valid),
            )))],
        );
        let (_, origin, _) = state.shown().unwrap();
        assert!(matches!(origin, Origin::Face { event_id: 7, .. }));
        assert_eq!(state.abandoned.as_ref().unwrap().session_id, "s1");
    }

    #[test]
    fn opening_a_card_result_keeps_its_method_and_a_refused_file_opens_nothing() {
        let mut event = queued(
            9,
            ReceptionEventKind::CardResult,
            answer(QualificationStatus::Valid),
        );
        event.verification = Some(VerificationMethod::VisualCheck);
        let state = run(Reception::default(), [Action::OpenEntry(Box::new(event))]);
        let (_, origin, _) = state.shown().unwrap();
        assert_eq!(
            origin,
            &Origin::QueuedCard {
                event_id: 9,
                received_at: "2026-11-25T09:05:00.000+09:00".into(),
                verification: Some(VerificationMethod::VisualCheck),
            }
        );
        let mut refused = queued(
            10,
            ReceptionEventKind::FaceError,
            answer(QualificationStatus::Valid),
        );
        refused.answer = None;
        assert!(Reception::default()
            .apply(Action::OpenEntry(Box::new(refused)))
            .is_none());
    }

    #[test]
    fn a_start_failure_stays_on_the_card_panel() {
        let state = run(
            Reception::default(),
            [
                Action::StartCard,
                card_step(1, CardAction::Started(Err(ClientError::Unreachable))),
            ],
        );
        assert_eq!(
            flow(&state).stage,
            CardStage::StartFailed(ClientError::Unreachable)
        );
        assert!(!state.card_active());
        assert!(state.apply(Action::CancelCard).is_none());
        assert!(run(state, [Action::StartCard]).card_active());
    }

    #[test]
    fn the_failure_on_screen_is_the_number_checks_or_the_cards() {
        assert_eq!(filled().failure(), None);
        let submitted = run(filled(), [submit()]);
        assert_eq!(submitted.failure(), None);
        let failed = run(
            submitted,
            [Action::Resolved {
                seq: 1,
                result: Err(ClientError::Timeout),
            }],
        );
        assert_eq!(failed.failure(), Some(&ClientError::Timeout));
        assert_eq!(run(failed, [Action::Retry]).failure(), None);

        let start_failed = run(
            Reception::default(),
            [
                Action::StartCard,
                card_step(1, CardAction::Started(Err(ClientError::Unreachable))),
            ],
        );
        assert_eq!(start_failed.failure(), Some(&ClientError::Unreachable));
        assert_eq!(waiting().failure(), None);
        let poll_failed = run(
            waiting(),
            [card_step(1, CardAction::PollFailed(ClientError::Timeout))],
        );
        assert_eq!(poll_failed.failure(), Some(&ClientError::Timeout));
        // A report of the session clears it.
        let reported = run(
            poll_failed,
            [Action::CardReport(view("s1", CardSessionState::Reading))],
        );
        assert_eq!(reported.failure(), None);
    }

    #[test]
    fn the_card_is_not_started_while_a_number_check_runs_or_twice() {
        let state = run(filled(), [submit()]);
        assert!(state.apply(Action::StartCard).is_none());
        assert!(waiting().apply(Action::StartCard).is_none());
    }

    #[test]
    fn visual_check_needs_the_tick_and_pin_steps_need_the_pin_stage() {
        let state = waiting();
        assert!(state
            .apply(card_step(1, CardAction::Sending(Busy::Pin)))
            .is_none());
        assert!(state
            .apply(card_step(1, CardAction::OpenVisualCheck))
            .is_none());
        let state = run(
            state,
            [
                Action::CardReport(view("s1", pin_required(3, false))),
                card_step(1, CardAction::OpenVisualCheck),
            ],
        );
        assert_eq!(flow(&state).visual_check, Some(false));
        let state = run(state, [card_step(1, CardAction::TickVisualCheck(true))]);
        assert_eq!(flow(&state).visual_check, Some(true));
        let state = run(
            state,
            [
                card_step(1, CardAction::Sending(Busy::VisualCheck)),
                card_step(1, CardAction::StepFailed(ClientError::Timeout)),
            ],
        );
        assert_eq!(flow(&state).busy, None);
        assert_eq!(flow(&state).request_error, Some(ClientError::Timeout));
        assert_eq!(
            flow(&state).visual_check,
            Some(true),
            "kept for another try"
        );
        let state = run(
            state,
            [Action::CardReport(view("s1", CardSessionState::Verifying))],
        );
        assert_eq!(flow(&state).visual_check, None);
        assert_eq!(flow(&state).request_error, None);
    }

    #[test]
    fn a_missed_poll_re_arms_the_fallback() {
        let state = waiting();
        let before = flow(&state).revision;
        let state = run(
            state,
            [card_step(
                1,
                CardAction::PollFailed(ClientError::Unreachable),
            )],
        );
        assert_eq!(flow(&state).revision, before + 1);
        assert_eq!(flow(&state).request_error, Some(ClientError::Unreachable));
    }

    #[test]
    fn the_gateway_cancelling_returns_to_the_form() {
        let state = run(
            waiting(),
            [Action::CardReport(view("s1", CardSessionState::Cancelled))],
        );
        assert_eq!(
            state.phase,
            Phase::Editing {
                notice: Some(Notice::CardCancelled)
            }
        );
        assert_eq!(state.abandoned, None);
    }
}
