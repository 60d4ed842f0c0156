#!/usr/bin/env bash
# The soak: builds the reference adapter as users get it (the static x86_64 release build)
# and lwa-soak (the thin-LTO `soak` profile), then runs N invocations
# (default 100,000) of every event source, buffered and streamed, one at a time and with
# AWS_LAMBDA_MAX_CONCURRENCY=8, checking each answer for cross-talk and sampling the
# adapter's RSS, threads and open fds, which must stay flat after warm-up.
#
#   scripts/soak.sh                          # 100,000 invocations of the static release build
#   scripts/soak.sh 10000                    # the CI size
#   scripts/soak.sh 20000 --adapter PATH     # any adapter binary (the reference is not built then)
#   scripts/soak.sh 10000 --sample-every 500 # lwa-soak options (lwa-soak --help)
#
# Writes target/soak/report.json; prints the failures, the samples and a table per lane.
# Exit status: 0 passed, 1 a failed invocation or growth, 2 the soak could not run.
set -euo pipefail
cd "$(dirname "$0")/.."

args=("$@")
own_adapter=false
for arg in "${args[@]}"; do
    case "$arg" in
        --adapter | --adapter=*) own_adapter=true ;;
    esac
done

if [ "$own_adapter" = false ]; then
    scripts/setup-cross.sh
    cargo build --release --locked -p lambda-web-adapter --target x86_64-unknown-linux-musl
fi
cargo build --profile soak --locked -p lwa-benches --bin lwa-soak
exec target/soak/lwa-soak "${args[@]}"
