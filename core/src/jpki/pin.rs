//! The 4-digit 利用者証明用 PIN, checked before it can reach a card and wiped after use.

use std::fmt;

use thiserror::Error;
use zeroize::{Zeroize, ZeroizeOnDrop};

/// Why a string is not an authentication PIN. Never carries the rejected input.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum PinError {
    /// Not exactly four ASCII digits (full-width digits, letters, spaces and other lengths
    /// are all refused: the card would count any of them as a wrong PIN).
    #[error("the PIN must be exactly 4 digits 0-9")]
    NotFourDigits,
}

/// A well-formed authentication PIN.
///
/// It can only be made from four ASCII digits, so a malformed entry never costs one of
/// the card's three tries. The digits are wiped when the value is dropped, it cannot be
/// cloned, and neither `Debug` nor anything else prints them.
#[derive(Zeroize, ZeroizeOnDrop)]
pub struct Pin([u8; 4]);

impl Pin {
    /// Check and take a PIN typed by the user.
    pub fn parse(input: &str) -> Result<Self, PinError> {
        let bytes = input.as_bytes();
        let digits: [u8; 4] = bytes.try_into().map_err(|_| PinError::NotFourDigits)?;
        if digits.iter().all(u8::is_ascii_digit) {
            Ok(Pin(digits))
        } else {
            let mut rejected = digits;
            rejected.zeroize();
            Err(PinError::NotFourDigits)
        }
    }

    /// The ASCII bytes VERIFY carries. Crate-private: only the flow may see the digits.
    pub(crate) fn ascii(&self) -> &[u8; 4] {
        &self.0
    }
}

impl fmt::Debug for Pin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Pin(****)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_exactly_four_ascii_digits() {
        assert_eq!(Pin::parse("0912").unwrap().ascii(), b"0912");
    }

    #[test]
    fn refuses_everything_else() {
        for bad in [
            "",
            "123",
            "12345",
            "12a4",
            " 1234",
            "1234\n",
            "１２３４",
            "12.4",
            "-123",
        ] {
            assert_eq!(
                Pin::parse(bad).map(|_| ()),
                Err(PinError::NotFourDigits),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn debug_shows_no_digits() {
        let shown = format!("{:?}", Pin::parse("5678").unwrap());
        assert_eq!(shown, "Pin(****)");
    }
}
