use onshi_core::api::Health;

use super::*;
use crate::api::ClientError;
use crate::status::StatusAction;

/// A health answer as the gateway sends it: the fine sim answer with `extra` fields
/// (JSON members, without braces) replacing or adding to it.
fn health(extra: &str) -> Health {
    let mut base: serde_json::Value = serde_json::from_str(
        r#"{"status":"ok","mode":"terminal","terminal":"online","version":"0.1.0",
            "store":{"backend":"sqlite","reachable":true},
            "desks":{"others":0,"shared_store":false}}"#,
    )
    .unwrap();
    let extra: serde_json::Value = serde_json::from_str(&format!("{{{extra}}}")).unwrap();
    for (key, value) in extra.as_object().unwrap() {
        base[key] = value.clone();
    }
    serde_json::from_value(base).expect("a health body")
}

fn of(health: Health) -> Vec<StatusNotice> {
    notices(Some(&Observed::Health(health)))
}

/// A status whose latest reading is `result`.
fn status_after(result: Result<Health, ClientError>) -> GatewayStatus {
    let asked = GatewayStatus::default().apply(StatusAction::Check).unwrap();
    let seq = asked.pending_check().unwrap();
    asked.apply(StatusAction::Checked { seq, result }).unwrap()
}

#[test]
fn a_fine_gateway_calls_for_nothing() {
    assert_eq!(of(health("")), vec![]);
    // One desk with a shared store, or several desks on one store: fine.
    assert_eq!(
        of(health(r#""desks":{"others":2,"shared_store":true}"#)),
        vec![]
    );
    // A gateway that predates `store` and `desks` says nothing about them.
    let old: Health =
        serde_json::from_str(r#"{"status":"ok","mode":"sim","terminal":"online","version":"0"}"#)
            .unwrap();
    assert_eq!(of(old), vec![]);
}

#[test]
fn nothing_is_shown_before_the_first_reading() {
    assert_eq!(notices(None), vec![]);
    let view = strip_view(&GatewayStatus::default());
    assert_eq!(view.state, "unchecked");
    assert!(view.notices.is_empty());
    assert!(!view.recheck);
}

#[test]
fn desks_without_a_shared_store_are_advice_with_their_count() {
    let found = of(health(r#""desks":{"others":1,"shared_store":false}"#));
    assert_eq!(found, vec![StatusNotice::DesksNotShared { others: 1 }]);
    let notice = found[0];
    assert_eq!(notice.urgency(), Urgency::Advice);
    assert_eq!(notice.urgency().role(), "status");
    assert_eq!(notice.urgency().symbol(), "⚠");
    assert_eq!(notice.key(), "desks_not_shared");
    assert!(notice
        .text(Lang::Ja)
        .starts_with("この資格確認端末の共有フォルダを他の受付PC（1台）も使っていますが"));
    assert!(notice
        .text(Lang::En)
        .starts_with("Another reception PC uses"));
}

#[test]
fn an_unreachable_store_blocks_card_reads_but_not_number_checks() {
    let found = of(health(
        r#""store":{"backend":"postgres","reachable":false}"#,
    ));
    assert_eq!(found, vec![StatusNotice::StoreUnreachable]);
    assert_eq!(found[0].urgency().role(), "alert");
    let ja = found[0].text(Lang::Ja);
    assert!(
        ja.contains("マイナンバーカードでの確認はできません"),
        "{ja}"
    );
    assert!(ja.contains("番号による確認はできます"), "{ja}");
    let en = found[0].text(Lang::En);
    assert!(en.contains("insurance card numbers still work"), "{en}");
}

#[test]
fn an_offline_or_degraded_terminal_is_a_fault() {
    let offline = of(health(r#""terminal":"offline""#));
    assert_eq!(offline, vec![StatusNotice::TerminalOffline]);
    assert_eq!(offline[0].urgency(), Urgency::Blocking);
    assert!(offline[0]
        .text(Lang::Ja)
        .contains("共有フォルダに接続できません"));
    let degraded = of(health(r#""terminal":"degraded""#));
    assert_eq!(degraded, vec![StatusNotice::TerminalDegraded]);
    assert_eq!(degraded[0].urgency().role(), "alert");
    assert!(degraded[0].text(Lang::En).starts_with("Only part of"));
}

#[test]
fn no_answer_means_the_gateway_is_unreachable() {
    let found = notices(Some(&Observed::Unreachable));
    assert_eq!(found, vec![StatusNotice::GatewayUnreachable]);
    assert_eq!(found[0].urgency().role(), "alert");
    assert_eq!(found[0].urgency().symbol(), "✕");
    assert!(found[0].text(Lang::Ja).contains("応答しません"));
    assert!(found[0].text(Lang::En).contains("does not answer"));
}

#[test]
fn most_urgent_first() {
    let all = of(health(
        r#""terminal":"offline","store":{"backend":"sqlite","reachable":false},
           "desks":{"others":3,"shared_store":false}"#,
    ));
    assert_eq!(
        all,
        vec![
            StatusNotice::TerminalOffline,
            StatusNotice::StoreUnreachable,
            StatusNotice::DesksNotShared { others: 3 },
        ]
    );
    let urgencies: Vec<_> = all.iter().map(StatusNotice::urgency).collect();
    assert_eq!(
        urgencies,
        [Urgency::Blocking, Urgency::Blocking, Urgency::Advice]
    );
    assert_eq!(
        of(health(
            r#""terminal":"degraded","desks":{"others":1,"shared_store":false}"#
        )),
        vec![
            StatusNotice::TerminalDegraded,
            StatusNotice::DesksNotShared { others: 1 }
        ]
    );
}

#[test]
fn every_notice_has_its_own_words_in_both_languages() {
    let all = [
        StatusNotice::GatewayUnreachable,
        StatusNotice::TerminalOffline,
        StatusNotice::TerminalDegraded,
        StatusNotice::StoreUnreachable,
        StatusNotice::DesksNotShared { others: 2 },
    ];
    for notice in all {
        let (ja, en) = (notice.text(Lang::Ja), notice.text(Lang::En));
        assert!(!ja.is_empty() && !en.is_empty(), "{notice:?}");
        assert_ne!(ja, en, "{notice:?}");
        assert!(!ja.is_ascii(), "Japanese text for {notice:?}: {ja}");
        assert!(en.is_ascii(), "English text for {notice:?}: {en}");
        for other in all.iter().filter(|other| **other != notice) {
            assert_ne!(ja, other.text(Lang::Ja), "{notice:?} and {other:?}");
            assert_ne!(other.key(), notice.key());
        }
    }
}

#[test]
fn the_strip_offers_check_again_only_when_something_is_wrong() {
    let fine = strip_view(&status_after(Ok(health(""))));
    assert_eq!(fine.state, "fine");
    assert!(fine.notices.is_empty());
    assert!(!fine.recheck);

    let down = strip_view(&status_after(Err(ClientError::Unreachable)));
    assert_eq!(down.state, "attention");
    assert_eq!(down.notices, vec![StatusNotice::GatewayUnreachable]);
    assert!(down.recheck);
    assert!(!down.checking);
    assert_eq!(recheck_label(down.checking), Msg::HealthRecheck);
}

#[test]
fn the_notice_clears_when_health_is_fine_again() {
    let down = status_after(Ok(health(r#""desks":{"others":1,"shared_store":false}"#)));
    assert_eq!(strip_view(&down).notices.len(), 1);
    let asked = down.apply(StatusAction::Check).unwrap();
    // While the next check runs the notice stays, and the button says it is checking.
    let during = strip_view(&asked);
    assert_eq!(during.notices.len(), 1);
    assert!(during.checking);
    assert_eq!(recheck_label(during.checking), Msg::HealthChecking);
    let seq = asked.pending_check().unwrap();
    let back = asked
        .apply(StatusAction::Checked {
            seq,
            result: Ok(health(r#""desks":{"others":1,"shared_store":true}"#)),
        })
        .unwrap();
    let view = strip_view(&back);
    assert_eq!(view.state, "fine");
    assert!(view.notices.is_empty());
}

#[test]
fn classes_are_prefixed_and_differ_by_urgency() {
    for urgency in [Urgency::Blocking, Urgency::Advice] {
        assert!(urgency.class().starts_with("onshi-status__notice--"));
    }
    assert_ne!(Urgency::Blocking.class(), Urgency::Advice.class());
    assert_ne!(Urgency::Blocking.label(), Urgency::Advice.label());
}
