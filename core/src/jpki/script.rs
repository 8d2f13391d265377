//! The engine under both phases: a queue of card operations, each answered in turn.
//!
//! Every operation knows its command and what its answer means; the queue may grow while
//! running, because what comes next depends on the token label and on the certificate.

use std::collections::VecDeque;

use super::apdu::{CommandApdu, ResponseApdu};
use super::cert::AuthCertificate;
use super::cert_read::CertificateRead;
use super::commands::{self, EF_AUTH_CERT, EF_AUTH_KEY, EF_AUTH_PIN};
use super::error::{JpkiError, Operation};
use super::exchange::Exchange;
use super::pin::Pin;
use super::status::StatusWord;
use super::token::{TokenKind, LABEL_LEN};

/// One thing to ask the card.
#[derive(Debug)]
pub(crate) enum Op {
    SelectJpki,
    SelectEf(u16),
    ReadTokenInfo,
    ReadCertificate,
    ReadRetryCounter,
    /// Holds the PIN only until the card has answered; dropping the op wipes it.
    Verify(Pin),
    Sign(CommandApdu),
    /// The iPhone's last-command indicator; any answer is accepted.
    EndSession,
}

impl Op {
    fn operation(&self) -> Operation {
        match self {
            Op::SelectJpki => Operation::SelectApplication,
            Op::SelectEf(ef) => Operation::SelectFile(*ef),
            Op::ReadTokenInfo => Operation::ReadTokenInfo,
            Op::ReadCertificate => Operation::ReadCertificate,
            Op::ReadRetryCounter => Operation::ReadRetryCounter,
            Op::Verify(_) => Operation::Verify,
            Op::Sign(_) | Op::EndSession => Operation::Sign,
        }
    }

    fn command(&self) -> CommandApdu {
        match self {
            Op::SelectJpki => commands::select_jpki(),
            Op::SelectEf(ef) => commands::select_ef(*ef),
            Op::ReadTokenInfo => commands::read_binary(0, LABEL_LEN),
            Op::ReadCertificate => CertificateRead::first_command(),
            Op::ReadRetryCounter => commands::retry_counter(),
            Op::Verify(pin) => commands::verify(pin),
            Op::Sign(command) => command.clone(),
            Op::EndSession => commands::last_command_indicator(),
        }
    }
}

/// What the retry counter said, when it did not say "blocked".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PinState {
    Remaining(u8),
    Unlimited,
    AlreadyVerified,
}

/// What the card has told so far.
#[derive(Debug, Default)]
pub(crate) struct Context {
    pub(crate) token: Option<TokenKind>,
    pub(crate) certificate: Option<AuthCertificate>,
    pub(crate) pin_state: Option<PinState>,
    pub(crate) signature: Option<Vec<u8>>,
    /// Set when the certificate is still to be read in the signing phase (Android): the
    /// signing commands are queued once its algorithm is known.
    pub(crate) pending_challenge: Option<Vec<u8>>,
    pub(crate) cert_read: CertificateRead,
}

/// The queue, the operation in flight and what has been learnt.
#[derive(Debug)]
pub(crate) struct Script {
    current: Op,
    exchange: Exchange,
    queue: VecDeque<Op>,
    pub(crate) context: Context,
}

/// Whether the script needs the card again.
pub(crate) enum Advance {
    Transmit,
    Finished,
}

impl Script {
    pub(crate) fn new(first: Op, rest: Vec<Op>, context: Context) -> Self {
        let exchange = Exchange::new(first.operation(), first.command());
        Script {
            current: first,
            exchange,
            queue: rest.into(),
            context,
        }
    }

    pub(crate) fn wire(&self) -> &[u8] {
        self.exchange.wire()
    }

    pub(crate) fn feed(&mut self, raw: &[u8]) -> Result<Advance, JpkiError> {
        let Some(response) = self.exchange.feed(raw)? else {
            return Ok(Advance::Transmit);
        };
        if let Some(again) = self.handle(response)? {
            self.exchange = Exchange::new(self.exchange.operation(), again);
            return Ok(Advance::Transmit);
        }
        match self.queue.pop_front() {
            Some(next) => {
                self.exchange = Exchange::new(next.operation(), next.command());
                // Replacing the finished op drops it, wiping a VERIFY's PIN.
                self.current = next;
                Ok(Advance::Transmit)
            }
            None => Ok(Advance::Finished),
        }
    }

