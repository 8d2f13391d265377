use std::collections::BTreeMap;

use onshi_core::api::{QualificationAnswer, QualificationStatus};
use onshi_core::card_session::{CardSessionError, TokenKind, VerificationMethod};
use onshi_core::consent::{ConsentSource, ConsentState, ReceiptClaims, ReceiptError};

use super::*;

const T: Timing = Timing {
    idle_ms: 60_000,
    warning_ms: 20_000,
    done_ms: 15_000,
    watch_ms: 2_000,
};

fn kiosk() -> Kiosk {
    Kiosk::new(
        KioskLang::Ja,
        &[ConsentCategory::Medications, ConsentCategory::Checkups],
        T,
    )
}

fn run(k: Kiosk, actions: impl IntoIterator<Item = Action>) -> Kiosk {
    actions.into_iter().fold(k, |k, a| k.apply(a).unwrap_or(k))
}

fn view(id: &str, state: CardSessionState) -> CardSessionView {
    CardSessionView {
        id: id.into(),
        state,
        secret: None,
    }
}

fn pin(tries_left: u8) -> CardSessionState {
    CardSessionState::PinRequired {
        tries_left,
        token: TokenKind::Card,
        previous_attempt_failed: false,
    }
}

fn done() -> CardSessionState {
    CardSessionState::Done {
        method: VerificationMethod::Pin,
        answer: QualificationAnswer {
            status: QualificationStatus::Valid,
            validity_code: None,
            reference_classification: None,
            checked_at: None,
            advisory: None,
            results: Vec::new(),
            token: None,
        },
    }
}

fn waiting() -> CardSessionState {
    CardSessionState::WaitingForCard {
        readers: Vec::new(),
    }
}

fn record(id: &str, medications: bool, given_at: i64) -> ConsentRecord {
    ConsentRecord {
        id: id.into(),
        patient: "p".into(),
        source: ConsentSource::Kiosk,
        method: VerificationMethod::Pin,
        decisions: ConsentDecisions {
            medications: Some(medications),
            ..Default::default()
        },
        given_at,
        valid_until: given_at + 86_400,
        withdrawn_at: None,
        receipt: None,
    }
}

fn overview(records: Vec<ConsentRecord>, now: i64) -> ConsentOverview {
    let states: BTreeMap<_, _> = ConsentCategory::ALL
        .iter()
        .map(|c| (*c, state_of(&records, *c, now)))
        .collect();
    ConsentOverview {
        consents: records,
        states,
    }
}

/// Started at 1 s, the card read and the PIN accepted: the consents are loading.
fn authenticated() -> Kiosk {
    let k = run(
        kiosk(),
        [
            Action::Tick { now: 500 },
            Action::Card {
                seq: 1,
                action: CardAction::Started(Ok(view("s1", waiting()))),
            },
            Action::CardReport(view("s1", CardSessionState::Reading)),
            Action::CardReport(view("s1", pin(3))),
            Action::CardReport(view("s1", done())),
            Action::Tick { now: 1_000 },
        ],
    );
    assert!(matches!(
        k.screen,
        Screen::Overview {
            load: Load::Loading,
            ..
        }
    ));
    k
}

fn to_summary(k: Kiosk) -> Kiosk {
    let (seq, _) = k.overview_request().expect("loading");
    run(
        k,
        [
            Action::OverviewLoaded {
                seq,
                result: Ok(overview(Vec::new(), 0)),
            },
            Action::Answer(Question::Category(ConsentCategory::Medications), true),
            Action::Answer(Question::Category(ConsentCategory::Checkups), false),
            Action::Answer(Question::Limit, true),
            Action::Answer(Question::Disease, false),
        ],
    )
}

fn recorded(decisions: ConsentDecisions) -> Recorded {
    let mut record = record("c1", true, 1_800_000_000);
    record.decisions = decisions;
    Recorded {
        claims: ReceiptClaims::for_record(&record, "1312345678"),
        record,
    }
}

#[test]
fn the_questions_follow_the_facility_setting_then_the_two_sharing_questions() {
    assert_eq!(
        Question::for_categories(&[ConsentCategory::Operations, ConsentCategory::Medications]),
        vec![
            Question::Category(ConsentCategory::Medications),
            Question::Category(ConsentCategory::Operations),
            Question::Limit,
            Question::Disease
        ]
    );
}

#[test]
fn the_whole_flow_records_what_was_answered() {
    let k = to_summary(authenticated());
    assert_eq!(k.screen, summary());
    assert!(k.complete());
    let k = k.apply(Action::Confirm).expect("sending");
    let (seq, session, decisions) = k.record_request().expect("request");
    assert_eq!(session, "s1");
    assert_eq!(decisions.medications, Some(true));
    assert_eq!(decisions.checkups, Some(false));
    assert_eq!(decisions.diagnoses, None, "not shown, not asked");
    assert_eq!(decisions.limit_certificate, Some(true));
    assert_eq!(decisions.specific_disease, Some(false));
    assert!(
        k.apply(Action::Confirm).is_none(),
        "one recording at a time"
    );
    let k = k
        .apply(Action::Recorded {
            seq,
            result: Ok(recorded(decisions)),
        })
        .expect("done");
    assert!(matches!(
        k.screen,
        Screen::Done {
            leave_at: 16_000,
            ..
        }
    ));
    assert!(!k.idle.is_armed());
    assert_eq!(k.done_seconds_left(), Some(15));
}

