//! Browser side of `npm run bench` (bench/run.mjs): not shipped, not in the root workspace.
//!
//! - A Yew keyed list of reception-queue entries. `onshi`'s `QueuePanel` is private to
//!   `onshi::views`, so [`QueueRows`] repeats its entry markup here line for line, built
//!   from the component's own public view model (`onshi::present::queue_entry`) and texts
//!   (`onshi::i18n`). The same rows as plain data for the vanilla-JS baseline come from
//!   [`vanilla_rows`], so both sides show identical text (run.mjs compares the DOM).
//!   Keep [`QueueRows`] in step with `src/views/queue_panel.rs`.
//! - p256 0.14 ECDSA verify of a fixed key/message/signature, for the WebCrypto baseline.

use std::cell::RefCell;
use std::rc::Rc;

use js_sys::{Array, Object, Reflect, Uint8Array};
use onshi::i18n::{self, text, Msg};
use onshi::present::{self, EntryView};
use onshi::queue::QueueEntry;
use onshi::views::queue_entry_item;
use onshi_core::api::{
    QualificationAnswer, QualificationStatus, ReceptionEvent, ReceptionEventKind,
};
use onshi_core::card_session::VerificationMethod;
use onshi_core::codes::{ConsentFlag, Lang};
use onshi_core::qualification::{Person, QualificationRecord, ViewingConsent, ViewingConsents};
use p256::ecdsa::signature::{Signer, Verifier};
use p256::ecdsa::{Signature, SigningKey, VerifyingKey};
use wasm_bindgen::prelude::*;
use yew::prelude::*;
use yew::AppHandle;

const LANG: Lang = Lang::Ja;

// ---------------------------------------------------------------------------------------
// Synthetic queue

const FAMILY: [(&str, &str); 8] = [
    ("試験", "ｼｹﾝ"),
    ("標本", "ﾋｮｳﾎﾝ"),
    ("架空", "ｶｸｳ"),
    ("模擬", "ﾓｷﾞ"),
    ("仮名", "ｶﾒｲ"),
    ("見本", "ﾐﾎﾝ"),
    ("例示", "ﾚｲｼﾞ"),
    ("合成", "ｺﾞｳｾｲ"),
];
const GIVEN: [(&str, &str); 7] = [
    ("花子", "ﾊﾅｺ"),
    ("一美", "ｶｽﾞﾐ"),
    ("太郎", "ﾀﾛｳ"),
    ("次郎", "ｼﾞﾛｳ"),
    ("恵", "ﾒｸﾞﾐ"),
    ("翔", "ｼｮｳ"),
    ("由紀", "ﾕｷ"),
];

fn consent(id: i64, shift: u32) -> Option<ViewingConsent> {
    let flag = match (id >> shift) & 3 {
        0 => return None,
        1 => ConsentFlag::Given,
        2 => ConsentFlag::NotGiven,
        _ => ConsentFlag::Expired,
    };
    Some(ViewingConsent {
        flag: Some(flag),
        ..ViewingConsent::default()
    })
}

