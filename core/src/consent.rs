//! 閲覧同意: the patient's decisions on who treating them may see what (oqs-interface.md
//! §3), as the kiosk records them and as the face-recognition reader reports them, in one
//! shape, so one place answers "may this category be viewed now, and on what basis".
//!
//! - `POST /v1/consents` (kiosk role; body [`GiveConsent`]) → 201 [`ConsentRecord`] with a
//!   [`ConsentRecord::receipt`]: an ES256 compact JWS (`typ` [`RECEIPT_TYP`]) by the
//!   gateway's key over [`ReceiptClaims`]. It is committed to the store before the answer.
//! - `GET /v1/consents?session=<id>` (kiosk role, the session's secret) → [`ConsentOverview`]
//!   of the patient that card session authenticated.
//! - `DELETE /v1/consents/{id}?session=<id>` (kiosk role, the same patient's card session)
//!   records a withdrawal as an event of its own; nothing is overwritten. 200
//!   [`ConsentRecord`] with `withdrawn_at`.
//!
//! A consent allows viewing for [`VALIDITY_SECS`] (24 hours) after it is given
//! (`AvailableTime`); changing it needs a new card read.

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::card_session::VerificationMethod;
use crate::jose::{verify_compact, JwsError, KeySet};

/// How long a consent allows viewing: 24 hours after it is given.
pub const VALIDITY_SECS: i64 = 24 * 60 * 60;

/// The JWS `typ` of a consent receipt; neither a credential nor an answer token can pass
/// for one.
pub const RECEIPT_TYP: &str = "onshi-consent+jwt";

/// Leeway for a receipt's `iat` ahead of the verifier's clock (clocks of one PC's
/// browser and gateway agree; a few seconds cover rounding).
pub const RECEIPT_LEEWAY_SECS: i64 = 60;

/// What a patient may allow to be viewed (閲覧同意情報種別, OQSCD036).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConsentCategory {
    /// 薬剤情報 (YZK).
    Medications,
    /// 特定健診情報 (TKK).
    Checkups,
    /// 診療情報 (SRJ).
    Diagnoses,
    /// 手術情報 (SHJ).
    Operations,
}

impl ConsentCategory {
    pub const ALL: [ConsentCategory; 4] = [
        Self::Medications,
        Self::Checkups,
        Self::Diagnoses,
        Self::Operations,
    ];

    /// Shown at a facility unless it changes its setting (薬剤 and 特定健診 on, 診療 and
    /// 手術 off, as the card readers ship).
    pub fn shown_by_default(self) -> bool {
        matches!(self, Self::Medications | Self::Checkups)
    }
}

/// The patient's answers. `None`: not asked (the facility does not show the category).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct ConsentDecisions {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub medications: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub checkups: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub diagnoses: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub operations: Option<bool>,
    /// 限度額適用認定証 information may be shared with this facility.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limit_certificate: Option<bool>,
    /// 特定疾病療養受療証 information may be shared with this facility.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub specific_disease: Option<bool>,
}

impl ConsentDecisions {
    /// The answer for `category`, if it was asked.
    pub fn get(&self, category: ConsentCategory) -> Option<bool> {
        match category {
            ConsentCategory::Medications => self.medications,
            ConsentCategory::Checkups => self.checkups,
            ConsentCategory::Diagnoses => self.diagnoses,
            ConsentCategory::Operations => self.operations,
        }
    }

    pub fn set(&mut self, category: ConsentCategory, decision: Option<bool>) {
        match category {
            ConsentCategory::Medications => self.medications = decision,
            ConsentCategory::Checkups => self.checkups = decision,
            ConsentCategory::Diagnoses => self.diagnoses = decision,
            ConsentCategory::Operations => self.operations = decision,
        }
    }

    /// Nothing was answered at all (such a consent is refused: it would record nothing).
    pub fn is_empty(&self) -> bool {
        ConsentCategory::ALL.iter().all(|c| self.get(*c).is_none())
            && self.limit_certificate.is_none()
            && self.specific_disease.is_none()
    }
}

/// Body of `POST /v1/consents`: the card session that authenticated the patient at this
/// kiosk (its secret goes as `x-onshi-session-secret`), and the decisions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GiveConsent {
    pub session: String,
    pub decisions: ConsentDecisions,
}

/// Where a stored consent was given.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConsentSource {
    /// This clinic's kiosk (`POST /v1/consents`).
    Kiosk,
    /// The face-recognition card reader, as the terminal reported it in a result.
    FaceReader,
}

/// A consent as the store keeps it and the API answers it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsentRecord {
    /// The store's id (also the receipt's `jti`).
    pub id: String,
    /// The opaque patient reference (never a card number or a name).
    pub patient: String,
    pub source: ConsentSource,
    /// How the patient was identified when consenting.
    pub method: VerificationMethod,
    pub decisions: ConsentDecisions,
    /// Unix seconds.
    pub given_at: i64,
    /// Unix seconds; viewing is allowed before this instant.
    pub valid_until: i64,
    /// Unix seconds, once withdrawn.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub withdrawn_at: Option<i64>,
    /// The gateway's signed receipt (kiosk consents).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub receipt: Option<String>,
}

