//! The simulated terminal on a real temp folder: round trips and every fault behaviour.

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};
use std::thread;
use std::time::{Duration, Instant};

use onshi_core::codes::{
    CharacterCode, ConsentFlag, LimitCategory, QualificationValidity, ReferenceClassification,
    SegmentOfResult,
};
use onshi_core::oqs::files::{qualification_request_name, response_name_for};
use onshi_core::oqs::{parse_response, QualificationRequest};
use onshi_core::qualification::QualificationResponse;
use onshi_sim::{Population, SamplePatient, SimTerminal, SimTerminalHandle, TerminalConfig};

fn population() -> Arc<Population> {
    static POPULATION: OnceLock<Arc<Population>> = OnceLock::new();
    POPULATION
        .get_or_init(|| Arc::new(Population::generate(42)))
        .clone()
}

fn config() -> TerminalConfig {
    TerminalConfig {
        latency: Duration::from_millis(200),
        poll_interval: Duration::from_millis(20),
        in_progress_rounds: 2,
        ..TerminalConfig::default()
    }
}

/// How long a test waits for an answer that must come: far above the latency, so only a
/// terminal that never answers fails, however loaded the machine is.
const ANSWER_WAIT: Duration = Duration::from_secs(10);

fn start(dir: &Path) -> SimTerminalHandle {
    start_with(dir, config())
}

fn start_with(dir: &Path, config: TerminalConfig) -> SimTerminalHandle {
    SimTerminal::start(dir, population(), config).expect("terminal starts")
}

fn sample(key: &str) -> SamplePatient {
    population()
        .sample_patients()
        .into_iter()
        .find(|s| s.key == key)
        .unwrap_or_else(|| panic!("sample {key}"))
}

fn request_for(sample: &SamplePatient, limit_consent: bool) -> QualificationRequest {
    let wire = format!("{:>8}", sample.insurer_number);
    QualificationRequest {
        confirmation_date: "20261125".into(),
        institution_code: "1319999999".into(),
        file_identifier: Some(format!("id-{}", sample.key)),
        insurer_number: wire,
        symbol: sample.symbol.clone(),
        number: sample.number.clone(),
        branch: sample.branch.clone(),
        birthdate: sample.birthdate.replace('-', ""),
        limit_consent,
        arbitrary_identifier: None,
    }
}

/// Writes a request the way the gateway does: temp file, then rename.
fn submit(dir: &Path, suffix: &str, bytes: &[u8]) -> PathBuf {
    let name = qualification_request_name(suffix);
    let temp = dir.join("req").join(format!("{name}.tmp"));
    fs::write(&temp, bytes).unwrap();
    fs::rename(&temp, dir.join("req").join(&name)).unwrap();
    dir.join("res").join(response_name_for(&name).unwrap())
}

/// Waits for an answer file, takes it away and returns its bytes.
fn take_answer(path: &Path, within: Duration) -> Option<Vec<u8>> {
    let deadline = Instant::now() + within;
    while Instant::now() < deadline {
        if let Ok(bytes) = fs::read(path) {
            fs::remove_file(path).unwrap();
            return Some(bytes);
        }
        thread::sleep(Duration::from_millis(10));
    }
    None
}

fn ask(dir: &Path, key: &str, limit_consent: bool) -> QualificationResponse {
    let patient = sample(key);
    let answer = submit(dir, key, &request_for(&patient, limit_consent).to_xml());
    let bytes = take_answer(&answer, ANSWER_WAIT).expect("an answer");
    parse_response(&bytes).expect("a readable answer")
}

