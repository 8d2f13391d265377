//! A connected card as core's `CardChannel`, with a bound on every command.
//!
//! PC/SC has no transmit timeout, and `SCardCancel` only interrupts
//! `SCardGetStatusChange` (pcsc-lite and WinSCard alike), never a transmit in progress: a
//! card that goes mute mid-command would block the thread calling `SCardTransmit` until the
//! reader driver gives up, which for some readers is never. So the card lives on a thread of
//! its own that does the blocking calls; the session thread waits for each answer at most
//! [`PcscChannel::command_timeout`]. When that passes, the channel is dead (every later
//! command fails at once), the session fails with `card_error`, and the card's thread is
//! abandoned: it ends, resetting and releasing the card, whenever PC/SC returns.

use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::thread::JoinHandle;
use std::time::Duration;

use onshi_core::jpki::{CardChannel, ChannelError};

use super::ReaderError;

/// The blocking calls made on a connected card.
pub trait RawCard: Send + 'static {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, ReaderError>;
    /// Whether the card this handle was opened on is still in the reader.
    fn status(&mut self) -> Result<(), ReaderError>;
}

impl RawCard for pcsc::Card {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, ReaderError> {
        let mut buffer = [0u8; pcsc::MAX_BUFFER_SIZE_EXTENDED];
        pcsc::Card::transmit(self, command, &mut buffer)
            .map(<[u8]>::to_vec)
            .map_err(ReaderError::from_pcsc)
    }

    fn status(&mut self) -> Result<(), ReaderError> {
        self.status2_owned()
            .map(|_| ())
            .map_err(ReaderError::from_pcsc)
    }
}

enum Call {
    Transmit(Vec<u8>),
    Status,
}

type Answer = Result<Vec<u8>, ReaderError>;

/// The card in a reader, connected exclusively. Dropping it disconnects with a card reset,
/// so no verified PIN state outlives the session.
pub struct PcscChannel {
    calls: Option<Sender<Call>>,
    answers: Receiver<Answer>,
    thread: Option<JoinHandle<()>>,
    timeout: Duration,
    /// A command got no answer in time: the card's thread is abandoned.
    mute: bool,
    transmitted: u32,
}

impl PcscChannel {
    pub(super) fn new(card: impl RawCard, timeout: Duration) -> Self {
        let (calls, incoming) = mpsc::channel::<Call>();
        let (answer, answers) = mpsc::channel::<Answer>();
        let thread = std::thread::Builder::new()
            .name("card-io".into())
            .spawn(move || {
                let mut card = card;
                for call in incoming {
                    let result = match call {
                        Call::Transmit(command) => card.transmit(&command),
                        Call::Status => card.status().map(|()| Vec::new()),
                    };
                    if answer.send(result).is_err() {
                        break;
                    }
                }
                // `card` drops here: disconnect with a reset.
            });
        let (calls, thread) = match thread {
            Ok(thread) => (Some(calls), Some(thread)),
            // No thread, no card I/O: every command fails (the card dropped with the closure).
            Err(_) => (None, None),
        };
        Self {
            calls,
            answers,
            thread,
            timeout,
            mute: false,
            transmitted: 0,
        }
    }

    /// Command APDUs sent so far.
    pub fn apdu_count(&self) -> u32 {
        self.transmitted
    }

    /// How long one command may take before the card counts as mute.
    pub fn command_timeout(&self) -> Duration {
        self.timeout
    }

    /// Whether a command went unanswered for [`Self::command_timeout`] (the channel is
    /// then unusable; the session must end).
    pub fn is_mute(&self) -> bool {
        self.mute
    }

    /// Whether the card this handle was opened on is still in the reader (a card taken
    /// out and put back is a different session: the handle reports it removed).
    pub fn check_present(&mut self) -> Result<(), ReaderError> {
        self.call(Call::Status).map(|_| ())
    }

