//! The one error type of the OQS codec.

use thiserror::Error;

/// Why an OQS XML file could not be read or written.
///
/// Parsing never panics: every way a file from the terminal (or from a careless writer)
/// can be wrong ends up here with enough detail for a log line.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum OqsError {
    /// The bytes are not well-formed XML.
    #[error("malformed XML at offset {position} of the decoded text: {reason}")]
    Malformed { position: u64, reason: String },
    /// The file ends while elements are still open, typically a half-written file.
    #[error("the XML ends before </{open}> is closed (truncated file?)")]
    Truncated { open: String },
    /// No element at all (empty file, only a declaration or comments).
    #[error("the file contains no XML element")]
    Empty,
    /// The root is not `<XmlMsg>`, so this is not a terminal message.
    #[error("the root element is <{found}>, expected <XmlMsg>")]
    WrongRoot { found: String },
    /// An element the message cannot do without is absent or empty.
    #[error("required element <{0}> is missing or empty")]
    MissingElement(&'static str),
    /// The XML declaration names an encoding the terminal never uses.
    #[error("unsupported encoding {0:?}: only UTF-8 and Shift_JIS (CP932) are read")]
    UnsupportedEncoding(String),
    /// The bytes are not valid in the encoding they were read as.
    #[error("the bytes are not valid {encoding} text")]
    Undecodable { encoding: &'static str },
    /// A value holds a character that the chosen output encoding cannot carry.
    #[error("character {character:?} (U+{:04X}) cannot be written in Shift_JIS (CP932)", u32::from(*character))]
    Unencodable { character: char },
    /// Elements nest deeper than any terminal message does; refused to bound memory and stack.
    #[error("elements are nested deeper than {limit} levels")]
    TooDeep { limit: usize },
}

impl OqsError {
    /// Why the file was refused, in fixed words that are safe to log at info and to show
    /// at reception. The [`Display`](std::fmt::Display) text may quote parts of the file
    /// (an entity, the root name, an encoding label), and a terminal file is full of
    /// patient data, so only this text leaves the gateway.
    pub fn safe_reason(&self) -> String {
        match self {
            Self::Malformed { .. } => "the file is not well-formed XML".to_string(),
            Self::Truncated { .. } => "the file ends before its XML is complete".to_string(),
            Self::Empty => "the file holds no XML element".to_string(),
            Self::WrongRoot { .. } => {
                "the file is not a terminal message (root is not <XmlMsg>)".to_string()
            }
            // Element names come from our own table, never from the file.
            Self::MissingElement(name) => format!("required element <{name}> is missing"),
            Self::UnsupportedEncoding(_) => {
                "the file declares an encoding other than UTF-8 or Shift_JIS".to_string()
            }
            Self::Undecodable { encoding } => format!("the bytes are not valid {encoding} text"),
            Self::TooDeep { .. } => "the XML is nested too deeply".to_string(),
            Self::Unencodable { .. } => "the file could not be read".to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::oqs::parse_response;

    #[test]
    fn safe_reasons_never_quote_the_file() {
        let secret = "見本　花子";
        let files = [
            format!("<XmlMsg><MessageHeader><Name>{secret}</Name>"),
            format!("<Patient>{secret}</Patient>"),
            format!("<XmlMsg>&{secret};</XmlMsg>"),
            format!("<?xml version=\"1.0\" encoding=\"{secret}\"?><XmlMsg/>"),
        ];
        for file in files {
            let err = parse_response(file.as_bytes()).expect_err("refused");
            let reason = err.safe_reason();
            assert!(!reason.contains(secret), "{reason}");
            assert!(!reason.is_empty());
        }
    }
}
