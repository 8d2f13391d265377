//! ISO 7816-4 short APDUs: building commands and splitting responses.
//!
//! Only the short form exists here: every JPKI command fits in 255 data bytes and every
//! answer in 256 (card-and-transport.md §3.2), so extended lengths would only add ways to be
//! wrong.

use thiserror::Error;
use zeroize::Zeroizing;

use super::status::StatusWord;

/// The most data bytes a short command can carry (Lc is one byte, 00 is not allowed).
pub const MAX_COMMAND_DATA: usize = 255;
/// The most response bytes a short command can ask for (Le = 00 means 256).
pub const MAX_LE: u16 = 256;

/// Why a command APDU could not be built or a response APDU not read.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ApduError {
    /// More data than a short APDU's one-byte Lc can announce.
    #[error("command data of {0} bytes does not fit a short APDU (at most 255)")]
    DataTooLong(usize),
    /// Le outside 1..=256.
    #[error("Le {0} is outside 1..=256")]
    InvalidLe(u16),
    /// The reader handed back fewer than the two status-word bytes.
    #[error("truncated response: {0} byte(s), a response needs at least the 2 status bytes")]
    TruncatedResponse(usize),
}

/// A command APDU before encoding.
///
/// Which ISO case it is (1 to 4) follows from whether it has data and whether it has an Le.
#[derive(Clone, PartialEq, Eq)]
pub struct CommandApdu {
    cla: u8,
    ins: u8,
    p1: u8,
    p2: u8,
    // Zeroizing because VERIFY carries the PIN in here.
    data: Zeroizing<Vec<u8>>,
    le: Option<u16>,
}

impl CommandApdu {
    /// A command with no data and no expected response data (case 1).
    pub fn new(cla: u8, ins: u8, p1: u8, p2: u8) -> Self {
        CommandApdu {
            cla,
            ins,
            p1,
            p2,
            data: Zeroizing::new(Vec::new()),
            le: None,
        }
    }

    /// A command whose lengths the caller knows to be in range, for the fixed JPKI commands.
    ///
    /// Data beyond 255 bytes is cut and Le is clamped to 1..=256 instead of failing; every
    /// caller passes constant-size data, so neither ever happens, and the flow's constructors
    /// stay infallible.
    pub(crate) fn short(cla: u8, ins: u8, p1: u8, p2: u8, data: &[u8], le: Option<u16>) -> Self {
        CommandApdu {
            cla,
            ins,
            p1,
            p2,
            data: Zeroizing::new(data[..data.len().min(MAX_COMMAND_DATA)].to_vec()),
            le: le.map(|le| le.clamp(1, MAX_LE)),
        }
    }

    /// Attach command data (case 3, or case 4 together with [`CommandApdu::with_le`]).
    ///
    /// Empty data is the same as none: a short APDU cannot say "Lc = 0".
    pub fn with_data(mut self, data: &[u8]) -> Result<Self, ApduError> {
        if data.len() > MAX_COMMAND_DATA {
            return Err(ApduError::DataTooLong(data.len()));
        }
        self.data = Zeroizing::new(data.to_vec());
        Ok(self)
    }

    /// Ask for up to `le` response bytes, 1..=256 (case 2, or case 4 with data).
    pub fn with_le(mut self, le: u16) -> Result<Self, ApduError> {
        if le == 0 || le > MAX_LE {
            return Err(ApduError::InvalidLe(le));
        }
        self.le = Some(le);
        Ok(self)
    }

    /// The instruction byte.
    pub fn ins(&self) -> u8 {
        self.ins
    }

    /// The expected response length, if the command asks for response data.
    pub fn le(&self) -> Option<u16> {
        self.le
    }

    /// The bytes to put on the wire. Zeroized on drop, as they may hold a PIN.
    pub fn to_bytes(&self) -> Zeroizing<Vec<u8>> {
        let mut out = Zeroizing::new(Vec::with_capacity(6 + self.data.len()));
        out.extend_from_slice(&[self.cla, self.ins, self.p1, self.p2]);
        if !self.data.is_empty() {
            // Length was checked in with_data, so it fits one byte.
            out.push(self.data.len() as u8);
            out.extend_from_slice(&self.data);
        }
        if let Some(le) = self.le {
            // 256 is encoded as 00; with_le rules out everything above.
            out.push((le % 256) as u8);
        }
        out
    }
}

