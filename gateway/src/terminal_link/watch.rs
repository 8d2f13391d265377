//! Waiting for the terminal's answer file and reading it only once it is complete.
//!
//! The terminal may write in place rather than through a rename, so a file that exists is
//! not yet a file that is finished: it is read only when its size and time stamp have not
//! changed between two polls, and it is believed only when it parses. A complete-looking
//! file that does not parse gets a time-based grace ([`AnswerWatch::grace`], measured from
//! the last change seen) before it counts as bad: on a slow share a writer may pause in the
//! middle of a file. I/O errors other than "not there" (a sharing violation while the
//! terminal still holds the file, a share that hiccups) are retried until the caller's
//! deadline. A file over [`AnswerWatch::max_bytes`] is refused without being read.

use std::io;
use std::path::Path;
use std::time::{Duration, SystemTime};

use onshi_core::oqs::OqsError;
use tokio::fs;
use tokio::time::Instant;
use tracing::debug;

use super::files;

/// Answers are a few kilobytes; a result with many records stays far below this.
pub const MAX_ANSWER_BYTES: u64 = 1024 * 1024;

/// How an answer file is watched.
#[derive(Debug, Clone, Copy)]
pub struct AnswerWatch {
    /// How often the file is looked at.
    pub poll: Duration,
    /// How long a complete-looking file that does not parse may still be being written,
    /// counted from the last change of its size or time stamp (first sight included).
    pub grace: Duration,
    /// Larger files are refused unread.
    pub max_bytes: u64,
}

/// The answer is there but cannot be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unreadable {
    /// Fixed words ([`OqsError::safe_reason`]): this reaches logs and the API, and the
    /// parser's own text could quote the file.
    pub reason: String,
}

/// What was seen of the file at one poll.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Signature {
    len: u64,
    modified: Option<SystemTime>,
}

/// Polls `path` until it holds a complete file that `parse` accepts.
/// Runs until it succeeds or gives up on the file; the caller bounds it with a deadline.
pub async fn await_parsed<T>(
    path: &Path,
    watch: AnswerWatch,
    parse: impl Fn(&[u8]) -> Result<T, OqsError>,
) -> Result<T, Unreadable> {
    let mut last: Option<Signature> = None;
    let mut changed_at = Instant::now();
    let mut troubled = false;
    loop {
        tokio::time::sleep(watch.poll).await;
        let meta = match fs::metadata(path).await {
            Ok(meta) => meta,
            Err(err) if err.kind() == io::ErrorKind::NotFound => {
                last = None;
                continue;
            }
            Err(err) => {
                transient(&mut troubled, "stat", &err);
                continue;
            }
        };
        if meta.len() > watch.max_bytes {
            return Err(too_large(watch.max_bytes));
        }
        let seen = Signature {
            len: meta.len(),
            modified: meta.modified().ok(),
        };
        if last != Some(seen) {
            last = Some(seen);
            changed_at = Instant::now();
            continue;
        }
        let bytes = match files::read_limited(path, watch.max_bytes).await {
            Ok(Some(bytes)) => bytes,
            Ok(None) => return Err(too_large(watch.max_bytes)),
            Err(err) if err.kind() == io::ErrorKind::NotFound => {
                last = None;
                continue;
            }
            Err(err) => {
                transient(&mut troubled, "read", &err);
                continue;
            }
        };
        if bytes.len() as u64 != seen.len {
            // Changed between stat and read: still being written.
            last = None;
            continue;
        }
        match parse(&bytes) {
            Ok(value) => return Ok(value),
            Err(err) if changed_at.elapsed() >= watch.grace => {
                debug!("the answer does not parse: {err}");
                return Err(Unreadable {
                    reason: err.safe_reason(),
                });
            }
            Err(_) => {}
        }
    }
}

fn too_large(max: u64) -> Unreadable {
    Unreadable {
        reason: format!("it is larger than {max} bytes, far more than any answer"),
    }
}

