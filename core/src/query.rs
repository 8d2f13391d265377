//! Validation of a reception query (insurance card / 資格確認書), shared by the form in the
//! browser and the gateway, so both give the same verdict on the same input.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::api::QualificationQuery;
use crate::card_number::{self, CardFieldError};
use crate::codes::Lang;
use crate::insurer::{late_elderly_insured_number_ok, InsurerNumber, InsurerNumberError};
use crate::wareki::{self, Ymd};

/// JSON field names of [`QualificationQuery`], the keys of [`QueryProblems::fields`].
pub const FIELD_INSURER_NUMBER: &str = "insurer_number";
pub const FIELD_SYMBOL: &str = "symbol";
pub const FIELD_NUMBER: &str = "number";
pub const FIELD_BRANCH: &str = "branch";
pub const FIELD_BIRTHDATE: &str = "birthdate";

/// No one alive was born before 明治; earlier dates are typing slips (and have no 和暦 here).
pub const EARLIEST_BIRTHDATE: Ymd = Ymd {
    year: 1868,
    month: 1,
    day: 1,
};

/// What is wrong with one field. Serialized as its snake_case name in API errors.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldProblem {
    Required,
    TooLong,
    Format,
    /// Shape is fine but the check digit does not match: a warning the user may override.
    CheckDigit,
    /// Not a real calendar date, or in the future.
    Date,
}

impl FieldProblem {
    /// The snake_case name used in API error bodies.
    pub fn code(self) -> &'static str {
        match self {
            Self::Required => "required",
            Self::TooLong => "too_long",
            Self::Format => "format",
            Self::CheckDigit => "check_digit",
            Self::Date => "date",
        }
    }
}

/// A query that passed validation, normalised for the wire.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidQuery {
    pub insurer: InsurerNumber,
    /// NFKC half-width, trimmed; may be empty (後期高齢 has no 記号).
    pub symbol: String,
    pub number: String,
    /// Two digits, or empty when the card has none (never invented as "00").
    pub branch: String,
    /// `yyyyMMdd`.
    pub birthdate: String,
    /// See [`QualificationQuery::limit_consent`].
    pub limit_consent: bool,
}

/// Problems per field, keyed by the JSON field name of [`QualificationQuery`].
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct QueryProblems {
    pub fields: BTreeMap<String, FieldProblem>,
}

impl QueryProblems {
    /// True when the only problems are check digits, which the user may override.
    pub fn only_check_digits(&self) -> bool {
        !self.fields.is_empty() && self.fields.values().all(|p| *p == FieldProblem::CheckDigit)
    }

    fn add(&mut self, field: &str, problem: FieldProblem) {
        self.fields.insert(field.to_string(), problem);
    }
}

fn card_problem(error: CardFieldError) -> FieldProblem {
    match error {
        CardFieldError::Required => FieldProblem::Required,
        CardFieldError::TooLong { .. } => FieldProblem::TooLong,
        CardFieldError::BadCharacter(_) | CardFieldError::BranchFormat => FieldProblem::Format,
    }
}

fn insurer_problem(error: InsurerNumberError) -> FieldProblem {
    match error {
        InsurerNumberError::Empty => FieldProblem::Required,
        InsurerNumberError::NotDigits(_) | InsurerNumberError::WrongLength(_) => {
            FieldProblem::Format
        }
    }
}

