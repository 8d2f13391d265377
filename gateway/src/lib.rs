//! onshi-gateway: the local loopback service between the onshi browser component and the
//! オンライン資格確認 terminal.
//!
//! It accepts `POST /v1/qualifications` (card details as JSON), validates them with the
//! rules in `onshi-core`, exchanges request/answer XML files with the terminal through its
//! `req/` and `res/` folders, and answers with `onshi_core::api::QualificationAnswer`.
//! `GET /v1/health` reports the mode and whether the terminal folder is usable.
//!
//! Face-recognition reader results, which the terminal drops into `face/` unasked, are
//! watched for ([`face_watch`]), committed to the store ([`store`]) and pushed to the
//! reception screens over SSE (`GET /v1/events`, [`reception`]).
//!
//! The store has two backends behind one trait: SQLite (`<data-dir>/onshi.sqlite3`, the
//! default, one desk) and PostgreSQL (`--store postgres://…`), shared by several desks
//! whose gateways all watch the same terminal share. With PostgreSQL each face file is
//! claimed by exactly one gateway clinic-wide, event ids are committed in order, and
//! `LISTEN/NOTIFY` wakes every desk's feeds, so every desk shows the same events with the
//! same ids.
//!
//! My Number Cards on a reader the gateway drives run as card sessions
//! ([`card_session`], `POST /v1/card-sessions`) over PC/SC ([`card_reader`]); in `--sim`
//! mode the national side is simulated and virtual cards go into pcscd's vpcd reader
//! (`sim_cards`).
//!
//! The simulator (`--sim`, the `sim` and `sim_cards` modules, the `/v1/sim/…` routes) is
//! compiled only with the `sim` cargo feature, so a clinic's build carries neither it nor
//! the virtual cards' test keys.
//!
//! # Running it
//!
//! `onshi-gateway serve --sim` runs the embedded simulated terminal; `onshi-gateway serve
//! --terminal-dir DIR --institution-code CODE` uses a real terminal share. The data folder
//! (`--data-dir`, default the user's local data folder, e.g.
//! `~/.local/share/onshi-gateway`; on a local disk; owner-only, see [`data_dir`]) keeps
//! the store, taken-in face files in `face-archive/`, unusable terminal answers and face
//! files in `rejected/` and, in sim mode, the simulator's folder `sim-terminal/`.
//!
//! In-process (tests, scripts): build a [`Config`], bind a loopback
//! `tokio::net::TcpListener` and call [`serve`] with a shutdown future, or
//! [`Gateway::bind`] to learn the URL before [`Gateway::run`].
//!
//! # Security
//!
//! Loopback only; Host allowlist against DNS rebinding; Origin allowlist with exact CORS;
//! cross-site requests without an allowed Origin refused (`Sec-Fetch-Site`); body size
//! limit; a request timeout and caps on in-flight requests, event streams and connections
//! ([`limits`]); every error is `{"error":{"code","message","fields"}}`. See
//! [`security`]. Logs at info level carry request ids, statuses and timings, never
//! names, card numbers or birthdates.

pub mod access_log;
pub mod api_error;
pub mod audit;
pub mod auth;
pub mod card_reader;
pub mod card_session;
pub mod cli;
pub mod clock;
pub mod config;
pub mod consents;
pub mod data_dir;
pub mod desk;
pub mod error;
pub mod face_watch;
pub mod json;
pub mod keys;
pub mod limits;
pub mod reception;
pub mod routes;
pub mod security;
pub mod server;
#[cfg(feature = "sim")]
pub mod sim;
#[cfg(feature = "sim")]
pub mod sim_cards;
pub mod store;
pub mod terminal_link;

pub use config::{Config, Mode};
pub use error::GatewayError;
pub use server::{app, serve, AppState, Gateway};
pub use terminal_link::LinkTimings;
