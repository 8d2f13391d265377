use std::collections::BTreeMap;

use onshi_core::api::{ApiError, ErrorCode, TerminalState};

use super::*;

/// A health answer as the gateway sends it.
fn health(json: &str) -> Health {
    serde_json::from_str(json).expect("a health body")
}

fn fine() -> Health {
    health(r#"{"status":"ok","mode":"sim","terminal":"online","version":"0.1.0"}"#)
}

fn api_error(status: u16, code: ErrorCode) -> ClientError {
    ClientError::Api {
        status,
        error: ApiError {
            code,
            message: "synthetic".into(),
            fields: BTreeMap::new(),
        },
    }
}

/// Applies `action`, which must change the state.
fn step(state: &GatewayStatus, action: StatusAction) -> GatewayStatus {
    state
        .apply(action.clone())
        .unwrap_or_else(|| panic!("{action:?} changed nothing in {state:?}"))
}

#[test]
fn nothing_is_known_or_asked_before_the_first_check() {
    let state = GatewayStatus::default();
    assert_eq!(state.observed, None);
    assert_eq!(state.pending_check(), None);
    assert!(!state.is_checking());
}

#[test]
fn a_check_runs_and_its_answer_is_kept() {
    let asked = step(&GatewayStatus::default(), StatusAction::Check);
    let seq = asked.pending_check().expect("a check to run");
    assert!(asked.is_checking());
    let answered = step(
        &asked,
        StatusAction::Checked {
            seq,
            result: Ok(fine()),
        },
    );
    assert_eq!(answered.observed, Some(Observed::Health(fine())));
    assert_eq!(answered.pending_check(), None);
}

#[test]
fn a_failed_check_means_unreachable_and_a_later_answer_replaces_it() {
    let mut state = GatewayStatus::default();
    for (result, expected) in [
        (Err(ClientError::Unreachable), Observed::Unreachable),
        (Ok(fine()), Observed::Health(fine())),
        (Err(ClientError::Timeout), Observed::Unreachable),
        (
            Err(ClientError::Decode("not json".into())),
            Observed::Unreachable,
        ),
    ] {
        state = step(&state, StatusAction::Check);
        let seq = state.pending_check().unwrap();
        state = step(&state, StatusAction::Checked { seq, result });
        assert_eq!(state.observed, Some(expected));
    }
}

#[test]
fn every_check_gets_a_new_number() {
    let first = step(&GatewayStatus::default(), StatusAction::Check);
    let seq1 = first.pending_check().unwrap();
    let done = step(
        &first,
        StatusAction::Checked {
            seq: seq1,
            result: Ok(fine()),
        },
    );
    let second = step(&done, StatusAction::Check);
    assert_ne!(second.pending_check(), Some(seq1));
}

#[test]
fn an_answer_to_another_check_is_ignored() {
    let asked = step(&GatewayStatus::default(), StatusAction::Check);
    let seq = asked.pending_check().unwrap();
    assert_eq!(
        asked.apply(StatusAction::Checked {
            seq: seq + 1,
            result: Err(ClientError::Unreachable),
        }),
        None
    );
    // Nothing in flight: a stray answer changes nothing either.
    assert_eq!(
        GatewayStatus::default().apply(StatusAction::Checked {
            seq,
            result: Ok(fine()),
        }),
        None
    );
}

#[test]
fn one_check_at_a_time_and_a_check_asked_meanwhile_follows() {
    let asked = step(&GatewayStatus::default(), StatusAction::Check);
    let seq = asked.pending_check().unwrap();
    // The timer fires while the check is out: no second request now…
    let queued = step(&asked, StatusAction::Check);
    assert_eq!(queued.pending_check(), Some(seq));
    // …and asking a third time adds nothing more.
    assert_eq!(queued.apply(StatusAction::Check), None);
    // The answer lands and the queued check starts at once.
    let answered = step(
        &queued,
        StatusAction::Checked {
            seq,
            result: Ok(fine()),
        },
    );
    assert_eq!(answered.observed, Some(Observed::Health(fine())));
    let next = answered.pending_check().expect("the queued check runs");
    assert_ne!(next, seq);
    // That one ends like any other, with nothing more queued.
    let done = step(
        &answered,
        StatusAction::Checked {
            seq: next,
            result: Ok(fine()),
        },
    );
    assert_eq!(done.pending_check(), None);
}

#[test]
fn failures_on_the_gateway_side_ask_for_a_check() {
    for error in [
        ClientError::Unreachable,
        ClientError::Timeout,
        ClientError::Decode("status 502 without an error body".into()),
        api_error(503, ErrorCode::TerminalUnavailable),
        api_error(504, ErrorCode::TerminalTimeout),
        api_error(502, ErrorCode::TerminalBadResponse),
        api_error(500, ErrorCode::Internal),
        api_error(503, ErrorCode::ReaderUnavailable),
    ] {
        assert!(points_at_gateway(&error), "{error:?}");
        let state = step(
            &GatewayStatus::default(),
            StatusAction::RequestFailed(error),
        );
        assert!(state.pending_check().is_some());
    }
}

#[test]
fn failures_of_the_request_itself_do_not() {
    for error in [
        ClientError::Cancelled,
        api_error(422, ErrorCode::InvalidInput),
        api_error(422, ErrorCode::CheckDigit),
        api_error(403, ErrorCode::OriginNotAllowed),
        api_error(409, ErrorCode::SessionActive),
        api_error(404, ErrorCode::NotFound),
    ] {
        assert!(!points_at_gateway(&error), "{error:?}");
        assert_eq!(
            GatewayStatus::default().apply(StatusAction::RequestFailed(error)),
            None
        );
    }
}

#[test]
fn a_failure_during_a_check_is_followed_by_a_fresh_check() {
    // The check was sent before the failure, so its "fine" may already be old news.
    let asked = step(&GatewayStatus::default(), StatusAction::Check);
    let seq = asked.pending_check().unwrap();
    let failed = step(
        &asked,
        StatusAction::RequestFailed(api_error(503, ErrorCode::TerminalUnavailable)),
    );
    let answered = step(
        &failed,
        StatusAction::Checked {
            seq,
            result: Ok(fine()),
        },
    );
    assert!(answered.pending_check().is_some_and(|next| next != seq));
}

#[test]
fn the_reading_is_kept_while_the_next_check_runs() {
    // So a notice does not blink off and on at every periodic check.
    let mut state = step(&GatewayStatus::default(), StatusAction::Check);
    let seq = state.pending_check().unwrap();
    let mut offline = fine();
    offline.terminal = TerminalState::Offline;
    state = step(
        &state,
        StatusAction::Checked {
            seq,
            result: Ok(offline.clone()),
        },
    );
    state = step(&state, StatusAction::Check);
    assert_eq!(state.observed, Some(Observed::Health(offline)));
}

#[test]
fn the_reducer_keeps_the_same_state_when_nothing_changes() {
    let state = Rc::new(GatewayStatus::default());
    let same = state
        .clone()
        .reduce(StatusAction::RequestFailed(ClientError::Cancelled));
    assert!(Rc::ptr_eq(&state, &same));
    let asked = state.reduce(StatusAction::Check);
    assert!(asked.is_checking());
}
