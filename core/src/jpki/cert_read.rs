//! Reading EF 000A in READ BINARY chunks, sized by the certificate's own DER header.
//!
//! The EF is larger than the certificate and padded with filler, so "read until the card
//! stops" would return garbage after the DER; the header says where to stop instead.

use super::apdu::ResponseApdu;
use super::apdu::{CommandApdu, MAX_LE};
use super::cert::{der_length, AuthCertificate, CertError};
use super::commands::{self, MAX_OFFSET};
use super::error::{JpkiError, Operation};

/// Progress of a certificate read.
#[derive(Debug, Default)]
pub(crate) struct CertificateRead {
    received: Vec<u8>,
    /// Known once the first chunk's DER header has been seen.
    total: Option<usize>,
}

impl CertificateRead {
    /// The first READ BINARY: the length is not known yet, so ask for a full 256 bytes.
    pub(crate) fn first_command() -> CommandApdu {
        commands::read_binary(0, MAX_LE)
    }

    /// The next READ BINARY, or `None` once the whole certificate is in.
    ///
    /// The first read asks for a full 256 bytes because the length is not known yet; later
    /// ones ask for exactly what is left, at most 256.
    pub(crate) fn next_command(&self) -> Option<CommandApdu> {
        let offset = self.received.len();
        let le = match self.total {
            None => MAX_LE,
            Some(total) if offset >= total => return None,
            Some(total) => u16::try_from(total - offset).unwrap_or(MAX_LE).min(MAX_LE),
        };
        Some(commands::read_binary(offset, le))
    }

    /// Take the final answer to the last READ BINARY.
    pub(crate) fn accept(&mut self, response: ResponseApdu) -> Result<(), JpkiError> {
        let sw = response.status();
        if !sw.is_ok() && !sw.is_end_of_file() {
            return Err(JpkiError::from_status(Operation::ReadCertificate, sw));
        }
        self.received.extend_from_slice(&response.data);
        if self.received.is_empty() {
            return Err(CertError::Empty.into());
        }
        let total = match self.total {
            Some(total) => total,
            None => {
                let total = der_length(&self.received)?;
                if total > MAX_OFFSET {
                    return Err(CertError::TooLarge(total).into());
                }
                self.total = Some(total);
                total
            }
        };
        // The first chunk usually runs past the DER into the EF's filler.
        self.received.truncate(total);
        // End of file, or a chunk that brought nothing, before the announced length: stop
        // rather than ask the same offset again.
        let short = self.received.len() < total;
        if short && (sw.is_end_of_file() || response.data.is_empty()) {
            return Err(CertError::EndedEarly {
                received: self.received.len(),
                expected: total,
            }
            .into());
        }
        Ok(())
    }

    /// The certificate, once [`CertificateRead::next_command`] has returned `None`.
    pub(crate) fn finish(self) -> Result<AuthCertificate, JpkiError> {
        Ok(AuthCertificate::from_der(&self.received)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(data: &[u8], sw: [u8; 2]) -> ResponseApdu {
        let mut raw = data.to_vec();
        raw.extend_from_slice(&sw);
        ResponseApdu::parse(&raw).unwrap()
    }

    #[test]
    fn sizes_reads_from_the_header_and_trims_filler() {
        // A 300-byte "certificate": 30 82 01 28 + 296 content bytes.
        let mut der = vec![0x30, 0x82, 0x01, 0x28];
        der.resize(300, 0xAB);
        let mut read = CertificateRead::default();
        assert_eq!(*read.next_command().unwrap().to_bytes(), [0, 0xB0, 0, 0, 0]);
        read.accept(answer(&der[..256], [0x90, 0])).unwrap();
        assert_eq!(
            *read.next_command().unwrap().to_bytes(),
            [0, 0xB0, 1, 0, 44]
        );
        let mut tail = der[256..].to_vec();
        tail.extend_from_slice(&[0xFF; 10]);
        read.accept(answer(&tail, [0x90, 0])).unwrap();
        assert!(read.next_command().is_none());
        assert_eq!(read.received, der);
    }

    #[test]
    fn end_of_file_before_the_announced_length_is_an_error() {
        let mut read = CertificateRead::default();
        let mut head = vec![0x30, 0x82, 0x02, 0x00];
        head.resize(256, 0x11);
        read.accept(answer(&head, [0x90, 0])).unwrap();
        assert_eq!(
            read.accept(answer(&[], [0x6B, 0x00])),
            Err(JpkiError::Certificate(CertError::EndedEarly {
                received: 256,
                expected: 0x204
            }))
        );
    }

    #[test]
    fn an_empty_ef_and_a_huge_header_are_errors() {
        let mut read = CertificateRead::default();
        assert_eq!(
            read.accept(answer(&[], [0x6B, 0x00])),
            Err(JpkiError::Certificate(CertError::Empty))
        );
        let mut read = CertificateRead::default();
        assert_eq!(
            read.accept(answer(&[0x30, 0x82, 0x90, 0x00], [0x90, 0])),
            Err(JpkiError::Certificate(CertError::TooLarge(0x9004)))
        );
    }
}
