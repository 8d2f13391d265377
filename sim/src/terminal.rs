//! A simulated 資格確認端末 on a folder: it answers `req/OQSsiquc01req_*.xml` with
//! `res/OQSsiquc01res_*.xml` the way the terminal's 連携アプリ does.
//!
//! One thread scans `req/`, and answers wait in a queue ordered by due time, so a slow
//! answer never holds up the others. A request is taken only once its size and time
//! stamp stay the same over two scans, because not every writer renames a finished
//! file into place. Answers are written to a hidden temp file and renamed, so a reader
//! never sees half a file (except the deliberately truncated [`Behaviour::Malformed`]).

use std::collections::HashMap;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, RecvTimeoutError, Sender};
use std::sync::Arc;
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant, SystemTime};

use thiserror::Error;

use onshi_core::oqs::files::{response_name_for, QUALIFICATION_REQUEST_PREFIX};
use onshi_core::oqs::{write_response, OqsError, QualificationRequest, XmlEncoding};
use onshi_core::qualification::QualificationResponse;

use crate::answer::{self, REQUEST_UNREADABLE_CODE};
use crate::clock::now_jst;
use crate::config::{Behaviour, TerminalConfig};
use crate::population::Population;

/// A request name not seen again for this long has been given up by the gateway: its
/// 処理中 count is forgotten (a late retry then starts over with 処理中, which is harmless).
const ROUND_TTL: Duration = Duration::from_secs(300);
/// At most this many 処理中 counts are kept; the least recently used goes first.
const MAX_ROUNDS: usize = 256;

/// Why one file could not be handled. The terminal logs these and carries on.
#[derive(Debug, Error)]
pub enum TerminalError {
    #[error("cannot read request {path}: {source}")]
    Read { path: PathBuf, source: io::Error },
    #[error("cannot remove request {path}: {source}")]
    Remove { path: PathBuf, source: io::Error },
    #[error("cannot write answer {path}: {source}")]
    Write { path: PathBuf, source: io::Error },
    #[error("cannot encode the answer: {0}")]
    Encode(#[from] OqsError),
}

/// The simulated terminal.
pub struct SimTerminal;

impl SimTerminal {
    /// Creates `root/req`, `root/res` and `root/face` and starts answering requests.
    /// The terminal stops when the handle is dropped or stopped.
    pub fn start(
        root: &Path,
        population: Arc<Population>,
        config: TerminalConfig,
    ) -> io::Result<SimTerminalHandle> {
        let root = root.to_path_buf();
        for dir in ["req", "res", "face"] {
            fs::create_dir_all(root.join(dir))?;
        }
        let (stop, stopped) = mpsc::channel::<()>();
        let mut worker = Worker {
            req: root.join("req"),
            res: root.join("res"),
            population,
            config,
            last_seen: HashMap::new(),
            rounds: HashMap::new(),
            pending: Vec::new(),
        };
        let thread = thread::Builder::new()
            .name("onshi-sim-terminal".to_string())
            .spawn(move || loop {
                worker.scan();
                worker.write_due();
                match stopped.recv_timeout(worker.wait()) {
                    Err(RecvTimeoutError::Timeout) => {}
                    Ok(()) | Err(RecvTimeoutError::Disconnected) => break,
                }
            })?;
        Ok(SimTerminalHandle {
            root,
            stop: Some(stop),
            thread: Some(thread),
        })
    }
}

/// A running simulated terminal; dropping it stops the terminal.
pub struct SimTerminalHandle {
    root: PathBuf,
    stop: Option<Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl SimTerminalHandle {
    /// The shared root folder (with `req/`, `res/`, `face/`).
    pub fn root(&self) -> &Path {
        &self.root
    }

    pub fn req_dir(&self) -> PathBuf {
        self.root.join("req")
    }

    pub fn res_dir(&self) -> PathBuf {
        self.root.join("res")
    }

    pub fn face_dir(&self) -> PathBuf {
        self.root.join("face")
    }

    /// Whether the terminal thread is still running.
    pub fn is_running(&self) -> bool {
        self.thread.as_ref().is_some_and(|t| !t.is_finished())
    }

    /// Stops the terminal and waits for its thread; answers not yet written are dropped.
    pub fn stop(&mut self) {
        if let Some(stop) = self.stop.take() {
            // The thread may already be gone; then there is nobody to tell.
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            if thread.join().is_err() {
                tracing::error!("the simulated terminal thread panicked");
            }
        }
    }
}

impl Drop for SimTerminalHandle {
    fn drop(&mut self) {
        self.stop();
    }
}

struct Pending {
    due: Instant,
    name: String,
    bytes: Vec<u8>,
    /// The request name whose 処理中 count ends once this (final) answer is written.
    ends_rounds: Option<String>,
}

/// The answer to one request, before it is queued.
struct Answer {
    bytes: Vec<u8>,
    /// A final answer to a request that was answered 処理中 before.
    ends_rounds: bool,
}

impl Answer {
    fn once(bytes: Vec<u8>) -> Self {
        Self {
            bytes,
            ends_rounds: false,
        }
    }
}

/// 処理中 answers given for one request name, and when it was last asked.
struct Round {
    given: u32,
    last_asked: Instant,
}

struct Worker {
    req: PathBuf,
    res: PathBuf,
    population: Arc<Population>,
    config: TerminalConfig,
    /// Size and time stamp of request files at the previous scan.
    last_seen: HashMap<String, (u64, Option<SystemTime>)>,
    /// 処理中 answers given so far per request file name; dropped once the final answer is
    /// written, or when stale (see [`ROUND_TTL`], [`MAX_ROUNDS`]).
    rounds: HashMap<String, Round>,
    pending: Vec<Pending>,
}

impl Worker {
    /// Until the next scan, or the next due answer if that comes first.
    fn wait(&self) -> Duration {
        let now = Instant::now();
        self.pending
            .iter()
            .map(|p| p.due.saturating_duration_since(now))
            .fold(self.config.poll_interval, |a, b| a.min(b))
    }

