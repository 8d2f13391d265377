//! The curated sample patients: stable, valid as typed, and answered as they promise.

use onshi_core::api::QualificationStatus;
use onshi_core::codes::{QualificationValidity, Sex};
use onshi_core::oqs::{QualificationRequest, XmlEncoding};
use onshi_core::query::validate;
use onshi_sim::clock::{date, now_jst};
use onshi_sim::{Behaviour, Population, SamplePatient};

fn today() -> onshi_sim::Date {
    date(2026, 11, 25)
}

fn request(sample: &SamplePatient) -> QualificationRequest {
    let valid = validate(&sample.query(), "20261125").expect("sample query validates");
    QualificationRequest::from_query(&valid, "20261125", "1319999999", None)
}

fn status_name(validity: &QualificationValidity) -> String {
    serde_json::to_value(QualificationStatus::from_validity(validity))
        .unwrap()
        .as_str()
        .unwrap()
        .to_string()
}

#[test]
fn every_sample_resolves_as_expected() {
    let population = Population::generate_on(11, today());
    let samples = population.sample_patients();
    assert_eq!(samples, Population::samples_on(today()));
    for sample in &samples {
        let request = request(sample);
        let person = population.find(&request);
        let response = population.respond(&request, "1319999999", now_jst(), XmlEncoding::Utf8);
        let validity = response.validity.clone().unwrap();
        let behaviour = person.map(|p| p.behaviour).unwrap_or_default();
        assert_eq!(behaviour, sample.behaviour, "{}", sample.key);
        match sample.expected.as_str() {
            "timeout" => assert_eq!(behaviour, Behaviour::NoAnswer),
            "bad_response" => assert_eq!(behaviour, Behaviour::Malformed),
            "in_progress_then_valid" => {
                assert_eq!(behaviour, Behaviour::InProgressThenAnswer);
                assert_eq!(validity, QualificationValidity::Valid);
            }
            expected => {
                assert_eq!(status_name(&validity), expected, "{}", sample.key);
                assert!(matches!(behaviour, Behaviour::Normal | Behaviour::ShiftJis));
            }
        }
        let record = response.results.first();
        assert_eq!(
            record.and_then(|r| r.person.name.clone()),
            sample.name,
            "{}",
            sample.key
        );
        assert_eq!(
            record.and_then(|r| r.person.name_kana.clone()),
            sample.name_kana,
            "{}",
            sample.key
        );
    }
}

#[test]
fn samples_cover_every_promised_case_and_keys_are_unique() {
    let samples = Population::samples_on(today());
    let mut keys: Vec<_> = samples.iter().map(|s| s.key.as_str()).collect();
    keys.sort();
    keys.dedup();
    assert_eq!(keys.len(), samples.len());
    for expected in [
        "valid",
        "invalid",
        "invalid_new_qualification",
        "not_found",
        "timeout",
        "in_progress_then_valid",
        "bad_response",
    ] {
        assert!(samples.iter().any(|s| s.expected == expected), "{expected}");
    }
    let shift_jis = samples
        .iter()
        .find(|s| s.behaviour == Behaviour::ShiftJis)
        .unwrap();
    assert_eq!(shift_jis.expected, "valid");
    let kokuho = samples.iter().find(|s| s.key == "kokuho").unwrap();
    assert_eq!(kokuho.insurer_number.len(), 6);
    let kouki = samples.iter().find(|s| s.key == "kouki").unwrap();
    assert_eq!((kouki.symbol.as_str(), kouki.branch.as_str()), ("", ""));
}

#[test]
fn sample_records_show_their_case() {
    let population = Population::generate_on(12, today());
    let record = |key: &str| {
        let sample = population
            .sample_patients()
            .into_iter()
            .find(|s| s.key == key)
            .unwrap();
        let mut request = request(&sample);
        request.limit_consent = true;
        let response = population.respond(&request, "1319999999", now_jst(), XmlEncoding::Utf8);
        response.results.into_iter().next().unwrap()
    };
    let elderly = record("elderly_70_74");
    assert_eq!(
        elderly.insurance.partial_contribution_ratio.as_deref(),
        Some("020")
    );
    assert!(elderly.elderly.is_some());
    let child = record("preschool");
    assert!(child.insurance.preschool.is_some());
    assert_eq!(
        child.insurance.partial_contribution_ratio.as_deref(),
        Some("020")
    );
    assert_eq!(child.person.sex1, Some(Sex::Male));
    let lost = record("disqualified");
    assert!(lost.insurance.disqualification_date.is_some());
    assert!(lost.insurance.reason_of_loss.is_some());
    assert!(record("limit_certificate").limit.certificate.is_some());
    assert_eq!(
        record("specific_disease")
            .specific_diseases
            .certificates
            .len(),
        1
    );
}

#[test]
fn request_without_branch_matches_cards_with_one_and_width_is_ignored() {
    let population = Population::generate_on(13, today());
    let sample = population
        .sample_patients()
        .into_iter()
        .find(|s| s.key == "kyokai_insured")
        .unwrap();
    let mut request = request(&sample);
    request.symbol = "９０１０２０３０".into();
    request.number = " 101 ".into();
    let person = population.find(&request).expect("the sample").id;
    // Older cards print no 枝番: the other fields still identify the person.
    request.branch.clear();
    assert_eq!(population.find(&request).map(|p| p.id), Some(person));
    request.branch = "02".into();
    assert!(population.find(&request).is_none());
    let kouki = population
        .sample_patients()
        .into_iter()
        .find(|s| s.key == "kouki")
        .unwrap();
    assert!(population.find(&self::request(&kouki)).is_some());
}
