//! onshi-sim: faithful stand-ins for what onshi cannot reach.
//!
//! - [`Population`]: a deterministic synthetic population (協会けんぽ, 健保組合, 国保,
//!   後期高齢者; families, 高齢受給者, 未就学, 限度額, 特定疾病, lost qualifications) that
//!   the simulated national system answers from, with curated [`SamplePatient`]s for demos
//!   and tests;
//! - [`answer`]: the terminal's answers as result models;
//! - [`face`]: results of the face-recognition card reader ([`FaceReader`]), which the
//!   terminal drops into `face/` unasked;
//! - [`card`]: virtual My Number Cards answering JPKI APDUs (synthetic RSA-2048 keys and
//!   test CA, committed fixtures) and the national side's signature check; `vpcd`
//!   (feature `terminal`) puts one into pcscd's virtual reader;
//! - `terminal` (feature `terminal`, on by default): [`SimTerminal`], a 資格確認端末 that
//!   answers `req/` files with `res/` files, with per-person faults ([`Behaviour`]).
//!
//! Without the `terminal` feature the crate uses no threads and no file system, so it
//! builds for `wasm32-unknown-unknown`.

pub mod answer;
pub mod card;
pub mod clock;
mod config;
pub mod face;
pub mod insurers;
mod names;
pub mod national;
mod person;
mod population;
mod samples;
#[cfg(feature = "terminal")]
pub mod terminal;
#[cfg(feature = "terminal")]
pub mod vpcd;

pub use config::{Behaviour, TerminalConfig};
pub use face::FaceReader;
pub use insurers::{Insurer, InsurerKind};
pub use person::SimPerson;
pub use population::{Population, MIN_PEOPLE};
pub use samples::SamplePatient;
#[cfg(feature = "terminal")]
pub use terminal::{SimTerminal, SimTerminalHandle, TerminalError};
/// Dates of the population (`time::Date`).
pub use time::Date;
