//! Who the page works for, against the scripted gateway: the `credential` mount option
//! (a string or a function), the not-signed-in and sign-in-again states, what each role is
//! offered, one refresh and retry after `credential_expired`, the gateway's signature
//! over answers, and the event stream's tickets.
#![cfg(target_arch = "wasm32")]

mod common;

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use common::*;
use futures::FutureExt;
use onshi::api::{ClientError, FeedSignal};
use onshi::config::MountOptions;
use onshi::credential::{CredentialOption, CredentialProvider};
use onshi_core::api::{ErrorCode, QualificationStatus};
use onshi_core::codes::Lang;
use onshi_core::roles::Role;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn options(lang: Lang, credential: CredentialOption) -> MountOptions {
    MountOptions {
        lang,
        credential,
        ..MountOptions::default()
    }
}

/// A host page's credential function handing out `answers` in order (then failing),
/// counting its calls.
fn host_function(answers: Vec<Result<String, String>>) -> (CredentialProvider, Rc<Cell<u32>>) {
    let calls = Rc::new(Cell::new(0));
    let answers = Rc::new(RefCell::new(answers.into_iter()));
    let provider: CredentialProvider = {
        let calls = calls.clone();
        Rc::new(move || {
            calls.set(calls.get() + 1);
            let next = answers
                .borrow_mut()
                .next()
                .unwrap_or(Err("signed out".into()));
            futures::future::ready(next).boxed_local()
        })
    };
    (provider, calls)
}

async fn mount(lang: Lang, credential: CredentialOption) -> Ui {
    let ui = Ui::mount_options(
        options(lang, credential),
        Rc::new(ScriptedClient::default()),
    )
    .await;
    ui.settle().await;
    ui
}

#[wasm_bindgen_test]
async fn without_a_credential_the_page_says_nobody_is_signed_in() {
    for (lang, heading, words) in [
        (
            Lang::Ja,
            "サインインしていません",
            "電子カルテで利用者がサインインしていない",
        ),
        (
            Lang::En,
            "Nobody is signed in",
            "The EMR has not signed anyone in",
        ),
    ] {
        let ui = mount(lang, CredentialOption::Missing).await;
        let panel = "[data-access=not_signed_in]";
        assert!(ui.exists(panel), "{}", ui.text(".onshi"));
        assert_eq!(ui.attr(panel, "role").as_deref(), Some("status"));
        assert_eq!(
            ui.text(&format!("{panel} [role=heading]"))
                .trim()
                .to_string(),
            heading
        );
        assert!(ui.text(panel).contains(words), "{}", ui.text(panel));
        // No broken form, no dead buttons: nothing to press for a fixed (absent) one.
        assert!(!ui.exists("input"));
        assert!(!ui.exists(".onshi-queue"));
        assert!(!ui.exists("[data-action=read-card]"));
        assert!(!ui.exists("[data-action=ask-again]"));
        // Nothing that needs a credential was asked for; the open health check was.
        assert!(ui.client.bearers.borrow().is_empty());
        assert_eq!(ui.feed.open_subscriptions(), 0);
        assert!(ui.client.health_calls.get() >= 1);
        // The status strip still works, and the header keeps the language switch.
        assert!(ui.exists(".onshi-status"));
        assert!(ui.exists("[data-lang=en]"));
    }
}

#[wasm_bindgen_test]
async fn a_function_that_fails_or_gives_nothing_is_not_signed_in_and_can_be_asked_again() {
    let (provider, calls) = host_function(vec![
        Err("no session".into()),
        Ok(String::new()),
        Ok(credential(Role::Reception, "u1")),
    ]);
    let ui = mount(Lang::Ja, CredentialOption::Provider(provider)).await;
    assert!(ui.exists("[data-access=not_signed_in]"));
    assert_eq!(calls.get(), 1);
    // A function can be asked again; an empty credential is nobody too.
    ui.click("[data-action=ask-again]").await;
    ui.settle().await;
    assert_eq!(calls.get(), 2);
    assert!(ui.exists("[data-access=not_signed_in]"));
    ui.click("[data-action=ask-again]").await;
    ui.settle().await;
    assert_eq!(calls.get(), 3);
    assert!(!ui.exists("[data-access]"), "signed in now");
    assert!(ui.exists(".onshi-form"));
    assert!(ui.exists(".onshi-queue"));
    assert_eq!(
        ui.feed.open_subscriptions(),
        1,
        "the stream opens once signed in"
    );
}