/// Entry `id` of a synthetic day: mostly valid face results, some invalid, a few unreadable
/// files, a third already opened.
fn entry(id: i64) -> QueueEntry {
    let minutes = 8 * 60 + id % (10 * 60);
    let received_at = format!(
        "2026-11-25T{:02}:{:02}:{:02}.000+09:00",
        minutes / 60,
        minutes % 60,
        id % 60
    );
    let unreadable = id % 29 == 0;
    // Every fifth a My Number Card read (PIN, sometimes the staff's visual check).
    let card = (id % 5 == 0).then_some(if id % 4 == 0 {
        VerificationMethod::VisualCheck
    } else {
        VerificationMethod::Pin
    });
    let (family, family_kana) = FAMILY[(id as usize) % FAMILY.len()];
    let (given, given_kana) = GIVEN[(id as usize / 3) % GIVEN.len()];
    let record = QualificationRecord {
        person: Person {
            name: Some(format!("{family}　{given}")),
            name_kana: (id % 11 != 0).then(|| format!("{family_kana} {given_kana}")),
            ..Person::default()
        },
        viewing_consents: ViewingConsents {
            medications: consent(id, 0),
            checkups: consent(id, 2),
            diagnoses: consent(id, 4),
            operations: consent(id, 6),
        },
        ..QualificationRecord::default()
    };
    let status = match id % 17 {
        0 => QualificationStatus::Invalid,
        5 => QualificationStatus::NotFound,
        _ => QualificationStatus::Valid,
    };
    QueueEntry {
        event: ReceptionEvent {
            id,
            received_at,
            kind: if unreadable {
                ReceptionEventKind::FaceError
            } else if card.is_some() {
                ReceptionEventKind::CardResult
            } else {
                ReceptionEventKind::FaceResult
            },
            source_file: format!("OQSsiquc01res_face_{id:05}.xml"),
            answer: (!unreadable).then(|| QualificationAnswer {
                status,
                validity_code: Some("1".into()),
                reference_classification: None,
                checked_at: None,
                advisory: None,
                results: vec![record],
                token: None,
            }),
            prescription_issue_select: None,
            error: unreadable.then(|| "unreadable XML".into()),
            verification: if unreadable {
                None
            } else {
                card.or(Some(VerificationMethod::FaceRecognition))
            },
        },
        confirmed: id % 3 == 0,
    }
}

thread_local! {
    static ENTRIES: RefCell<Rc<Vec<QueueEntry>>> = RefCell::new(Rc::new(Vec::new()));
    static CRYPTO: RefCell<Option<(VerifyingKey, Signature)>> = const { RefCell::new(None) };
}

/// Builds `n` entries, newest (largest id) first, as the queue holds them.
#[wasm_bindgen]
pub fn prepare(n: u32) {
    let entries: Vec<QueueEntry> = (1..=i64::from(n)).rev().map(entry).collect();
    ENTRIES.with(|e| *e.borrow_mut() = Rc::new(entries));
}

// ---------------------------------------------------------------------------------------
// Yew: the component's own queue entry markup (onshi::views::queue_entry_item)

#[derive(Properties)]
pub struct QueueRowsProps {
    pub entries: Rc<Vec<QueueEntry>>,
    pub on_open: Callback<i64>,
}

impl PartialEq for QueueRowsProps {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.entries, &other.entries) && self.on_open == other.on_open
    }
}

#[component]
pub fn QueueRows(props: &QueueRowsProps) -> Html {
    let lang = LANG;
    let entries = props
        .entries
        .iter()
        .map(|entry| queue_entry_item(entry, lang, &props.on_open));
    html! {
        <ul class="onshi-queue__list">
            { for entries }
        </ul>
    }
}

/// A mounted Yew list.
#[wasm_bindgen]
pub struct YewList {
    app: Option<AppHandle<QueueRows>>,
}

#[wasm_bindgen]
impl YewList {
    pub fn destroy(&mut self) {
        if let Some(app) = self.app.take() {
            app.destroy();
        }
    }
}

/// Starts Yew rendering the prepared entries into `host` (the DOM is written in the
/// scheduler's microtask, as in the component).
#[wasm_bindgen]
pub fn yew_render(host: web_sys::Element) -> YewList {
    let entries = ENTRIES.with(|e| e.borrow().clone());
    let props = QueueRowsProps {
        entries,
        on_open: Callback::from(|id: i64| {
            web_sys::console::log_1(&format!("open {id}").into());
        }),
    };
    let app = yew::Renderer::<QueueRows>::with_root_and_props(host, props).render();
    YewList { app: Some(app) }
}

fn set(obj: &Object, key: &str, value: impl Into<JsValue>) {
    Reflect::set(obj, &JsValue::from_str(key), &value.into()).expect("plain object");
}