#[test]
fn a_refused_receipt_is_an_error_never_done() {
    let k = to_summary(authenticated()).apply(Action::Confirm).unwrap();
    let (seq, _, _) = k.record_request().unwrap();
    let error = ClientError::Receipt(ReceiptError::Expired);
    let k = k
        .apply(Action::Recorded {
            seq,
            result: Err(error.clone()),
        })
        .unwrap();
    assert_eq!(
        k.screen,
        Screen::Summary {
            sending: None,
            error: Some(error)
        }
    );
    // Trying again sends again.
    assert!(k.apply(Action::Confirm).unwrap().record_request().is_some());
}

#[test]
fn a_late_answer_after_a_reset_changes_nothing() {
    let k = to_summary(authenticated()).apply(Action::Confirm).unwrap();
    let (seq, _, decisions) = k.record_request().unwrap();
    let k = k.apply(Action::Finish).unwrap();
    assert!(k
        .apply(Action::Recorded {
            seq,
            result: Ok(recorded(decisions))
        })
        .is_none());
}

#[test]
fn change_from_the_summary_returns_to_it() {
    let k = to_summary(authenticated());
    let k = run(
        k,
        [
            Action::Change(Question::Category(ConsentCategory::Checkups)),
            Action::Answer(Question::Category(ConsentCategory::Checkups), true),
        ],
    );
    assert_eq!(k.screen, summary());
    assert_eq!(k.decisions.checkups, Some(true));
    assert!(!k.reviewing);
    // Back from a change also returns to the summary.
    let k = run(k, [Action::Change(Question::Limit), Action::Back]);
    assert_eq!(k.screen, summary());
    // Back from the summary is the last question; back again the one before.
    let k = run(k, [Action::Back, Action::Back]);
    assert_eq!(k.screen, Screen::Question(Question::Limit));
    assert!(
        k.apply(Action::Change(Question::Limit)).is_none(),
        "only from the summary"
    );
}

#[test]
fn an_answer_to_another_question_than_the_one_shown_is_ignored() {
    let k = authenticated();
    let (seq, _) = k.overview_request().unwrap();
    let k = run(
        k,
        [Action::OverviewLoaded {
            seq,
            result: Ok(overview(Vec::new(), 0)),
        }],
    );
    assert!(k.apply(Action::Answer(Question::Limit, true)).is_none());
    assert!(
        k.apply(Action::Back).is_none(),
        "nothing before the first question"
    );
}

#[test]
fn consents_on_record_are_shown_and_can_be_withdrawn() {
    let k = authenticated();
    let (seq, session) = k.overview_request().unwrap();
    assert_eq!(session, "s1");
    let now = 1_800_000_000;
    let k = k
        .apply(Action::OverviewLoaded {
            seq,
            result: Ok(overview(vec![record("c1", true, now - 60)], now)),
        })
        .unwrap();
    assert!(matches!(
        &k.screen,
        Screen::Overview {
            load: Load::Loaded(_),
            ..
        }
    ));
    assert!(k.apply(Action::Withdraw("nope".into())).is_none());
    let k = k.apply(Action::Withdraw("c1".into())).unwrap();
    let (wseq, id, session) = k.withdraw_request().unwrap();
    assert_eq!((id, session), ("c1", "s1"));
    assert!(k.apply(Action::Continue).is_none(), "not while withdrawing");
    let mut gone = record("c1", true, now - 60);
    gone.withdrawn_at = Some(now);
    let k = k
        .apply(Action::Withdrawn {
            seq: wseq,
            result: Ok(gone),
            now_secs: now,
        })
        .unwrap();
    let Screen::Overview {
        load: Load::Loaded(o),
        withdrawing: None,
        ..
    } = &k.screen
    else {
        panic!("{:?}", k.screen)
    };
    assert_eq!(
        o.states[&ConsentCategory::Medications],
        ConsentState::Withdrawn {
            id: "c1".into(),
            at: now
        }
    );
    let k = k.apply(Action::Continue).unwrap();
    assert_eq!(
        k.screen,
        Screen::Question(Question::Category(ConsentCategory::Medications))
    );
}

#[test]
fn a_failed_withdrawal_says_so_and_keeps_the_overview() {
    let k = authenticated();
    let (seq, _) = k.overview_request().unwrap();
    let k = run(
        k,
        [
            Action::OverviewLoaded {
                seq,
                result: Ok(overview(vec![record("c1", true, 10)], 20)),
            },
            Action::Withdraw("c1".into()),
        ],
    );
    let (wseq, _, _) = k.withdraw_request().unwrap();
    let k = k
        .apply(Action::Withdrawn {
            seq: wseq,
            result: Err(ClientError::Timeout),
            now_secs: 30,
        })
        .unwrap();
    assert!(matches!(
        &k.screen,
        Screen::Overview {
            load: Load::Loaded(_),
            withdrawing: None,
            withdraw_failed: Some(ClientError::Timeout),
            ..
        }
    ));
}

