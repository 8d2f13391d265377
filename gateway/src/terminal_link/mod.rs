//! The file linkage with the qualification terminal (連携アプリ方式): one request file in
//! `req/`, one answer file in `res/`, matched by name.
//!
//! One [`TerminalLink::exchange`] writes `req/OQSsiquc01req_<suffix>.xml` atomically, waits
//! for `res/OQSsiquc01res_<suffix>.xml`, re-sends while the terminal says 処理中, and always
//! leaves the folders clean: our files are removed on every outcome (also when the caller
//! goes away mid-exchange: see [`Pending`]), an unusable answer is moved to
//! `<data-dir>/rejected/` for a person to look at, and an answer that arrives after we
//! stopped waiting is removed by [`TerminalLink::sweep_late_answers`].

mod admission;
pub mod files;
mod state;
mod watch;

use std::collections::{HashMap, HashSet};
use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use onshi_core::api::TerminalState;
use onshi_core::oqs::files::{qualification_request_name, response_name_for};
use onshi_core::oqs::matching::check_answer;
use onshi_core::oqs::response::parse_response;
use onshi_core::oqs::verdict::{verdict, Verdict};
use onshi_core::oqs::QualificationRequest;
use onshi_core::qualification::QualificationResponse;
use thiserror::Error;
use tokio::sync::{watch as signal, Semaphore};
use tokio::task::JoinHandle;
use tokio::time::{sleep_until, timeout_at, Instant};
use tracing::{debug, info, warn};

use crate::clock;
use admission::ClinicSession;
pub use admission::{Admissions, ClinicAdmission};
use onshi_core::api::QueuePlace;
use watch::AnswerWatch;
pub use watch::MAX_ANSWER_BYTES;

/// How long an answer nobody waits for any more is remembered as ours (and removed if it
/// shows up): far beyond any terminal delay.
const LATE_RETENTION: Duration = Duration::from_secs(24 * 60 * 60);

/// How patiently the link waits for the terminal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LinkTimings {
    /// Whole exchange, 処理中 rounds included.
    pub timeout: Duration,
    /// Pause after a 処理中 answer before the request is sent again.
    pub retry_interval: Duration,
    /// How often `res/` is looked at.
    pub poll_interval: Duration,
    /// How long a complete-looking answer that does not parse may still be in the middle
    /// of being written (counted from its last change) before it is rejected.
    pub answer_grace: Duration,
    /// An answer that arrives after its exchange ended is removed once it has been seen
    /// for this long (so a terminal still writing it is not disturbed).
    pub late_answer_grace: Duration,
    /// How often `res/` is checked for such late answers (only while there are any to
    /// expect).
    pub sweep_interval: Duration,
    /// `GET /v1/health` probes the folders at most this often.
    pub health_cache: Duration,
    /// How often a request waiting for one of the clinic's terminal sessions asks again.
    pub admission_poll: Duration,
}

impl Default for LinkTimings {
    fn default() -> Self {
        Self {
            timeout: Duration::from_secs(30),
            retry_interval: Duration::from_secs(1),
            poll_interval: Duration::from_millis(50),
            answer_grace: Duration::from_secs(2),
            late_answer_grace: Duration::from_secs(10),
            sweep_interval: Duration::from_secs(5),
            health_cache: Duration::from_secs(5),
            admission_poll: Duration::from_millis(100),
        }
    }
}

/// How many exchanges may run and wait.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LinkLimits {
    /// Exchanges at once (the terminal's session limit).
    pub max_sessions: usize,
    /// Exchanges queued for a session; beyond this a request fails at once.
    pub max_waiting: usize,
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
    /// The answer in our answer file names another request, institution or patient: a
    /// misplaced file, never to be shown.
    #[error("the terminal's answer {file} does not match its request ({reason}); {disposition}")]
    Mismatch {
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
    #[error(
        "the terminal is busy: all {running} sessions are in use and {waiting} more requests \
         are already waiting; try again shortly"
    )]
    Overloaded { running: usize, waiting: usize },
}

