//! How failures of the reader, the card and the national side become the contract's
//! [`CardSessionError`]s. Messages are fixed texts or status words: never patient data,
//! never a PIN.

use super::national::NationalError;
use crate::card_reader::ReaderError;
use onshi_core::card_session::{CardErrorCode, CardSessionError};
use onshi_core::jpki::{ChannelError, JpkiError};

pub const PIN_BLOCKED: &str = "The card's PIN is locked after too many wrong entries. It must be \
     reset at the municipal office (市区町村の窓口で暗証番号の再設定が必要です). Meanwhile the \
     patient can be confirmed by visual check at a face-recognition reader or with a \
     資格確認書.";
const CARD_REMOVED: &str = "The card was taken off the reader before the session finished.";
const READER_GONE: &str = "The card reader is no longer available.";
const NOT_MY_NUMBER_CARD: &str = "This card is not a My Number Card (it has no JPKI application).";
const CERTIFICATE_EXPIRED: &str =
    "The card's authentication certificate (利用者証明用電子証明書) is \
     expired or not valid yet; it is renewed at the municipal office.";
const REJECTED: &str = "The national side refused the card's authentication.";

fn error(code: CardErrorCode, message: impl Into<String>) -> CardSessionError {
    CardSessionError {
        code,
        message: message.into(),
    }
}

const CARD_MUTE: &str = "The card stopped answering the reader. Take it off the reader and \
     start again; if it happens again, the card or the reader may be faulty.";

/// A command went unanswered for the command timeout.
pub fn card_mute() -> CardSessionError {
    error(CardErrorCode::CardError, CARD_MUTE)
}

pub fn pin_blocked() -> CardSessionError {
    error(CardErrorCode::PinBlocked, PIN_BLOCKED)
}

pub fn from_reader(failure: &ReaderError) -> CardSessionError {
    match failure {
        ReaderError::CardRemoved => error(CardErrorCode::CardRemoved, CARD_REMOVED),
        ReaderError::ServiceNotRunning
        | ReaderError::NoReaders
        | ReaderError::UnknownReader(_)
        | ReaderError::ReaderGone => error(CardErrorCode::ReaderUnavailable, failure.to_string()),
        other => error(CardErrorCode::CardError, other.to_string()),
    }
}

pub fn from_jpki(failure: &JpkiError) -> CardSessionError {
    match failure {
        JpkiError::Channel(ChannelError::CardRemoved) => {
            error(CardErrorCode::CardRemoved, CARD_REMOVED)
        }
        JpkiError::Channel(ChannelError::ReaderGone) => {
            error(CardErrorCode::ReaderUnavailable, READER_GONE)
        }
        JpkiError::NotMyNumberCard { .. } => {
            error(CardErrorCode::NotMyNumberCard, NOT_MY_NUMBER_CARD)
        }
        JpkiError::Blocked { .. } => pin_blocked(),
        // Status words, certificate structure, transport words: no holder data in any.
        other => error(CardErrorCode::CardError, other.to_string()),
    }
}

pub fn from_national(failure: &NationalError) -> CardSessionError {
    match failure {
        NationalError::CertificateExpired(_) => {
            error(CardErrorCode::CertificateExpired, CERTIFICATE_EXPIRED)
        }
        NationalError::Rejected(_) | NationalError::UnknownChallenge => {
            error(CardErrorCode::AuthenticationRejected, REJECTED)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use onshi_core::jpki::StatusWord;

    #[test]
    fn a_blocked_pin_points_to_the_municipal_office() {
        let failure = from_jpki(&JpkiError::Blocked {
            sw: StatusWord::new(0x69, 0x84),
        });
        assert_eq!(failure.code, CardErrorCode::PinBlocked);
        assert!(failure.message.contains("municipal office"));
        assert!(failure.message.contains("市区町村"));
    }

    #[test]
    fn removal_and_reader_loss_keep_their_codes() {
        assert_eq!(
            from_jpki(&JpkiError::Channel(ChannelError::CardRemoved)).code,
            CardErrorCode::CardRemoved
        );
        assert_eq!(
            from_reader(&ReaderError::ServiceNotRunning).message,
            "PC/SC service (pcscd) is not running"
        );
        assert_eq!(
            from_reader(&ReaderError::ServiceNotRunning).code,
            CardErrorCode::ReaderUnavailable
        );
    }

    #[test]
    fn national_refusals_split_expiry_from_rejection() {
        assert_eq!(
            from_national(&NationalError::CertificateExpired("expired")).code,
            CardErrorCode::CertificateExpired
        );
        assert_eq!(
            from_national(&NationalError::Rejected("x".into())).code,
            CardErrorCode::AuthenticationRejected
        );
    }
}
