//! onshi: a browser component (Yew → WebAssembly) for オンライン資格確認 at the
//! reception desk. Three ways to identify a patient end in the same result card:
//!
//! - the receptionist types the insurance card / 資格確認書 details (保険者番号, 記号,
//!   番号, 枝番, 生年月日), checked with the gateway's own rules (`onshi-core`);
//! - the live reception queue shows results of the face-recognition card reader as the
//!   gateway pushes them (`GET /v1/events`, SSE); the desk opens one;
//! - "マイナンバーカードで確認" reads a My Number Card on the gateway's reader
//!   (`/v1/card-sessions`), with a PIN pad or the staff's visual check (目視確認).
//!
//! The patient kiosk ([`kiosk`], `pages/kiosk`: `<onshi-kiosk>`) is the second page: a
//! patient authenticates with their card and decides which records the clinicians treating
//! them may see (閲覧同意), in five languages; it shares the card-session hooks and the PIN
//! pad with the reception desk.
//!
//! This crate is the library; what ships is one small cdylib per page (`pages/reception`:
//! `pkg/reception/onshi-reception.js`; `pages/kiosk`), so link-time optimisation applies and a page
//! carries only its own views. Each page exports its `mount` (below) and defines a custom
//! element over it ([`element`]: `<onshi-reception gateway lang>` with a `credential`
//! property, the same events, unmounted when it leaves the document).
//!
//! # Embedding contract
//!
//! ```js
//! import { mount } from "./pkg/reception/onshi-reception.js";
//! const handle = mount(document.getElementById("onshi"), {
//!   gateway: "http://127.0.0.1:7611", // optional, this is the default
//!   lang: "ja",                        // optional: "ja" (default) or "en"
//!   // The EMR server's credential for the signed-in user: a string, or a function
//!   // returning a Promise of one (called again whenever a fresh one is needed).
//!   credential: () => fetch("/emr/onshi-credential").then((r) => r.text()),
//! });
//! element.addEventListener("onshi:qualified", (e) => {
//!   const { source, answer } = e.detail; // plain objects in the gateway's JSON shapes
//!   // source "insurance_card": { query, answer }
//!   // source "face":           { answer, received_at, verification: "face_recognition", event_id }
//!   // source "my_number_card": { answer, verification: "pin" | "visual_check" }
//!   //   opened from the queue (a card read at any desk) it adds received_at and event_id,
//!   //   and verification is null for a result stored before the gateway recorded it
//! });
//! handle.unmount();                      // removes the component; safe to call twice
//! ```
//!
//! - `mount` throws a JS `Error` with a readable message when the options are wrong
//!   (not an object, a gateway that is not an http(s) URL, a `lang` other than ja/en, a
//!   `credential` that is neither a string nor a function; the message names the type,
//!   never the value).
//! - `credential` is the ES256 compact JWS the EMR's server signs for its logged-in user
//!   (`aud` `onshi-gateway`, `role`, `exp`, …; see `onshi_core::credential`). It goes out
//!   as `Authorization: Bearer` on every call except `GET /v1/health`, is kept in memory
//!   only and never put in a URL. A function is called on mount; again when fewer than
//!   60 s of the credential remain (its `exp` is read from the payload, unverified, only
//!   to schedule that) but not twice within 10 s; and after the gateway answers 401
//!   `credential_expired`, when the failed call is retried once with the new credential.
//!   Concurrent needs share one call. A function that throws, rejects or gives an empty
//!   string means nobody is signed in.
//! - With no credential the component still mounts and shows, instead of the form and the
//!   queue, that the EMR has signed nobody in (`role="status"`, `data-access="not_signed_in"`;
//!   with a function, a "サインインを再確認 / Check sign-in again" button asks it once more).
//!   A credential the gateway refuses and a fresh one does not cure shows "サインインし直して
//!   ください / Please sign in again" (`role="alert"`, `data-access="sign_in_again"`). What is
//!   offered follows the payload's role through `onshi_core::roles::permits`: a role that
//!   may not check qualifications (kiosk, admin) sees that the page is for reception staff
//!   (`data-access="role_refused"`). The gateway enforces the same table anyway; a 403
//!   it answers is shown in words ("この操作は現在の利用者の役割では行えません").
//! - A number check's answer is shown (and reported) only once the gateway's signature
//!   over it (`answer.token`) verifies against `{gateway}/v1/keys` (fetched once, again
//!   once for an unknown key id); otherwise the desk sees that the signature does not
//!   match and the answer is not shown. `onshi:qualified` carries `answer.token` for the
//!   EMR's server to check.
//! - `onshi:qualified` bubbles and is composed; it fires once per answer shown,
//!   including `not_found` and `invalid` answers (branch on `answer.status`). Opening the
//!   same queue entry again fires it again. It never carries a PIN.
//! - While signed in with a role that reads the queue, the component keeps one
//!   `EventSource` on `{gateway}/v1/events?ticket=…` with a one-time ticket from
//!   `POST /v1/event-tickets`. A stream ends when its credential expires, and the
//!   browser's own reconnect (same URL, spent ticket) is refused; when the `EventSource`
//!   is closed the component gets a new ticket and opens a new one with `&after=<last id>`
//!   (at once after a stream that was open, after 5 s doubling up to 60 s after failures;
//!   not at all after a 401 or 403). Entries are deduplicated by event id.
//! - A card session's secret (from its `201`) goes with its PIN, visual check, cancel and
//!   state calls as `x-onshi-session-secret`; it stays in memory. With one PIN try left the
//!   PIN goes with `confirm_last_try: true` only after the pad's explicit confirmation. A
//!   card session still going when the component unmounts is cancelled.
//! - The component reads `{gateway}/v1/health` on mount, every 30 s, after a request
//!   that failed on the gateway's side and on its "再確認 / Check again" button, and shows
//!   what needs attention above the form (`role="alert"` for faults that refuse work,
//!   `role="status"` for advice such as desks that share a terminal but not a store).
//! - Each number check is sent with `x-onshi-request: <name>` (a random per-mount
//!   prefix and a counter: never patient data). While it runs the component asks
//!   `{gateway}/v1/qualifications/queue/<name>` every second (from 1 s on) and, while the
//!   terminal is busy, shows the place in line under the elapsed seconds (`role="status"`).
//! - The gateway must list the page's origin in `--allow-origin`.
//! - No inline styles are emitted (strict CSP such as `default-src 'self'` works; the
//!   page needs `script-src 'self' 'wasm-unsafe-eval'`). Style comes from `onshi.css`,
//!   all classes prefixed `onshi-`.
//! - Nothing is stored in the browser (no localStorage, no IndexedDB): not patients, not
//!   the credential, not session secrets.
//!
//! # Inside
//!
//! [`access`] is who the page works for (signed in, with which role, or not), from
//! [`credential`] (the host page's credential, cached and refreshed behind
//! [`credential::CredentialSource`]); [`feed_link`] decides when the event stream is
//! (re)opened. [`state`] is the reception state machine (with [`card`], the card-session steps),
//! [`status`] what the desk knows of its gateway (`GET /v1/health`, shown as notices
//! above the form), [`queue`] the live queue, [`pin`] the PIN pad's rules, [`form`] and
//! [`present`] the pure view models, [`api`] the gateway client and event stream behind the
//! [`api::GatewayClient`] and [`api::EventFeed`] traits (tests mount with a scripted
//! client and feed through [`mount_with_client`]) with [`api::Gateway`] above them
//! (credential, retry, secrets, signed answers, tickets), [`hooks`] the effects that connect
//! them, [`views`] the Yew components and [`i18n`] the Japanese and English texts.

