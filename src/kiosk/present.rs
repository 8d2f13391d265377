//! What each kiosk screen shows, as plain data made from the state: the views only lay
//! it out.

use onshi_core::card_session::{CardErrorCode, CardSessionState};
use onshi_core::consent::ReceiptError;
use onshi_core::consent::{ConsentCategory, ConsentDecisions, ConsentOverview, ConsentState};

use super::flow::{Kiosk, Load, Question, Screen};
use super::text::{self, Msg};
use crate::api::ClientError;
use crate::card::{CardFlow, CardStage};

/// A stable name of the screen, for tests and host styling (`data-screen`).
pub fn screen_key(kiosk: &Kiosk) -> &'static str {
    match &kiosk.screen {
        Screen::Card { flow, .. } => match card_view(flow) {
            CardView::Start => "start",
            CardView::Busy(Msg::Reading) => "reading",
            CardView::Busy(_) => "verifying",
            CardView::Pin { .. } => "pin",
            CardView::Failed { .. } | CardView::StartFailed => "card_failed",
        },
        Screen::Overview { .. } => "overview",
        Screen::Question(_) => "question",
        Screen::Summary { .. } => "summary",
        Screen::Done { .. } => "done",
    }
}

/// The card steps as the patient sees them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CardView {
    /// "Please place your card" (starting, or waiting for a card).
    Start,
    /// Reading or verifying: one sentence and a progress bar.
    Busy(Msg),
    Pin {
        tries_left: u8,
        previous_attempt_failed: bool,
    },
    /// Ended without a result; `blocked`: the card needs the city office.
    Failed { blocked: bool },
    /// The session could not be started (gateway down, not signed in): staff must help.
    StartFailed,
}

pub fn card_view(flow: &CardFlow) -> CardView {
    match &flow.stage {
        CardStage::Starting => CardView::Start,
        CardStage::StartFailed(_) => CardView::StartFailed,
        CardStage::Session(state) => match state {
            CardSessionState::WaitingForCard { .. } | CardSessionState::Cancelled => {
                CardView::Start
            }
            CardSessionState::Reading => CardView::Busy(Msg::Reading),
            CardSessionState::Verifying | CardSessionState::Done { .. } => {
                CardView::Busy(Msg::Verifying)
            }
            CardSessionState::PinRequired {
                tries_left,
                previous_attempt_failed,
                ..
            } => CardView::Pin {
                tries_left: *tries_left,
                previous_attempt_failed: *previous_attempt_failed,
            },
            CardSessionState::Failed { error } => CardView::Failed {
                blocked: matches!(
                    error.code,
                    CardErrorCode::PinBlocked | CardErrorCode::CertificateExpired
                ),
            },
        },
    }
}

/// One category in the consents on record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OverviewRow {
    pub category: ConsentCategory,
    pub name: Msg,
    pub status: RowStatus,
    /// The consent to withdraw (only one that still allows viewing).
    pub withdraw: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowStatus {
    /// Viewing allowed until (Unix seconds).
    Until(i64),
    Said(Msg),
}

/// The categories with a consent on record, in the wire order.
pub fn overview_rows(overview: &ConsentOverview) -> Vec<OverviewRow> {
    ConsentCategory::ALL
        .iter()
        .filter_map(|category| {
            let state = overview.states.get(category)?;
            let (status, withdraw) = match state {
                ConsentState::Valid { id, until, .. } => {
                    (RowStatus::Until(*until), Some(id.clone()))
                }
                ConsentState::Refused { .. } => (RowStatus::Said(Msg::StateRefused), None),
                ConsentState::Expired { .. } => (RowStatus::Said(Msg::StateExpired), None),
                ConsentState::Withdrawn { .. } => (RowStatus::Said(Msg::StateWithdrawn), None),
                ConsentState::None => return None,
            };
            Some(OverviewRow {
                category: *category,
                name: text::category(*category),
                status,
                withdraw,
            })
        })
        .collect()
}

/// The overview screen's parts.
pub fn overview_load(kiosk: &Kiosk) -> Option<&Load<ConsentOverview>> {
    match &kiosk.screen {
        Screen::Overview { load, .. } => Some(load),
        _ => None,
    }
}

/// One question screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QuestionView {
    pub question: Question,
    pub title: Msg,
    pub explain: Msg,
    /// Who sees it and for how long (the categories), or nothing (the sharing questions).
    pub who: Option<Msg>,
    pub ask: Msg,
    /// 1-based.
    pub number: usize,
    pub total: usize,
    /// The answer given before (when changing it), to mark.
    pub current: Option<bool>,
    pub can_go_back: bool,
}

