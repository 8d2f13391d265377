//! Card readers through PC/SC (pcsc-lite's `pcscd` on Linux, WinSCard on Windows).
//!
//! Every call here blocks (PC/SC has no async API), so the card-session worker runs it on
//! a dedicated thread, never on the async runtime:
//!
//! - [`Readers`]: one PC/SC context: list readers, wait for a card to arrive or leave
//!   (`SCardGetStatusChange` with a timeout, woken early by [`Canceller::cancel`]), connect;
//! - [`PcscChannel`]: a connected card as core's [`onshi_core::jpki::CardChannel`], with
//!   PC/SC errors mapped to [`onshi_core::jpki::ChannelError`].

mod channel;
mod readers;

use onshi_core::jpki::ChannelError;
use thiserror::Error;

pub use channel::{PcscChannel, RawCard};
pub use readers::{Canceller, Presence, Readers};

/// What went wrong talking to PC/SC, in the terms a session reports.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ReaderError {
    /// No PC/SC service to talk to.
    #[error("PC/SC service (pcscd) is not running")]
    ServiceNotRunning,
    /// The service runs but no reader is attached.
    #[error("no card reader is connected")]
    NoReaders,
    /// A reader name that the service does not list.
    #[error("no card reader is named {0:?}")]
    UnknownReader(String),
    /// The reader disappeared (unplugged) during the session.
    #[error("the card reader is no longer available")]
    ReaderGone,
    /// The card left the reader.
    #[error("the card was removed from the reader")]
    CardRemoved,
    /// The card was reset by someone else (another application took it over).
    #[error("the card was reset by another application")]
    CardReset,
    /// Another application holds the card exclusively.
    #[error("another application is using the card")]
    Busy,
    /// A wait was interrupted by [`Canceller::cancel`].
    #[error("the wait was cancelled")]
    Cancelled,
    /// Anything else PC/SC reported.
    #[error("PC/SC error: {0}")]
    Other(String),
}

impl ReaderError {
    /// Classifies a PC/SC error code.
    pub fn from_pcsc(error: pcsc::Error) -> Self {
        use pcsc::Error as E;
        match error {
            E::NoService | E::ServiceStopped | E::CommDataLost | E::Shutdown => {
                Self::ServiceNotRunning
            }
            E::NoReadersAvailable => Self::NoReaders,
            E::ReaderUnavailable | E::UnknownReader | E::ReaderUnsupported => Self::ReaderGone,
            E::RemovedCard | E::NoSmartcard | E::UnpoweredCard | E::UnresponsiveCard => {
                Self::CardRemoved
            }
            E::ResetCard => Self::CardReset,
            E::SharingViolation => Self::Busy,
            E::Cancelled => Self::Cancelled,
            other => Self::Other(other.to_string()),
        }
    }
}

impl From<ReaderError> for ChannelError {
    fn from(error: ReaderError) -> Self {
        match error {
            ReaderError::CardRemoved => ChannelError::CardRemoved,
            ReaderError::ServiceNotRunning
            | ReaderError::NoReaders
            | ReaderError::UnknownReader(_)
            | ReaderError::ReaderGone => ChannelError::ReaderGone,
            other => ChannelError::Transport(other.to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pcsc_errors_become_session_terms() {
        assert_eq!(
            ReaderError::from_pcsc(pcsc::Error::NoService),
            ReaderError::ServiceNotRunning
        );
        assert_eq!(
            ReaderError::from_pcsc(pcsc::Error::RemovedCard),
            ReaderError::CardRemoved
        );
        assert_eq!(
            ReaderError::from_pcsc(pcsc::Error::ResetCard),
            ReaderError::CardReset
        );
        assert_eq!(
            ReaderError::from_pcsc(pcsc::Error::NoReadersAvailable),
            ReaderError::NoReaders
        );
        assert_eq!(
            ReaderError::from_pcsc(pcsc::Error::ReaderUnavailable),
            ReaderError::ReaderGone
        );
    }

    #[test]
    fn channel_errors_keep_removal_and_reader_loss_apart() {
        assert_eq!(
            ChannelError::from(ReaderError::CardRemoved),
            ChannelError::CardRemoved
        );
        assert_eq!(
            ChannelError::from(ReaderError::ServiceNotRunning),
            ChannelError::ReaderGone
        );
        assert!(matches!(
            ChannelError::from(ReaderError::CardReset),
            ChannelError::Transport(message) if message.contains("reset")
        ));
        assert_eq!(
            ReaderError::ServiceNotRunning.to_string(),
            "PC/SC service (pcscd) is not running"
        );
    }
}