pub mod access;
pub mod api;
pub mod app;
pub mod card;
pub mod clock;
pub mod config;
pub mod context;
pub mod credential;
pub mod element;
pub mod events;
pub mod feed_link;
pub mod form;
pub mod hooks;
pub mod i18n;
pub mod json;
pub mod kiosk;
pub mod mount;
pub mod pin;
pub mod present;
pub mod queue;
pub mod request_ref;
pub mod state;
pub mod status;
pub mod views;

use std::rc::Rc;
use std::sync::atomic::{AtomicU32, Ordering};

use wasm_bindgen::prelude::*;

use crate::api::{BrowserEventFeed, EventFeed, Gateway, GatewayClient, HttpGateway};
use crate::app::{App, AppProps, ClientRef, CredentialRef, FeedRef};
use crate::config::MountOptions;
use crate::credential::HostCredential;
pub use crate::mount::{read_options, MountHandle};

pub use crate::events::QUALIFIED_EVENT;

/// Mounts the reception component into `element`. See the crate docs for `options`.
/// The page crate (`pages/reception`) exports it to JS as `mount`.
pub fn mount(element: web_sys::Element, options: JsValue) -> Result<MountHandle, JsValue> {
    let options =
        read_options(options).map_err(|e| JsValue::from(js_sys::Error::new(&e.to_string())))?;
    let client = Rc::new(HttpGateway::new(options.gateway.clone()));
    let feed = Rc::new(BrowserEventFeed::new(options.gateway.clone()));
    Ok(mount_with_client(element, options, client, feed))
}

static MOUNT_COUNT: AtomicU32 = AtomicU32::new(0);

/// Mounts with any [`GatewayClient`] and [`EventFeed`]: the seam browser tests use to
/// script answers and push events. Everything above them (the credential and its
/// refresh, session secrets, answer signatures, tickets) is the production code.
pub fn mount_with_client(
    element: web_sys::Element,
    options: MountOptions,
    client: Rc<dyn GatewayClient>,
    feed: Rc<dyn EventFeed>,
) -> MountHandle {
    let n = MOUNT_COUNT.fetch_add(1, Ordering::Relaxed) + 1;
    let credential = HostCredential::new(options.credential, Rc::new(clock::unix_now));
    let gateway = Gateway::new(client, Rc::new(credential.clone()));
    let props = AppProps {
        client: ClientRef(Rc::new(gateway)),
        feed: FeedRef(feed),
        credential: CredentialRef(credential),
        lang: options.lang,
        host: element.clone(),
        id_prefix: format!("onshi-{n}").into(),
    };
    let app = yew::Renderer::<App>::with_root_and_props(element, props).render();
    MountHandle::new(move || app.destroy())
}
