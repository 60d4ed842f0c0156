# Task runner. `just --list` shows every recipe.

set shell := ["bash", "-euo", "pipefail", "-c"]

x86 := "target/x86_64-unknown-linux-musl/release/lambda-adapter"
arm := "target/aarch64-unknown-linux-musl/release/lambda-adapter"

# The main job: the whole conformance matrix against the reference adapter
# (echo, Express, Flask and Spring apps, x86_64 and aarch64). Reports in target/conformance/.
conformance *ARGS: setup build build-release zip-package
    cargo run --quiet -p lwa-conformance -- run --app all --arch all --adapter {{x86}} --adapter-aarch64 {{arm}} {{ARGS}}

# The suite against the built-in echo app only: needs nothing installed.
conformance-quick *ARGS: build
    cargo run --quiet -p lwa-conformance -- run {{ARGS}}

# Every test: the workspace's cargo tests, then each sample app against its contract.
test: setup
    cargo test --workspace --locked
    for app in express flask spring; do sample-apps/check.sh "$app"; done

# Installs what the matrix needs (idempotent): musl targets, the aarch64 linker, qemu, the sample apps.
setup:
    scripts/setup-cross.sh
    scripts/setup-sample-apps.sh all

# Debug builds of every binary.
build:
    cargo build --workspace --locked

# Static, stripped release binaries for x86_64 and aarch64, with their sizes.
build-release:
    scripts/setup-cross.sh
    cargo build --release --locked -p lambda-web-adapter --target x86_64-unknown-linux-musl
    cargo build --release --locked -p lambda-web-adapter --target aarch64-unknown-linux-musl
    @ls -l {{x86}} {{arm}} | awk '{ printf "%-60s %8.2f MB\n", $9, $5 / 1048576 }'

# The Lambda layer for zip packages: target/layer/lambda-adapter-<arch>.zip with
# extensions/lambda-adapter and the exec wrapper bootstrap (ARCH: x86_64, aarch64 or all).
layer ARCH="all": build-release
    scripts/layer.sh {{ARCH}}

# Zip packages end to end on both architectures: the layer, the exec wrapper, the emulator as a managed runtime.
zip-package: setup build-release
    LWA_REQUIRE_AARCH64=1 cargo test --locked -p lwa-conformance --test zip_package

# End-to-end benchmark: each ADAPTER (default: the reference release build; `lwa` = LWA 1.0 built once
# from crates.io; NAME=PATH for any binary) under the emulator, next to the floor (direct app calls) and
# the harness. Table here; target/bench/report.json and summary.md. Put the baseline first.
bench *ARGS:
    scripts/bench.sh {{ARGS}}

# Criterion micro-benchmarks of the pure translation (a few minutes; target/criterion/).
bench-micro *ARGS:
    cargo bench --locked -p lwa-benches {{ARGS}}

# Lints as CI would want them.
lint:
    cargo fmt --all -- --check
    cargo clippy --workspace --all-targets --locked -- -D warnings
