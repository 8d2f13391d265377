//! Validation of a reception query (insurance card / 資格確認書), shared by the form in the
//! browser and the gateway, so both give the same verdict on the same input.
//!
//! STUB: signatures fixed; the numbers helper implements the bodies.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::api::QualificationQuery;
use crate::insurer::InsurerNumber;

/// What is wrong with one field. Serialized as its snake_case name in API errors.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldProblem {
    Required,
    TooLong,
    Format,
    /// Shape is fine but the check digit does not match: a warning the user may override.
    CheckDigit,
    /// Not a real calendar date, or in the future.
    Date,
}

/// A query that passed validation, normalised for the wire.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidQuery {
    pub insurer: InsurerNumber,
    /// NFKC half-width, trimmed; may be empty (後期高齢 has no 記号).
    pub symbol: String,
    pub number: String,
    /// Two digits, or empty when the card has none (never invented as "00").
    pub branch: String,
    /// `yyyyMMdd`.
    pub birthdate: String,
}

/// Problems per field, keyed by the JSON field name of [`QualificationQuery`].
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct QueryProblems {
    pub fields: BTreeMap<String, FieldProblem>,
}

impl QueryProblems {
    /// True when the only problems are check digits, which the user may override.
    pub fn only_check_digits(&self) -> bool {
        !self.fields.is_empty() && self.fields.values().all(|p| *p == FieldProblem::CheckDigit)
    }
}

/// Validates and normalises a query. `today` (`yyyyMMdd`) bounds the birthdate.
/// With `query.override_check_digit`, check-digit problems are not reported.
pub fn validate(query: &QualificationQuery, today: &str) -> Result<ValidQuery, QueryProblems> {
    let _ = (query, today);
    unimplemented!("numbers helper")
}
