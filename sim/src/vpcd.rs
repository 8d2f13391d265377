//! A vsmartcard `vpcd` client: puts a [`VirtualCard`] into pcscd's "Virtual PCD" reader.
//!
//! pcscd (with the `vsmartcard-vpcd` driver) listens on 127.0.0.1:35963 for the first
//! virtual reader; the card connects to it, and pcscd drives everything from there
//! (TOOLCHAIN.md §6). Every message either way is a 2-byte big-endian length and a
//! payload. A 1-byte payload from pcscd is a control code (0 power off, 1 power on,
//! 2 reset, 4 "send the ATR"); anything longer is a command APDU, answered with the
//! response APDU. Only "send the ATR" and APDUs get an answer.
//!
//! Connecting is "inserting" the card, closing the connection is "removing" it.

use std::io::{self, ErrorKind, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::{self, JoinHandle};

use thiserror::Error;

use crate::card::VirtualCard;

/// Port of pcscd's first virtual reader ("Virtual PCD 00 00"); the second is 35964.
pub const DEFAULT_PORT: u16 = 35963;

const POWER_OFF: u8 = 0;
const POWER_ON: u8 = 1;
const RESET: u8 = 2;
const GET_ATR: u8 = 4;

/// Why the virtual card could not be (or stay) in the reader.
#[derive(Debug, Error)]
pub enum VpcdError {
    /// Nothing listens where pcscd's vpcd should.
    #[error(
        "cannot reach pcscd's virtual reader at {addr}: {source}. Is pcscd running with the \
         vsmartcard driver? Install it with `apt-get install pcscd vsmartcard-vpcd` and start \
         `pcscd` (or `pcscd --foreground`)"
    )]
    Connect {
        /// Where the card tried to connect.
        addr: SocketAddr,
        /// The socket's error.
        source: io::Error,
    },
    /// pcscd closed the connection in the middle of a message.
    #[error("vpcd hung up in the middle of a message ({received} of {expected} bytes)")]
    Truncated {
        /// Bytes of the message (length header included) that arrived.
        received: usize,
        /// Bytes the length header announced (header included).
        expected: usize,
    },
    /// A message with a zero length, which vpcd never sends.
    #[error("vpcd sent an empty message")]
    EmptyMessage,
    /// Reading or writing the connection failed.
    #[error("vpcd connection failed: {0}")]
    Io(#[from] io::Error),
    /// The card's thread died; the card state may be half-updated.
    #[error("the virtual card's thread panicked")]
    ThreadPanicked,
}

/// A card in pcscd's reader, served on its own thread until [`InsertedCard::remove`].
#[derive(Debug)]
pub struct InsertedCard {
    addr: SocketAddr,
    control: TcpStream,
    thread: Option<JoinHandle<Result<(), VpcdError>>>,
}

/// Connect `card` to vpcd at `addr` ("insert" it) and answer pcscd until removed.
///
/// The card is shared so the caller can watch its state (tries left, PIN verified) while
/// pcscd uses it.
pub fn insert(card: Arc<Mutex<VirtualCard>>, addr: SocketAddr) -> Result<InsertedCard, VpcdError> {
    let stream = TcpStream::connect(addr).map_err(|source| VpcdError::Connect { addr, source })?;
    // One small message at a time, each awaited by pcscd: Nagle would only add latency.
    stream.set_nodelay(true)?;
    let control = stream.try_clone()?;
    let thread = thread::Builder::new()
        .name("vpcd-card".into())
        .spawn(move || {
            let mut stream = stream;
            serve(&mut stream, &card)
        })?;
    Ok(InsertedCard {
        addr,
        control,
        thread: Some(thread),
    })
}

/// `127.0.0.1:port`: vpcd binds all interfaces, but the card only ever talks to loopback.
pub fn local(port: u16) -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], port))
}

impl InsertedCard {
    /// Where the card is connected.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Whether the link is still up (pcscd has not hung up, nothing failed).
    pub fn is_connected(&self) -> bool {
        self.thread
            .as_ref()
            .is_some_and(|thread| !thread.is_finished())
    }

