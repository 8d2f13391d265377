//! The mounted component in a real browser, driven like a receptionist would: typing
//! (input events), leaving fields (blur), clicking. The gateway is a scripted fake.
#![cfg(target_arch = "wasm32")]

mod common;

use std::collections::BTreeMap;

use common::*;
use onshi::api::ClientError;
use onshi_core::api::{ApiError, ErrorCode, QualificationStatus, QueuePlace};
use onshi_core::codes::Lang;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
async fn labels_are_tied_to_inputs_and_no_inline_styles() {
    let ui = Ui::mount(Lang::Ja).await;
    for key in ["insurer_number", "symbol", "number", "branch", "birthdate"] {
        let input = ui.input(key);
        let label = ui
            .root
            .query_selector(&format!("label[for='{}']", input.id()))
            .unwrap()
            .unwrap_or_else(|| panic!("no label for {key}"));
        assert!(!label.text_content().unwrap().trim().is_empty());
    }
    assert_eq!(ui.label_of("insurer_number"), "保険者番号");
    assert!(ui.root.query_selector("[style]").unwrap().is_none());
    assert_eq!(ui.text(".onshi-header__title"), "オンライン資格確認");
}

#[wasm_bindgen_test]
async fn problems_show_after_blur_and_submit_and_nothing_is_sent() {
    let ui = Ui::mount(Lang::Ja).await;
    ui.type_into("insurer_number", "0113").await;
    assert!(ui.problem("insurer_number").is_none(), "not before blur");
    ui.blur("insurer_number").await;
    assert!(ui.problem("insurer_number").unwrap().contains("保険者番号"));
    assert!(
        ui.problem("number").is_none(),
        "untouched field stays quiet"
    );
    ui.click("[data-action=submit]").await;
    assert!(ui.problem("number").is_some());
    assert!(ui.problem("birthdate").is_some());
    assert!(ui.exists(".onshi-form__summary"));
    assert_eq!(
        ui.input("insurer_number")
            .get_attribute("aria-invalid")
            .as_deref(),
        Some("true")
    );
    assert!(ui.client.queries().is_empty());
}

#[wasm_bindgen_test]
async fn birthdate_is_read_back_in_both_calendars() {
    let ui = Ui::mount(Lang::Ja).await;
    ui.type_into("birthdate", "19850412").await;
    assert_eq!(
        ui.text(".onshi-field__preview"),
        "1985年4月12日（昭和60年4月12日）"
    );
}

#[wasm_bindgen_test]
async fn check_digit_warning_and_send_as_printed() {
    let ui = Ui::mount(Lang::Ja).await;
    ui.client
        .reply(Ok(answer(QualificationStatus::Valid, vec![record()])));
    ui.fill_patient("01130013").await;
    ui.click("[data-action=submit]").await;
    assert!(ui.text(".onshi-warning").contains("検証番号"));
    assert!(
        ui.exists(".onshi-field--warning[data-field='insurer_number']"),
        "a check digit is a warning on the field, not an error"
    );
    assert!(ui.client.queries().is_empty(), "a warning, so not sent yet");
    assert_eq!(
        ui.text("[data-action=send-as-printed]"),
        "券面どおりに照会する"
    );
    ui.click("[data-action=send-as-printed]").await;
    ui.settle().await;
    let sent = ui.client.queries();
    assert_eq!(sent.len(), 1);
    assert!(sent[0].override_check_digit);
    assert_eq!(sent[0].insurer_number, "01130013");
    assert!(ui.exists(".onshi-badge--valid"));
}

