//! JPKI user authentication (利用者証明用電子証明書) over any card transport.
//!
//! Pure logic: APDUs in, APDUs out. The gateway's PC/SC reader and the browser's WebUSB
//! transport both drive [`flow`] through a [`CardChannel`] (synchronously with [`run`]) or
//! step by step with [`Step`] (asynchronously); see [`channel`] for the loop.
//!
//! ```text
//! let checkpoint = jpki::run(jpki::start(), &mut reader)?;
//! let Checkpoint::PinRequired(pin_required) = checkpoint else { … };
//! show(pin_required.tries_left());                 // control is back with the UI
//! let pin = Pin::parse(&typed)?;                   // malformed input never reaches the card
//! let auth = jpki::run(pin_required.verify(pin, &challenge)?, &mut reader)?;
//! ```

pub mod apdu;
pub mod cert;
mod cert_read;
pub mod channel;
pub mod commands;
pub mod error;
mod exchange;
pub mod flow;
pub mod pin;
mod script;
pub mod status;
pub mod token;

pub use apdu::{ApduError, CommandApdu, ResponseApdu};
pub use cert::{AuthCertificate, CertError, SignatureAlgorithm};
pub use channel::{run, CardChannel, ChannelError, Progress, Step};
pub use error::{JpkiError, Operation};
pub use flow::{
    start, AlreadyVerified, Authentication, Checkpoint, PinRequired, Reading, Signing, TriesLeft,
    VerificationMethod,
};
pub use pin::{Pin, PinError};
pub use status::StatusWord;
pub use token::TokenKind;
