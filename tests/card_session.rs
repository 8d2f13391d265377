//! Reading a My Number Card on the gateway's reader, in a real browser, with a fake
//! gateway: the session's progress arrives as scripted SSE events (or through the
//! polling fallback), the PIN pad is used by keyboard and by clicking, the tries-left
//! rules hold, and every way out (result, failure, cancel, unmount) behaves.
#![cfg(target_arch = "wasm32")]

mod common;

use common::*;
use onshi_core::api::QualificationStatus;
use onshi_core::card_session::{
    CardErrorCode, CardSessionError, CardSessionState, TokenKind, VerificationMethod,
};
use onshi_core::codes::Lang;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

const DISPLAY: &str = ".onshi-pin__display";

fn pin_required(tries_left: u8, failed: bool) -> CardSessionState {
    CardSessionState::PinRequired {
        tries_left,
        token: TokenKind::Card,
        previous_attempt_failed: failed,
    }
}

fn done(method: VerificationMethod) -> CardSessionState {
    CardSessionState::Done {
        method,
        answer: answer(QualificationStatus::Valid, vec![record()]),
    }
}

fn failed(code: CardErrorCode) -> CardSessionState {
    CardSessionState::Failed {
        error: CardSessionError {
            code,
            message: "synthetic".into(),
        },
    }
}

impl Ui {
    /// Starts a card read and lets the fake gateway answer (session `s1`, waiting).
    async fn start_card(&self) {
        self.click("[data-action=read-card]").await;
        self.settle().await;
    }

    /// Pushes a `card_session` event for `s1`.
    async fn report(&self, state: CardSessionState) {
        let view = session("s1", state);
        *self.client.session.borrow_mut() = Some(view.clone());
        self.feed.card(&view);
        self.settle().await;
    }

    fn stage(&self) -> String {
        self.attr(".onshi-cardflow", "data-stage")
            .unwrap_or_default()
    }

    fn filled(&self) -> u32 {
        self.count(".onshi-pin__slot--filled")
    }

    fn pins(&self) -> Vec<String> {
        self.client.pins.borrow().clone()
    }
}

#[wasm_bindgen_test]
async fn the_card_flow_by_keyboard_to_the_result() {
    let ui = Ui::mount(Lang::Ja).await;
    assert_eq!(
        ui.text("[data-action=read-card]"),
        "マイナンバーカードで確認"
    );
    ui.start_card().await;
    assert_eq!(ui.client.card_calls(), vec!["start"]);
    assert_eq!(ui.stage(), "waiting_for_card");
    assert!(ui
        .text(".onshi-cardflow")
        .contains("カードリーダーに置いて"));
    assert!(
        ui.is_disabled("[data-action=read-card]"),
        "one session at a time"
    );

    ui.report(CardSessionState::Reading).await;
    assert_eq!(ui.stage(), "reading");
    assert!(ui.exists("progress.onshi-cardflow__progress"));

    ui.report(pin_required(3, false)).await;
    assert_eq!(ui.stage(), "pin_required");
    assert_eq!(ui.text(".onshi-pin__tries"), "残り3回");
    assert!(!ui.exists(".onshi-pin__warning"), "no warning with 3 tries");
    assert_eq!(
        ui.active_data("class").as_deref(),
        Some("onshi-pin__display"),
        "the keyboard lands on the PIN"
    );
    ui.keys(DISPLAY, &["1", "2", "3", "4", "5"]).await;
    assert_eq!(ui.filled(), 4, "at most four digits");
    assert!(!ui.text(DISPLAY).contains('1'), "masked");
    assert!(ui.text(DISPLAY).contains("4桁入力済み"));
    ui.key(DISPLAY, "Backspace").await;
    assert_eq!(ui.filled(), 3);
    ui.key(DISPLAY, "9").await;
    ui.settle().await;
    assert!(ui.pins().is_empty(), "never sent without Enter");
    ui.key(DISPLAY, "Enter").await;
    ui.settle().await;
    assert_eq!(ui.pins(), vec!["1239"]);
    assert_eq!(
        ui.stage(),
        "verifying",
        "the step's answer moves the flow on"
    );

    ui.report(done(VerificationMethod::Pin)).await;
    assert!(!ui.exists(".onshi-cardflow"));
    assert_eq!(ui.text(".onshi-badge"), "有効");
    assert!(ui.text(".onshi-card").contains("試験 花子"));
    assert!(ui
        .text(".onshi-result__origin")
        .contains("マイナンバーカード（暗証番号）"));
    let events = ui.events();
    assert_eq!(events.len(), 1);
    let detail = &events[0];
    assert_eq!(
        get_str(detail, &["source"]).as_deref(),
        Some("my_number_card")
    );
    assert_eq!(get_str(detail, &["verification"]).as_deref(), Some("pin"));
    assert_eq!(
        get_str(detail, &["answer", "status"]).as_deref(),
        Some("valid")
    );
    let json = String::from(js_sys::JSON::stringify(detail).unwrap());
    assert!(
        !json.contains("1239"),
        "the PIN never reaches the host: {json}"
    );
    assert!(!ui
        .client
        .card_calls()
        .iter()
        .any(|c| c.starts_with("cancel")));
}

