//! How the simulated terminal behaves: per person (fault injection) and as a whole.

use std::time::Duration;

use serde::{Deserialize, Serialize};

/// How the terminal treats a request for one person. Faults are tied to dedicated sample
/// people so a demo or a test can provoke each one by typing that person's card.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Behaviour {
    /// Answers after the configured latency.
    #[default]
    Normal,
    /// Consumes the request and never answers (the gateway must time out).
    NoAnswer,
    /// Answers 処理中 (SegmentOfResult 2) to the first rounds of the same file name.
    InProgressThenAnswer,
    /// Writes a truncated XML file.
    Malformed,
    /// Answers in Shift_JIS (CharacterCodeIdentifier 1).
    ShiftJis,
}

/// Settings of the simulated terminal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TerminalConfig {
    /// Time from picking up a request to writing its answer.
    pub latency: Duration,
    /// How often the `req` folder is scanned.
    pub poll_interval: Duration,
    /// How many times a [`Behaviour::InProgressThenAnswer`] request is answered 処理中.
    pub in_progress_rounds: u32,
    /// 医療機関コード the terminal answers for when a request carries none.
    pub institution_code: String,
}

impl Default for TerminalConfig {
    fn default() -> Self {
        Self {
            latency: Duration::from_millis(300),
            poll_interval: Duration::from_millis(50),
            in_progress_rounds: 1,
            institution_code: "1319999999".to_string(),
        }
    }
}
