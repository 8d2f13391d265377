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

if vpcd_listening; then
  exit 0
fi
SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"

# pcscd processes that are really running (a killed one can linger as a zombie).
live_pcscd() {
  for pid in $(pgrep -x pcscd 2>/dev/null); do
    case "$(ps -o stat= -p "$pid" 2>/dev/null | tr -d ' ')" in
      "" | Z*) ;;
      *) echo "$pid" ;;
    esac
  done
}

if [ -n "$(live_pcscd)" ]; then
  # Running without the vpcd readers (started before vsmartcard-vpcd was installed): restart it.
  say "restarting pcscd to load the vpcd virtual readers"
  $SUDO kill $(live_pcscd) 2>/dev/null || true
  for _ in $(seq 1 30); do [ -z "$(live_pcscd)" ] && break; sleep 0.1; done
fi

# A pcscd that died without cleaning up leaves its pid file and socket behind; when that pid
# still names a process (a zombie) the new pcscd refuses to start, so clear them.
if [ -z "$(live_pcscd)" ]; then
  $SUDO rm -f /run/pcscd/pcscd.pid /run/pcscd/pcscd.comm 2>/dev/null || true
fi

say "starting pcscd"
# --auto-exit would stop it after 60 s idle between test suites; keep it running.
$SUDO mkdir -p /run/pcscd
$SUDO pcscd >/dev/null 2>&1 || true

for _ in $(seq 1 50); do
  if vpcd_listening; then exit 0; fi
  sleep 0.1
done
say "pcscd did not come up with the vpcd readers (is vsmartcard-vpcd installed?)" >&2
exit 1
