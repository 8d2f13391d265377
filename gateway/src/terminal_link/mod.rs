//! The file linkage with the qualification terminal (連携アプリ方式): one request file in
//! `req/`, one answer file in `res/`, matched by name.
//!
//! One [`TerminalLink::exchange`] writes `req/OQSsiquc01req_<suffix>.xml` atomically, waits
//! for `res/OQSsiquc01res_<suffix>.xml`, re-sends while the terminal says 処理中, and always
//! leaves the folders clean: our files are removed on every outcome, and an unusable
//! answer is moved to `<data-dir>/rejected/` for a person to look at.

pub mod files;
mod state;
mod watch;

use std::collections::HashSet;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Duration;

use onshi_core::api::TerminalState;
use onshi_core::codes::{ProcessingResultStatus, SegmentOfResult};
use onshi_core::oqs::files::{qualification_request_name, response_name_for};
use onshi_core::oqs::response::parse_response;
use onshi_core::qualification::QualificationResponse;
use thiserror::Error;
use tokio::sync::Semaphore;
use tokio::time::{sleep_until, timeout_at, Instant};
use tracing::{debug, info, warn};

use crate::clock;

/// How patiently the link waits for the terminal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LinkTimings {
    /// Whole exchange, 処理中 rounds included.
    pub timeout: Duration,
    /// Pause after a 処理中 answer before the request is sent again.
    pub retry_interval: Duration,
    /// How often `res/` is looked at.
    pub poll_interval: Duration,
}

impl Default for LinkTimings {
    fn default() -> Self {
        Self {
            timeout: Duration::from_secs(30),
            retry_interval: Duration::from_secs(1),
            poll_interval: Duration::from_millis(50),
        }
    }
}

/// Why an exchange did not produce a usable answer.
#[derive(Debug, Error)]
pub enum LinkError {
    #[error("the terminal did not answer within {} s", .0.as_secs_f32())]
    Timeout(Duration),
    #[error("the terminal's answer {file} is unusable ({reason}); {disposition}")]
    BadResponse {
        file: String,
        reason: String,
        disposition: String,
    },
    #[error("the terminal reported error {code}: {message}")]
    Terminal { code: String, message: String },
    #[error("cannot write the request into the terminal folder: {0}")]
    Unavailable(#[source] io::Error),
    #[error("all {0} terminal sessions stayed busy")]
    Busy(usize),
}

/// The request and answer file names of one exchange.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ticket {
    /// Unique per request; also sent as `ArbitraryFileIdentifier`.
    pub suffix: String,
    pub request_name: String,
    pub response_name: String,
}

/// Shared by all requests of one gateway.
#[derive(Debug)]
pub struct TerminalLink {
    terminal_dir: PathBuf,
    rejected_dir: PathBuf,
    timings: LinkTimings,
    sessions: Semaphore,
    max_sessions: usize,
    seq: AtomicU64,
    /// Suffixes handed out and not yet finished, so two tickets never share files.
    in_flight: Mutex<HashSet<String>>,
}

/// What the terminal's answer means for the exchange.
enum Verdict {
    Done(Box<QualificationResponse>),
    InProgress,
    Failed { code: String, message: String },
}

impl TerminalLink {
    pub fn new(
        terminal_dir: &Path,
        rejected_dir: &Path,
        timings: LinkTimings,
        max_sessions: usize,
    ) -> Self {
        let max_sessions = max_sessions.max(1);
        Self {
            terminal_dir: terminal_dir.to_path_buf(),
            rejected_dir: rejected_dir.to_path_buf(),
            timings,
            sessions: Semaphore::new(max_sessions),
            max_sessions,
            seq: AtomicU64::new(1),
            in_flight: Mutex::new(HashSet::new()),
        }
    }

    pub fn terminal_dir(&self) -> &Path {
        &self.terminal_dir
    }

    fn req_dir(&self) -> PathBuf {
        self.terminal_dir.join("req")
    }

    fn res_dir(&self) -> PathBuf {
        self.terminal_dir.join("res")
    }

    /// Picks file names for a new exchange: `yyyyMMdd_HHmmss_<seq>`. Names whose files are
    /// still in the folders (a previous run that crashed) are skipped, so an old answer is
    /// never taken for ours.
    pub async fn ticket(&self) -> Ticket {
        loop {
            let seq = self.seq.fetch_add(1, Ordering::Relaxed);
            let suffix = format!("{}_{seq:04}", clock::file_stamp(clock::now_jst()));
            let request_name = qualification_request_name(&suffix);
            let Some(response_name) = response_name_for(&request_name) else {
                continue;
            };
            if files::exists(&self.req_dir().join(&request_name)).await
                || files::exists(&self.res_dir().join(&response_name)).await
            {
                continue;
            }
            let fresh = self
                .in_flight
                .lock()
                .map(|mut set| set.insert(suffix.clone()))
                .unwrap_or(true);
            if fresh {
                return Ticket {
                    suffix,
                    request_name,
                    response_name,
                };
            }
        }
    }

