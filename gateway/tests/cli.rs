//! The built binary: clear refusals before anything listens.

use std::process::Command;

fn gateway() -> Command {
    Command::new(env!("CARGO_BIN_EXE_onshi-gateway"))
}

#[test]
fn non_loopback_listen_is_refused_clearly() {
    let data = tempfile::tempdir().unwrap();
    let output = gateway()
        .args(["serve", "--sim", "--listen", "0.0.0.0:7611", "--data-dir"])
        .arg(data.path())
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("refusing to listen on 0.0.0.0:7611"),
        "{stderr}"
    );
    assert!(stderr.contains("loopback"), "{stderr}");
    assert!(output.stdout.is_empty(), "nothing may claim to listen");
}

#[test]
fn sim_and_terminal_dir_are_exclusive() {
    let output = gateway()
        .args(["serve", "--sim", "--terminal-dir", "somewhere"])
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("--terminal-dir"), "{stderr}");
}

#[test]
fn terminal_mode_without_institution_code_is_refused() {
    let output = gateway()
        .args([
            "serve",
            "--terminal-dir",
            "somewhere",
            "--listen",
            "127.0.0.1:0",
        ])
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("--institution-code is required"),
        "{stderr}"
    );
}

#[test]
fn a_terminal_timeout_the_component_would_not_wait_for_is_refused() {
    let data = tempfile::tempdir().unwrap();
    let output = gateway()
        .args([
            "serve",
            "--sim",
            "--listen",
            "127.0.0.1:0",
            "--terminal-timeout-secs",
            "45",
            "--data-dir",
        ])
        .arg(data.path())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("--terminal-timeout-secs 45"), "{stderr}");
    assert!(stderr.contains("40 s"), "{stderr}");
    assert!(output.stdout.is_empty());
}

#[test]
fn an_origin_with_its_default_port_is_refused_with_a_hint() {
    let data = tempfile::tempdir().unwrap();
    let output = gateway()
        .args([
            "serve",
            "--sim",
            "--listen",
            "127.0.0.1:0",
            "--allow-origin",
            "https://emr.example.jp:443",
            "--data-dir",
        ])
        .arg(data.path())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("drop the port"), "{stderr}");
}
