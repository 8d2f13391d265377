//! Wall-clock values the terminal exchange needs, in Japan time.
//!
//! The terminal and the national system work in JST, and a clinic's "today" (資格確認日,
//! the upper bound of a birthdate) is the Japanese date. A fixed +09:00 offset is used
//! rather than the host's zone: Japan has no daylight saving time, and reading the local
//! offset is unreliable in a multi-threaded process.

use std::fmt;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

use time::macros::{format_description, offset};
use time::OffsetDateTime;

/// The gateway's clock for consents (when one is given, until when it allows viewing,
/// where it stands now): the system clock, or in tests a [`ManualClock`], so a 24-hour
/// expiry can be checked without waiting a day.
#[derive(Clone, Default)]
pub struct Clock(Option<ManualClock>);

impl Clock {
    /// The system clock.
    pub fn system() -> Self {
        Self(None)
    }

    /// A clock that reads `manual` (tests).
    pub fn manual(manual: &ManualClock) -> Self {
        Self(Some(manual.clone()))
    }

    /// Now, in Unix seconds.
    pub fn unix_seconds(&self) -> i64 {
        match &self.0 {
            Some(manual) => manual.get(),
            None => OffsetDateTime::now_utc().unix_timestamp(),
        }
    }
}

impl fmt::Debug for Clock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            Some(manual) => write!(f, "Clock::manual({})", manual.get()),
            None => f.write_str("Clock::system"),
        }
    }
}

/// A clock that stands still until it is set or advanced; shared by its clones.
#[derive(Debug, Clone)]
pub struct ManualClock(Arc<AtomicI64>);

impl ManualClock {
    /// Starts at `unix_seconds`.
    pub fn at(unix_seconds: i64) -> Self {
        Self(Arc::new(AtomicI64::new(unix_seconds)))
    }

    pub fn get(&self) -> i64 {
        self.0.load(Ordering::SeqCst)
    }

    pub fn set(&self, unix_seconds: i64) {
        self.0.store(unix_seconds, Ordering::SeqCst);
    }

    pub fn advance(&self, seconds: i64) {
        self.0.fetch_add(seconds, Ordering::SeqCst);
    }
}

/// Now, in JST.
pub fn now_jst() -> OffsetDateTime {
    OffsetDateTime::now_utc().to_offset(offset!(+9))
}

/// `yyyyMMdd`.
pub fn yyyymmdd(at: OffsetDateTime) -> String {
    at.format(format_description!("[year][month][day]"))
        .unwrap_or_default()
}

/// RFC 3339 with milliseconds and the +09:00 offset, always the same width, so that
/// stored times compare correctly as text: `2026-11-25T08:30:11.123+09:00`.
pub fn rfc3339(at: OffsetDateTime) -> String {
    at.to_offset(offset!(+9))
        .format(format_description!(
            "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3][offset_hour sign:mandatory]:[offset_minute]"
        ))
        .unwrap_or_default()
}

/// Midnight (JST) of the day `at` falls on, as [`rfc3339`]: where a clinic's "today" begins.
pub fn start_of_day(at: OffsetDateTime) -> String {
    rfc3339(at.to_offset(offset!(+9)).replace_time(time::Time::MIDNIGHT))
}

/// `yyyyMMdd_HHmmss`, the time part of a request file suffix.
pub fn file_stamp(at: OffsetDateTime) -> String {
    at.format(format_description!(
        "[year][month][day]_[hour][minute][second]"
    ))
    .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn a_manual_clock_moves_only_when_told() {
        let manual = ManualClock::at(1_795_532_400);
        let clock = Clock::manual(&manual);
        assert_eq!(clock.unix_seconds(), 1_795_532_400);
        manual.advance(86_400);
        assert_eq!(clock.clone().unix_seconds(), 1_795_618_800);
        let system = Clock::default().unix_seconds();
        assert!((system - OffsetDateTime::now_utc().unix_timestamp()).abs() < 5);
    }

    #[test]
    fn utc_evening_is_next_day_in_japan() {
        let at = datetime!(2026-11-24 16:30:05 UTC).to_offset(offset!(+9));
        assert_eq!(yyyymmdd(at), "20261125");
        assert_eq!(file_stamp(at), "20261125_013005");
    }

    #[test]
    fn stored_times_are_fixed_width_japan_time() {
        let at = datetime!(2026-11-24 23:30:11.5 UTC);
        assert_eq!(rfc3339(at), "2026-11-25T08:30:11.500+09:00");
        assert_eq!(start_of_day(at), "2026-11-25T00:00:00.000+09:00");
        let early = datetime!(2026-11-24 15:00:00 UTC);
        assert_eq!(start_of_day(early), "2026-11-25T00:00:00.000+09:00");
    }
}
