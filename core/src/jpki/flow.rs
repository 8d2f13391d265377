//! The JPKI authentication flow (card-and-transport.md §1.3 "Full flow"), in two phases.
//!
//! 1. [`start`] → [`Reading`]: SELECT the JPKI AP, read the token label (EF 0006), read the
//!    authentication certificate (EF 000A), SELECT EF 0018 and read the retry counter with
//!    an empty VERIFY, which spends no try. The phase ends in a [`Checkpoint`] and sends
//!    nothing more: control is back with the caller, who shows the tries left.
//! 2. Only a [`Checkpoint`] can start the second phase, and [`PinRequired::verify`] only takes
//!    a [`Pin`], which only exists as four checked digits. So a VERIFY cannot go out before
//!    the retry counter was read, nor without a PIN the caller supplied, nor with a malformed
//!    one, and a blocked PIN ends phase 1 with an error instead of a checkpoint.
//!    [`Signing`]: VERIFY, SELECT EF 0017, COMPUTE SIGNATURE over the caller's challenge.
//!
//! Token quirks (§5): an Android token reads its certificate after VERIFY; an iPhone gets
//! the last-command indicator after signing. A wrong PIN ends the flow with
//! [`JpkiError::WrongPin`]; to try again, [`start`] anew so the counter is re-read.
//!
//! Only the JPKI AP is ever selected: never the 券面事項入力補助AP or any AP that holds the
//! individual number (番号法).

use super::cert::{AuthCertificate, SignatureAlgorithm};
use super::channel::{Progress, Step};
use super::commands::{EF_AUTH_CERT, EF_AUTH_KEY, EF_TOKEN_INFO};
use super::error::JpkiError;
use super::pin::Pin;
use super::script::{signing_tail, Advance, Context, Op, PinState, Script};
use super::token::TokenKind;

/// Begin a session: the first phase, waiting to send SELECT JPKI AP.
pub fn start() -> Progress<Reading> {
    Progress::Transmit(Reading(Script::new(
        Op::SelectJpki,
        vec![Op::SelectEf(EF_TOKEN_INFO), Op::ReadTokenInfo],
        Context::default(),
    )))
}

/// Phase 1 in progress (see the module documentation).
#[derive(Debug)]
pub struct Reading(Script);

impl Step for Reading {
    type Output = Checkpoint;

    fn next_command(&self) -> &[u8] {
        self.0.wire()
    }

    fn feed(mut self, response: &[u8]) -> Result<Progress<Self>, JpkiError> {
        match self.0.feed(response)? {
            Advance::Transmit => Ok(Progress::Transmit(self)),
            Advance::Finished => Ok(Progress::Done(Checkpoint::from_context(self.0.context))),
        }
    }
}

/// How many PIN attempts the card still allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TriesLeft {
    /// This many (1..=15; the JPKI auth PIN starts at 3).
    Remaining(u8),
    /// The key reports no retry limit (6300).
    Unlimited,
}

/// What phase 1 learnt, shared by both kinds of checkpoint.
#[derive(Debug)]
struct Prepared {
    token: TokenKind,
    /// `None` on tokens that serve the certificate only after VERIFY (Android).
    certificate: Option<AuthCertificate>,
}

impl Prepared {
    /// Phase 2's commands after the optional VERIFY.
    fn into_signing(
        self,
        verify: Option<Pin>,
        challenge: &[u8],
        method: VerificationMethod,
    ) -> Result<Progress<Signing>, JpkiError> {
        let mut context = Context {
            token: Some(self.token.clone()),
            ..Context::default()
        };
        let (select, tail) = match self.certificate {
            Some(certificate) => {
                let tail = signing_tail(Some(&self.token), &certificate, challenge)?;
                context.certificate = Some(certificate);
                (Op::SelectEf(EF_AUTH_KEY), tail)
            }
            None => {
                // The signing commands are queued once the certificate says which key it is.
                context.pending_challenge = Some(challenge.to_vec());
                (Op::SelectEf(EF_AUTH_CERT), vec![Op::ReadCertificate])
            }
        };
        let (first, rest) = match verify {
            Some(pin) => (
                Op::Verify(pin),
                std::iter::once(select).chain(tail).collect(),
            ),
            None => (select, tail),
        };
        Ok(Progress::Transmit(Signing {
            script: Script::new(first, rest, context),
            token: self.token,
            method,
        }))
    }
}

/// The end of phase 1: the card is a JPKI token and its PIN is not blocked.
#[derive(Debug)]
pub enum Checkpoint {
    /// The PIN must be entered; show [`PinRequired::tries_left`] first.
    PinRequired(PinRequired),
    /// The token reports its PIN already verified (9000 to the empty VERIFY): an earlier
    /// VERIFY in this card session, or a phone that checked its holder itself.
    AlreadyVerified(AlreadyVerified),
}