#[test]
fn round_trip_returns_the_real_response_shape() {
    let dir = tempfile::tempdir().unwrap();
    let _terminal = start(dir.path());
    for sub in ["req", "res", "face"] {
        assert!(dir.path().join(sub).is_dir());
    }
    let started = Instant::now();
    let response = ask(dir.path(), "kyokai_insured", false);
    assert!(started.elapsed() >= Duration::from_millis(200));

    let header = &response.header;
    assert_eq!(header.segment_of_result, Some(SegmentOfResult::Completed));
    assert_eq!(
        header.reference_classification,
        Some(ReferenceClassification::InsuranceCard)
    );
    assert_eq!(
        header.arbitrary_file_identifier.as_deref(),
        Some("id-kyokai_insured")
    );
    assert_eq!(
        header.qualification_confirmation_date.as_deref(),
        Some("20261125")
    );
    assert_eq!(
        header.medical_institution_code.as_deref(),
        Some("1319999999")
    );
    assert_eq!(header.character_code_identifier, Some(CharacterCode::Utf8));
    assert_eq!(
        header.process_execution_time.as_ref().map(String::len),
        Some(14)
    );
    assert_eq!(response.validity, Some(QualificationValidity::Valid));
    assert_eq!(response.results.len(), 1);
    let record = &response.results[0];
    assert_eq!(record.person.name.as_deref(), Some("見本\u{3000}太郎"));
    assert_eq!(record.person.name_kana.as_deref(), Some("ﾐﾎﾝ ﾀﾛｳ"));
    assert_eq!(
        record.insurance.insurer_name.as_deref(),
        Some("全国健康保険協会東京支部")
    );
    assert_eq!(record.insurance.branch.as_deref(), Some("00"));
    assert_eq!(
        record.insurance.partial_contribution_ratio.as_deref(),
        Some("030")
    );
    // The request file was consumed.
    assert_eq!(fs::read_dir(dir.path().join("req")).unwrap().count(), 0);
}

#[test]
fn kokuho_and_kouki_and_limit_details_come_back_as_on_the_card() {
    let dir = tempfile::tempdir().unwrap();
    let _terminal = start(dir.path());

    let kokuho = ask(dir.path(), "kokuho", false);
    let insurer = kokuho.results[0]
        .insurance
        .insurer_number
        .as_deref()
        .unwrap();
    assert_eq!(insurer.len(), 8);
    assert!(insurer.starts_with("  "));

    let kouki = ask(dir.path(), "kouki", false);
    let insurance = &kouki.results[0].insurance;
    assert_eq!(insurance.symbol, None);
    assert_eq!(insurance.branch, None);
    assert_eq!(insurance.partial_contribution_ratio.as_deref(), Some("010"));

    let without = ask(dir.path(), "limit_certificate", false);
    assert_eq!(
        without.results[0].limit.consent,
        Some(ConsentFlag::NotGiven)
    );
    assert_eq!(without.results[0].limit.certificate, None);
    let with = ask(dir.path(), "limit_certificate", true);
    let limit = &with.results[0].limit;
    assert_eq!(limit.consent, Some(ConsentFlag::Given));
    assert_eq!(
        limit.certificate.as_ref().and_then(|c| c.category.clone()),
        Some(LimitCategory::A03)
    );
}

#[test]
fn unknown_person_gets_validity_4_and_no_result() {
    let dir = tempfile::tempdir().unwrap();
    let _terminal = start(dir.path());
    let response = ask(dir.path(), "not_found", false);
    assert_eq!(
        response.header.segment_of_result,
        Some(SegmentOfResult::Completed)
    );
    assert_eq!(response.validity, Some(QualificationValidity::NotFound));
    assert!(response.results.is_empty());
}

#[test]
fn answers_do_not_queue_behind_each_other() {
    let dir = tempfile::tempdir().unwrap();
    let latency = Duration::from_millis(500);
    let _terminal = start_with(
        dir.path(),
        TerminalConfig {
            latency,
            ..config()
        },
    );
    let keys = [
        "kyokai_insured",
        "kyokai_family",
        "kokuho",
        "kouki",
        "elderly_70_74",
    ];
    let started = Instant::now();
    let answers: Vec<_> = keys
        .iter()
        .map(|key| submit(dir.path(), key, &request_for(&sample(key), false).to_xml()))
        .collect();
    for answer in answers {
        assert!(take_answer(&answer, ANSWER_WAIT).is_some());
    }
    // Five answers of 500 ms one after another would take at least 2.5 s; side by side
    // they take little more than one latency. The bound leaves 1.5 s for a loaded machine.
    let elapsed = started.elapsed();
    assert!(elapsed >= latency, "{elapsed:?}");
    assert!(elapsed < Duration::from_millis(2_000), "{elapsed:?}");
}

