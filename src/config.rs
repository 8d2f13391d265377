//! Mount options given by the host page, checked before anything renders so a typo in
//! the embedding code fails loudly instead of silently using a default.

use onshi_core::api::DEFAULT_PORT;
use onshi_core::codes::Lang;
use serde_json::Value;
use thiserror::Error;

use crate::credential::CredentialOption;

/// Checked options of `mount`.
#[derive(Debug, Clone, PartialEq)]
pub struct MountOptions {
    /// Base URL of the gateway, without a trailing slash.
    pub gateway: String,
    pub lang: Lang,
    /// The EMR's credential for the gateway. Missing is allowed: the component then says
    /// that nobody is signed in rather than refusing to mount.
    pub credential: CredentialOption,
}

impl Default for MountOptions {
    fn default() -> Self {
        Self {
            gateway: format!("http://127.0.0.1:{DEFAULT_PORT}"),
            lang: Lang::Ja,
            credential: CredentialOption::Missing,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum OptionsError {
    #[error("onshi.mount: options must be an object like {{ gateway, lang }}")]
    NotAnObject,
    #[error("onshi.mount: options.gateway must be a string URL such as \"http://127.0.0.1:7611\"")]
    GatewayNotString,
    #[error("onshi.mount: options.gateway must be an http:// or https:// URL, got {0:?}")]
    GatewayUrl(String),
    #[error("onshi.mount: options.lang must be \"ja\" or \"en\", got {0}")]
    Lang(String),
    #[error(
        "onshi.mount: options.credential must be a string (the credential the EMR's server \
         signed) or a function returning a Promise of one, got {0}"
    )]
    CredentialType(String),
}

/// Reads options from their JSON form; `null` (JS `undefined`) means all defaults, and
/// a missing or `null` key means that key's default.
pub fn parse_options(value: &Value) -> Result<MountOptions, OptionsError> {
    let mut options = MountOptions::default();
    let map = match value {
        Value::Null => return Ok(options),
        Value::Object(map) => map,
        _ => return Err(OptionsError::NotAnObject),
    };
    match map.get("gateway") {
        None | Some(Value::Null) => {}
        Some(Value::String(url)) => options.gateway = gateway_url(url)?,
        Some(_) => return Err(OptionsError::GatewayNotString),
    }
    match map.get("lang") {
        None | Some(Value::Null) => {}
        Some(Value::String(lang)) if lang == "ja" => options.lang = Lang::Ja,
        Some(Value::String(lang)) if lang == "en" => options.lang = Lang::En,
        Some(other) => return Err(OptionsError::Lang(other.to_string())),
    }
    // A function has no JSON form: `mount` takes it out before this and sets
    // `CredentialOption::Provider` itself.
    match map.get("credential") {
        None | Some(Value::Null) => {}
        // An empty string is what a page writes when nobody is signed in.
        Some(Value::String(token)) if token.trim().is_empty() => {}
        Some(Value::String(token)) => {
            options.credential = CredentialOption::Fixed(token.trim().to_string())
        }
        Some(other) => return Err(OptionsError::CredentialType(json_type(other).into())),
    }
    Ok(options)
}

/// The JS `typeof` of a JSON value, for error messages (never the value: it could be a
/// credential in the wrong place).
fn json_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

fn gateway_url(url: &str) -> Result<String, OptionsError> {
    let trimmed = url.trim().trim_end_matches('/');
    let rest = trimmed
        .strip_prefix("http://")
        .or_else(|| trimmed.strip_prefix("https://"));
    match rest {
        Some(host) if !host.is_empty() && !host.contains(char::is_whitespace) => {
            Ok(trimmed.to_string())
        }
        _ => Err(OptionsError::GatewayUrl(url.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn undefined_and_empty_mean_defaults() {
        let defaults = MountOptions::default();
        assert_eq!(defaults.gateway, "http://127.0.0.1:7611");
        assert_eq!(parse_options(&Value::Null), Ok(defaults.clone()));
        assert_eq!(parse_options(&json!({})), Ok(defaults.clone()));
        assert_eq!(
            parse_options(&json!({"gateway": null, "lang": null})),
            Ok(defaults)
        );
    }

    #[test]
    fn gateway_and_lang_are_read() {
        let options =
            parse_options(&json!({"gateway": " http://127.0.0.1:9000/ ", "lang": "en"})).unwrap();
        assert_eq!(options.gateway, "http://127.0.0.1:9000");
        assert_eq!(options.lang, Lang::En);
    }

    #[test]
    fn bad_options_are_clear_errors() {
        assert_eq!(parse_options(&json!("x")), Err(OptionsError::NotAnObject));
        assert_eq!(
            parse_options(&json!({"gateway": 7611})),
            Err(OptionsError::GatewayNotString)
        );
        assert_eq!(
            parse_options(&json!({"gateway": "127.0.0.1:7611"})),
            Err(OptionsError::GatewayUrl("127.0.0.1:7611".into()))
        );
        assert_eq!(
            parse_options(&json!({"gateway": "http://"})),
            Err(OptionsError::GatewayUrl("http://".into()))
        );
        let err = parse_options(&json!({"lang": "fr"})).unwrap_err();
        assert_eq!(err, OptionsError::Lang("\"fr\"".into()));
        assert!(err.to_string().contains("\"ja\" or \"en\""));
    }

    #[test]
    fn a_credential_string_is_kept_and_an_empty_one_means_nobody_signed_in() {
        let options = parse_options(&json!({"credential": " eyJ.eyJ.sig "})).unwrap();
        assert_eq!(
            options.credential,
            CredentialOption::Fixed("eyJ.eyJ.sig".into())
        );
        for nobody in [
            json!({}),
            json!({"credential": null}),
            json!({"credential": ""}),
        ] {
            assert_eq!(
                parse_options(&nobody).unwrap().credential,
                CredentialOption::Missing,
                "{nobody}"
            );
        }
    }

    #[test]
    fn a_credential_of_another_type_is_a_clear_error_without_its_value() {
        for (value, kind) in [
            (json!(42), "number"),
            (json!(true), "boolean"),
            (json!({"token": "eyJ-secret"}), "an object"),
            (json!(["eyJ-secret"]), "an array"),
        ] {
            let err = parse_options(&json!({ "credential": value })).unwrap_err();
            assert_eq!(err, OptionsError::CredentialType(kind.into()));
            let message = err.to_string();
            assert!(
                message.contains("a function returning a Promise"),
                "{message}"
            );
            assert!(!message.contains("secret"), "{message}");
        }
    }
}
