//! `GET /v1/keys`: this desk's public signing key as a JWK Set, so the component and the
//! EMR's server can check the answers' `token` and the audit checkpoints.

use axum::extract::State;
use axum::Json;
use serde_json::Value;

use crate::server::AppState;

pub async fn keys(State(state): State<AppState>) -> Json<Value> {
    Json(state.audit.key().jwks())
}
