//! The qualification terminal's XML files (`XmlMsg` envelope).
//!
//! - [`request`]: the 資格確認 request the gateway writes into `req/` (and the simulator reads);
//! - [`response`]: the terminal's answer in `res/` and unprompted face results in `face/`,
//!   read leniently into [`crate::qualification::QualificationResponse`] and written back
//!   by the simulator;
//! - [`files`]: the file names that tie a request to its answer;
//! - [`matching`]: whether an answer really answers its request (echoed keys);
//! - [`verdict`]: what an answer means (final, 処理中, error, unusable), for `res/` and
//!   `face/` alike.
//!
//! Reading is lenient because the real files vary: the encoding comes from a BOM or the
//! XML declaration (UTF-8 or Shift_JIS/CP932, UTF-8 when undeclared), elements may come in
//! any order, unknown elements are ignored at every level, repeated groups may be one or
//! many, and values are kept as strings exactly as written. What is refused is anything
//! that is not a well-formed `XmlMsg`: those are [`OqsError`]s, never panics.

mod encoding;
mod error;
pub mod files;
pub mod matching;
pub mod request;
pub mod response;
mod tree;
pub mod verdict;
mod writer;

pub use encoding::XmlEncoding;
pub use error::OqsError;
pub use request::QualificationRequest;
pub use response::{parse_response, write_response};
