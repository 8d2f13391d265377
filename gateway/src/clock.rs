//! Wall-clock values the terminal exchange needs, in Japan time.
//!
//! The terminal and the national system work in JST, and a clinic's "today" (資格確認日,
//! the upper bound of a birthdate) is the Japanese date. A fixed +09:00 offset is used
//! rather than the host's zone: Japan has no daylight saving time, and reading the local
//! offset is unreliable in a multi-threaded process.

use time::macros::{format_description, offset};
use time::OffsetDateTime;

/// Now, in JST.
pub fn now_jst() -> OffsetDateTime {
    OffsetDateTime::now_utc().to_offset(offset!(+9))
}

/// `yyyyMMdd`.
pub fn yyyymmdd(at: OffsetDateTime) -> String {
    at.format(format_description!("[year][month][day]"))
        .unwrap_or_default()
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
    fn utc_evening_is_next_day_in_japan() {
        let at = datetime!(2026-11-24 16:30:05 UTC).to_offset(offset!(+9));
        assert_eq!(yyyymmdd(at), "20261125");
        assert_eq!(file_stamp(at), "20261125_013005");
    }
}