    /// Pull the card out. `Err` reports what ended the link if it had already failed
    /// before this call (pcscd stopped, connection dropped mid-message); a link that was
    /// up until now ends with `Ok`.
    pub fn remove(mut self) -> Result<(), VpcdError> {
        self.stop()
    }

    fn stop(&mut self) -> Result<(), VpcdError> {
        let Some(thread) = self.thread.take() else {
            return Ok(());
        };
        let ended_before = thread.is_finished();
        // Wakes the blocked read; the thread then sees end-of-stream or an error.
        let _ = self.control.shutdown(Shutdown::Both);
        let outcome = thread.join().map_err(|_| VpcdError::ThreadPanicked)?;
        if ended_before {
            outcome
        } else {
            Ok(())
        }
    }
}

impl Drop for InsertedCard {
    fn drop(&mut self) {
        let _ = self.stop();
    }
}

/// Answer vpcd's messages on `stream` until it closes. A close between messages is the
/// normal end (`Ok`); a close inside one is [`VpcdError::Truncated`].
pub fn serve<S: Read + Write>(stream: &mut S, card: &Mutex<VirtualCard>) -> Result<(), VpcdError> {
    while let Some(message) = read_message(stream)? {
        // A panic elsewhere cannot leave the card mid-APDU: each answer is computed whole.
        let mut card = card.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(answer) = answer(&mut card, &message)? {
            drop(card);
            write_message(stream, &answer)?;
        }
    }
    Ok(())
}

/// What the card answers to one message from vpcd, if anything.
fn answer(card: &mut VirtualCard, message: &[u8]) -> Result<Option<Vec<u8>>, VpcdError> {
    match message {
        [] => Err(VpcdError::EmptyMessage),
        [POWER_OFF] | [POWER_ON] | [RESET] => {
            card.reset();
            Ok(None)
        }
        [GET_ATR] => Ok(Some(card.atr().to_vec())),
        [code] => {
            // No answer: vpcd waits for one only after GET_ATR and APDUs.
            tracing::warn!(code, "ignoring unknown vpcd control code");
            Ok(None)
        }
        apdu => {
            let response = card.respond(apdu);
            // INS and SW only: the data of a VERIFY is the PIN.
            tracing::debug!(
                ins = format_args!("{:02X}", apdu[1]),
                sw = format_args!("{:02X?}", &response[response.len() - 2..]),
                "APDU"
            );
            Ok(Some(response))
        }
    }
}

/// One message, or `None` if the stream ended cleanly before it.
fn read_message(stream: &mut impl Read) -> Result<Option<Vec<u8>>, VpcdError> {
    let mut header = [0u8; 2];
    match fill(stream, &mut header)? {
        0 => return Ok(None),
        2 => {}
        received => {
            return Err(VpcdError::Truncated {
                received,
                expected: 2,
            })
        }
    }
    // A u16 bounds the message at 64 KiB, so even an absurd length is read whole and
    // answered (6700 from the card), keeping the stream in step.
    let len = usize::from(u16::from_be_bytes(header));
    let mut message = vec![0u8; len];
    let received = fill(stream, &mut message)?;
    if received < len {
        return Err(VpcdError::Truncated {
            received: 2 + received,
            expected: 2 + len,
        });
    }
    Ok(Some(message))
}

/// Read until `buf` is full or the stream ends; how many bytes arrived.
fn fill(stream: &mut impl Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match stream.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(error) if error.kind() == ErrorKind::Interrupted => {}
            Err(error) => return Err(error),
        }
    }
    Ok(filled)
}

fn write_message(stream: &mut impl Write, payload: &[u8]) -> Result<(), VpcdError> {
    // Responses are at most 256 + 2 bytes and the ATR 9, far below u16::MAX.
    let len = u16::try_from(payload.len())
        .map_err(|_| VpcdError::Io(io::Error::new(ErrorKind::InvalidData, "response too long")))?;
    let mut frame = Vec::with_capacity(2 + payload.len());
    frame.extend_from_slice(&len.to_be_bytes());
    frame.extend_from_slice(payload);
    stream.write_all(&frame)?;
    stream.flush()?;
    Ok(())
}
