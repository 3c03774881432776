#!/usr/bin/env bash
# Talks to the real server binary with `buf curl` alone, through server
# reflection (no .proto files): lists the services and their methods, streams
# two releases into IngestDocuments as JSON on stdin, queries their persons
# and events back, checks health, and checks that bad requests get the right
# gRPC code (buf curl exits with 8 × the code).
# Usage: tests/buf/run.sh [path/to/briefing]   (default target/release/briefing)
# Needs buf (BUF, default .tools/node_modules/.bin/buf) and python3 with grpcio.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
bin=${1:-$root/target/release/briefing}
buf=${BUF:-$root/.tools/node_modules/.bin/buf}
source "$root/tests/lib/server.sh"
[ -x "$buf" ] || fail "no buf at $buf; run: npm install --prefix .tools @bufbuild/buf@1.75.0"

scratch=$(mktemp -d)
remove_on_exit "$scratch"
start_briefing "$bin"
url="http://$BRIEFING_ADDR"
call() { "$buf" curl --protocol grpc --http2-prior-knowledge "$@"; }

# Reads the JSON messages buf curl printed (stdin), binds them to `rs` (a
# list) and `r` (the first), and fails with MESSAGE unless EXPR holds.
expect() {
  local message=$1 expr=$2
  cat >"$scratch/out"
  python3 -c '
import json, sys
text, decoder, rs, at = sys.stdin.read(), json.JSONDecoder(), [], 0
while text[at:].strip():
    at = len(text) - len(text[at:].lstrip())
    value, at = decoder.raw_decode(text, at)
    rs.append(value)
r = rs[0] if rs else None
sys.exit(0 if eval("(" + sys.argv[1] + ")") else 1)
' "$expr" <"$scratch/out" || fail "$message; buf curl printed: $(cat "$scratch/out")"
  echo "ok: $message"
}

# Fails with MESSAGE unless every line of WANTED is a line of stdin.
expect_lines() {
  local message=$1 wanted=$2 got line
  got=$(cat)
  while read -r line; do
    grep -qxF "$line" <<<"$got" || fail "$message: no line $line in: $got"
  done <<<"$wanted"
  echo "ok: $message"
}

# Runs a call that must fail and checks that buf curl exits with 8 × CODE.
expect_code() {
  local code=$1 name=$2 rc=0
  shift 2
  call "$@" >/dev/null 2>"$scratch/err" || rc=$?
  [ "$rc" -eq $((8 * code)) ] || fail "$name: expected exit $((8 * code)) (gRPC code $code), got $rc: $(cat "$scratch/err")"
  echo "ok: $name is gRPC code $code"
}

echo "== reflection"
call --list-services "$url" | expect_lines "reflection lists the services" "briefing.v1.ExtractService
briefing.v1.IngestService
briefing.v1.QueryService
grpc.health.v1.Health"
# buf curl describes through method listings (it has no per-service describe).
call --list-methods "$url" | expect_lines "reflection describes QueryService's methods" "$(
  printf 'briefing.v1.QueryService/%s\n' GetDocument ListDocuments ListPersons GetPerson ListEvents ListQuotes ListFigures WatchFacts)"

echo "== health"
call "$url/grpc.health.v1.Health/Check" | expect "the server is SERVING" 'r["status"] == "SERVING"'

echo "== ingest a stream of two releases"
# The seed release, and a short invented one (two ministers meeting in a
# city on a date), each with its headers as part of the text.
python3 - "$root/seeds/kz-ro-consultations-2025-03-19.txt" "$root/tests/releases/no-cl-oslo-2025-06-10.txt" \
  >"$scratch/stream.jsonl" <<'PY'
import json, sys
seed, note = (open(path, encoding="utf-8").read() for path in sys.argv[1:])
for document in [
    {"id": "kz-ro-seed", "published_date": "2025-03-19", "source": "mfa.kz", "text": seed},
    {"id": "no-cl-oslo", "published_date": "2025-06-12", "source": "invented", "text": note},
]:
    print(json.dumps({"document": document}))
PY
call -d @- "$url/briefing.v1.IngestService/IngestDocuments" <"$scratch/stream.jsonl" |
  expect "two acknowledgements, both CREATED, in order" \
    '[(a["result"].get("index", "0"), a["result"]["documentId"], a["result"]["status"]) for a in rs]
     == [("0", "kz-ro-seed", "INGEST_STATUS_CREATED"), ("1", "no-cl-oslo", "INGEST_STATUS_CREATED")]'

echo "== query persons and events back"
call -d '{"country_code": "KZ"}' "$url/briefing.v1.QueryService/ListPersons" |
  expect "ListPersons KZ names Roman Vassilenko" \
    'any(p["name"] == "Roman Vassilenko" and p["documentIds"] == ["kz-ro-seed"] for p in r["persons"])'
call -d '{"name_contains": "klaveren"}' "$url/briefing.v1.QueryService/ListPersons" |
  expect "ListPersons finds Alberto van Klaveren, serving Chile" \
    '[(p["name"], p["countryCode"]) for p in r["persons"]] == [("Alberto van Klaveren", "CL")]'
call -d '{"participant": "Alberto van Klaveren"}' "$url/briefing.v1.QueryService/ListEvents" |
  expect "the Oslo meeting: both ministers, its date and place" \
    '[(e["documentId"], e["type"], e["date"], e["place"], e["participants"]) for e in r["events"]]
     == [("no-cl-oslo", "EVENT_TYPE_MEETING", "2025-06-10", "Oslo", ["Espen Barth Eide", "Alberto van Klaveren"])]'
call -d '{"participant": "Roman Vassilenko", "place": "Bucharest", "start_date": "2025-03"}' \
  "$url/briefing.v1.QueryService/ListEvents" |
  expect "the Bucharest consultations of 2025-03-19" \
    'any(e["type"] == "EVENT_TYPE_CONSULTATIONS" and e["date"] == "2025-03-19" for e in r["events"])'

echo "== bad requests"
expect_code 3 "an inverted date range" -d '{"start_date": "2025-02-01", "end_date": "2025-01-01"}' \
  "$url/briefing.v1.QueryService/ListEvents"
expect_code 3 "a negative page size" -d '{"page_size": -1}' "$url/briefing.v1.QueryService/ListPersons"
expect_code 5 "an unknown document" -d '{"id": "no-such-document"}' "$url/briefing.v1.QueryService/GetDocument"

echo "buf curl client: all checks passed"
