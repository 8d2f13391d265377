//! What every page's JS entry shares: the handle `mount` returns and the reading of the
//! host page's options (a plain object, with `credential` a string or a function).

use std::rc::Rc;

use futures::FutureExt;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use crate::config::{parse_options, MountOptions, OptionsError};
use crate::credential::{CredentialOption, CredentialProvider};

/// A mounted component; `unmount()` removes it. One type for every page, so a page's
/// bundle carries no other page's app to destroy it.
#[wasm_bindgen]
pub struct MountHandle {
    destroy: Option<Box<dyn FnOnce()>>,
}

impl MountHandle {
    /// A handle whose `unmount()` runs `destroy` once.
    pub fn new(destroy: impl FnOnce() + 'static) -> Self {
        Self {
            destroy: Some(Box::new(destroy)),
        }
    }
}

#[wasm_bindgen]
impl MountHandle {
    /// Removes the component from the page. Calling it again does nothing.
    pub fn unmount(&mut self) {
        if let Some(destroy) = self.destroy.take() {
            destroy();
        }
    }

    /// Whether the component is still mounted.
    #[wasm_bindgen(getter)]
    pub fn mounted(&self) -> bool {
        self.destroy.is_some()
    }
}

/// Checks the host page's options: the JS object `mount` (or a custom element) was given.
pub fn read_options(options: JsValue) -> Result<MountOptions, OptionsError> {
    if options.is_undefined() || options.is_null() {
        return parse_options(&serde_json::Value::Null);
    }
    if !options.is_object() {
        return Err(OptionsError::NotAnObject);
    }
    // A function has no JSON form: take it out, read the rest, then put it back as the
    // provider. Anything else that is not a string is refused by its JS type.
    let credential = js_sys::Reflect::get(&options, &"credential".into()).unwrap_or_default();
    let provider = credential.dyn_ref::<js_sys::Function>().cloned();
    let options = if provider.is_some() {
        let copy = js_sys::Object::assign(&js_sys::Object::new(), options.unchecked_ref());
        let _ = js_sys::Reflect::delete_property(&copy, &"credential".into());
        copy.into()
    } else if credential.is_undefined() || credential.is_null() || credential.is_string() {
        options
    } else {
        // Named as `parse_options` names JSON types, so both paths read the same.
        let kind = match credential
            .js_typeof()
            .as_string()
            .unwrap_or_default()
            .as_str()
        {
            _ if credential.is_array() => "an array".to_string(),
            "object" => "an object".to_string(),
            other => other.to_string(),
        };
        return Err(OptionsError::CredentialType(kind));
    };
    let value: serde_json::Value =
        serde_wasm_bindgen::from_value(options).map_err(|_| OptionsError::NotAnObject)?;
    let mut parsed = parse_options(&value)?;
    if let Some(function) = provider {
        parsed.credential = CredentialOption::Provider(js_provider(function));
    }
    Ok(parsed)
}

/// The host page's credential function as a [`CredentialProvider`]: called with no
/// arguments; its result (a Promise, or a plain string) must settle to a string.
fn js_provider(function: js_sys::Function) -> CredentialProvider {
    Rc::new(move || {
        let called = function.call0(&JsValue::NULL);
        async move {
            let value = called.map_err(|e| describe(&e, "the credential function threw"))?;
            let settled = wasm_bindgen_futures::JsFuture::from(js_sys::Promise::resolve(&value))
                .await
                .map_err(|e| describe(&e, "the credential function's promise was rejected"))?;
            settled.as_string().ok_or_else(|| {
                "the credential function's promise did not resolve to a string".to_string()
            })
        }
        .boxed_local()
    })
}

/// `what`, with the JS error's message when it has one (for the console).
fn describe(error: &JsValue, what: &str) -> String {
    match error.dyn_ref::<js_sys::Error>() {
        Some(error) => format!("{what}: {}", String::from(error.message())),
        None => what.to_string(),
    }
}
