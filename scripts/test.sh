#!/usr/bin/env bash
# Sets up the machine (idempotent) and runs every onshi test:
#   1. formatting and lints (rustfmt, clippy -D warnings, natively and for wasm32; the
#      gateway with and without its simulator, cargo feature `sim`),
#   2. native tests of every crate (core, sim, gateway over real HTTP and a real PostgreSQL,
#      component logic), the gateway with its simulator, then the build without it,
#   3. browser tests in headless Chromium (wasm-bindgen-test; one suite against a real gateway),
#   4. end-to-end: the demo as the README starts it, driven in real Chromium.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PWD/node_modules/.bin:$PATH"
export CARGO_TERM_COLOR=${CARGO_TERM_COLOR:-never}

started=$(date +%s)
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "setup"
scripts/setup.sh

step "format and lints"
cargo fmt --all -- --check
cargo clippy --workspace --all-targets --quiet --features onshi-gateway/sim -- -D warnings
# A clinic's build, without the simulator (suites that need it are skipped).
cargo clippy -p onshi-gateway --all-targets --quiet -- -D warnings
cargo clippy -p onshi -p onshi-core -p onshi-reception --target wasm32-unknown-unknown --all-targets --quiet -- -D warnings

step "native tests"
scripts/pcscd.sh   # the gateway's card tests go through a real pcscd + vpcd
# The gateway's PostgreSQL tests use this cluster (each test in a fresh database).
pg_dir=$(mktemp -d "${TMPDIR:-/tmp}/onshi-pg.XXXXXX")
trap 'scripts/postgres.sh stop "$pg_dir"; rm -rf "$pg_dir"' EXIT
ONSHI_TEST_POSTGRES_URL=$(scripts/postgres.sh start --dir "$pg_dir")
export ONSHI_TEST_POSTGRES_URL
cargo test --workspace --quiet --features onshi-gateway/sim
# Without the simulator: `--sim` refused, none of its virtual-card keys in the binary.
cargo test -p onshi-gateway --quiet --test no_sim_build

step "browser tests (headless Chromium)"
scripts/test-browser.sh

step "end to end (demo in real Chromium)"
# Release builds first, outside the tests' start-up deadlines (a cold build is minutes).
scripts/build.sh
# Each page's bundle within its size budget (pages/size-budgets.json).
node scripts/size-budget.mjs
npm run --silent test:e2e

echo
echo "onshi: all suites passed in $(( $(date +%s) - started )) s"
