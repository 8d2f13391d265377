//! The live reception queue in a real browser, fed by a scripted event stream: entries
//! appear newest first, survive reconnects without duplicates, and opening one shows the
//! result card and fires `onshi:qualified` with `source: "face"` (or, for a card read at a
//! desk, `source: "my_number_card"` and the stored method).
#![cfg(target_arch = "wasm32")]

mod common;

use common::*;
use onshi::api::FeedSignal;
use onshi_core::codes::Lang;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
async fn face_results_appear_newest_first_with_consents_and_state() {
    let ui = Ui::mount(Lang::Ja).await;
    assert!(ui.text(".onshi-queue__empty").contains("まだありません"));
    ui.feed.emit(FeedSignal::Open);
    ui.feed.reception(&face_event(1, "試験 一郎", 5));
    ui.feed.reception(&face_event(2, "試験 二郎", 7));
    ui.settle().await;
    assert!(ui.text(".onshi-conn").contains("接続中"));
    assert_eq!(ui.count(".onshi-queue__entry"), 2);
    assert_eq!(
        ui.attr(".onshi-queue__entry", "data-event-id").as_deref(),
        Some("2"),
        "newest first"
    );
    let newest = ui.text(".onshi-queue__entry");
    for expected in [
        "09:07",
        "試験 二郎",
        "ｼｹﾝ ﾊﾅｺ",
        "有効",
        "未確認",
        "薬剤 同意あり",
        "特定健診 同意あり",
        "診療 同意なし",
        "手術 同意なし",
    ] {
        assert!(newest.contains(expected), "{expected:?} in {newest}");
    }
    assert_eq!(ui.count(".onshi-consent--given"), 4, "two per entry");
    assert!(ui.text(".onshi-queue__heading").contains("未確認: 2"));
    assert!(ui.root.query_selector("[style]").unwrap().is_none());
}

#[wasm_bindgen_test]
async fn opening_an_entry_shows_the_result_and_fires_a_face_event() {
    let ui = Ui::mount(Lang::Ja).await;
    ui.feed.reception(&face_event(1, "試験 一郎", 5));
    ui.feed.reception(&face_event(2, "試験 二郎", 7));
    ui.settle().await;
    let entry = ui
        .root
        .query_selector("[data-event-id='1']")
        .unwrap()
        .unwrap();
    assert_eq!(entry.tag_name(), "BUTTON", "Enter and Space work natively");
    assert_eq!(entry.get_attribute("type").as_deref(), Some("button"));
    ui.click("[data-event-id='1']").await;
    ui.settle().await;
    assert_eq!(ui.text(".onshi-badge"), "有効");
    assert!(ui.text(".onshi-card").contains("試験 一郎"));
    let origin = ui.text(".onshi-result__origin");
    assert!(origin.contains("顔認証付きカードリーダー"), "{origin}");
    assert!(origin.contains("09:05"), "{origin}");
    let events = ui.events();
    assert_eq!(events.len(), 1);
    let detail = &events[0];
    assert_eq!(get_str(detail, &["source"]).as_deref(), Some("face"));
    assert_eq!(
        get_str(detail, &["verification"]).as_deref(),
        Some("face_recognition")
    );
    assert_eq!(
        get_str(detail, &["received_at"]).as_deref(),
        Some("2026-11-25T09:05:30.000+09:00")
    );
    assert_eq!(
        get_str(detail, &["answer", "status"]).as_deref(),
        Some("valid")
    );
    assert!(get(detail, &["query"]).is_undefined());
    let opened = ui.text("[data-event-id='1']");
    assert!(opened.contains("確認済"), "{opened}");
    assert!(ui.text("[data-event-id='2']").contains("未確認"));
    assert!(ui.text(".onshi-queue__heading").contains("未確認: 1"));
}

#[wasm_bindgen_test]
async fn a_card_result_shows_its_method_and_reports_it_when_opened() {
    let ui = Ui::mount(Lang::Ja).await;
    let mut card = face_event(4, "試験 四郎", 12);
    card.kind = onshi_core::api::ReceptionEventKind::CardResult;
    card.source_file = "card-session/cs-4".into();
    card.verification = Some(onshi_core::card_session::VerificationMethod::VisualCheck);
    ui.feed.reception(&card);
    ui.settle().await;
    assert_eq!(
        ui.attr(".onshi-queue__method", "data-verification")
            .as_deref(),
        Some("visual_check")
    );
    assert!(ui.text(".onshi-queue__method").contains("目視"));
    assert!(ui.text(".onshi-queue__heading").contains("未確認: 1"));
    ui.click("[data-event-id='4']").await;
    ui.settle().await;
    assert!(ui.text(".onshi-card").contains("試験 四郎"));
    let origin = ui.text(".onshi-result__origin");
    assert!(
        origin.contains("マイナンバーカード（目視確認）"),
        "{origin}"
    );
    let events = ui.events();
    assert_eq!(events.len(), 1);
    let detail = &events[0];
    assert_eq!(
        get_str(detail, &["source"]).as_deref(),
        Some("my_number_card")
    );
    assert_eq!(
        get_str(detail, &["verification"]).as_deref(),
        Some("visual_check")
    );
    assert_eq!(
        get_str(detail, &["received_at"]).as_deref(),
        Some("2026-11-25T09:12:30.000+09:00")
    );
    assert_eq!(get(detail, &["event_id"]).as_f64(), Some(4.0));
    assert!(ui.text("[data-event-id='4']").contains("確認済"));
}

