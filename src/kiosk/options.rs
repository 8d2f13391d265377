//! The kiosk's mount options: those of every page (`gateway`, `credential`, read by
//! [`crate::read_options`]) plus its own `lang` (five languages) and `categories` (which
//! consent categories the facility shows: comma-separated wire names).

use onshi_core::consent::ConsentCategory;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use super::idle::Timing;
use super::lang::KioskLang;
use crate::credential::CredentialOption;

/// Checked options of the kiosk's `mount`.
pub struct KioskOptions {
    pub gateway: String,
    pub lang: KioskLang,
    pub credential: CredentialOption,
    pub categories: Vec<ConsentCategory>,
    /// Not a host option: tests shorten it.
    pub timing: Timing,
}

/// The categories shown unless the page says otherwise.
pub fn default_categories() -> Vec<ConsentCategory> {
    ConsentCategory::ALL
        .into_iter()
        .filter(|c| c.shown_by_default())
        .collect()
}

/// Reads `lang`: one of the kiosk's languages.
pub fn parse_lang(value: &str) -> Result<KioskLang, String> {
    KioskLang::from_tag(value).ok_or_else(|| {
        format!("onshi.mount: options.lang must be one of ja, en, zh-Hans, ko, vi, got {value:?}")
    })
}

/// Reads `categories`, e.g. `"medications, checkups"`: known wire names, at least one,
/// each once.
pub fn parse_categories(value: &str) -> Result<Vec<ConsentCategory>, String> {
    let mut categories = Vec::new();
    for name in value.split(',').map(str::trim).filter(|n| !n.is_empty()) {
        let category = match name {
            "medications" => ConsentCategory::Medications,
            "checkups" => ConsentCategory::Checkups,
            "diagnoses" => ConsentCategory::Diagnoses,
            "operations" => ConsentCategory::Operations,
            other => {
                return Err(format!(
                    "onshi.mount: options.categories: unknown category {other:?} (known: \
                     medications, checkups, diagnoses, operations)"
                ))
            }
        };
        if !categories.contains(&category) {
            categories.push(category);
        }
    }
    if categories.is_empty() {
        return Err("onshi.mount: options.categories names no category".into());
    }
    Ok(categories)
}

/// Checks the host page's options object.
pub fn read_kiosk_options(options: JsValue) -> Result<KioskOptions, String> {
    let (mut lang, mut categories) = (KioskLang::Ja, default_categories());
    let rest = if options.is_object() {
        let copy = js_sys::Object::assign(&js_sys::Object::new(), options.unchecked_ref());
        for key in ["lang", "categories"] {
            let value = js_sys::Reflect::get(&copy, &key.into()).unwrap_or_default();
            if value.is_undefined() || value.is_null() {
                continue;
            }
            let Some(text) = value.as_string() else {
                return Err(format!("onshi.mount: options.{key} must be a string"));
            };
            match key {
                "lang" => lang = parse_lang(&text)?,
                _ => categories = parse_categories(&text)?,
            }
            let _ = js_sys::Reflect::delete_property(&copy, &key.into());
        }
        copy.into()
    } else {
        options
    };
    let common = crate::read_options(rest).map_err(|e| e.to_string())?;
    Ok(KioskOptions {
        gateway: common.gateway,
        lang,
        credential: common.credential,
        categories,
        timing: Timing::default(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn categories_default_to_the_readers_defaults() {
        assert_eq!(
            default_categories(),
            vec![ConsentCategory::Medications, ConsentCategory::Checkups]
        );
    }

    #[test]
    fn categories_are_wire_names_separated_by_commas() {
        assert_eq!(
            parse_categories(" operations,medications ,operations"),
            Ok(vec![
                ConsentCategory::Operations,
                ConsentCategory::Medications
            ])
        );
        assert!(parse_categories("medications,xray")
            .unwrap_err()
            .contains("\"xray\""));
        assert!(parse_categories(" , ").is_err());
    }

    #[test]
    fn five_languages() {
        assert_eq!(parse_lang("zh-Hans"), Ok(KioskLang::ZhHans));
        assert!(parse_lang("fr").unwrap_err().contains("zh-Hans"));
    }
}
