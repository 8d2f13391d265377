//! Character encodings of the terminal's files: UTF-8 and Shift_JIS (CP932).
//!
//! The terminal declares the encoding in the XML declaration and repeats it in
//! `CharacterCodeIdentifier`; requests may come in either. Decoding is strict (no
//! replacement characters) so a garbled name is an error, not a wrong patient name.

use encoding_rs::{Encoding, SHIFT_JIS, UTF_8};

use super::OqsError;
use crate::codes::CharacterCode;

/// Encoding of an OQS XML file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum XmlEncoding {
    #[default]
    Utf8,
    /// Shift_JIS as Windows writes it (CP932 / Windows-31J).
    ShiftJis,
}

impl XmlEncoding {
    /// The name written in the XML declaration.
    pub fn declaration_name(self) -> &'static str {
        match self {
            Self::Utf8 => "UTF-8",
            Self::ShiftJis => "Shift_JIS",
        }
    }

    /// The 文字コード識別 (OQSCD005) value for this encoding.
    pub fn character_code(self) -> CharacterCode {
        match self {
            Self::Utf8 => CharacterCode::Utf8,
            Self::ShiftJis => CharacterCode::ShiftJis,
        }
    }

    /// Reads an encoding name as found in an XML declaration.
    pub fn from_label(label: &str) -> Result<Self, OqsError> {
        let lower = label.trim().to_ascii_lowercase();
        // CP932 is not a WHATWG label but is what Windows tools write.
        if matches!(lower.as_str(), "cp932" | "ms932" | "windows-932") {
            return Ok(Self::ShiftJis);
        }
        match Encoding::for_label(lower.as_bytes()) {
            Some(enc) if enc == UTF_8 => Ok(Self::Utf8),
            Some(enc) if enc == SHIFT_JIS => Ok(Self::ShiftJis),
            _ => Err(OqsError::UnsupportedEncoding(label.trim().to_string())),
        }
    }

    fn encoding(self) -> &'static Encoding {
        match self {
            Self::Utf8 => UTF_8,
            Self::ShiftJis => SHIFT_JIS,
        }
    }
}

/// Decodes a whole file to text, choosing the encoding by BOM, then declaration, then
/// (when the declared or default encoding does not fit the bytes) `CharacterCodeIdentifier`.
pub(crate) fn decode(bytes: &[u8]) -> Result<(String, XmlEncoding), OqsError> {
    if let Some((encoding, bom_len)) = Encoding::for_bom(bytes) {
        let body = &bytes[bom_len..];
        if encoding == UTF_8 {
            return decode_as(body, XmlEncoding::Utf8).map(|text| (text, XmlEncoding::Utf8));
        }
        return Err(OqsError::UnsupportedEncoding(encoding.name().to_string()));
    }
    let declared = match declared_label(bytes) {
        Some(label) => XmlEncoding::from_label(&label)?,
        None => XmlEncoding::Utf8,
    };
    match decode_as(bytes, declared) {
        Ok(text) => Ok((text, declared)),
        Err(first_error) => {
            // A writer that got the declaration wrong usually still set 文字コード識別.
            let hinted = character_code_hint(bytes).filter(|hint| *hint != declared);
            match hinted {
                Some(other) => decode_as(bytes, other)
                    .map(|text| (text, other))
                    .map_err(|_| first_error),
                None => Err(first_error),
            }
        }
    }
}

fn decode_as(bytes: &[u8], encoding: XmlEncoding) -> Result<String, OqsError> {
    encoding
        .encoding()
        .decode_without_bom_handling_and_without_replacement(bytes)
        .map(|text| text.into_owned())
        .ok_or(OqsError::Undecodable {
            encoding: encoding.declaration_name(),
        })
}

/// The `encoding="…"` pseudo-attribute of the XML declaration, read from the ASCII bytes
/// before any decoding (both supported encodings are ASCII-compatible there).
fn declared_label(bytes: &[u8]) -> Option<String> {
    let start = skip_ascii_whitespace(bytes);
    let rest = bytes[start..].strip_prefix(b"<?xml")?;
    let end = find(rest, b"?>")?;
    let declaration = std::str::from_utf8(&rest[..end]).ok()?;
    let after = &declaration[declaration.find("encoding")? + "encoding".len()..];
    let after = after.trim_start().strip_prefix('=')?.trim_start();
    let quote = after.chars().next().filter(|c| *c == '"' || *c == '\'')?;
    let value = &after[1..];
    Some(value[..value.find(quote)?].to_string())
}

/// 文字コード識別 found by a byte search, for files whose declaration cannot be trusted.
fn character_code_hint(bytes: &[u8]) -> Option<XmlEncoding> {
    const OPEN: &[u8] = b"<CharacterCodeIdentifier>";
    let start = find(bytes, OPEN)? + OPEN.len();
    let value = &bytes[start..];
    let value = &value[..find(value, b"<")?];
    match value.trim_ascii() {
        b"0" => Some(XmlEncoding::Utf8),
        b"1" => Some(XmlEncoding::ShiftJis),
        _ => None,
    }
}

