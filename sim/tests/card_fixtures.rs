//! The committed card fixtures agree with the catalog, and carry nothing personal.

use onshi_core::jpki::{AuthCertificate, SignatureAlgorithm};
use onshi_sim::card::catalog::{self, CardVariant, Issuer, CARDS};
use onshi_sim::card::{CardError, VirtualCard};
use onshi_sim::Population;

#[test]
fn every_card_opens_and_belongs_to_a_sample_patient() {
    let samples = Population::samples_on(onshi_sim::clock::date(2026, 11, 25));
    for spec in CARDS {
        let card = VirtualCard::open(spec.id).unwrap();
        assert_eq!(card.spec(), spec);
        assert!(
            samples.iter().any(|s| s.key == spec.person_key),
            "{}: no sample patient {}",
            spec.id,
            spec.person_key
        );
        assert_eq!(card.tries_left(), spec.variant.initial_tries());
    }
}

#[test]
fn ids_are_unique_and_genuine_serials_too() {
    let mut ids: Vec<_> = CARDS.iter().map(|c| c.id).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), CARDS.len());
    let mut serials: Vec<_> = CARDS
        .iter()
        .filter(|c| c.variant.issuer() == Issuer::TestCa)
        .map(|c| c.serial)
        .collect();
    let genuine = serials.len();
    serials.sort_unstable();
    serials.dedup();
    assert_eq!(serials.len(), genuine);
}

#[test]
fn certificates_name_no_one_and_match_the_catalog() {
    for spec in CARDS {
        let der = VirtualCard::open(spec.id).unwrap().certificate_der();
        let cert = AuthCertificate::from_der(der).unwrap();
        assert_eq!(cert.algorithm(), SignatureAlgorithm::RsaPkcs1Sha256);
        assert_eq!(cert.serial_hex(), spec.serial_hex(), "{}", spec.id);
        // Only the opaque serial, the synthetic organisation and the country.
        assert_eq!(
            cert.subject(),
            format!(
                "CN={},OU=synthetic JPKI user authentication,O=onshi test,C=JP",
                spec.serial_hex()
            )
        );
        assert!(
            cert.subject().is_ascii(),
            "no kanji name: {}",
            cert.subject()
        );
        assert_eq!(cert.issuer(), catalog::CA_NAME);
        let (not_before, not_after) = spec.variant.validity();
        assert_eq!(
            cert.not_before().unix_duration().as_secs(),
            not_before,
            "{}",
            spec.id
        );
        assert_eq!(cert.not_after().unix_duration().as_secs(), not_after);
    }
}

#[test]
fn variants_cover_what_the_tests_and_demos_need() {
    for variant in [
        CardVariant::Normal,
        CardVariant::LastAttempt,
        CardVariant::Blocked,
        CardVariant::ExpiredCertificate,
        CardVariant::Android,
        CardVariant::IPhone,
        CardVariant::UntrustedIssuer,
    ] {
        assert!(CARDS.iter().any(|c| c.variant == variant), "{variant:?}");
    }
    assert_eq!(
        CARDS
            .iter()
            .filter(|c| matches!(c.variant, CardVariant::Normal | CardVariant::LastAttempt))
            .count(),
        8
    );
}

#[test]
fn an_unknown_card_id_lists_the_known_ones() {
    let error = VirtualCard::open("card-99").unwrap_err();
    assert!(matches!(error, CardError::UnknownCard(ref id) if id == "card-99"));
    assert!(error.to_string().contains("card-01, card-02"), "{error}");
}

#[cfg(feature = "terminal")]
#[test]
fn the_committed_index_is_what_the_generator_writes() {
    use onshi_sim::card::generate::{index_json, FIXTURE_SEED};
    let committed = include_str!("../fixtures/cards/index.json");
    assert_eq!(committed, index_json(FIXTURE_SEED).unwrap());
}