#[wasm_bindgen_test]
async fn the_keypad_by_clicking_and_a_wrong_pin() {
    let ui = Ui::mount(Lang::Ja).await;
    ui.start_card().await;
    ui.report(pin_required(3, false)).await;
    assert_eq!(ui.count(".onshi-pin__key[data-key]"), 10, "0–9 on screen");
    for digit in ["9", "8"] {
        ui.click(&format!("[data-key='{digit}']")).await;
    }
    ui.click("[data-action=pin-clear]").await;
    assert_eq!(ui.filled(), 0);
    ui.click("[data-action=pin-send]").await;
    assert!(ui.text(".onshi-pin__incomplete").contains("4桁"));
    for digit in ["9", "8", "7", "6", "5"] {
        ui.click(&format!("[data-key='{digit}']")).await;
    }
    ui.click("[data-action=pin-backspace]").await;
    assert_eq!(ui.filled(), 3);
    ui.click("[data-key='0']").await;
    ui.click("[data-action=pin-send]").await;
    ui.settle().await;
    assert_eq!(ui.pins(), vec!["9870"]);
    assert_eq!(ui.client.card_calls(), vec!["start", "pin s1"]);

    ui.report(pin_required(2, true)).await;
    let wrong = ui.text(".onshi-pin__wrong");
    assert!(wrong.contains("暗証番号が違います"), "{wrong}");
    assert!(wrong.contains("残り2回"), "{wrong}");
    assert_eq!(ui.text(".onshi-pin__tries"), "残り2回");
    assert!(
        ui.text(".onshi-pin__warning").contains("ロック"),
        "a warning before the next try"
    );
    assert_eq!(ui.filled(), 0, "the sent PIN is gone from the pad");
    // With two left, one press still sends (the warning is already on screen).
    ui.keys(DISPLAY, &["1", "1", "1", "1", "Enter"]).await;
    ui.settle().await;
    assert_eq!(ui.pins().len(), 2);
}

#[wasm_bindgen_test]
async fn the_last_try_needs_an_explicit_confirmation() {
    let ui = Ui::mount(Lang::En).await;
    ui.click("[data-lang=ja]").await;
    ui.start_card().await;
    ui.report(pin_required(1, true)).await;
    assert_eq!(ui.text(".onshi-pin__tries"), "残り1回");
    assert!(ui.exists(".onshi-pin__warning"));
    ui.keys(DISPLAY, &["4", "3", "2", "1", "Enter"]).await;
    ui.settle().await;
    assert!(ui.pins().is_empty(), "not sent before confirming");
    assert_eq!(
        ui.text(".onshi-pin__confirm-text"),
        "最後の1回です。間違えるとロックされます。送信しますか？"
    );
    assert_eq!(
        ui.active_data("data-action").as_deref(),
        Some("pin-back"),
        "focus on the safe answer"
    );
    ui.click("[data-action=pin-back]").await;
    assert!(!ui.exists(".onshi-pin__confirm"));
    assert_eq!(ui.filled(), 4, "going back keeps the digits");
    ui.click("[data-action=pin-send]").await;
    assert!(ui.exists(".onshi-pin__confirm"), "asked again");
    ui.click("[data-action=pin-confirm-send]").await;
    ui.settle().await;
    assert_eq!(ui.pins(), vec!["4321"]);
    // Said to the gateway too, which refuses a last try without it.
    assert_eq!(*ui.client.confirmed_last_try.borrow(), vec![true]);
}

#[wasm_bindgen_test]
async fn a_pin_with_tries_to_spare_is_not_marked_as_the_last_one() {
    let ui = Ui::mount(Lang::Ja).await;
    ui.start_card().await;
    ui.report(pin_required(3, false)).await;
    ui.keys(DISPLAY, &["1", "2", "3", "4", "Enter"]).await;
    ui.settle().await;
    assert_eq!(*ui.client.confirmed_last_try.borrow(), vec![false]);
}

