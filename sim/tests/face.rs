//! Face results on a real temp folder: the library call and the `onshi-sim face` command.

use std::process::Command;
use std::sync::Arc;

use onshi_core::codes::{ReferenceClassification, SegmentOfResult};
use onshi_core::oqs::parse_response;
use onshi_sim::face::{drop_face_result, face_file_name, FACE_FILE_PREFIX};
use onshi_sim::{FaceReader, Population};

fn names_in(dir: &std::path::Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn dropped_results_are_complete_unique_and_leave_no_temp_files() {
    let dir = tempfile::tempdir().unwrap();
    let mut reader = FaceReader::new(Arc::new(Population::generate(3)), 3, "1319999999");
    let mut seq = 0;
    let mut returned = Vec::new();
    for _ in 0..3 {
        returned.push(drop_face_result(dir.path(), &mut reader, &mut seq).unwrap());
    }
    returned.sort();
    assert_eq!(names_in(dir.path()), returned);
    for name in &returned {
        assert!(name.starts_with(FACE_FILE_PREFIX) && name.ends_with(".xml"));
        let response = parse_response(&std::fs::read(dir.path().join(name)).unwrap()).unwrap();
        assert_eq!(
            response.header.reference_classification,
            Some(ReferenceClassification::MyNumberCard)
        );
        assert_eq!(response.results.len(), 1);
    }
}

#[test]
fn a_taken_name_is_skipped_not_overwritten() {
    let dir = tempfile::tempdir().unwrap();
    // The names a restarted process (counter back at 0) would pick now and a second later.
    let now = onshi_sim::clock::now_jst();
    let taken = [
        face_file_name(now, 1),
        face_file_name(now + time::Duration::seconds(1), 1),
    ];
    for name in &taken {
        std::fs::write(dir.path().join(name), b"earlier").unwrap();
    }
    let mut reader = FaceReader::new(Arc::new(Population::generate(3)), 3, "1319999999");
    let mut seq = 0;
    let name = drop_face_result(dir.path(), &mut reader, &mut seq).unwrap();
    assert!(!taken.contains(&name), "{name}");
    for name in &taken {
        assert_eq!(std::fs::read(dir.path().join(name)).unwrap(), b"earlier");
    }
    assert_eq!(names_in(dir.path()).len(), 3);
}

#[test]
fn command_writes_count_files_into_face_and_prints_their_names() {
    let dir = tempfile::tempdir().unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_onshi-sim"))
        .args(["face", "--count", "3", "--dir"])
        .arg(dir.path())
        .env("RUST_LOG", "warn")
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    let mut printed: Vec<String> = String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect();
    printed.sort();
    let face = dir.path().join("face");
    assert_eq!(names_in(&face), printed);
    assert_eq!(printed.len(), 3);
    let response = parse_response(&std::fs::read(face.join(&printed[0])).unwrap()).unwrap();
    assert_eq!(
        response.header.segment_of_result,
        Some(SegmentOfResult::Completed)
    );
    assert_eq!(
        response.header.medical_institution_code.as_deref(),
        Some("1319999999")
    );
}
