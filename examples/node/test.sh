#!/usr/bin/env bash
# Runs watch.js against the real server binary: two watchers subscribe (one
# to everything, one to Chile only), then another process, `briefing ingest`,
# stores the seed release and an invented one; each watcher must print the
# facts of the documents it asked for, and only those, within 30 s.
# Usage: examples/node/test.sh [path/to/briefing]   (default target/release/briefing)
# Needs node 20+ with `npm ci --prefix examples/node` done, and python3 with grpcio.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
bin=${1:-$root/target/release/briefing}
source "$root/tests/lib/server.sh"
[ -d "$here/node_modules/@grpc/grpc-js" ] || fail "no node_modules in $here; run: npm ci --prefix examples/node"

out=$(mktemp -d)
remove_on_exit "$out"
start_briefing "$bin"

node "$here/watch.js" --server "$BRIEFING_ADDR" --documents 2 >"$out/all" 2>&1 &
all=$!
stop_on_exit "$all"
node "$here/watch.js" --server "$BRIEFING_ADDR" --country CL --documents 1 >"$out/chile" 2>&1 &
chile=$!
stop_on_exit "$chile"

# Waits up to SECONDS for COMMAND to succeed; fails with MESSAGE otherwise.
wait_for() {
  local seconds=$1 message=$2
  shift 2
  for _ in $(seq $((seconds * 10))); do
    "$@" && return 0
    sleep 0.1
  done
  fail "$message (after $seconds s); the watchers printed: $(tail -n 20 "$out/all" "$out/chile")"
}
subscribed() { grep -q '^watching ' "$out/all" && grep -q '^watching ' "$out/chile"; }
stopped() { ! kill -0 "$all" 2>/dev/null && ! kill -0 "$chile" 2>/dev/null; }

wait_for 20 "the watchers did not subscribe" subscribed
echo "ok: both watchers subscribed"
"$bin" ingest --server "http://$BRIEFING_ADDR" "$root/seeds" "$root/tests/releases/no-cl-oslo-2025-06-10.txt" ||
  fail "briefing ingest failed"
wait_for 30 "the watchers did not receive their documents" stopped
wait "$all" || fail "watch.js (all documents) exited with $?: $(cat "$out/all")"
wait "$chile" || fail "watch.js (Chile) exited with $?: $(cat "$out/chile")"
echo "ok: both watchers stopped after their documents"

# Fails unless the watcher's output (file FILE) has the line LINE.
expect_line() {
  grep -qxF "$2" "$out/$1" || fail "the $1 watcher did not print the line
$2
it printed:
$(cat "$out/$1")"
}
expect_line all "document kz-ro-consultations-2025-03-19.txt (2025-03-19)"
expect_line all "  person   Roman Vassilenko [KZ], Deputy Foreign Minister; Deputy Minister"
expect_line all "  event    consultations 2025-03-19 Bucharest: Roman Vassilenko, Ana Tinca"
expect_line all "document no-cl-oslo-2025-06-10.txt (2025-06-12)"
expect_line all "  event    meeting 2025-06-10 Oslo: Espen Barth Eide, Alberto van Klaveren"
echo "ok: the unfiltered watcher printed both documents' facts"
expect_line chile "  event    meeting 2025-06-10 Oslo: Espen Barth Eide, Alberto van Klaveren"
! grep -q "kz-ro-consultations" "$out/chile" || fail "the Chile watcher printed the Kazakh release: $(cat "$out/chile")"
echo "ok: the Chile watcher printed the Oslo release only"

echo "Node example: all checks passed"
