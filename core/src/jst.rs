//! Japan time (JST, UTC+09:00) from a Unix timestamp.
//!
//! The terminal, the national system and a clinic's "today" (資格確認日, the upper bound of a
//! birthdate) all mean the Japanese date, whatever the zone of the PC the browser or the
//! gateway runs on. Japan has no daylight saving time, so a fixed offset is exact. Callers
//! read the clock themselves (`SystemTime` natively, `Date.now()` in the browser) and pass
//! the seconds in, which keeps this module free of I/O and testable.

use time::{Date, OffsetDateTime, PrimitiveDateTime, UtcOffset};

const JST_OFFSET_SECONDS: i32 = 9 * 3600;

/// The JST wall-clock time of `unix_seconds`. Out-of-range input clamps to the epoch.
pub fn at(unix_seconds: i64) -> PrimitiveDateTime {
    let utc =
        OffsetDateTime::from_unix_timestamp(unix_seconds).unwrap_or(OffsetDateTime::UNIX_EPOCH);
    let jst =
        utc.to_offset(UtcOffset::from_whole_seconds(JST_OFFSET_SECONDS).unwrap_or(UtcOffset::UTC));
    PrimitiveDateTime::new(jst.date(), jst.time())
}

/// `yyyyMMdd`, the terminal's date form.
pub fn ymd(date: Date) -> String {
    format!(
        "{:04}{:02}{:02}",
        date.year(),
        u8::from(date.month()),
        date.day()
    )
}

/// `yyyyMMddHHmmss`, the terminal's timestamp form.
pub fn ymdhms(at: PrimitiveDateTime) -> String {
    format!(
        "{}{:02}{:02}{:02}",
        ymd(at.date()),
        at.hour(),
        at.minute(),
        at.second()
    )
}

/// The Japanese date of `unix_seconds` as `yyyyMMdd`: "today" for validation.
pub fn today(unix_seconds: i64) -> String {
    ymd(at(unix_seconds).date())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utc_evening_is_already_tomorrow_in_japan() {
        // 2026-11-24T15:00:00Z is midnight of the 25th in Japan.
        assert_eq!(today(1_795_532_400), "20261125");
        assert_eq!(today(1_795_532_399), "20261124");
    }

    #[test]
    fn timestamps_are_fixed_width() {
        assert_eq!(ymdhms(at(1_795_532_400 + 9 * 60 + 5)), "20261125000905");
        assert_eq!(today(i64::MAX), "19700101");
    }
}
