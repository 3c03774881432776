#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for tests and benchmarks: initdb in a temp
# folder, a server on a free local port, one database `briefing_test`.
#
#   scripts/pg-test-cluster.sh start          prints the database URL
#   scripts/pg-test-cluster.sh restart [SECS] stops the server, waits, starts it again
#   scripts/pg-test-cluster.sh stop           stops it and deletes its folder
#
# Installs the Debian `postgresql` package when no initdb is found (as root).
# Run as root, the cluster belongs to the `postgres` user. The state of the
# running cluster is kept in $BRIEFING_PG_STATE (default /tmp/briefing-pg-test.env).
set -euo pipefail

STATE=${BRIEFING_PG_STATE:-/tmp/briefing-pg-test.env}

find_bin() {
  ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1
}

# Runs a command as the cluster's owner.
as_owner() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

start() {
  local bin dir port
  if [ -f "$STATE" ]; then
    # shellcheck disable=SC1090
    . "$STATE"
    if [ -x "$BIN/pg_ctl" ] && as_owner "$BIN/pg_ctl" -D "$DIR/data" status >/dev/null 2>&1; then
      echo "a test cluster is already running (port $PORT, recorded in $STATE); stop it with" \
        "'$0 stop', or set BRIEFING_PG_STATE to another file to start a second one" >&2
      exit 1
    fi
    rm -rf "$DIR" "$STATE"
  fi
  bin=$(find_bin)
  if [ -z "$bin" ] || [ ! -x "$bin/initdb" ]; then
    if [ "$(id -u)" != 0 ]; then
      echo "no PostgreSQL found; install it (apt-get install postgresql) or run as root" >&2
      exit 1
    fi
    echo "installing PostgreSQL from the Debian packages" >&2
    apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >&2
    bin=$(find_bin)
  fi
  dir=$(mktemp -d /tmp/briefing-pg.XXXXXX)
  [ "$(id -u)" = 0 ] && chown postgres:postgres "$dir"
  as_owner "$bin/initdb" -D "$dir/data" -A trust -U postgres -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 \
    || { cat "$dir/initdb.log" >&2; exit 1; }
  port=$(free_port)
  printf 'BIN=%s\nDIR=%s\nPORT=%s\n' "$bin" "$dir" "$port" >"$STATE"
  launch
  "$bin/psql" -q -h 127.0.0.1 -p "$port" -U postgres -c 'CREATE DATABASE briefing_test' >&2
  echo "postgres://postgres@127.0.0.1:$port/briefing_test"
}

launch() {
  # shellcheck disable=SC1090
  . "$STATE"
  as_owner "$BIN/pg_ctl" -D "$DIR/data" -l "$DIR/server.log" -w -t 60 \
    -o "-p $PORT -c listen_addresses=127.0.0.1 -k $DIR -c max_connections=200" start >&2
}

stop() {
  [ -f "$STATE" ] || { echo "no test cluster is running ($STATE is missing)" >&2; return 0; }
  # shellcheck disable=SC1090
  . "$STATE"
  as_owner "$BIN/pg_ctl" -D "$DIR/data" -m fast -w stop >&2 || true
  rm -rf "$DIR" "$STATE"
}

restart() {
  # shellcheck disable=SC1090
  . "$STATE"
  as_owner "$BIN/pg_ctl" -D "$DIR/data" -m fast -w stop >&2
  sleep "${1:-2}"
  launch
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  restart) restart "${2:-2}" ;;
  *) echo "usage: $0 start|restart [SECONDS]|stop" >&2; exit 2 ;;
esac
