//! One logical command, including the ISO 7816-4 transmission fix-ups around it.
//!
//! A card may answer `6Cxx` ("wrong Le, ask for xx") or `61xx` ("xx more bytes, fetch them
//! with GET RESPONSE"). Both are resolved here so the flow only ever sees the final answer.

use zeroize::Zeroizing;

use super::apdu::{CommandApdu, ResponseApdu};
use super::commands;
use super::error::{JpkiError, Operation};

/// GET RESPONSE rounds allowed for one command. JPKI answers are at most 256 bytes; the cap
/// only stops a misbehaving card from keeping the flow busy forever.
const MAX_GET_RESPONSES: u8 = 8;

/// A command in flight, with what has been gathered of its answer so far.
// Debug is written by hand below: the wire bytes of a VERIFY hold the PIN.
pub(crate) struct Exchange {
    operation: Operation,
    command: CommandApdu,
    wire: Zeroizing<Vec<u8>>,
    collected: Vec<u8>,
    resent_with_le: bool,
    get_responses: u8,
}

impl std::fmt::Debug for Exchange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Exchange")
            .field("operation", &self.operation)
            .field("command", &self.command)
            .finish_non_exhaustive()
    }
}

impl Exchange {
    pub(crate) fn new(operation: Operation, command: CommandApdu) -> Self {
        let wire = command.to_bytes();
        Exchange {
            operation,
            command,
            wire,
            collected: Vec::new(),
            resent_with_le: false,
            get_responses: 0,
        }
    }

    pub(crate) fn operation(&self) -> Operation {
        self.operation
    }

    /// The bytes waiting to be transmitted.
    pub(crate) fn wire(&self) -> &[u8] {
        &self.wire
    }

    /// Take the card's raw answer. `None` means [`Exchange::wire`] changed and must be sent;
    /// `Some` is the final answer, whatever its status word.
    pub(crate) fn feed(&mut self, raw: &[u8]) -> Result<Option<ResponseApdu>, JpkiError> {
        let mut response = ResponseApdu::parse(raw)?;
        let sw = response.status();

        // Only a command that asked for data can be corrected, and only once: a second 6Cxx
        // would mean the card contradicts itself.
        if let Some(le) = sw.corrected_le() {
            if self.command.le().is_some() && !self.resent_with_le && self.get_responses == 0 {
                self.resent_with_le = true;
                self.command = self.command.clone().with_le(le)?;
                self.wire = self.command.to_bytes();
                return Ok(None);
            }
        }

        if let Some(available) = sw.bytes_available() {
            if self.get_responses >= MAX_GET_RESPONSES {
                return Err(JpkiError::ResponseTooLong {
                    operation: self.operation,
                });
            }
            self.get_responses += 1;
            self.collected.append(&mut response.data);
            self.wire = commands::get_response(available).to_bytes();
            return Ok(None);
        }

        if !self.collected.is_empty() {
            self.collected.append(&mut response.data);
            response.data = std::mem::take(&mut self.collected);
        }
        Ok(Some(response))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(le: u16) -> Exchange {
        Exchange::new(Operation::ReadCertificate, commands::read_binary(0, le))
    }

    #[test]
    fn resends_with_the_corrected_le_once() {
        let mut exchange = read(256);
        assert_eq!(exchange.wire(), [0x00, 0xB0, 0x00, 0x00, 0x00]);
        assert_eq!(exchange.feed(&[0x6C, 0x20]).unwrap(), None);
        assert_eq!(exchange.wire(), [0x00, 0xB0, 0x00, 0x00, 0x20]);
        // A second 6Cxx is handed up as the final answer.
        let answer = exchange.feed(&[0x6C, 0x10]).unwrap().unwrap();
        assert_eq!((answer.sw1, answer.sw2), (0x6C, 0x10));
    }

    #[test]
    fn a_command_without_le_is_not_corrected() {
        let mut exchange = Exchange::new(Operation::ReadRetryCounter, commands::retry_counter());
        let answer = exchange.feed(&[0x6C, 0x04]).unwrap().unwrap();
        assert_eq!((answer.sw1, answer.sw2), (0x6C, 0x04));
    }

    #[test]
    fn gathers_61xx_answers_in_order() {
        let mut exchange = read(256);
        assert_eq!(exchange.feed(&[1, 2, 0x61, 0x02]).unwrap(), None);
        assert_eq!(exchange.wire(), [0x00, 0xC0, 0x00, 0x00, 0x02]);
        assert_eq!(exchange.feed(&[3, 4, 0x61, 0x00]).unwrap(), None);
        assert_eq!(exchange.wire(), [0x00, 0xC0, 0x00, 0x00, 0x00]);
        let answer = exchange.feed(&[5, 0x90, 0x00]).unwrap().unwrap();
        assert_eq!(answer.data, [1, 2, 3, 4, 5]);
        assert!(answer.status().is_ok());
    }

    #[test]
    fn an_endless_61xx_chain_is_an_error() {
        let mut exchange = read(256);
        let mut outcome = Ok(None);
        for _ in 0..=MAX_GET_RESPONSES {
            outcome = exchange.feed(&[0x61, 0x01]);
            if outcome.is_err() {
                break;
            }
        }
        assert_eq!(
            outcome,
            Err(JpkiError::ResponseTooLong {
                operation: Operation::ReadCertificate
            })
        );
    }

    #[test]
    fn a_truncated_answer_is_an_error() {
        assert_eq!(
            read(4).feed(&[0x90]),
            Err(JpkiError::Apdu(
                crate::jpki::apdu::ApduError::TruncatedResponse(1)
            ))
        );
    }
}
