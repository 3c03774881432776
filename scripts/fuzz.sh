#!/usr/bin/env bash
# Runs fuzz targets of fuzz/ for a number of seconds each.
#   scripts/fuzz.sh TARGET SECONDS [extra libFuzzer flags]
#   scripts/fuzz.sh all SECONDS [extra libFuzzer flags]    (each target in turn)
# Needs the nightly toolchain and cargo-fuzz (`cargo install cargo-fuzz`).
# The corpus grows in fuzz/corpus/TARGET; crashes land in
# fuzz/artifacts/TARGET. No sanitizer: the crate forbids unsafe code, so the
# fuzzer hunts panics (slicing, overflow with debug assertions, timeouts).
set -euo pipefail
target=${1:?usage: scripts/fuzz.sh TARGET|all SECONDS}
seconds=${2:?usage: scripts/fuzz.sh TARGET|all SECONDS}
shift 2
cd "$(dirname "$0")/../fuzz"
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$PWD/target}

if [ "$target" = all ]; then
    for t in $(cargo +nightly fuzz list); do
        "$0" "$t" "$seconds" "$@"
    done
    exit 0
fi

# Seeds the corpus of a target with a few real releases the first time.
seed() {
    case $1 in
    extract)
        # First byte 3: with a publication date and the first line as headline.
        for f in ../seeds/*.txt; do printf '\003' | cat - "$f" >"corpus/$1/seed-$(basename "$f")"; done
        ;;
    ingest_request)
        # IngestDocumentRequest messages, encoded by hand: each seed release
        # as a full document, plus a few with odd fields.
        python3 - "corpus/$1" ../seeds/*.txt <<'EOF'
import sys, pathlib
def field(number, data):
    out, n = bytearray([number << 3 | 2]), len(data)
    while n >= 0x80:
        out.append(n & 0x7F | 0x80); n >>= 7
    out.append(n)
    return bytes(out) + data
def request(**fields):
    numbers = dict(id=1, url=2, source=3, title=4, published_date=5, language=6, text=7)
    doc = b"".join(field(numbers[k], v.encode() if isinstance(v, str) else v) for k, v in fields.items())
    return field(1, doc)
out = pathlib.Path(sys.argv[1])
for path in map(pathlib.Path, sys.argv[2:]):
    text = path.read_text()[:8192]
    (out / f"seed-{path.stem}").write_bytes(request(id=path.stem, url="https://example.org/r", source="mfa",
        title=text.splitlines()[0], published_date="2025-03-19", language="en", text=text))
odd = {
    "no-id": request(text="The ministers met in Astana."),
    "month-date": request(id="m", published_date="2025-03", text="Met."),
    "year-date": request(id="y", published_date="1999", language="pt-BR", text="Met."),
    "leap-day": request(id="l", published_date="2024-02-29", text="Met."),
    "control": request(id="c", text="A\x01B"),
    "blank": request(id="b", text=" \n\t"),
    "not-utf8": request(id="u", text=b"Caf\xe9"),
    "empty": b"",
    "no-document": field(2, b"x"),
}
for name, data in odd.items():
    (out / f"seed-{name}").write_bytes(data)
EOF
        ;;
    esac
}

mkdir -p "corpus/$target" "artifacts/$target"
if [ -z "$(ls -A "corpus/$target")" ] && [ -d ../seeds ]; then
    seed "$target"
fi
cargo +nightly fuzz run --sanitizer none --debug-assertions "$target" "corpus/$target" -- \
    -max_total_time="$seconds" -max_len=65536 -timeout=10 -print_final_stats=1 "$@"
