//! The adapter's integration tests, one test binary (one link, one shared `common`): the
//! pure translation over the corpus and by configuration, then (`process::`) the
//! `lambda-adapter` binary against wiremock, hostile apps and runtimes, and streaming.

#![allow(clippy::unwrap_used, clippy::panic, clippy::expect_used)]

mod common;

mod corpus;
mod translate;

/// The `lambda-adapter` process, black-box (`cargo test --test it -- --skip process::`
/// leaves them out: the translation alone, as `just mutants` runs it).
mod process {
    mod binary;
    mod hostile_app;
    mod hostile_runtime;
    mod streaming;
}