#[wasm_bindgen_test]
async fn in_flight_state_and_cancel_keep_the_entries() {
    let ui = Ui::mount(Lang::Ja).await;
    let pending = ui.client.pending();
    ui.fill_patient("01130012").await;
    ui.click("[data-action=submit]").await;
    ui.settle().await;
    let status = ui.root.query_selector("[role=status]").unwrap().unwrap();
    assert_eq!(status.get_attribute("aria-live").as_deref(), Some("polite"));
    assert!(ui.text(".onshi-inflight").contains("照会中"));
    let at_start = elapsed_seconds(&ui);
    let focused = web_sys::window()
        .unwrap()
        .document()
        .unwrap()
        .active_element();
    assert_eq!(
        focused
            .and_then(|e| e.get_attribute("data-action"))
            .as_deref(),
        Some("cancel"),
        "the keyboard lands on Cancel"
    );
    gloo_timers::future::TimeoutFuture::new(1_100).await;
    yew::scheduler::flush().await;
    // A stalled page may have ticked more than once: at least one second has passed.
    let later = elapsed_seconds(&ui);
    assert!(later >= 1 && later >= at_start, "{at_start} then {later}");
    assert!(
        ui.input("number").matches(":disabled").unwrap(),
        "the form is locked while asking"
    );
    ui.click("[data-action=cancel]").await;
    ui.settle().await;
    assert!(pending.is_canceled(), "cancel drops the request");
    assert!(!ui.exists(".onshi-inflight"));
    assert!(ui.text(".onshi-notice").contains("取り消しました"));
    assert_eq!(ui.input("number").value(), "4567");
    assert!(!ui.input("number").matches(":disabled").unwrap());
    assert_eq!(
        ui.active_data("data-action").as_deref(),
        Some("submit"),
        "after Cancel the keyboard is back on the submit button"
    );
    assert_eq!(ui.events().len(), 0);
}

/// Waits (up to `ms`) until nothing matches `selector`.
async fn wait_gone(ui: &Ui, selector: &str, ms: u32) -> bool {
    let mut waited = 0;
    while ui.exists(selector) {
        if waited >= ms {
            return false;
        }
        gloo_timers::future::TimeoutFuture::new(20).await;
        yew::scheduler::flush().await;
        waited += 20;
    }
    true
}

const QUEUED: &str = ".onshi-inflight__queued";

#[wasm_bindgen_test]
async fn a_busy_terminal_shows_the_queue_place_until_the_answer() {
    for (lang, words) in [
        (
            Lang::Ja,
            "資格確認端末が混み合っています。順番待ちです（前に 3 件）。",
        ),
        (
            Lang::En,
            "The qualification terminal is busy; your request is queued (3 ahead).",
        ),
    ] {
        let ui = Ui::mount(lang).await;
        ui.client
            .set_place(Some(Ok(QueuePlace::Waiting { ahead: 3 })));
        let pending = ui.client.pending();
        ui.fill_patient("01130012").await;
        ui.click("[data-action=submit]").await;
        assert!(ui.wait_for(QUEUED, 5_000).await, "no queue place shown");
        assert_eq!(ui.text(".onshi-inflight__queued-text"), words);
        assert_eq!(ui.attr(QUEUED, "role").as_deref(), Some("status"));
        assert_eq!(ui.attr(QUEUED, "data-ahead").as_deref(), Some("3"));
        assert!(
            !ui.text(".onshi-inflight__queued-symbol").trim().is_empty(),
            "a symbol, not colour alone"
        );
        // The polls ask about the request that was sent, by a name fit for the header.
        let sent = ui.client.request_refs();
        assert_eq!(sent.len(), 1);
        assert!(
            (1..=64).contains(&sent[0].len())
                && sent[0]
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'),
            "{sent:?}"
        );
        let polls = ui.client.place_polls();
        assert!(
            !polls.is_empty() && polls.iter().all(|p| *p == sent[0]),
            "{polls:?}"
        );

        // At the terminal: the line goes, the seconds go on.
        ui.client.set_place(Some(Ok(QueuePlace::AtTerminal)));
        assert!(
            wait_gone(&ui, QUEUED, 5_000).await,
            "still shown at the terminal"
        );
        assert!(ui.exists(".onshi-inflight__elapsed"));

        // Waiting again, then the answer arrives: the line goes with the panel.
        ui.client
            .set_place(Some(Ok(QueuePlace::Waiting { ahead: 1 })));
        assert!(ui.wait_for("[data-ahead='1']", 5_000).await);
        pending.send(Ok(answer(QualificationStatus::Valid, vec![record()])));
        ui.settle().await;
        assert!(!ui.exists(QUEUED));
        assert!(ui.exists(".onshi-badge--valid"));
        ui.handle.borrow_mut().take().unwrap().unmount();
    }
}