    fn scan(&mut self) {
        self.forget_stale_rounds(Instant::now());
        let entries = match fs::read_dir(&self.req) {
            Ok(entries) => entries,
            Err(error) => {
                tracing::warn!(dir = %self.req.display(), %error, "cannot list the req folder");
                return;
            }
        };
        let mut present = HashMap::new();
        for entry in entries.flatten() {
            let Ok(name) = entry.file_name().into_string() else {
                continue;
            };
            if !name.starts_with(QUALIFICATION_REQUEST_PREFIX) || !name.ends_with(".xml") {
                continue;
            }
            let Ok(meta) = entry.metadata() else { continue };
            if !meta.is_file() {
                continue;
            }
            present.insert(name, (meta.len(), meta.modified().ok()));
        }
        let mut ready: Vec<String> = present
            .iter()
            .filter(|(name, stamp)| self.last_seen.get(*name) == Some(stamp))
            .map(|(name, _)| name.clone())
            .collect();
        ready.sort();
        for name in &ready {
            present.remove(name);
            if let Err(error) = self.take(name) {
                tracing::warn!(%error, "request skipped");
            }
        }
        self.last_seen = present;
    }

    /// Reads and removes one request and queues its answer.
    fn take(&mut self, name: &str) -> Result<(), TerminalError> {
        let path = self.req.join(name);
        let bytes = fs::read(&path).map_err(|source| TerminalError::Read {
            path: path.clone(),
            source,
        })?;
        fs::remove_file(&path).map_err(|source| TerminalError::Remove {
            path: path.clone(),
            source,
        })?;
        let Some(response_name) = response_name_for(name) else {
            return Ok(());
        };
        if let Some(answer) = self.answer(name, &bytes) {
            self.pending.push(Pending {
                due: Instant::now() + self.config.latency,
                name: response_name,
                bytes: answer.bytes,
                ends_rounds: answer.ends_rounds.then(|| name.to_string()),
            });
        }
        Ok(())
    }

    /// Forgets the 処理中 counts of requests not asked again within [`ROUND_TTL`].
    fn forget_stale_rounds(&mut self, now: Instant) {
        self.rounds
            .retain(|_, round| now.saturating_duration_since(round.last_asked) < ROUND_TTL);
    }

