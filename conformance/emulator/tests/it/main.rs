//! The emulator's integration tests, one test binary: the Runtime API, extensions,
//! Managed Instances concurrency, the front door, real `lambda_runtime` functions (the
//! examples), and an idle emulator's CPU.

#![allow(clippy::unwrap_used, clippy::panic, clippy::expect_used)]

mod common;

mod concurrency;
mod extensions;
mod gateway;
mod idle;
mod lambda_runtime;
mod runtime_api;
