//! The patient kiosk's bundle (card, PIN, 閲覧同意 per category, signed receipt): what a
//! clinic shows on its kiosk. JS entry: `mount(element, options)` with `{ gateway, lang,
//! credential, categories }` (see `onshi::kiosk`), and the custom element
//! `<onshi-kiosk gateway="…" lang="ja|en|zh-Hans|ko|vi" categories="medications,checkups">`
//! with a `credential` property, defined when the module loads.

use std::rc::Rc;

use onshi::MountHandle;
use wasm_bindgen::prelude::*;

/// The custom element's tag.
pub const ELEMENT: &str = "onshi-kiosk";

/// Mounts the kiosk into `element` (see `onshi::kiosk`).
#[wasm_bindgen]
pub fn mount(element: web_sys::Element, options: JsValue) -> Result<MountHandle, JsValue> {
    onshi::kiosk::mount(element, options)
}

#[wasm_bindgen(start)]
fn define_element() {
    onshi::element::define_with_attributes(
        ELEMENT,
        &["gateway", "lang", "categories"],
        Rc::new(onshi::kiosk::mount),
    );
}