#[wasm_bindgen_test]
async fn a_queued_request_can_be_cancelled_and_failed_polls_show_nothing() {
    let ui = Ui::mount(Lang::Ja).await;
    ui.client
        .set_place(Some(Ok(QueuePlace::Waiting { ahead: 2 })));
    let first = ui.client.pending();
    ui.fill_patient("01130012").await;
    ui.click("[data-action=submit]").await;
    assert!(ui.wait_for(QUEUED, 5_000).await);
    // A poll that fails withdraws the place rather than leave an old count up.
    ui.client.set_place(Some(Err(ClientError::Unreachable)));
    assert!(
        wait_gone(&ui, QUEUED, 5_000).await,
        "a failed poll still shows a place"
    );
    ui.client
        .set_place(Some(Ok(QueuePlace::Waiting { ahead: 2 })));
    assert!(ui.wait_for(QUEUED, 5_000).await);
    ui.click("[data-action=cancel]").await;
    ui.settle().await;
    assert!(first.is_canceled(), "cancel drops the queued request");
    assert!(!ui.exists(QUEUED));
    assert!(ui.text(".onshi-notice").contains("取り消しました"));

    // The next request has its own name, and the gateway's 404 (finished) shows nothing.
    ui.client.set_place(None);
    let _second = ui.client.pending();
    ui.click("[data-action=submit]").await;
    let polled = ui.client.place_polls().len();
    let mut waited = 0;
    while ui.client.place_polls().len() == polled && waited < 5_000 {
        gloo_timers::future::TimeoutFuture::new(50).await;
        waited += 50;
    }
    yew::scheduler::flush().await;
    let refs = ui.client.request_refs();
    assert_eq!(refs.len(), 2);
    assert_ne!(refs[0], refs[1]);
    assert_eq!(ui.client.place_polls().last(), Some(&refs[1]));
    assert!(ui.exists(".onshi-inflight") && !ui.exists(QUEUED));
}

/// The number in "N秒経過".
fn elapsed_seconds(ui: &Ui) -> u32 {
    let text = ui.text(".onshi-inflight__elapsed");
    text.trim_end_matches("秒経過")
        .parse()
        .unwrap_or_else(|_| panic!("not a count of seconds: {text:?}"))
}

fn focused() -> Option<web_sys::Element> {
    web_sys::window()
        .unwrap()
        .document()
        .unwrap()
        .active_element()
}

#[wasm_bindgen_test]
async fn escape_cancels_and_unmount_drops_the_request() {
    let ui = Ui::mount(Lang::En).await;
    let first = ui.client.pending();
    ui.fill_patient("01130012").await;
    ui.click("[data-action=submit]").await;
    ui.settle().await;
    let init = web_sys::KeyboardEventInit::new();
    init.set_key("Escape");
    init.set_bubbles(true);
    let escape =
        web_sys::KeyboardEvent::new_with_keyboard_event_init_dict("keydown", &init).unwrap();
    ui.root
        .query_selector("[data-action=cancel]")
        .unwrap()
        .unwrap()
        .dispatch_event(&escape)
        .unwrap();
    ui.settle().await;
    assert!(first.is_canceled());
    assert!(ui.text(".onshi-notice").contains("cancelled"));

    let second = ui.client.pending();
    ui.click("[data-action=submit]").await;
    ui.settle().await;
    assert!(ui.exists(".onshi-inflight"));
    ui.handle.borrow_mut().take().unwrap().unmount();
    ui.settle().await;
    assert!(
        second.is_canceled(),
        "unmounting aborts the request in flight"
    );
}

