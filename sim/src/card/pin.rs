//! The authentication PIN's retry counter (EF 0018), which survives power-off.

use super::apdu::sw;

/// Tries a fresh JPKI authentication PIN allows (card-and-transport.md §1.2).
pub const AUTH_PIN_TRIES: u8 = 3;

/// The PIN and its counter. The "verified" flag is not here: it belongs to the session
/// and is lost on reset or when another AP is selected.
#[derive(Clone)]
pub(crate) struct PinCounter {
    pin: Vec<u8>,
    tries: u8,
}

/// What a VERIFY with data did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Outcome {
    Verified,
    Refused(u16),
}

impl PinCounter {
    pub(crate) fn new(pin: &str, tries: u8) -> Self {
        PinCounter {
            pin: pin.as_bytes().to_vec(),
            tries: tries.min(AUTH_PIN_TRIES),
        }
    }

    pub(crate) fn tries(&self) -> u8 {
        self.tries
    }

    pub(crate) fn is_blocked(&self) -> bool {
        self.tries == 0
    }

    /// The answer to an empty VERIFY, which spends nothing.
    pub(crate) fn status(&self, verified: bool) -> u16 {
        if self.is_blocked() {
            sw::REFERENCE_BLOCKED
        } else if verified {
            sw::OK
        } else {
            sw::TRIES_LEFT | u16::from(self.tries)
        }
    }

    /// Compare `candidate`. Anything but the exact PIN costs a try, whatever its length:
    /// that is why core refuses malformed input before it reaches a card.
    pub(crate) fn verify(&mut self, candidate: &[u8]) -> Outcome {
        if self.is_blocked() {
            return Outcome::Refused(sw::REFERENCE_BLOCKED);
        }
        if constant_time_eq(candidate, &self.pin) {
            self.tries = AUTH_PIN_TRIES;
            Outcome::Verified
        } else {
            self.tries -= 1;
            // 63C0 for the try that blocks; 6984 for every later one (§1.4).
            Outcome::Refused(sw::TRIES_LEFT | u16::from(self.tries))
        }
    }

    pub(crate) fn change(&mut self, new_pin: &[u8]) {
        self.pin = new_pin.to_vec();
    }
}

// A simulator has no side channel to protect, but a card that answered early on the
// first wrong digit would teach the wrong habit to anyone copying it.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

// Hand-written so that `{:?}` never shows the PIN.
impl std::fmt::Debug for PinCounter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PinCounter")
            .field("tries", &self.tries)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_down_blocks_and_resets() {
        let mut pin = PinCounter::new("1234", AUTH_PIN_TRIES);
        assert_eq!(pin.status(false), 0x63C3);
        assert_eq!(pin.verify(b"0000"), Outcome::Refused(0x63C2));
        assert_eq!(pin.verify(b"1234"), Outcome::Verified);
        assert_eq!(pin.tries(), 3);
        assert_eq!(pin.verify(b"12345"), Outcome::Refused(0x63C2));
        assert_eq!(pin.verify(b""), Outcome::Refused(0x63C1));
        assert_eq!(pin.verify(b"4321"), Outcome::Refused(0x63C0));
        assert!(pin.is_blocked());
        assert_eq!(pin.verify(b"1234"), Outcome::Refused(0x6984));
        assert_eq!(pin.status(false), 0x6984);
    }

    #[test]
    fn debug_hides_the_pin() {
        let shown = format!("{:?}", PinCounter::new("9876", 3));
        assert!(
            !shown.contains("9876") && !shown.contains("57, 56"),
            "{shown}"
        );
    }
}