    /// Sends `request_xml` under `ticket`'s names and waits for the answer.
    pub async fn exchange(
        &self,
        ticket: &Ticket,
        request_xml: &[u8],
    ) -> Result<QualificationResponse, LinkError> {
        let started = Instant::now();
        let deadline = started + self.timings.timeout;
        let result = self.exchange_until(ticket, request_xml, deadline).await;
        if let Ok(mut set) = self.in_flight.lock() {
            set.remove(&ticket.suffix);
        }
        let elapsed_ms = started.elapsed().as_millis();
        match &result {
            Ok(_) => info!(file = %ticket.suffix, elapsed_ms, "terminal answered"),
            Err(err) => warn!(file = %ticket.suffix, elapsed_ms, "terminal exchange failed: {err}"),
        }
        result
    }

    async fn exchange_until(
        &self,
        ticket: &Ticket,
        request_xml: &[u8],
        deadline: Instant,
    ) -> Result<QualificationResponse, LinkError> {
        let _session = timeout_at(deadline, self.sessions.acquire())
            .await
            .map_err(|_| LinkError::Busy(self.max_sessions))?
            .map_err(|_| LinkError::Busy(self.max_sessions))?;
        let req_path = self.req_dir().join(&ticket.request_name);
        let res_path = self.res_dir().join(&ticket.response_name);
        let mut round = 1u32;
        loop {
            files::write_atomically(&self.req_dir(), &ticket.request_name, request_xml)
                .await
                .map_err(LinkError::Unavailable)?;
            debug!(file = %ticket.suffix, round, "request written");
            let watched =
                watch::await_parsed(&res_path, self.timings.poll_interval, parse_response);
            let answer = match timeout_at(deadline, watched).await {
                Ok(Ok(answer)) => answer,
                Ok(Err(unreadable)) => {
                    let _ = files::remove_if_present(&req_path).await;
                    return Err(self
                        .reject(&res_path, &ticket.response_name, unreadable.reason)
                        .await);
                }
                Err(_) => return Err(self.give_up(&req_path).await),
            };
            if let Some(identifier) = &answer.header.arbitrary_file_identifier {
                if identifier != &ticket.suffix {
                    let _ = files::remove_if_present(&req_path).await;
                    let reason =
                        "its ArbitraryFileIdentifier belongs to another request".to_string();
                    return Err(self.reject(&res_path, &ticket.response_name, reason).await);
                }
            }
            match verdict(answer) {
                Verdict::InProgress => {
                    debug!(file = %ticket.suffix, round, "terminal says 処理中; will ask again");
                    let _ = files::remove_if_present(&res_path).await;
                    let next = Instant::now() + self.timings.retry_interval;
                    if next >= deadline {
                        sleep_until(deadline).await;
                        return Err(self.give_up(&req_path).await);
                    }
                    sleep_until(next).await;
                    round += 1;
                }
                Verdict::Failed { code, message } => {
                    self.clean_up(&req_path, &res_path).await;
                    return Err(LinkError::Terminal { code, message });
                }
                Verdict::Done(answer) => {
                    self.clean_up(&req_path, &res_path).await;
                    return Ok(*answer);
                }
            }
        }
    }

    /// Timeout: take our request back so the terminal does not answer it after we left.
    async fn give_up(&self, req_path: &Path) -> LinkError {
        if let Err(err) = files::remove_if_present(req_path).await {
            warn!("cannot remove a timed-out request file: {err}");
        }
        LinkError::Timeout(self.timings.timeout)
    }

    async fn reject(&self, res_path: &Path, name: &str, reason: String) -> LinkError {
        // Only the folder-relative name goes out: the API must not reveal local paths.
        let disposition = match files::move_to_rejected(res_path, &self.rejected_dir).await {
            Ok(path) => format!(
                "kept in the data folder as rejected/{}",
                path.file_name().unwrap_or_default().to_string_lossy()
            ),
            Err(err) => {
                warn!("cannot move an unusable answer to the rejected folder: {err}");
                format!("it could not be moved and is still in res/ as {name}")
            }
        };
        LinkError::BadResponse {
            file: name.to_string(),
            reason,
            disposition,
        }
    }

    async fn clean_up(&self, req_path: &Path, res_path: &Path) {
        for path in [req_path, res_path] {
            if let Err(err) = files::remove_if_present(path).await {
                warn!("cannot remove {}: {err}", path.display());
            }
        }
    }

    /// The folder's state for the health endpoint.
    pub async fn state(&self) -> TerminalState {
        state::folder_state(&self.terminal_dir).await
    }
}

fn verdict(answer: QualificationResponse) -> Verdict {
    let segment = answer.header.segment_of_result.as_ref();
    if segment == Some(&SegmentOfResult::InProgress) {
        return Verdict::InProgress;
    }
    let failed = segment == Some(&SegmentOfResult::Failed)
        || answer.processing.status.as_ref() == Some(&ProcessingResultStatus::Error);
    if failed {
        // The header carries the terminal's own errors, the body those of the national side.
        let code = answer
            .header
            .error_code
            .clone()
            .or_else(|| answer.processing.code.clone())
            .unwrap_or_else(|| "unknown".to_string());
        let message = answer
            .header
            .error_message
            .clone()
            .or_else(|| answer.processing.message.clone())
            .unwrap_or_else(|| "no message".to_string());
        return Verdict::Failed { code, message };
    }
    Verdict::Done(Box::new(answer))
}
