# Task runner. `just --list` shows every recipe.

set shell := ["bash", "-euo", "pipefail", "-c"]

x86 := "target/x86_64-unknown-linux-musl/release/lambda-adapter"
arm := "target/aarch64-unknown-linux-musl/release/lambda-adapter"

tool := "target/x86_64-unknown-linux-musl/tool/lwa-conformance"

# Echo, Express, Flask and Spring apps, x86_64 and aarch64, on this machine and inside each app's
# Lambda container image, then docker-compose.yml for real. Reports in target/conformance/.
# The main job: the whole conformance matrix against the reference adapter.
# The runtime images (downloads and dpkg, no binary needed) build while cargo builds.
conformance *ARGS: setup
    #!/usr/bin/env bash
    set -euo pipefail
    mkdir -p target/images
    scripts/images.sh --runtimes >target/images/runtimes.out 2>&1 &
    runtimes=$!
    # on a failed build, still wait: images.sh unmounts its chroots on the way out
    just build build-release zip-package build-tool || { wait "$runtimes" || true; exit 1; }
    wait "$runtimes" || { cat target/images/runtimes.out; echo "error: the runtime images failed" >&2; exit 1; }
    cat target/images/runtimes.out
    just images
    cargo run --quiet -p lwa-conformance -- run --app all --arch all --host all --adapter {{x86}} --adapter-aarch64 {{arm}} --container-tool {{tool}} {{ARGS}}
    scripts/compose-check.sh

# The suite against the built-in echo app only: needs nothing installed.
conformance-quick *ARGS: build
    cargo run --quiet -p lwa-conformance -- run {{ARGS}}

# Mutation testing with cargo-mutants: which mutants of FILES (default: config/, event/, swar.rs,
# response/) the adapter's tests miss, with the kill rate. Slow: not part of CI.
mutants *FILES:
    scripts/mutants.sh {{FILES}}

# Judge another adapter rule by rule against the reference: `just judge lwa` (LWA 1.0, built
# once from crates.io) or `just judge NAME=PATH`. Reports and the comparison in target/judge/.
judge ADAPTER *ARGS:
    scripts/judge.sh {{ADAPTER}} {{ARGS}}

# Every test: the workspace's cargo tests, then each sample app against its contract.
# With CI set (.ci/run sets it), the release binaries are built first and the zip-package
# test fails instead of skipping when it cannot run.
test: setup
    if [ -n "${CI:-}" ]; then just build-release; fi
    LWA_REQUIRE_AARCH64="${CI:+1}" cargo test --workspace --locked
    cargo test --locked --manifest-path adapter/fuzz/Cargo.toml --target-dir target/fuzz-test
    for app in express flask spring; do sample-apps/check.sh "$app"; done
    just report-check

# The HTML reports in headless Chromium (installed when missing; skipped loudly where it cannot be,
# an error with CI set): the conformance page, a comparison and the benchmark page, from the
# fixtures in conformance/tests/data/ and benches/tests/data/; screenshots in target/report-check/.
report-check: build
    scripts/report-check.sh

# Installs what the matrix needs (idempotent): musl targets, the aarch64 linker, qemu, the sample apps.
setup:
    scripts/setup-cross.sh
    scripts/setup-sample-apps.sh all

# Also builds the static lwa-conformance that containers mount as their emulator; --check runs each image sandboxed.
# The sample apps as Lambda container images from Debian packages, no registry (idempotent, cached by content).
images *ARGS: build-release build-tool
    scripts/images.sh {{ARGS}}

# docker-compose.yml for real: up, a request through the HTTP API front door, down.
compose-check: images
    scripts/compose-check.sh

# Debug builds of every binary.
build:
    cargo build --workspace --locked

# Static, stripped release binaries for x86_64 and aarch64, with their sizes.
build-release:
    scripts/setup-cross.sh
    cargo build --release --locked -p lambda-web-adapter --target x86_64-unknown-linux-musl
    cargo build --release --locked -p lambda-web-adapter --target aarch64-unknown-linux-musl
    @ls -l {{x86}} {{arm}} | awk '{ printf "%-60s %8.2f MB\n", $9, $5 / 1048576 }'

# The static lwa-conformance mounted into containers (the in-container emulator, the suite's agent),
# unoptimised: it serves one case at a time, and this builds in 40% of an optimised build's time.
build-tool:
    scripts/setup-cross.sh
    cargo build --profile tool --locked -p lwa-conformance --target x86_64-unknown-linux-musl

# The Lambda layer for zip packages: target/layer/lambda-adapter-<arch>.zip with
# extensions/lambda-adapter and the exec wrapper bootstrap (ARCH: x86_64, aarch64 or all).
layer ARCH="all": build-release
    scripts/layer.sh {{ARCH}}

# Zip packages end to end on both architectures: the layer, the exec wrapper, the emulator as a managed runtime.
zip-package: setup build-release
    LWA_REQUIRE_AARCH64=1 cargo test --locked -p lwa-conformance --test it -- zip_package::

# End-to-end benchmark: each ADAPTER (default: the reference release build; `lwa` = LWA 1.0 built once
# from crates.io; NAME=PATH for any binary) under the emulator, next to the floor (direct app calls) and
# the harness; then cold start inside each sample app's container, reference vs LWA 1.0.
# Tables here; target/bench/report.json and summary.md (with the container table). Put the baseline first.
bench *ARGS: images
    scripts/bench.sh {{ARGS}}
    scripts/bench-containers.sh reference lwa
    cat target/bench/containers.md >> target/bench/summary.md

# Instructions per invocation of the shipped x86_64 binary under callgrind (small v2 event, 1 MiB
# answer, pass-through) against benches/instructions-baseline.json: fails on more than 10% growth (CI).
instructions *ARGS: build-release
    scripts/instructions.sh {{ARGS}}

# Image start to the first answered invocation, per sample app's image; target/bench/containers.md.
# Cold start inside a container: the reference adapter vs LWA 1.0 (or NAME=PATH ...).
bench-containers *ARGS: images
    scripts/bench-containers.sh {{ARGS}}

# Criterion micro-benchmarks of the pure translation (a few minutes; target/criterion/).
bench-micro *ARGS:
    cargo bench --locked -p lwa-benches {{ARGS}}

# Soak: N invocations (after 10,000 of warm-up) of every source, buffered and streamed, one at a time
# and at AWS_LAMBDA_MAX_CONCURRENCY=8, each checked for cross-talk; the adapter's RSS, threads and fds
# (sampled every tenth) must stay flat. target/soak/report.json; `--adapter PATH` soaks any binary.
soak N="100000" *ARGS:
    scripts/soak.sh {{N}} {{ARGS}}

# cargo fuzz over the pure translation (libFuzzer; installs cargo-fuzz if missing): SECONDS per target,
# all five or the TARGETS named; executions, exec/s and result per target; fails on a crash, panic,
# timeout or an input over 100 ms of CPU. Corpus, crashes and logs under target/fuzz-*/ (adapter/fuzz/README.md).
fuzz SECONDS="60" *TARGETS:
    scripts/fuzz.sh {{SECONDS}} {{TARGETS}}

# Lints, as CI runs them: rustfmt, clippy with warnings as errors, no unused dependency.
lint:
    cargo fmt --all -- --check
    cargo clippy --workspace --all-targets --locked -- -D warnings
    command -v cargo-machete >/dev/null || cargo install --locked cargo-machete
    cargo machete
