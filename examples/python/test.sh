#!/usr/bin/env bash
# Runs who_met_whom.py against the real server binary: streams seeds/ (and
# ../shared/eval/dev when it is there) and checks the acknowledgements and
# the meetings printed; then runs it again on seeds/ for one participant and
# checks the duplicate and the filter.
# Usage: examples/python/test.sh [path/to/briefing]   (default target/release/briefing)
# Needs python3 with the packages of requirements.txt.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
bin=${1:-$root/target/release/briefing}
source "$root/tests/lib/server.sh"

folders=("$root/seeds")
[ -d "$root/../shared/eval/dev" ] && folders+=("$root/../shared/eval/dev")
releases=$(find "${folders[@]}" -maxdepth 1 -name '*.txt' | wc -l)

start_briefing "$bin"
out=$(python3 "$here/who_met_whom.py" "${folders[@]}" --server "$BRIEFING_ADDR") ||
  fail "who_met_whom.py failed; it printed: $out"

# Fails with MESSAGE unless the last output has a line matching the regex.
expect_line() {
  grep -qE "$2" <<<"$out" || fail "$1: no line matching /$2/ in:
$out"
  echo "ok: $1"
}
acks=$(grep -cE '^(CREATED|DUPLICATE|REJECTED) ' <<<"$out" || true)
[ "$acks" -eq "$releases" ] || fail "expected $releases acknowledgements, got $acks:
$out"
echo "ok: one acknowledgement for each of the $releases releases"
expect_line "the seed release is created" '^CREATED +kz-ro-consultations-2025-03-19\.txt: 7 persons'
expect_line "the Bucharest consultations, with both sides" \
  '^2025-03-19 +Bucharest +consultations +Roman Vassilenko, Ana Tinca +\[kz-ro-consultations-2025-03-19\.txt\]$'
expect_line "the meeting with Titus Corlățean" '^2025-03-19 +Bucharest +meeting +Roman Vassilenko, Titus Corlățean '

out=$(python3 "$here/who_met_whom.py" "$root/seeds" --participant "Tinca" --server "$BRIEFING_ADDR") ||
  fail "who_met_whom.py failed on the second run; it printed: $out"
expect_line "the same release again is a duplicate" '^DUPLICATE +kz-ro-consultations-2025-03-19\.txt: '
events=$(sed -n '/^Who met whom$/,$p' <<<"$out" | tail -n +2)
[ "$events" = "2025-03-19   Bucharest        consultations  Roman Vassilenko, Ana Tinca  [kz-ro-consultations-2025-03-19.txt]" ] ||
  fail "--participant Tinca should print only the consultations, got:
$events"
echo "ok: --participant keeps only that person's events"

echo "Python example: all checks passed"