fn skip_ascii_whitespace(bytes: &[u8]) -> usize {
    bytes
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(bytes.len())
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// Encodes text for a file, refusing anything the encoding cannot carry exactly.
pub(crate) fn encode(text: &str, encoding: XmlEncoding) -> Result<Vec<u8>, OqsError> {
    match encoding {
        XmlEncoding::Utf8 => Ok(text.as_bytes().to_vec()),
        XmlEncoding::ShiftJis => encode_shift_jis(text),
    }
}

fn encode_shift_jis(text: &str) -> Result<Vec<u8>, OqsError> {
    let mut encoder = SHIFT_JIS.new_encoder();
    let capacity = encoder
        .max_buffer_length_from_utf8_without_replacement(text.len())
        .unwrap_or(text.len() * 2);
    let mut out = vec![0; capacity];
    let (result, _read, written) =
        encoder.encode_from_utf8_without_replacement(text, &mut out, true);
    match result {
        encoding_rs::EncoderResult::InputEmpty => {}
        encoding_rs::EncoderResult::Unmappable(character) => {
            return Err(OqsError::Unencodable { character })
        }
        // The buffer was sized by the encoder itself, so this cannot happen; still no panic.
        encoding_rs::EncoderResult::OutputFull => {
            return Err(OqsError::Unencodable {
                character: char::REPLACEMENT_CHARACTER,
            })
        }
    }
    out.truncate(written);
    // The WHATWG encoder quietly maps a few code points to look-alikes (U+2212 → U+FF0D,
    // U+00A5 → '\'). CP932 has no such characters, so a value would change on the way back:
    // refuse them like any other unencodable character.
    let back = decode_as(&out, XmlEncoding::ShiftJis)?;
    if let Some((original, _)) = text.chars().zip(back.chars()).find(|(a, b)| a != b) {
        return Err(OqsError::Unencodable {
            character: original,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_of_the_shift_jis_family_are_recognised() {
        for label in ["Shift_JIS", "SJIS", "windows-31j", "CP932", " shift-jis "] {
            assert_eq!(
                XmlEncoding::from_label(label),
                Ok(XmlEncoding::ShiftJis),
                "{label}"
            );
        }
        assert_eq!(XmlEncoding::from_label("utf8"), Ok(XmlEncoding::Utf8));
        assert_eq!(
            XmlEncoding::from_label("EUC-JP"),
            Err(OqsError::UnsupportedEncoding("EUC-JP".into()))
        );
    }

    #[test]
    fn declaration_is_read_with_either_quote() {
        assert_eq!(
            declared_label(b"  <?xml version='1.0' encoding='SJIS'?><a/>").as_deref(),
            Some("SJIS")
        );
        assert_eq!(
            declared_label(b"<?xml version=\"1.0\" encoding = \"UTF-8\"?>").as_deref(),
            Some("UTF-8")
        );
        assert_eq!(declared_label(b"<?xml version=\"1.0\"?><a/>"), None);
        assert_eq!(declared_label(b"<a/>"), None);
    }

    #[test]
    fn shift_jis_refuses_lookalike_mappings_and_unmappable_characters() {
        assert_eq!(
            encode("1−2", XmlEncoding::ShiftJis),
            Err(OqsError::Unencodable { character: '−' })
        );
        assert_eq!(
            encode("¥100", XmlEncoding::ShiftJis),
            Err(OqsError::Unencodable { character: '¥' })
        );
        // WAVE DASH is JIS X 0208's, not CP932's (which has FULLWIDTH TILDE instead).
        assert_eq!(
            encode("〜", XmlEncoding::ShiftJis),
            Err(OqsError::Unencodable { character: '〜' })
        );
        assert!(encode("～", XmlEncoding::ShiftJis).is_ok());
        assert_eq!(
            encode("😀", XmlEncoding::ShiftJis),
            Err(OqsError::Unencodable { character: '😀' })
        );
        let bytes = encode("髙橋①ｶﾅ", XmlEncoding::ShiftJis).unwrap();
        assert_eq!(decode_as(&bytes, XmlEncoding::ShiftJis).unwrap(), "髙橋①ｶﾅ");
    }

    #[test]
    fn utf16_bom_is_refused_and_utf8_bom_is_skipped() {
        assert_eq!(
            decode(b"\xFF\xFE<\0a\0/\0>\0"),
            Err(OqsError::UnsupportedEncoding("UTF-16LE".into()))
        );
        let (text, enc) = decode(b"\xEF\xBB\xBF<a/>").unwrap();
        assert_eq!((text.as_str(), enc), ("<a/>", XmlEncoding::Utf8));
    }
}
