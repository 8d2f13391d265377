//! `GET /v1/audit` (admin): the access log in chain order (oldest first), filtered by JST
//! date range (`from`, `to`: `YYYY-MM-DD`, inclusive), caller (`sub`) and opaque patient
//! reference (`patient`), paged by `after` (a `seq`) and `limit`. Reading the log is
//! itself recorded.

use std::collections::BTreeMap;

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::Json;
use onshi_core::api::ErrorCode;
use serde::{Deserialize, Serialize};
use time::{Date, Month};
use tracing::warn;

use crate::api_error::ApiFailure;
use crate::auth::Who;
use crate::server::AppState;
use crate::store::audit::AuditView;
use crate::store::AuditFilter;

const DEFAULT_LIMIT: usize = 200;
const MAX_LIMIT: usize = 1000;

/// Query parameters, as text so that a bad value gets a contract error.
#[derive(Debug, Default, Deserialize)]
pub struct AuditParams {
    from: Option<String>,
    to: Option<String>,
    sub: Option<String>,
    patient: Option<String>,
    after: Option<String>,
    limit: Option<String>,
}

/// One page of the log.
#[derive(Debug, Serialize)]
pub struct AuditAnswer {
    pub entries: Vec<AuditView>,
    pub more: bool,
}

pub async fn audit_log(
    State(state): State<AppState>,
    who: Who,
    params: Result<Query<AuditParams>, QueryRejection>,
) -> Result<Json<AuditAnswer>, ApiFailure> {
    let Query(params) = params.map_err(|rejection| {
        ApiFailure::new(
            StatusCode::BAD_REQUEST,
            ErrorCode::BadRequest,
            format!("the query string cannot be read: {}", rejection.body_text()),
        )
    })?;
    let filter = AuditFilter {
        from: params
            .from
            .as_deref()
            .map(|d| date(d, "from"))
            .transpose()?,
        to: params.to.as_deref().map(|d| date(d, "to")).transpose()?,
        sub: params.sub.filter(|s| !s.is_empty()),
        patient_ref: params.patient.filter(|p| !p.is_empty()),
    };
    let after = number(params.after.as_deref(), "after", 0, i64::MAX)?;
    let limit = number(params.limit.as_deref(), "limit", 1, MAX_LIMIT as i64)?;
    let limit = if params.limit.is_none() {
        DEFAULT_LIMIT
    } else {
        limit as usize
    };
    state
        .audit
        .record_or_refuse(who.entry("audit.read"))
        .await?;
    let page = state
        .reception
        .store()
        .page(filter, after, limit)
        .await
        .map_err(|err| {
            warn!("cannot read the audit log: {err}");
            ApiFailure::new(
                StatusCode::SERVICE_UNAVAILABLE,
                ErrorCode::StoreUnavailable,
                "the audit log cannot be read now; retry when the store is reachable",
            )
        })?;
    Ok(Json(AuditAnswer {
        entries: page.records.iter().map(|r| r.view()).collect(),
        more: page.more,
    }))
}

fn bad(field: &str, message: &str) -> ApiFailure {
    let mut fields = BTreeMap::new();
    fields.insert(field.to_string(), "invalid".to_string());
    ApiFailure::new(StatusCode::BAD_REQUEST, ErrorCode::BadRequest, message).with_fields(fields)
}

/// `YYYY-MM-DD`.
fn date(text: &str, field: &str) -> Result<Date, ApiFailure> {
    let parts: Vec<&str> = text.trim().split('-').collect();
    let parsed = match parts.as_slice() {
        [y, m, d] if y.len() == 4 && m.len() == 2 && d.len() == 2 => {
            let y = y.parse::<i32>().ok();
            let m = m.parse::<u8>().ok().and_then(|m| Month::try_from(m).ok());
            let d = d.parse::<u8>().ok();
            y.zip(m)
                .zip(d)
                .and_then(|((y, m), d)| Date::from_calendar_date(y, m, d).ok())
        }
        _ => None,
    };
    parsed.ok_or_else(|| bad(field, &format!("{field} must be a date YYYY-MM-DD")))
}

fn number(text: Option<&str>, field: &str, min: i64, max: i64) -> Result<i64, ApiFailure> {
    match text {
        None => Ok(min),
        Some(text) => text
            .trim()
            .parse::<i64>()
            .ok()
            .filter(|n| (min..=max).contains(n))
            .ok_or_else(|| {
                bad(
                    field,
                    &format!("{field} must be a whole number from {min} to {max}"),
                )
            }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_calendar_dates() {
        assert_eq!(
            date("2026-12-02", "from").unwrap(),
            Date::from_calendar_date(2026, Month::December, 2).unwrap()
        );
        for bad in ["2026-02-30", "2026-2-3", "20261202", "", "2026-13-01"] {
            assert!(date(bad, "from").is_err(), "{bad}");
        }
    }
}
