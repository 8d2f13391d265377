//! The patient kiosk in a real browser with a scripted gateway: the whole flow by
//! keyboard, the `lang` of every text run in five languages, the idle warning and reset,
//! card removal, refused receipts and withdrawal. Every action is a focusable button
//! reached the way the keyboard reaches it (focus, then its activation); the PIN is typed
//! as key events, as in tests/card_session.rs.
#![cfg(target_arch = "wasm32")]

mod common;

use std::collections::BTreeMap;
use std::rc::Rc;

use common::*;
use onshi::api::ClientError;
use onshi::credential::CredentialOption;
use onshi::kiosk::idle::Timing;
use onshi::kiosk::lang::KioskLang;
use onshi::kiosk::KioskOptions;
use onshi_core::api::QualificationStatus;
use onshi_core::card_session::{
    CardErrorCode, CardSessionError, CardSessionState, TokenKind, VerificationMethod,
};
use onshi_core::consent::{state_of, ConsentCategory, ConsentDecisions, ConsentOverview};
use onshi_core::roles::Role;
use p256::ecdsa::SigningKey;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen(inline_js = r#"
export function textRuns(root) {
  const runs = [];
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const text = node.data.trim();
    if (!text) continue;
    const owner = node.parentElement.closest("[lang]");
    runs.push(`${owner ? owner.getAttribute("lang") : ""}\t${text}`);
  }
  return runs;
}

export function plainText(root) {
  const copy = root.cloneNode(true);
  copy.querySelectorAll("rt, rp").forEach((e) => e.remove());
  return copy.textContent;
}
"#)]
extern "C" {
    #[wasm_bindgen(js_name = textRuns)]
    fn text_runs(root: &web_sys::Element) -> Vec<String>;
    /// The text as read, without the furigana.
    #[wasm_bindgen(js_name = plainText)]
    fn plain_text(root: &web_sys::Element) -> String;
}

const DISPLAY: &str = ".onshi-pin__display";
const LANG_BUTTON: &str = ".onshi-kiosk__lang";

fn pin_required(tries_left: u8) -> CardSessionState {
    CardSessionState::PinRequired {
        tries_left,
        token: TokenKind::Card,
        previous_attempt_failed: false,
    }
}

fn done() -> CardSessionState {
    CardSessionState::Done {
        method: VerificationMethod::Pin,
        answer: answer(QualificationStatus::Valid, vec![record()]),
    }
}

fn quick() -> Timing {
    Timing {
        idle_ms: 600,
        warning_ms: 1_200,
        done_ms: 600,
        watch_ms: 200,
    }
}

async fn mount_kiosk(lang: KioskLang, client: Rc<ScriptedClient>, timing: Timing) -> Ui {
    let root = host_element();
    let options = KioskOptions {
        gateway: "http://127.0.0.1:7611".into(),
        lang,
        credential: CredentialOption::Fixed(credential(Role::Kiosk, "kiosk-1")),
        categories: vec![ConsentCategory::Medications, ConsentCategory::Checkups],
        timing,
    };
    let handle = onshi::kiosk::mount_with_client(root.clone(), options, client.clone());
    let ui = Ui::adopt(root, client);
    *ui.handle.borrow_mut() = Some(handle);
    ui.settle().await;
    ui
}

/// A kiosk whose gateway has the card at the PIN step at once (the card was on the
/// reader) and accepts the PIN.
async fn kiosk(lang: KioskLang, timing: Timing) -> Ui {
    let client = Rc::new(ScriptedClient::default());
    client
        .start_replies
        .borrow_mut()
        .push_back(Ok(session("s1", pin_required(3))));
    client
        .step_replies
        .borrow_mut()
        .push_back(Ok(session("s1", done())));
    mount_kiosk(lang, client, timing).await
}

impl Ui {
    fn screen(&self) -> String {
        self.attr(".onshi-kiosk", "data-screen").unwrap_or_default()
    }

