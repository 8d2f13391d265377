//! What the gateway logs in this test binary, captured in memory so a test can search it.

use std::io::Write;
use std::sync::{Arc, Mutex, OnceLock};

static LOGS: OnceLock<Arc<Mutex<Vec<u8>>>> = OnceLock::new();

/// Starts capturing everything logged at `filter` (an env-filter directive), once per test
/// binary: later calls keep the first filter.
pub fn capture(filter: &str) {
    LOGS.get_or_init(|| {
        let buffer = Arc::new(Mutex::new(Vec::new()));
        let sink = Arc::clone(&buffer);
        let _ = tracing_subscriber::fmt()
            .with_env_filter(filter)
            .with_ansi(false)
            .without_time()
            .with_writer(move || Capture(Arc::clone(&sink)))
            .try_init();
        buffer
    });
}

/// Everything captured so far (nothing before [`capture`]).
pub fn text() -> String {
    LOGS.get()
        .map(|logs| String::from_utf8_lossy(&logs.lock().unwrap()).into_owned())
        .unwrap_or_default()
}

struct Capture(Arc<Mutex<Vec<u8>>>);

impl Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}
