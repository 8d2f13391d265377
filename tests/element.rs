//! The page bundles' custom element (`onshi::element::define`, as `<onshi-reception>`
//! uses it) in a real browser: attributes and the `credential` property mount it once,
//! a change remounts it, its events bubble from the element, leaving the DOM unmounts it,
//! and options it cannot use are reported as an `onshi:error` event.
#![cfg(target_arch = "wasm32")]

mod common;

use std::cell::RefCell;
use std::rc::Rc;

use common::*;
use onshi::config::MountOptions;
use onshi::credential::CredentialOption;
use onshi_core::api::QualificationStatus;
use onshi_core::codes::Lang;
use onshi_core::roles::Role;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use web_sys::Element;

wasm_bindgen_test_configure!(run_in_browser);

/// Defines `name` over the scripted gateway and records the options of every mount.
fn define_scripted(name: &str, client: Rc<ScriptedClient>) -> Rc<RefCell<Vec<MountOptions>>> {
    let mounts = Rc::new(RefCell::new(Vec::new()));
    let seen = mounts.clone();
    let defined = onshi::element::define(
        name,
        Rc::new(move |element: Element, options: JsValue| {
            let options = onshi::read_options(options)
                .map_err(|e| JsValue::from(js_sys::Error::new(&e.to_string())))?;
            seen.borrow_mut().push(options.clone());
            Ok(onshi::mount_with_client(
                element,
                options,
                client.clone(),
                Rc::new(FakeFeed::default()),
            ))
        }),
    );
    assert!(defined, "{name} is new");
    mounts
}

fn document() -> web_sys::Document {
    web_sys::window().unwrap().document().unwrap()
}

/// A wrapper `div` in the body (to hear events bubble), and `element` inside it once
/// attached.
fn wrapper() -> Element {
    let wrapper = document().create_element("div").unwrap();
    document().body().unwrap().append_child(&wrapper).unwrap();
    wrapper
}

async fn settle() {
    for _ in 0..4 {
        gloo_timers::future::TimeoutFuture::new(0).await;
        yew::scheduler::flush().await;
    }
}

#[wasm_bindgen_test]
async fn attributes_and_credential_mount_once_and_changes_remount() {
    let client = Rc::new(ScriptedClient::default());
    let element = document().create_element("onshi-reception-t1").unwrap();
    element.set_attribute("lang", "en").unwrap();
    // Set before the element is defined, as a page does that configures it before the
    // bundle has loaded: the element takes the property over when it upgrades.
    let token = credential(Role::Reception, "desk-1");
    js_sys::Reflect::set(&element, &"credential".into(), &token.clone().into()).unwrap();
    let holder = wrapper();
    holder.append_child(&element).unwrap();
    let mounts = define_scripted("onshi-reception-t1", client.clone());
    settle().await;

    assert_eq!(
        mounts.borrow().len(),
        1,
        "one mount for attributes + property + connect"
    );
    assert_eq!(mounts.borrow()[0].lang, Lang::En);
    assert_eq!(
        mounts.borrow()[0].credential,
        CredentialOption::Fixed(token.clone())
    );
    let ui = Ui::adopt(element.clone(), client.clone());
    assert_eq!(
        ui.text(".onshi-header__title"),
        "Online qualification check"
    );

    // A check from the element's own form: the answer's event bubbles out of it.
    ui.client
        .reply(Ok(answer(QualificationStatus::Valid, vec![record()])));
    ui.fill_patient("01130012").await;
    ui.click("[data-action=submit]").await;
    assert!(ui.wait_for(".onshi-result", 5_000).await, "result shown");
    let events = ui.events();
    assert_eq!(events.len(), 1);
    assert_eq!(
        get_str(&events[0], &["source"]).as_deref(),
        Some("insurance_card")
    );
    assert!(client.bearers_of("qualify").iter().all(|b| b == &token));

    // An attribute change remounts with the new option.
    element.set_attribute("lang", "ja").unwrap();
    settle().await;
    assert_eq!(mounts.borrow().len(), 2);
    assert_eq!(ui.text(".onshi-header__title"), "オンライン資格確認");

    // A new credential (here: a function) remounts as the new user.
    let function = js_sys::Function::new_no_args("return Promise.resolve('t');");
    js_sys::Reflect::set(&element, &"credential".into(), &function).unwrap();
    settle().await;
    assert_eq!(mounts.borrow().len(), 3);
    assert!(matches!(
        mounts.borrow()[2].credential,
        CredentialOption::Provider(_)
    ));
    let read_back = js_sys::Reflect::get(&element, &"credential".into()).unwrap();
    assert!(
        read_back.is_function(),
        "the property reads back what was set"
    );

    // Leaving the DOM unmounts: nothing of the component remains inside it.
    element.remove();
    settle().await;
    assert!(element.query_selector(".onshi").unwrap().is_none());
    assert_eq!(mounts.borrow().len(), 3, "not mounted while detached");

    // Back in the DOM, mounted again.
    holder.append_child(&element).unwrap();
    settle().await;
    assert_eq!(mounts.borrow().len(), 4);
    assert!(element.query_selector(".onshi").unwrap().is_some());
    element.remove();
    settle().await;
}

#[wasm_bindgen_test]
async fn options_it_cannot_use_are_an_onshi_error_event() {
    // The real entry point: it refuses these options before any request is made.
    assert!(onshi::element::define(
        "onshi-reception-t2",
        Rc::new(onshi::mount)
    ));
    let holder = wrapper();
    let heard = Rc::new(RefCell::new(Vec::<String>::new()));
    let sink = heard.clone();
    let listener =
        Closure::<dyn FnMut(web_sys::CustomEvent)>::new(move |e: web_sys::CustomEvent| {
            sink.borrow_mut()
                .push(get_str(&e.detail(), &["message"]).unwrap_or_default());
        });
    holder
        .add_event_listener_with_callback("onshi:error", listener.as_ref().unchecked_ref())
        .unwrap();

    let element = document().create_element("onshi-reception-t2").unwrap();
    element.set_attribute("lang", "fr").unwrap();
    holder.append_child(&element).unwrap();
    settle().await;
    assert_eq!(heard.borrow().len(), 1);
    assert!(
        heard.borrow()[0].contains("\"ja\" or \"en\""),
        "{:?}",
        heard.borrow()
    );
    assert!(element.query_selector(".onshi").unwrap().is_none());

    // A credential of the wrong type: named by its type, never its value.
    element.set_attribute("lang", "ja").unwrap();
    let secret = js_sys::Object::new();
    js_sys::Reflect::set(&secret, &"token".into(), &"eyJ-secret".into()).unwrap();
    js_sys::Reflect::set(&element, &"credential".into(), &secret).unwrap();
    settle().await;
    assert_eq!(heard.borrow().len(), 2);
    let message = heard.borrow()[1].clone();
    assert!(message.contains("options.credential"), "{message}");
    assert!(!message.contains("secret"), "{message}");
    element.remove();
}

#[wasm_bindgen_test]
fn a_name_already_defined_is_left_alone() {
    assert!(onshi::element::define(
        "onshi-reception-t3",
        Rc::new(onshi::mount)
    ));
    assert!(!onshi::element::define(
        "onshi-reception-t3",
        Rc::new(onshi::mount)
    ));
}
