//! `POST /v1/sim/face-results` (registered with `--sim` only): a patient confirms at the
//! simulated face-recognition reader now. Answers 201 with the file name; the result then
//! reaches the queue like any other, through the `face/` folder.

use std::sync::Arc;

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use onshi_core::api::SimFaceDrop;
use tracing::warn;

use crate::api_error::ApiFailure;
use crate::server::AppState;
use crate::sim::SimFaces;

pub async fn drop_face_result(
    State(state): State<AppState>,
) -> Result<(StatusCode, Json<SimFaceDrop>), ApiFailure> {
    let faces: &Arc<SimFaces> = state.sim_faces.as_ref().ok_or_else(ApiFailure::not_found)?;
    let file = faces.drop_one().await.map_err(|err| {
        warn!("{err}");
        ApiFailure::internal("the simulated reader could not write its result")
    })?;
    Ok((StatusCode::CREATED, Json(SimFaceDrop { file })))
}