/// The prepared entries as the display strings the Yew list shows, for the vanilla-JS
/// builder (computed before timing, like js-framework-benchmark's data).
#[wasm_bindgen]
pub fn vanilla_rows() -> Array {
    let lang = LANG;
    let rows = Array::new();
    ENTRIES.with(|e| {
        for entry in e.borrow().iter() {
            let view = present::queue_entry(entry);
            let row = Object::new();
            set(&row, "id", view.id.to_string());
            set(&row, "time", view.time.clone().unwrap_or_default());
            match view.view {
                EntryView::Unreadable => {
                    set(&row, "error", text(lang, Msg::QueueFaceError));
                }
                EntryView::Result {
                    name,
                    kana,
                    badge,
                    consents,
                    confirmed,
                    method,
                } => {
                    if let Some((msg, key)) = method {
                        set(&row, "methodKey", key);
                        set(&row, "methodLabel", text(lang, Msg::QueueMethod));
                        set(&row, "methodText", text(lang, msg));
                    }
                    set(
                        &row,
                        "name",
                        name.unwrap_or_else(|| text(lang, Msg::QueueNoName).to_string()),
                    );
                    if let Some(kana) = kana {
                        set(&row, "kana", kana);
                    }
                    set(&row, "badgeClass", badge.class);
                    set(&row, "badgeText", text(lang, badge.msg));
                    set(&row, "confirmed", confirmed);
                    let state = if confirmed {
                        Msg::QueueConfirmed
                    } else {
                        Msg::QueueUnconfirmed
                    };
                    set(&row, "stateText", text(lang, state));
                    let list = Array::new();
                    for c in &consents {
                        let o = Object::new();
                        set(&o, "given", c.given);
                        set(&o, "text", i18n::consent_badge(lang, c.category, c.given));
                        list.push(&o);
                    }
                    set(&row, "consents", list);
                }
            }
            rows.push(&row);
        }
    });
    rows
}

// ---------------------------------------------------------------------------------------
// p256 ECDSA verify

/// A fixed test key (no randomness: RFC 6979 signing), never a real one.
const TEST_KEY: [u8; 32] = [
    0xc9, 0xaf, 0xa9, 0xd8, 0x45, 0xba, 0x75, 0x16, 0x6b, 0x5c, 0x21, 0x57, 0x67, 0xb1, 0xd6, 0x93,
    0x4e, 0x50, 0xc3, 0xdb, 0x36, 0xe8, 0x9b, 0x12, 0x7b, 0x8a, 0x62, 0x2b, 0x12, 0x0f, 0x67, 0x21,
];

/// The message a signed result would carry: the sample terminal answer.
const MESSAGE: &[u8] =
    include_bytes!("../../../core/tests/fixtures/OQSsiquc01res_20261125_0001.xml");

/// Signs the message with the test key; keeps the parsed key and signature for
/// [`p256_verify`] and returns `{publicKey (SEC1 uncompressed), signature (r‖s), message}`
/// for WebCrypto.
#[wasm_bindgen]
pub fn p256_fixture() -> Object {
    let signing = SigningKey::from_slice(&TEST_KEY).expect("valid scalar");
    let signature: Signature = signing.sign(MESSAGE);
    let public = signing.verifying_key().to_sec1_point(false);
    let out = Object::new();
    set(&out, "publicKey", Uint8Array::from(public.as_bytes()));
    set(
        &out,
        "signature",
        Uint8Array::from(&signature.to_bytes()[..]),
    );
    set(&out, "message", Uint8Array::from(MESSAGE));
    // What a verifier does with received bytes: parse the key and signature once.
    let key = VerifyingKey::from_sec1_bytes(public.as_bytes()).expect("key");
    let signature = Signature::from_slice(&signature.to_bytes()).expect("signature");
    CRYPTO.with(|c| *c.borrow_mut() = Some((key, signature)));
    out
}

/// Verifies the fixture `times` times; the number that verified.
#[wasm_bindgen]
pub fn p256_verify(times: u32) -> u32 {
    CRYPTO.with(|c| {
        let c = c.borrow();
        let (key, signature) = c.as_ref().expect("p256_fixture first");
        (0..times)
            .filter(|_| key.verify(std::hint::black_box(MESSAGE), signature).is_ok())
            .count() as u32
    })
}

/// Verifies `signature` (r‖s) over `message` with the fixture key: for the tamper check.
#[wasm_bindgen]
pub fn p256_verify_bytes(message: &[u8], signature: &[u8]) -> bool {
    CRYPTO.with(|c| {
        let c = c.borrow();
        let (key, _) = c.as_ref().expect("p256_fixture first");
        Signature::from_slice(signature).is_ok_and(|s| key.verify(message, &s).is_ok())
    })
}
