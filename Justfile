# Task runner. `just --list` shows every recipe.

set shell := ["bash", "-euo", "pipefail", "-c"]

# The main job: the conformance suite against the reference adapter (reports in target/conformance/).
conformance *ARGS: build
    cargo run --quiet -p lwa-conformance -- run {{ARGS}}

# Every test in the workspace.
test:
    cargo test --workspace --locked

# Debug builds of every binary.
build:
    cargo build --workspace --locked

# Lints as CI would want them.
lint:
    cargo fmt --all -- --check
    cargo clippy --workspace --all-targets --locked -- -D warnings