#[test]
fn idle_warning_extension_and_timeout_leave_nothing() {
    let k = to_summary(authenticated());
    assert!(k.idle.is_armed());
    // Armed at the first clock reading after the card read (1 s): the warning at 61 s.
    let k = k.apply(Action::Tick { now: 61_000 }).unwrap();
    assert_eq!(k.idle_state(), IdleState::Warning { seconds_left: 20 });
    assert!(
        k.apply(Action::Tick { now: 61_000 }).is_none(),
        "the same instant"
    );
    // A touch extends.
    let k = k.apply(Action::Input { now: 62_000 }).unwrap();
    assert_eq!(k.idle_state(), IdleState::Active);
    let k = run(
        k,
        [
            Action::SetLang(KioskLang::Vi),
            Action::Tick { now: 122_000 },
        ],
    );
    assert!(matches!(k.idle_state(), IdleState::Warning { .. }));
    let k = k.apply(Action::Tick { now: 142_000 }).unwrap();
    assert_eq!(k.session, None);
    assert_eq!(k.decisions, ConsentDecisions::default());
    assert_eq!(
        k.lang,
        KioskLang::Ja,
        "the next patient starts in the home language"
    );
    assert!(matches!(&k.screen, Screen::Card { flow, .. } if flow.stage == CardStage::Starting));
    assert_eq!(k.idle_state(), IdleState::Off);
    assert_eq!(
        k.abandoned.as_ref().map(|a| a.session_id.as_str()),
        Some("s1"),
        "the session is cancelled"
    );
}

#[test]
fn the_start_screen_does_not_time_out() {
    let k = kiosk();
    assert!(!k.ticking());
    let k = run(
        k,
        [Action::Card {
            seq: 1,
            action: CardAction::Started(Ok(view("s1", waiting()))),
        }],
    );
    assert_eq!(k.idle_state(), IdleState::Off);
    assert!(k.apply(Action::Input { now: 5 }).is_none());
}

#[test]
fn card_removal_resets_during_the_card_steps_and_after() {
    let removed = CardSessionState::Failed {
        error: CardSessionError {
            code: CardErrorCode::CardRemoved,
            message: "synthetic".into(),
        },
    };
    // While the PIN pad is up.
    let k = run(
        kiosk(),
        [
            Action::Card {
                seq: 1,
                action: CardAction::Started(Ok(view("s1", pin(3)))),
            },
            Action::CardReport(view("s1", removed.clone())),
        ],
    );
    assert!(matches!(&k.screen, Screen::Card { flow, .. } if flow.stage == CardStage::Starting));
    assert!(k.abandoned.is_none(), "the gateway ended it already");
    // After authentication, on a question.
    let k = to_summary(authenticated());
    assert_eq!(k.watched_session(), Some("s1"));
    assert!(k.apply(Action::CardReport(view("s1", done()))).is_none());
    let k = k.apply(Action::CardReport(view("s1", removed))).unwrap();
    assert_eq!(k.session, None);
    assert_eq!(k.decisions, ConsentDecisions::default());
    assert!(k.abandoned.is_none());
}

#[test]
fn other_card_failures_stay_on_screen_until_finish() {
    let failed = CardSessionState::Failed {
        error: CardSessionError {
            code: CardErrorCode::PinBlocked,
            message: "synthetic".into(),
        },
    };
    let k = run(
        kiosk(),
        [
            Action::Card {
                seq: 1,
                action: CardAction::Started(Ok(view("s1", pin(1)))),
            },
            Action::CardReport(view("s1", failed.clone())),
        ],
    );
    assert!(
        matches!(&k.screen, Screen::Card { flow, .. } if flow.stage == CardStage::Session(failed))
    );
    let k = k.apply(Action::Finish).unwrap();
    assert!(
        matches!(&k.screen, Screen::Card { seq: 2, flow } if flow.stage == CardStage::Starting)
    );
    // A start answer for the old attempt is cancelled, not shown.
    let k = k
        .apply(Action::Card {
            seq: 1,
            action: CardAction::Started(Ok(view("s0", waiting()))),
        })
        .unwrap();
    assert_eq!(
        k.abandoned.as_ref().map(|a| a.session_id.as_str()),
        Some("s0")
    );
}

#[test]
fn the_done_screen_returns_to_the_start_by_itself() {
    let k = to_summary(authenticated()).apply(Action::Confirm).unwrap();
    let (seq, _, d) = k.record_request().unwrap();
    let k = k
        .apply(Action::Recorded {
            seq,
            result: Ok(recorded(d)),
        })
        .unwrap();
    assert!(k.ticking());
    let k = k.apply(Action::Tick { now: 10_000 }).unwrap();
    assert_eq!(k.done_seconds_left(), Some(6));
    let k = k.apply(Action::Tick { now: 16_000 }).unwrap();
    assert!(matches!(k.screen, Screen::Card { .. }));
    assert_eq!(k.session, None);
}
