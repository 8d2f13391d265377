//! The one error type of the JPKI flow, with the step it happened in.

use std::fmt;

use thiserror::Error;

use super::apdu::ApduError;
use super::cert::{CertError, SignatureAlgorithm};
use super::channel::ChannelError;
use super::status::StatusWord;

/// The step of the flow a card answer belonged to, for error messages and logs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Operation {
    /// SELECT of the JPKI AP.
    SelectApplication,
    /// SELECT of an EF inside the JPKI AP.
    SelectFile(u16),
    /// READ BINARY of the token label (EF 0006).
    ReadTokenInfo,
    /// READ BINARY of the authentication certificate (EF 000A).
    ReadCertificate,
    /// Empty VERIFY: reading the retry counter.
    ReadRetryCounter,
    /// VERIFY with the PIN.
    Verify,
    /// COMPUTE SIGNATURE.
    Sign,
}

impl fmt::Display for Operation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Operation::SelectApplication => f.write_str("SELECT JPKI AP"),
            Operation::SelectFile(ef) => write!(f, "SELECT EF {ef:04X}"),
            Operation::ReadTokenInfo => f.write_str("READ BINARY token info"),
            Operation::ReadCertificate => f.write_str("READ BINARY certificate"),
            Operation::ReadRetryCounter => f.write_str("VERIFY (retry counter)"),
            Operation::Verify => f.write_str("VERIFY"),
            Operation::Sign => f.write_str("COMPUTE SIGNATURE"),
        }
    }
}

/// Why a JPKI authentication did not complete.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum JpkiError {
    /// The transport failed: card removed, reader gone, …
    #[error(transparent)]
    Channel(#[from] ChannelError),
    /// A command could not be encoded or a response was shorter than its status word.
    #[error(transparent)]
    Apdu(#[from] ApduError),
    /// The card has no JPKI AP: it is not a My Number Card (or phone token).
    #[error("not a My Number Card: selecting the JPKI AP answered {sw}")]
    NotMyNumberCard {
        /// The SELECT's status word.
        sw: StatusWord,
    },
    /// VERIFY refused the PIN; the card still allows this many attempts.
    #[error("wrong PIN, {tries_left} attempt(s) left")]
    WrongPin {
        /// Attempts left (1..=15).
        tries_left: u8,
    },
    /// The authentication PIN is blocked; only the municipal office can reset it.
    #[error("the authentication PIN is blocked ({sw})")]
    Blocked {
        /// `63C0`, `6984` or `6983`.
        sw: StatusWord,
    },
    /// The card wants a verified PIN for this step (6982).
    #[error("security status not satisfied during {operation}")]
    SecurityStatusNotSatisfied {
        /// The refused step.
        operation: Operation,
    },
    /// Any other status word.
    #[error("unexpected status {sw} during {operation}")]
    UnexpectedStatus {
        /// The step it answered.
        operation: Operation,
        /// The status word, shown in hex.
        sw: StatusWord,
    },
    /// The card answered more GET RESPONSE rounds or bytes than any JPKI answer needs.
    #[error("the card's answer to {operation} does not end")]
    ResponseTooLong {
        /// The step it answered.
        operation: Operation,
    },
    /// The authentication certificate is missing, cut short or unparseable.
    #[error(transparent)]
    Certificate(#[from] CertError),
    /// The certificate's key needs a signing command this flow does not know yet.
    #[error("no signing command is known for {0:?} keys")]
    UnsupportedAlgorithm(SignatureAlgorithm),
    /// COMPUTE SIGNATURE succeeded without returning a signature.
    #[error("the card returned an empty signature")]
    EmptySignature,
}

impl JpkiError {
    /// The error for a status word that the step has no special meaning for.
    pub(crate) fn from_status(operation: Operation, sw: StatusWord) -> Self {
        if sw == StatusWord::SECURITY_STATUS_NOT_SATISFIED {
            JpkiError::SecurityStatusNotSatisfied { operation }
        } else {
            JpkiError::UnexpectedStatus { operation, sw }
        }
    }
}
