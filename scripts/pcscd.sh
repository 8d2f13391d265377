#!/usr/bin/env bash
# Makes sure pcscd (the PC/SC daemon) runs, with the vpcd virtual readers that the
# simulator's My Number cards attach to. Idempotent: does nothing when it already answers.
# The tests and the demo need it; a machine where it cannot start gets a clear error.
set -euo pipefail

say() { printf '\033[1mpcscd:\033[0m %s\n' "$*"; }

if ! command -v pcscd >/dev/null 2>&1; then
  say "pcscd is not installed; run scripts/setup.sh (Debian packages pcscd, vsmartcard-vpcd)" >&2
  exit 1
fi

# Ask through PC/SC itself, never by connecting to vpcd's port: a probe connection there
# would look like a card being inserted (or push out a virtual card already attached).
vpcd_listening() { timeout 5 pcsc_scan -r 2>/dev/null | grep -q "Virtual PCD"; }

if pgrep -x pcscd >/dev/null 2>&1 && vpcd_listening; then
  exit 0
fi

if pgrep -x pcscd >/dev/null 2>&1; then
  # Running without the vpcd readers (started before vsmartcard-vpcd was installed): restart it.
  say "restarting pcscd to load the vpcd virtual readers"
  pkill -x pcscd || true
  sleep 0.5
fi

say "starting pcscd"
SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
# --auto-exit would stop it after 60 s idle between test suites; keep it running.
$SUDO mkdir -p /run/pcscd
$SUDO pcscd >/dev/null 2>&1 || true

for _ in $(seq 1 50); do
  if vpcd_listening; then exit 0; fi
  sleep 0.1
done
say "pcscd did not come up with the vpcd readers (is vsmartcard-vpcd installed?)" >&2
exit 1