#[test]
fn no_answer_consumes_the_request_and_stays_silent() {
    let dir = tempfile::tempdir().unwrap();
    let terminal = start(dir.path());
    let patient = sample("no_answer");
    let answer = submit(dir.path(), "silent", &request_for(&patient, false).to_xml());
    // First the request is taken (however long a loaded machine needs for that) …
    let req = dir.path().join("req");
    let deadline = Instant::now() + ANSWER_WAIT;
    while fs::read_dir(&req).unwrap().count() > 0 {
        assert!(Instant::now() < deadline, "the request was never taken");
        thread::sleep(Duration::from_millis(10));
    }
    // … then nothing comes for well over the latency.
    assert_eq!(take_answer(&answer, config().latency * 4), None);
    assert!(terminal.is_running());
}

#[test]
fn in_progress_is_answered_for_the_configured_rounds_then_the_result() {
    let dir = tempfile::tempdir().unwrap();
    let _terminal = start(dir.path());
    let request = request_for(&sample("in_progress"), false).to_xml();
    for round in 0..2 {
        let answer = submit(dir.path(), "retry", &request);
        let response = parse_response(&take_answer(&answer, ANSWER_WAIT).unwrap()).unwrap();
        assert_eq!(
            response.header.segment_of_result,
            Some(SegmentOfResult::InProgress),
            "round {round}"
        );
        assert!(response.results.is_empty());
    }
    let answer = submit(dir.path(), "retry", &request);
    let response = parse_response(&take_answer(&answer, ANSWER_WAIT).unwrap()).unwrap();
    assert_eq!(
        response.header.segment_of_result,
        Some(SegmentOfResult::Completed)
    );
    assert_eq!(response.validity, Some(QualificationValidity::Valid));
}

#[test]
fn malformed_answer_is_a_truncated_file() {
    let dir = tempfile::tempdir().unwrap();
    let _terminal = start(dir.path());
    let answer = submit(
        dir.path(),
        "broken",
        &request_for(&sample("malformed"), false).to_xml(),
    );
    let bytes = take_answer(&answer, ANSWER_WAIT).unwrap();
    assert!(bytes.starts_with(b"<?xml"));
    assert!(parse_response(&bytes).is_err());
}

#[test]
fn shift_jis_answer_declares_and_uses_shift_jis() {
    let dir = tempfile::tempdir().unwrap();
    let _terminal = start(dir.path());
    let patient = sample("shift_jis");
    let answer = submit(dir.path(), "sjis", &request_for(&patient, false).to_xml());
    let bytes = take_answer(&answer, ANSWER_WAIT).unwrap();
    assert!(
        std::str::from_utf8(&bytes).is_err(),
        "kanji in Shift_JIS are not UTF-8"
    );
    let response = parse_response(&bytes).unwrap();
    assert_eq!(
        response.header.character_code_identifier,
        Some(CharacterCode::ShiftJis)
    );
    assert_eq!(response.results[0].person.name, patient.name);
    assert_eq!(response.results[0].person.name_kana, patient.name_kana);
}

#[test]
fn garbage_gets_an_error_answer_and_the_terminal_keeps_going() {
    let dir = tempfile::tempdir().unwrap();
    let terminal = start(dir.path());
    let answer = submit(dir.path(), "garbage", b"\x00\xffnot xml at all<<<");
    let response = parse_response(&take_answer(&answer, ANSWER_WAIT).unwrap()).unwrap();
    assert_eq!(
        response.header.segment_of_result,
        Some(SegmentOfResult::Failed)
    );
    assert!(response.header.error_code.is_some());
    assert!(response.header.error_message.is_some());
    assert!(terminal.is_running());

    // Other names and temp files are left alone.
    fs::write(dir.path().join("req").join("notes.txt"), "x").unwrap();
    fs::write(dir.path().join("req").join("OQSsiquc01req_x.xml.tmp"), "x").unwrap();
    let response = ask(dir.path(), "kyokai_family", false);
    assert_eq!(response.validity, Some(QualificationValidity::Valid));
    assert!(dir.path().join("req").join("notes.txt").exists());
    assert!(dir
        .path()
        .join("req")
        .join("OQSsiquc01req_x.xml.tmp")
        .exists());
}

#[test]
fn stop_ends_the_thread_and_no_more_answers_come() {
    let dir = tempfile::tempdir().unwrap();
    let mut terminal = start(dir.path());
    assert!(terminal.is_running());
    terminal.stop();
    assert!(!terminal.is_running());
    let answer = submit(
        dir.path(),
        "late",
        &request_for(&sample("kyokai_insured"), false).to_xml(),
    );
    assert_eq!(take_answer(&answer, Duration::from_millis(400)), None);
}