    /// The 処理中 count of `name`, made if new; the least recently asked one goes when
    /// [`MAX_ROUNDS`] are kept already.
    fn round(&mut self, name: &str, now: Instant) -> &mut Round {
        if !self.rounds.contains_key(name) && self.rounds.len() >= MAX_ROUNDS {
            let oldest = self
                .rounds
                .iter()
                .min_by_key(|(_, round)| round.last_asked)
                .map(|(name, _)| name.clone());
            if let Some(oldest) = oldest {
                self.rounds.remove(&oldest);
            }
        }
        let round = self.rounds.entry(name.to_string()).or_insert(Round {
            given: 0,
            last_asked: now,
        });
        round.last_asked = now;
        round
    }

    /// The answer file's bytes, or `None` when the terminal stays silent.
    fn answer(&mut self, name: &str, bytes: &[u8]) -> Option<Answer> {
        let now = now_jst();
        // Owned: the 処理中 count below borrows the worker mutably.
        let institution = self.config.institution_code.clone();
        let institution = institution.as_str();
        let request = match QualificationRequest::parse(bytes) {
            Ok(request) => request,
            Err(error) => {
                tracing::info!(file = name, %error, "unreadable request answered with an error");
                let message = format!("要求ファイルを読み取れません: {error}");
                let response = answer::failed(REQUEST_UNREADABLE_CODE, &message, institution, now);
                return Some(Answer::once(encode_or_fail(
                    &response,
                    XmlEncoding::Utf8,
                    institution,
                )));
            }
        };
        let behaviour = self
            .population
            .find(&request)
            .map(|p| p.behaviour)
            .unwrap_or_default();
        let encoding = match behaviour {
            Behaviour::ShiftJis => XmlEncoding::ShiftJis,
            _ => XmlEncoding::Utf8,
        };
        let completed = |population: &Population| {
            encode_or_fail(
                &population.respond(&request, institution, now, encoding),
                encoding,
                institution,
            )
        };
        match behaviour {
            Behaviour::NoAnswer => None,
            Behaviour::InProgressThenAnswer => {
                let rounds = self.config.in_progress_rounds;
                let round = self.round(name, Instant::now());
                if round.given < rounds {
                    round.given += 1;
                    let response = answer::in_progress(&request, institution, now);
                    Some(Answer::once(encode_or_fail(
                        &response,
                        XmlEncoding::Utf8,
                        institution,
                    )))
                } else {
                    // The count goes once this answer is written (see `write_due`): a
                    // retry before then is answered with the result again, not 処理中.
                    Some(Answer {
                        bytes: completed(&self.population),
                        ends_rounds: true,
                    })
                }
            }
            Behaviour::Malformed => {
                let mut bytes = completed(&self.population);
                bytes.truncate(bytes.len() * 2 / 3);
                Some(Answer::once(bytes))
            }
            Behaviour::Normal | Behaviour::ShiftJis => {
                Some(Answer::once(completed(&self.population)))
            }
        }
    }

