#!/usr/bin/env bash
# Soak test: a real `briefing serve` on a fresh data dir takes a steady
# stream of documents plus queries for a while, and its resident memory is
# sampled every 10 s. Not run in CI; see RELIABILITY.md for a recorded run.
#   scripts/soak.sh [SECONDS] [DOCS_PER_SECOND]     (defaults: 1800, 20)
#   scripts/soak.sh --summary RSS_CSV                (summary of an earlier run)
# Documents are releases of ../shared/corpus/us-gov-releases.jsonl under
# fresh ids (generated texts when the corpus is absent), sent as one
# `briefing ingest` stream every 5 s; each round also runs a few queries.
# Writes rss.csv (elapsed_s, rss_kb, docs_created) and the server log to the
# work directory it prints, then a summary. Exits 1 on any error.
set -euo pipefail
# Prints the summary of a CSV of samples: $1 the CSV, $2 errors, $3 rounds.
summary() {
    awk -F, -v errors="$2" -v rounds="$3" 'NR > 1 {
            n++; t[n] = $1; r[n] = $2; c[n] = $3; created = $3; if ($2 > peak) { peak = $2; at = $1 }
        }
        END {
            # Flat: over the second half of the run (after start-up and the
            # caches filling) RSS grows by less than 10%.
            for (i = 1; i <= n && t[i] < t[n] / 2; i++) {}
            mid = r[i]
            printf "duration %d s, %s rounds, %d documents created, %s errors\n", t[n], rounds, created, errors
            printf "RSS start %.1f MiB, peak %.1f MiB (at %d s), end %.1f MiB\n", r[1] / 1024, peak / 1024, at, r[n] / 1024
            printf "second half: RSS %.1f MiB at %d s -> %.1f MiB at %d s (%+.1f%%, %.0f KiB per 1000 documents): %s\n",
                mid / 1024, t[i], r[n] / 1024, t[n], (r[n] - mid) * 100 / mid, (r[n] - mid) * 1000 / (created - c[i] + 1),
                (r[n] < mid * 1.10 ? "flat" : "GROWING")
        }' "$1"
}
if [ "${1:-}" = --summary ]; then
    summary "${2:?usage: scripts/soak.sh --summary CSV}" - -
    exit 0
fi
duration=${1:-1800}
rate=${2:-20}
tick=5
batch=$((rate * tick))
cd "$(dirname "$0")/.."
root=$PWD

cargo build --release --quiet
bin=${CARGO_TARGET_DIR:-$root/target}/release/briefing
work=$(mktemp -d -t briefing-soak.XXXXXX)
csv=$work/rss.csv
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
url=http://127.0.0.1:$port
echo "soak: ${duration}s at ${rate} docs/s against $url; work directory $work"

"$bin" serve --listen "127.0.0.1:$port" --data-dir "$work/data" 2>"$work/server.log" &
server=$!
sampler=
cleanup() {
    [ -n "$sampler" ] && kill "$sampler" 2>/dev/null
    kill "$server" 2>/dev/null && wait "$server" 2>/dev/null
    return 0
}
trap cleanup EXIT
for _ in $(seq 300); do
    "$bin" query documents --limit 1 --server "$url" >/dev/null 2>&1 && break
    kill -0 "$server" || { cat "$work/server.log"; exit 1; }
    sleep 0.1
done

corpus=$root/../shared/corpus/us-gov-releases.jsonl
lines=0
[ -f "$corpus" ] && lines=$(wc -l <"$corpus")
# Writes round $1's documents, as JSONL with ids soak-ROUND-I, to stdout.
make_batch() {
    if [ "$lines" -gt "$batch" ]; then
        local first=$(( ($1 * batch) % (lines - batch) + 1 ))
        sed -n "${first},$((first + batch - 1))p" "$corpus" |
            awk -v p="soak-$1-" '{ sub(/"id": *"[^"]*"/, "\"id\": \"" p NR "\""); print }'
    else
        for i in $(seq "$batch"); do
            printf '{"id": "soak-%s-%s", "published": "2025-03-19", "text": "Round %s, release %s: the foreign ministers of Kazakhstan and Romania met in Astana and discussed trade worth %s million dollars."}\n' \
                "$1" "$i" "$1" "$i" "$((i * 7 + $1))"
        done
    fi
}

created=0 errors=0
echo "$created" >"$work/created"
started=$(date +%s)
rss() { awk '/^VmRSS:/ { print $2 }' "/proc/$server/status"; }
echo "elapsed_s,rss_kb,docs_created" >"$csv"
(
    while kill -0 "$server" 2>/dev/null; do
        echo "$(( $(date +%s) - started )),$(rss),$(cat "$work/created")" >>"$csv"
        sleep 10
    done
) &
sampler=$!

round=0
while [ $(( $(date +%s) - started )) -lt "$duration" ]; do
    due=$(( started + (round + 1) * tick ))
    make_batch "$round" >"$work/batch.jsonl"
    if out=$("$bin" ingest "$work/batch.jsonl" --server "$url" 2>&1); then
        n=$(sed -n 's/.*created \([0-9]*\), duplicate.*/\1/p' <<<"$out" | tail -1)
        created=$((created + ${n:-0}))
        [ "${n:-0}" -eq "$batch" ] || { errors=$((errors + 1)); echo "round $round: $out" | tail -3 >&2; }
    else
        errors=$((errors + 1)); echo "round $round: ingest failed: $out" | tail -3 >&2
    fi
    echo "$created" >"$work/created"
    for q in "documents --limit 20" "persons --country US --limit 20" "events --limit 20" \
             "quotes --words security --limit 20" "figures --limit 20"; do
        # shellcheck disable=SC2086 # the query words are meant to split
        "$bin" query $q --server "$url" >/dev/null 2>&1 || { errors=$((errors + 1)); echo "round $round: query $q failed" >&2; }
    done
    round=$((round + 1))
    now=$(date +%s)
    [ "$now" -lt "$due" ] && sleep $((due - now))
done
echo "$(( $(date +%s) - started )),$(rss),$created" >>"$csv"
kill "$sampler" 2>/dev/null; sampler=

summary "$csv" "$errors" "$round"
echo "samples: $csv"
[ "$errors" -eq 0 ]
