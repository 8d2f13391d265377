//! onshi-core: the domain rules and wire formats that the browser component and the
//! local gateway share.
//!
//! Nothing here does I/O, so it builds for `wasm32-unknown-unknown` as well as natively
//! and every rule is tested with plain `cargo test`:
//!
//! - [`insurer`]: 保険者番号 and 後期高齢者 被保険者番号 shapes and check digits;
//! - [`card_number`]: 記号・番号・枝番 normalisation (NFKC, trimming, lengths);
//! - [`query`]: validation of a reception query, shared by form and gateway;
//! - [`qualification`]: the parsed 資格確認 result, grouped for people to read;
//! - [`codes`]: OQS code tables (OQSCDnnn) as open enums that keep unknown codes;
//! - [`oqs`]: the terminal's XML files (request writer, lenient response parser);
//! - [`wareki`]: Japanese era dates for display;
//! - [`jst`]: Japan-time dates from a Unix timestamp (the clinic's "today");
//! - [`api`]: the JSON types of the gateway's HTTP API;
//! - [`card_session`]: the JSON types of gateway-driven card reading;
//! - [`jpki`]: the My Number Card / phone JPKI authentication flow over a `CardChannel`;
//! - [`jose`]: the one strict ES256 compact-JWS verifier and trusted key sets;
//! - [`credential`]: the host EMR's credential (who is calling);
//! - [`roles`]: the role table (who may do what);
//! - [`answer_token`]: the gateway's signature over a qualification answer;
//! - [`national`]: the national side's challenge and refusals in a card authentication.

pub mod answer_token;
pub mod api;
pub mod card_number;
pub mod card_session;
pub mod codes;
pub mod consent;
pub mod credential;
pub mod insurer;
pub mod jose;
pub mod jpki;
pub mod jst;
pub mod national;
pub mod oqs;
pub mod qualification;
pub mod query;
pub mod roles;
pub mod wareki;
