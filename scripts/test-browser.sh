#!/usr/bin/env bash
# Browser tests of the component in headless Chromium: the scripted-gateway suites
# (tests/web.rs: number flow; tests/queue.rs: live queue over a scripted event stream;
# tests/card_session.rs: My Number Card sessions and the PIN pad; tests/gateway_status.rs:
# the gateway status strip) and the live suite (tests/gateway_live.rs: HTTP, a real
# gateway's health, and a simulated face result reaching the mounted queue)
# against a real `onshi-gateway serve --sim` started here and always stopped on exit.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PWD/node_modules/.bin:$PATH"

log() { printf '\033[1mtest-browser:\033[0m %s\n' "$*"; }
die() { log "error: $*" >&2; exit 1; }

for tool in wasm-pack chromedriver curl node; do
  command -v "$tool" >/dev/null 2>&1 || die "$tool not found (run scripts/setup.sh)"
done

# A port nobody listens on right now (the kernel picks it).
free_port() {
  node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close();});'
}

log "building the gateway (with the simulator) and the simulator"
cargo build --quiet -p onshi-gateway -p onshi-sim --features onshi-gateway/sim

work_dir=$(mktemp -d)
gateway_pid=""
cleanup() {
  if [ -n "$gateway_pid" ] && kill -0 "$gateway_pid" 2>/dev/null; then
    kill "$gateway_pid" 2>/dev/null || true
    wait "$gateway_pid" 2>/dev/null || true
  fi
  rm -rf "$work_dir"
}
trap cleanup EXIT INT TERM

# Sample patients passed to the test build: one the simulator confirms as valid, one
# whose terminal never answers (for the client-side deadline), and one with a 限度額適用
# 認定証 that the answer carries only with the patient's consent (limit_consent).
target/debug/onshi-sim patients --json >"$work_dir/patients.json"
eval "$(node -e '
  const all = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  const p = all.find((x) => x.expected === "valid" && x.name);
  const slow = all.find((x) => x.expected === "timeout");
  const limit = all.find((x) => x.expected === "valid" && x.key === "limit_certificate");
  if (!p || !slow || !limit) {
    console.error("need sample patients with expected=valid, =timeout and key=limit_certificate");
    process.exit(1);
  }
  const q = (s) => "\x27" + String(s ?? "").replace(/\x27/g, "\x27\\\x27\x27") + "\x27";
  console.log([
    "export ONSHI_TEST_SLOW_INSURER=" + q(slow.insurer_number),
    "export ONSHI_TEST_SLOW_SYMBOL=" + q(slow.symbol),
    "export ONSHI_TEST_SLOW_NUMBER=" + q(slow.number),
    "export ONSHI_TEST_SLOW_BRANCH=" + q(slow.branch),
    "export ONSHI_TEST_SLOW_BIRTHDATE=" + q(slow.birthdate),
    "export ONSHI_TEST_PATIENT_INSURER=" + q(p.insurer_number),
    "export ONSHI_TEST_PATIENT_SYMBOL=" + q(p.symbol),
    "export ONSHI_TEST_PATIENT_NUMBER=" + q(p.number),
    "export ONSHI_TEST_PATIENT_BRANCH=" + q(p.branch),
    "export ONSHI_TEST_PATIENT_BIRTHDATE=" + q(p.birthdate),
    "export ONSHI_TEST_PATIENT_NAME=" + q(p.name),
    "export ONSHI_TEST_LIMIT_INSURER=" + q(limit.insurer_number),
    "export ONSHI_TEST_LIMIT_SYMBOL=" + q(limit.symbol),
    "export ONSHI_TEST_LIMIT_NUMBER=" + q(limit.number),
    "export ONSHI_TEST_LIMIT_BRANCH=" + q(limit.branch),
    "export ONSHI_TEST_LIMIT_BIRTHDATE=" + q(limit.birthdate),
    "patient_key=" + q(p.key),
  ].join("\n"));
' "$work_dir/patients.json")"
log "sample patient: $patient_key"

# A test credential issuer (the EMR's server in production), made by the demo's issuer
# script in this run's temporary folder. The gateway trusts its public half
# (--trust-keys); the live suite gets the private half as a JWK (ONSHI_TEST_ISSUER_JWK) and
# signs short-lived credentials per role with WebCrypto.
trust_keys=$(node scripts/demo-emr.mjs init "$work_dir/issuer")
issuer_jwk=$(node scripts/demo-emr.mjs private-jwk "$work_dir/issuer")

gateway_port=$(free_port)
test_port=$(free_port)
while [ "$test_port" = "$gateway_port" ]; do test_port=$(free_port); done
gateway="http://127.0.0.1:$gateway_port"

log "starting the gateway on $gateway (tests served from 127.0.0.1:$test_port)"
target/debug/onshi-gateway serve --sim \
  --listen "127.0.0.1:$gateway_port" \
  --data-dir "$work_dir/data" \
  --allow-origin "http://127.0.0.1:$test_port" \
  --trust-keys "$trust_keys" \
  >"$work_dir/gateway.log" 2>&1 &
gateway_pid=$!

for _ in $(seq 1 100); do
  if curl -fsS "$gateway/v1/health" >/dev/null 2>&1; then break; fi
  if ! kill -0 "$gateway_pid" 2>/dev/null; then
    cat "$work_dir/gateway.log" >&2
    die "the gateway exited during start-up"
  fi
  sleep 0.1
done
curl -fsS "$gateway/v1/health" >/dev/null || { cat "$work_dir/gateway.log" >&2; die "no /v1/health answer"; }

# wasm-bindgen-test-runner 0.2.130 binds its page server to WASM_BINDGEN_TEST_ADDRESS
# and opens that URL, so the page's Origin is the one the gateway allows.
log "running the browser suites"
status=0
WASM_BINDGEN_TEST_ADDRESS="127.0.0.1:$test_port" \
ONSHI_TEST_GATEWAY="$gateway" \
ONSHI_TEST_ISSUER_JWK="$issuer_jwk" \
  wasm-pack test --headless --chrome --chromedriver "$(command -v chromedriver)" -- -p onshi \
  || status=$?
if [ "$status" -ne 0 ]; then
  log "gateway log:"
  tail -n 40 "$work_dir/gateway.log" >&2 || true
fi
exit "$status"
