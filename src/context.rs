//! What every view may read without prop drilling: the display language (with a way to
//! switch it) and the id prefix that keeps label/input ids unique per mount.

use onshi_core::codes::Lang;
use yew::{AttrValue, Callback};

use crate::form::Field;

#[derive(Debug, Clone, PartialEq, Default)]
pub struct UiContext {
    pub lang: Lang,
    pub set_lang: Callback<Lang>,
    pub id_prefix: AttrValue,
}

impl UiContext {
    /// A document-unique id for `part` of this mount (e.g. `onshi-1-number`).
    pub fn id(&self, part: &str) -> AttrValue {
        AttrValue::from(format!("{}-{part}", self.id_prefix))
    }

    pub fn field_id(&self, field: Field) -> AttrValue {
        self.id(field.key())
    }
}

/// `lang` attribute value.
pub fn lang_tag(lang: Lang) -> &'static str {
    match lang {
        Lang::Ja => "ja",
        Lang::En => "en",
    }
}
