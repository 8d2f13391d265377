//! The generated population: determinism, size, spread and number rules.

use std::collections::HashSet;

use onshi_core::codes::{PersonalFamily, QualificationValidity};
use onshi_core::insurer::{late_elderly_insured_number_ok, InsurerNumber};
use onshi_sim::clock::{age_on, date};
use onshi_sim::{InsurerKind, Population, SimPerson, MIN_PEOPLE};

fn today() -> onshi_sim::Date {
    date(2026, 11, 25)
}

fn check_digit_ok(insurer_number: &str) -> bool {
    InsurerNumber::parse(insurer_number).is_ok_and(|n| n.check_digit_ok())
}

fn birth(person: &SimPerson) -> onshi_sim::Date {
    let b = person.birthdate();
    date(
        b[..4].parse().unwrap(),
        b[4..6].parse().unwrap(),
        b[6..].parse().unwrap(),
    )
}

#[test]
fn same_seed_same_people_and_other_seeds_differ() {
    let a = Population::generate_on(7, today());
    let b = Population::generate_on(7, today());
    let c = Population::generate_on(8, today());
    assert_eq!(a, b);
    assert_ne!(a.people(), c.people());
}

#[test]
fn at_least_the_minimum_and_every_card_is_unique() {
    let population = Population::generate_on(1, today());
    assert!(population.len() >= MIN_PEOPLE.max(1_000));
    let keys: HashSet<_> = population
        .people()
        .iter()
        .map(|p| {
            (
                p.insurer_number(),
                p.symbol(),
                p.number(),
                p.branch(),
                p.birthdate(),
            )
        })
        .collect();
    assert_eq!(keys.len(), population.len());
}

#[test]
fn every_kind_is_present_in_a_realistic_share() {
    let population = Population::generate_on(3, today());
    let n = population.len() as f64;
    for kind in [
        InsurerKind::Kyokai,
        InsurerKind::Kumiai,
        InsurerKind::Kokuho,
        InsurerKind::Kouki,
    ] {
        let share = population
            .people()
            .iter()
            .filter(|p| p.kind == kind)
            .count() as f64
            / n;
        assert!((0.05..0.6).contains(&share), "{kind:?}: {share}");
    }
}

#[test]
fn insurer_numbers_have_their_shape_and_check_digit() {
    let population = Population::generate_on(4, today());
    for person in population.people() {
        let wire = person.insurer_number();
        assert_eq!(wire.len(), 8, "{wire:?}");
        assert!(check_digit_ok(wire), "{wire:?}");
        match person.kind {
            InsurerKind::Kokuho => assert!(wire.starts_with("  ") && wire.trim().len() == 6),
            InsurerKind::Kyokai => assert!(wire.starts_with("01")),
            InsurerKind::Kumiai => assert!(wire.starts_with("06")),
            InsurerKind::Kouki => assert!(wire.starts_with("39")),
        }
    }
}

#[test]
fn kouki_people_are_75_or_older_without_symbol_or_branch() {
    let population = Population::generate_on(5, today());
    let kouki: Vec<_> = population
        .people()
        .iter()
        .filter(|p| p.kind == InsurerKind::Kouki)
        .collect();
    assert!(!kouki.is_empty());
    for person in kouki {
        assert!(age_on(birth(person), today()) >= 75);
        assert_eq!(person.symbol(), "");
        assert_eq!(person.branch(), "");
        assert_eq!(person.number().len(), 8);
        assert!(
            late_elderly_insured_number_ok(person.number()),
            "{}",
            person.number()
        );
        let ratio = person
            .record
            .insurance
            .partial_contribution_ratio
            .as_deref();
        assert!(matches!(ratio, Some("010" | "020" | "030")), "{ratio:?}");
    }
}