/// Validates and normalises a query. `today` (`yyyyMMdd`) bounds the birthdate.
/// With `query.override_check_digit`, check-digit problems are not reported.
///
/// Every field is checked, so the form can mark all problems at once.
pub fn validate(query: &QualificationQuery, today: &str) -> Result<ValidQuery, QueryProblems> {
    let mut problems = QueryProblems::default();
    let check_digits = !query.override_check_digit;

    let insurer = InsurerNumber::parse(&query.insurer_number)
        .map_err(|e| problems.add(FIELD_INSURER_NUMBER, insurer_problem(e)))
        .ok();
    if let Some(insurer) = &insurer {
        if check_digits && !insurer.check_digit_ok() {
            problems.add(FIELD_INSURER_NUMBER, FieldProblem::CheckDigit);
        }
    }

    let symbol = card_number::symbol(&query.symbol)
        .map_err(|e| problems.add(FIELD_SYMBOL, card_problem(e)))
        .ok();

    let number = card_number::number(&query.number)
        .map_err(|e| problems.add(FIELD_NUMBER, card_problem(e)))
        .ok();
    if let (Some(insurer), Some(number)) = (&insurer, &number) {
        // Only an 8-digit 後期高齢 番号 has a known check digit; other shapes go as typed.
        let late_elderly_shape = number.len() == 8 && number.bytes().all(|b| b.is_ascii_digit());
        if check_digits
            && insurer.is_late_elderly()
            && late_elderly_shape
            && !late_elderly_insured_number_ok(number)
        {
            problems.add(FIELD_NUMBER, FieldProblem::CheckDigit);
        }
    }

    let branch = card_number::branch(&query.branch)
        .map_err(|e| problems.add(FIELD_BRANCH, card_problem(e)))
        .ok();

    let birthdate = parse_birthdate_strict(&query.birthdate)
        .and_then(|date| check_birthdate(&date, today).map(|()| date))
        .map_err(|p| problems.add(FIELD_BIRTHDATE, p))
        .ok();

    match (insurer, symbol, number, branch, birthdate) {
        (Some(insurer), Some(symbol), Some(number), Some(branch), Some(birthdate))
            if problems.fields.is_empty() =>
        {
            Ok(ValidQuery {
                insurer,
                symbol,
                number,
                branch,
                birthdate,
                limit_consent: query.limit_consent,
            })
        }
        _ => Err(problems),
    }
}

/// The API form of a birthdate: exactly `YYYY-MM-DD`, so a program sending something
/// else learns about it instead of having it guessed.
fn parse_birthdate_strict(input: &str) -> Result<String, FieldProblem> {
    let s = input.trim();
    if s.is_empty() {
        return Err(FieldProblem::Required);
    }
    let b = s.as_bytes();
    let shaped = b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit());
    if !shaped {
        return Err(FieldProblem::Date);
    }
    let compact = format!("{}{}{}", &s[..4], &s[5..7], &s[8..]);
    let date = Ymd::parse_compact(&compact).ok_or(FieldProblem::Date)?;
    in_supported_range(date)?;
    Ok(compact)
}

fn in_supported_range(date: Ymd) -> Result<(), FieldProblem> {
    if date < EARLIEST_BIRTHDATE {
        return Err(FieldProblem::Date);
    }
    Ok(())
}

/// Lenient birthdate for typing in the form: `YYYY-MM-DD`, `YYYY/MM/DD`, `YYYY.MM.DD`,
/// `YYYY年M月D日` (one- or two-digit month and day), `YYYYMMDD`, or 和暦 as printed on
/// the card (`昭和53年2月14日`, `S53.2.14`, see [`wareki::from_wareki`]); full-width
/// digits allowed. Returns `yyyyMMdd`. The date must exist and not be before 1868; the future
/// bound needs today's date, see [`check_birthdate`].
pub fn parse_birthdate(input: &str) -> Result<String, FieldProblem> {
    let s = card_number::normalize(input);
    if s.is_empty() {
        return Err(FieldProblem::Required);
    }
    let date = if s.len() == 8 && s.bytes().all(|b| b.is_ascii_digit()) {
        Ymd::parse_compact(&s)
    } else {
        parse_separated(&s).or_else(|| wareki::from_wareki(&s))
    }
    .ok_or(FieldProblem::Date)?;
    in_supported_range(date)?;
    Ok(date.compact())
}

fn parse_separated(s: &str) -> Option<Ymd> {
    let s = s.strip_suffix('日').unwrap_or(s);
    let parts: Vec<&str> = s.split(['-', '/', '.', '年', '月']).collect();
    let [year, month, day] = parts.as_slice() else {
        return None;
    };
    let digits = |p: &str, lengths: std::ops::RangeInclusive<usize>| {
        (lengths.contains(&p.len()) && p.bytes().all(|b| b.is_ascii_digit()))
            .then(|| p.parse::<u32>().ok())
            .flatten()
    };
    Ymd::new(
        digits(year, 4..=4)?,
        digits(month, 1..=2)?,
        digits(day, 1..=2)?,
    )
}

