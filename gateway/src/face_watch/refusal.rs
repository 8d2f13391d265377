//! Why a face file was refused, in words safe to log and to show at reception.
//!
//! Parser messages may quote parts of the file (an entity, an encoding name), and a face
//! file is full of patient data, so the outside world only ever sees these fixed texts.

use onshi_core::oqs::OqsError;

pub fn refusal_reason(err: &OqsError) -> String {
    match err {
        OqsError::Malformed { .. } => "the file is not well-formed XML".to_string(),
        OqsError::Truncated { .. } => "the file ends before its XML is complete".to_string(),
        OqsError::Empty => "the file holds no XML element".to_string(),
        OqsError::WrongRoot { .. } => {
            "the file is not a terminal message (root is not <XmlMsg>)".to_string()
        }
        // Element names come from our own table, never from the file.
        OqsError::MissingElement(name) => format!("required element <{name}> is missing"),
        OqsError::UnsupportedEncoding(_) => {
            "the file declares an encoding other than UTF-8 or Shift_JIS".to_string()
        }
        OqsError::Undecodable { encoding } => format!("the bytes are not valid {encoding} text"),
        OqsError::TooDeep { .. } => "the XML is nested too deeply".to_string(),
        OqsError::Unencodable { .. } => "the file could not be read".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use onshi_core::oqs::parse_response;

    #[test]
    fn reasons_never_quote_the_file() {
        let secret = "見本　花子";
        let files = [
            format!("<XmlMsg><MessageHeader><Name>{secret}</Name>"),
            format!("<Patient>{secret}</Patient>"),
            format!("<XmlMsg>&{secret};</XmlMsg>"),
            format!("<?xml version=\"1.0\" encoding=\"{secret}\"?><XmlMsg/>"),
        ];
        for file in files {
            let err = parse_response(file.as_bytes()).expect_err("refused");
            let reason = refusal_reason(&err);
            assert!(!reason.contains(secret), "{reason}");
            assert!(!reason.is_empty());
        }
    }
}