/// What a receipt says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReceiptClaims {
    /// The consent's id.
    pub jti: String,
    /// The opaque patient reference.
    pub sub: String,
    /// 医療機関コード of the facility the consent was given to.
    pub facility: String,
    pub method: VerificationMethod,
    pub decisions: ConsentDecisions,
    /// Unix seconds: when it was given.
    pub iat: i64,
    /// Unix seconds: when viewing on it ends.
    pub exp: i64,
}

impl ReceiptClaims {
    /// The claims to sign for `record` at `facility`.
    pub fn for_record(record: &ConsentRecord, facility: &str) -> Self {
        Self {
            jti: record.id.clone(),
            sub: record.patient.clone(),
            facility: facility.to_string(),
            method: record.method,
            decisions: record.decisions,
            iat: record.given_at,
            exp: record.valid_until,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ReceiptError {
    #[error("the receipt does not verify: {0}")]
    Signature(#[from] JwsError),
    #[error("the token is not a consent receipt")]
    Type,
    #[error("the receipt cannot be read")]
    Claims,
    #[error("the receipt has expired")]
    Expired,
    #[error("the receipt is dated in the future")]
    NotYetValid,
    #[error("the receipt is for another consent")]
    OtherConsent,
}

/// Checks a receipt against the gateway's published `keys` at `now` (Unix seconds) and
/// that it is the receipt of consent `id`.
pub fn verify_receipt(
    token: &str,
    keys: &KeySet,
    id: &str,
    now: i64,
) -> Result<ReceiptClaims, ReceiptError> {
    let verified = verify_compact(token, keys)?;
    if verified.typ.as_deref() != Some(RECEIPT_TYP) {
        return Err(ReceiptError::Type);
    }
    let claims: ReceiptClaims =
        serde_json::from_slice(&verified.payload).map_err(|_| ReceiptError::Claims)?;
    if claims.jti != id {
        return Err(ReceiptError::OtherConsent);
    }
    if now >= claims.exp {
        return Err(ReceiptError::Expired);
    }
    if claims.iat > now.saturating_add(RECEIPT_LEEWAY_SECS) {
        return Err(ReceiptError::NotYetValid);
    }
    Ok(claims)
}

/// `GET /v1/consents?session=<id>`: the consents of the patient a card session
/// authenticated, and where each category stands now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsentOverview {
    pub consents: Vec<ConsentRecord>,
    pub states: std::collections::BTreeMap<ConsentCategory, ConsentState>,
}

impl ConsentOverview {
    /// `consents` with every category's state at `now`.
    pub fn at(consents: Vec<ConsentRecord>, now: i64) -> Self {
        let states = ConsentCategory::ALL
            .iter()
            .map(|&category| (category, state_of(&consents, category, now)))
            .collect();
        Self { consents, states }
    }
}

/// Where one category stands for a patient at an instant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum ConsentState {
    /// Viewing is allowed until `until`, on consent `id` given at `source`.
    Valid {
        id: String,
        source: ConsentSource,
        until: i64,
    },
    /// The newest answer was "no".
    Refused { id: String },
    /// The newest consent has run out (a new card read is needed).
    Expired { id: String, at: i64 },
    /// The newest consent was withdrawn.
    Withdrawn { id: String, at: i64 },
    /// Never asked.
    None,
}

impl ConsentState {
    pub fn allows_viewing(&self) -> bool {
        matches!(self, Self::Valid { .. })
    }
}

/// Where `category` stands at `now` from a patient's consents: the newest one that
/// answered it decides (a later "no" or a withdrawal ends an earlier "yes"; a later
/// consent that did not ask the category leaves it as it was).
pub fn state_of(records: &[ConsentRecord], category: ConsentCategory, now: i64) -> ConsentState {
    let newest = records
        .iter()
        .filter(|r| r.given_at <= now && r.decisions.get(category).is_some())
        .max_by(|a, b| a.given_at.cmp(&b.given_at).then_with(|| a.id.cmp(&b.id)));
    let Some(record) = newest else {
        return ConsentState::None;
    };
    let id = record.id.clone();
    match (record.withdrawn_at, record.decisions.get(category)) {
        (Some(at), _) if at <= now => ConsentState::Withdrawn { id, at },
        (_, Some(false)) => ConsentState::Refused { id },
        _ if now >= record.valid_until => ConsentState::Expired {
            id,
            at: record.valid_until,
        },
        _ => ConsentState::Valid {
            id,
            source: record.source,
            until: record.valid_until,
        },
    }
}

#[cfg(test)]
mod tests;
