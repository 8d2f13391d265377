//! The vpcd link, against a TCP server in the test playing pcscd's side: framing, control
//! codes, and core's whole JPKI flow through the socket. No pcscd needed.
#![cfg(feature = "terminal")]

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use onshi_core::jpki::{self, run, CardChannel, ChannelError, Checkpoint, Pin};
use onshi_sim::card::catalog::unix_time;
use onshi_sim::card::{verify_authentication, VirtualCard, ATR};
use onshi_sim::vpcd::{self, InsertedCard, VpcdError};

const SELECT_JPKI: [u8; 15] = [
    0x00, 0xA4, 0x04, 0x0C, 0x0A, 0xD3, 0x92, 0xF0, 0x00, 0x26, 0x01, 0x00, 0x00, 0x00, 0x01,
];

/// pcscd's end of the link.
struct Pcscd {
    stream: TcpStream,
}

impl Pcscd {
    fn send(&mut self, payload: &[u8]) {
        let mut frame = (payload.len() as u16).to_be_bytes().to_vec();
        frame.extend_from_slice(payload);
        self.stream.write_all(&frame).unwrap();
    }

    fn receive(&mut self) -> Vec<u8> {
        let mut header = [0u8; 2];
        self.stream.read_exact(&mut header).unwrap();
        let mut payload = vec![0u8; usize::from(u16::from_be_bytes(header))];
        self.stream.read_exact(&mut payload).unwrap();
        payload
    }

    fn exchange(&mut self, apdu: &[u8]) -> Vec<u8> {
        self.send(apdu);
        self.receive()
    }
}

/// pcscd seen from the host: an APDU channel over the vpcd socket.
impl CardChannel for Pcscd {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, ChannelError> {
        Ok(self.exchange(command))
    }
}

fn insert(id: &str) -> (Arc<Mutex<VirtualCard>>, InsertedCard, Pcscd) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let card = Arc::new(Mutex::new(VirtualCard::open(id).unwrap()));
    let inserted = vpcd::insert(card.clone(), listener.local_addr().unwrap()).unwrap();
    let (stream, _) = listener.accept().unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    (card, inserted, Pcscd { stream })
}

fn wait_until_disconnected(inserted: &InsertedCard) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while inserted.is_connected() {
        assert!(Instant::now() < deadline, "the card thread did not stop");
        thread::sleep(Duration::from_millis(10));
    }
}

#[test]
fn answers_get_atr_and_apdus_and_nothing_else() {
    let (_card, inserted, mut pcscd) = insert("card-01");
    // Power on and reset get no answer: the first frame back is the ATR.
    pcscd.send(&[1]);
    pcscd.send(&[2]);
    pcscd.send(&[4]);
    assert_eq!(pcscd.receive(), ATR);
    assert_eq!(pcscd.exchange(&SELECT_JPKI), [0x90, 0x00]);
    inserted.remove().unwrap();
}

#[test]
fn reassembles_a_message_that_arrives_byte_by_byte() {
    let (_card, inserted, mut pcscd) = insert("card-01");
    let mut frame = vec![0, SELECT_JPKI.len() as u8];
    frame.extend_from_slice(&SELECT_JPKI);
    for byte in frame {
        pcscd.stream.write_all(&[byte]).unwrap();
        pcscd.stream.flush().unwrap();
        thread::sleep(Duration::from_millis(2));
    }
    assert_eq!(pcscd.receive(), [0x90, 0x00]);
    // And two messages in one write come back as two answers, in order.
    let mut two = vec![0, 1, 4, 0, SELECT_JPKI.len() as u8];
    two.extend_from_slice(&SELECT_JPKI);
    pcscd.stream.write_all(&two).unwrap();
    assert_eq!(pcscd.receive(), ATR);
    assert_eq!(pcscd.receive(), [0x90, 0x00]);
    inserted.remove().unwrap();
}

