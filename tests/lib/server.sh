# Sourced by the client test scripts: starts the real briefing server on a
# free port with a temporary data folder, waits until its health service
# answers SERVING, and stops it when the script exits, however it exits,
# together with the processes and folders registered with `stop_on_exit PID`
# and `remove_on_exit PATH`.
#
#   source tests/lib/server.sh
#   start_briefing path/to/briefing      # sets BRIEFING_ADDR=127.0.0.1:PORT
#
# Needs python3 with grpcio (the health check is a raw gRPC call, so no
# generated code is needed).

_briefing_pids=()
_briefing_paths=()

stop_on_exit() { _briefing_pids+=("$1"); }
remove_on_exit() { _briefing_paths+=("$1"); }

_briefing_cleanup() {
  local pid path
  for pid in "${_briefing_pids[@]}"; do
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  for path in "${_briefing_paths[@]}"; do rm -rf "$path"; done
  return 0
}
trap _briefing_cleanup EXIT

fail() { echo "FAIL: $*" >&2; exit 1; }

start_briefing() {
  local bin=$1
  [ -x "$bin" ] || fail "no server binary at $bin; run cargo build --release first"
  local data port
  data=$(mktemp -d)
  remove_on_exit "$data"
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
  BRIEFING_ADDR="127.0.0.1:$port"
  RUST_LOG=${RUST_LOG:-warn} "$bin" serve --listen "$BRIEFING_ADDR" --data-dir "$data" &
  local server=$!
  stop_on_exit "$server"
  python3 - "$BRIEFING_ADDR" "$server" <<'PY' || fail "the server at $BRIEFING_ADDR did not report SERVING within 30 s"
import os, sys, time
import grpc

addr, pid = sys.argv[1], int(sys.argv[2])
deadline = time.monotonic() + 30
with grpc.insecure_channel(addr) as channel:
    # An empty HealthCheckRequest asks about the whole server; the answer
    # b"\x08\x01" is field 1 (status) = 1 (SERVING).
    check = channel.unary_unary("/grpc.health.v1.Health/Check")
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            sys.exit("the server exited before serving")
        try:
            if check(b"", timeout=1) == b"\x08\x01":
                sys.exit(0)
        except grpc.RpcError:
            pass
        time.sleep(0.2)
sys.exit(1)
PY
  export BRIEFING_ADDR
}
