//! The kiosk page: a patient authenticates with their My Number Card on the gateway's
//! reader and decides, category by category, what the clinicians treating them may see
//! (閲覧同意, `onshi_core::consent`). Usable by touch or keyboard alone, in five
//! languages; a patient who walks away leaves nothing on screen.
//!
//! [`flow`] is the state machine (with [`idle`], the idle timer), [`text`] and [`lang`]
//! the words, [`present`] the pure view models, [`hooks`] the effects, [`views`] the Yew
//! components, [`options`] the mount options; [`mount`] is what `pages/kiosk` exports.

pub mod flow;
pub mod hooks;
pub mod idle;
pub mod lang;
pub mod options;
pub mod present;
pub mod text;
pub mod views;

use std::rc::Rc;
use std::sync::atomic::{AtomicU32, Ordering};

use wasm_bindgen::prelude::*;

use crate::api::{Gateway, GatewayClient, HttpGateway};
use crate::app::ClientRef;
use crate::credential::HostCredential;
use crate::MountHandle;
pub use options::{read_kiosk_options, KioskOptions};

/// Mounts the kiosk into `element`. `options`: `{ gateway, lang, credential, categories }`
/// (`lang` one of ja, en, zh-Hans, ko, vi; `categories` comma-separated wire names such as
/// `"medications,checkups"`, default the categories shown by default).
pub fn mount(element: web_sys::Element, options: JsValue) -> Result<MountHandle, JsValue> {
    let options = read_kiosk_options(options).map_err(|e| JsValue::from(js_sys::Error::new(&e)))?;
    let client = Rc::new(HttpGateway::new(options.gateway.clone()));
    Ok(mount_with_client(element, options, client))
}

static MOUNT_COUNT: AtomicU32 = AtomicU32::new(0);

/// Mounts with any [`GatewayClient`] (browser tests script it).
pub fn mount_with_client(
    element: web_sys::Element,
    options: KioskOptions,
    client: Rc<dyn GatewayClient>,
) -> MountHandle {
    let n = MOUNT_COUNT.fetch_add(1, Ordering::Relaxed) + 1;
    let credential = HostCredential::new(options.credential, Rc::new(crate::clock::unix_now));
    let gateway = Gateway::new(client, Rc::new(credential));
    let props = views::KioskProps {
        client: ClientRef(Rc::new(gateway)),
        lang: options.lang,
        categories: options.categories.into(),
        timing: options.timing,
        id_prefix: format!("onshi-kiosk-{n}").into(),
    };
    let app = yew::Renderer::<views::KioskApp>::with_root_and_props(element, props).render();
    MountHandle::new(move || app.destroy())
}
