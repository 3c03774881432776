#!/usr/bin/env bash
# Runs one fuzz target of fuzz/ for a number of seconds.
#   scripts/fuzz.sh TARGET SECONDS [extra libFuzzer flags]
# Needs the nightly toolchain and cargo-fuzz (`cargo install cargo-fuzz`).
# The corpus grows in fuzz/corpus/TARGET; crashes land in
# fuzz/artifacts/TARGET. No sanitizer: the crate forbids unsafe code, so the
# fuzzer hunts panics (slicing, overflow with debug assertions, timeouts).
set -euo pipefail
target=${1:?usage: scripts/fuzz.sh TARGET SECONDS}
seconds=${2:?usage: scripts/fuzz.sh TARGET SECONDS}
shift 2
cd "$(dirname "$0")/../fuzz"
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$PWD/target}
mkdir -p "corpus/$target" "artifacts/$target"
# Seed the corpus with a few real releases the first time.
if [ -z "$(ls -A "corpus/$target")" ] && [ -d ../seeds ]; then
    for f in ../seeds/*.txt; do printf '\003' | cat - "$f" > "corpus/$target/seed-$(basename "$f")"; done
fi
exec cargo +nightly fuzz run --sanitizer none --debug-assertions "$target" "corpus/$target" -- \
    -max_total_time="$seconds" -max_len=65536 -timeout=10 -print_final_stats=1 "$@"