    async fn at(&self, screen: &str) {
        assert!(
            self.wait_for(&format!(".onshi-kiosk[data-screen={screen}]"), 5_000)
                .await,
            "never reached {screen}, at {}",
            self.screen()
        );
    }

    /// What the keyboard does: Tab to the button (it must be focusable), then Enter.
    async fn press(&self, selector: &str) {
        let element: web_sys::HtmlElement = self
            .root
            .query_selector(selector)
            .unwrap()
            .unwrap_or_else(|| panic!("no {selector} at {}", self.screen()))
            .dyn_into()
            .unwrap();
        assert_eq!(element.tag_name(), "BUTTON", "{selector}");
        assert!(
            element.tab_index() >= 0,
            "{selector} is not in the tab order"
        );
        assert!(!self.is_disabled(selector), "{selector} is disabled");
        element.focus().unwrap();
        element.click();
        self.settle().await;
    }

    /// Types the PIN on the pad and sends it, by keys only.
    async fn enter_pin(&self) {
        self.at("pin").await;
        assert!(
            self.active_data("class")
                .is_some_and(|c| c.contains("onshi-pin__display")),
            "the pad's display has the focus"
        );
        self.keys(DISPLAY, &["1", "2", "3", "4", "Enter"]).await;
        self.settle().await;
    }

    /// Every text run's `lang` is `lang`, except the language buttons, each in its own.
    fn assert_lang(&self, lang: KioskLang) {
        let own: Vec<&str> = KioskLang::ALL.iter().map(|l| l.own_name()).collect();
        for run in text_runs(&self.root) {
            let (tag, text) = run.split_once('\t').unwrap();
            if let Some(i) = own.iter().position(|name| *name == text) {
                assert_eq!(tag, KioskLang::ALL[i].tag(), "{text}");
            } else {
                assert_eq!(tag, lang.tag(), "{text:?} at {}", self.screen());
            }
        }
    }

    /// Switches through every language on this screen, checking each, and back.
    async fn every_language(&self, back_to: KioskLang) {
        for lang in KioskLang::ALL {
            self.press(&format!("{LANG_BUTTON}[data-lang='{}']", lang.tag()))
                .await;
            self.assert_lang(lang);
            assert_eq!(
                self.attr(
                    &format!("{LANG_BUTTON}[data-lang='{}']", lang.tag()),
                    "aria-pressed"
                )
                .as_deref(),
                Some("true")
            );
        }
        self.press(&format!("{LANG_BUTTON}[data-lang='{}']", back_to.tag()))
            .await;
    }

    async fn answer(&self, question: &str, yes: bool) {
        assert_eq!(
            self.attr("[data-question]", "data-question").as_deref(),
            Some(question)
        );
        self.press(if yes {
            "[data-answer=yes]"
        } else {
            "[data-answer=no]"
        })
        .await;
    }

    /// From the first question to the summary: yes, no, yes, no.
    async fn answer_all(&self) {
        self.at("question").await;
        self.answer("medications", true).await;
        self.answer("checkups", false).await;
        self.answer("limit_certificate", true).await;
        self.answer("specific_disease", false).await;
        self.at("summary").await;
    }

    /// The text on screen as read (furigana left out).
    fn all_text(&self) -> String {
        plain_text(&self.root)
    }

    /// Nothing of a patient is left: no answers, consents, or questions.
    fn assert_nothing_of_the_patient(&self) {
        assert_eq!(self.screen(), "start");
        for selector in [
            "[data-question]",
            "[data-consent]",
            "[data-until]",
            "[data-answer]",
        ] {
            assert!(!self.exists(selector), "{selector} left on screen");
        }
        let text = self.all_text();
        for word in ["薬", "健診", "限度額", "24"] {
            assert!(!text.contains(word), "{word} left in {text}");
        }
    }
}

