#!/usr/bin/env bash
# Mutation testing of the adapter with cargo-mutants (installed here if missing): every
# mutant of the given files (default: config/, the pure translation in event/ and
# response/, and swar.rs, the word scans they share) is built and run against the adapter's unit, translation and corpus tests; a
# mutant those tests do not catch is a place a regression would pass unnoticed.
#
#   scripts/mutants.sh                              # the default files (an hour or more on 2 cores)
#   scripts/mutants.sh adapter/src/event/uri.rs     # one file (minutes)
#
# Results: target/mutants/mutants.out/ (caught.txt, missed.txt, ...); a summary with the
# kill rate is printed. Survivors judged equivalent (no test could tell them apart) are
# listed with their reason in adapter/mutants-equivalent.txt. Not part of CI: slow.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v cargo-mutants >/dev/null 2>&1; then
    echo "mutants: installing cargo-mutants (once)" >&2
    cargo install --locked cargo-mutants
fi
files=("$@")
if [ ${#files[@]} -eq 0 ]; then
    files=(adapter/src/config/*.rs adapter/src/event/*.rs adapter/src/response/*.rs adapter/src/swar.rs)
fi
args=()
for f in "${files[@]}"; do args+=(-f "$f"); done
status=0
mkdir -p target # cargo-mutants does not create its output's parent (a fresh clone has none)
cargo mutants -p lambda-web-adapter "${args[@]}" --output target/mutants \
    -- --lib --test it -- --skip process:: || status=$?
out=target/mutants/mutants.out
count() { if [ -f "$out/$1.txt" ]; then grep -c . "$out/$1.txt" || true; else echo 0; fi; }
caught=$(count caught); missed=$(count missed); timeout=$(count timeout); unviable=$(count unviable)
viable=$((caught + missed + timeout))
echo "mutants: $caught caught, $missed missed, $timeout timed out, $unviable unviable (of ${#files[@]} files)"
if [ "$viable" -gt 0 ]; then
    echo "mutants: $((100 * (caught + timeout) / viable))% of viable mutants killed"
fi
if [ "$missed" -gt 0 ]; then
    echo "mutants: missed (see adapter/mutants-equivalent.txt for the ones judged equivalent):"
    sed 's/^/  /' "$out/missed.txt"
fi
# cargo-mutants exits 2 when mutants are missed: a finding, reported above, not a failure.
[ "$status" -eq 0 ] || [ "$status" -eq 2 ] || exit "$status"
