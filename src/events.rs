//! The DOM event the host page listens to: `onshi:qualified`, fired on the mount
//! element once per shown answer.

use onshi_core::api::{QualificationAnswer, QualificationQuery};
use serde::Serialize;
use wasm_bindgen::JsValue;
use web_sys::{CustomEvent, CustomEventInit, Element};

/// Name of the event fired when an answer is shown.
pub const QUALIFIED_EVENT: &str = "onshi:qualified";

/// `event.detail` of [`QUALIFIED_EVENT`], in the gateway's JSON shapes.
#[derive(Debug, Serialize)]
pub struct QualifiedDetail<'a> {
    pub query: &'a QualificationQuery,
    pub answer: &'a QualificationAnswer,
}

/// Plain JS objects (not `Map`s), with `null` where the JSON has `null`, so host code
/// reads `detail.answer.results[0].person.name` as it would from the gateway.
pub fn detail_value(detail: &QualifiedDetail<'_>) -> Result<JsValue, JsValue> {
    let serializer = serde_wasm_bindgen::Serializer::new()
        .serialize_maps_as_objects(true)
        .serialize_missing_as_null(true);
    detail.serialize(&serializer).map_err(JsValue::from)
}

/// Dispatches a bubbling, composed [`QUALIFIED_EVENT`] on `host`.
pub fn emit_qualified(
    host: &Element,
    query: &QualificationQuery,
    answer: &QualificationAnswer,
) -> Result<(), JsValue> {
    let init = CustomEventInit::new();
    init.set_bubbles(true);
    init.set_composed(true);
    init.set_detail(&detail_value(&QualifiedDetail { query, answer })?);
    let event = CustomEvent::new_with_event_init_dict(QUALIFIED_EVENT, &init)?;
    host.dispatch_event(&event)?;
    Ok(())
}