    fn write_due(&mut self) {
        let now = Instant::now();
        let (due, waiting): (Vec<_>, Vec<_>) = self.pending.drain(..).partition(|p| p.due <= now);
        self.pending = waiting;
        for answer in due {
            if let Err(error) = write_atomically(&self.res, &answer.name, &answer.bytes) {
                tracing::warn!(%error, "answer not written");
            }
            // Written or not, the exchange is over: a new request under the same name
            // starts again with 処理中.
            if let Some(name) = answer.ends_rounds {
                self.rounds.remove(&name);
            }
        }
    }
}

/// Encodes a response; a response the encoding cannot carry becomes an error answer.
fn encode_or_fail(
    response: &QualificationResponse,
    encoding: XmlEncoding,
    institution: &str,
) -> Vec<u8> {
    match write_response(response, encoding) {
        Ok(bytes) => bytes,
        Err(error) => {
            tracing::warn!(%error, "answer could not be encoded");
            let message = format!("応答を作成できません: {error}");
            let failed = answer::failed(REQUEST_UNREADABLE_CODE, &message, institution, now_jst());
            // UTF-8 carries every character, so this second write cannot fail on content.
            write_response(&failed, XmlEncoding::Utf8).unwrap_or_default()
        }
    }
}

/// Writes `dir/name` through a hidden temp file and a rename.
pub(crate) fn write_atomically(dir: &Path, name: &str, bytes: &[u8]) -> Result<(), TerminalError> {
    let target = dir.join(name);
    let temp = dir.join(format!(".{name}.tmp"));
    fs::write(&temp, bytes).map_err(|source| TerminalError::Write {
        path: temp.clone(),
        source,
    })?;
    fs::rename(&temp, &target).map_err(|source| {
        // Best effort: a stale temp file is hidden and overwritten next time.
        let _ = fs::remove_file(&temp);
        TerminalError::Write {
            path: target.clone(),
            source,
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::date;
    use onshi_core::oqs::files::qualification_request_name;

    fn worker(root: &Path, in_progress_rounds: u32) -> Worker {
        let population = Population::generate_on(42, date(2026, 11, 25));
        for dir in ["req", "res"] {
            fs::create_dir_all(root.join(dir)).unwrap();
        }
        Worker {
            req: root.join("req"),
            res: root.join("res"),
            population: Arc::new(population),
            config: TerminalConfig {
                latency: Duration::ZERO,
                in_progress_rounds,
                ..TerminalConfig::default()
            },
            last_seen: HashMap::new(),
            rounds: HashMap::new(),
            pending: Vec::new(),
        }
    }

    /// Puts the in-progress sample's request under `suffix` and has the worker take it.
    fn ask(worker: &mut Worker, suffix: &str) -> String {
        let sample = worker
            .population
            .sample_patients()
            .into_iter()
            .find(|s| s.key == "in_progress")
            .unwrap();
        let request = QualificationRequest {
            confirmation_date: "20261125".into(),
            institution_code: "1319999999".into(),
            insurer_number: format!("{:>8}", sample.insurer_number),
            symbol: sample.symbol.clone(),
            number: sample.number.clone(),
            branch: sample.branch.clone(),
            birthdate: sample.birthdate.replace('-', ""),
            ..QualificationRequest::default()
        };
        let name = qualification_request_name(suffix);
        fs::write(worker.req.join(&name), request.to_xml()).unwrap();
        worker.take(&name).unwrap();
        name
    }

    #[test]
    fn the_count_ends_when_the_final_answer_is_written() {
        let dir = tempfile::tempdir().unwrap();
        let mut worker = worker(dir.path(), 1);
        let name = ask(&mut worker, "a");
        assert_eq!(worker.rounds[&name].given, 1);
        worker.write_due();
        assert!(worker.rounds.contains_key(&name), "still in the exchange");

        ask(&mut worker, "a");
        assert!(
            worker.rounds.contains_key(&name),
            "kept until the final answer is written"
        );
        assert_eq!(worker.pending.len(), 1);
        worker.write_due();
        assert!(worker.pending.is_empty());
        assert!(worker.rounds.is_empty());
    }

    #[test]
    fn abandoned_counts_age_out() {
        let dir = tempfile::tempdir().unwrap();
        let mut worker = worker(dir.path(), 3);
        let name = ask(&mut worker, "abandoned");
        worker.forget_stale_rounds(Instant::now());
        assert!(worker.rounds.contains_key(&name));
        worker.forget_stale_rounds(Instant::now() + ROUND_TTL + Duration::from_secs(1));
        assert!(worker.rounds.is_empty());
    }

    #[test]
    fn counts_are_capped_dropping_the_least_recently_asked() {
        let dir = tempfile::tempdir().unwrap();
        let mut worker = worker(dir.path(), 3);
        let start = Instant::now();
        for i in 0..MAX_ROUNDS {
            worker.round(&format!("old-{i}"), start + Duration::from_millis(i as u64));
        }
        assert_eq!(worker.rounds.len(), MAX_ROUNDS);
        let name = ask(&mut worker, "new");
        assert_eq!(worker.rounds.len(), MAX_ROUNDS);
        assert!(worker.rounds.contains_key(&name));
        assert!(!worker.rounds.contains_key("old-0"));
        assert!(worker.rounds.contains_key("old-1"));
    }
}