#[wasm_bindgen_test]
async fn the_sessions_secret_goes_with_each_of_its_calls_and_nowhere_else() {
    let ui = Ui::mount(Lang::Ja).await;
    ui.start_card().await;
    ui.report(pin_required(3, false)).await;
    ui.keys(DISPLAY, &["1", "2", "3", "4", "Enter"]).await;
    ui.settle().await;
    ui.click("[data-action=card-cancel]").await;
    ui.settle().await;
    assert_eq!(
        *ui.client.secrets.borrow(),
        vec![
            "pin s1 secret-s1".to_string(),
            "cancel s1 secret-s1".to_string()
        ]
    );
    // Never in the page (the component keeps it in memory only).
    let html = ui.root.inner_html();
    assert!(!html.contains("secret-s1"));
}

#[wasm_bindgen_test]
async fn a_blocked_pin_says_where_to_go_and_offers_no_retry() {
    let ui = Ui::mount(Lang::Ja).await;
    ui.start_card().await;
    ui.report(pin_required(1, true)).await;
    ui.report(failed(CardErrorCode::PinBlocked)).await;
    assert_eq!(ui.stage(), "failed");
    let message = ui.text(".onshi-cardflow__failed[data-card-error=pin_blocked]");
    assert!(message.contains("ロックされています"), "{message}");
    assert!(message.contains("市区町村窓口"), "{message}");
    assert!(!ui.exists("[data-action=card-retry]"));
    assert!(
        !ui.exists("[data-action=card-cancel]"),
        "nothing left to cancel"
    );
    assert!(!ui.is_disabled("[data-action=read-card]"));
    ui.click("[data-action=card-close]").await;
    assert!(!ui.exists(".onshi-cardflow"));
    assert_eq!(ui.events().len(), 0);
}

#[wasm_bindgen_test]
async fn a_removed_card_is_retried_with_a_new_session() {
    let ui = Ui::mount(Lang::Ja).await;
    ui.start_card().await;
    ui.report(CardSessionState::Reading).await;
    ui.report(failed(CardErrorCode::CardRemoved)).await;
    let message = ui.text(".onshi-cardflow__failed[data-card-error=card_removed]");
    assert!(message.contains("もう一度カードを置いて"), "{message}");
    ui.click("[data-action=card-retry]").await;
    ui.settle().await;
    assert_eq!(ui.client.card_calls(), vec!["start", "start"]);
    assert_eq!(ui.stage(), "waiting_for_card");
}

#[wasm_bindgen_test]
async fn the_visual_check_needs_the_staff_confirmation() {
    let ui = Ui::mount(Lang::Ja).await;
    ui.start_card().await;
    ui.report(pin_required(2, false)).await;
    ui.keys(DISPLAY, &["1", "2"]).await;
    assert_eq!(ui.text("[data-action=visual-open]"), "目視で確認");
    ui.click("[data-action=visual-open]").await;
    assert!(
        !ui.exists(".onshi-pin"),
        "the pad (and its digits) are gone"
    );
    assert!(ui.text(".onshi-visual").contains("顔写真"));
    assert!(ui.is_disabled("[data-action=visual-submit]"));
    ui.click("input[name=visual_confirmed]").await;
    assert!(!ui.is_disabled("[data-action=visual-submit]"));
    ui.click("[data-action=visual-submit]").await;
    ui.settle().await;
    assert_eq!(ui.client.card_calls(), vec!["start", "visual s1"]);
    assert!(ui.pins().is_empty());
    assert_eq!(ui.stage(), "verifying");
    ui.report(done(VerificationMethod::VisualCheck)).await;
    let events = ui.events();
    assert_eq!(events.len(), 1);
    assert_eq!(
        get_str(&events[0], &["verification"]).as_deref(),
        Some("visual_check")
    );
    assert_eq!(
        get_str(&events[0], &["source"]).as_deref(),
        Some("my_number_card")
    );
}

#[wasm_bindgen_test]
async fn back_from_the_visual_check_returns_to_an_empty_pad() {
    let ui = Ui::mount(Lang::Ja).await;
    ui.start_card().await;
    ui.report(pin_required(3, false)).await;
    ui.keys(DISPLAY, &["5", "5"]).await;
    ui.click("[data-action=visual-open]").await;
    ui.click("[data-action=visual-back]").await;
    assert!(ui.exists(".onshi-pin"));
    assert_eq!(ui.filled(), 0, "digits were wiped with the pad");
}

