//! One session's thread: wait for a card, run core's JPKI flow over PC/SC, stop at the PIN
//! prompt until the HTTP side sends a command, then sign and let the national side answer.

use std::sync::mpsc::{Receiver, TryRecvError};
use std::sync::Arc;
use std::time::Instant;

use onshi_core::api::{QualificationAnswer, ReceptionEventKind};
use onshi_core::card_session::{CardSessionError, CardSessionState, TokenKind, VerificationMethod};
use onshi_core::jpki::{
    self, AuthCertificate, Authentication, ChannelError, Checkpoint, JpkiError, Progress, Signing,
    TriesLeft,
};
use onshi_core::qualification::QualificationResponse;
use sha2::{Digest, Sha256};
use tracing::{info, warn};

use super::national::{Challenge, NationalError};
use super::outcome;
use super::registry::Command;
use super::Shared;
use crate::card_reader::{PcscChannel, Presence, ReaderError, Readers};
use crate::clock;
use crate::store::NewEvent;

/// How a session ends when it does not end in a state of its own making.
enum Ending {
    Failed(CardSessionError),
    /// DELETE, shutdown, or the HTTP side went away.
    Cancelled,
    /// Nobody acted for the idle timeout.
    Expired,
    /// The very first read failed in transport: a card still settling in the reader (or
    /// swapped for another within one poll). Worth one more connect.
    Unsettled(CardSessionError),
}

/// Connects after a first read that failed in transport, before giving up.
const SETTLE_RETRIES: u32 = 2;

impl From<&ReaderError> for Ending {
    fn from(error: &ReaderError) -> Self {
        Ending::Failed(outcome::from_reader(error))
    }
}

pub(super) struct Worker {
    id: String,
    claim: Option<String>,
    readers: Readers,
    commands: Receiver<Command>,
    shared: Arc<Shared>,
    last_activity: Instant,
    /// The challenge of this session, until the national side consumed it.
    challenge: Option<Challenge>,
    /// When the last PIN or visual check arrived (for the timing log line).
    confirm_started: Option<Instant>,
}

impl Worker {
    pub(super) fn new(
        id: String,
        claim: Option<String>,
        readers: Readers,
        commands: Receiver<Command>,
        shared: Arc<Shared>,
    ) -> Self {
        Self {
            id,
            claim,
            readers,
            commands,
            shared,
            last_activity: Instant::now(),
            challenge: None,
            confirm_started: None,
        }
    }

    pub(super) fn run(mut self) {
        let started = Instant::now();
        let mut apdus = 0;
        let mut retries = 0;
        let ending = loop {
            let (reader, mut channel) = match self.wait_for_card() {
                Ok(connected) => connected,
                Err(ending) => break Err(ending),
            };
            self.publish(CardSessionState::Reading);
            let mut result = self.authenticate(&reader, &mut channel);
            apdus += channel.apdu_count();
            if channel.is_mute() {
                // Whatever the flow made of it: no retry on a card that stopped answering.
                warn!(session = %self.id, timeout_s = channel.command_timeout().as_secs(), "the card did not answer a command in time; its reader thread is abandoned");
                result = Err(Ending::Failed(outcome::card_mute()));
            }
            // Dropping the channel resets the card and releases the reader.
            drop(channel);
            match result {
                Err(Ending::Unsettled(error)) if retries < SETTLE_RETRIES => {
                    retries += 1;
                    info!(session = %self.id, code = ?error.code, "first read failed; connecting again");
                    std::thread::sleep(self.shared.settings.poll);
                }
                Err(Ending::Unsettled(error)) => break Err(Ending::Failed(error)),
                other => break other,
            }
        };
        if let Some(challenge) = self.challenge.take() {
            self.shared.national.withdraw(challenge.id);
        }
        let elapsed_ms = started.elapsed().as_millis();
        let confirm_ms = self.confirm_started.map(|at| at.elapsed().as_millis());
        let id = self.id.clone();
        match ending {
            Ok((method, answer)) => {
                info!(session = %id, apdus, elapsed_ms, confirm_ms, ?method, "card session done");
                self.record(method, &answer);
                self.publish(CardSessionState::Done { method, answer });
            }
            Err(Ending::Failed(error) | Ending::Unsettled(error)) => {
                info!(session = %id, apdus, elapsed_ms, code = ?error.code, "card session failed");
                self.publish(CardSessionState::Failed { error });
            }
            Err(Ending::Cancelled) => {
                info!(session = %id, apdus, elapsed_ms, "card session ended (cancelled)");
                self.publish(CardSessionState::Cancelled);
            }
            Err(Ending::Expired) => {
                info!(session = %id, apdus, elapsed_ms, "card session expired (idle)");
                self.publish(CardSessionState::Cancelled);
            }
        }
    }

