#!/usr/bin/env bash
# Ingest throughput with 1 and 2 servers on one PostgreSQL database.
#
#   scripts/pg-bench.sh DATABASE_URL [DOCS] [STREAMS_PER_SERVER]
#
# For each server count: a fresh database next to DATABASE_URL's, that many
# `briefing serve --store ...` processes, then the ingest_load example streams
# DOCS releases of ../shared/corpus/us-gov-releases.jsonl (fresh ids) across
# them. Needs `cargo build --release --bins --examples` first.
set -euo pipefail
cd "$(dirname "$0")/.."

url=$1
docs=${2:-600}
streams=${3:-2}
target=${CARGO_TARGET_DIR:-target}/release
base=${url%/*}
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT

for servers in 1 2; do
  db="briefing_bench_$servers"
  psql -q "$url" -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db"
  urls=()
  for i in $(seq 1 "$servers"); do
    port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    RUST_LOG=warn "$target/briefing" serve --listen "127.0.0.1:$port" --store "$base/$db" --data-dir /tmp/briefing-bench-unused &
    pids+=($!)
    urls+=("http://127.0.0.1:$port")
  done

  "$target/examples/ingest_load" "$docs" "$streams" ../shared/corpus/us-gov-releases.jsonl "${urls[@]}"
  cleanup
  pids=()
  sleep 1
done
