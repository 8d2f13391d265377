//! The link to the card, and how a step-wise flow is driven over it.
//!
//! The flow never calls a transport itself. Each phase is a value that holds the one command
//! it is waiting to have answered ([`Step::next_command`]); the caller transmits it however
//! it can and hands the answer back ([`Step::feed`]), which yields the next step or the
//! phase's result. That keeps one flow for every transport:
//!
//! - synchronous (PC/SC on the gateway's blocking thread, tests): [`run`];
//! - asynchronous (WebUSB in the browser): the same loop with an `.await` on the transfer,
//!   with no executor or thread needed in `core`:
//!
//! ```text
//! let mut progress = jpki::start();
//! let checkpoint = loop {
//!     match progress {
//!         Progress::Transmit(step) => {
//!             let answer = usb.transmit(step.next_command()).await.map_err(JpkiError::from)?;
//!             progress = step.feed(&answer)?;
//!         }
//!         Progress::Done(checkpoint) => break checkpoint,
//!     }
//! };
//! ```

use thiserror::Error;

use super::error::JpkiError;

/// Why a command could not be exchanged with the card at all.
///
/// These come from the transport, never from the card's status words.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ChannelError {
    /// The card left the reader (or the phone was taken away) during the session.
    #[error("the card was removed from the reader")]
    CardRemoved,
    /// The reader itself disappeared (unplugged, USB device lost, PC/SC reader gone).
    #[error("the card reader is no longer available")]
    ReaderGone,
    /// Any other transport failure, with the transport's own words.
    #[error("transport failure: {0}")]
    Transport(String),
}

/// Something that can exchange one APDU with a card, synchronously.
pub trait CardChannel {
    /// Send one command APDU and return the raw response (data ‖ SW1 SW2).
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, ChannelError>;
}

impl<C: CardChannel + ?Sized> CardChannel for &mut C {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, ChannelError> {
        (**self).transmit(command)
    }
}

/// A phase of the flow that is waiting for the card's answer to one command.
///
/// `feed` consumes the step, so a step cannot be answered twice and a finished phase
/// cannot be fed again.
pub trait Step: Sized {
    /// What the phase produces once the card has answered everything.
    type Output;

    /// The command to transmit next.
    fn next_command(&self) -> &[u8];

    /// Hand over the card's raw answer to [`Step::next_command`].
    fn feed(self, response: &[u8]) -> Result<Progress<Self>, JpkiError>;
}

/// Where a phase stands after a command was answered.
#[derive(Debug)]
pub enum Progress<S: Step> {
    /// Another command must go to the card.
    Transmit(S),
    /// The phase is over.
    Done(S::Output),
}

/// Drive a phase to its end over a synchronous channel.
pub fn run<S: Step>(
    mut progress: Progress<S>,
    channel: &mut impl CardChannel,
) -> Result<S::Output, JpkiError> {
    loop {
        match progress {
            Progress::Transmit(step) => {
                let response = channel.transmit(step.next_command())?;
                progress = step.feed(&response)?;
            }
            Progress::Done(output) => return Ok(output),
        }
    }
}
