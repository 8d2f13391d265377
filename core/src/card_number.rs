//! 記号・番号・枝番 normalisation.
//!
//! Receptionists type from the card face, often with an IME left in full-width mode, and
//! the terminal may return the same values in another width. Everything is therefore
//! brought to NFKC half-width before it is checked, sent or compared.

use thiserror::Error;

/// Most characters of `InsuredCardSymbol` and of `InsuredIdentificationNumber`.
pub const MAX_CHARS: usize = 20;

/// Digits of an 枝番.
pub const BRANCH_DIGITS: usize = 2;

/// Dash-like characters that NFKC leaves alone but people (and IMEs) type for a hyphen.
/// 'ー' (U+30FC, katakana long mark) is deliberately absent: it is a kana, not a dash.
const DASHES: [char; 9] = [
    '\u{2010}', // HYPHEN
    '\u{2011}', // NON-BREAKING HYPHEN
    '\u{2012}', // FIGURE DASH
    '\u{2013}', // EN DASH
    '\u{2014}', // EM DASH
    '\u{2015}', // HORIZONTAL BAR
    '\u{2043}', // HYPHEN BULLET
    '\u{2212}', // MINUS SIGN
    '\u{FE63}', // SMALL HYPHEN-MINUS (NFKC maps it already; kept for clarity)
];

/// NFKC, dashes to '-', then trimmed (the ideographic space becomes a plain space
/// under NFKC, so it is trimmed as well).
pub fn normalize(input: &str) -> String {
    nfkc(input)
        .chars()
        .map(|c| if DASHES.contains(&c) { '-' } else { c })
        .collect::<String>()
        .trim()
        .to_string()
}

/// Unicode NFKC. Natively from the unicode-normalization tables; in the browser through
/// the browser's own `String.prototype.normalize`, the same algorithm, which keeps 114 KB
/// of tables out of every page bundle. The component's browser tests check that both
/// agree on every character the form takes.
#[cfg(not(target_arch = "wasm32"))]
pub fn nfkc(input: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    input.nfkc().collect()
}

/// Unicode NFKC by the browser (see the native version).
#[cfg(target_arch = "wasm32")]
pub fn nfkc(input: &str) -> String {
    js_sys::JsString::from(input).normalize("NFKC").into()
}

/// Length in characters, the unit of the OQS length limits (not bytes).
pub fn char_len(value: &str) -> usize {
    value.chars().count()
}

/// Why a 記号, 番号 or 枝番 cannot be sent.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum CardFieldError {
    #[error("a value is required")]
    Required,
    #[error("at most {max} characters are allowed, found {found}")]
    TooLong { max: usize, found: usize },
    #[error("character {0:?} is not allowed here")]
    BadCharacter(char),
    #[error("a branch number is two digits or empty")]
    BranchFormat,
}

fn check_length(value: &str) -> Result<(), CardFieldError> {
    let found = char_len(value);
    if found > MAX_CHARS {
        return Err(CardFieldError::TooLong {
            max: MAX_CHARS,
            found,
        });
    }
    Ok(())
}

/// Whether `c` may not appear in a 記号 or 番号: control characters (Cc), characters
/// XML 1.0 does not allow at all (U+FFFE, U+FFFF; surrogates cannot occur in a Rust
/// string), the other noncharacters (U+FDD0–U+FDEF and the last two code points of every
/// plane) and invisible format characters (zero-width space and joiners, direction marks
/// and embeddings, word joiner, BOM, …) that would make two values that look the same
/// differ on the wire.
fn is_forbidden(c: char) -> bool {
    let cp = u32::from(c);
    c.is_control() || (0xFDD0..=0xFDEF).contains(&cp) || cp & 0xFFFE == 0xFFFE || is_format(c)
}