impl Checkpoint {
    fn from_context(context: Context) -> Self {
        let prepared = Prepared {
            // Phase 1 always reads the label before the retry counter that ends it.
            token: context.token.unwrap_or(TokenKind::Other(String::new())),
            certificate: context.certificate,
        };
        match context.pin_state {
            Some(PinState::Remaining(n)) => Checkpoint::PinRequired(PinRequired {
                prepared,
                tries_left: TriesLeft::Remaining(n),
            }),
            Some(PinState::AlreadyVerified) => {
                Checkpoint::AlreadyVerified(AlreadyVerified { prepared })
            }
            // `None` cannot happen (the retry counter is phase 1's last op); it gets the
            // prompt without a count rather than a made-up number.
            Some(PinState::Unlimited) | None => Checkpoint::PinRequired(PinRequired {
                prepared,
                tries_left: TriesLeft::Unlimited,
            }),
        }
    }

    /// Which token answered.
    pub fn token(&self) -> &TokenKind {
        &self.prepared().token
    }

    /// The authentication certificate, if the token served it before the PIN.
    pub fn certificate(&self) -> Option<&AuthCertificate> {
        self.prepared().certificate.as_ref()
    }

    fn prepared(&self) -> &Prepared {
        match self {
            Checkpoint::PinRequired(p) => &p.prepared,
            Checkpoint::AlreadyVerified(v) => &v.prepared,
        }
    }
}

/// Phase 1 is over and the PIN is needed. Nothing is sent until [`PinRequired::verify`].
#[derive(Debug)]
pub struct PinRequired {
    prepared: Prepared,
    tries_left: TriesLeft,
}

impl PinRequired {
    /// Attempts left, as read without spending one.
    pub fn tries_left(&self) -> TriesLeft {
        self.tries_left
    }

    /// One attempt left: a wrong PIN now blocks the card until the municipal office resets it.
    pub fn is_last_attempt(&self) -> bool {
        self.tries_left == TriesLeft::Remaining(1)
    }

    /// Which token answered.
    pub fn token(&self) -> &TokenKind {
        &self.prepared.token
    }

    /// Start phase 2 with the PIN the user just entered and the challenge to sign.
    ///
    /// Fails only if the certificate's key has no known signing command; nothing is sent then.
    pub fn verify(self, pin: Pin, challenge: &[u8]) -> Result<Progress<Signing>, JpkiError> {
        self.prepared
            .into_signing(Some(pin), challenge, VerificationMethod::Pin)
    }
}

/// Phase 1 is over and the token needs no PIN from us.
#[derive(Debug)]
pub struct AlreadyVerified {
    prepared: Prepared,
}

impl AlreadyVerified {
    /// Which token answered.
    pub fn token(&self) -> &TokenKind {
        &self.prepared.token
    }

    /// Start phase 2 without VERIFY, signing `challenge`.
    pub fn sign(self, challenge: &[u8]) -> Result<Progress<Signing>, JpkiError> {
        self.prepared
            .into_signing(None, challenge, VerificationMethod::AlreadyVerified)
    }
}

/// Phase 2 in progress (see the module documentation).
#[derive(Debug)]
pub struct Signing {
    script: Script,
    token: TokenKind,
    method: VerificationMethod,
}

impl Step for Signing {
    type Output = Authentication;

    fn next_command(&self) -> &[u8] {
        self.script.wire()
    }

    fn feed(mut self, response: &[u8]) -> Result<Progress<Self>, JpkiError> {
        match self.script.feed(response)? {
            Advance::Transmit => Ok(Progress::Transmit(self)),
            Advance::Finished => {
                let context = self.script.context;
                // Phase 2 always ends after a SIGN that stored both (see signing_tail).
                let certificate = context.certificate.ok_or(super::cert::CertError::Empty)?;
                let signature = context.signature.ok_or(JpkiError::EmptySignature)?;
                Ok(Progress::Done(Authentication {
                    algorithm: certificate.algorithm(),
                    certificate,
                    signature,
                    token: self.token,
                    method: self.method,
                }))
            }
        }
    }
}

/// How the holder was verified for this signature.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum VerificationMethod {
    /// VERIFY with the PIN the user entered.
    Pin,
    /// The token reported the PIN already verified; no VERIFY was sent.
    AlreadyVerified,
}

/// The result of a completed flow: everything the national side needs to check it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Authentication {
    /// The authentication certificate (DER inside).
    pub certificate: AuthCertificate,
    /// The card's signature over the challenge (RSA: as long as the modulus).
    pub signature: Vec<u8>,
    /// The key's algorithm, from the certificate.
    pub algorithm: SignatureAlgorithm,
    /// Which token signed.
    pub token: TokenKind,
    /// How the holder was verified.
    pub method: VerificationMethod,
}
