//! A build without the `sim` feature (what a clinic installs): `--sim` is refused with a
//! reason, and the binary carries none of the simulator's virtual-card keys.
//!
//! Only meaningful when the gateway binary was built without the feature, so the file is
//! empty otherwise; scripts/test.sh runs it on its own:
//! `cargo test -p onshi-gateway --test no_sim_build`.
#![cfg(not(feature = "sim"))]

use std::process::Command;

const BINARY: &str = env!("CARGO_BIN_EXE_onshi-gateway");

#[test]
fn sim_is_refused_with_a_reason() {
    let data = tempfile::tempdir().unwrap();
    let output = Command::new(BINARY)
        .args(["serve", "--sim", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(data.path())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains(
            "this build has no simulator; build with --features sim, or use --terminal-dir"
        ),
        "{stderr}"
    );
    assert!(output.stdout.is_empty(), "nothing may claim to listen");
    // Refused before anything was made.
    assert!(std::fs::read_dir(data.path()).unwrap().next().is_none());
}

#[test]
fn the_binary_holds_no_virtual_card_key() {
    let binary = std::fs::read(BINARY).unwrap();
    // The first base64 line of a virtual card's PKCS#8 key, as `include_str!` would have
    // put it into the simulator.
    let pem = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../sim/fixtures/cards/card-01.key.pem"
    ))
    .unwrap();
    let key_line = pem.lines().nth(1).unwrap();
    assert!(key_line.len() >= 40, "{key_line}");
    for needle in [key_line, "-----BEGIN PRIVATE KEY-----"] {
        assert!(
            !contains(&binary, needle.as_bytes()),
            "the binary contains {needle:?}"
        );
    }
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    let first = needle[0];
    haystack
        .iter()
        .enumerate()
        .filter(|(_, b)| **b == first)
        .any(|(at, _)| haystack[at..].starts_with(needle))
}