    /// Interpret the final answer to the current op. `Some` asks the card again for the
    /// same op (only certificate reads do).
    fn handle(&mut self, response: ResponseApdu) -> Result<Option<CommandApdu>, JpkiError> {
        let sw = response.status();
        let operation = self.current.operation();
        match &self.current {
            Op::SelectJpki if !sw.is_ok() => return Err(JpkiError::NotMyNumberCard { sw }),
            Op::SelectJpki => {}
            Op::SelectEf(_) => expect_ok(operation, sw)?,
            Op::ReadTokenInfo => {
                // 6282: the EF is shorter than 32 bytes, the label came anyway.
                if sw != StatusWord::END_OF_FILE_WARNING {
                    expect_ok(operation, sw)?;
                }
                let token = TokenKind::from_label(&response.data);
                self.queue.extend(preparation_plan(&token));
                self.context.token = Some(token);
            }
            Op::ReadCertificate => {
                self.context.cert_read.accept(response)?;
                if let Some(again) = self.context.cert_read.next_command() {
                    return Ok(Some(again));
                }
                let certificate = std::mem::take(&mut self.context.cert_read).finish()?;
                // Refuse an unusable key now, before the user is asked for a PIN.
                sign_command(&certificate, &[])?;
                if let Some(challenge) = self.context.pending_challenge.take() {
                    let token = self.context.token.as_ref();
                    let tail = signing_tail(token, &certificate, &challenge)?;
                    self.queue.push_back(Op::SelectEf(EF_AUTH_KEY));
                    self.queue.extend(tail);
                }
                self.context.certificate = Some(certificate);
            }
            Op::ReadRetryCounter => self.context.pin_state = Some(retry_state(sw)?),
            Op::Verify(_) => {
                if let Some(tries_left) = sw.tries_left() {
                    return Err(JpkiError::WrongPin { tries_left });
                }
                if sw.is_blocked() {
                    return Err(JpkiError::Blocked { sw });
                }
                expect_ok(operation, sw)?;
            }
            Op::Sign(_) => {
                expect_ok(operation, sw)?;
                if response.data.is_empty() {
                    return Err(JpkiError::EmptySignature);
                }
                self.context.signature = Some(response.data);
            }
            // The signature is already in hand; the indicator only tells the phone we are done.
            Op::EndSession => {}
        }
        Ok(None)
    }
}

fn expect_ok(operation: Operation, sw: StatusWord) -> Result<(), JpkiError> {
    if sw.is_ok() {
        Ok(())
    } else {
        Err(JpkiError::from_status(operation, sw))
    }
}

fn retry_state(sw: StatusWord) -> Result<PinState, JpkiError> {
    if let Some(tries) = sw.tries_left() {
        Ok(PinState::Remaining(tries))
    } else if sw.is_blocked() {
        Err(JpkiError::Blocked { sw })
    } else if sw == StatusWord::NO_RETRY_LIMIT {
        Ok(PinState::Unlimited)
    } else if sw.is_ok() {
        // Some cards answer 9000 when the PIN was already verified in this card session.
        Ok(PinState::AlreadyVerified)
    } else {
        Err(JpkiError::from_status(Operation::ReadRetryCounter, sw))
    }
}

/// What follows the token label in the first phase.
fn preparation_plan(token: &TokenKind) -> Vec<Op> {
    let mut plan = Vec::new();
    if !token.needs_pin_before_certificate() {
        plan.extend([Op::SelectEf(EF_AUTH_CERT), Op::ReadCertificate]);
    }
    plan.extend([Op::SelectEf(EF_AUTH_PIN), Op::ReadRetryCounter]);
    plan
}

/// After SELECT EF 0017: SIGN, then end the session where the token wants it.
pub(crate) fn signing_tail(
    token: Option<&TokenKind>,
    certificate: &AuthCertificate,
    challenge: &[u8],
) -> Result<Vec<Op>, JpkiError> {
    let mut plan = vec![Op::Sign(sign_command(certificate, challenge)?)];
    if token.is_some_and(TokenKind::wants_last_command_indicator) {
        plan.push(Op::EndSession);
    }
    Ok(plan)
}

fn sign_command(certificate: &AuthCertificate, challenge: &[u8]) -> Result<CommandApdu, JpkiError> {
    commands::sign(certificate.algorithm(), challenge)
        .ok_or(JpkiError::UnsupportedAlgorithm(certificate.algorithm()))
}
