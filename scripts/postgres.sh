#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for tests and trying out `--store postgres://…`.
#
#   scripts/postgres.sh start [--dir DIR] [--stop-with PID]
#       Starts a cluster in DIR (default: a new temporary folder) on a free port and
#       prints its URL (postgres://postgres@127.0.0.1:PORT/postgres) on stdout, nothing
#       else. Idempotent: a cluster already running in DIR just has its URL printed; one
#       stopped in DIR starts again on the same port with its data.
#       --stop-with PID: stop the cluster and delete DIR once process PID has exited (a test
#       binary that cannot clean up after itself).
#   scripts/postgres.sh stop DIR
#       Stops it at once (pg_ctl -m immediate: a crash, as far as the data knows).
#
# Trust authentication, listening on 127.0.0.1 only, socket in DIR. As root, the server
# runs as the `postgres` user (initdb refuses root). Nothing touches a system cluster.
set -euo pipefail

SELF="$(cd "$(dirname "$0")" && pwd)/$(basename "$0")"

say() { printf '\033[1mpostgres:\033[0m %s\n' "$*" >&2; }

bin_dir() {
  if command -v pg_ctl >/dev/null 2>&1; then
    dirname "$(command -v pg_ctl)"
    return
  fi
  local dir
  dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
  if [ -z "$dir" ]; then
    say "PostgreSQL is not installed; run scripts/setup.sh (Debian package postgresql)"
    exit 1
  fi
  echo "$dir"
}
BIN=$(bin_dir)

# Runs a server binary as the cluster's owner.
as_owner() {
  if [ "$(id -u)" -eq 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

url_of() { echo "postgres://postgres@127.0.0.1:$(cat "$1/port")/postgres"; }

running() { as_owner "$BIN/pg_ctl" -D "$1/data" status >/dev/null 2>&1; }

# A port nothing listens on now (the server's start is the real check).
free_port() {
  local port
  for _ in $(seq 1 50); do
    port=$((20000 + RANDOM % 40000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      echo "$port"
      return
    fi
  done
  say "no free port found"
  exit 1
}

start() {
  local dir="" stop_with=""
  while [ $# -gt 0 ]; do
    case "$1" in
      --dir) dir=$2; shift 2 ;;
      --stop-with) stop_with=$2; shift 2 ;;
      *) say "unknown option $1"; exit 2 ;;
    esac
  done
  [ -n "$dir" ] || dir=$(mktemp -d "${TMPDIR:-/tmp}/onshi-pg.XXXXXX")
  mkdir -p "$dir"
  dir=$(cd "$dir" && pwd)
  if [ "$(id -u)" -eq 0 ]; then
    chown postgres: "$dir"
  fi
  if [ ! -f "$dir/data/PG_VERSION" ]; then
    as_owner "$BIN/initdb" -D "$dir/data" -A trust -U postgres --no-instructions >"$dir/initdb.log" 2>&1 \
      || { say "initdb failed; see $dir/initdb.log"; exit 1; }
  fi
  if ! running "$dir"; then
    local tries=0
    [ -f "$dir/port" ] || free_port >"$dir/port"
    until as_owner "$BIN/pg_ctl" -D "$dir/data" -l "$dir/log" -w -t 60 \
        -o "-p $(cat "$dir/port") -k $dir -c listen_addresses=127.0.0.1" start >/dev/null; do
      tries=$((tries + 1))
      if [ "$tries" -ge 3 ] || grep -q "database files are incompatible" "$dir/log" 2>/dev/null; then
        say "the server did not start; see $dir/log"
        exit 1
      fi
      # Most likely someone took the port in the meantime.
      free_port >"$dir/port"
    done
    say "started in $dir (stop: scripts/postgres.sh stop $dir)"
  fi
  if [ -n "$stop_with" ]; then
    # Detached, so it outlives this script; quiet, so it holds no pipe open.
    setsid bash -c '
      while kill -0 "$1" 2>/dev/null; do sleep 1; done
      "$0" stop "$2" >/dev/null 2>&1
      rm -rf "$2"
    ' "$SELF" "$stop_with" "$dir" </dev/null >/dev/null 2>&1 &
  fi
  url_of "$dir"
}

stop() {
  local dir=${1:?usage: scripts/postgres.sh stop DIR}
  if [ -f "$dir/data/PG_VERSION" ] && running "$dir"; then
    as_owner "$BIN/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null
  fi
}

case "${1:-}" in
  start) shift; start "$@" ;;
  stop) shift; stop "$@" ;;
  *) say "usage: scripts/postgres.sh start [--dir DIR] [--stop-with PID] | stop DIR"; exit 2 ;;
esac
