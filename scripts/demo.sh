#!/usr/bin/env bash
# Sets up, builds and starts the onshi demo on loopback:
#   - onshi-gateway in --sim mode (embedded simulated qualification terminal),
#   - the demo EMR reception page under a strict CSP,
#   - pcscd with the vpcd virtual reader, for the simulator's virtual My Number cards.
# The page server also plays the EMR's server: it signs the demo users' credentials with an
# issuer key made at the first start in $ONSHI_DEMO_DIR/emr-issuer (reused later), and the
# gateway trusts that key's public JWK Set (--trust-keys).
# Stop with Ctrl-C; both processes stop together.
#
# Environment: ONSHI_GATEWAY_PORT (7611), ONSHI_WWW_PORT (8080), ONSHI_DEMO_DIR (.demo),
#              ONSHI_SIM_FACE_EVERY_SECS (45; 0 = the face reader only delivers on demand),
#              ONSHI_DEMO_CREDENTIAL_SECS (600: how long the demo users' credentials live),
#              ONSHI_SKIP_SETUP=1 to skip scripts/setup.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PWD/node_modules/.bin:$PATH"

GATEWAY_PORT=${ONSHI_GATEWAY_PORT:-7611}
WWW_PORT=${ONSHI_WWW_PORT:-8080}
DEMO_DIR=${ONSHI_DEMO_DIR:-.demo}
GATEWAY_URL="http://127.0.0.1:${GATEWAY_PORT}"
PAGE_URL="http://127.0.0.1:${WWW_PORT}/"

step() { printf '\033[1mdemo:\033[0m %s\n' "$*"; }

[ "${ONSHI_SKIP_SETUP:-0}" = 1 ] || scripts/setup.sh

scripts/build.sh

# The virtual My Number cards reach the gateway through pcscd's vpcd reader.
scripts/pcscd.sh || step "warning: pcscd is not running; card reading will report the reader as unavailable"

mkdir -p "$DEMO_DIR"
# The demo EMR's issuer key (0600, in a 0700 folder; made once) and its public JWK Set.
ISSUER_DIR="$DEMO_DIR/emr-issuer"
TRUST_KEYS=$(node scripts/demo-emr.mjs init "$ISSUER_DIR")

pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup EXIT INT TERM

# Something already answering there (a demo left running) would be used in our place.
if curl -fsS -o /dev/null -H "Host: 127.0.0.1:${GATEWAY_PORT}" "${GATEWAY_URL}/v1/health" 2>/dev/null; then
  echo "demo: port ${GATEWAY_PORT} is already in use (another gateway or demo is running); stop it or set ONSHI_GATEWAY_PORT" >&2
  exit 1
fi

step "starting the gateway (simulator mode) on ${GATEWAY_URL}"
target/release/onshi-gateway serve --sim \
  --listen "127.0.0.1:${GATEWAY_PORT}" \
  --data-dir "$DEMO_DIR/gateway" \
  --allow-origin "http://127.0.0.1:${WWW_PORT}" \
  --allow-origin "http://localhost:${WWW_PORT}" \
  --sim-face-every-secs "${ONSHI_SIM_FACE_EVERY_SECS:-45}" \
  --trust-keys "$TRUST_KEYS" \
  >"$DEMO_DIR/gateway.log" 2>&1 &
pids+=($!)

for _ in $(seq 1 100); do
  if curl -fsS -H "Host: 127.0.0.1:${GATEWAY_PORT}" "${GATEWAY_URL}/v1/health" >/dev/null 2>&1; then break; fi
  if ! kill -0 "${pids[0]}" 2>/dev/null; then
    echo "demo: the gateway stopped; its log:" >&2; cat "$DEMO_DIR/gateway.log" >&2; exit 1
  fi
  sleep 0.1
done
curl -fsS "${GATEWAY_URL}/v1/health" >/dev/null || { echo "demo: gateway did not start; see $DEMO_DIR/gateway.log" >&2; exit 1; }

node scripts/serve-www.mjs --port "$WWW_PORT" --dir dist --gateway "$GATEWAY_URL" --keys "$ISSUER_DIR" \
  --credential-secs "${ONSHI_DEMO_CREDENTIAL_SECS:-600}" &
pids+=($!)

echo
step "sample patients of the simulator (type these into the form):"
target/release/onshi-sim patients
echo
step "demo EMR users (the page's サインイン中 / Signed in as switcher; 受付 by default):"
node scripts/demo-emr.mjs users
step "their credentials are signed by the page server (key in $ISSUER_DIR; the gateway trusts $TRUST_KEYS)"
echo
step "open ${PAGE_URL}  (gateway ${GATEWAY_URL}; log in $DEMO_DIR/gateway.log; Ctrl-C stops)"
step "the patient kiosk: ${PAGE_URL%/}/kiosk.html  (?lang=ja|en|zh-Hans|ko|vi)"
wait -n "${pids[@]}"
