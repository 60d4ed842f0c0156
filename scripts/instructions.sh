#!/usr/bin/env bash
# The deterministic performance gate: instructions per invocation of the shipped x86_64
# binary (target/x86_64-unknown-linux-musl/release/lambda-adapter) under valgrind's
# callgrind, for a small HTTP API event, a 1 MiB answer and a pass-through event, against
# the committed baseline benches/instructions-baseline.json. Exits 1 when any grew more
# than 10%; instruction counts do not move with the machine's load, so this can gate CI
# where a timing could not.
#
#   scripts/instructions.sh                     # measure and compare (CI)
#   scripts/instructions.sh --write-baseline    # record the current counts as the baseline
#   scripts/instructions.sh --tolerance 5       # other lwa-instructions options
#
# Writes target/bench/instructions.json (and callgrind's files beside it, for
# callgrind_annotate).
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v valgrind >/dev/null 2>&1; then
    sudo=()
    [[ $(id -u) -eq 0 ]] || sudo=(sudo)
    echo "instructions: apt-get install valgrind" >&2
    "${sudo[@]}" apt-get update -q >/dev/null
    DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -q --no-install-recommends valgrind >/dev/null
fi
cargo build --release --locked -p lwa-benches --bin lwa-instructions
exec target/release/lwa-instructions --baseline benches/instructions-baseline.json "$@"