/// The request and answer file names of one exchange.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ticket {
    /// Unique per request across every desk on the terminal share
    /// (`yyyyMMdd_HHmmss_<desk id>_<seq>`); also sent as `ArbitraryFileIdentifier`.
    pub suffix: String,
    pub request_name: String,
    pub response_name: String,
    /// What the desk's page calls this request (`x-onshi-request`), so it can ask where the
    /// request stands while it waits for the terminal.
    pub client_ref: Option<String>,
}

/// Shared by all requests of one gateway.
#[derive(Debug)]
pub struct TerminalLink {
    terminal_dir: PathBuf,
    rejected_dir: PathBuf,
    timings: LinkTimings,
    sessions: Semaphore,
    limits: LinkLimits,
    waiting: AtomicUsize,
    /// This desk's id, random per installation: several desks' gateways write into one
    /// `req/`, and their counters all start at 1.
    desk_id: String,
    seq: AtomicU64,
    /// The terminal's sessions counted with every desk (through the store); `None`
    /// counts this desk's alone.
    clinic: Option<ClinicAdmission>,
    /// Suffixes handed out and not yet finished, so two tickets never share files.
    in_flight: Mutex<HashSet<String>>,
    /// Answers of ours nobody waits for any more (timed out, abandoned), by file name.
    unclaimed: Mutex<HashMap<String, Unclaimed>>,
    state: state::StateCache,
}

#[derive(Debug, Clone, Copy)]
struct Unclaimed {
    since: Instant,
    /// When the sweeper first saw the file in `res/`.
    seen: Option<Instant>,
}

/// One exchange between [`TerminalLink::ticket`] and its end. If it is dropped before the
/// exchange finished (the HTTP client went away and hyper dropped the handler), it takes
/// our request back, removes an answer already there and remembers the answer name so a
/// later one is swept: nothing of an abandoned exchange stays in the terminal folders.
struct Pending<'a> {
    link: &'a TerminalLink,
    ticket: &'a Ticket,
    finished: bool,
}

impl Drop for Pending<'_> {
    fn drop(&mut self) {
        let link = self.link;
        lock(&link.in_flight).remove(&self.ticket.suffix);
        if self.finished {
            return;
        }
        info!(file = %self.ticket.suffix, "exchange abandoned (the client went away); taking the request back");
        link.expect_late(&self.ticket.response_name);
        let req = link.req_dir().join(&self.ticket.request_name);
        let res = link.res_dir().join(&self.ticket.response_name);
        // The answer first: once the request is gone, this clean-up is over, so whoever
        // watches req/ (the sweeper's tests, an operator) never races the answer's removal.
        let remove = move || {
            for path in [res, req] {
                match std::fs::remove_file(&path) {
                    Err(err) if err.kind() != io::ErrorKind::NotFound => {
                        warn!("cannot remove {}: {err}", path.display())
                    }
                    _ => {}
                }
            }
        };
        // The share may be slow: off the async workers when there is a runtime.
        match tokio::runtime::Handle::try_current() {
            Ok(runtime) => drop(runtime.spawn_blocking(remove)),
            Err(_) => remove(),
        }
    }
}

