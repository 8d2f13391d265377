//! Reading the gateway's JSON. In the browser the text goes through the browser's own
//! `JSON.parse` and serde-wasm-bindgen reads the parsed value: serde_json's parser is
//! then not compiled into the bundle once per answer type. Natively (the reducers' and
//! client's `cargo test`s) serde_json reads the same text the same way.

use serde::de::DeserializeOwned;

/// Parses `text` as a `T`; the error says why, without quoting the text.
#[cfg(target_arch = "wasm32")]
pub fn from_str<T: DeserializeOwned>(text: &str) -> Result<T, String> {
    let value = js_sys::JSON::parse(text).map_err(|_| "not JSON".to_string())?;
    serde_wasm_bindgen::from_value(value).map_err(|e| e.to_string())
}

/// Parses `text` as a `T` (natively with serde_json; see the module docs).
#[cfg(not(target_arch = "wasm32"))]
pub fn from_str<T: DeserializeOwned>(text: &str) -> Result<T, String> {
    serde_json::from_str(text).map_err(|e| e.to_string())
}