#[wasm_bindgen_test]
async fn the_whole_flow_by_keyboard_in_japanese_with_furigana() {
    let client = Rc::new(ScriptedClient::default());
    client
        .step_replies
        .borrow_mut()
        .push_back(Ok(session("s1", done())));
    let ui = mount_kiosk(KioskLang::Ja, client, Timing::default()).await;
    ui.at("start").await;
    assert!(ui.text(".onshi-kiosk__heading").contains("カードを"));
    ui.assert_lang(KioskLang::Ja);
    ui.every_language(KioskLang::Ja).await;
    assert!(!ui.exists("[data-action=finish]"), "nothing to finish yet");
    // The card is put on the reader: the polling fallback finds the PIN step.
    *ui.client.session.borrow_mut() = Some(session("s1", pin_required(3)));
    ui.enter_pin().await;
    assert_eq!(ui.client.pins.borrow().clone(), vec!["1234".to_string()]);
    // No consents on record: straight to the first question, which has the focus.
    ui.at("question").await;
    assert_eq!(ui.active_data("id"), ui.attr(".onshi-kiosk__heading", "id"));
    assert!(
        ui.exists(".onshi-kiosk__who ruby rt"),
        "furigana on the wording"
    );
    let who = ui.text(".onshi-kiosk__who");
    assert!(who.contains("24"), "{who}");
    assert!(who.contains("薬剤師"), "{who}");
    ui.answer_all().await;
    let summary = ui.all_text();
    assert!(summary.contains("見せない"), "{summary}");
    ui.press("[data-action=record]").await;
    ui.at("done").await;
    let given = ui.client.given.borrow().clone();
    assert_eq!(given.len(), 1);
    assert_eq!(given[0].session, "s1");
    assert_eq!(
        given[0].decisions,
        ConsentDecisions {
            medications: Some(true),
            checkups: Some(false),
            diagnoses: None,
            operations: None,
            limit_certificate: Some(true),
            specific_disease: Some(false),
        }
    );
    assert!(ui
        .client
        .secrets
        .borrow()
        .contains(&"give_consent s1 secret-s1".to_string()));
    assert!(ui.client.key_fetches.get() >= 1, "the receipt was checked");
    assert!(ui.all_text().contains("まで見られます"));
    assert!(ui.exists("[data-until]"));
    ui.assert_lang(KioskLang::Ja);
    // Finish by keyboard: back to the start, the card session cancelled.
    ui.press("[data-action=finish]").await;
    ui.at("start").await;
    ui.assert_nothing_of_the_patient();
    assert!(ui.client.card_calls().contains(&"cancel s1".to_string()));
}

#[wasm_bindgen_test]
async fn the_language_switches_on_every_screen_and_every_run_carries_it() {
    let ui = kiosk(KioskLang::Ja, Timing::default()).await;
    ui.enter_pin().await;
    ui.at("question").await;
    ui.every_language(KioskLang::Ko).await;
    assert!(!ui.exists("ruby"), "furigana only in Japanese");
    ui.answer_all().await;
    ui.every_language(KioskLang::Vi).await;
    ui.press("[data-action=record]").await;
    ui.at("done").await;
    ui.every_language(KioskLang::ZhHans).await;
    ui.assert_lang(KioskLang::ZhHans);
}

#[wasm_bindgen_test]
async fn the_pin_screen_switches_language_and_keeps_the_tries_in_view() {
    let client = Rc::new(ScriptedClient::default());
    client
        .start_replies
        .borrow_mut()
        .push_back(Ok(session("s1", pin_required(1))));
    let ui = mount_kiosk(KioskLang::En, client, Timing::default()).await;
    ui.at("pin").await;
    assert!(ui.text(".onshi-pin__tries").contains("1 try left"));
    ui.every_language(KioskLang::Ja).await;
    assert!(ui.text(".onshi-pin__tries").contains("1"));
    // The last try asks first, as at the desk.
    ui.keys(DISPLAY, &["1", "2", "3", "4", "Enter"]).await;
    assert!(ui.exists(".onshi-pin__confirm"));
    assert!(ui.client.pins.borrow().is_empty());
    ui.every_language(KioskLang::Ja).await;
}

