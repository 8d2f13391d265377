//! Command APDUs as the card receives them: split without trusting any length byte.
//!
//! The card side is written independently of core's builder on purpose: a virtual card
//! that shared the host's encoder would agree with the host's bugs.

/// Status words the virtual card answers with (card-and-transport.md §1.4, ISO 7816-4).
pub mod sw {
    /// Normal completion.
    pub const OK: u16 = 0x9000;
    /// End of file reached before Le bytes (the data read so far comes with it).
    pub const END_OF_FILE: u16 = 0x6282;
    /// Wrong PIN; the low nibble is added: 63C2, 63C1, and 63C0 for the try that blocks.
    pub const TRIES_LEFT: u16 = 0x63C0;
    /// Wrong length (Lc/Le inconsistent, extended APDU, data of the wrong size).
    pub const WRONG_LENGTH: u16 = 0x6700;
    /// Logical channel other than 0.
    pub const CHANNEL_NOT_SUPPORTED: u16 = 0x6881;
    /// Secure messaging requested in CLA.
    pub const SECURE_MESSAGING_NOT_SUPPORTED: u16 = 0x6882;
    /// Command incompatible with the current file (READ BINARY of a key EF).
    pub const INCOMPATIBLE_FILE: u16 = 0x6981;
    /// Security status not satisfied: the PIN was not verified.
    pub const SECURITY_STATUS: u16 = 0x6982;
    /// The referenced key (PIN) is blocked.
    pub const REFERENCE_BLOCKED: u16 = 0x6984;
    /// Conditions of use not satisfied (GET RESPONSE with nothing pending).
    pub const CONDITIONS: u16 = 0x6985;
    /// No current EF.
    pub const NO_CURRENT_EF: u16 = 0x6986;
    /// Wrong data (a new PIN that is not 4 digits).
    pub const WRONG_DATA: u16 = 0x6A80;
    /// File or application not found.
    pub const NOT_FOUND: u16 = 0x6A82;
    /// Wrong P1/P2.
    pub const WRONG_P1P2: u16 = 0x6A86;
    /// Referenced data not found (VERIFY or SIGN with no PIN/key EF current).
    pub const REFERENCE_NOT_FOUND: u16 = 0x6A88;
    /// Offset beyond the end of the file.
    pub const OFFSET_BEYOND_EOF: u16 = 0x6B00;
    /// Wrong Le; the low byte says the right one (00 = 256).
    pub const WRONG_LE: u16 = 0x6C00;
    /// Instruction not supported.
    pub const INS_NOT_SUPPORTED: u16 = 0x6D00;
    /// Class not supported.
    pub const CLA_NOT_SUPPORTED: u16 = 0x6E00;
}

/// A short command APDU, split into its fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Command<'a> {
    pub cla: u8,
    pub ins: u8,
    pub p1: u8,
    pub p2: u8,
    pub data: &'a [u8],
    /// Expected response length, 1..=256 (`00` on the wire is 256); `None` if absent.
    pub le: Option<u16>,
}

impl<'a> Command<'a> {
    /// Split `raw`, or the status word to answer when it is not a short APDU.
    pub fn parse(raw: &'a [u8]) -> Result<Self, u16> {
        let [cla, ins, p1, p2, body @ ..] = raw else {
            return Err(sw::WRONG_LENGTH);
        };
        let (data, le): (&[u8], Option<u8>) = match body {
            [] => (&[], None),
            [le] => (&[], Some(*le)),
            // Lc = 00 followed by more bytes is the extended form, which this card (like
            // every JPKI command, see core's apdu.rs) does not use.
            [0, ..] => return Err(sw::WRONG_LENGTH),
            [lc, rest @ ..] => {
                let lc = usize::from(*lc);
                match rest.len() {
                    n if n == lc => (rest, None),
                    n if n == lc + 1 => (&rest[..lc], rest.last().copied()),
                    _ => return Err(sw::WRONG_LENGTH),
                }
            }
        };
        Ok(Command {
            cla: *cla,
            ins: *ins,
            p1: *p1,
            p2: *p2,
            data,
            le: le.map(|le| if le == 0 { 256 } else { u16::from(le) }),
        })
    }
}

/// What the class byte says beyond "ISO" or "proprietary".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Class {
    /// CLA 00: interindustry commands.
    Iso,
    /// CLA 80: the JPKI AP's own commands (COMPUTE SIGNATURE, last-command indicator).
    Proprietary,
}

impl Class {
    /// Decode CLA, or the status word refusing it.
    pub fn decode(cla: u8) -> Result<Self, u16> {
        // First interindustry (0x0X) and proprietary (0x8X) share the layout: bits 1-2 are
        // the logical channel, bits 3-4 secure messaging. Further interindustry (0x40-0x7F)
        // only exists to address channels 4-19.
        match cla {
            0x40..=0x7F => Err(sw::CHANNEL_NOT_SUPPORTED),
            0x00..=0x0F | 0x80..=0x8F if cla & 0x03 != 0 => Err(sw::CHANNEL_NOT_SUPPORTED),
            0x00..=0x0F | 0x80..=0x8F if cla & 0x0C != 0 => Err(sw::SECURE_MESSAGING_NOT_SUPPORTED),
            0x00 => Ok(Class::Iso),
            0x80 => Ok(Class::Proprietary),
            _ => Err(sw::CLA_NOT_SUPPORTED),
        }
    }
}

/// `data ‖ SW1 SW2`.
pub fn respond(data: &[u8], status: u16) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len() + 2);
    out.extend_from_slice(data);
    out.extend_from_slice(&status.to_be_bytes());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_the_four_cases() {
        let case1 = Command::parse(&[0, 0x20, 0, 0x80]).unwrap();
        assert_eq!((case1.data, case1.le), (&[][..], None));
        let case2 = Command::parse(&[0, 0xB0, 1, 0, 0]).unwrap();
        assert_eq!((case2.data, case2.le), (&[][..], Some(256)));
        let case3 = Command::parse(&[0, 0xA4, 2, 0x0C, 2, 0, 0x0A]).unwrap();
        assert_eq!((case3.data, case3.le), (&[0, 0x0A][..], None));
        let case4 = Command::parse(&[0x80, 0x2A, 0, 0x80, 1, 0xAA, 0x10]).unwrap();
        assert_eq!((case4.data, case4.le), (&[0xAA][..], Some(16)));
    }

    #[test]
    fn refuses_inconsistent_and_extended_lengths() {
        for raw in [
            &[][..],
            &[0, 0xA4, 2],
            &[0, 0xA4, 2, 0x0C, 3, 0, 0x0A],
            &[0, 0xA4, 2, 0x0C, 1, 0, 0x0A, 0, 0],
            &[0, 0xB0, 0, 0, 0, 0x01, 0x00],
        ] {
            assert_eq!(Command::parse(raw), Err(sw::WRONG_LENGTH), "{raw:02X?}");
        }
    }

    #[test]
    fn class_byte_rules() {
        assert_eq!(Class::decode(0x00), Ok(Class::Iso));
        assert_eq!(Class::decode(0x80), Ok(Class::Proprietary));
        for channel in [0x01, 0x02, 0x03, 0x81, 0x40, 0x7F] {
            assert_eq!(Class::decode(channel), Err(sw::CHANNEL_NOT_SUPPORTED));
        }
        assert_eq!(Class::decode(0x0C), Err(sw::SECURE_MESSAGING_NOT_SUPPORTED));
        assert_eq!(Class::decode(0xA0), Err(sw::CLA_NOT_SUPPORTED));
        assert_eq!(Class::decode(0xFF), Err(sw::CLA_NOT_SUPPORTED));
    }
}