/// Unicode general category Cf (format) characters a keyboard or a copy-paste can bring
/// in. Not the whole category (which also holds e.g. tag characters): the ranges here are
/// the ones found in text, plus the Unicode tags block for completeness.
fn is_format(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}'                  // SOFT HYPHEN
            | '\u{061C}'            // ARABIC LETTER MARK
            | '\u{180E}'            // MONGOLIAN VOWEL SEPARATOR
            | '\u{200B}'..='\u{200F}' // ZERO WIDTH SPACE .. RIGHT-TO-LEFT MARK
            | '\u{202A}'..='\u{202E}' // bidi embeddings and overrides
            | '\u{2060}'..='\u{2064}' // WORD JOINER .. INVISIBLE PLUS
            | '\u{2066}'..='\u{206F}' // bidi isolates, deprecated format characters
            | '\u{FEFF}'            // ZERO WIDTH NO-BREAK SPACE (BOM)
            | '\u{FFF9}'..='\u{FFFB}' // interlinear annotation
            | '\u{E0001}'
            | '\u{E0020}'..='\u{E007F}' // tags
    )
}

fn check_characters(value: &str) -> Result<(), CardFieldError> {
    match value.chars().find(|c| is_forbidden(*c)) {
        Some(bad) => Err(CardFieldError::BadCharacter(bad)),
        None => Ok(()),
    }
}

/// 記号: optional (後期高齢 cards have none); may hold kanji, kana and hyphens
/// (`千代田`, `12-34`), so only control, non- and format characters are refused.
pub fn symbol(input: &str) -> Result<String, CardFieldError> {
    let value = normalize(input);
    check_length(&value)?;
    check_characters(&value)?;
    Ok(value)
}

/// 番号 (被保険者番号): required; letters, digits and hyphens only.
pub fn number(input: &str) -> Result<String, CardFieldError> {
    let value = normalize(input);
    if value.is_empty() {
        return Err(CardFieldError::Required);
    }
    check_length(&value)?;
    check_characters(&value)?;
    if let Some(bad) = value.chars().find(|c| !(c.is_alphanumeric() || *c == '-')) {
        return Err(CardFieldError::BadCharacter(bad));
    }
    Ok(value)
}

/// 枝番: exactly two digits, or empty when the card has none. An unknown 枝番 is never
/// made up as "00" and a single digit is not padded: the card prints both digits, so a
/// short value means a typing slip the receptionist should see.
pub fn branch(input: &str) -> Result<String, CardFieldError> {
    let value = normalize(input);
    if value.is_empty() {
        return Ok(value);
    }
    if value.len() == BRANCH_DIGITS && value.bytes().all(|b| b.is_ascii_digit()) {
        Ok(value)
    } else {
        Err(CardFieldError::BranchFormat)
    }
}

