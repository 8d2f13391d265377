//! The reception desk page's bundle (form, live queue, card session): what an EMR embeds
//! at its front desk. JS entry: `mount(element, options)` as documented in the `onshi`
//! crate, and the custom element `<onshi-reception gateway="…" lang="ja|en">` with a
//! `credential` property, defined when the module loads.

use std::rc::Rc;

use onshi::MountHandle;
use wasm_bindgen::prelude::*;

/// The custom element's tag.
pub const ELEMENT: &str = "onshi-reception";

/// Mounts the reception component into `element` (see the `onshi` crate docs).
#[wasm_bindgen]
pub fn mount(element: web_sys::Element, options: JsValue) -> Result<MountHandle, JsValue> {
    onshi::mount(element, options)
}

#[wasm_bindgen(start)]
fn define_element() {
    onshi::element::define(ELEMENT, Rc::new(onshi::mount));
}