#[wasm_bindgen_test]
async fn a_valid_answer_renders_the_card_and_fires_the_event() {
    let ui = Ui::mount(Lang::Ja).await;
    ui.client
        .reply(Ok(answer(QualificationStatus::Valid, vec![record()])));
    ui.fill_patient("01130012").await;
    ui.click("[data-action=submit]").await;
    ui.settle().await;
    let badge = ui.root.query_selector(".onshi-badge").unwrap().unwrap();
    assert_eq!(badge.text_content().unwrap(), "有効");
    assert!(badge
        .get_attribute("class")
        .unwrap()
        .contains("onshi-badge--valid"));
    let card = ui.text(".onshi-card");
    for expected in [
        "試験 花子",
        "ｼｹﾝ ﾊﾅｺ",
        "1985年4月12日（昭和60年4月12日）",
        "歳",
        "女",
        "試験健康保険組合（01130012）",
        "123 ・ 4567 ・ 01",
        "本人",
        "3割",
        "2020年4月1日",
    ] {
        assert!(card.contains(expected), "card lacks {expected:?}: {card}");
    }
    assert!(ui.text(".onshi-result").contains("電子証明書"), "advisory");

    let events = ui.events();
    assert_eq!(events.len(), 1, "exactly one event per answer");
    let detail = &events[0];
    assert_eq!(
        get_str(detail, &["source"]).as_deref(),
        Some("insurance_card")
    );
    assert_eq!(
        get_str(detail, &["query", "number"]).as_deref(),
        Some("4567")
    );
    assert_eq!(
        get_str(detail, &["query", "birthdate"]).as_deref(),
        Some("1985-04-12")
    );
    assert_eq!(
        get_str(detail, &["answer", "status"]).as_deref(),
        Some("valid")
    );
    let results = get(detail, &["answer", "results"]);
    assert!(js_sys::Array::is_array(&results));
    let first = js_sys::Array::from(&results).get(0);
    assert_eq!(
        get_str(&first, &["person", "name"]).as_deref(),
        Some("試験 花子")
    );
    assert_eq!(get_str(&first, &["person", "sex1"]).as_deref(), Some("2"));
    assert!(
        get(&first, &["elderly"]).is_null(),
        "JSON null, not undefined"
    );
    assert!(!get(detail, &["answer"]).is_instance_of::<js_sys::Map>());

    ui.click("[data-action=next-patient]").await;
    assert_eq!(ui.input("number").value(), "");
    assert!(!ui.exists(".onshi-result"));
}

#[wasm_bindgen_test]
async fn an_invalid_answer_shows_invalid_and_the_loss_date() {
    let ui = Ui::mount(Lang::Ja).await;
    let mut lost = record();
    lost.insurance.disqualification_date = Some("20260331".into());
    ui.client
        .reply(Ok(answer(QualificationStatus::Invalid, vec![lost])));
    ui.fill_patient("01130012").await;
    ui.click("[data-action=submit]").await;
    ui.settle().await;
    assert_eq!(ui.text(".onshi-badge--invalid"), "無効");
    let emphasised = ui.text(".onshi-row--emphasis");
    assert!(emphasised.contains("資格喪失日"), "{emphasised}");
    assert!(emphasised.contains("2026年3月31日"), "{emphasised}");
    assert_eq!(ui.events().len(), 1);
}

#[wasm_bindgen_test]
async fn not_found_and_multiple_answers() {
    let ui = Ui::mount(Lang::Ja).await;
    ui.client
        .reply(Ok(answer(QualificationStatus::NotFound, vec![])));
    ui.fill_patient("01130012").await;
    ui.click("[data-action=submit]").await;
    ui.settle().await;
    assert_eq!(ui.text(".onshi-badge"), "該当資格なし");
    assert!(ui.text(".onshi-result__explain").contains("生年月日"));
    assert!(!ui.exists(".onshi-card"));

    ui.client.reply(Ok(answer(
        QualificationStatus::Multiple,
        vec![record(), record()],
    )));
    ui.click("[data-action=submit]").await;
    ui.settle().await;
    assert_eq!(ui.text(".onshi-badge--multiple"), "複数該当");
    assert_eq!(ui.count(".onshi-card"), 2);
    assert_eq!(ui.text(".onshi-card__caption"), "候補 1 / 2");
    assert_eq!(ui.events().len(), 2);
}