#[wasm_bindgen_test]
async fn idle_warning_extends_then_resets_leaving_nothing() {
    let ui = kiosk(KioskLang::Ja, quick()).await;
    ui.enter_pin().await;
    ui.at("question").await;
    ui.answer("medications", true).await;
    assert!(
        ui.wait_for(".onshi-kiosk__idle[role=alertdialog]", 4_000)
            .await,
        "the warning comes"
    );
    assert!(ui.text(".onshi-kiosk__idle").contains("秒"));
    assert_eq!(ui.active_data("data-action").as_deref(), Some("keep-going"));
    ui.assert_lang(KioskLang::Ja);
    ui.press("[data-action=keep-going]").await;
    assert!(!ui.exists(".onshi-kiosk__idle"), "a touch extends");
    assert_eq!(ui.screen(), "question");
    // Left alone: back to the start, nothing of the patient left, the session cancelled.
    assert!(ui.wait_for(".onshi-kiosk[data-screen=start]", 4_000).await);
    ui.assert_nothing_of_the_patient();
    assert!(ui.client.card_calls().contains(&"cancel s1".to_string()));
}

#[wasm_bindgen_test]
async fn the_done_screen_returns_to_the_start_by_itself() {
    let ui = kiosk(KioskLang::En, quick()).await;
    ui.enter_pin().await;
    ui.answer_all().await;
    ui.press("[data-action=record]").await;
    ui.at("done").await;
    assert!(ui.wait_for(".onshi-kiosk[data-screen=start]", 4_000).await);
    ui.assert_nothing_of_the_patient();
}

#[wasm_bindgen_test]
async fn taking_the_card_away_ends_the_visit() {
    let timing = Timing {
        watch_ms: 200,
        ..Timing::default()
    };
    let ui = kiosk(KioskLang::Ja, timing).await;
    ui.enter_pin().await;
    ui.at("question").await;
    ui.answer("medications", true).await;
    *ui.client.session.borrow_mut() = Some(session(
        "s1",
        CardSessionState::Failed {
            error: CardSessionError {
                code: CardErrorCode::CardRemoved,
                message: "synthetic".into(),
            },
        },
    ));
    assert!(ui.wait_for(".onshi-kiosk[data-screen=start]", 3_000).await);
    ui.assert_nothing_of_the_patient();
    assert!(
        !ui.client.card_calls().contains(&"cancel s1".to_string()),
        "the gateway ended the session already"
    );
}

#[wasm_bindgen_test]
async fn taking_the_card_away_at_the_pin_pad_ends_the_visit() {
    let ui = kiosk(KioskLang::Ja, Timing::default()).await;
    ui.at("pin").await;
    ui.keys(DISPLAY, &["1", "2"]).await;
    *ui.client.session.borrow_mut() = Some(session(
        "s1",
        CardSessionState::Failed {
            error: CardSessionError {
                code: CardErrorCode::CardRemoved,
                message: "synthetic".into(),
            },
        },
    ));
    assert!(ui.wait_for(".onshi-kiosk[data-screen=start]", 5_000).await);
    assert!(!ui.exists(".onshi-pin"));
}

async fn refused(receipt_key: &SigningKey, given_at: i64, expected: &str) {
    let ui = kiosk(KioskLang::Ja, Timing::default()).await;
    ui.client
        .consent_replies
        .borrow_mut()
        .push_back(Ok(consent_record(
            "c1",
            ConsentDecisions::default(),
            given_at,
            receipt_key,
        )));
    ui.enter_pin().await;
    ui.answer_all().await;
    ui.press("[data-action=record]").await;
    assert!(
        ui.wait_for(&format!("[data-error={expected}][role=alert]"), 3_000)
            .await,
        "no {expected} at {}",
        ui.screen()
    );
    assert_eq!(ui.screen(), "summary", "never the done screen");
    assert!(!ui.all_text().contains("記録しました"));
    assert!(ui.all_text().contains("記録されていません"));
    ui.assert_lang(KioskLang::Ja);
    // Trying again with a good receipt records.
    ui.press("[data-action=record]").await;
    ui.at("done").await;
}