/// Logged once per wait; the wait goes on until the caller's deadline.
fn transient(troubled: &mut bool, what: &str, err: &io::Error) {
    if !*troubled {
        *troubled = true;
        debug!("cannot {what} the answer file yet ({err}); trying again");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const WATCH: AnswerWatch = AnswerWatch {
        poll: Duration::from_millis(10),
        grace: Duration::from_millis(300),
        max_bytes: 1024,
    };

    fn parse_complete(bytes: &[u8]) -> Result<String, OqsError> {
        let text =
            std::str::from_utf8(bytes).map_err(|_| OqsError::Undecodable { encoding: "UTF-8" })?;
        if text.ends_with("</end>") {
            Ok(text.to_string())
        } else {
            // What a real parser says may quote the file: the reason must not.
            Err(OqsError::WrongRoot {
                found: "見本　花子".to_string(),
            })
        }
    }

    #[tokio::test]
    async fn waits_for_a_file_written_in_two_steps() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("answer.xml");
        let writer_path = path.clone();
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(30)).await;
            std::fs::write(&writer_path, "<start>").unwrap();
            tokio::time::sleep(Duration::from_millis(15)).await;
            std::fs::write(&writer_path, "<start></end>").unwrap();
        });
        let text = tokio::time::timeout(
            Duration::from_secs(5),
            await_parsed(&path, WATCH, parse_complete),
        )
        .await
        .expect("in time")
        .expect("parsed");
        assert_eq!(text, "<start></end>");
    }

    #[tokio::test]
    async fn a_writer_pausing_longer_than_several_polls_is_waited_for() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("answer.xml");
        let writer_path = path.clone();
        let watch = AnswerWatch {
            grace: Duration::from_secs(2),
            ..WATCH
        };
        tokio::spawn(async move {
            std::fs::write(&writer_path, "<start>").unwrap();
            // Twenty polls of a stable, unparsable half file.
            tokio::time::sleep(Duration::from_millis(200)).await;
            std::fs::write(&writer_path, "<start></end>").unwrap();
        });
        let text = tokio::time::timeout(
            Duration::from_secs(10),
            await_parsed(&path, watch, parse_complete),
        )
        .await
        .expect("in time")
        .expect("parsed, not rejected");
        assert_eq!(text, "<start></end>");
    }

    #[tokio::test]
    async fn gives_up_on_a_stable_file_that_never_parses_after_the_grace() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("answer.xml");
        std::fs::write(&path, "garbage").unwrap();
        let started = Instant::now();
        let err = await_parsed(&path, WATCH, parse_complete)
            .await
            .unwrap_err();
        assert_eq!(
            err.reason,
            "the file is not a terminal message (root is not <XmlMsg>)"
        );
        // It gave the writer the whole grace before judging.
        assert!(started.elapsed() >= WATCH.grace);
    }

    #[tokio::test]
    async fn an_oversized_file_is_refused_unread() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("answer.xml");
        std::fs::write(&path, vec![b'x'; 2048]).unwrap();
        let err = await_parsed(&path, WATCH, |_: &[u8]| -> Result<(), OqsError> {
            panic!("an oversized file must not be parsed")
        })
        .await
        .unwrap_err();
        assert!(
            err.reason.contains("larger than 1024 bytes"),
            "{}",
            err.reason
        );
    }

    #[cfg(unix)]
    #[tokio::test]
    async fn an_unreadable_file_is_retried_until_it_can_be_read() {
        use std::os::unix::fs::PermissionsExt;
        // Root reads anything: the lock-out below would not hold.
        let probe = tempfile::tempdir().unwrap();
        let probe_file = probe.path().join("p");
        std::fs::write(&probe_file, "x").unwrap();
        std::fs::set_permissions(&probe_file, std::fs::Permissions::from_mode(0o000)).unwrap();
        let root = std::fs::read(&probe_file).is_ok();

        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("answer.xml");
        std::fs::write(&path, "<start></end>").unwrap();
        if !root {
            // Like a sharing violation: there, but not readable for a while.
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o000)).unwrap();
        }
        let writer_path = path.clone();
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(500)).await;
            std::fs::set_permissions(&writer_path, std::fs::Permissions::from_mode(0o644)).unwrap();
        });
        let text = tokio::time::timeout(
            Duration::from_secs(10),
            await_parsed(&path, WATCH, parse_complete),
        )
        .await
        .expect("in time")
        .expect("read once readable");
        assert_eq!(text, "<start></end>");
    }
}
