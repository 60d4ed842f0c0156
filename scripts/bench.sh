#!/usr/bin/env bash
# The end-to-end benchmark: builds the reference adapter and the driver (release), then
# runs every given adapter binary through the emulator next to the floor and the harness.
#
#   scripts/bench.sh                                   # the reference release build only
#   scripts/bench.sh lwa target/release/lambda-adapter # LWA 1.0 first (the targets' baseline), then ours
#   scripts/bench.sh NAME=/path/to/lambda-adapter ...  # any adapter binaries, labelled
#   scripts/bench.sh --runs 3 --quick                  # driver options (target/release/lwa-bench --help)
#
# The word `lwa` stands for awslabs' LWA 1.0 release build, made once from crates.io by
# scripts/lwa-build.sh into target/bench/lwa-1.0/; `lwa=PATH` labels the binary at PATH
# `lwa` instead (nothing is built).
#
# Writes target/bench/report.json and target/bench/summary.md; prints a table.
set -euo pipefail
cd "$(dirname "$0")/.."

adapters=()
options=()
while [ $# -gt 0 ]; do
    case "$1" in
        --) shift; options+=("$@"); break ;;
        --quick | --no-harness | -h | --help | -V | --version | --*=*) options+=("$1") ;;
        -*) options+=("$1" "${2:-}"); shift ;;
        lwa)
            adapters+=("lwa=$(scripts/lwa-build.sh)") ;;
        lwa=*)
            # An LWA binary of the user's own (another version, another build): used as given.
            adapters+=("$1") ;;
        *) adapters+=("$1") ;;
    esac
    shift
done

cargo build --release --locked -p lambda-web-adapter
cargo build --release --locked -p lwa-benches --bins
if [ ${#adapters[@]} -eq 0 ]; then
    adapters=("reference=target/release/lambda-adapter")
fi
exec target/release/lwa-bench --out target/bench "${options[@]}" "${adapters[@]}"