#[wasm_bindgen_test]
async fn every_call_carries_the_credential_and_the_stream_a_ticket() {
    let token = credential(Role::Reception, "u1");
    let ui = mount(Lang::Ja, CredentialOption::Fixed(token.clone())).await;
    ui.client
        .reply(Ok(answer(QualificationStatus::Valid, vec![record()])));
    ui.fill_patient("01130012").await;
    ui.click("[data-action=submit]").await;
    ui.settle().await;
    assert!(ui.exists(".onshi-result"));
    assert_eq!(ui.client.bearers_of("qualify"), vec![token.clone()]);
    assert_eq!(ui.client.bearers_of("ticket"), vec![token.clone()]);
    assert_eq!(ui.client.bearers_of("keys"), vec![token]);
    // The stream opened with the ticket, never with the credential.
    assert_eq!(*ui.feed.tickets.borrow(), vec!["ticket-1".to_string()]);
}

#[wasm_bindgen_test]
async fn an_expired_credential_is_refreshed_once_and_the_call_retried() {
    let first = credential(Role::Reception, "first");
    let second = credential(Role::Reception, "second");
    let (provider, calls) = host_function(vec![Ok(first.clone()), Ok(second.clone())]);
    let ui = mount(Lang::Ja, CredentialOption::Provider(provider)).await;
    assert!(ui.exists(".onshi-form"));
    assert_eq!(calls.get(), 1);
    // The EMR's credential runs out while the desk works.
    ui.client.expired.borrow_mut().push(first.clone());
    ui.client
        .reply(Ok(answer(QualificationStatus::Valid, vec![record()])));
    ui.fill_patient("01130012").await;
    ui.click("[data-action=submit]").await;
    ui.settle().await;
    assert!(
        ui.exists(".onshi-result"),
        "{}",
        ui.text(".onshi-reception__panel")
    );
    assert_eq!(ui.client.bearers_of("qualify"), vec![first, second.clone()]);
    assert_eq!(
        ui.client.queries().len(),
        1,
        "the gateway refused before working"
    );
    assert_eq!(calls.get(), 2, "one fresh credential");
    assert_eq!(ui.client.bearers_of("keys"), vec![second]);
}

#[wasm_bindgen_test]
async fn a_refusal_a_fresh_credential_does_not_cure_asks_to_sign_in_again() {
    for (lang, heading) in [
        (Lang::Ja, "サインインし直してください"),
        (Lang::En, "Please sign in again"),
    ] {
        let first = credential(Role::Reception, "first");
        let second = credential(Role::Reception, "second");
        let (provider, calls) = host_function(vec![Ok(first.clone()), Ok(second.clone())]);
        let ui = mount(lang, CredentialOption::Provider(provider)).await;
        ui.client
            .expired
            .borrow_mut()
            .extend([first.clone(), second.clone()]);
        ui.client
            .reply(Ok(answer(QualificationStatus::Valid, vec![record()])));
        ui.fill_patient("01130012").await;
        ui.click("[data-action=submit]").await;
        ui.settle().await;
        let panel = "[data-access=sign_in_again]";
        assert!(ui.exists(panel), "{}", ui.text(".onshi"));
        assert_eq!(ui.attr(panel, "role").as_deref(), Some("alert"));
        assert_eq!(
            ui.text(&format!("{panel} [role=heading]"))
                .trim()
                .to_string(),
            heading
        );
        assert_eq!(ui.client.bearers_of("qualify"), vec![first, second]);
        assert_eq!(calls.get(), 2, "refreshed once, not in a loop");
        assert!(
            !ui.exists("input"),
            "no form, and no patient left on screen"
        );
        assert!(ui.exists("[data-action=ask-again]"));
    }
}

#[wasm_bindgen_test]
async fn the_role_decides_what_the_reception_page_offers() {
    for (role, lang, heading, who) in [
        (
            Role::Kiosk,
            Lang::Ja,
            "この画面は受付スタッフ用です",
            "キオスク端末",
        ),
        (
            Role::Admin,
            Lang::En,
            "This page is for reception staff",
            "administrator",
        ),
    ] {
        let ui = mount(lang, CredentialOption::Fixed(credential(role, "x"))).await;
        let panel = "[data-access=role_refused]";
        assert!(ui.exists(panel), "{role:?}: {}", ui.text(".onshi"));
        assert_eq!(
            ui.text(&format!("{panel} [role=heading]"))
                .trim()
                .to_string(),
            heading
        );
        assert!(ui.text(panel).contains(who), "{}", ui.text(panel));
        assert_eq!(ui.attr(panel, "role").as_deref(), Some("status"));
        assert!(!ui.exists("input"));
        assert!(!ui.exists("button[data-action=ask-again]"));
        // The queue is not the kiosk's: no stream, no ticket asked for.
        assert_eq!(ui.feed.open_subscriptions(), 0);
        assert!(ui.client.bearers_of("ticket").is_empty());
    }
    let clinician = mount(
        Lang::Ja,
        CredentialOption::Fixed(credential(Role::Clinician, "dr")),
    )
    .await;
    assert!(clinician.exists(".onshi-form"));
    assert!(clinician.exists(".onshi-queue"));
    assert!(clinician.exists("[data-action=read-card]"));
}

