//! Who may do what: the one role table. The gateway enforces it on every route; the
//! component reads it to decide what to offer, so a button is never shown to someone
//! the gateway would refuse.
//!
//! Roles come from the host EMR's credential ([`crate::credential`]). Clinical views are
//! further limited by licence here and, in the clinical-views policy, by consent and
//! facility type.

use serde::{Deserialize, Serialize};

/// The caller's role, as the EMR's credential states it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// A reception desk (受付).
    Reception,
    /// A licensed clinician (see [`Licence`]).
    Clinician,
    /// The patient kiosk: a device, not a person; only the card in front of it.
    Kiosk,
    /// The clinic's administrator: the audit log and the gateway's configuration.
    Admin,
}

impl Role {
    pub const ALL: [Role; 4] = [Self::Reception, Self::Clinician, Self::Kiosk, Self::Admin];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Reception => "reception",
            Self::Clinician => "clinician",
            Self::Kiosk => "kiosk",
            Self::Admin => "admin",
        }
    }
}

/// The caller's licence (職種); required for clinicians.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Licence {
    Physician,
    Dentist,
    Pharmacist,
    Nurse,
    Clerk,
    Other,
}

impl Licence {
    pub const ALL: [Licence; 6] = [
        Self::Physician,
        Self::Dentist,
        Self::Pharmacist,
        Self::Nurse,
        Self::Clerk,
        Self::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Physician => "physician",
            Self::Dentist => "dentist",
            Self::Pharmacist => "pharmacist",
            Self::Nurse => "nurse",
            Self::Clerk => "clerk",
            Self::Other => "other",
        }
    }

    /// Physicians, dentists and pharmacists may see medication and checkup information
    /// (the national rules for who may view; consent and facility are checked apart).
    pub fn may_view_clinical_records(self) -> bool {
        matches!(self, Self::Physician | Self::Dentist | Self::Pharmacist)
    }
}

/// Where the caller works.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FacilityType {
    /// A hospital or clinic (医療機関).
    MedicalInstitution,
    /// A pharmacy (薬局).
    Pharmacy,
}

impl FacilityType {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::MedicalInstitution => "medical_institution",
            Self::Pharmacy => "pharmacy",
        }
    }
}

/// What a route lets the caller do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Capability {
    /// Run a 資格確認 by card numbers (`POST /v1/qualifications`, its queue place).
    Qualify,
    /// Read the day's reception queue and its events (names, birthdates).
    ReceptionQueue,
    /// Start and drive a My Number Card session (PIN, visual check, cancel).
    CardSession,
    /// Record the patient's consents for the card in front of the kiosk.
    Consent,
    /// Medication history (薬剤情報).
    MedicationHistory,
    /// 特定健診 results.
    CheckupResults,
    /// Read the audit log.
    AuditLog,
    /// Read the gateway's configuration.
    Configuration,
    /// The gateway's public keys (to verify its signed answers).
    GatewayKeys,
}

impl Capability {
    pub const ALL: [Capability; 9] = [
        Self::Qualify,
        Self::ReceptionQueue,
        Self::CardSession,
        Self::Consent,
        Self::MedicationHistory,
        Self::CheckupResults,
        Self::AuditLog,
        Self::Configuration,
        Self::GatewayKeys,
    ];

    /// The roles holding this capability: **the role table**.
    pub fn roles(self) -> &'static [Role] {
        use Role::*;
        match self {
            Self::Qualify | Self::ReceptionQueue => &[Reception, Clinician],
            Self::CardSession => &[Reception, Clinician, Kiosk],
            Self::Consent => &[Kiosk],
            Self::MedicationHistory | Self::CheckupResults => &[Clinician],
            Self::AuditLog | Self::Configuration => &[Admin],
            Self::GatewayKeys => &Role::ALL,
        }
    }

    /// Whether a licence check applies on top of the role.
    fn needs_clinical_licence(self) -> bool {
        matches!(self, Self::MedicationHistory | Self::CheckupResults)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Qualify => "qualify",
            Self::ReceptionQueue => "reception_queue",
            Self::CardSession => "card_session",
            Self::Consent => "consent",
            Self::MedicationHistory => "medication_history",
            Self::CheckupResults => "checkup_results",
            Self::AuditLog => "audit_log",
            Self::Configuration => "configuration",
            Self::GatewayKeys => "gateway_keys",
        }
    }
}

/// Why the table says no; each is a 403 reason code of the API.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// The caller's role does not hold the capability.
    RoleNotAllowed,
    /// A clinician whose licence may not see clinical records.
    LicenceNotAllowed,
}

/// The role table's answer for one caller and one capability.
pub fn permits(
    role: Role,
    licence: Option<Licence>,
    capability: Capability,
) -> Result<(), Refusal> {
    if !capability.roles().contains(&role) {
        return Err(Refusal::RoleNotAllowed);
    }
    if capability.needs_clinical_licence()
        && !licence.is_some_and(Licence::may_view_clinical_records)
    {
        return Err(Refusal::LicenceNotAllowed);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_as_issued() {
        use Capability::*;
        let expect = |role: Role, allowed: &[Capability]| {
            for cap in Capability::ALL {
                let licence = (role == Role::Clinician).then_some(Licence::Physician);
                assert_eq!(
                    permits(role, licence, cap).is_ok(),
                    allowed.contains(&cap),
                    "{role:?} × {cap:?}"
                );
            }
        };
        expect(
            Role::Reception,
            &[Qualify, ReceptionQueue, CardSession, GatewayKeys],
        );
        expect(
            Role::Clinician,
            &[
                Qualify,
                ReceptionQueue,
                CardSession,
                MedicationHistory,
                CheckupResults,
                GatewayKeys,
            ],
        );
        expect(Role::Kiosk, &[CardSession, Consent, GatewayKeys]);
        expect(Role::Admin, &[AuditLog, Configuration, GatewayKeys]);
    }

    #[test]
    fn kiosk_never_reads_the_queue() {
        assert_eq!(
            permits(Role::Kiosk, None, Capability::ReceptionQueue),
            Err(Refusal::RoleNotAllowed)
        );
    }

    #[test]
    fn clinical_records_by_licence() {
        for licence in Licence::ALL {
            let got = permits(
                Role::Clinician,
                Some(licence),
                Capability::MedicationHistory,
            );
            let licensed = matches!(
                licence,
                Licence::Physician | Licence::Dentist | Licence::Pharmacist
            );
            assert_eq!(got.is_ok(), licensed, "{licence:?}");
            if !licensed {
                assert_eq!(got, Err(Refusal::LicenceNotAllowed));
            }
        }
        assert_eq!(
            permits(Role::Clinician, None, Capability::CheckupResults),
            Err(Refusal::LicenceNotAllowed)
        );
        // A physician's licence does not lift the role check.
        assert_eq!(
            permits(
                Role::Reception,
                Some(Licence::Physician),
                Capability::CheckupResults
            ),
            Err(Refusal::RoleNotAllowed)
        );
    }

    #[test]
    fn names_are_the_wire_names() {
        for role in Role::ALL {
            assert_eq!(serde_json::to_value(role).unwrap(), role.as_str());
        }
        for licence in Licence::ALL {
            assert_eq!(serde_json::to_value(licence).unwrap(), licence.as_str());
        }
        for cap in Capability::ALL {
            assert_eq!(serde_json::to_value(cap).unwrap(), cap.as_str());
        }
    }
}