#[wasm_bindgen_test]
async fn reconnects_keep_entries_without_duplicates() {
    let ui = Ui::mount(Lang::En).await;
    assert_eq!(*ui.feed.opened.borrow(), vec![None]);
    ui.feed.emit(FeedSignal::Open);
    ui.feed.reception(&face_event(1, "試験 一郎", 5));
    ui.feed.reception(&face_event(2, "試験 二郎", 7));
    ui.settle().await;
    ui.click("[data-event-id='2']").await;

    ui.feed.emit(FeedSignal::Reconnecting);
    ui.settle().await;
    assert!(ui.text(".onshi-conn").contains("Reconnecting"));
    assert_eq!(ui.count(".onshi-queue__entry"), 2, "nothing lost");
    // The browser reconnects and the gateway replays today's events.
    ui.feed.emit(FeedSignal::Open);
    ui.feed.reception(&face_event(1, "試験 一郎", 5));
    ui.feed.reception(&face_event(2, "試験 二郎", 7));
    ui.feed.reception(&face_event(3, "試験 三郎", 9));
    ui.settle().await;
    assert!(ui.text(".onshi-conn").contains("Connected"));
    assert_eq!(ui.count(".onshi-queue__entry"), 3);
    assert!(ui.text("[data-event-id='2']").contains("Reviewed"));

    // The browser gives up: the component opens a new stream after the last id.
    ui.feed.emit(FeedSignal::Closed);
    ui.settle().await;
    assert!(ui.text(".onshi-conn").contains("Disconnected"));
    gloo_timers::future::TimeoutFuture::new(80).await;
    ui.settle().await;
    assert_eq!(*ui.feed.opened.borrow(), vec![None, Some(3)]);
    assert_eq!(ui.feed.open_subscriptions(), 1, "the old stream is closed");
    assert_eq!(ui.count(".onshi-queue__entry"), 3);
}

#[wasm_bindgen_test]
async fn unreadable_files_are_a_neutral_line_and_garbage_is_ignored() {
    let ui = Ui::mount(Lang::Ja).await;
    ui.feed.reception(&face_error_event(4));
    ui.feed.message("face_result", "5", "{not json".into());
    ui.feed.message("something_new", "6", "{}".into());
    ui.settle().await;
    assert_eq!(ui.count(".onshi-queue__entry"), 1);
    let line = ui.text(".onshi-queue__entry--error");
    assert!(
        line.contains("結果ファイルを読み取れませんでした"),
        "{line}"
    );
    assert!(line.contains("10:02"));
    assert!(
        ui.root
            .query_selector(".onshi-queue__entry--error")
            .unwrap()
            .unwrap()
            .dyn_into::<web_sys::HtmlButtonElement>()
            .is_err(),
        "nothing to open"
    );
}

#[wasm_bindgen_test]
async fn a_refused_face_file_says_why_in_either_language() {
    let reason = "the reader or terminal reported error EFR0042: カード読取エラー";
    for (lang, framing) in [
        (Lang::Ja, "ゲートウェイが記録した理由："),
        (Lang::En, "Reason recorded by the gateway: "),
    ] {
        let ui = Ui::mount(lang).await;
        let mut refused = face_error_event(4);
        refused.error = Some(reason.into());
        ui.feed.reception(&refused);
        // One stored before the gateway gave reasons: the entry alone, no empty line.
        let mut silent = face_error_event(5);
        silent.error = None;
        ui.feed.reception(&silent);
        ui.settle().await;
        assert_eq!(ui.count(".onshi-queue__entry--error"), 2);
        assert_eq!(
            ui.count(".onshi-queue__error-detail"),
            1,
            "only the entry with a reason has a detail line"
        );
        let detail = ui.text("[data-event-id='4'] .onshi-queue__error-detail");
        assert_eq!(detail, format!("{framing}{reason}"));
        ui.handle.borrow_mut().take().unwrap().unmount();
    }
}

#[wasm_bindgen_test]
async fn unmount_closes_the_stream() {
    let ui = Ui::mount(Lang::Ja).await;
    assert_eq!(ui.feed.open_subscriptions(), 1);
    ui.handle.borrow_mut().take().unwrap().unmount();
    ui.settle().await;
    assert_eq!(ui.feed.open_subscriptions(), 0);
}
