//! The gateway status strip in a real browser: the mounted component reads a scripted
//! `GET /v1/health` on mount, on its timer, after a failed request and on "Check again",
//! and shows (or clears) its notices.
#![cfg(target_arch = "wasm32")]

mod common;

use std::collections::BTreeMap;
use std::rc::Rc;

use common::*;
use onshi::api::ClientError;
use onshi_core::api::{ApiError, ErrorCode};
use onshi_core::codes::Lang;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

const DESKS: &str = "[data-notice=desks_not_shared]";
const UNREACHABLE: &str = "[data-notice=gateway_unreachable]";
const RECHECK: &str = "[data-action=recheck-gateway]";

/// Mounts with `client`, and waits for the first health reading to be on screen.
async fn mount_checked(lang: Lang, client: ScriptedClient) -> Ui {
    let ui = Ui::mount_with(lang, Rc::new(client)).await;
    assert!(
        ui.wait_for(".onshi-status:not([data-gateway=unchecked])", 2_000)
            .await,
        "no health reading on screen"
    );
    ui
}

fn client_with(health: Result<onshi_core::api::Health, ClientError>) -> ScriptedClient {
    let client = ScriptedClient::default();
    client.set_health(health);
    client
}

#[wasm_bindgen_test]
async fn several_desks_without_a_shared_store_are_told_in_japanese_then_english() {
    let ui = mount_checked(
        Lang::Ja,
        client_with(Ok(health_with(
            r#""desks":{"others":1,"shared_store":false}"#,
        ))),
    )
    .await;
    assert_eq!(ui.client.health_calls.get(), 1, "one check on mount");
    assert_eq!(ui.attr(DESKS, "role").as_deref(), Some("status"));
    assert_eq!(ui.count(".onshi-status__notice"), 1);
    let ja = ui.text(DESKS);
    assert!(
        ja.contains("この資格確認端末の共有フォルダを他の受付PC（1台）も使っていますが"),
        "{ja}"
    );
    assert!(
        ja.contains("PostgreSQL") && ja.contains("管理者に連絡"),
        "{ja}"
    );
    assert_eq!(
        ui.text(&format!("{DESKS} .onshi-status__symbol")),
        "⚠",
        "a symbol, not colour alone"
    );
    assert_eq!(
        ui.attr(&format!("{DESKS} .onshi-status__symbol"), "aria-hidden")
            .as_deref(),
        Some("true")
    );
    assert_eq!(ui.text(&format!("{DESKS} .onshi-status__label")), "要連絡");
    assert_eq!(ui.text(RECHECK), "再確認");
    assert!(!ui.exists("[style]"), "no inline styles");

    ui.click("[data-lang=en]").await;
    let en = ui.text(DESKS);
    assert!(
        en.contains("Another reception PC uses this qualification terminal's shared folder"),
        "{en}"
    );
    assert!(!en.contains("受付"), "{en}");
    assert_eq!(ui.text(RECHECK), "Check again");
    assert_eq!(ui.attr(".onshi", "lang").as_deref(), Some("en"));
}

#[wasm_bindgen_test]
async fn a_fine_gateway_shows_no_notice() {
    let ui = mount_checked(Lang::Ja, ScriptedClient::default()).await;
    assert_eq!(
        ui.attr(".onshi-status", "data-gateway").as_deref(),
        Some("fine")
    );
    assert_eq!(ui.count(".onshi-status__notice"), 0);
    assert!(!ui.exists(RECHECK), "no button with nothing to check");
    assert!(!ui.exists("[role=alert]"));
    assert_eq!(ui.client.health_calls.get(), 1);
}

#[wasm_bindgen_test]
async fn a_failed_health_check_is_an_alert_that_check_again_clears() {
    let ui = mount_checked(Lang::Ja, client_with(Err(ClientError::Unreachable))).await;
    assert_eq!(ui.attr(UNREACHABLE, "role").as_deref(), Some("alert"));
    assert!(ui
        .text(UNREACHABLE)
        .contains("ゲートウェイ（onshi-gateway）が応答しません"));
    assert_eq!(
        ui.text(&format!("{UNREACHABLE} .onshi-status__symbol")),
        "✕"
    );
    assert_eq!(
        ui.text(&format!("{UNREACHABLE} .onshi-status__label")),
        "障害"
    );

    // The gateway is back; the desk presses "Check again".
    ui.client.set_health(Ok(fine_health()));
    ui.click(RECHECK).await;
    assert!(
        ui.wait_for(".onshi-status[data-gateway=fine]", 2_000).await,
        "the notice stays: {}",
        ui.text(".onshi-status")
    );
    assert_eq!(ui.client.health_calls.get(), 2);
    assert!(!ui.exists(UNREACHABLE));
}

#[wasm_bindgen_test]
async fn a_request_failing_on_the_gateway_side_checks_health_again() {
    let ui = mount_checked(Lang::Ja, ScriptedClient::default()).await;
    assert_eq!(ui.client.health_calls.get(), 1);
    ui.client
        .set_health(Ok(health_with(r#""terminal":"offline""#)));
    ui.client.reply(Err(ClientError::Api {
        status: 503,
        error: ApiError {
            code: ErrorCode::TerminalUnavailable,
            message: "the terminal folder cannot be reached".into(),
            fields: BTreeMap::new(),
        },
    }));
    ui.fill_patient("01130012").await;
    ui.click("[data-action=submit]").await;
    assert!(
        ui.wait_for("[data-notice=terminal_offline]", 2_000).await,
        "no notice after the failure: {}",
        ui.text(".onshi-status")
    );
    assert_eq!(
        ui.client.health_calls.get(),
        2,
        "checked right after the failure"
    );
    assert_eq!(
        ui.attr("[data-notice=terminal_offline]", "role").as_deref(),
        Some("alert")
    );
    assert!(
        ui.exists(".onshi-error"),
        "the request's own error is still shown"
    );
}

#[wasm_bindgen_test]
async fn the_timer_checks_again_and_the_notices_clear_by_themselves() {
    let client = client_with(Ok(health_with(
        r#""terminal":"degraded","store":{"backend":"postgres","reachable":false},
           "desks":{"others":2,"shared_store":false}"#,
    )));
    client.health_every.set(Some(50));
    let ui = mount_checked(Lang::En, client).await;
    // Most urgent first: the terminal, then the store, then the advice.
    let order: Vec<String> = (0..ui.count(".onshi-status__notice"))
        .map(|i| {
            ui.root
                .query_selector_all(".onshi-status__notice")
                .unwrap()
                .item(i)
                .and_then(|node| wasm_bindgen::JsCast::dyn_into::<web_sys::Element>(node).ok())
                .and_then(|e| e.get_attribute("data-notice"))
                .unwrap_or_default()
        })
        .collect();
    assert_eq!(
        order,
        ["terminal_degraded", "store_unreachable", "desks_not_shared"]
    );
    assert!(ui
        .text("[data-notice=store_unreachable]")
        .contains("insurance card numbers still work"));
    let advice = ui.text(&format!("{DESKS} .onshi-status__text"));
    assert!(
        advice.starts_with("Action needed 2 other reception PCs"),
        "{advice}"
    );

    ui.client.set_health(Ok(fine_health()));
    assert!(
        ui.wait_for(".onshi-status[data-gateway=fine]", 3_000).await,
        "the timer did not clear the notices: {}",
        ui.text(".onshi-status")
    );
    assert!(ui.client.health_calls.get() >= 2);
    assert_eq!(ui.count(".onshi-status__notice"), 0);
}