#[test]
fn an_oversize_message_is_answered_6700_and_the_stream_stays_in_step() {
    let (_card, inserted, mut pcscd) = insert("card-01");
    let mut huge = vec![0x00, 0xB0, 0x00, 0x00];
    huge.resize(4000, 0xAA);
    assert_eq!(pcscd.exchange(&huge), [0x67, 0x00]);
    assert_eq!(pcscd.exchange(&SELECT_JPKI), [0x90, 0x00]);
    inserted.remove().unwrap();
}

#[test]
fn power_off_ends_the_pin_verification() {
    let (card, inserted, mut pcscd) = insert("card-01");
    pcscd.exchange(&SELECT_JPKI);
    pcscd.exchange(&[0x00, 0xA4, 0x02, 0x0C, 0x02, 0x00, 0x18]);
    assert_eq!(
        pcscd.exchange(&[0x00, 0x20, 0x00, 0x80, 0x04, b'1', b'2', b'3', b'4']),
        [0x90, 0x00]
    );
    assert!(card.lock().unwrap().is_pin_verified());
    pcscd.send(&[0]);
    pcscd.send(&[4]);
    pcscd.receive();
    assert!(!card.lock().unwrap().is_pin_verified());
    inserted.remove().unwrap();
}

#[test]
fn core_flow_runs_through_the_socket() {
    let (card, inserted, mut pcscd) = insert("card-03");
    pcscd.send(&[1]);
    let Checkpoint::PinRequired(prompt) = run(jpki::start(), &mut pcscd).unwrap() else {
        panic!("expected a PIN prompt");
    };
    let auth = run(
        prompt
            .verify(Pin::parse("1234").unwrap(), b"challenge")
            .unwrap(),
        &mut pcscd,
    )
    .unwrap();
    let holder = verify_authentication(
        auth.certificate.der(),
        b"challenge",
        &auth.signature,
        unix_time(1_780_272_000),
    )
    .unwrap();
    assert_eq!(holder.person_key, "kokuho");
    assert_eq!(card.lock().unwrap().tries_left(), 3);
    inserted.remove().unwrap();
}

#[test]
fn removing_the_card_closes_the_connection() {
    let (_card, inserted, mut pcscd) = insert("card-01");
    inserted.remove().unwrap();
    let mut byte = [0u8; 1];
    assert_eq!(
        pcscd.stream.read(&mut byte).unwrap(),
        0,
        "pcscd sees the card go"
    );
}

#[test]
fn pcscd_hanging_up_between_messages_is_a_clean_end() {
    let (_card, inserted, pcscd) = insert("card-01");
    drop(pcscd);
    wait_until_disconnected(&inserted);
    inserted.remove().unwrap();
}

#[test]
fn a_connection_dropped_mid_message_is_reported() {
    let (_card, inserted, mut pcscd) = insert("card-01");
    pcscd
        .stream
        .write_all(&[0x00, 0x0A, 0x00, 0xA4, 0x04])
        .unwrap();
    drop(pcscd);
    wait_until_disconnected(&inserted);
    match inserted.remove() {
        Err(VpcdError::Truncated { received, expected }) => {
            assert_eq!((received, expected), (5, 12))
        }
        other => panic!("expected a truncated message, got {other:?}"),
    }
}

#[test]
fn an_empty_message_is_a_protocol_error() {
    let (_card, inserted, mut pcscd) = insert("card-01");
    pcscd.stream.write_all(&[0x00, 0x00]).unwrap();
    wait_until_disconnected(&inserted);
    assert!(matches!(inserted.remove(), Err(VpcdError::EmptyMessage)));
}

#[test]
fn no_pcscd_is_a_clear_error_naming_the_packages() {
    let port = {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let card = Arc::new(Mutex::new(VirtualCard::open("card-01").unwrap()));
    let error = vpcd::insert(card, vpcd::local(port)).unwrap_err();
    assert!(matches!(error, VpcdError::Connect { .. }), "{error:?}");
    let message = error.to_string();
    assert!(
        message.contains("pcscd") && message.contains("vsmartcard-vpcd"),
        "{message}"
    );
    assert!(message.contains(&port.to_string()), "{message}");
}
