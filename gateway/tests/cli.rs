//! The built binary: clear refusals before anything listens.

use std::process::{Command, Output};

/// A public issuer key set for `--trust-keys`.
const TRUST: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/cli-test-issuer.jwks.json"
);

fn gateway() -> Command {
    Command::new(env!("CARGO_BIN_EXE_onshi-gateway"))
}

/// `serve --trust-keys <test keys> <args>`, then `--data-dir <temp>` if `with_data_dir`:
/// the output and its stderr.
fn serve(args: &[&str], with_data_dir: bool) -> (Output, String) {
    let data = tempfile::tempdir().unwrap();
    let mut command = gateway();
    command
        .arg("serve")
        .args(["--trust-keys", TRUST])
        .args(args);
    if with_data_dir {
        command.arg("--data-dir").arg(data.path());
    }
    let output = command.output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    (output, stderr)
}

/// `serve --terminal-dir <temp> --institution-code … --listen 127.0.0.1:0 <args>
/// --data-dir <temp>`: checks that come before the terminal is used, in every build.
fn serve_terminal(args: &[&str]) -> (Output, String) {
    let share = tempfile::tempdir().unwrap();
    let share = share.path().to_str().unwrap();
    let fixed = [
        "--terminal-dir",
        share,
        "--institution-code",
        "1319999999",
        "--listen",
        "127.0.0.1:0",
    ];
    serve(&[&fixed[..], args].concat(), true)
}

#[test]
fn non_loopback_listen_is_refused_clearly() {
    let (output, stderr) = serve(&["--sim", "--listen", "0.0.0.0:7611"], true);
    assert!(!output.status.success());
    assert!(
        stderr.contains("refusing to listen on 0.0.0.0:7611"),
        "{stderr}"
    );
    assert!(stderr.contains("loopback"), "{stderr}");
    assert!(output.stdout.is_empty(), "nothing may claim to listen");
}

#[test]
fn sim_and_terminal_dir_are_exclusive() {
    let (output, stderr) = serve(&["--sim", "--terminal-dir", "somewhere"], false);
    assert!(!output.status.success());
    assert!(stderr.contains("--terminal-dir"), "{stderr}");
}

#[test]
fn terminal_mode_without_institution_code_is_refused() {
    let (output, stderr) = serve(
        &["--terminal-dir", "somewhere", "--listen", "127.0.0.1:0"],
        false,
    );
    assert!(!output.status.success());
    assert!(
        stderr.contains("--institution-code is required"),
        "{stderr}"
    );
}

#[test]
fn a_terminal_timeout_the_component_would_not_wait_for_is_refused() {
    let (output, stderr) = serve_terminal(&["--terminal-timeout-secs", "45"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr.contains("--terminal-timeout-secs 45"), "{stderr}");
    assert!(stderr.contains("40 s"), "{stderr}");
    assert!(output.stdout.is_empty());
}

#[test]
fn an_origin_with_its_default_port_is_refused_with_a_hint() {
    let (output, stderr) = serve_terminal(&["--allow-origin", "https://emr.example.jp:443"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr.contains("drop the port"), "{stderr}");
}

#[test]
fn without_issuer_keys_the_gateway_refuses_to_start() {
    let data = tempfile::tempdir().unwrap();
    let output = gateway()
        .args(["serve", "--sim", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(data.path())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("--trust-keys"), "{stderr}");
    assert!(output.stdout.is_empty(), "nothing may claim to listen");
}

#[test]
fn a_trust_file_with_a_private_key_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("keys.json");
    let mut jwks: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(TRUST).unwrap()).unwrap();
    jwks["keys"][0]["d"] = serde_json::json!("AAAA");
    std::fs::write(&file, jwks.to_string()).unwrap();
    let output = gateway()
        .args(["serve", "--sim", "--listen", "127.0.0.1:0", "--trust-keys"])
        .arg(&file)
        .arg("--data-dir")
        .arg(dir.path().join("data"))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("private part"), "{stderr}");
}
