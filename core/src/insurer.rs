//! 保険者番号 and 後期高齢者 被保険者番号: shapes and the 保険者番号設定要領 check digit.
//!
//! A shape error (not 6 or 8 digits) and a check-digit mismatch are kept apart on purpose:
//! the first can never reach the terminal, the second is a warning the receptionist may
//! override when the card really is printed that way.

use std::fmt;
use std::str::FromStr;

use thiserror::Error;

use crate::card_number::normalize;

/// 法別番号 of 後期高齢者医療 (late-elderly medical care).
pub const LATE_ELDERLY_HOUBETSU: &str = "39";

/// Computes the check digit (検証番号) of `body`, the digits before the check digit.
///
/// From the last digit of the body leftwards the digits are weighted 2, 1, 2, 1, …; the
/// digits of every product are summed (so 16 counts as 1 + 6); the check digit is
/// 10 minus the last digit of that sum, or 0 when the sum ends in 0.
/// Returns `None` when `body` is empty or holds anything but ASCII digits.
pub fn check_digit(body: &str) -> Option<u8> {
    if body.is_empty() || !body.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let sum: u32 = body
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| {
            let weight = if i % 2 == 0 { 2 } else { 1 };
            let product = u32::from(b - b'0') * weight;
            product / 10 + product % 10
        })
        .sum();
    Some(((10 - sum % 10) % 10) as u8)
}

/// True when `digits` is all ASCII digits and its last digit is the check digit of the
/// ones before it.
fn ends_with_check_digit(digits: &str) -> bool {
    // Checked before splitting so a multi-byte character can never be cut in half.
    if digits.len() < 2 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return false;
    }
    let (body, last) = digits.split_at(digits.len() - 1);
    check_digit(body) == Some(last.as_bytes()[0] - b'0')
}

/// Whether `number` is a well-formed 後期高齢者 被保険者番号: 8 digits (after NFKC and
/// trimming) whose last digit is the check digit of the first seven.
pub fn late_elderly_insured_number_ok(number: &str) -> bool {
    let number = normalize(number);
    number.len() == 8 && ends_with_check_digit(&number)
}

/// Why a text is not an insurer number at all (a check-digit mismatch is not an error
/// here; see [`InsurerNumber::check_digit_ok`]).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum InsurerNumberError {
    #[error("insurer number is empty")]
    Empty,
    #[error("insurer number may contain only digits, found {0:?}")]
    NotDigits(char),
    #[error("insurer number must have 6 or 8 digits, found {0}")]
    WrongLength(usize),
}

/// A syntactically valid insurer number: 8 digits, or 6 digits for 国保.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct InsurerNumber(String);

impl InsurerNumber {
    /// Parses what a person typed or what the terminal wrote.
    ///
    /// The input is NFKC-normalised and trimmed first, so full-width digits and the
    /// space-padded wire form (`"  138057"`) are accepted. An 8-digit number starting
    /// with `00` is read as the 6-digit 国保 number it pads: 法別番号 00 does not exist,
    /// and EMRs that zero-pad 国保 numbers would otherwise send a number OQS rejects.
    pub fn parse(input: &str) -> Result<Self, InsurerNumberError> {
        let digits = normalize(input);
        if digits.is_empty() {
            return Err(InsurerNumberError::Empty);
        }
        if let Some(bad) = digits.chars().find(|c| !c.is_ascii_digit()) {
            return Err(InsurerNumberError::NotDigits(bad));
        }
        match digits.len() {
            6 => Ok(Self(digits)),
            8 => match digits.strip_prefix("00") {
                Some(kokuho) => Ok(Self(kokuho.to_string())),
                None => Ok(Self(digits)),
            },
            n => Err(InsurerNumberError::WrongLength(n)),
        }
    }

    /// The digits as entered (6 or 8).
    pub fn digits(&self) -> &str {
        &self.0
    }

    /// As it travels in OQS XML: 8 characters, a 6-digit number left-padded with spaces.
    pub fn wire(&self) -> String {
        format!("{:>8}", self.0)
    }

    /// Whether the last digit is the 検証番号 of the others.
    pub fn check_digit_ok(&self) -> bool {
        ends_with_check_digit(&self.0)
    }

    /// A 6-digit number: 市町村国保 (no 法別番号).
    pub fn is_kokuho(&self) -> bool {
        self.0.len() == 6
    }

    /// The 法別番号 (first two digits) of an 8-digit number; `None` for 国保.
    pub fn houbetsu(&self) -> Option<&str> {
        (!self.is_kokuho()).then(|| &self.0[..2])
    }

    /// 後期高齢者医療広域連合 (法別番号 39): such cards have no 記号 and no 枝番, and the
    /// 被保険者番号 carries a check digit of its own.
    pub fn is_late_elderly(&self) -> bool {
        self.houbetsu() == Some(LATE_ELDERLY_HOUBETSU)
    }
}

impl fmt::Display for InsurerNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for InsurerNumber {
    type Err = InsurerNumberError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Worked examples of oqs-interface.md §5.
    const VALID: [&str; 4] = ["33120015", "01130012", "138057", "39131156"];

