//! Watches the terminal's `face/` folder, where the 顔認証付きカードリーダー's results
//! arrive unasked, and puts each one on the reception queue.
//!
//! Plain polling (every 200 ms by default) rather than file-system notifications: the
//! folder is usually an SMB share of the terminal PC, where change notifications are
//! unreliable, and two polls plus the store commit still bring a result to the screen in
//! well under a second.
//!
//! Order of steps, so that a crash at any point loses nothing:
//! 1. read the complete file ([`tracker`]) and parse it;
//! 2. commit the event to the store ([`crate::reception::Reception::record`]); with several
//!    desks on one PostgreSQL store, the commit is also the clinic-wide claim, so exactly
//!    one gateway queues the file;
//! 3. store the consent a result carries ([`crate::consents::face`]; a failure is logged and
//!    the result goes on);
//! 4. only then move the file out of `face/`: results to `<data-dir>/face-archive/` (the
//!    terminal's original, kept as evidence of what the reader reported), refused files to
//!    `<data-dir>/rejected/`.
//!
//! A crash between 2 and 4 leaves the file in `face/`; after a restart (or at another
//! desk's next poll) it is read again, recognised by name and content hash, not queued
//! twice, and moved. A crash before 2 commits leaves no claim: the next poll, here or at
//! another desk, takes the file in.

mod refusal;
mod tracker;

use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use onshi_core::api::{QualificationAnswer, ReceptionEventKind};
use onshi_core::card_session::VerificationMethod;
use onshi_core::oqs::parse_response;
use onshi_core::oqs::verdict::{verdict, Verdict};
use sha2::{Digest, Sha256};
use tokio::fs;
use tokio::task::JoinHandle;
use tokio::time::MissedTickBehavior;
use tracing::{debug, error, info, warn};

use crate::clock;
use crate::reception::{closed, Reception};
use crate::store::NewEvent;
use crate::terminal_link::files::{move_into, read_limited};
use crate::terminal_link::MAX_ANSWER_BYTES;

pub use refusal::refusal_reason;
pub use tracker::{is_candidate, Listed, Tracker};

/// Poll interval used unless configured otherwise.
pub const DEFAULT_FACE_POLL: Duration = Duration::from_millis(200);

/// How many polls a complete-looking file may fail to parse before it is refused: a
/// writer may create the file and pause before filling it.
const PARSE_ATTEMPTS: u32 = 3;

/// Folders the watcher works with.
#[derive(Debug, Clone)]
pub struct FaceFolders {
    /// The terminal's `face/`.
    pub face: PathBuf,
    /// `<data-dir>/face-archive/`.
    pub archive: PathBuf,
    /// `<data-dir>/rejected/`.
    pub rejected: PathBuf,
}

pub struct FaceWatcher {
    folders: FaceFolders,
    poll: Duration,
    reception: Arc<Reception>,
    tracker: Tracker,
    /// Whether the missing folder was already reported (once, not every poll).
    reported_missing: bool,
    /// The desk id face-reader consents are stored under ([`crate::consents::face`]).
    desk: String,
}

impl FaceWatcher {
    pub fn new(folders: FaceFolders, poll: Duration, reception: Arc<Reception>) -> Self {
        Self {
            folders,
            poll: poll.max(Duration::from_millis(1)),
            reception,
            tracker: Tracker::default(),
            reported_missing: false,
            desk: String::from("-"),
        }
    }

    /// Stores the consents face results carry under desk id `desk`.
    pub fn storing_consents_as(mut self, desk: &str) -> Self {
        self.desk = desk.to_string();
        self
    }

    /// Polls until the reception queue closes.
    pub fn spawn(mut self) -> JoinHandle<()> {
        tokio::spawn(async move {
            let mut closing = self.reception.closing();
            let mut tick = tokio::time::interval(self.poll);
            tick.set_missed_tick_behavior(MissedTickBehavior::Delay);
            loop {
                tokio::select! {
                    () = closed(&mut closing) => break,
                    _ = tick.tick() => self.poll_once().await,
                }
            }
            debug!("face watcher stopped");
        })
    }

    /// One poll: list, then take in every file that is complete.
    pub async fn poll_once(&mut self) {
        let listing = match list(&self.folders.face).await {
            Ok(listing) => {
                if self.reported_missing {
                    info!("the face folder is back");
                    self.reported_missing = false;
                }
                listing
            }
            Err(err) => {
                if !self.reported_missing {
                    warn!(dir = %self.folders.face.display(), "cannot list the face folder: {err}");
                    self.reported_missing = true;
                }
                return;
            }
        };
        for file in self.tracker.observe(listing) {
            self.take(&file).await;
        }
    }

