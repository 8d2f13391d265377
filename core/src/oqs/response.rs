//! The 資格確認 response (`OQSsiquc01res_*.xml`) and face results: read leniently by the
//! gateway, written by the simulator.

mod read;
mod write;

use super::encoding::{decode, encode};
use super::{OqsError, XmlEncoding};
use crate::qualification::QualificationResponse;

/// Reads a response or face-result file.
///
/// Lenient by design (see the module docs of [`crate::oqs`]): any element order, unknown
/// elements ignored, one or many results, empty elements read as `None`, values kept as
/// written. Only a file that is not a well-formed `XmlMsg` is an error.
pub fn parse_response(bytes: &[u8]) -> Result<QualificationResponse, OqsError> {
    let (text, _) = decode(bytes)?;
    read::response(&super::tree::parse(&text)?)
}

/// Writes a response file that [`parse_response`] reads back equal.
///
/// Values are written as held (no padding added). For Shift_JIS the declaration says so,
/// `CharacterCodeIdentifier` becomes `1` when the header has none, and a character outside
/// CP932 is refused with [`OqsError::Unencodable`]. A group whose fields are all `None`
/// (e.g. `elderly: Some(default)`) is not written, so it reads back as absent.
pub fn write_response(
    response: &QualificationResponse,
    encoding: XmlEncoding,
) -> Result<Vec<u8>, OqsError> {
    encode(&write::response(response, encoding), encoding)
}
