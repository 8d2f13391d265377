//! `GET /v1/health`: mode, terminal folder and store, all from caches (a probe runs in
//! the background), so a health poll never waits for a slow share or database.

use axum::extract::State;
use axum::Json;
use onshi_core::api::Health;

use crate::server::AppState;

pub async fn health(State(state): State<AppState>) -> Json<Health> {
    Json(Health {
        status: "ok".to_string(),
        mode: state.mode,
        terminal: state.link.state().await,
        version: env!("CARGO_PKG_VERSION").to_string(),
        store: Some(state.reception.store_health()),
        desks: Some(state.desks.presence()),
    })
}