#[wasm_bindgen_test]
async fn unreachable_gateway_says_so_and_retry_works() {
    let ui = Ui::mount(Lang::Ja).await;
    ui.client.reply(Err(ClientError::Unreachable));
    ui.client
        .reply(Ok(answer(QualificationStatus::Valid, vec![record()])));
    ui.fill_patient("01130012").await;
    ui.click("[data-action=submit]").await;
    ui.settle().await;
    let error = ui.text(".onshi-error");
    assert!(error.contains("ゲートウェイ"), "{error}");
    assert!(error.contains("起動していない"), "{error}");
    assert!(
        error.contains("--allow-origin"),
        "a refused Origin looks the same: {error}"
    );
    assert_eq!(
        ui.active_data("data-action").as_deref(),
        Some("retry"),
        "the keyboard lands on Retry"
    );
    assert_eq!(ui.input("insurer_number").value(), "01130012");
    ui.click("[data-action=retry]").await;
    ui.settle().await;
    assert!(!ui.exists(".onshi-error"));
    assert!(ui.exists(".onshi-badge--valid"));
    let sent = ui.client.queries();
    assert_eq!(sent.len(), 2);
    assert_eq!(sent[0], sent[1], "retry resends the same query");
}

#[wasm_bindgen_test]
async fn timeout_bad_response_and_terminal_error() {
    let ui = Ui::mount(Lang::Ja).await;
    ui.fill_patient("01130012").await;

    ui.client.reply(Err(ClientError::Timeout));
    ui.click("[data-action=submit]").await;
    ui.settle().await;
    assert!(ui.text(".onshi-error").contains("時間内に応答"));
    assert!(ui.exists("[data-action=retry]"));

    ui.client.reply(Err(api_error(
        502,
        ErrorCode::TerminalBadResponse,
        "x",
        &[],
    )));
    ui.click("[data-action=retry]").await;
    ui.settle().await;
    assert!(ui.text(".onshi-error").contains("読み取れません"));

    ui.client.reply(Err(api_error(
        502,
        ErrorCode::TerminalError,
        "EQ0001 資格確認端末でエラーが発生しました",
        &[],
    )));
    ui.click("[data-action=retry]").await;
    ui.settle().await;
    let text = ui.text(".onshi-error");
    assert!(text.contains("エラーを返しました"), "{text}");
    assert!(
        text.contains("EQ0001"),
        "the terminal's own message is shown: {text}"
    );
}

#[wasm_bindgen_test]
async fn gateway_field_errors_are_shown_inline() {
    let ui = Ui::mount(Lang::Ja).await;
    ui.client.reply(Err(api_error(
        422,
        ErrorCode::InvalidInput,
        "invalid",
        &[("number", "too_long")],
    )));
    ui.fill_patient("01130012").await;
    ui.click("[data-action=submit]").await;
    ui.settle().await;
    assert!(!ui.exists(".onshi-error"));
    let problem = ui.problem("number").expect("inline problem on 番号");
    assert!(problem.contains("番号"), "{problem}");
    ui.type_into("number", "4568").await;
    assert!(
        ui.problem("number").is_none(),
        "editing clears the gateway's verdict"
    );
}

#[wasm_bindgen_test]
async fn the_language_switch_changes_every_text() {
    let ui = Ui::mount(Lang::Ja).await;
    ui.type_into("number", "1").await;
    ui.click("[data-lang=en]").await;
    assert_eq!(ui.label_of("insurer_number"), "Insurer number");
    assert_eq!(ui.text("[data-action=submit]"), "Check qualification");
    let root = ui.root.query_selector(".onshi").unwrap().unwrap();
    assert_eq!(root.get_attribute("lang").as_deref(), Some("en"));
    assert_eq!(
        ui.root
            .query_selector("[data-lang=en]")
            .unwrap()
            .unwrap()
            .get_attribute("aria-pressed")
            .as_deref(),
        Some("true")
    );
    assert_eq!(ui.input("number").value(), "1", "switching keeps entries");
    ui.click("[data-lang=ja]").await;
    assert_eq!(ui.label_of("insurer_number"), "保険者番号");
}

