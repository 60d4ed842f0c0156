# Task runner. `just --list` shows every recipe.

set shell := ["bash", "-euo", "pipefail", "-c"]

# The main job: the adapter end to end (the conformance suite once it lands).
conformance: build
    cargo test -p lambda-web-adapter --test binary

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
