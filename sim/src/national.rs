//! The simulated national side (オンライン資格確認等システム with J-LIS behind it) for
//! card sessions on a reader the gateway drives.
//!
//! The real exchange is not ours to call: a card authentication reaches the national side
//! only through the 資格確認端末 and its vendor software. The simulator plays it so the
//! gateway's PC/SC path can run end to end:
//!
//! 1. [`NationalSide::issue_challenge`]: 32 random bytes, remembered under an id, for the
//!    card to sign (the challenge is consumed by the first authentication that uses it, so a
//!    recorded signature cannot be replayed);
//! 2. [`NationalSide::authenticate`]: checks the signature against the certificate with
//!    [`crate::card::verify_authentication`] (chain to the test CA, validity, signature),
//!    finds the holder by certificate serial and answers with the holder's 資格確認 result
//!    (ReferenceClassification 1, My Number Card), consent flags as the patient gave them;
//! 3. [`NationalSide::confirm_certificate`]: 目視確認 (staff compared face and photo): the
//!    certificate alone is checked (chain, validity), no signature, and the same answer
//!    comes back.
//!
//! Pure logic, no clock and no OS randomness: callers pass the time and the seed, so the
//! module builds for wasm32 and tests are deterministic.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration as StdDuration, SystemTime};

use der::asn1::ObjectIdentifier;
use der::{Decode, Encode};
use rand::{RngCore, SeedableRng};
use rand_chacha::ChaCha20Rng;
use rsa::pkcs8::DecodePublicKey;
use rsa::{Pkcs1v15Sign, RsaPublicKey};
use sha2::{Digest, Sha256};
use time::PrimitiveDateTime;
use x509_cert::Certificate;

use onshi_core::codes::QualificationValidity;
use onshi_core::oqs::QualificationRequest;
use onshi_core::qualification::QualificationResponse;
use onshi_core::query::validate;

use crate::answer::{card_confirmation, ConsentAnswers};
use crate::card::catalog::{self, CardSpec, Issuer, TEST_CA_CERT};
use crate::card::{verify_authentication, CardVariant, VerifyError};
use crate::clock::ymd;
use crate::population::Population;

pub use onshi_core::national::{Challenge, NationalError, CHALLENGE_LEN};
/// Challenges not used after this many are dropped, oldest first (abandoned sessions).
const MAX_PENDING: usize = 256;
const SHA256_WITH_RSA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.11");

impl From<VerifyError> for NationalError {
    fn from(error: VerifyError) -> Self {
        match error {
            VerifyError::Expired => NationalError::CertificateExpired("expired"),
            VerifyError::NotYetValid => NationalError::CertificateExpired("not valid yet"),
            other => NationalError::Rejected(other.to_string()),
        }
    }
}

/// A successful confirmation: whose card, and the 資格確認 result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Confirmation {
    /// The virtual card's id.
    pub card_id: &'static str,
    /// The holder's sample-patient key.
    pub person_key: &'static str,
    /// The answer, as the terminal would write it (ReferenceClassification 1).
    pub response: QualificationResponse,
}

/// The simulated national side. Shared between sessions (`&self` everywhere).
#[derive(Debug)]
pub struct NationalSide {
    population: Arc<Population>,
    institution_code: String,
    rng: Mutex<ChaCha20Rng>,
    pending: Mutex<Pending>,
}

#[derive(Debug, Default)]
struct Pending {
    next_id: u64,
    challenges: HashMap<u64, [u8; CHALLENGE_LEN]>,
}

impl NationalSide {
    /// `seed` drives the challenges: give it OS randomness outside tests.
    pub fn new(population: Arc<Population>, institution_code: &str, seed: [u8; 32]) -> Self {
        Self {
            population,
            institution_code: institution_code.to_string(),
            rng: Mutex::new(ChaCha20Rng::from_seed(seed)),
            pending: Mutex::new(Pending::default()),
        }
    }

