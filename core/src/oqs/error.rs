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