    async fn take(&mut self, file: &Listed) {
        let path = self.folders.face.join(&file.name);
        // The same guards as an answer in res/: a file far larger than any result is
        // refused unread, so a stray file cannot fill the gateway's memory.
        if file.size > MAX_ANSWER_BYTES {
            return self.refuse(file, &path, &[], too_large()).await;
        }
        let bytes = match read_limited(&path, MAX_ANSWER_BYTES).await {
            Ok(Some(bytes)) => bytes,
            Ok(None) => return self.refuse(file, &path, &[], too_large()).await,
            // Taken by someone else between listing and reading.
            Err(err) if err.kind() == io::ErrorKind::NotFound => return,
            Err(err) => {
                warn!(file = %file.name, "cannot read a face file; leaving it until it changes: {err}");
                self.tracker.settle(&file.name);
                return;
            }
        };
        if bytes.len() as u64 != file.size {
            // Grew between listing and reading: the next polls will see it settle.
            return;
        }
        let response = match parse_response(&bytes) {
            Ok(response) => response,
            Err(err) => {
                if self.tracker.parse_failed(&file.name) < PARSE_ATTEMPTS {
                    return;
                }
                // The parser's own words may quote the file; only at debug level.
                debug!(file = %file.name, "parser said: {err}");
                return self.refuse(file, &path, &bytes, refusal_reason(&err)).await;
            }
        };
        // One verdict for res/ and face/: only a completed result with a validity goes on
        // the queue as a result; the reader's error reports keep their error code.
        match verdict(&response) {
            Verdict::Final => {
                let event = NewEvent {
                    prescription_issue_select: response.prescription_issue_select.clone(),
                    answer: Some(QualificationAnswer::from_response(response)),
                    verification: Some(VerificationMethod::FaceRecognition),
                    ..self.new_event(ReceptionEventKind::FaceResult, file, &bytes)
                };
                self.commit_then_move(file, &path, event, &self.folders.archive.clone())
                    .await;
            }
            Verdict::Failed { code, message } => {
                let reason = format!("the reader or terminal reported error {code}: {message}");
                self.refuse(file, &path, &bytes, reason).await;
            }
            Verdict::InProgress => {
                let reason = "it says 処理中 (SegmentOfResult 2), not a result".to_string();
                self.refuse(file, &path, &bytes, reason).await;
            }
            Verdict::Unusable(reason) => {
                self.refuse(file, &path, &bytes, reason.to_string()).await;
            }
        }
    }

    /// Queues a `face_error` with `reason` (fixed words or the terminal's own error code
    /// and message, never the parser's text) and moves the file to `rejected/`.
    async fn refuse(&mut self, file: &Listed, path: &Path, bytes: &[u8], reason: String) {
        warn!(file = %file.name, %reason, "face file refused");
        let event = NewEvent {
            error: Some(reason),
            ..self.new_event(ReceptionEventKind::FaceError, file, bytes)
        };
        self.commit_then_move(file, path, event, &self.folders.rejected.clone())
            .await;
    }

    fn new_event(&self, kind: ReceptionEventKind, file: &Listed, bytes: &[u8]) -> NewEvent {
        NewEvent {
            received_at: clock::rfc3339(clock::now_jst()),
            kind,
            source_file: file.name.clone(),
            content_sha256: format!("{:x}", Sha256::digest(bytes)),
            answer: None,
            prescription_issue_select: None,
            error: None,
            verification: None,
        }
    }

    async fn commit_then_move(&mut self, file: &Listed, path: &Path, event: NewEvent, to: &Path) {
        let recorded = match self.reception.record(event).await {
            Ok(recorded) => recorded,
            Err(err) => {
                // The file stays in face/ and is tried again on the next poll.
                error!(file = %file.name, "cannot store a face event: {err}");
                return;
            }
        };
        let (id, kind) = (recorded.event.id, recorded.event.kind.as_str());
        // The consent a result carries, before the file leaves face/: a crash in between
        // reads the file again, finds the event stored and stores the consent then (once,
        // by its id). It never holds the result back.
        if let Some(answer) = &recorded.event.answer {
            crate::consents::face::record_from_face_result(
                self.reception.store().as_ref(),
                &self.desk,
                id,
                answer,
            )
            .await;
        }
        if recorded.new {
            // File names may carry identifiers: not at info.
            info!(id, kind, "face event queued");
            debug!(id, file = %file.name, "queued from this file");
        } else {
            // Another desk's gateway claimed it first, or this one stored it before a
            // restart: either way it is on the queue once, and only the file is left.
            debug!(id, file = %file.name, "face file already queued");
        }
        match move_into(path, to).await {
            Ok(_) => {}
            // Moved by the gateway that claimed it (several desks share face/).
            Err(err) if err.kind() == io::ErrorKind::NotFound => {}
            Err(err) => {
                warn!(file = %file.name, "stored, but cannot move it out of the face folder: {err}");
                self.tracker.settle(&file.name);
            }
        }
    }
}

fn too_large() -> String {
    format!("the file is larger than {MAX_ANSWER_BYTES} bytes, far more than any result")
}

/// Candidate files in `dir` with their size and time stamp.
async fn list(dir: &Path) -> io::Result<Vec<Listed>> {
    let mut entries = fs::read_dir(dir).await?;
    let mut listing = Vec::new();
    while let Some(entry) = entries.next_entry().await? {
        let Ok(name) = entry.file_name().into_string() else {
            continue;
        };
        if !is_candidate(&name) {
            continue;
        }
        let Ok(meta) = entry.metadata().await else {
            continue;
        };
        if meta.is_file() {
            listing.push(Listed {
                name,
                size: meta.len(),
                modified: meta.modified().ok(),
            });
        }
    }
    Ok(listing)
}
