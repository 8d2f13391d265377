//! The data folder holds patient data: after a start it and what the gateway puts in it
//! are the owner's alone, and a folder left readable by others is tightened.
#![cfg(unix)]

mod common;

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::time::Duration;

use common::{logs, names_in, terminal_config, TestGateway};

const SAMPLE: &str = include_str!("fixtures/face_result_example.xml");

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[tokio::test]
async fn the_data_folder_and_the_store_are_owner_only() {
    let root = tempfile::tempdir().unwrap();
    let config = terminal_config(root.path(), Duration::from_secs(2));
    let data = config.data_dir.clone();
    let gw = TestGateway::start(config, root).await;

    for folder in [&data, &data.join("rejected"), &data.join("face-archive")] {
        assert_eq!(mode(folder), 0o700, "{}", folder.display());
    }
    for file in ["onshi.sqlite3", "desk-id"] {
        assert_eq!(mode(&data.join(file)), 0o600, "{file}");
    }
    // A face result arrives with the terminal's mode and is archived owner-only; the
    // store's write-ahead log now exists and has the store's mode.
    let face = gw.terminal_dir().join("face");
    let temp = face.join(".r.xml.tmp");
    std::fs::write(&temp, SAMPLE).unwrap();
    std::fs::set_permissions(&temp, std::fs::Permissions::from_mode(0o644)).unwrap();
    std::fs::rename(&temp, face.join("OQSsiquc01res_face_r.xml")).unwrap();
    let archive = data.join("face-archive");
    common::eventually("the face file is archived", || {
        !names_in(&archive).is_empty()
    })
    .await;
    for name in names_in(&archive) {
        assert_eq!(mode(&archive.join(&name)), 0o600, "{name}");
    }
    for name in names_in(&data) {
        let path = data.join(&name);
        if path.is_file() {
            assert_eq!(mode(&path), 0o600, "{name}");
        }
    }
    gw.stop().await;
}

#[tokio::test]
async fn a_data_folder_open_to_others_is_tightened_with_a_warning() {
    logs::capture("warn");
    let root = tempfile::tempdir().unwrap();
    let config = terminal_config(root.path(), Duration::from_secs(2));
    let data = config.data_dir.clone();
    std::fs::create_dir_all(data.join("rejected")).unwrap();
    // As an older gateway left it under umask 022.
    for path in [&data, &data.join("rejected")] {
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let store = data.join("onshi.sqlite3");
    std::fs::write(&store, "").unwrap();
    std::fs::set_permissions(&store, std::fs::Permissions::from_mode(0o644)).unwrap();

    let gw = TestGateway::start(config, root).await;
    assert_eq!(mode(&data), 0o700);
    assert_eq!(mode(&data.join("rejected")), 0o700);
    assert_eq!(mode(&store), 0o600);
    let text = logs::text();
    assert!(text.contains("WARN"), "{text}");
    assert_eq!(text.matches("made it owner-only").count(), 1, "{text}");
    gw.stop().await;
}
