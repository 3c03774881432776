#!/usr/bin/env bash
# Generates a Python client from proto/ with grpcio-tools, starts the real
# server binary on a free port with a temporary data folder, runs
# test_client.py against it, and stops the server.
# Usage: tests/python/run.sh [path/to/briefing]   (default target/release/briefing)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
bin=${1:-$root/target/release/briefing}
source "$root/tests/lib/server.sh"

rm -rf "$here/gen" && mkdir -p "$here/gen"
python3 -m grpc_tools.protoc -I "$root/proto" --python_out="$here/gen" --pyi_out="$here/gen" \
  --grpc_python_out="$here/gen" "$root"/proto/briefing/v1/*.proto

start_briefing "$bin"
python3 "$here/test_client.py" || fail "the Python client test failed"
