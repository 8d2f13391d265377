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

/// The Unix seconds of a terminal timestamp `yyyyMMddHHmmss` read as JST (a consent's
/// `ConsTime` or `AvailableTime`); `None` unless it is exactly 14 ASCII digits naming a
/// real date and time.
pub fn parse_ymdhms(text: &str) -> Option<i64> {
    let text = text.trim();
    if text.len() != 14 || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let field = |range: std::ops::Range<usize>| text[range].parse::<u32>().ok();
    let year = i32::try_from(field(0..4)?).ok()?;
    let month = time::Month::try_from(u8::try_from(field(4..6)?).ok()?).ok()?;
    let day = u8::try_from(field(6..8)?).ok()?;
    let date = Date::from_calendar_date(year, month, day).ok()?;
    let clock = time::Time::from_hms(
        u8::try_from(field(8..10)?).ok()?,
        u8::try_from(field(10..12)?).ok()?,
        u8::try_from(field(12..14)?).ok()?,
    )
    .ok()?;
    let offset = UtcOffset::from_whole_seconds(JST_OFFSET_SECONDS).ok()?;
    Some(
        PrimitiveDateTime::new(date, clock)
            .assume_offset(offset)
            .unix_timestamp(),
    )
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

    #[test]
    fn terminal_timestamps_read_back_as_japan_time() {
        // Midnight of 2026-11-25 in Japan is 15:00 UTC the day before.
        assert_eq!(parse_ymdhms("20261125000000"), Some(1_795_532_400));
        let t = 1_795_532_400 + 9 * 60 + 5;
        assert_eq!(parse_ymdhms(&ymdhms(at(t))), Some(t));
        for bad in [
            "2026112500000",
            "202611250000000",
            "2026112500000a",
            "20261131000000",
            "20261125240000",
            "20261325000000",
            "",
        ] {
            assert_eq!(parse_ymdhms(bad), None, "{bad}");
        }
    }
}