/// Whether two 記号 or 番号 values denote the same thing: equal after normalisation and
/// after dropping leading zeros, because the terminal may return a value zero-padded
/// differently from what the EMR holds.
pub fn equivalent(a: &str, b: &str) -> bool {
    let a = normalize(a);
    let b = normalize(b);
    a.trim_start_matches('0') == b.trim_start_matches('0')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalize_full_width_and_trims_ideographic_space() {
        assert_eq!(normalize("\u{3000}１２３４ "), "1234");
        assert_eq!(normalize("ＡＢｃ"), "ABc");
        assert_eq!(normalize("　千代田　"), "千代田");
    }

    #[test]
    fn normalize_maps_dashes_to_hyphen() {
        assert_eq!(normalize("１２－３４"), "12-34");
        assert_eq!(normalize("12\u{2010}34"), "12-34");
        assert_eq!(normalize("12\u{2212}34"), "12-34");
        assert_eq!(normalize("12\u{2013}34"), "12-34");
        assert_eq!(normalize("12\u{2015}34"), "12-34");
    }

    #[test]
    fn normalize_keeps_katakana_long_mark() {
        assert_eq!(normalize("コード"), "コード");
        // Half-width ｰ becomes the full-width long mark under NFKC, not a hyphen.
        assert_eq!(normalize("ｺｰﾄﾞ"), "コード");
    }

    #[test]
    fn lengths_count_characters_not_bytes() {
        let twenty_kanji = "千".repeat(20);
        assert_eq!(symbol(&twenty_kanji), Ok(twenty_kanji.clone()));
        assert_eq!(
            symbol(&format!("{twenty_kanji}千")),
            Err(CardFieldError::TooLong { max: 20, found: 21 })
        );
        assert_eq!(number(&"9".repeat(20)), Ok("9".repeat(20)));
        assert_eq!(
            number(&"９".repeat(21)),
            Err(CardFieldError::TooLong { max: 20, found: 21 })
        );
    }

    #[test]
    fn symbol_is_optional_and_allows_kanji_and_hyphens() {
        assert_eq!(symbol(""), Ok(String::new()));
        assert_eq!(symbol("  "), Ok(String::new()));
        assert_eq!(symbol("千代田"), Ok("千代田".to_string()));
        assert_eq!(symbol("１２－３４"), Ok("12-34".to_string()));
        assert_eq!(
            symbol("a\u{7}b"),
            Err(CardFieldError::BadCharacter('\u{7}'))
        );
    }

    #[test]
    fn symbol_refuses_characters_xml_cannot_carry_or_nobody_can_see() {
        for bad in [
            '\u{FFFE}',
            '\u{FFFF}',
            '\u{FDD0}',
            '\u{FDEF}',
            '\u{1FFFF}',
            '\u{10FFFE}',
            '\u{200B}',
            '\u{200C}',
            '\u{200D}',
            '\u{200E}',
            '\u{200F}',
            '\u{202E}',
            '\u{2060}',
            '\u{FEFF}',
            '\u{00AD}',
            '\u{E0041}',
            '\u{85}',
            '\u{1B}',
        ] {
            let input = format!("12{bad}34");
            assert_eq!(
                symbol(&input),
                Err(CardFieldError::BadCharacter(bad)),
                "{:X}",
                u32::from(bad)
            );
            assert_eq!(
                number(&input),
                Err(CardFieldError::BadCharacter(bad)),
                "{:X}",
                u32::from(bad)
            );
        }
        // Neighbours of the refused ranges stay allowed in a 記号.
        for ok in [
            '\u{FDCF}', '\u{FDF0}', '\u{FFFD}', '\u{2010}', '\u{3000}', 'ー',
        ] {
            assert!(symbol(&format!("12{ok}34")).is_ok(), "{:X}", u32::from(ok));
        }
    }

    #[test]
    fn number_is_required_and_restricted() {
        assert_eq!(number(""), Err(CardFieldError::Required));
        assert_eq!(number("\u{3000}"), Err(CardFieldError::Required));
        assert_eq!(number("１２３４５６７"), Ok("1234567".to_string()));
        assert_eq!(number("A-123"), Ok("A-123".to_string()));
        assert_eq!(number("12 34"), Err(CardFieldError::BadCharacter(' ')));
        assert_eq!(number("12/34"), Err(CardFieldError::BadCharacter('/')));
    }

    #[test]
    fn branch_is_two_digits_or_empty() {
        assert_eq!(branch(""), Ok(String::new()));
        assert_eq!(branch("01"), Ok("01".to_string()));
        assert_eq!(branch("０１"), Ok("01".to_string()));
        assert_eq!(branch("1"), Err(CardFieldError::BranchFormat));
        assert_eq!(branch("001"), Err(CardFieldError::BranchFormat));
        assert_eq!(branch("a1"), Err(CardFieldError::BranchFormat));
    }

    #[test]
    fn equivalent_ignores_width_and_leading_zeros() {
        assert!(equivalent("００１２３", "123"));
        assert!(equivalent("12-34", "１２－３４"));
        assert!(!equivalent("123", "1230"));
        assert!(!equivalent("12-34", "1234"));
    }
}
