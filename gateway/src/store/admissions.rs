//! The terminal's sessions, counted clinic-wide: the 資格確認端末 serves a limited number of
//! requests at once (20), and every desk's gateway sends to the same terminal, so the count
//! lives in the store all desks share.
//!
//! A request first joins a queue (first come, first served across desks), then takes a
//! session once fewer than the limit are taken and nobody who came earlier still waits.
//! Both kinds of row carry an expiry the store enforces: a desk that crashed, or lost its
//! connection, leaves rows that lapse by themselves (a queue place lapses unless renewed by
//! the next poll; a session after the longest exchange could last), so a dead desk can
//! never block the clinic. On SQLite (one PC) the same rules count this desk alone.

use std::time::Duration;

use async_trait::async_trait;

use super::StoreError;

/// What asking for a session gave.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Admission {
    /// A session is this request's until it is released (or `hold` passes).
    Admitted,
    /// Queued; `ahead` requests (any desk's) came earlier and still wait.
    Queued { ahead: u32 },
}

/// How long rows last without being renewed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AdmissionTimes {
    /// An admitted session's lease: longer than any exchange can last.
    pub hold: Duration,
    /// A queue place's lease: several polls long, so only a desk that stopped polling
    /// loses it.
    pub queue_hold: Duration,
}

#[async_trait]
pub trait TerminalAdmissions {
    /// Asks for one of the terminal's `limit` sessions for `ticket` (the request's unique
    /// file suffix). Called again while [`Admission::Queued`], it renews the queue place
    /// and keeps its position.
    async fn admit(
        &self,
        ticket: &str,
        limit: u32,
        times: AdmissionTimes,
    ) -> Result<Admission, StoreError>;

    /// Gives back `ticket`'s session or queue place.
    async fn release(&self, ticket: &str) -> Result<(), StoreError>;
}