#[wasm_bindgen_test]
async fn a_receipt_signed_by_another_key_is_refused() {
    let forger = SigningKey::from_slice(&[0x33u8; 32]).unwrap();
    refused(&forger, now_secs(), "receipt_refused").await;
}

#[wasm_bindgen_test]
async fn an_expired_receipt_is_refused() {
    refused(&gateway_key(), now_secs() - 2 * 86_400, "receipt_expired").await;
}

#[wasm_bindgen_test]
async fn consents_on_record_can_be_withdrawn() {
    let client = Rc::new(ScriptedClient::default());
    client
        .start_replies
        .borrow_mut()
        .push_back(Ok(session("s1", pin_required(3))));
    client
        .step_replies
        .borrow_mut()
        .push_back(Ok(session("s1", done())));
    let now = now_secs();
    let records = vec![consent_record(
        "c0",
        ConsentDecisions {
            medications: Some(true),
            checkups: Some(false),
            ..Default::default()
        },
        now - 600,
        &gateway_key(),
    )];
    let states: BTreeMap<_, _> = ConsentCategory::ALL
        .iter()
        .map(|c| (*c, state_of(&records, *c, now)))
        .collect();
    *client.overview.borrow_mut() = Some(Ok(ConsentOverview {
        consents: records,
        states,
    }));
    let ui = mount_kiosk(KioskLang::Ja, client, Timing::default()).await;
    ui.enter_pin().await;
    ui.at("overview").await;
    ui.assert_lang(KioskLang::Ja);
    ui.every_language(KioskLang::En).await;
    assert!(ui.all_text().contains("They may see it until"));
    assert_eq!(ui.count("[data-action=withdraw]"), 1, "only the valid one");
    ui.press("[data-action=withdraw][data-consent=c0]").await;
    ui.settle().await;
    assert_eq!(
        ui.client.withdrawn.borrow().clone(),
        vec!["c0 s1".to_string()]
    );
    assert!(
        ui.wait_for("[data-category=medications]", 1_000).await
            && ui
                .text("[data-category=medications]")
                .contains("You took this back"),
        "{}",
        ui.all_text()
    );
    assert!(!ui.exists("[data-action=withdraw]"));
    ui.press("[data-action=next]").await;
    ui.at("question").await;
}

#[wasm_bindgen_test]
async fn a_receipt_for_other_decisions_is_refused() {
    let ui = kiosk(KioskLang::En, Timing::default()).await;
    let everything = ConsentDecisions {
        medications: Some(true),
        checkups: Some(true),
        limit_certificate: Some(true),
        specific_disease: Some(true),
        ..Default::default()
    };
    ui.client
        .consent_replies
        .borrow_mut()
        .push_back(Ok(consent_record(
            "c1",
            everything,
            now_secs(),
            &gateway_key(),
        )));
    ui.enter_pin().await;
    ui.answer_all().await;
    ui.press("[data-action=record]").await;
    assert!(
        ui.wait_for("[data-error=receipt_refused][role=alert]", 3_000)
            .await
    );
    assert_eq!(ui.screen(), "summary");
    ui.assert_lang(KioskLang::En);
}

#[wasm_bindgen_test]
async fn a_gateway_that_cannot_start_a_session_asks_for_staff() {
    let client = Rc::new(ScriptedClient::default());
    client
        .start_replies
        .borrow_mut()
        .push_back(Err(ClientError::Unreachable));
    let ui = mount_kiosk(KioskLang::Vi, client, Timing::default()).await;
    assert!(ui.wait_for("[data-error=start][role=alert]", 2_000).await);
    ui.assert_lang(KioskLang::Vi);
    // Trying again starts a new session (the scripted gateway now answers).
    ui.press("[data-action=start-over]").await;
    ui.at("start").await;
    assert_eq!(
        ui.client
            .card_calls()
            .iter()
            .filter(|c| *c == "start")
            .count(),
        2
    );
}