    fn publish(&mut self, state: CardSessionState) {
        self.last_activity = Instant::now();
        self.shared.publish(&self.id, state);
    }

    /// Cancel and idle checks between PC/SC waits. Other commands cannot be pending here
    /// (the HTTP side only sends them at a PIN prompt); any that is gets dropped.
    fn check_cancel(&mut self) -> Result<(), Ending> {
        loop {
            match self.commands.try_recv() {
                Ok(Command::Cancel) | Err(TryRecvError::Disconnected) => {
                    return Err(Ending::Cancelled)
                }
                Ok(_) => {}
                Err(TryRecvError::Empty) => break,
            }
        }
        self.check_idle()
    }

    fn check_idle(&self) -> Result<(), Ending> {
        if self.last_activity.elapsed() >= self.shared.settings.idle_timeout {
            return Err(Ending::Expired);
        }
        Ok(())
    }

    fn wait_for_card(&mut self) -> Result<(String, PcscChannel), Ending> {
        let poll = self.shared.settings.poll;
        loop {
            self.check_cancel()?;
            match self.readers.wait_for_card(self.claim.as_deref(), poll) {
                Ok(Some(reader)) => match self
                    .readers
                    .connect(&reader, self.shared.settings.command_timeout)
                {
                    Ok(channel) => return Ok((reader, channel)),
                    // The previous session is still releasing the card, or it just left.
                    Err(ReaderError::Busy | ReaderError::CardRemoved) => {
                        std::thread::sleep(poll);
                    }
                    Err(other) => return Err(Ending::from(&other)),
                },
                Ok(None) | Err(ReaderError::Cancelled) => {}
                Err(other) => return Err(Ending::from(&other)),
            }
        }
    }

    /// Waits for the user at the PIN prompt, watching the card leave.
    fn await_user(&mut self, reader: &str, channel: &mut PcscChannel) -> Result<Command, Ending> {
        let poll = self.shared.settings.poll;
        loop {
            match self.commands.try_recv() {
                Ok(Command::Cancel) | Err(TryRecvError::Disconnected) => {
                    return Err(Ending::Cancelled)
                }
                Ok(command) => {
                    self.last_activity = Instant::now();
                    self.confirm_started = Some(Instant::now());
                    return Ok(command);
                }
                Err(TryRecvError::Empty) => {}
            }
            self.check_idle()?;
            match self.readers.watch(reader, poll) {
                Ok(Presence::Absent) => return Err(Ending::from(&ReaderError::CardRemoved)),
                Ok(Presence::Present) | Err(ReaderError::Cancelled) => {}
                Err(other) => return Err(Ending::from(&other)),
            }
            // A card taken out and put back between two waits is another card session.
            channel.check_present().map_err(|e| Ending::from(&e))?;
        }
    }

