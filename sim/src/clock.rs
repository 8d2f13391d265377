//! Dates as the terminal writes them, and the clock the simulator answers by.
//!
//! The terminal lives in Japan, so "today" is the date in JST whatever the host's zone.
//! Reading the clock is the only platform-specific part: wasm32 has no `SystemTime`.

use time::{Date, Duration, Month, PrimitiveDateTime};

use onshi_core::jst;
/// `yyyyMMdd` and `yyyyMMddHHmmss`, the terminal's date and timestamp forms: core's, so the
/// simulator writes exactly what the gateway and the component read.
pub use onshi_core::jst::{ymd, ymdhms};

/// The current date and time in Japan ([`jst::at`] of the platform clock).
pub fn now_jst() -> PrimitiveDateTime {
    jst::at(unix_seconds())
}

/// Today's date in Japan.
pub fn today_jst() -> Date {
    now_jst().date()
}

#[cfg(not(target_arch = "wasm32"))]
fn unix_seconds() -> i64 {
    use std::time::{SystemTime, UNIX_EPOCH};
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

#[cfg(target_arch = "wasm32")]
fn unix_seconds() -> i64 {
    (js_sys::Date::now() / 1000.0) as i64
}

/// `YYYY-MM-DD`, the form a receptionist types.
pub fn iso(date: Date) -> String {
    format!(
        "{:04}-{:02}-{:02}",
        date.year(),
        u8::from(date.month()),
        date.day()
    )
}

/// A calendar date, with 29 February falling back to the 28th in common years so that
/// "the same day N years earlier" always exists.
pub fn date(year: i32, month: u8, day: u8) -> Date {
    let month = Month::try_from(month.clamp(1, 12)).unwrap_or(Month::January);
    let last = month.length(year);
    Date::from_calendar_date(year, month, day.clamp(1, last)).unwrap_or(Date::MIN)
}

/// The same calendar day `years` years later (earlier when negative).
pub fn add_years(from: Date, years: i32) -> Date {
    date(from.year() + years, u8::from(from.month()), from.day())
}

/// `days` days later (earlier when negative), saturating at the calendar's ends.
pub fn add_days(from: Date, days: i64) -> Date {
    from.saturating_add(Duration::days(days))
}

/// Completed years of life on `on` for someone born on `birth`.
pub fn age_on(birth: Date, on: Date) -> i32 {
    let mut age = on.year() - birth.year();
    if (u8::from(on.month()), on.day()) < (u8::from(birth.month()), birth.day()) {
        age -= 1;
    }
    age
}

/// The end of the certificate year (31 July) that contains `on`: 高齢受給者証, 限度額 and
/// 後期 cards are renewed every August.
pub fn certificate_year_end(on: Date) -> Date {
    let end = date(on.year(), 7, 31);
    if on <= end {
        end
    } else {
        date(on.year() + 1, 7, 31)
    }
}

/// The first day (1 August) of the certificate year that contains `on`.
pub fn certificate_year_start(on: Date) -> Date {
    add_days(add_years(certificate_year_end(on), -1), 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_dates_the_terminal_way() {
        let d = date(2026, 3, 5);
        assert_eq!(ymd(d), "20260305");
        assert_eq!(iso(d), "2026-03-05");
        let at = PrimitiveDateTime::new(d, time::Time::from_hms(9, 7, 2).unwrap());
        assert_eq!(ymdhms(at), "20260305090702");
    }

    #[test]
    fn leap_day_falls_back_in_common_years() {
        assert_eq!(add_years(date(2024, 2, 29), 1), date(2025, 2, 28));
        assert_eq!(date(2026, 13, 40), date(2026, 12, 31));
    }

    #[test]
    fn age_counts_completed_years() {
        let birth = date(1950, 6, 15);
        assert_eq!(age_on(birth, date(2026, 6, 14)), 75);
        assert_eq!(age_on(birth, date(2026, 6, 15)), 76);
    }

    #[test]
    fn certificate_year_runs_august_to_july() {
        assert_eq!(certificate_year_end(date(2026, 7, 31)), date(2026, 7, 31));
        assert_eq!(certificate_year_end(date(2026, 8, 1)), date(2027, 7, 31));
        assert_eq!(certificate_year_start(date(2026, 11, 25)), date(2026, 8, 1));
        assert_eq!(certificate_year_start(date(2026, 3, 1)), date(2025, 8, 1));
    }

    #[test]
    fn clock_reads_a_plausible_date() {
        assert!(today_jst().year() >= 2024);
    }
}