pub fn question_view(kiosk: &Kiosk, question: Question) -> QuestionView {
    let (title, explain, who, ask) = match question {
        Question::Category(c) => (
            text::category(c),
            text::category_explain(c),
            Some(Msg::WhoAndHowLong),
            Msg::AskShow,
        ),
        Question::Limit => (Msg::Limit, Msg::LimitExplain, None, Msg::AskShare),
        Question::Disease => (Msg::Disease, Msg::DiseaseExplain, None, Msg::AskShare),
    };
    let index = kiosk
        .questions
        .iter()
        .position(|q| *q == question)
        .unwrap_or(0);
    QuestionView {
        question,
        title,
        explain,
        who,
        ask,
        number: index + 1,
        total: kiosk.questions.len(),
        current: question.answer(&kiosk.decisions),
        can_go_back: index > 0 || kiosk.reviewing,
    }
}

/// One answer in the summary or on the done screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AnswerRow {
    pub question: Question,
    pub name: Msg,
    pub answer: Msg,
    pub yes: bool,
}

fn name_of(question: Question) -> Msg {
    match question {
        Question::Category(c) => text::category(c),
        Question::Limit => Msg::Limit,
        Question::Disease => Msg::Disease,
    }
}

/// The answers to `questions` in `decisions` (unanswered ones are left out).
pub fn answer_rows(questions: &[Question], decisions: &ConsentDecisions) -> Vec<AnswerRow> {
    questions
        .iter()
        .filter_map(|q| {
            let yes = q.answer(decisions)?;
            let answer = match (q, yes) {
                (Question::Category(_), true) => Msg::Shown,
                (Question::Category(_), false) => Msg::NotShown,
                (_, true) => Msg::Shared,
                (_, false) => Msg::NotShared,
            };
            Some(AnswerRow {
                question: *q,
                name: name_of(*q),
                answer,
                yes,
            })
        })
        .collect()
}

/// Why a consent was not recorded, in words: a receipt that fails is never a success.
pub fn record_error(error: &ClientError) -> Msg {
    match error {
        ClientError::Receipt(ReceiptError::Expired) => Msg::ReceiptExpired,
        ClientError::Receipt(_) | ClientError::AnswerSignature(_) => Msg::ReceiptRefused,
        _ => Msg::RecordFailed,
    }
}

/// A stable name of a recording failure (`data-error`).
pub fn record_error_key(error: &ClientError) -> &'static str {
    match record_error(error) {
        Msg::ReceiptExpired => "receipt_expired",
        Msg::ReceiptRefused => "receipt_refused",
        _ => "record_failed",
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use onshi_core::consent::ConsentSource;
    use onshi_core::jose::JwsError;

    use super::*;

    #[test]
    fn only_a_verified_receipt_can_succeed_and_each_refusal_has_its_words() {
        assert_eq!(
            record_error(&ClientError::Receipt(ReceiptError::Expired)),
            Msg::ReceiptExpired
        );
        assert_eq!(
            record_error(&ClientError::Receipt(ReceiptError::Signature(
                JwsError::BadSignature
            ))),
            Msg::ReceiptRefused
        );
        assert_eq!(
            record_error(&ClientError::AnswerSignature("no receipt".into())),
            Msg::ReceiptRefused
        );
        assert_eq!(record_error(&ClientError::Timeout), Msg::RecordFailed);
    }

    #[test]
    fn overview_rows_offer_withdrawal_only_for_a_valid_consent() {
        let states = BTreeMap::from([
            (
                ConsentCategory::Medications,
                ConsentState::Valid {
                    id: "c1".into(),
                    source: ConsentSource::Kiosk,
                    until: 99,
                },
            ),
            (
                ConsentCategory::Checkups,
                ConsentState::Refused { id: "c1".into() },
            ),
            (ConsentCategory::Diagnoses, ConsentState::None),
        ]);
        let rows = overview_rows(&ConsentOverview {
            consents: Vec::new(),
            states,
        });
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].withdraw.as_deref(), Some("c1"));
        assert_eq!(rows[0].status, RowStatus::Until(99));
        assert_eq!(rows[1].withdraw, None);
        assert_eq!(rows[1].status, RowStatus::Said(Msg::StateRefused));
    }

    #[test]
    fn answers_read_as_show_or_tell() {
        let questions = Question::for_categories(&[ConsentCategory::Medications]);
        let decisions = ConsentDecisions {
            medications: Some(false),
            limit_certificate: Some(true),
            ..Default::default()
        };
        let rows = answer_rows(&questions, &decisions);
        assert_eq!(
            rows.iter().map(|r| (r.name, r.answer)).collect::<Vec<_>>(),
            vec![(Msg::Medications, Msg::NotShown), (Msg::Limit, Msg::Shared)]
        );
    }
}
