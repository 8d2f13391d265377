#!/usr/bin/env bash
# Regenerate the virtual My Number Cards' keys and certificates in sim/fixtures/cards/.
#
# Deterministic: the same seed gives byte-identical files, so a run on an unchanged
# catalog (sim/src/card/catalog.rs) leaves `git diff` empty. Release build, because
# RSA-2048 key generation takes minutes in a debug build. Synthetic test data only.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
out="${1:-sim/fixtures/cards}"
cargo run --quiet --release -p onshi-sim --bin onshi-sim -- gen-cards --out "$out"
