//! Waiting for the terminal's answer file and reading it only once it is complete.
//!
//! The terminal may write in place rather than through a rename, so a file that exists is
//! not yet a file that is finished: it is read only when its size has not changed between
//! two polls, and it is believed only when it parses.

use std::fmt::Display;
use std::io;
use std::path::Path;
use std::time::Duration;

use tokio::fs;

/// How many polls a stable file may fail to parse before it counts as bad rather than
/// half-written (a writer may create the file and pause before filling it).
const PARSE_ATTEMPTS: u32 = 3;

/// The answer is there but cannot be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unreadable {
    pub reason: String,
}

/// Polls `path` every `poll` until it holds a complete file that `parse` accepts.
/// Runs until it succeeds or gives up on the file; the caller bounds it with a deadline.
pub async fn await_parsed<T, E: Display>(
    path: &Path,
    poll: Duration,
    parse: impl Fn(&[u8]) -> Result<T, E>,
) -> Result<T, Unreadable> {
    let mut last_size: Option<u64> = None;
    let mut failures = 0;
    loop {
        tokio::time::sleep(poll).await;
        let size = match fs::metadata(path).await {
            Ok(meta) => meta.len(),
            Err(err) if err.kind() == io::ErrorKind::NotFound => {
                last_size = None;
                continue;
            }
            Err(err) => return Err(unreadable(format!("cannot stat the file: {err}"))),
        };
        if last_size != Some(size) {
            last_size = Some(size);
            failures = 0;
            continue;
        }
        let bytes = match fs::read(path).await {
            Ok(bytes) => bytes,
            Err(err) if err.kind() == io::ErrorKind::NotFound => {
                last_size = None;
                continue;
            }
            Err(err) => return Err(unreadable(format!("cannot read the file: {err}"))),
        };
        if bytes.len() as u64 != size {
            // Grew between stat and read: still being written.
            last_size = Some(bytes.len() as u64);
            continue;
        }
        match parse(&bytes) {
            Ok(value) => return Ok(value),
            Err(err) => {
                failures += 1;
                if failures >= PARSE_ATTEMPTS {
                    return Err(unreadable(err.to_string()));
                }
            }
        }
    }
}

fn unreadable(reason: String) -> Unreadable {
    Unreadable { reason }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Instant;

    const POLL: Duration = Duration::from_millis(10);

    fn parse_complete(bytes: &[u8]) -> Result<String, String> {
        let text = std::str::from_utf8(bytes).map_err(|e| e.to_string())?;
        if text.ends_with("</end>") {
            Ok(text.to_string())
        } else {
            Err("incomplete".to_string())
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
            await_parsed(&path, POLL, parse_complete),
        )
        .await
        .expect("in time")
        .expect("parsed");
        assert_eq!(text, "<start></end>");
    }

    #[tokio::test]
    async fn gives_up_on_a_stable_file_that_never_parses() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("answer.xml");
        std::fs::write(&path, "garbage").unwrap();
        let started = Instant::now();
        let err = await_parsed(&path, POLL, parse_complete).await.unwrap_err();
        assert_eq!(err.reason, "incomplete");
        // It gave the writer a few polls before judging.
        assert!(started.elapsed() >= POLL * PARSE_ATTEMPTS);
    }
}
