#!/usr/bin/env bash
# Builds what the demo and the end-to-end tests run (release): the gateway with its
# embedded simulator (cargo feature `sim`), the simulator's own CLI, the component (wasm)
# and the demo pages in dist/. No setup, no servers.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PWD/node_modules/.bin:$PATH"

step() { printf '\033[1mbuild:\033[0m %s\n' "$*"; }

step "building the gateway (with the simulator) and the simulator"
cargo build --release --quiet -p onshi-gateway -p onshi-sim --features onshi-gateway/sim
step "building the component (wasm) and the demo pages"
npm run --silent build:wasm
npx webpack --mode production --no-stats >/dev/null
