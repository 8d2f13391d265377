//! HTTP handlers of API v1.

pub mod health;
pub mod qualifications;
