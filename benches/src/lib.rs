//! Benchmarks of Lambda web adapters: what an adapter costs on every cold start and every
//! request.
//!
//! Three tools share this crate:
//!
//! - **Criterion micro-benchmarks** (`cargo bench -p lwa-benches`) of the reference
//!   adapter's pure translation: `benches/translate.rs` (event decoding and request
//!   building per source) and `benches/encode.rs` (response encoding per source, the
//!   text-or-base64 rule, compression decisions and compression), over bodies from 0 to
//!   6 MB with byte throughput.
//! - **The end-to-end driver** `lwa-bench [ADAPTER...]` (`just bench`): every adapter
//!   binary runs as a Lambda extension under the conformance crate's emulator, against the
//!   built-in echo app, next to the *floor* (the same HTTP requests sent straight to the
//!   app). It reports medians over interleaved runs as a terminal table,
//!   `target/bench/report.json`, `target/bench/summary.md` and `target/bench/index.html`
//!   (a chart per metric with the run-to-run spread and the goals, cold starts by run, the
//!   warm latency distribution and one streamed invocation's chunk arrival;
//!   [`html`]).
//!
//! | Figure | How it is measured |
//! |---|---|
//! | cold start | emulator log of the spawn to the first `GET /runtime/invocation/next`, app listening / listening after 200 ms |
//! | warm latency p50/p99 | wall time of `Emulator::invoke` of a small v2 event, and of a v2 event answered with 1 MiB |
//! | throughput | back-to-back small invocations per second; and with `AWS_LAMBDA_MAX_CONCURRENCY=8` |
//! | CPU per invocation | user plus system time of the adapter process (`/proc/<pid>/task/*/schedstat`, cross-checked with `/proc/<pid>/stat`) over the small invocations, divided by their number |
//! | streaming | `AWS_LWA_INVOKE_MODE=response_stream`, Function URL event: invoke to first body byte, and bandwidth of a large body |
//! | memory | `VmRSS` after init and `VmHWM` (peak) from `/proc/<pid>/status` |
//! | binary size | the file's size |
//!
//! A third candidate, the *harness* (`lwa-null-adapter`, [`null_adapter`]), is the least
//! an adapter can do under the same emulator: what it adds over the floor is the cost of
//! the harness itself (the Runtime API round trip, process hops), which no adapter can
//! avoid. An adapter's own cost is its distance from the harness.
//!
//! The third tool, **the soak** `lwa-soak [N]` (`just soak`, [`soak`]), runs one adapter
//! binary through N invocations of every source, buffered and streamed, one at a time and
//! with `AWS_LAMBDA_MAX_CONCURRENCY=8`, checks every answer for cross-talk between
//! invocations, and samples the adapter's resident memory, threads and open file
//! descriptors, which must stay flat after warm-up (`target/soak/report.json`).
//!
//! The modules: [`inputs`] (events and responses shared by both tools), [`session`] (one
//! candidate through one phase), [`driver`] (runs and interleaving), [`report`] (tables,
//! JSON, Markdown), [`html`] (the page), [`metric`], [`procfs`] and [`stats`]; [`soak`]
//! for the soak.

pub mod driver;
pub mod html;
pub mod inputs;
pub mod metric;
pub mod null_adapter;
pub mod procfs;
pub mod report;
pub mod session;
pub mod soak;
pub mod stats;

pub use driver::{Plan, Results};
pub use metric::Metric;
pub use session::{Adapter, Workload};