    /// A fresh random challenge, remembered until used or [`Self::withdraw`]n.
    pub fn issue_challenge(&self) -> Challenge {
        let mut bytes = [0u8; CHALLENGE_LEN];
        self.rng
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .fill_bytes(&mut bytes);
        let mut pending = self.pending.lock().unwrap_or_else(PoisonError::into_inner);
        pending.next_id += 1;
        let id = pending.next_id;
        if pending.challenges.len() >= MAX_PENDING {
            if let Some(oldest) = pending.challenges.keys().min().copied() {
                pending.challenges.remove(&oldest);
            }
        }
        pending.challenges.insert(id, bytes);
        Challenge { id, bytes }
    }

    /// Forget a challenge that will not be used (session cancelled or failed).
    pub fn withdraw(&self, id: u64) {
        self.pending
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .challenges
            .remove(&id);
    }

    /// Check a card's signature over challenge `challenge_id` and answer for its holder.
    /// The challenge is consumed whatever the outcome.
    pub fn authenticate(
        &self,
        challenge_id: u64,
        cert_der: &[u8],
        signature: &[u8],
        at: SystemTime,
        now: PrimitiveDateTime,
    ) -> Result<Confirmation, NationalError> {
        let challenge = self
            .pending
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .challenges
            .remove(&challenge_id)
            .ok_or(NationalError::UnknownChallenge)?;
        let holder = verify_authentication(cert_der, &challenge, signature, at)?;
        let card = catalog::find(holder.card_id)
            .ok_or_else(|| NationalError::Rejected("no such card".to_string()))?;
        Ok(self.confirmation(card, now))
    }

    /// 目視確認: check the certificate only (issued by the test CA, valid at `at`) and
    /// answer for its holder.
    pub fn confirm_certificate(
        &self,
        cert_der: &[u8],
        at: SystemTime,
        now: PrimitiveDateTime,
    ) -> Result<Confirmation, NationalError> {
        let card = check_certificate(cert_der, at)?;
        Ok(self.confirmation(card, now))
    }

    fn confirmation(&self, card: &'static CardSpec, now: PrimitiveDateTime) -> Confirmation {
        Confirmation {
            card_id: card.id,
            person_key: card.person_key,
            response: self.answer_for(card.person_key, now),
        }
    }

    /// The holder's record as a My Number Card answer, with the consents the patient gave.
    fn answer_for(&self, person_key: &str, now: PrimitiveDateTime) -> QualificationResponse {
        let today = ymd(now.date());
        let person = self
            .population
            .sample_patients()
            .into_iter()
            .find(|sample| sample.key == person_key)
            .and_then(|sample| validate(&sample.query(), &today).ok())
            .and_then(|valid| {
                let request =
                    QualificationRequest::from_query(&valid, &today, &self.institution_code, None);
                // The card belongs to one person: among the people the card details
                // match, the holder is the one with exactly the card's 枝番 (or none).
                self.population
                    .matches(&request)
                    .into_iter()
                    .find(|person| person.branch() == request.branch)
                    .cloned()
            });
        let (validity, results) = match person {
            Some(person) => (
                person.validity,
                vec![DESK_CONSENTS.apply(person.record, now)],
            ),
            None => (QualificationValidity::NotFound, Vec::new()),
        };
        card_confirmation(&self.institution_code, now, validity, None, results)
    }
}

/// The consent screens a patient at a desk reader answers (the component's kiosk flow
/// will ask them for real): 薬剤 and 特定健診 given, 診療 and 手術 not, 限度額 given.
const DESK_CONSENTS: ConsentAnswers = ConsentAnswers {
    medications: true,
    checkups: true,
    diagnoses: false,
    operations: false,
    limit: true,
};

