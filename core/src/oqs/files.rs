//! File names of the terminal's folder exchange (連携アプリ方式).
//!
//! The EMR writes `req/OQSsiquc01req_<suffix>.xml`; the terminal answers with the same
//! base name, `req` turned into `res`, in `res/`. The suffix is free-form.

/// Prefix of a single (個別照会) qualification request.
pub const QUALIFICATION_REQUEST_PREFIX: &str = "OQSsiquc01req_";
/// Prefix of the terminal's answer to it.
pub const QUALIFICATION_RESPONSE_PREFIX: &str = "OQSsiquc01res_";

/// `OQSsiquc01req_<suffix>.xml`.
pub fn qualification_request_name(suffix: &str) -> String {
    format!("{QUALIFICATION_REQUEST_PREFIX}{suffix}.xml")
}

/// The name of the response the terminal writes for a request file name, or `None` when
/// the name is not an OQS request (`OQS` + 2 letters + business code + 2 digits + `req_`).
///
/// Works for every request kind, not only 資格確認: `OQSsiimm01req_x.xml` → `OQSsiimm01res_x.xml`.
pub fn response_name_for(request_file_name: &str) -> Option<String> {
    let rest = request_file_name.strip_prefix("OQS")?;
    let marker = rest.find("req_")?;
    let (kind, after) = rest.split_at(marker);
    if !is_request_kind(kind) {
        return None;
    }
    Some(format!("OQS{kind}res_{}", &after["req_".len()..]))
}

/// `si`/`mu` + a 3-letter business code + a 2-digit step, e.g. `siquc01`.
fn is_request_kind(kind: &str) -> bool {
    let bytes = kind.as_bytes();
    bytes.len() == 7
        && bytes[..5].iter().all(u8::is_ascii_alphabetic)
        && bytes[5..].iter().all(u8::is_ascii_digit)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_name_has_prefix_and_extension() {
        assert_eq!(
            qualification_request_name("20261125_0001"),
            "OQSsiquc01req_20261125_0001.xml"
        );
    }
}
