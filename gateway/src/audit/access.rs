//! The audit entries of API accesses: who (the verified caller), what (an action name),
//! whose data (an opaque patient reference), how it ended, and the request id the access
//! log carries too.
//!
//! Patient references are made from the insurance numbers, normalised as core compares
//! them (width, padding, leading zeros), so a lookup by card numbers and the answer that
//! comes back name the same patient with the same reference.

use axum::http::StatusCode;
use onshi_core::api::{ErrorCode, QualificationAnswer};
use onshi_core::card_number::normalize;
use onshi_core::credential::Caller;

use super::{now_ms, AuditError, Auditor};
use crate::api_error::ApiFailure;
use crate::store::audit::{OUTCOME_FAILED, OUTCOME_OK, OUTCOME_REFUSED};
use crate::store::AuditEntry;

/// Stands for the caller when no credential could be verified.
pub const UNKNOWN_CALLER: &str = "-";

/// An entry for `action` by `caller` (`None`: no valid credential), outcome ok.
pub fn entry(caller: Option<&Caller>, request_id: u64, action: &str) -> AuditEntry {
    AuditEntry {
        at_ms: now_ms(),
        sub: caller.map_or(UNKNOWN_CALLER.to_string(), |c| c.sub.clone()),
        role: caller.map_or(UNKNOWN_CALLER.to_string(), |c| c.role.as_str().to_string()),
        licence: caller
            .and_then(|c| c.licence)
            .map(|l| l.as_str().to_string()),
        facility: caller.map(|c| c.facility_code.clone()),
        action: action.to_string(),
        patient_ref: None,
        outcome: OUTCOME_OK.to_string(),
        reason: None,
        request_id: request_id.to_string(),
        // Stamped by the auditor.
        desk: String::new(),
    }
}

/// The same entry, refused for `code`.
pub fn refused(mut entry: AuditEntry, code: ErrorCode) -> AuditEntry {
    entry.outcome = OUTCOME_REFUSED.to_string();
    entry.reason = Some(code_name(code));
    entry
}

/// The same entry, failed with `code`.
pub fn failed(mut entry: AuditEntry, code: ErrorCode) -> AuditEntry {
    entry.outcome = OUTCOME_FAILED.to_string();
    entry.reason = Some(code_name(code));
    entry
}

/// The outcome an error answer stands for: the gateway's own refusals (4xx) or a failure
/// after the access was allowed (5xx).
pub fn ended_with(entry: AuditEntry, failure: &ApiFailure) -> AuditEntry {
    if failure.status.is_client_error() {
        refused(entry, failure.code)
    } else {
        failed(entry, failure.code)
    }
}

fn code_name(code: ErrorCode) -> String {
    serde_json::to_value(code)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

/// Key material for a patient reference: 保険者番号, 記号, 番号 and 枝番, normalised.
pub fn patient_key(insurer: &str, symbol: &str, number: &str, branch: &str) -> String {
    let part = |value: &str| normalize(value).trim_start_matches('0').to_string();
    format!(
        "{}|{}|{}|{}",
        part(insurer),
        part(symbol),
        part(number),
        part(branch)
    )
}

/// Key material of the (first) person an answer names; `None` without insurance numbers.
pub fn answer_patient_key(answer: &QualificationAnswer) -> Option<String> {
    let insurance = &answer.results.first()?.insurance;
    let text = |v: &Option<String>| v.as_deref().unwrap_or_default().to_string();
    let insurer = insurance.insurer_number.as_deref()?;
    Some(patient_key(
        insurer,
        &text(&insurance.symbol),
        &text(&insurance.number),
        &text(&insurance.branch),
    ))
}

impl Auditor {
    /// Records `entry`; an access that could not be recorded is answered with 503 and
    /// never carried out.
    pub async fn record_or_refuse(&self, entry: AuditEntry) -> Result<(), ApiFailure> {
        self.record(entry).await.map_err(|err| not_recorded(&err))
    }

    /// [`Self::record_or_refuse`] for several entries at once.
    pub async fn record_all_or_refuse(&self, entries: Vec<AuditEntry>) -> Result<(), ApiFailure> {
        if entries.is_empty() {
            return Ok(());
        }
        self.record_all(entries)
            .await
            .map(|_| ())
            .map_err(|err| not_recorded(&err))
    }
}

fn not_recorded(err: &AuditError) -> ApiFailure {
    tracing::warn!(error = %err, "an access was refused because the audit log could not record it");
    ApiFailure::new(
        StatusCode::SERVICE_UNAVAILABLE,
        ErrorCode::StoreUnavailable,
        "the audit log cannot be written, so nothing is answered; retry when GET /v1/health \
         reports the store reachable",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_patient_one_key_however_the_numbers_are_written() {
        assert_eq!(
            patient_key("06139999", "１２３４", "0005678", "01"),
            patient_key("6139999", "1234", "5678", "1")
        );
        assert_ne!(
            patient_key("06139999", "12", "345", "01"),
            patient_key("06139999", "123", "45", "01")
        );
    }
}