/// Counts an exchange waiting for a terminal session while it exists.
struct Waiting<'a>(&'a AtomicUsize);

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl TerminalLink {
    pub fn new(
        terminal_dir: &Path,
        rejected_dir: &Path,
        desk_id: &str,
        timings: LinkTimings,
        limits: LinkLimits,
    ) -> Self {
        let limits = LinkLimits {
            max_sessions: limits.max_sessions.max(1),
            max_waiting: limits.max_waiting,
        };
        Self {
            terminal_dir: terminal_dir.to_path_buf(),
            rejected_dir: rejected_dir.to_path_buf(),
            timings,
            sessions: Semaphore::new(limits.max_sessions),
            limits,
            waiting: AtomicUsize::new(0),
            desk_id: desk_id.to_string(),
            clinic: None,
            seq: AtomicU64::new(1),
            in_flight: Mutex::new(HashSet::new()),
            unclaimed: Mutex::new(HashMap::new()),
            state: state::StateCache::new(terminal_dir, timings.health_cache),
        }
    }

    /// Counts the terminal's sessions with every desk through `store` from now on.
    pub fn with_clinic_admission(mut self, store: Admissions) -> Self {
        self.clinic = Some(ClinicAdmission::new(
            store,
            self.timings.timeout,
            self.timings.admission_poll,
        ));
        self
    }

    /// Where the request the page sent as `client_ref` stands, while it runs.
    pub fn queue_place(&self, client_ref: &str) -> Option<QueuePlace> {
        self.clinic.as_ref()?.place(client_ref)
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

    /// Exchanges running or waiting for a session now.
    pub fn in_flight(&self) -> usize {
        lock(&self.in_flight).len()
    }

    /// Answers of ours that may still arrive after their exchange ended.
    pub fn unclaimed(&self) -> usize {
        lock(&self.unclaimed).len()
    }

    /// Picks file names for a new exchange: `yyyyMMdd_HHmmss_<desk id>_<seq>`, so two
    /// desks never pick the same name. Names whose files are still in the folders (a
    /// previous run that crashed) are skipped, so an old answer is never taken for ours;
    /// and the request is written with a rename that never replaces a file (see
    /// [`files::write_atomically`]).
    pub async fn ticket(&self, client_ref: Option<String>) -> Ticket {
        loop {
            let seq = self.seq.fetch_add(1, Ordering::Relaxed);
            let stamp = clock::file_stamp(clock::now_jst());
            let suffix = format!("{stamp}_{}_{seq:04}", self.desk_id);
            let request_name = qualification_request_name(&suffix);
            let Some(response_name) = response_name_for(&request_name) else {
                continue;
            };
            if files::exists(&self.req_dir().join(&request_name)).await
                || files::exists(&self.res_dir().join(&response_name)).await
            {
                continue;
            }
            if lock(&self.in_flight).insert(suffix.clone()) {
                return Ticket {
                    suffix,
                    request_name,
                    response_name,
                    client_ref,
                };
            }
        }
    }

    /// Sends `request` under `ticket`'s names and waits for its answer, which is shown only
    /// if it matches the request ([`check_answer`]). Dropping the future before it
    /// completes withdraws the request (see [`Pending`]).
    pub async fn exchange(
        &self,
        ticket: &Ticket,
        request: &QualificationRequest,
    ) -> Result<QualificationResponse, LinkError> {
        let mut pending = Pending {
            link: self,
            ticket,
            finished: false,
        };
        let started = Instant::now();
        let deadline = started + self.timings.timeout;
        let result = self.exchange_until(ticket, request, deadline).await;
        pending.finished = true;
        drop(pending);
        if let Some(clinic) = &self.clinic {
            clinic.forget(ticket.client_ref.as_deref());
        }
        let elapsed_ms = started.elapsed().as_millis();
        match &result {
            Ok(_) => info!(file = %ticket.suffix, elapsed_ms, "terminal answered"),
            Err(err) => warn!(file = %ticket.suffix, elapsed_ms, "terminal exchange failed: {err}"),
        }
        result
    }

    /// A session of the terminal: one of this desk's, waiting for one only while few others
    /// wait, and then, with a shared store, one of the clinic's (first come, first served
    /// across desks).
    async fn session(
        &self,
        ticket: &Ticket,
        deadline: Instant,
    ) -> Result<(tokio::sync::SemaphorePermit<'_>, Option<ClinicSession>), LinkError> {
        let permit = self.desk_session(ticket, deadline).await?;
        let clinic = match &self.clinic {
            Some(clinic) => {
                clinic
                    .enter(
                        &ticket.suffix,
                        ticket.client_ref.as_deref(),
                        self.limits.max_sessions,
                        deadline,
                    )
                    .await?
            }
            None => None,
        };
        Ok((permit, clinic))
    }

    async fn desk_session(
        &self,
        ticket: &Ticket,
        deadline: Instant,
    ) -> Result<tokio::sync::SemaphorePermit<'_>, LinkError> {
        if let Ok(permit) = self.sessions.try_acquire() {
            return Ok(permit);
        }
        let waiting = self.waiting.fetch_add(1, Ordering::AcqRel);
        let _waiting = Waiting(&self.waiting);
        if waiting >= self.limits.max_waiting {
            return Err(LinkError::Overloaded {
                running: self.limits.max_sessions,
                waiting,
            });
        }
        if let Some(clinic) = &self.clinic {
            let ahead = u32::try_from(waiting).unwrap_or(u32::MAX);
            clinic.set_place(ticket.client_ref.as_deref(), QueuePlace::Waiting { ahead });
        }
        timeout_at(deadline, self.sessions.acquire())
            .await
            .map_err(|_| LinkError::Busy(self.limits.max_sessions))?
            .map_err(|_| LinkError::Busy(self.limits.max_sessions))
    }

    async fn exchange_until(
        &self,
        ticket: &Ticket,
        request: &QualificationRequest,
        deadline: Instant,
    ) -> Result<QualificationResponse, LinkError> {
        let (permit, clinic) = self.session(ticket, deadline).await?;
        let result = self.exchange_in_session(ticket, request, deadline).await;
        // The clinic's session first, while this desk's is still held, so a request
        // waiting at any desk can take it at once.
        if let Some(clinic) = clinic {
            clinic.release().await;
        }
        drop(permit);
        result
    }

    async fn exchange_in_session(
        &self,
        ticket: &Ticket,
        request: &QualificationRequest,
        deadline: Instant,
    ) -> Result<QualificationResponse, LinkError> {
        let request_xml = request.to_xml();
        let req_path = self.req_dir().join(&ticket.request_name);
        let res_path = self.res_dir().join(&ticket.response_name);
        let watch = AnswerWatch {
            poll: self.timings.poll_interval,
            grace: self.timings.answer_grace,
            max_bytes: MAX_ANSWER_BYTES,
        };
        let mut round = 1u32;
        loop {
            files::write_atomically(&self.req_dir(), &ticket.request_name, &request_xml)
                .await
                .map_err(LinkError::Unavailable)?;
            debug!(file = %ticket.suffix, round, "request written");
            let watched = watch::await_parsed(&res_path, watch, parse_response);
            let answer = match timeout_at(deadline, watched).await {
                Ok(Ok(answer)) => answer,
                Ok(Err(unreadable)) => {
                    let _ = files::remove_if_present(&req_path).await;
                    return Err(self
                        .reject(&res_path, &ticket.response_name, unreadable.reason)
                        .await);
                }
                Err(_) => return Err(self.give_up(ticket, &req_path).await),
            };
            if let Err(mismatch) = check_answer(request, &answer) {
                let _ = files::remove_if_present(&req_path).await;
                return Err(self.mismatch(&res_path, ticket, mismatch.reason()).await);
            }
            match verdict(&answer) {
                Verdict::InProgress => {
                    debug!(file = %ticket.suffix, round, "terminal says 処理中; will ask again");
                    let _ = files::remove_if_present(&res_path).await;
                    let next = Instant::now() + self.timings.retry_interval;
                    if next >= deadline {
                        sleep_until(deadline).await;
                        return Err(self.give_up(ticket, &req_path).await);
                    }
                    sleep_until(next).await;
                    round += 1;
                }
                Verdict::Failed { code, message } => {
                    self.clean_up(&req_path, &res_path).await;
                    return Err(LinkError::Terminal { code, message });
                }
                Verdict::Unusable(reason) => {
                    let _ = files::remove_if_present(&req_path).await;
                    return Err(self
                        .reject(&res_path, &ticket.response_name, reason.to_string())
                        .await);
                }
                Verdict::Final => {
                    self.clean_up(&req_path, &res_path).await;
                    return Ok(answer);
                }
            }
        }
    }

    /// Timeout: take our request back so the terminal does not answer it after we left,
    /// and expect an answer it may write anyway.
    async fn give_up(&self, ticket: &Ticket, req_path: &Path) -> LinkError {
        self.expect_late(&ticket.response_name);
        if let Err(err) = files::remove_if_present(req_path).await {
            warn!("cannot remove a timed-out request file: {err}");
        }
        LinkError::Timeout(self.timings.timeout)
    }

    fn expect_late(&self, response_name: &str) {
        lock(&self.unclaimed).insert(
            response_name.to_string(),
            Unclaimed {
                since: Instant::now(),
                seen: None,
            },
        );
    }

    /// One pass over `res/` for answers of ours that arrived after their exchange ended:
    /// each is removed once it has been there for the grace (the terminal may still be
    /// writing it). Only names this gateway handed out and stopped waiting for are
    /// touched: other applications' answers on a shared terminal are left alone. Returns
    /// how many were removed.
    pub async fn sweep_late_answers(&self) -> usize {
        let expected: Vec<String> = {
            let mut unclaimed = lock(&self.unclaimed);
            unclaimed.retain(|_, u| u.since.elapsed() < LATE_RETENTION);
            unclaimed.keys().cloned().collect()
        };
        if expected.is_empty() {
            return 0;
        }
        let mut removed = 0;
        for name in expected {
            let path = self.res_dir().join(&name);
            if !files::exists(&path).await {
                continue;
            }
            let due = {
                let mut unclaimed = lock(&self.unclaimed);
                let Some(entry) = unclaimed.get_mut(&name) else {
                    continue;
                };
                let seen = *entry.seen.get_or_insert_with(Instant::now);
                seen.elapsed() >= self.timings.late_answer_grace
            };
            if !due {
                continue;
            }
            match files::remove_if_present(&path).await {
                Ok(()) => {
                    removed += 1;
                    // The terminal might write it twice: keep expecting it until retention.
                    if let Some(entry) = lock(&self.unclaimed).get_mut(&name) {
                        entry.seen = None;
                    }
                    info!(file = %name, "removed an answer that arrived after its request was given up");
                }
                Err(err) => warn!(file = %name, "cannot remove a late answer: {err}"),
            }
        }
        removed
    }

    /// Takes back what a previous run of this desk left in the folders (a crash, a power
    /// cut): its requests in `req/` are withdrawn and their answers expected as late ones,
    /// its answers in `res/` are expected too, so the sweeper removes them unread after the
    /// grace. Only names carrying this desk's id are touched: other desks' files on the
    /// shared terminal are theirs. Call it before serving. Returns how many files it found.
    pub async fn reclaim_leftovers(&self) -> usize {
        let mark = format!("_{}_", self.desk_id);
        let ours = |dir: PathBuf| {
            let mark = mark.clone();
            async move {
                let Ok(mut entries) = tokio::fs::read_dir(&dir).await else {
                    return Vec::new();
                };
                let mut names = Vec::new();
                while let Ok(Some(entry)) = entries.next_entry().await {
                    if let Ok(name) = entry.file_name().into_string() {
                        if name.starts_with("OQS") && name.contains(&mark) && !name.starts_with('.')
                        {
                            names.push(name);
                        }
                    }
                }
                names
            }
        };
        let mut found = 0;
        for request in ours(self.req_dir()).await {
            found += 1;
            if let Err(err) = files::remove_if_present(&self.req_dir().join(&request)).await {
                warn!(file = %request, "cannot withdraw a request left by a previous run: {err}");
            }
            if let Some(answer) = response_name_for(&request) {
                self.expect_late(&answer);
            }
        }
        for answer in ours(self.res_dir()).await {
            found += 1;
            self.expect_late(&answer);
        }
        if found > 0 {
            info!(
                files = found,
                "taking back files a previous run of this desk left in the terminal folder"
            );
        }
        found
    }

    /// Runs [`Self::sweep_late_answers`] every `sweep_interval` until `closing` turns true.
    pub fn spawn_sweeper(self: &Arc<Self>, mut closing: signal::Receiver<bool>) -> JoinHandle<()> {
        let link = Arc::clone(self);
        tokio::spawn(async move {
            let every = link.timings.sweep_interval.max(Duration::from_millis(10));
            loop {
                tokio::select! {
                    () = tokio::time::sleep(every) => {}
                    changed = closing.wait_for(|closed| *closed) => {
                        let _ = changed;
                        return;
                    }
                }
                link.sweep_late_answers().await;
            }
        })
    }

    async fn reject(&self, res_path: &Path, name: &str, reason: String) -> LinkError {
        LinkError::BadResponse {
            file: name.to_string(),
            reason,
            disposition: self.set_aside(res_path, name).await,
        }
    }

    /// A misplaced answer: kept in `rejected/` for a person to look at, logged (with the
    /// field that differs, never its value), never shown.
    async fn mismatch(&self, res_path: &Path, ticket: &Ticket, reason: String) -> LinkError {
        warn!(file = %ticket.suffix, %reason, "an answer that does not match its request was set aside");
        LinkError::Mismatch {
            file: ticket.response_name.clone(),
            reason,
            disposition: self.set_aside(res_path, &ticket.response_name).await,
        }
    }

    /// Moves an unusable answer to `rejected/` and says where it went.
    async fn set_aside(&self, res_path: &Path, name: &str) -> String {
        // Only the folder-relative name goes out: the API must not reveal local paths.
        match files::move_to_rejected(res_path, &self.rejected_dir).await {
            Ok(path) => format!(
                "kept in the data folder as rejected/{}",
                path.file_name().unwrap_or_default().to_string_lossy()
            ),
            Err(err) => {
                warn!("cannot move an unusable answer to the rejected folder: {err}");
                format!("it could not be moved and is still in res/ as {name}")
            }
        }
    }

    async fn clean_up(&self, req_path: &Path, res_path: &Path) {
        for path in [req_path, res_path] {
            if let Err(err) = files::remove_if_present(path).await {
                warn!("cannot remove {}: {err}", path.display());
            }
        }
    }

    /// The folder's state for the health endpoint (probed at most once per
    /// `health_cache`).
    pub async fn state(&self) -> TerminalState {
        self.state.get().await
    }

    /// How often the folders were actually probed for [`Self::state`].
    pub fn health_probes(&self) -> u64 {
        self.state.probes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn link(dir: &Path, timings: LinkTimings, limits: LinkLimits) -> Arc<TerminalLink> {
        for sub in ["req", "res"] {
            std::fs::create_dir_all(dir.join(sub)).unwrap();
        }
        Arc::new(TerminalLink::new(
            dir,
            &dir.join("rejected"),
            "0a1b2c3d",
            timings,
            limits,
        ))
    }

    fn names(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    const LIMITS: LinkLimits = LinkLimits {
        max_sessions: 20,
        max_waiting: 20,
    };

    #[tokio::test]
    async fn a_dropped_exchange_takes_its_request_back_and_its_answer_is_swept() {
        let dir = tempfile::tempdir().unwrap();
        let timings = LinkTimings {
            timeout: Duration::from_secs(60),
            poll_interval: Duration::from_millis(10),
            // Long enough that a loaded machine cannot pass it between abort and first sweep.
            late_answer_grace: Duration::from_secs(1),
            ..LinkTimings::default()
        };
        let link = link(dir.path(), timings, LIMITS);
        let ticket = link.ticket(None).await;
        let exchange = {
            let link = Arc::clone(&link);
            let ticket = ticket.clone();
            tokio::spawn(async move {
                link.exchange(&ticket, &QualificationRequest::default())
                    .await
            })
        };
        let req = dir.path().join("req").join(&ticket.request_name);
        while !req.exists() {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        assert_eq!(link.in_flight(), 1);
        exchange.abort();
        let _ = exchange.await;
        assert_eq!(link.in_flight(), 0);
        for _ in 0..500 {
            if !req.exists() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        assert!(names(&dir.path().join("req")).is_empty());
        // The terminal had already taken the request and answers after all.
        let res = dir.path().join("res").join(&ticket.response_name);
        std::fs::write(&res, "<late/>").unwrap();
        assert_eq!(link.sweep_late_answers().await, 0, "not before the grace");
        assert!(res.exists());
        tokio::time::sleep(Duration::from_millis(1_100)).await;
        assert_eq!(link.sweep_late_answers().await, 1);
        assert!(names(&dir.path().join("res")).is_empty());
    }

    #[tokio::test]
    async fn leftovers_of_a_previous_run_are_taken_back_and_only_ours() {
        let dir = tempfile::tempdir().unwrap();
        let timings = LinkTimings {
            late_answer_grace: Duration::ZERO,
            ..LinkTimings::default()
        };
        let link = link(dir.path(), timings, LIMITS);
        let (req, res) = (dir.path().join("req"), dir.path().join("res"));
        // Ours: a request the crash left unanswered, and an answer nobody read.
        std::fs::write(
            req.join("OQSsiquc01req_20261201_090000_0a1b2c3d_0007.xml"),
            "<r/>",
        )
        .unwrap();
        std::fs::write(
            res.join("OQSsiquc01res_20261201_090000_0a1b2c3d_0003.xml"),
            "<a/>",
        )
        .unwrap();
        // Another desk's, in flight right now.
        let other_req = req.join("OQSsiquc01req_20261201_090000_ffffffff_0001.xml");
        let other_res = res.join("OQSsiquc01res_20261201_090000_ffffffff_0002.xml");
        std::fs::write(&other_req, "<r/>").unwrap();
        std::fs::write(&other_res, "<a/>").unwrap();
        assert_eq!(link.reclaim_leftovers().await, 2);
        assert_eq!(
            names(&req),
            vec!["OQSsiquc01req_20261201_090000_ffffffff_0001.xml"]
        );
        // The terminal answers the withdrawn request after all.
        std::fs::write(
            res.join("OQSsiquc01res_20261201_090000_0a1b2c3d_0007.xml"),
            "<a/>",
        )
        .unwrap();
        link.sweep_late_answers().await;
        link.sweep_late_answers().await;
        assert_eq!(
            names(&res),
            vec!["OQSsiquc01res_20261201_090000_ffffffff_0002.xml"]
        );
        assert!(other_req.exists() && other_res.exists());
    }

    #[tokio::test]
    async fn the_sweeper_leaves_answers_it_does_not_own() {
        let dir = tempfile::tempdir().unwrap();
        let timings = LinkTimings {
            late_answer_grace: Duration::ZERO,
            ..LinkTimings::default()
        };
        let link = link(dir.path(), timings, LIMITS);
        let other = dir
            .path()
            .join("res")
            .join("OQSsiquc01res_20260101_000000_0001.xml");
        std::fs::write(&other, "<someone-else/>").unwrap();
        link.expect_late("OQSsiquc01res_20260101_000000_0002.xml");
        link.sweep_late_answers().await;
        link.sweep_late_answers().await;
        assert!(other.exists());
    }

    #[tokio::test]
    async fn waiting_beyond_the_limit_fails_at_once() {
        let dir = tempfile::tempdir().unwrap();
        let timings = LinkTimings {
            timeout: Duration::from_secs(60),
            ..LinkTimings::default()
        };
        let link = link(
            dir.path(),
            timings,
            LinkLimits {
                max_sessions: 1,
                max_waiting: 1,
            },
        );
        let ticket = link.ticket(None).await;
        let running = link
            .session(&ticket, Instant::now() + timings.timeout)
            .await
            .unwrap();
        let waiter = {
            let link = Arc::clone(&link);
            tokio::spawn(async move {
                let ticket = link.ticket(None).await;
                let _permit = link
                    .session(&ticket, Instant::now() + Duration::from_secs(60))
                    .await;
            })
        };
        while link.waiting.load(Ordering::Acquire) == 0 {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        let refused = link
            .session(&ticket, Instant::now() + timings.timeout)
            .await;
        assert!(matches!(
            refused,
            Err(LinkError::Overloaded {
                running: 1,
                waiting: 1
            })
        ));
        assert_eq!(link.waiting.load(Ordering::Acquire), 1);
        drop(running);
        waiter.await.unwrap();
        assert_eq!(link.waiting.load(Ordering::Acquire), 0);
    }
}
