#!/usr/bin/env bash
# Idempotent machine setup for onshi. Uses only the package registries
# (Debian, crates.io, npm): no release-binary or browser downloads.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PWD/node_modules/.bin:$PATH"

# Keep equal to the `wasm-bindgen = "=…"` pin in Cargo.toml (checked below).
WASM_BINDGEN_VERSION=0.2.130
WASM_PACK_VERSION=0.15.1

pin=$(grep -E '^wasm-bindgen *= *"=' Cargo.toml | sed -E 's/.*"=([0-9.]+)".*/\1/' || true)
if [ -n "$pin" ] && [ "$pin" != "$WASM_BINDGEN_VERSION" ]; then
  echo "setup: Cargo.toml pins wasm-bindgen $pin but setup installs $WASM_BINDGEN_VERSION" >&2
  exit 1
fi

log() { printf '\033[1msetup:\033[0m %s\n' "$*"; }

# The published lock files of these tools sometimes name a dependency version
# the registry no longer serves; then resolve afresh within the same semver.
cargo_install() {
  cargo install --locked --quiet "$1" --version "$2" --force 2>/dev/null \
    || cargo install --quiet "$1" --version "$2" --force
}

need_apt=()
command -v chromium >/dev/null 2>&1 || need_apt+=(chromium)
command -v chromedriver >/dev/null 2>&1 || need_apt+=(chromium-driver)
command -v curl >/dev/null 2>&1 || need_apt+=(curl)
# PC/SC: the gateway drives card readers through pcscd; vpcd is the virtual reader the
# simulator's My Number cards attach to; libpcsclite-dev is needed to build the pcsc crate.
command -v pcscd >/dev/null 2>&1 || need_apt+=(pcscd)
[ -e /usr/lib/pcsc/drivers/serial/libifdvpcd.so ] || ls /usr/lib/pcsc/drivers/*/libifdvpcd* >/dev/null 2>&1 || need_apt+=(vsmartcard-vpcd)
pkg-config --exists libpcsclite 2>/dev/null || need_apt+=(libpcsclite-dev pkg-config)
command -v pcsc_scan >/dev/null 2>&1 || need_apt+=(pcsc-tools)
# PostgreSQL: the gateway's shared store for clinics with several desks; the tests start a
# throwaway cluster of it (scripts/postgres.sh), never the system one.
# The kiosk's Japanese, Chinese and Korean text in headless Chromium (screenshots, e2e).
fc-list 2>/dev/null | grep -qi "Noto Sans CJK" || need_apt+=(fonts-noto-cjk)
command -v pg_ctl >/dev/null 2>&1 || ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 || need_apt+=(postgresql)
if [ ${#need_apt[@]} -gt 0 ]; then
  log "installing Debian packages: ${need_apt[*]}"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends \
    "${need_apt[@]}" ca-certificates >/dev/null
fi
if [ -x /usr/bin/wasm-opt ] && /usr/bin/wasm-opt --version 2>/dev/null | grep -q 'version 1[01][0-9]\b'; then
  log "warning: Debian's binaryen (old wasm-opt) is installed; builds use node_modules/.bin/wasm-opt first"
fi

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  log "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi

if ! wasm-bindgen --version 2>/dev/null | grep -q " $WASM_BINDGEN_VERSION\$"; then
  log "installing wasm-bindgen-cli $WASM_BINDGEN_VERSION (a few minutes, once)"
  cargo_install wasm-bindgen-cli "$WASM_BINDGEN_VERSION"
fi
if ! wasm-pack --version 2>/dev/null | grep -q " $WASM_PACK_VERSION\$"; then
  log "installing wasm-pack $WASM_PACK_VERSION (a few minutes, once)"
  cargo_install wasm-pack "$WASM_PACK_VERSION"
fi

if [ -f package-lock.json ]; then
  if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    log "installing npm packages (npm ci)"
    npm ci --no-audit --no-fund --loglevel=error
  fi
else
  log "installing npm packages (npm install)"
  npm install --no-audit --no-fund --loglevel=error
fi
log "ready"