    fn authenticate(
        &mut self,
        reader: &str,
        channel: &mut PcscChannel,
    ) -> Result<(VerificationMethod, QualificationAnswer), Ending> {
        let mut previous_attempt_failed = false;
        loop {
            let checkpoint = match jpki::run(jpki::start(), channel) {
                Ok(checkpoint) => checkpoint,
                Err(JpkiError::Channel(ChannelError::Transport(_))) if !previous_attempt_failed => {
                    return Err(Ending::Unsettled(outcome::from_jpki(&JpkiError::Channel(
                        ChannelError::Transport(
                            "the card did not answer its first commands".into(),
                        ),
                    ))));
                }
                Err(other) => return Err(jpki_failure(other)),
            };
            let certificate = checkpoint.certificate().cloned();
            let token = token_kind(checkpoint.token());
            let required = match checkpoint {
                Checkpoint::AlreadyVerified(verified) => {
                    // The token verified its holder itself (a phone's biometrics).
                    self.publish(CardSessionState::Verifying);
                    let challenge = self.challenge();
                    let signing = verified.sign(&challenge.bytes).map_err(jpki_failure)?;
                    let auth = jpki::run(signing, channel).map_err(jpki_failure)?;
                    return self.confirm_signature(&auth, VerificationMethod::Pin);
                }
                Checkpoint::PinRequired(required) => required,
            };
            let tries_left = match required.tries_left() {
                TriesLeft::Remaining(n) => n,
                TriesLeft::Unlimited => u8::MAX,
            };
            self.shared
                .set_visual_check_possible(&self.id, certificate.is_some());
            self.publish(CardSessionState::PinRequired {
                tries_left,
                token,
                previous_attempt_failed,
            });
            match self.await_user(reader, channel)? {
                Command::Pin(pin) => {
                    let challenge = self.challenge();
                    let signing: Progress<Signing> = required
                        .verify(pin, &challenge.bytes)
                        .map_err(jpki_failure)?;
                    match jpki::run(signing, channel) {
                        Ok(auth) => return self.confirm_signature(&auth, VerificationMethod::Pin),
                        Err(JpkiError::WrongPin { .. }) => {
                            info!(session = %self.id, "wrong PIN; reading the tries left again");
                            previous_attempt_failed = true;
                        }
                        Err(other) => return Err(jpki_failure(other)),
                    }
                }
                Command::VisualCheck => return self.confirm_visually(certificate.as_ref()),
                Command::Cancel => return Err(Ending::Cancelled),
            }
        }
    }

    /// This session's challenge, issued by the national side on first use.
    fn challenge(&mut self) -> Challenge {
        self.challenge
            .get_or_insert_with(|| self.shared.national.issue_challenge())
            .clone()
    }

    fn confirm_signature(
        &mut self,
        auth: &Authentication,
        method: VerificationMethod,
    ) -> Result<(VerificationMethod, QualificationAnswer), Ending> {
        let challenge = self.challenge.take().ok_or_else(|| {
            Ending::Failed(outcome::from_national(&NationalError::UnknownChallenge))
        })?;
        let confirmation = self.shared.national.authenticate(
            challenge.id,
            auth.certificate.der(),
            &auth.signature,
        );
        answer(confirmation).map(|answer| (method, answer))
    }

    fn confirm_visually(
        &mut self,
        certificate: Option<&AuthCertificate>,
    ) -> Result<(VerificationMethod, QualificationAnswer), Ending> {
        let certificate = certificate.ok_or_else(|| {
            Ending::Failed(outcome::from_national(&NationalError::Rejected(
                "no certificate was read".into(),
            )))
        })?;
        let confirmation = self.shared.national.confirm_certificate(certificate.der());
        answer(confirmation).map(|answer| (VerificationMethod::VisualCheck, answer))
    }

    /// Puts the confirmed result on the reception queue (stored, then on SSE) before the
    /// session reports done, so the queue never misses a result the desk saw. `method` is
    /// how the holder was identified (the `done` state's), stored with the event.
    fn record(&self, method: VerificationMethod, answer: &QualificationAnswer) {
        let event = NewEvent {
            received_at: clock::rfc3339(clock::now_jst()),
            kind: ReceptionEventKind::CardResult,
            source_file: format!("card-session/{}", self.id),
            content_sha256: Sha256::digest(self.id.as_bytes())
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect(),
            answer: Some(answer.clone()),
            prescription_issue_select: None,
            error: None,
            verification: Some(method),
        };
        let reception = Arc::clone(&self.shared.reception);
        if let Err(err) = self
            .shared
            .runtime
            .block_on(async move { reception.record(event).await })
        {
            warn!(session = %self.id, "the card result could not be queued: {err}");
        }
    }
}

fn answer(
    confirmation: Result<QualificationResponse, NationalError>,
) -> Result<QualificationAnswer, Ending> {
    confirmation
        .map(QualificationAnswer::from_response)
        .map_err(|err| Ending::Failed(outcome::from_national(&err)))
}

fn jpki_failure(error: JpkiError) -> Ending {
    Ending::Failed(outcome::from_jpki(&error))
}

fn token_kind(token: &jpki::TokenKind) -> TokenKind {
    match token {
        jpki::TokenKind::Card => TokenKind::Card,
        jpki::TokenKind::Android => TokenKind::Android,
        jpki::TokenKind::IPhone => TokenKind::Iphone,
        jpki::TokenKind::Other(_) => TokenKind::Other,
    }
}
