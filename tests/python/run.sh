#!/usr/bin/env bash
# Generates a Python client from proto/ with grpcio-tools, starts the real
# server binary on a free port with a temporary data folder, runs
# test_client.py against it, and stops the server.
# Usage: tests/python/run.sh [path/to/briefing]   (default target/release/briefing)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
bin=${1:-$root/target/release/briefing}
[ -x "$bin" ] || { echo "no server binary at $bin; run cargo build --release first" >&2; exit 1; }

rm -rf "$here/gen" && mkdir -p "$here/gen"
python3 -m grpc_tools.protoc -I "$root/proto" --python_out="$here/gen" --pyi_out="$here/gen" \
  --grpc_python_out="$here/gen" "$root"/proto/briefing/v1/*.proto

data=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
RUST_LOG=warn "$bin" serve --listen "127.0.0.1:$port" --data-dir "$data" &
server=$!
cleanup() { kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; rm -rf "$data"; }
trap cleanup EXIT

BRIEFING_ADDR="127.0.0.1:$port" python3 "$here/test_client.py"
