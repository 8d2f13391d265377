//! Each page bundle also defines a custom element (`<onshi-reception>`, …) over its
//! `mount`, for hosts that prefer markup to a JS call: the plain options are attributes
//! (`gateway`, `lang`), the credential (a string or a function) is the `credential`
//! property, the component's events bubble from the element itself, and the component
//! is unmounted when the element leaves the DOM.
//!
//! The class has to be JS (a Rust type cannot extend `HTMLElement`); it is a module
//! snippet that wasm-bindgen emits as a file beside the bundle, so a strict CSP
//! (`script-src 'self'`) holds. It only forwards lifecycle calls: the options are read
//! and checked by the same [`crate::read_options`] as `mount`'s.

use std::rc::Rc;

use wasm_bindgen::prelude::*;

use crate::MountHandle;

#[wasm_bindgen(inline_js = r#"
export function defineOnshiElement(name, attributes, connect) {
  if (customElements.get(name)) return false;
  const optionAttributes = Array.from(attributes);
  customElements.define(name, class extends HTMLElement {
    static get observedAttributes() { return optionAttributes; }

    constructor() {
      super();
      this._onshiHandle = null;
      this._onshiQueued = false;
    }

    // A `credential` set before the bundle loaded sits on the plain element: take it over.
    connectedCallback() {
      if (Object.prototype.hasOwnProperty.call(this, "credential")) {
        const early = this.credential;
        delete this.credential;
        this._onshiCredential = early;
      }
      this._onshiQueue();
    }

    disconnectedCallback() { this._onshiQueue(); }

    attributeChangedCallback(_name, before, after) {
      if (before !== after) this._onshiQueue();
    }

    get credential() { return this._onshiCredential; }
    set credential(value) {
      this._onshiCredential = value;
      this._onshiQueue();
    }

    // Attributes, property and connection often change together (a parser sets all
    // attributes, then connects): remount once, after the current task's changes.
    _onshiQueue() {
      if (this._onshiQueued) return;
      this._onshiQueued = true;
      queueMicrotask(() => {
        this._onshiQueued = false;
        this._onshiUnmount();
        if (this.isConnected) this._onshiMount();
      });
    }

    _onshiUnmount() {
      const handle = this._onshiHandle;
      this._onshiHandle = null;
      if (handle) {
        handle.unmount();
        handle.free();
      }
    }

    _onshiMount() {
      const options = {};
      for (const key of optionAttributes) {
        const value = this.getAttribute(key);
        if (value !== null) options[key] = value;
      }
      if (this._onshiCredential !== undefined) options.credential = this._onshiCredential;
      try {
        this._onshiHandle = connect(this, options);
      } catch (error) {
        // Nobody can catch a throw from a lifecycle callback: tell the page instead.
        const message = error && error.message ? error.message : String(error);
        this.dispatchEvent(new CustomEvent("onshi:error", { bubbles: true, composed: true, detail: { message } }));
        console.error(message);
      }
    }
  });
  return true;
}
"#)]
extern "C" {
    #[wasm_bindgen(js_name = defineOnshiElement)]
    fn define_onshi_element(
        name: &str,
        attributes: js_sys::Array,
        connect: &js_sys::Function,
    ) -> bool;
}

/// A page's mount function: the element and its options in, a handle or a JS `Error` out.
pub type Connect = Rc<dyn Fn(web_sys::Element, JsValue) -> Result<MountHandle, JsValue>>;

/// The attributes every page's element reads as options.
pub const OPTION_ATTRIBUTES: [&str; 2] = ["gateway", "lang"];

/// Defines `<name>` over `connect` (nothing happens if the name is taken already, for
/// example when a page loads the same bundle twice). Returns whether it defined it.
pub fn define(name: &str, connect: Connect) -> bool {
    define_with_attributes(name, &OPTION_ATTRIBUTES, connect)
}

/// [`define`] with the page's own option attributes (e.g. the kiosk's `categories`
/// besides `gateway` and `lang`).
pub fn define_with_attributes(name: &str, attributes: &[&str], connect: Connect) -> bool {
    let callback = Closure::<dyn Fn(web_sys::Element, JsValue) -> Result<JsValue, JsValue>>::new(
        move |element, options| connect(element, options).map(JsValue::from),
    );
    let attributes: js_sys::Array = attributes.iter().map(|a| JsValue::from_str(a)).collect();
    let defined = define_onshi_element(name, attributes, callback.as_ref().unchecked_ref());
    // The element class holds it for the rest of the page's life.
    callback.forget();
    defined
}