#[wasm_bindgen_test]
async fn a_role_refusal_from_the_gateway_is_shown_in_words() {
    let ui = Ui::mount(Lang::Ja).await;
    ui.client.reply(Err(api_error(
        403,
        ErrorCode::RoleNotAllowed,
        "role kiosk may not qualify",
    )));
    ui.fill_patient("01130012").await;
    ui.click("[data-action=submit]").await;
    ui.settle().await;
    assert_eq!(
        ui.text(".onshi-error__text"),
        "この操作は現在の利用者の役割では行えません。"
    );
    assert!(
        !ui.exists("[data-action=retry]"),
        "the same request gets the same answer"
    );
    assert!(ui.exists(".onshi-form"), "a 403 is not a sign-out");
}

#[wasm_bindgen_test]
async fn an_answer_whose_signature_does_not_match_is_not_shown() {
    for lang in [Lang::Ja, Lang::En] {
        let ui = Ui::mount(lang).await;
        // Signed by the gateway, then changed on the way: the digest no longer matches.
        let mut altered = sign_answer(answer(QualificationStatus::Invalid, vec![record()]));
        altered.status = QualificationStatus::Valid;
        ui.client.reply(Ok(altered));
        ui.fill_patient("01130012").await;
        ui.click("[data-action=submit]").await;
        ui.settle().await;
        assert!(!ui.exists(".onshi-result"), "never the unverified answer");
        assert!(
            !ui.text(".onshi").contains("試験 花子"),
            "no name on screen"
        );
        assert_eq!(
            ui.attr(".onshi-error", "data-error").as_deref(),
            Some("answer_signature")
        );
        let words = ui.text(".onshi-error__text");
        match lang {
            Lang::Ja => assert_eq!(
                words,
                "ゲートウェイの署名がこの回答と一致しないため、回答を表示しません。"
            ),
            Lang::En => assert_eq!(
                words,
                "The gateway's signature over this answer does not match — not shown."
            ),
        }
        assert!(ui.events().is_empty(), "no onshi:qualified for it");
    }
}

#[wasm_bindgen_test]
async fn an_unsigned_answer_or_a_foreign_signature_is_not_shown_either() {
    let ui = Ui::mount(Lang::Ja).await;
    ui.client.unsigned.set(true);
    ui.client
        .reply(Ok(answer(QualificationStatus::Valid, vec![record()])));
    let mut foreign = answer(QualificationStatus::Valid, vec![record()]);
    let header = serde_json::json!({"alg": "ES256", "kid": GATEWAY_KID, "typ": "onshi-answer+jwt"});
    let claims =
        serde_json::to_value(onshi_core::answer_token::claims_for(&foreign, "r", 1)).unwrap();
    let other_key = p256::ecdsa::SigningKey::from_slice(&[0x11u8; 32]).unwrap();
    foreign.token = Some(sign_jws(&header, &claims, &other_key));
    ui.client.reply(Ok(foreign));
    ui.fill_patient("01130012").await;
    ui.click("[data-action=submit]").await;
    ui.settle().await;
    assert_eq!(
        ui.attr(".onshi-error", "data-error").as_deref(),
        Some("answer_signature")
    );
    ui.click("[data-action=retry]").await;
    ui.settle().await;
    assert_eq!(
        ui.attr(".onshi-error", "data-error").as_deref(),
        Some("answer_signature")
    );
    assert_eq!(
        ui.client.key_fetches.get(),
        1,
        "keys fetched once, kept in memory"
    );
    assert!(ui.events().is_empty());
}

