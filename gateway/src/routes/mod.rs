//! HTTP handlers of API v1.

pub mod card_sessions;
pub mod events;
pub mod health;
pub mod qualifications;
pub mod sim_cards;
pub mod sim_faces;