#[wasm_bindgen_test]
async fn cancel_works_at_every_step_and_deletes_the_session() {
    let steps = [
        CardSessionState::WaitingForCard { readers: vec![] },
        CardSessionState::Reading,
        pin_required(3, false),
        CardSessionState::Verifying,
    ];
    for state in steps {
        let ui = Ui::mount(Lang::Ja).await;
        ui.start_card().await;
        ui.report(state.clone()).await;
        if ui.exists(".onshi-pin") {
            ui.keys(DISPLAY, &["1", "2", "3"]).await;
        }
        ui.click("[data-action=card-cancel]").await;
        ui.settle().await;
        assert!(!ui.exists(".onshi-cardflow"), "{state:?}");
        assert!(ui.text(".onshi-notice").contains("取り消しました"));
        assert_eq!(
            ui.client.card_calls(),
            vec!["start", "cancel s1"],
            "{state:?}"
        );
        assert!(ui.pins().is_empty());
        // A late event of the cancelled session changes nothing.
        ui.report(pin_required(3, false)).await;
        assert!(!ui.exists(".onshi-cardflow"));
    }
}

#[wasm_bindgen_test]
async fn without_events_the_session_is_polled() {
    let ui = Ui::mount(Lang::Ja).await;
    ui.start_card().await;
    *ui.client.session.borrow_mut() = Some(session("s1", pin_required(3, false)));
    assert!(!ui.exists(".onshi-pin"));
    assert!(ui.wait_for(".onshi-pin", 3_500).await, "polled within ~2 s");
    assert!(ui.client.card_calls().contains(&"get s1".to_string()));
}

#[wasm_bindgen_test]
async fn unmounting_during_a_session_cancels_it() {
    let ui = Ui::mount(Lang::Ja).await;
    ui.start_card().await;
    ui.report(pin_required(3, false)).await;
    ui.handle.borrow_mut().take().unwrap().unmount();
    ui.settle().await;
    assert_eq!(ui.client.card_calls(), vec!["start", "cancel s1"]);
}

#[wasm_bindgen_test]
async fn opening_a_queue_entry_leaves_the_card_session() {
    let ui = Ui::mount(Lang::Ja).await;
    ui.start_card().await;
    ui.feed.reception(&face_event(8, "試験 八郎", 30));
    ui.settle().await;
    ui.click("[data-event-id='8']").await;
    ui.settle().await;
    assert!(!ui.exists(".onshi-cardflow"));
    assert!(ui.text(".onshi-card").contains("試験 八郎"));
    assert_eq!(ui.client.card_calls(), vec!["start", "cancel s1"]);
}

#[wasm_bindgen_test]
async fn english_texts_for_the_card_flow() {
    let ui = Ui::mount(Lang::En).await;
    assert_eq!(ui.text("[data-action=read-card]"), "Read My Number Card");
    ui.start_card().await;
    ui.report(pin_required(3, false)).await;
    assert_eq!(ui.text(".onshi-pin__tries"), "3 tries left");
    assert_eq!(ui.text("[data-action=visual-open]"), "Visual check");
    ui.report(failed(CardErrorCode::PinBlocked)).await;
    assert!(ui
        .text(".onshi-cardflow__failed")
        .contains("municipal office"));
}

/// The `card_result` the gateway queues for card session `session`.
fn card_result(id: i64, session: &str) -> onshi_core::api::ReceptionEvent {
    let mut event = face_event(id, "試験 花子", 20);
    event.kind = onshi_core::api::ReceptionEventKind::CardResult;
    event.source_file = format!("card-session/{session}");
    event.verification = Some(VerificationMethod::Pin);
    event
}

#[wasm_bindgen_test]
async fn a_card_read_here_is_not_counted_as_unconfirmed() {
    let ui = Ui::mount(Lang::Ja).await;
    ui.start_card().await;
    ui.report(pin_required(3, false)).await;
    // As the gateway does: the result is queued first, then the session reports done.
    ui.feed.reception(&card_result(21, "s1"));
    ui.feed.reception(&card_result(22, "another-desk"));
    ui.settle().await;
    assert!(ui.text(".onshi-queue__heading").contains("未確認: 2"));
    ui.report(done(VerificationMethod::Pin)).await;
    assert!(ui.text(".onshi-card").contains("試験 花子"));
    assert!(ui.text("[data-event-id='21']").contains("確認済"));
    assert!(
        ui.text("[data-event-id='22']").contains("未確認"),
        "read at another desk"
    );
    assert!(ui.text(".onshi-queue__heading").contains("未確認: 1"));
    assert_eq!(ui.events().len(), 1, "confirming fires nothing");
}

#[wasm_bindgen_test]
async fn a_card_result_arriving_after_done_is_confirmed_too() {
    let ui = Ui::mount(Lang::Ja).await;
    ui.start_card().await;
    ui.report(done(VerificationMethod::VisualCheck)).await;
    ui.feed.reception(&card_result(30, "s1"));
    ui.settle().await;
    assert!(ui.text("[data-event-id='30']").contains("確認済"));
    assert!(!ui.exists(".onshi-queue__count"), "nothing unconfirmed");
    assert!(ui.text(".onshi-card").contains("試験 花子"), "still shown");
}