/// Chain to the test CA, then validity, then the holder by serial.
fn check_certificate(cert_der: &[u8], at: SystemTime) -> Result<&'static CardSpec, NationalError> {
    let rejected = |why: &str| NationalError::Rejected(why.to_string());
    let cert = Certificate::from_der(cert_der).map_err(|_| rejected("malformed certificate"))?;
    let ca = Certificate::from_der(TEST_CA_CERT).map_err(|_| rejected("test CA unreadable"))?;
    if cert.tbs_certificate.issuer != ca.tbs_certificate.subject
        || cert.signature_algorithm.oid != SHA256_WITH_RSA
    {
        return Err(rejected("not issued by the test JPKI CA"));
    }
    let tbs = cert
        .tbs_certificate
        .to_der()
        .map_err(|_| rejected("malformed certificate"))?;
    let signature = cert
        .signature
        .as_bytes()
        .ok_or_else(|| rejected("malformed certificate signature"))?;
    let ca_key = RsaPublicKey::from_public_key_der(
        &ca.tbs_certificate
            .subject_public_key_info
            .to_der()
            .map_err(|_| rejected("test CA unreadable"))?,
    )
    .map_err(|_| rejected("test CA unreadable"))?;
    ca_key
        .verify(
            Pkcs1v15Sign::new::<Sha256>(),
            &Sha256::digest(&tbs),
            signature,
        )
        .map_err(|_| rejected("not issued by the test JPKI CA"))?;

    let validity = &cert.tbs_certificate.validity;
    let at = at
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap_or(StdDuration::ZERO);
    if at < validity.not_before.to_unix_duration() {
        return Err(NationalError::CertificateExpired("not valid yet"));
    }
    if at > validity.not_after.to_unix_duration() {
        return Err(NationalError::CertificateExpired("expired"));
    }

    let serial = cert.tbs_certificate.serial_number.as_bytes();
    catalog::CARDS
        .iter()
        .find(|card| card.variant.issuer() == Issuer::TestCa && card.serial_bytes() == serial)
        .ok_or_else(|| rejected("no card holder is registered for this certificate"))
}