#[test]
fn nobody_outside_kouki_is_75_and_ratios_follow_age() {
    let population = Population::generate_on(6, today());
    let mut elderly = 0;
    let mut preschool = 0;
    for person in population
        .people()
        .iter()
        .filter(|p| p.kind != InsurerKind::Kouki)
    {
        let age = age_on(birth(person), today());
        assert!(age < 75, "{age}");
        let ratio = person
            .record
            .insurance
            .partial_contribution_ratio
            .as_deref()
            .unwrap();
        if (70..75).contains(&age) {
            elderly += 1;
            let certificate = person.record.elderly.as_ref().expect("高齢受給者証");
            assert_eq!(certificate.contribution_ratio.as_deref(), Some(ratio));
            assert!(certificate.valid_end_date.as_deref().unwrap() >= "20261125");
        } else if person.record.insurance.preschool.is_some() {
            preschool += 1;
            assert!(age <= 6);
            assert_eq!(ratio, "020");
        } else {
            assert!(person.record.elderly.is_none());
            assert_eq!(ratio, "030");
        }
    }
    assert!(elderly > 0 && preschool > 0);
}

#[test]
fn families_share_symbol_and_number_with_distinct_branches() {
    let population = Population::generate_on(2, today());
    let families: Vec<_> = population
        .people()
        .iter()
        .filter(|p| p.record.insurance.personal_family == Some(PersonalFamily::Family))
        .collect();
    assert!(families.len() > 50);
    for member in families {
        let head = population
            .people()
            .iter()
            .find(|p| {
                p.insurer_number() == member.insurer_number()
                    && p.symbol() == member.symbol()
                    && p.number() == member.number()
                    && p.record.insurance.personal_family == Some(PersonalFamily::Insured)
            })
            .expect("the insured person of the family");
        if head.branch().is_empty() {
            // Older cards without 枝番: only the birthdate tells members apart.
            assert_eq!(member.branch(), "");
            assert_ne!(head.birthdate(), member.birthdate());
        } else {
            assert_ne!(head.branch(), member.branch());
        }
        assert_eq!(
            member.record.insurance.insured_name.as_deref(),
            Some(head.name())
        );
        let surname = |p: &SimPerson| p.name().split('\u{3000}').next().unwrap().to_string();
        assert_eq!(surname(head), surname(member));
    }
}

#[test]
fn lost_qualifications_carry_date_and_reason_and_limits_have_valid_windows() {
    let population = Population::generate_on(9, today());
    let count = |v: QualificationValidity| {
        population
            .people()
            .iter()
            .filter(|p| p.validity == v)
            .count()
    };
    assert!(count(QualificationValidity::Invalid) > 10);
    assert!(count(QualificationValidity::InvalidNewQualification) > 5);
    assert!(count(QualificationValidity::Valid) > 900);
    for person in population.people() {
        let insurance = &person.record.insurance;
        let lost = person.validity != QualificationValidity::Valid;
        assert_eq!(insurance.disqualification_date.is_some(), lost);
        assert_eq!(insurance.reason_of_loss.is_some(), lost);
        if let Some(lost_on) = &insurance.disqualification_date {
            assert!(lost_on.as_str() <= "20261125");
            assert!(insurance.qualification_date.as_deref().unwrap() < lost_on.as_str());
        }
        if let Some(limit) = &person.record.limit.certificate {
            assert!(limit.valid_start_date.as_deref().unwrap() <= "20261125");
            assert!(limit.valid_end_date.as_deref().unwrap() >= "20261125");
        }
    }
    let with_limit = population
        .people()
        .iter()
        .filter(|p| p.record.limit.certificate.is_some())
        .count();
    let with_disease = population
        .people()
        .iter()
        .filter(|p| !p.record.specific_diseases.certificates.is_empty())
        .count();
    assert!(
        with_limit > 20 && with_disease > 3,
        "{with_limit} {with_disease}"
    );
}

#[test]
fn names_are_kanji_with_half_width_kana() {
    let population = Population::generate_on(10, today());
    for person in population.people() {
        assert!(person.name().contains('\u{3000}'), "{}", person.name());
        assert!(person
            .name_kana()
            .chars()
            .all(|c| c == ' ' || ('\u{FF61}'..='\u{FF9F}').contains(&c)));
    }
}
