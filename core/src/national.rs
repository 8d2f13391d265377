//! The national side's answers to a card authentication, as the simulator gives them and
//! the gateway's card sessions read them: one definition for both, since a real national
//! side (reached through the terminal vendor's software) would have to give the same.

use thiserror::Error;

/// Bytes of every challenge.
pub const CHALLENGE_LEN: usize = 32;

/// A challenge the card must sign.
#[derive(Clone, PartialEq, Eq)]
pub struct Challenge {
    /// What the national side names it by when the signature comes back.
    pub id: u64,
    /// The random bytes.
    pub bytes: [u8; CHALLENGE_LEN],
}

impl std::fmt::Debug for Challenge {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Challenge({})", self.id)
    }
}

/// Why the national side refused. Messages name the failed check, never a person.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum NationalError {
    /// The certificate is outside its validity period (expired, or not valid yet).
    #[error("the authentication certificate is not valid at this time ({0})")]
    CertificateExpired(&'static str),
    /// Signature, chain or certificate refused.
    #[error("the national side refused the authentication: {0}")]
    Rejected(String),
    /// The challenge was never issued, or was already used.
    #[error("unknown or already used challenge")]
    UnknownChallenge,
}
