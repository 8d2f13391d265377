//! The reception state machine: Editing → Submitting → Shown / Failed, with cancel,
//! retry and a reset for the next patient. Pure data, so every transition is tested
//! with plain `cargo test`; the component only dispatches [`Action`]s.

use std::rc::Rc;

use onshi_core::api::{ErrorCode, QualificationAnswer, QualificationQuery};
use yew::Reducible;

use crate::api::ClientError;
use crate::form::{Field, FormState, Verdict};

/// A short note shown above the form while editing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Notice {
    Cancelled,
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
    },
    Shown {
        seq: u64,
        query: QualificationQuery,
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
    last_seq: u64,
}

impl Default for Reception {
    fn default() -> Self {
        Self {
            form: FormState::default(),
            phase: Phase::Editing { notice: None },
            last_seq: 0,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    Edit(Field, String),
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
    Cancel,
    Retry,
    NextPatient,
}

impl Reception {
    pub fn is_submitting(&self) -> bool {
        matches!(self.phase, Phase::Submitting { .. })
    }

    /// The request to run now, if any.
    pub fn in_flight(&self) -> Option<(u64, &QualificationQuery)> {
        match &self.phase {
            Phase::Submitting { seq, query } => Some((*seq, query)),
            _ => None,
        }
    }

    /// The answer on screen, with the request that produced it.
    pub fn shown(&self) -> Option<(u64, &QualificationQuery, &QualificationAnswer)> {
        match &self.phase {
            Phase::Shown { seq, query, answer } => Some((*seq, query, answer)),
            _ => None,
        }
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
                if let Phase::Editing { notice } = &mut next.phase {
                    *notice = None;
                }
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
                } = &self.phase
                else {
                    return None;
                };
                if *current != seq {
                    return None;
                }
                next.resolve(seq, query.clone(), result);
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
            }
        }
        Some(next)
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
        };
    }

    fn resolve(
        &mut self,
        seq: u64,
        query: QualificationQuery,
        result: Result<QualificationAnswer, ClientError>,
    ) {
        self.phase = match result {
            Ok(answer) => Phase::Shown { seq, query, answer },
            Err(ClientError::Cancelled) => Phase::Editing {
                notice: Some(Notice::Cancelled),
            },
            // Field problems belong next to the fields, not in an error box.
            Err(ClientError::Api { error, .. })
                if matches!(error.code, ErrorCode::InvalidInput | ErrorCode::CheckDigit)
                    && !error.fields.is_empty() =>
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
        let (seq, query, shown) = state.shown().expect("shown");
        assert_eq!(seq, 1);
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
    fn failure_then_retry_sends_the_same_query_again() {
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
        let state = run(state, [Action::Retry]);
        let (seq, query) = state.in_flight().unwrap();
        assert_eq!(seq, 2);
        assert_eq!(*query, sent);
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
    fn blur_marks_touched_once() {
        let state = run(Reception::default(), [Action::Blur(Field::Number)]);
        assert!(state.form.is_touched(Field::Number));
        assert!(state.apply(Action::Blur(Field::Number)).is_none());
    }
}
