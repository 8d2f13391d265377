//! Status words (SW1 SW2) and the meanings the JPKI flow relies on.
//!
//! Kept as one `u16` with predicates rather than a closed enum: cards answer with codes no
//! table lists, and an error should still be able to name them in hex.

use std::fmt;

/// A status word such as `9000` or `63C2`.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct StatusWord(u16);

impl StatusWord {
    /// Normal completion.
    pub const OK: StatusWord = StatusWord(0x9000);
    /// End of file reached before Le bytes were read (data may accompany it).
    pub const END_OF_FILE_WARNING: StatusWord = StatusWord(0x6282);
    /// A key without a retry limit (answer to an empty VERIFY).
    pub const NO_RETRY_LIMIT: StatusWord = StatusWord(0x6300);
    /// Authentication method blocked (ISO 7816-4).
    pub const AUTH_BLOCKED: StatusWord = StatusWord(0x6983);
    /// Security status not satisfied: the PIN has not been presented.
    pub const SECURITY_STATUS_NOT_SATISFIED: StatusWord = StatusWord(0x6982);
    /// Referenced data (key) blocked; what a blocked JPKI PIN answers after 63C0.
    pub const REFERENCE_BLOCKED: StatusWord = StatusWord(0x6984);
    /// Offset past the end of the file (JICSAP end of file).
    pub const OFFSET_BEYOND_EOF: StatusWord = StatusWord(0x6B00);

    /// Combine the two status bytes.
    pub const fn new(sw1: u8, sw2: u8) -> Self {
        StatusWord(u16::from_be_bytes([sw1, sw2]))
    }

    /// The status word as a number, e.g. `0x6A82`.
    pub const fn value(self) -> u16 {
        self.0
    }

    fn sw1(self) -> u8 {
        (self.0 >> 8) as u8
    }

    fn sw2(self) -> u8 {
        (self.0 & 0xFF) as u8
    }

    /// `9000`.
    pub fn is_ok(self) -> bool {
        self == Self::OK
    }

    /// `61xx`: this many more bytes wait for a GET RESPONSE (`00` meaning 256).
    pub fn bytes_available(self) -> Option<u16> {
        (self.sw1() == 0x61).then(|| le_from_byte(self.sw2()))
    }

    /// `6Cxx`: wrong Le, resend with Le = xx (`00` meaning 256).
    pub fn corrected_le(self) -> Option<u16> {
        (self.sw1() == 0x6C).then(|| le_from_byte(self.sw2()))
    }

    /// `6B00` or `6282`: the card has no more bytes at this offset.
    pub fn is_end_of_file(self) -> bool {
        self == Self::OFFSET_BEYOND_EOF || self == Self::END_OF_FILE_WARNING
    }

    /// `63Cx` with x > 0: that many PIN attempts remain.
    pub fn tries_left(self) -> Option<u8> {
        let x = self.sw2() & 0x0F;
        (self.sw1() == 0x63 && self.sw2() & 0xF0 == 0xC0 && x > 0).then_some(x)
    }

    /// `63C0` (counter just ran out), `6984` or `6983` (every later attempt).
    pub fn is_blocked(self) -> bool {
        self.0 == 0x63C0 || self == Self::REFERENCE_BLOCKED || self == Self::AUTH_BLOCKED
    }
}

fn le_from_byte(byte: u8) -> u16 {
    if byte == 0 {
        256
    } else {
        u16::from(byte)
    }
}

impl fmt::Display for StatusWord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04X}", self.0)
    }
}

impl fmt::Debug for StatusWord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "StatusWord({:04X})", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_tries_left_only_from_63cx_with_a_count() {
        assert_eq!(StatusWord::new(0x63, 0xC3).tries_left(), Some(3));
        assert_eq!(StatusWord::new(0x63, 0xC1).tries_left(), Some(1));
        assert_eq!(StatusWord::new(0x63, 0xC0).tries_left(), None);
        assert_eq!(StatusWord::new(0x63, 0x00).tries_left(), None);
        assert_eq!(StatusWord::new(0x62, 0xC2).tries_left(), None);
    }

    #[test]
    fn recognises_the_blocked_codes() {
        for (sw1, sw2) in [(0x63, 0xC0), (0x69, 0x84), (0x69, 0x83)] {
            assert!(StatusWord::new(sw1, sw2).is_blocked(), "{sw1:02X}{sw2:02X}");
        }
        assert!(!StatusWord::new(0x63, 0xC1).is_blocked());
        assert!(!StatusWord::new(0x69, 0x82).is_blocked());
    }

    #[test]
    fn zero_length_byte_means_256() {
        assert_eq!(StatusWord::new(0x61, 0x00).bytes_available(), Some(256));
        assert_eq!(StatusWord::new(0x61, 0x10).bytes_available(), Some(16));
        assert_eq!(StatusWord::new(0x6C, 0x00).corrected_le(), Some(256));
        assert_eq!(StatusWord::new(0x6C, 0x05).corrected_le(), Some(5));
        assert_eq!(StatusWord::OK.corrected_le(), None);
    }

    #[test]
    fn displays_as_four_hex_digits() {
        assert_eq!(StatusWord::new(0x6A, 0x82).to_string(), "6A82");
        assert!(StatusWord::new(0x6B, 0x00).is_end_of_file());
        assert!(StatusWord::new(0x62, 0x82).is_end_of_file());
    }
}