    fn call(&mut self, call: Call) -> Result<Vec<u8>, ReaderError> {
        if self.mute {
            return Err(mute_error());
        }
        let calls = self
            .calls
            .as_ref()
            .ok_or_else(|| ReaderError::Other("the card thread could not be started".into()))?;
        if calls.send(call).is_err() {
            return Err(ReaderError::Other("the card thread ended".into()));
        }
        match self.answers.recv_timeout(self.timeout) {
            Ok(result) => result,
            Err(RecvTimeoutError::Timeout) => {
                self.mute = true;
                Err(mute_error())
            }
            Err(RecvTimeoutError::Disconnected) => {
                Err(ReaderError::Other("the card thread ended".into()))
            }
        }
    }
}

fn mute_error() -> ReaderError {
    ReaderError::Other("the card stopped answering (no response to a command)".into())
}

impl Drop for PcscChannel {
    fn drop(&mut self) {
        // Closing the call channel ends the card's thread, which resets the card.
        self.calls.take();
        if let Some(thread) = self.thread.take() {
            if self.mute {
                // Still blocked in PC/SC: abandon it rather than block this thread too.
                drop(thread);
            } else {
                let _ = thread.join();
            }
        }
    }
}

impl CardChannel for PcscChannel {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, ChannelError> {
        self.transmitted += 1;
        self.call(Call::Transmit(command.to_vec()))
            .map_err(ChannelError::from)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::Arc;
    use std::time::Instant;

    /// Answers `90 00` until told to go mute, then blocks (until released).
    struct FakeCard {
        mute: Arc<AtomicBool>,
        release: Receiver<()>,
        dropped: Arc<AtomicBool>,
    }

    impl RawCard for FakeCard {
        fn transmit(&mut self, _command: &[u8]) -> Result<Vec<u8>, ReaderError> {
            if self.mute.load(Ordering::SeqCst) {
                let _ = self.release.recv();
                return Err(ReaderError::CardRemoved);
            }
            Ok(vec![0x90, 0x00])
        }
        fn status(&mut self) -> Result<(), ReaderError> {
            Ok(())
        }
    }

    impl Drop for FakeCard {
        fn drop(&mut self) {
            self.dropped.store(true, Ordering::SeqCst);
        }
    }

    fn fake() -> (FakeCard, Arc<AtomicBool>, Sender<()>, Arc<AtomicBool>) {
        let mute = Arc::new(AtomicBool::new(false));
        let dropped = Arc::new(AtomicBool::new(false));
        let (release_tx, release) = mpsc::channel();
        let card = FakeCard {
            mute: Arc::clone(&mute),
            release,
            dropped: Arc::clone(&dropped),
        };
        (card, mute, release_tx, dropped)
    }

    #[test]
    fn a_card_that_answers_is_released_on_drop() {
        let (card, _mute, _release, dropped) = fake();
        let mut channel = PcscChannel::new(card, Duration::from_secs(5));
        assert_eq!(channel.transmit(&[0x00, 0xA4]).unwrap(), vec![0x90, 0x00]);
        channel.check_present().unwrap();
        assert_eq!(channel.apdu_count(), 1);
        drop(channel);
        // Dropping waited for the card's thread: the card is reset and released.
        assert!(dropped.load(Ordering::SeqCst));
    }

    #[test]
    fn a_mute_card_fails_the_command_instead_of_blocking() {
        let (card, mute, release, dropped) = fake();
        let mut channel = PcscChannel::new(card, Duration::from_millis(200));
        mute.store(true, Ordering::SeqCst);
        let started = Instant::now();
        let err = channel.transmit(&[0x00, 0x20]).unwrap_err();
        assert!(
            matches!(&err, ChannelError::Transport(m) if m.contains("stopped answering")),
            "{err:?}"
        );
        assert!(started.elapsed() >= Duration::from_millis(200));
        assert!(channel.is_mute());
        // Later commands fail at once; nothing is queued behind the stuck one.
        assert!(channel.transmit(&[0x00, 0xB0]).is_err());
        assert!(channel.check_present().is_err());
        // Dropping does not wait for the stuck thread.
        drop(channel);
        assert!(!dropped.load(Ordering::SeqCst));
        // When PC/SC finally returns, the abandoned thread releases the card.
        release.send(()).unwrap();
        let deadline = Instant::now() + Duration::from_secs(10);
        while !dropped.load(Ordering::SeqCst) {
            assert!(Instant::now() < deadline, "the card was never released");
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}