    #[test]
    fn check_digit_matches_worked_examples() {
        assert_eq!(check_digit("3312001"), Some(5));
        assert_eq!(check_digit("0113001"), Some(2));
        assert_eq!(check_digit("13805"), Some(7));
        assert_eq!(check_digit("3913115"), Some(6));
    }

    #[test]
    fn check_digit_zero_when_sum_ends_in_zero() {
        // 5 × 2 = 10 → 1 + 0 = 1; 9 → 9; sum 10 → check digit 0.
        assert_eq!(check_digit("95"), Some(0));
    }

    #[test]
    fn check_digit_rejects_non_digits_and_empty() {
        assert_eq!(check_digit(""), None);
        assert_eq!(check_digit("12a4"), None);
        assert_eq!(check_digit("１２３"), None);
        assert_eq!(check_digit(" 123"), None);
    }

    #[test]
    fn worked_examples_pass_and_fail_with_one_digit_changed() {
        for valid in VALID {
            let parsed = InsurerNumber::parse(valid).unwrap();
            assert!(parsed.check_digit_ok(), "{valid} should pass");
            for pos in 0..valid.len() {
                let mut bytes = valid.as_bytes().to_vec();
                bytes[pos] = if bytes[pos] == b'9' {
                    b'0'
                } else {
                    bytes[pos] + 1
                };
                let changed = String::from_utf8(bytes).unwrap();
                let parsed = InsurerNumber::parse(&changed).unwrap();
                assert!(!parsed.check_digit_ok(), "{changed} should fail");
            }
        }
    }

    #[test]
    fn kokuho_six_digits_padded_with_spaces_on_the_wire() {
        let n = InsurerNumber::parse("138057").unwrap();
        assert!(n.is_kokuho());
        assert_eq!(n.houbetsu(), None);
        assert_eq!(n.digits(), "138057");
        assert_eq!(n.wire(), "  138057");
        assert_eq!(n.wire().len(), 8);
        assert!(!n.is_late_elderly());
    }

    #[test]
    fn wire_form_parses_back() {
        let n = InsurerNumber::parse("  138057").unwrap();
        assert_eq!(n.digits(), "138057");
        assert_eq!(InsurerNumber::parse(&n.wire()).unwrap(), n);
    }

    #[test]
    fn zero_padded_kokuho_is_read_as_six_digits() {
        let n = InsurerNumber::parse("00138057").unwrap();
        assert!(n.is_kokuho());
        assert_eq!(n.wire(), "  138057");
        assert!(n.check_digit_ok());
    }

    #[test]
    fn eight_digits_keep_their_houbetsu() {
        let n = InsurerNumber::parse("01130012").unwrap();
        assert!(!n.is_kokuho());
        assert_eq!(n.houbetsu(), Some("01"));
        assert_eq!(n.wire(), "01130012");
        assert!(!n.is_late_elderly());
        assert!(InsurerNumber::parse("39131156").unwrap().is_late_elderly());
    }

    #[test]
    fn full_width_digits_and_spaces_are_normalised() {
        let n = InsurerNumber::parse("\u{3000}３３１２００１５ ").unwrap();
        assert_eq!(n.digits(), "33120015");
        assert!(n.check_digit_ok());
    }

    #[test]
    fn shape_errors_are_distinct() {
        assert_eq!(InsurerNumber::parse(""), Err(InsurerNumberError::Empty));
        assert_eq!(InsurerNumber::parse("　 "), Err(InsurerNumberError::Empty));
        assert_eq!(
            InsurerNumber::parse("1234567"),
            Err(InsurerNumberError::WrongLength(7))
        );
        assert_eq!(
            InsurerNumber::parse("123456789"),
            Err(InsurerNumberError::WrongLength(9))
        );
        assert_eq!(
            InsurerNumber::parse("0113-0012"),
            Err(InsurerNumberError::NotDigits('-'))
        );
        assert_eq!(
            InsurerNumber::parse("13 8057"),
            Err(InsurerNumberError::NotDigits(' '))
        );
    }

    #[test]
    fn check_digit_failure_is_not_a_parse_error() {
        let n = InsurerNumber::parse("33120016").unwrap();
        assert!(!n.check_digit_ok());
    }

    #[test]
    fn from_str_and_display_round_trip() {
        let n: InsurerNumber = "０１１３００１２".parse().unwrap();
        assert_eq!(n.to_string(), "01130012");
    }

    #[test]
    fn late_elderly_insured_number() {
        // Same algorithm as the insurer number: 0000001 → check digit 8.
        assert_eq!(check_digit("0000001"), Some(8));
        assert!(late_elderly_insured_number_ok("00000018"));
        assert!(late_elderly_insured_number_ok("３９１３１１５６"));
        assert!(!late_elderly_insured_number_ok("00000019"));
        assert!(!late_elderly_insured_number_ok("0000018"));
        assert!(!late_elderly_insured_number_ok("000000180"));
        assert!(!late_elderly_insured_number_ok("0000001a"));
        assert!(!late_elderly_insured_number_ok(""));
        // Eight bytes ending inside a multi-byte character must not panic.
        assert!(!late_elderly_insured_number_ok("12345千"));
        assert!(!late_elderly_insured_number_ok("千12345"));
    }
}