/// A birthdate (`yyyyMMdd`) must be a real date from 1868 on and not after `today`.
/// A malformed `today` (a clock fault, not the user's) only skips the future bound.
pub fn check_birthdate(yyyymmdd: &str, today: &str) -> Result<(), FieldProblem> {
    let date = Ymd::parse_compact(yyyymmdd).ok_or(FieldProblem::Date)?;
    in_supported_range(date)?;
    match Ymd::parse_compact(today) {
        Some(today) if date > today => Err(FieldProblem::Date),
        _ => Ok(()),
    }
}

fn field_label(field: &str, lang: Lang) -> &str {
    match (field, lang) {
        (FIELD_INSURER_NUMBER, Lang::Ja) => "保険者番号",
        (FIELD_INSURER_NUMBER, Lang::En) => "Insurer number",
        (FIELD_SYMBOL, Lang::Ja) => "記号",
        (FIELD_SYMBOL, Lang::En) => "Symbol",
        (FIELD_NUMBER, Lang::Ja) => "番号",
        (FIELD_NUMBER, Lang::En) => "Number",
        (FIELD_BRANCH, Lang::Ja) => "枝番",
        (FIELD_BRANCH, Lang::En) => "Branch number",
        (FIELD_BIRTHDATE, Lang::Ja) => "生年月日",
        (FIELD_BIRTHDATE, Lang::En) => "Date of birth",
        (other, _) => other,
    }
}

