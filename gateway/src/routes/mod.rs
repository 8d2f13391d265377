//! HTTP handlers of API v1.

pub mod audit;
pub mod card_sessions;
pub mod consents;
pub mod events;
pub mod health;
pub mod keys;
pub mod qualifications;
#[cfg(feature = "sim")]
pub mod sim_cards;
#[cfg(feature = "sim")]
pub mod sim_faces;
