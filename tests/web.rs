//! The mounted component in a real browser, driven like a receptionist would: typing
//! (input events), leaving fields (blur), clicking. The gateway is a scripted fake.
#![cfg(target_arch = "wasm32")]

mod common;

use std::collections::BTreeMap;

use common::*;
use onshi::api::ClientError;
use onshi_core::api::{ApiError, ErrorCode, QualificationStatus};
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
    assert_eq!(ui.text(".onshi-inflight__elapsed"), "0秒経過");
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
    assert_eq!(ui.text(".onshi-inflight__elapsed"), "1秒経過");
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
    assert_eq!(ui.events().len(), 0);
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

    let mut handle = onshi::mount(host.clone(), wasm_bindgen::JsValue::UNDEFINED).unwrap();
    yew::scheduler::flush().await;
    assert!(host.query_selector(".onshi-form").unwrap().is_some());
    handle.unmount();
}

#[wasm_bindgen_test]
async fn two_mounts_have_distinct_ids() {
    let first = Ui::mount(Lang::Ja).await;
    let second = Ui::mount(Lang::Ja).await;
    assert_ne!(first.input("number").id(), second.input("number").id());
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
