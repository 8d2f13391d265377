//! Japanese era (和暦) rendering of dates, and the small calendar checks behind it.
//!
//! OQS carries dates as `yyyyMMdd` and times as `yyyyMMddHHmmss`; cards print birthdates
//! in 和暦, so the receptionist compares more easily against "昭和53年2月14日".

use crate::card_number::normalize;
use crate::codes::Lang;

/// A calendar date checked to exist (proleptic Gregorian, year 1–9999).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Ymd {
    pub year: u32,
    pub month: u32,
    pub day: u32,
}

impl Ymd {
    /// The date if it exists (e.g. 2024-02-29 does, 2023-02-29 does not).
    pub fn new(year: u32, month: u32, day: u32) -> Option<Self> {
        let valid = (1..=9999).contains(&year)
            && (1..=12).contains(&month)
            && day >= 1
            && day <= days_in_month(year, month);
        valid.then_some(Self { year, month, day })
    }

    /// Parses exactly eight ASCII digits, `yyyyMMdd` (surrounding spaces allowed, as the
    /// terminal sometimes pads fields).
    pub fn parse_compact(yyyymmdd: &str) -> Option<Self> {
        let s = yyyymmdd.trim();
        if s.len() != 8 || !s.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        Self::new(
            s[..4].parse().ok()?,
            s[4..6].parse().ok()?,
            s[6..].parse().ok()?,
        )
    }

    /// `yyyyMMdd`.
    pub fn compact(&self) -> String {
        format!("{:04}{:02}{:02}", self.year, self.month, self.day)
    }
}

fn is_leap(year: u32) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

fn days_in_month(year: u32, month: u32) -> u32 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// A Japanese era: its name, the initial used in forms (S53.2.14) and its first day.
#[derive(Debug, Clone, Copy)]
struct Era {
    name: &'static str,
    initial: char,
    start: Ymd,
}

const fn era(name: &'static str, initial: char, year: u32, month: u32, day: u32) -> Era {
    Era {
        name,
        initial,
        start: Ymd { year, month, day },
    }
}

/// Newest first, so the first era that started on or before a date is its era.
const ERAS: [Era; 5] = [
    era("令和", 'R', 2019, 5, 1),
    era("平成", 'H', 1989, 1, 8),
    era("昭和", 'S', 1926, 12, 25),
    era("大正", 'T', 1912, 7, 30),
    era("明治", 'M', 1868, 1, 25),
];

/// Year 1 of 明治. Dates of 1868 before the proclamation are still shown as 明治元年,
/// the usual convention for register data (the era was applied to the whole year).
const MEIJI_FIRST_YEAR: u32 = 1868;

/// The era and the year within it, or `None` before 1868.
fn era_of(date: Ymd) -> Option<(Era, u32)> {
    let era = ERAS
        .iter()
        .find(|era| date >= era.start)
        .or_else(|| (date.year >= MEIJI_FIRST_YEAR).then_some(&ERAS[ERAS.len() - 1]))?;
    Some((*era, date.year - era.start.year + 1))
}

/// `yyyyMMdd` as 和暦, e.g. "昭和53年2月14日"; the first year of an era is 元年
/// ("令和元年5月1日"). `None` for a malformed date or one before 1868.
pub fn to_wareki(yyyymmdd: &str) -> Option<String> {
    let date = Ymd::parse_compact(yyyymmdd)?;
    let (era, year) = era_of(date)?;
    let year = if year == 1 {
        "元".to_string()
    } else {
        year.to_string()
    };
    Some(format!(
        "{}{year}年{}月{}日",
        era.name, date.month, date.day
    ))
}

/// Reads a 和暦 date as typed from a card: "昭和53年2月14日", "平成元年1月8日",
/// "S53.2.14", "h1/1/8", "S530214" (full-width accepted). The date must lie inside the
/// named era, so "平成31年5月1日" (already 令和) is refused rather than guessed.
pub fn from_wareki(input: &str) -> Option<Ymd> {
    let s = normalize(input);
    let (era, rest) = ERAS.iter().find_map(|era| {
        let rest = s
            .strip_prefix(era.name)
            .or_else(|| s.strip_prefix(era.initial))
            .or_else(|| s.strip_prefix(era.initial.to_ascii_lowercase()))?;
        Some((era, rest.trim_start()))
    })?;
    let (year, month, day) = if rest.len() == 6 && rest.bytes().all(|b| b.is_ascii_digit()) {
        (&rest[..2], &rest[2..4], &rest[4..])
    } else {
        let rest = rest.strip_suffix('日').unwrap_or(rest);
        let mut parts = rest.split(['年', '月', '.', '/', '-']);
        let fields = (parts.next()?, parts.next()?, parts.next()?);
        if parts.next().is_some() {
            return None;
        }
        fields
    };
    let small = |p: &str| {
        ((1..=2).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_digit()))
            .then(|| p.parse::<u32>().ok())
            .flatten()
    };
    let era_year = if year == "元" { 1 } else { small(year)? };
    let date = Ymd::new(era.start.year + era_year - 1, small(month)?, small(day)?)?;
    let (found, found_year) = era_of(date)?;
    (found.name == era.name && found_year == era_year).then_some(date)
}

