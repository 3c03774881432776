#!/usr/bin/env bash
# The service benchmarks of BENCHMARKS.md, end to end: a real server process
# with the embedded store on loopback, real gRPC clients (the examples).
#
#   cargo build --release --bins --examples
#   scripts/bench-service.sh [ingest|watch|store|query|startup|extract|all] ...
#
#   ingest   30,000 documents as fast as the server takes them, then at a
#            fixed 500 documents/s (5,000): docs/s, MB/s, ack latency, server peak RSS
#   watch    1,000 documents at 100/s with a WatchFacts subscriber:
#            acknowledgement -> facts latency
#   store    builds the 310,000-document store in $BENCH_DATA (growth: the
#            throughput of 10,000 documents at 10k, 100k and 300k stored)
#   query    query latency on that store (builds it first if missing)
#   startup  process start -> health SERVING on that store, 5 runs
#   extract  cargo bench --bench extract (the extraction core)
#   all      every one of the above but store and extract (default)
#
# Environment: RUNS (repetitions of each figure, 3), BENCH_DATA (the large
# store, /work/bench-data; never inside the repository), CORPUS. Every
# figure line is preceded by the load average at its start.
set -euo pipefail
cd "$(dirname "$0")/.."

bin=${CARGO_TARGET_DIR:-target}/release
corpus=${CORPUS:-../shared/corpus/us-gov-releases.jsonl}
runs=${RUNS:-3}
bench_data=${BENCH_DATA:-/work/bench-data}
scratch=$(mktemp -d)
server_pid=""
url=""

cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
  rm -rf "$scratch"
}
trap cleanup EXIT

load() { echo "# load average: $(uptime | sed 's/.*load average: //')"; }

machine() {
  local cpu
  cpu=$(lscpu | awk -F': *' '/^Model name/ {m = $2} /^CPU family/ {f = $2} /^Model:/ {n = $2} /^Hypervisor vendor/ {h = $2}
    END {printf "%s, family %s model %s, %s guest", m, f, n, h}')
  echo "# $(nproc) cores ($cpu), $(free -m | awk '/^Mem:/ {print $2}') MiB memory, $(date -u +%FT%TZ)"
}

# start_server DATA_DIR: starts `briefing serve` on a free port and waits for
# its address (read from its log, so no other process's port is ever used).
start_server() {
  local log="$scratch/server.log" addr=""
  : > "$log"
  RUST_LOG=info NO_COLOR=1 "$bin/briefing" serve --listen 127.0.0.1:0 --data-dir "$1" 2>"$log" >/dev/null &
  server_pid=$!
  rm -f "$scratch/cpu.before"
  for _ in $(seq 1 600); do
    addr=$(sed 's/\x1b\[[0-9;]*m//g' "$log" | grep -o 'addr=[0-9.:]*' | head -1 | cut -d= -f2 || true)
    [ -n "$addr" ] && break
    kill -0 "$server_pid" 2>/dev/null || { cat "$log" >&2; exit 1; }
    sleep 0.1
  done
  [ -n "$addr" ] || { echo "the server did not start" >&2; exit 1; }
  url="http://$addr"
}

stop_server() {
  kill "$server_pid"
  wait "$server_pid" 2>/dev/null || true
  server_pid=""
}

# wait_for_index: returns once a listing answers, which it does only when
# the index file covers every acknowledged document; prints how long that
# took (the index's lag behind the last acknowledgement).
wait_for_index() {
  local started=$(date +%s.%N)
  until "$bin/briefing" query events --limit 1 --server "$url" >/dev/null 2>&1; do sleep 0.2; done
  echo "# index caught up $(python3 -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.2f}')" "$started" "$(date +%s.%N)") s after the last acknowledgement"
}

# thread_cpu: prints the CPU seconds each kind of server thread used since
# the server started or since the last call, whichever is later.
thread_cpu() {
  local now="$scratch/cpu.now" before="$scratch/cpu.before"
  for t in /proc/"$server_pid"/task/*; do
    echo "$(cat "$t/comm") $(awk '{print $14 + $15}' "$t/stat")"
  done | awk '{c[$1] += $2} END {for (k in c) print k, c[k]}' | sort > "$now"
  touch "$before"
  echo "# server CPU seconds by thread: $(join -a1 "$now" "$before" |
    awk -v hz="$(getconf CLK_TCK)" '{printf "%s=%.2f ", $1, ($2 - ($3 == "" ? 0 : $3)) / hz}')"
  mv "$now" "$before"
}

# fresh_ingest ARGS...: one ingest_load run against a new server on an empty store.
fresh_ingest() {
  local dir="$scratch/data-$RANDOM"
  start_server "$dir"
  load
  "$bin/examples/ingest_load" "$@" "$corpus" "$url" --server-pid "$server_pid"
  wait_for_index
  thread_cpu
  stop_server
  rm -rf "$dir"
}

bench_ingest() {
  echo "## 1. streaming ingest, 30,000 documents, 4 streams, as fast as acknowledged"
  for _ in $(seq "$runs"); do fresh_ingest 30000 4; done
  echo "## 1. streaming ingest at a fixed 500 documents/s (5,000 documents, 4 streams)"
  for _ in $(seq "$runs"); do fresh_ingest 5000 4 --rate 500; done
}

bench_watch() {
  echo "## 3. WatchFacts: acknowledgement -> facts, 1,000 documents at 100/s"
  for _ in $(seq "$runs"); do fresh_ingest 1000 1 --rate 100 --watch; done
}

stored() {
  python3 -c "import sqlite3, sys; print(sqlite3.connect('file:' + sys.argv[1] + '?mode=ro', uri=True).execute('select count(*) from documents').fetchone()[0])" \
    "$bench_data/briefing.sqlite"
}

bench_store() {
  echo "## 5. growth: building $bench_data (10,000-document batches measured at 10k, 100k, 300k stored)"
  rm -rf "$bench_data"
  mkdir -p "$bench_data"
  start_server "$bench_data"
  for step in "fill 10000" "measure 10000" "fill 80000" "measure 10000" "fill 190000" "measure 10000"; do
    set -- $step
    echo "# $1: $(stored) documents stored before"
    load
    "$bin/examples/ingest_load" "$2" 4 "$corpus" "$url" --server-pid "$server_pid"
    wait_for_index
    thread_cpu
  done
  stop_server
}

bench_query() {
  [ -f "$bench_data/briefing.sqlite" ] || bench_store
  echo "## 2. queries on $(stored) stored documents"
  start_server "$bench_data"
  wait_for_index
  for _ in $(seq "$runs"); do
    load
    "$bin/examples/query_load" "$url" 25
  done
  stop_server
}

bench_startup() {
  [ -f "$bench_data/briefing.sqlite" ] || bench_store
  echo "## 4. start-up to health SERVING on $(stored) stored documents"
  load
  "$bin/examples/startup_time" "$bin/briefing" "$bench_data" 5
}

bench_extract() {
  echo "## 5. extraction core against document size"
  load
  cargo bench --bench extract
  load
}

machine
for what in "${@:-all}"; do
  case $what in
    ingest) bench_ingest ;;
    watch) bench_watch ;;
    store) bench_store ;;
    query) bench_query ;;
    startup) bench_startup ;;
    extract) bench_extract ;;
    all) bench_ingest; bench_watch; bench_query; bench_startup ;;
    *) echo "unknown benchmark: $what" >&2; exit 2 ;;
  esac
done
