//! `--sim` only (404 otherwise): `GET /v1/sim/cards`, `POST /v1/sim/cards/{id}/insert`,
//! `POST /v1/sim/cards/remove`: the demo's virtual cards and the virtual reader.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use onshi_core::api::ErrorCode;
use tracing::warn;

use crate::api_error::ApiFailure;
use crate::server::AppState;
use crate::sim_cards::{SimCardError, SimCardList, SimCards};

fn cards(state: &AppState) -> Result<&Arc<SimCards>, ApiFailure> {
    state.sim_cards.as_ref().ok_or_else(ApiFailure::not_found)
}

pub async fn list_cards(State(state): State<AppState>) -> Result<Json<SimCardList>, ApiFailure> {
    Ok(Json(cards(&state)?.list()))
}

pub async fn insert_card(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<SimCardList>, ApiFailure> {
    cards(&state)?
        .insert(&id)
        .await
        .map(Json)
        .map_err(|err| failure(&err))
}

pub async fn remove_card(State(state): State<AppState>) -> Result<Json<SimCardList>, ApiFailure> {
    cards(&state)?
        .remove()
        .await
        .map(Json)
        .map_err(|err| failure(&err))
}

fn failure(err: &SimCardError) -> ApiFailure {
    match err {
        SimCardError::UnknownCard(_) => {
            ApiFailure::new(StatusCode::NOT_FOUND, ErrorCode::NotFound, err.to_string())
        }
        SimCardError::Vpcd(_) => {
            warn!("virtual card: {err}");
            ApiFailure::new(
                StatusCode::SERVICE_UNAVAILABLE,
                ErrorCode::ReaderUnavailable,
                err.to_string(),
            )
        }
        SimCardError::Worker(_) => ApiFailure::internal(err.to_string()),
    }
}