#[wasm_bindgen_test]
async fn onshi_qualified_carries_the_gateways_token() {
    let ui = Ui::mount(Lang::Ja).await;
    ui.client
        .reply(Ok(answer(QualificationStatus::Valid, vec![record()])));
    ui.fill_patient("01130012").await;
    ui.click("[data-action=submit]").await;
    ui.settle().await;
    let events = ui.events();
    assert_eq!(events.len(), 1);
    let token = get_str(&events[0], &["answer", "token"]).expect("answer.token");
    let expected = sign_answer(answer(QualificationStatus::Valid, vec![record()]));
    assert_eq!(Some(token), expected.token);
}

#[wasm_bindgen_test]
async fn each_stream_opens_with_a_new_ticket_and_resumes_after_the_last_id() {
    let ui = Ui::mount(Lang::Ja).await;
    ui.settle().await;
    ui.feed.emit(FeedSignal::Open);
    ui.feed.reception(&face_event(7, "試験 一郎", 5));
    ui.settle().await;
    // The stream ends (its credential expired); the browser's reconnect with the spent
    // ticket is refused, so the EventSource closes.
    ui.feed.emit(FeedSignal::Reconnecting);
    ui.feed.emit(FeedSignal::Closed);
    ui.settle().await;
    assert_eq!(*ui.feed.opened.borrow(), vec![None, Some(7)]);
    assert_eq!(
        *ui.feed.tickets.borrow(),
        vec!["ticket-1".to_string(), "ticket-2".to_string()]
    );
    assert_eq!(ui.feed.open_subscriptions(), 1);
}

#[wasm_bindgen_test]
async fn a_stream_the_gateway_refuses_for_this_role_says_so_in_the_queue() {
    let client = Rc::new(ScriptedClient::default());
    client.ticket_replies.borrow_mut().push_back(Err(api_error(
        403,
        ErrorCode::RoleNotAllowed,
        "role may not read the queue",
    )));
    let ui = Ui::mount_with(Lang::Ja, client).await;
    ui.settle().await;
    assert_eq!(ui.feed.open_subscriptions(), 0);
    assert_eq!(
        ui.text(".onshi-queue__refusal"),
        "この操作は現在の利用者の役割では行えません。"
    );
    assert_eq!(
        ui.attr(".onshi-queue__refusal", "role").as_deref(),
        Some("alert")
    );
    // Not asked again and again.
    gloo_timers::future::TimeoutFuture::new(100).await;
    ui.settle().await;
    assert_eq!(ui.client.tickets_issued.get(), 1);
}

#[wasm_bindgen_test]
async fn a_failed_ticket_is_asked_for_again_after_a_wait() {
    let client = Rc::new(ScriptedClient::default());
    client
        .ticket_replies
        .borrow_mut()
        .push_back(Err(ClientError::Unreachable));
    let ui = Ui::mount_with(Lang::Ja, client).await;
    ui.settle().await;
    assert_eq!(ui.feed.open_subscriptions(), 0);
    // The scripted feed waits 30 ms before another attempt.
    assert!(
        ui.wait_for(".onshi-queue", 10).await,
        "the queue panel stays"
    );
    for _ in 0..50 {
        if ui.feed.open_subscriptions() == 1 {
            break;
        }
        gloo_timers::future::TimeoutFuture::new(10).await;
        ui.settle().await;
    }
    assert_eq!(ui.feed.open_subscriptions(), 1);
    assert_eq!(ui.client.tickets_issued.get(), 2);
}

#[wasm_bindgen_test]
async fn whoever_signs_in_next_finds_no_patient_left_on_screen() {
    let first = credential(Role::Reception, "first");
    let second = credential(Role::Reception, "second");
    let third = credential(Role::Reception, "third");
    let (provider, _) = host_function(vec![Ok(first.clone()), Ok(second.clone()), Ok(third)]);
    let ui = mount(Lang::Ja, CredentialOption::Provider(provider)).await;
    ui.fill_patient("01130012").await;
    // Both credentials refused: the page asks to sign in again…
    ui.client.expired.borrow_mut().extend([first, second]);
    ui.client
        .reply(Ok(answer(QualificationStatus::Valid, vec![record()])));
    ui.click("[data-action=submit]").await;
    ui.settle().await;
    assert!(ui.exists("[data-access=sign_in_again]"));
    // …and the next sign-in starts from an empty form.
    ui.click("[data-action=ask-again]").await;
    ui.settle().await;
    assert!(ui.exists(".onshi-form"), "{}", ui.text(".onshi"));
    assert_eq!(ui.input("number").value(), "");
    assert_eq!(ui.input("birthdate").value(), "");
}
