#!/usr/bin/env bash
# Judges another adapter with the conformance suite (every case and corpus event, the echo
# app, x86_64) and compares it with the reference adapter, rule by rule.
#
#   scripts/judge.sh lwa                    # awslabs' LWA 1.0, built once (scripts/lwa-build.sh)
#   scripts/judge.sh NAME=/path/to/adapter  # any adapter binary
#   scripts/judge.sh lwa --app all          # more `lwa-conformance run` options after the adapter
#
# Reports: target/judge/<name>/ (report.json, report.md, junit.xml) and
# target/judge/reference/; the comparison is printed and written to
# target/judge/<name>/compare.txt, and drawn as a page in target/judge/<name>/compare.html. Exits 0 whatever the verdicts: a judgement, not a test.
set -euo pipefail
cd "$(dirname "$0")/.."

[ $# -ge 1 ] || { echo "usage: scripts/judge.sh lwa|NAME=PATH [run options]" >&2; exit 2; }
case "$1" in
    lwa) name=lwa; adapter="$(scripts/lwa-build.sh)" ;;
    *=*) name="${1%%=*}"; adapter="${1#*=}" ;;
    *) echo "judge: $1 is neither \`lwa\` nor NAME=PATH" >&2; exit 2 ;;
esac
shift
[ -x "$adapter" ] || { echo "judge: $adapter is not an executable" >&2; exit 2; }

cargo build --quiet --locked -p lambda-web-adapter --bin lambda-adapter
cargo build --quiet --locked -p lwa-conformance
suite=target/debug/lwa-conformance
"$suite" run --adapter target/debug/lambda-adapter --out target/judge/reference "$@" >/dev/null || true
"$suite" run --adapter "$adapter" --out "target/judge/$name" "$@" | tail -n 40 || true
"$suite" compare target/judge/reference/report.json "target/judge/$name/report.json" | tee "target/judge/$name/compare.txt"
"$suite" report --html "target/judge/$name/compare.html" target/judge/reference/report.json "target/judge/$name/report.json"
echo "judge: the comparison as a page: target/judge/$name/compare.html"