/// `yyyyMMdd` in the Western calendar: "1978年2月14日" (ja) or "1978-02-14" (en).
pub fn format_western(yyyymmdd: &str, lang: Lang) -> Option<String> {
    let d = Ymd::parse_compact(yyyymmdd)?;
    Some(match lang {
        Lang::Ja => format!("{}年{}月{}日", d.year, d.month, d.day),
        Lang::En => format!("{:04}-{:02}-{:02}", d.year, d.month, d.day),
    })
}

/// `yyyyMMddHHmmss` as "2026-11-25 09:15" (seconds are noise at the reception desk).
pub fn format_timestamp(yyyymmddhhmmss: &str) -> Option<String> {
    let s = yyyymmddhhmmss.trim();
    if s.len() != 14 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let date = Ymd::parse_compact(&s[..8])?;
    let field = |range: std::ops::Range<usize>| s[range].parse::<u32>().ok();
    let (hour, minute, second) = (field(8..10)?, field(10..12)?, field(12..14)?);
    if hour > 23 || minute > 59 || second > 59 {
        return None;
    }
    Some(format!(
        "{:04}-{:02}-{:02} {hour:02}:{minute:02}",
        date.year, date.month, date.day
    ))
}

/// Completed years on `today`; the age goes up on the birthday itself (someone born on
/// 29 February turns a year older on 1 March in common years). `None` for malformed
/// dates or a birth after `today`.
pub fn age_on(birth_yyyymmdd: &str, today_yyyymmdd: &str) -> Option<u32> {
    let birth = Ymd::parse_compact(birth_yyyymmdd)?;
    let today = Ymd::parse_compact(today_yyyymmdd)?;
    if birth > today {
        return None;
    }
    let before_birthday = (today.month, today.day) < (birth.month, birth.day);
    Some(today.year - birth.year - u32::from(before_birthday))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ymd_checks_leap_years() {
        assert!(Ymd::new(2024, 2, 29).is_some());
        assert!(Ymd::new(2000, 2, 29).is_some());
        assert!(Ymd::new(1900, 2, 29).is_none());
        assert!(Ymd::new(2023, 2, 29).is_none());
        assert!(Ymd::new(2023, 4, 31).is_none());
        assert!(Ymd::new(2023, 13, 1).is_none());
        assert!(Ymd::new(2023, 1, 0).is_none());
    }

    #[test]
    fn parse_compact_requires_eight_digits() {
        assert_eq!(
            Ymd::parse_compact("19780214"),
            Some(Ymd {
                year: 1978,
                month: 2,
                day: 14
            })
        );
        assert_eq!(
            Ymd::parse_compact(" 19780214 ").unwrap().compact(),
            "19780214"
        );
        assert_eq!(Ymd::parse_compact("1978-02-14"), None);
        assert_eq!(Ymd::parse_compact("1978021"), None);
        assert_eq!(Ymd::parse_compact("+1978021"), None);
        assert_eq!(Ymd::parse_compact(""), None);
    }

    #[test]
    fn wareki_examples() {
        assert_eq!(to_wareki("19780214").as_deref(), Some("昭和53年2月14日"));
        assert_eq!(to_wareki("20260101").as_deref(), Some("令和8年1月1日"));
        assert_eq!(to_wareki("19450815").as_deref(), Some("昭和20年8月15日"));
    }

    #[test]
    fn wareki_era_boundaries() {
        assert_eq!(to_wareki("19890107").as_deref(), Some("昭和64年1月7日"));
        assert_eq!(to_wareki("19890108").as_deref(), Some("平成元年1月8日"));
        assert_eq!(to_wareki("20190430").as_deref(), Some("平成31年4月30日"));
        assert_eq!(to_wareki("20190501").as_deref(), Some("令和元年5月1日"));
        assert_eq!(to_wareki("19261224").as_deref(), Some("大正15年12月24日"));
        assert_eq!(to_wareki("19261225").as_deref(), Some("昭和元年12月25日"));
        assert_eq!(to_wareki("19120729").as_deref(), Some("明治45年7月29日"));
        assert_eq!(to_wareki("19120730").as_deref(), Some("大正元年7月30日"));
    }

    #[test]
    fn wareki_early_1868_is_meiji_and_earlier_is_none() {
        assert_eq!(to_wareki("18680101").as_deref(), Some("明治元年1月1日"));
        assert_eq!(to_wareki("18680125").as_deref(), Some("明治元年1月25日"));
        assert_eq!(to_wareki("18691231").as_deref(), Some("明治2年12月31日"));
        assert_eq!(to_wareki("18671231"), None);
    }

    #[test]
    fn wareki_rejects_invalid_dates() {
        assert_eq!(to_wareki("20230229"), None);
        assert_eq!(to_wareki("2023-02-01"), None);
        assert_eq!(to_wareki("20240229").as_deref(), Some("令和6年2月29日"));
    }

    #[test]
    fn reads_wareki_as_typed() {
        let feb14 = Ymd::new(1978, 2, 14);
        for typed in [
            "昭和53年2月14日",
            "昭和５３年０２月１４日",
            "S53.2.14",
            "s53/02/14",
            "Ｓ５３－２－１４",
            "S530214",
            " 昭和 53年2月14日 ",
        ] {
            assert_eq!(from_wareki(typed), feb14, "{typed}");
        }
        assert_eq!(from_wareki("平成元年1月8日"), Ymd::new(1989, 1, 8));
        assert_eq!(from_wareki("R1.5.1"), Ymd::new(2019, 5, 1));
        assert_eq!(from_wareki("明治元年1月1日"), Ymd::new(1868, 1, 1));
    }

    #[test]
    fn wareki_outside_its_era_is_refused() {
        assert_eq!(from_wareki("平成31年5月1日"), None);
        assert_eq!(from_wareki("昭和64年1月8日"), None);
        assert_eq!(from_wareki("平成元年1月7日"), None);
        assert_eq!(from_wareki("令和0年5月1日"), None);
        assert_eq!(from_wareki("昭和53年2月30日"), None);
        assert_eq!(from_wareki("X53.2.14"), None);
        assert_eq!(from_wareki("S53.2"), None);
        assert_eq!(from_wareki("S53.2.14.1"), None);
        assert_eq!(from_wareki("S123.2.14"), None);
        assert_eq!(from_wareki(""), None);
    }

    #[test]
    fn wareki_round_trips_across_boundaries() {
        for compact in ["19890107", "19890108", "20190430", "20190501", "19261225"] {
            let shown = to_wareki(compact).unwrap();
            assert_eq!(
                from_wareki(&shown).map(|d| d.compact()).as_deref(),
                Some(compact)
            );
        }
    }

    #[test]
    fn western_formats() {
        assert_eq!(
            format_western("19780214", Lang::Ja).as_deref(),
            Some("1978年2月14日")
        );
        assert_eq!(
            format_western("19780214", Lang::En).as_deref(),
            Some("1978-02-14")
        );
        assert_eq!(format_western("19781314", Lang::En), None);
    }

    #[test]
    fn timestamps() {
        assert_eq!(
            format_timestamp("20261125091500").as_deref(),
            Some("2026-11-25 09:15")
        );
        assert_eq!(
            format_timestamp("20261125235959").as_deref(),
            Some("2026-11-25 23:59")
        );
        assert_eq!(format_timestamp("20261125241500"), None);
        assert_eq!(format_timestamp("20261125096000"), None);
        assert_eq!(format_timestamp("202611250915"), None);
        assert_eq!(format_timestamp("20260230091500"), None);
    }

    #[test]
    fn ages() {
        assert_eq!(age_on("19780214", "20261125"), Some(48));
        assert_eq!(age_on("19780214", "20260213"), Some(47));
        assert_eq!(age_on("19780214", "20260214"), Some(48));
        assert_eq!(age_on("20261125", "20261125"), Some(0));
        assert_eq!(age_on("20261126", "20261125"), None);
        assert_eq!(age_on("2026112", "20261125"), None);
    }

    #[test]
    fn leap_day_birthdays_age_on_first_of_march() {
        assert_eq!(age_on("20000229", "20230228"), Some(22));
        assert_eq!(age_on("20000229", "20230301"), Some(23));
        assert_eq!(age_on("20000229", "20240229"), Some(24));
    }
}