#[wasm_bindgen_test]
async fn english_mount_option_and_unmount() {
    let ui = Ui::mount(Lang::En).await;
    assert_eq!(ui.text("[data-action=submit]"), "Check qualification");
    let mut handle = ui.handle.borrow_mut().take().unwrap();
    assert!(handle.mounted());
    handle.unmount();
    yew::scheduler::flush().await;
    assert!(!handle.mounted());
    assert!(ui.root.query_selector(".onshi").unwrap().is_none());
    handle.unmount();
}

#[wasm_bindgen_test]
async fn mount_checks_its_options() {
    let host = host_element();
    let bad = js_sys::JSON::parse(r#"{"lang":"fr"}"#).unwrap();
    let error = onshi::mount(host.clone(), bad)
        .err()
        .expect("bad lang must throw");
    let error: js_sys::Error = error.dyn_into().expect("a JS Error");
    let message = String::from(error.message());
    assert!(message.contains("\"ja\" or \"en\""), "{message}");
    let bad = js_sys::JSON::parse(r#"{"gateway":"localhost:7611"}"#).unwrap();
    assert!(onshi::mount(host.clone(), bad).is_err());
    assert!(onshi::mount(host.clone(), wasm_bindgen::JsValue::from(3)).is_err());

    // A credential of another type throws, naming its type but never its value.
    let bad = js_sys::JSON::parse(r#"{"credential":{"token":"eyJ-secret"}}"#).unwrap();
    let error: js_sys::Error = onshi::mount(host.clone(), bad)
        .err()
        .expect("an object credential must throw")
        .dyn_into()
        .unwrap();
    let message = String::from(error.message());
    assert!(message.contains("options.credential"), "{message}");
    assert!(message.contains("an object"), "{message}");
    assert!(!message.contains("secret"), "{message}");
    let bad = js_sys::JSON::parse(r#"{"credential":42}"#).unwrap();
    assert!(onshi::mount(host.clone(), bad).is_err());

    // Without options it mounts, and says that nobody is signed in.
    let mut handle = onshi::mount(host.clone(), wasm_bindgen::JsValue::UNDEFINED).unwrap();
    for _ in 0..3 {
        gloo_timers::future::TimeoutFuture::new(0).await;
        yew::scheduler::flush().await;
    }
    assert!(host
        .query_selector("[data-access=not_signed_in]")
        .unwrap()
        .is_some());
    assert!(host.query_selector(".onshi-form").unwrap().is_none());
    handle.unmount();

    // With a credential string, the form.
    let signed_in = js_sys::Object::new();
    js_sys::Reflect::set(
        &signed_in,
        &"credential".into(),
        &credential(onshi_core::roles::Role::Reception, "u1").into(),
    )
    .unwrap();
    let mut handle = onshi::mount(host.clone(), signed_in.into()).unwrap();
    for _ in 0..3 {
        gloo_timers::future::TimeoutFuture::new(0).await;
        yew::scheduler::flush().await;
    }
    assert!(host.query_selector(".onshi-form").unwrap().is_some());
    handle.unmount();
}

#[wasm_bindgen_test]
async fn two_mounts_have_distinct_ids() {
    let first = Ui::mount(Lang::Ja).await;
    let second = Ui::mount(Lang::Ja).await;
    assert_ne!(first.input("number").id(), second.input("number").id());
}

#[wasm_bindgen_test]
async fn edit_after_an_error_then_submit_sends_the_edited_query() {
    let ui = Ui::mount(Lang::Ja).await;
    ui.client.reply(Err(ClientError::Unreachable));
    ui.client
        .reply(Ok(answer(QualificationStatus::Valid, vec![record()])));
    ui.fill_patient("01130012").await;
    ui.click("[data-action=submit]").await;
    ui.settle().await;
    assert!(ui.exists(".onshi-error"));
    ui.type_into("number", "4568").await;
    assert!(
        !ui.exists(".onshi-error"),
        "the stale error goes with the edit"
    );
    assert!(
        !ui.exists("[data-action=retry]"),
        "no Retry of the old query"
    );
    assert_eq!(ui.input("number").value(), "4568");
    assert_eq!(ui.input("birthdate").value(), "1985-04-12", "nothing lost");
    ui.click("[data-action=submit]").await;
    ui.settle().await;
    let sent = ui.client.queries();
    assert_eq!(sent.len(), 2);
    assert_eq!(sent[0].number, "4567");
    assert_eq!(sent[1].number, "4568", "what is on screen is sent");
    assert!(ui.exists(".onshi-badge--valid"));
    let events = ui.events();
    assert_eq!(events.len(), 1);
    assert_eq!(
        get_str(&events[0], &["query", "number"]).as_deref(),
        Some("4568"),
        "the event reports the query on screen"
    );
}

#[wasm_bindgen_test]
async fn an_edit_next_to_a_result_withdraws_the_result() {
    let ui = Ui::mount(Lang::Ja).await;
    ui.client
        .reply(Ok(answer(QualificationStatus::Valid, vec![record()])));
    ui.client
        .reply(Ok(answer(QualificationStatus::NotFound, vec![])));
    ui.fill_patient("01130012").await;
    ui.click("[data-action=submit]").await;
    ui.settle().await;
    assert!(ui.exists(".onshi-result"));
    let heading = focused().expect("something is focused");
    assert!(
        heading.matches(".onshi-result__heading").unwrap(),
        "the keyboard lands on the result heading: {:?}",
        heading.class_name()
    );
    ui.type_into("branch", "02").await;
    assert!(
        !ui.exists(".onshi-result"),
        "a result never sits next to inputs it was not asked with"
    );
    assert_eq!(ui.input("branch").value(), "02");
    assert_eq!(ui.input("number").value(), "4567");
    ui.click("[data-action=submit]").await;
    ui.settle().await;
    let sent = ui.client.queries();
    assert_eq!(sent.len(), 2);
    assert_eq!(sent[1].branch, "02");
    assert_eq!(ui.text(".onshi-badge"), "該当資格なし");
    let events = ui.events();
    assert_eq!(events.len(), 2);
    assert_eq!(
        get_str(&events[1], &["query", "branch"]).as_deref(),
        Some("02")
    );
}

#[wasm_bindgen_test]
async fn refused_entries_point_back_to_the_fields_instead_of_retry() {
    let ui = Ui::mount(Lang::Ja).await;
    // A 422 whose field names this build does not know: no field can be marked.
    ui.client.reply(Err(api_error(
        422,
        ErrorCode::InvalidInput,
        "insurer_name: unknown field",
        &[("insurer_name", "format")],
    )));
    ui.fill_patient("01130012").await;
    ui.click("[data-action=submit]").await;
    ui.settle().await;
    assert!(ui.exists(".onshi-error"));
    assert!(
        !ui.exists("[data-action=retry]"),
        "the same entries fail again"
    );
    assert!(ui.text(".onshi-error").contains("入力欄を確認"));
    let heading = focused().expect("something is focused");
    assert!(
        heading.matches(".onshi-error__heading").unwrap(),
        "without Retry the keyboard lands on the heading: {:?}",
        heading.class_name()
    );
    ui.click("[data-action=fix-fields]").await;
    assert_eq!(
        focused().map(|e| e.id()),
        Some(ui.input("insurer_number").id()),
        "back on the first field"
    );

    for code in [
        ErrorCode::BadRequest,
        ErrorCode::NotFound,
        ErrorCode::Internal,
    ] {
        ui.client.reply(Err(api_error(500, code, "boom", &[])));
        ui.click("[data-action=submit]").await;
        ui.settle().await;
        assert!(ui.exists(".onshi-error"), "{code:?}");
        assert!(!ui.exists("[data-action=retry]"), "{code:?}");
        assert!(ui.text(".onshi-error").contains("管理者"), "{code:?}");
    }
}

#[wasm_bindgen_test]
async fn gateway_field_errors_put_the_keyboard_on_the_field() {
    let ui = Ui::mount(Lang::Ja).await;
    ui.client.reply(Err(api_error(
        422,
        ErrorCode::InvalidInput,
        "invalid",
        &[("number", "too_long")],
    )));
    ui.fill_patient("01130012").await;
    ui.click("[data-action=submit]").await;
    ui.settle().await;
    assert_eq!(focused().map(|e| e.id()), Some(ui.input("number").id()));
}

#[wasm_bindgen_test]
async fn the_limit_consent_box_is_sent_kept_and_reset() {
    let ui = Ui::mount(Lang::Ja).await;
    let label = ui.label_of("limit_consent");
    assert!(
        label.contains("限度額適用認定証・特定疾病療養受療証の情報提供に患者さんが同意した"),
        "{label}"
    );
    assert!(!ui.input("limit_consent").checked(), "unchecked by default");
    ui.client.reply(Err(ClientError::Timeout));
    ui.client
        .reply(Ok(answer(QualificationStatus::Valid, vec![record()])));
    ui.client
        .reply(Ok(answer(QualificationStatus::Valid, vec![record()])));
    ui.fill_patient("01130012").await;
    ui.input("limit_consent").click();
    yew::scheduler::flush().await;
    assert!(ui.input("limit_consent").checked());
    ui.click("[data-action=submit]").await;
    ui.settle().await;
    assert!(ui.exists(".onshi-error"));
    assert!(ui.input("limit_consent").checked(), "kept on error");
    ui.click("[data-action=retry]").await;
    ui.settle().await;
    let sent = ui.client.queries();
    assert_eq!(sent.len(), 2);
    assert!(sent.iter().all(|q| q.limit_consent), "{sent:?}");
    let events = ui.events();
    assert_eq!(
        get(&events[0], &["query", "limit_consent"]).as_bool(),
        Some(true)
    );
    ui.click("[data-action=next-patient]").await;
    assert!(
        !ui.input("limit_consent").checked(),
        "reset for the next patient"
    );
    assert_eq!(
        focused().map(|e| e.id()),
        Some(ui.input("insurer_number").id()),
        "the next patient starts at the first field"
    );
    ui.fill_patient("01130012").await;
    ui.click("[data-action=submit]").await;
    ui.settle().await;
    assert!(!ui.client.queries()[2].limit_consent);
}

#[wasm_bindgen_test]
async fn medical_assistance_tickets_are_on_the_card() {
    let ui = Ui::mount(Lang::Ja).await;
    let mut assisted = record();
    assisted.medical_tickets = vec![onshi_core::qualification::MedicalTicket {
        ticket_type: Some("1".into()),
        valid_date: Some("20261101".into()),
        expiration_date: Some("20261130".into()),
        designated_institution_code: Some("1312345678".into()),
        designated_institution_name: Some("試験クリニック".into()),
        self_pay_amount: Some("1000".into()),
        ..Default::default()
    }];
    ui.client
        .reply(Ok(answer(QualificationStatus::Valid, vec![assisted])));
    ui.fill_patient("01130012").await;
    ui.click("[data-action=submit]").await;
    ui.settle().await;
    let card = ui.text(".onshi-card");
    for expected in [
        "医療扶助（医療券・調剤券）",
        "券種別",
        "2026年11月1日",
        "2026年11月30日",
        "試験クリニック（1312345678）",
        "本人支払額",
        "1000",
    ] {
        assert!(card.contains(expected), "card lacks {expected:?}: {card}");
    }
}

fn api_error(status: u16, code: ErrorCode, message: &str, fields: &[(&str, &str)]) -> ClientError {
    ClientError::Api {
        status,
        error: ApiError {
            code,
            message: message.into(),
            fields: fields
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect::<BTreeMap<_, _>>(),
        },
    }
}
