//! The suite's integration tests, one test binary: the CLI, the reference adapter's
//! lifecycle under the emulator, the spec and its coverage, the suite's snapshots and its
//! self-test with injected faults, case expectations, and zip packages.

#![allow(clippy::unwrap_used, clippy::panic, clippy::expect_used)]

mod common;

mod cli;
mod lifecycle;
mod run_expectations;
mod self_judge;
mod spec;
mod suite;
mod zip_package;