/// What the sim's card picker shows for a card: its variant in words, then the holder's
/// sample-patient label.
pub fn card_labels(card: &CardSpec, population: &Population) -> (String, String) {
    let (ja, en) = match card.variant {
        CardVariant::Normal => ("マイナンバーカード", "My Number Card"),
        CardVariant::LastAttempt => (
            "マイナンバーカード（PIN残り1回）",
            "My Number Card (1 PIN try left)",
        ),
        CardVariant::Blocked => (
            "マイナンバーカード（PINロック中）",
            "My Number Card (PIN blocked)",
        ),
        CardVariant::ExpiredCertificate => (
            "マイナンバーカード（電子証明書の期限切れ）",
            "My Number Card (certificate expired)",
        ),
        CardVariant::Android => ("スマホ用電子証明書（Android）", "Smartphone (Android)"),
        CardVariant::IPhone => ("スマホ用電子証明書（iPhone）", "Smartphone (iPhone)"),
        CardVariant::UntrustedIssuer => ("偽造カード", "Counterfeit card"),
    };
    let sample = population
        .sample_patients()
        .into_iter()
        .find(|sample| sample.key == card.person_key);
    match sample {
        Some(sample) => (
            format!("{ja}：{}", sample.label_ja),
            format!("{en}: {}", sample.label_en),
        ),
        None => (ja.to_string(), en.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::card::VirtualCard;
    use crate::clock::date;
    use onshi_core::codes::{ConsentFlag, ReferenceClassification};
    use onshi_core::jpki::{self, Checkpoint, Pin};
    use time::Time;

    fn now() -> PrimitiveDateTime {
        PrimitiveDateTime::new(date(2026, 11, 25), Time::from_hms(9, 0, 0).unwrap())
    }

    fn at() -> SystemTime {
        catalog::unix_time(1_795_597_200) // 2026-11-25T09:00:00Z
    }

    fn side() -> NationalSide {
        let population = Arc::new(Population::generate_on(1, date(2026, 11, 25)));
        NationalSide::new(population, "1319999999", [7; 32])
    }

    /// Runs core's flow against the virtual card and returns (certificate, signature).
    fn sign_with(card_id: &str, challenge: &[u8]) -> (Vec<u8>, Vec<u8>) {
        let mut card = VirtualCard::open(card_id).unwrap();
        let pin = card.spec().pin;
        let checkpoint = jpki::run(jpki::start(), &mut card).unwrap();
        let Checkpoint::PinRequired(required) = checkpoint else {
            panic!("expected a PIN prompt");
        };
        let signing = required
            .verify(Pin::parse(pin).unwrap(), challenge)
            .unwrap();
        let auth = jpki::run(signing, &mut card).unwrap();
        (auth.certificate.der().to_vec(), auth.signature)
    }

    #[test]
    fn challenges_are_random_and_distinct() {
        let side = side();
        let a = side.issue_challenge();
        let b = side.issue_challenge();
        assert_ne!(a.id, b.id);
        assert_ne!(a.bytes, b.bytes);
        assert_ne!(a.bytes, [0; CHALLENGE_LEN]);
    }

    #[test]
    fn a_genuine_signature_names_the_holder_with_a_card_answer() {
        let side = side();
        let challenge = side.issue_challenge();
        let (cert, signature) = sign_with("card-01", &challenge.bytes);
        let confirmation = side
            .authenticate(challenge.id, &cert, &signature, at(), now())
            .unwrap();
        assert_eq!(confirmation.person_key, "kyokai_insured");
        let response = &confirmation.response;
        assert_eq!(
            response.header.reference_classification,
            Some(ReferenceClassification::MyNumberCard)
        );
        assert_eq!(response.validity, Some(QualificationValidity::Valid));
        let record = &response.results[0];
        assert_eq!(record.person.name.as_deref(), Some("見本\u{3000}太郎"));
        assert_eq!(
            record.viewing_consents.medications.as_ref().unwrap().flag,
            Some(ConsentFlag::Given)
        );
        assert_eq!(
            record.viewing_consents.operations.as_ref().unwrap().flag,
            Some(ConsentFlag::NotGiven)
        );
    }

    #[test]
    fn a_challenge_is_good_for_one_authentication_only() {
        let side = side();
        let challenge = side.issue_challenge();
        let (cert, signature) = sign_with("card-02", &challenge.bytes);
        side.authenticate(challenge.id, &cert, &signature, at(), now())
            .unwrap();
        assert_eq!(
            side.authenticate(challenge.id, &cert, &signature, at(), now()),
            Err(NationalError::UnknownChallenge)
        );
    }

    #[test]
    fn forged_signature_counterfeit_and_expired_are_refused() {
        let side = side();
        let challenge = side.issue_challenge();
        let (cert, mut signature) = sign_with("card-03", &challenge.bytes);
        signature[10] ^= 0x01;
        assert!(matches!(
            side.authenticate(challenge.id, &cert, &signature, at(), now()),
            Err(NationalError::Rejected(_))
        ));

        let challenge = side.issue_challenge();
        let (cert, signature) = sign_with("counterfeit", &challenge.bytes);
        assert!(matches!(
            side.authenticate(challenge.id, &cert, &signature, at(), now()),
            Err(NationalError::Rejected(_))
        ));

        let challenge = side.issue_challenge();
        let (cert, signature) = sign_with("expired", &challenge.bytes);
        assert!(matches!(
            side.authenticate(challenge.id, &cert, &signature, at(), now()),
            Err(NationalError::CertificateExpired(_))
        ));
    }

    #[test]
    fn a_visual_check_confirms_the_certificate_alone() {
        let side = side();
        let card = VirtualCard::open("card-05").unwrap();
        let confirmation = side
            .confirm_certificate(card.certificate_der(), at(), now())
            .unwrap();
        assert_eq!(confirmation.person_key, "elderly_70_74");

        let expired = VirtualCard::open("expired").unwrap();
        assert!(matches!(
            side.confirm_certificate(expired.certificate_der(), at(), now()),
            Err(NationalError::CertificateExpired("expired"))
        ));
        let counterfeit = VirtualCard::open("counterfeit").unwrap();
        assert!(matches!(
            side.confirm_certificate(counterfeit.certificate_der(), at(), now()),
            Err(NationalError::Rejected(_))
        ));
        assert!(matches!(
            side.confirm_certificate(b"not a certificate", at(), now()),
            Err(NationalError::Rejected(_))
        ));
    }

    #[test]
    fn labels_name_the_variant_and_the_holder() {
        let population = Population::generate_on(1, date(2026, 11, 25));
        let (ja, en) = card_labels(catalog::find("blocked").unwrap(), &population);
        assert!(ja.starts_with("マイナンバーカード（PINロック中）"), "{ja}");
        assert!(en.contains("PIN blocked"), "{en}");
    }
}
