//! Virtual My Number Cards: the JPKI AP (公的個人認証AP) as the host flow in
//! `onshi_core::jpki` meets it, with synthetic RSA-2048 keys and a synthetic test CA.
//!
//! - [`VirtualCard`] answers command APDUs ([`VirtualCard::respond`]) and is a
//!   [`onshi_core::jpki::CardChannel`], so core's flow runs against it in-process; the
//!   `vpcd` module (feature `terminal`) puts it behind pcscd.
//! - [`catalog::CARDS`] lists the cards (holders are sample patients, by key); their keys
//!   and certificates are committed fixtures, never generated at runtime.
//! - [`verify_authentication`] is the simulated national side's check of a signature.
//!
//! The card has only the JPKI AP's authentication half. The 券面事項入力補助AP and
//! 券面事項確認AP answer 6A82 (not present): nothing here holds an individual number.
//!
//! Pure logic, no I/O: builds for wasm32 (browser tests put a card behind a fake WebUSB
//! reader).

mod apdu;
pub mod catalog;
mod files;
#[cfg(feature = "terminal")]
pub mod generate;
mod pin;
mod verify;
mod virtual_card;

pub use apdu::sw;
pub use catalog::{CardSpec, CardVariant, CARDS};
pub use files::{CERT_EF_LEN, TOKEN_INFO_LEN};
pub use pin::AUTH_PIN_TRIES;
pub use verify::{verify_authentication, CardHolderRef, VerifyError};
pub use virtual_card::{CardError, ReadOverrun, VirtualCard, ATR};