// Hand-written so that a VERIFY's PIN never reaches a log through `{:?}`.
impl std::fmt::Debug for CommandApdu {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CommandApdu")
            .field(
                "header",
                &format_args!(
                    "{:02X} {:02X} {:02X} {:02X}",
                    self.cla, self.ins, self.p1, self.p2
                ),
            )
            .field("data_len", &self.data.len())
            .field("le", &self.le)
            .finish()
    }
}

/// A response APDU: the data field and the status word that ends it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResponseApdu {
    /// Response data (may be empty).
    pub data: Vec<u8>,
    /// First status byte.
    pub sw1: u8,
    /// Second status byte.
    pub sw2: u8,
}

impl ResponseApdu {
    /// Split raw reader output into data and status word.
    pub fn parse(raw: &[u8]) -> Result<Self, ApduError> {
        match raw {
            [data @ .., sw1, sw2] => Ok(ResponseApdu {
                data: data.to_vec(),
                sw1: *sw1,
                sw2: *sw2,
            }),
            _ => Err(ApduError::TruncatedResponse(raw.len())),
        }
    }

    /// The status word as one typed value.
    pub fn status(&self) -> StatusWord {
        StatusWord::new(self.sw1, self.sw2)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_all_four_cases() {
        let case1 = CommandApdu::new(0x00, 0x20, 0x00, 0x80);
        assert_eq!(*case1.to_bytes(), [0x00, 0x20, 0x00, 0x80]);

        let case2 = CommandApdu::new(0x00, 0xB0, 0x01, 0x00)
            .with_le(0x20)
            .unwrap();
        assert_eq!(*case2.to_bytes(), [0x00, 0xB0, 0x01, 0x00, 0x20]);

        let case3 = CommandApdu::new(0x00, 0xA4, 0x02, 0x0C)
            .with_data(&[0x00, 0x0A])
            .unwrap();
        assert_eq!(
            *case3.to_bytes(),
            [0x00, 0xA4, 0x02, 0x0C, 0x02, 0x00, 0x0A]
        );

        let case4 = CommandApdu::new(0x80, 0x2A, 0x00, 0x80)
            .with_data(&[0xAA; 3])
            .unwrap()
            .with_le(256)
            .unwrap();
        assert_eq!(
            *case4.to_bytes(),
            [0x80, 0x2A, 0x00, 0x80, 0x03, 0xAA, 0xAA, 0xAA, 0x00]
        );
    }

    #[test]
    fn rejects_lengths_a_short_apdu_cannot_carry() {
        let base = CommandApdu::new(0x00, 0xB0, 0x00, 0x00);
        assert_eq!(base.clone().with_le(0), Err(ApduError::InvalidLe(0)));
        assert_eq!(base.clone().with_le(257), Err(ApduError::InvalidLe(257)));
        assert_eq!(
            base.with_data(&[0; 256]).map(|_| ()),
            Err(ApduError::DataTooLong(256))
        );
    }

    #[test]
    fn debug_hides_command_data() {
        let verify = CommandApdu::new(0x00, 0x20, 0x00, 0x80)
            .with_data(b"4321")
            .unwrap();
        let shown = format!("{verify:?}");
        assert!(shown.contains("00 20 00 80"), "{shown}");
        assert!(
            !shown.contains("4321") && !shown.contains("34, 33"),
            "{shown}"
        );
    }

    #[test]
    fn parses_responses_and_rejects_truncated_ones() {
        let ok = ResponseApdu::parse(&[0x01, 0x02, 0x90, 0x00]).unwrap();
        assert_eq!(ok.data, [0x01, 0x02]);
        assert_eq!((ok.sw1, ok.sw2), (0x90, 0x00));
        assert!(ResponseApdu::parse(&[0x63, 0xC2]).unwrap().data.is_empty());
        assert_eq!(
            ResponseApdu::parse(&[0x90]),
            Err(ApduError::TruncatedResponse(1))
        );
        assert_eq!(
            ResponseApdu::parse(&[]),
            Err(ApduError::TruncatedResponse(0))
        );
    }
}