/// A short message for the person at the desk, Japanese first.
/// `field` is the JSON field name (see the `FIELD_*` constants).
pub fn problem_message(problem: FieldProblem, field: &str, lang: Lang) -> String {
    let label = field_label(field, lang);
    let max = card_number::MAX_CHARS;
    match (problem, field, lang) {
        (FieldProblem::Required, _, Lang::Ja) => format!("{label}を入力してください。"),
        (FieldProblem::Required, _, Lang::En) => format!("{label} is required."),
        (FieldProblem::TooLong, _, Lang::Ja) => {
            format!("{label}は{max}文字以内で入力してください。")
        }
        (FieldProblem::TooLong, _, Lang::En) => {
            format!("{label} must be at most {max} characters.")
        }
        (FieldProblem::Format, FIELD_INSURER_NUMBER, Lang::Ja) => {
            "保険者番号は6桁または8桁の数字で入力してください。".to_string()
        }
        (FieldProblem::Format, FIELD_INSURER_NUMBER, Lang::En) => {
            "Insurer number must be 6 or 8 digits.".to_string()
        }
        (FieldProblem::Format, FIELD_BRANCH, Lang::Ja) => {
            "枝番は2桁の数字です。券面にない場合は空欄にしてください。".to_string()
        }
        (FieldProblem::Format, FIELD_BRANCH, Lang::En) => {
            "Branch number is two digits; leave it empty if the card has none.".to_string()
        }
        (FieldProblem::Format, _, Lang::Ja) => format!("{label}に使えない文字が含まれています。"),
        (FieldProblem::Format, _, Lang::En) => format!("{label} contains characters not allowed."),
        (FieldProblem::CheckDigit, FIELD_NUMBER, Lang::Ja) => {
            "被保険者番号の検証番号が一致しません。券面をご確認ください。".to_string()
        }
        (FieldProblem::CheckDigit, FIELD_NUMBER, Lang::En) => {
            "The check digit of the insured number does not match. Please check the card."
                .to_string()
        }
        (FieldProblem::CheckDigit, _, Lang::Ja) => {
            format!("{label}の検証番号が一致しません。券面をご確認ください。")
        }
        (FieldProblem::CheckDigit, _, Lang::En) => {
            format!(
                "The check digit of the {} does not match. Please check the card.",
                label.to_ascii_lowercase()
            )
        }
        (FieldProblem::Date, _, Lang::Ja) => {
            format!("{label}が正しくありません。実在する過去の日付を入力してください。")
        }
        (FieldProblem::Date, _, Lang::En) => {
            format!("{label} must be a real date, not in the future.")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::QueryMethod;

    const TODAY: &str = "20261125";

    fn query() -> QualificationQuery {
        QualificationQuery {
            method: QueryMethod::InsuranceCard,
            insurer_number: "01130012".to_string(),
            symbol: "１２－３４".to_string(),
            number: "５６７８".to_string(),
            branch: "01".to_string(),
            birthdate: "1978-02-14".to_string(),
            override_check_digit: false,
            limit_consent: false,
        }
    }

    fn problems_of(q: &QualificationQuery) -> Vec<(String, FieldProblem)> {
        match validate(q, TODAY) {
            Ok(valid) => panic!("expected problems, got {valid:?}"),
            Err(p) => p.fields.into_iter().collect(),
        }
    }

    fn one(field: &str, problem: FieldProblem) -> Vec<(String, FieldProblem)> {
        vec![(field.to_string(), problem)]
    }

    #[test]
    fn valid_query_is_normalised() {
        let valid = validate(&query(), TODAY).unwrap();
        assert_eq!(valid.insurer.digits(), "01130012");
        assert_eq!(valid.symbol, "12-34");
        assert_eq!(valid.number, "5678");
        assert_eq!(valid.branch, "01");
        assert_eq!(valid.birthdate, "19780214");
    }

    #[test]
    fn kokuho_and_full_width_insurer() {
        let mut q = query();
        q.insurer_number = "１３８０５７".to_string();
        let valid = validate(&q, TODAY).unwrap();
        assert_eq!(valid.insurer.wire(), "  138057");
    }

    #[test]
    fn required_fields() {
        let q = QualificationQuery {
            insurer_number: " ".to_string(),
            symbol: String::new(),
            number: "\u{3000}".to_string(),
            branch: String::new(),
            birthdate: String::new(),
            ..query()
        };
        assert_eq!(
            problems_of(&q),
            vec![
                (FIELD_BIRTHDATE.to_string(), FieldProblem::Required),
                (FIELD_INSURER_NUMBER.to_string(), FieldProblem::Required),
                (FIELD_NUMBER.to_string(), FieldProblem::Required),
            ]
        );
    }

    #[test]
    fn symbol_and_branch_are_optional() {
        let mut q = query();
        q.symbol.clear();
        q.branch.clear();
        let valid = validate(&q, TODAY).unwrap();
        assert_eq!(valid.symbol, "");
        assert_eq!(valid.branch, "");
    }

    #[test]
    fn too_long_symbol_and_number() {
        let mut q = query();
        q.symbol = "記".repeat(21);
        q.number = "1".repeat(21);
        assert_eq!(
            problems_of(&q),
            vec![
                (FIELD_NUMBER.to_string(), FieldProblem::TooLong),
                (FIELD_SYMBOL.to_string(), FieldProblem::TooLong),
            ]
        );
        q.symbol = "記".repeat(20);
        q.number = "1".repeat(20);
        assert!(validate(&q, TODAY).is_ok());
    }

    #[test]
    fn insurer_format() {
        for bad in ["1234567", "123456789", "0113001a", "12345"] {
            let mut q = query();
            q.insurer_number = bad.to_string();
            assert_eq!(
                problems_of(&q),
                one(FIELD_INSURER_NUMBER, FieldProblem::Format)
            );
        }
    }

    #[test]
    fn number_format() {
        let mut q = query();
        q.number = "12 34".to_string();
        assert_eq!(problems_of(&q), one(FIELD_NUMBER, FieldProblem::Format));
        q.number = "A-12３".to_string();
        assert_eq!(validate(&q, TODAY).unwrap().number, "A-123");
    }

    #[test]
    fn invisible_and_non_xml_characters_are_a_format_problem() {
        for bad in ["\u{200B}", "\u{FEFF}", "\u{2060}", "\u{FFFE}", "\u{FDD0}"] {
            let mut q = query();
            q.symbol = format!("12{bad}34");
            assert_eq!(problems_of(&q), one(FIELD_SYMBOL, FieldProblem::Format));
            let mut q = query();
            q.number = format!("56{bad}78");
            assert_eq!(problems_of(&q), one(FIELD_NUMBER, FieldProblem::Format));
        }
    }

    #[test]
    fn branch_variants() {
        let mut q = query();
        q.branch = String::new();
        assert_eq!(validate(&q, TODAY).unwrap().branch, "");
        q.branch = "01".to_string();
        assert_eq!(validate(&q, TODAY).unwrap().branch, "01");
        for bad in ["1", "001"] {
            q.branch = bad.to_string();
            assert_eq!(problems_of(&q), one(FIELD_BRANCH, FieldProblem::Format));
        }
    }

    #[test]
    fn insurer_check_digit_and_override() {
        let mut q = query();
        q.insurer_number = "01130013".to_string();
        let problems = validate(&q, TODAY).unwrap_err();
        assert!(problems.only_check_digits());
        assert_eq!(
            problems.fields.get(FIELD_INSURER_NUMBER),
            Some(&FieldProblem::CheckDigit)
        );
        q.override_check_digit = true;
        let valid = validate(&q, TODAY).unwrap();
        assert_eq!(valid.insurer.digits(), "01130013");
    }

    #[test]
    fn override_does_not_hide_other_problems() {
        let mut q = query();
        q.insurer_number = "01130013".to_string();
        q.branch = "1".to_string();
        q.override_check_digit = true;
        assert_eq!(problems_of(&q), one(FIELD_BRANCH, FieldProblem::Format));
        q.override_check_digit = false;
        let problems = validate(&q, TODAY).unwrap_err();
        assert!(!problems.only_check_digits());
        assert_eq!(problems.fields.len(), 2);
    }

    #[test]
    fn late_elderly_insured_number_check_digit() {
        let mut q = query();
        q.insurer_number = "39131156".to_string();
        q.symbol.clear();
        q.branch.clear();
        q.number = "00000018".to_string();
        assert!(validate(&q, TODAY).is_ok());
        q.number = "00000019".to_string();
        assert_eq!(problems_of(&q), one(FIELD_NUMBER, FieldProblem::CheckDigit));
        q.override_check_digit = true;
        assert_eq!(validate(&q, TODAY).unwrap().number, "00000019");
    }

    #[test]
    fn number_check_digit_only_for_late_elderly_eight_digits() {
        let mut q = query();
        q.number = "00000019".to_string(); // not 後期高齢: no check digit known
        assert!(validate(&q, TODAY).is_ok());
        q.insurer_number = "39131156".to_string();
        q.number = "0000001".to_string(); // 後期高齢 but not 8 digits
        assert!(validate(&q, TODAY).is_ok());
    }

    #[test]
    fn birthdate_strict_format() {
        for bad in [
            "1978/02/14",
            "19780214",
            "1978-2-14",
            "１９７８-０２-１４",
            "78-02-14",
        ] {
            let mut q = query();
            q.birthdate = bad.to_string();
            assert_eq!(
                problems_of(&q),
                one(FIELD_BIRTHDATE, FieldProblem::Date),
                "{bad}"
            );
        }
    }

    #[test]
    fn birthdate_leap_years() {
        let mut q = query();
        q.birthdate = "2024-02-29".to_string();
        assert_eq!(validate(&q, TODAY).unwrap().birthdate, "20240229");
        q.birthdate = "2000-02-29".to_string();
        assert!(validate(&q, TODAY).is_ok());
        for bad in [
            "2023-02-29",
            "1900-02-29",
            "2023-04-31",
            "2023-13-01",
            "2023-00-10",
        ] {
            q.birthdate = bad.to_string();
            assert_eq!(
                problems_of(&q),
                one(FIELD_BIRTHDATE, FieldProblem::Date),
                "{bad}"
            );
        }
    }

    #[test]
    fn birthdate_range() {
        let mut q = query();
        q.birthdate = "2026-11-25".to_string();
        assert!(validate(&q, TODAY).is_ok());
        q.birthdate = "2026-11-26".to_string();
        assert_eq!(problems_of(&q), one(FIELD_BIRTHDATE, FieldProblem::Date));
        q.birthdate = "1868-01-01".to_string();
        assert!(validate(&q, TODAY).is_ok());
        q.birthdate = "1867-12-31".to_string();
        assert_eq!(problems_of(&q), one(FIELD_BIRTHDATE, FieldProblem::Date));
    }

    #[test]
    fn lenient_birthdate_parsing() {
        for ok in [
            "1978-02-14",
            "1978/02/14",
            "1978/2/14",
            "1978.2.14",
            "19780214",
            "１９７８－０２－１４",
            "１９７８年２月１４日",
            " 1978年2月14日 ",
            "昭和53年2月14日",
            "S53.2.14",
        ] {
            assert_eq!(parse_birthdate(ok), Ok("19780214".to_string()), "{ok}");
        }
        assert_eq!(parse_birthdate(""), Err(FieldProblem::Required));
        for bad in [
            "1978/02",
            "78/02/14",
            "1978/02/30",
            "1978-002-14",
            "1867/12/31",
            "abc",
        ] {
            assert_eq!(parse_birthdate(bad), Err(FieldProblem::Date), "{bad}");
        }
    }

    #[test]
    fn check_birthdate_bounds() {
        assert_eq!(check_birthdate("20261125", TODAY), Ok(()));
        assert_eq!(check_birthdate("20261126", TODAY), Err(FieldProblem::Date));
        assert_eq!(check_birthdate("20230229", TODAY), Err(FieldProblem::Date));
        // A broken clock must not block reception.
        assert_eq!(check_birthdate("20261126", "garbage"), Ok(()));
    }

    #[test]
    fn odd_input_gives_problems_not_panics() {
        let odd = [
            "",
            "\u{0}",
            "千",
            "12345千",
            "千1234567",
            "１２３４５６７千",
            "🎌🎌",
            "ｰ",
            "-",
            "2026-11-2千",
            "２０２６年１１月",
            "R",
            "令和",
            "S千.1.1",
            "9999-12-31",
            "0000-00-00",
            "\u{3000}\u{3000}",
        ];
        for a in odd {
            for b in odd {
                let q = QualificationQuery {
                    insurer_number: a.to_string(),
                    symbol: b.to_string(),
                    number: a.to_string(),
                    branch: b.to_string(),
                    birthdate: a.to_string(),
                    ..query()
                };
                let problems = validate(&q, b).unwrap_err();
                // Birthdates are never a Format problem, so no message is kept for one.
                assert_ne!(
                    problems.fields.get(FIELD_BIRTHDATE),
                    Some(&FieldProblem::Format),
                    "{a:?} / {b:?}"
                );
                // The only real date in the list; without `today` it is accepted.
                let far_future = a == "9999-12-31";
                assert_eq!(parse_birthdate(a).is_ok(), far_future, "{a:?}");
                assert_ne!(parse_birthdate(a), Err(FieldProblem::Format), "{a:?}");
                let _ = check_birthdate(a, b);
            }
        }
    }

    #[test]
    fn problem_codes_match_serde_names() {
        for p in [
            FieldProblem::Required,
            FieldProblem::TooLong,
            FieldProblem::Format,
            FieldProblem::CheckDigit,
            FieldProblem::Date,
        ] {
            let json = serde_json::to_string(&p).unwrap();
            assert_eq!(json, format!("\"{}\"", p.code()));
        }
    }

    #[test]
    fn messages() {
        assert_eq!(
            problem_message(FieldProblem::CheckDigit, FIELD_INSURER_NUMBER, Lang::Ja),
            "保険者番号の検証番号が一致しません。券面をご確認ください。"
        );
        assert_eq!(
            problem_message(FieldProblem::CheckDigit, FIELD_NUMBER, Lang::Ja),
            "被保険者番号の検証番号が一致しません。券面をご確認ください。"
        );
        assert_eq!(
            problem_message(FieldProblem::Required, FIELD_BIRTHDATE, Lang::Ja),
            "生年月日を入力してください。"
        );
        assert_eq!(
            problem_message(FieldProblem::TooLong, FIELD_SYMBOL, Lang::En),
            "Symbol must be at most 20 characters."
        );
        assert_eq!(
            problem_message(FieldProblem::CheckDigit, FIELD_INSURER_NUMBER, Lang::En),
            "The check digit of the insurer number does not match. Please check the card."
        );
        assert!(problem_message(FieldProblem::Format, FIELD_BRANCH, Lang::Ja).contains("2桁"));
    }
}
