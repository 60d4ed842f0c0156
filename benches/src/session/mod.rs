//! One measurement session: an adapter binary under the emulator, or the floor (the same
//! requests sent straight to the app). Each function starts what it needs, measures, and
//! tears it all down, so sessions of different candidates can be interleaved.
//!
//! This module holds what sessions share (the workload, the events, what a session
//! measured); `emulated.rs` runs adapters under the emulator and `floor.rs` the floor.

mod emulated;
mod floor;

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;

use crate::inputs::{Body, EventSource};
use crate::metric::Metric;

pub use emulated::{
    adapter_buffered, adapter_cold_start, adapter_concurrent, adapter_pid, adapter_streaming, describe,
    emulator_config, start,
};
pub use floor::{floor_buffered, floor_slow_start, floor_streaming};

/// How much work each session does.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Workload {
    /// Invocations before anything is measured (connection pools, caches, page faults).
    pub warmup: usize,
    /// Small-event invocations per run (latency, throughput and CPU).
    pub invocations: usize,
    /// 1 MiB invocations per run.
    pub big_invocations: usize,
    /// Invocations per run of the concurrent throughput phase.
    pub concurrent_invocations: usize,
    /// `AWS_LAMBDA_MAX_CONCURRENCY` of the concurrent phase.
    pub concurrency: u32,
    /// Streamed invocations per run (time to first byte).
    pub stream_invocations: usize,
    /// Size of the streamed body of the bandwidth phase, in KiB.
    pub stream_kib: usize,
    /// Streamed large-body invocations per run (bandwidth).
    pub bandwidth_invocations: usize,
    /// How long the slow app takes to listen.
    #[serde(serialize_with = "millis")]
    pub slow_app_delay: Duration,
}

fn millis<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_f64(d.as_secs_f64() * 1e3)
}

/// The events every candidate is given (see [`Events::new`]).
#[derive(Debug, Clone)]
pub struct Events {
    /// A small HTTP API (v2) POST with a 55-byte JSON body to `/echo/items`.
    pub small: Bytes,
    /// A v2 GET of `/big?kb=1024` (a 1 MiB `text/plain` answer).
    pub big: Bytes,
    /// A Function URL GET of `/stream?chunks=3&delay_ms=0` (three small chunks at once).
    pub stream: Bytes,
    /// A Function URL GET of `/big?kb=<stream_kib>` (one large body, streamed).
    pub stream_big: Bytes,
}

impl Events {
    /// The events, made from the corpus templates (see [`crate::inputs`]).
    pub fn new(workload: &Workload) -> Self {
        let small_body = Body::Text(r#"{"name":"widget","qty":3,"price":9.99,"tags":["a","b"]}"#.to_owned());
        let v2 = EventSource::ApiGatewayV2;
        let url = EventSource::FunctionUrl;
        Events {
            small: v2.event("POST", "/echo/items", "", &small_body).into(),
            big: v2.event("GET", "/big", "kb=1024", &Body::Empty).into(),
            stream: url.event("GET", "/stream", "chunks=3&delay_ms=0", &Body::Empty).into(),
            stream_big: url.event("GET", "/big", &format!("kb={}", workload.stream_kib), &Body::Empty).into(),
        }
    }
}

/// What one session measured. Every field is optional: a phase that failed leaves it out
/// and says why in `errors`.
#[derive(Debug, Clone, Default)]
pub struct Measured {
    /// Named figures (see [`crate::metric::Metric`] for their meaning), already in the
    /// metric's unit.
    pub values: Vec<(crate::metric::Metric, f64)>,
    /// Invocations that did not end as expected, and phases that could not run.
    pub errors: Vec<String>,
    /// Extra detail for the JSON report (init durations, CPU cross-checks, thread counts).
    pub details: Vec<(String, f64)>,
    /// The latency of every measured small-event invocation of the latency phase, in µs,
    /// in the order they ran (the samples [`Metric::WarmP50`] and [`Metric::WarmP99`] are
    /// taken from).
    pub warm_latencies_us: Vec<f64>,
    /// The body chunks of the streamed first-byte invocation whose first byte came at the
    /// median time of the session.
    pub stream_chunks: Option<StreamTrace>,
}

/// The body chunks of one streamed invocation as they arrived.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct StreamTrace {
    /// How many invocations it was picked from (the one with the median first byte).
    pub picked_from: usize,
    /// When each body chunk arrived, in ms since the request was sent (the clock of
    /// [`Metric::StreamFirstByte`]), and its size in bytes.
    pub chunks: Vec<ChunkArrival>,
}

/// One body chunk of a streamed invocation.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct ChunkArrival {
    /// Milliseconds since the request was sent.
    pub at_ms: f64,
    /// Body bytes in the chunk.
    pub bytes: usize,
}

impl StreamTrace {
    /// The invocation with the median first byte among `invocations` (each the arrival
    /// of its chunks: time since the request and size); `None` for none.
    pub fn median_of(invocations: &[Vec<(Duration, usize)>]) -> Option<StreamTrace> {
        let first_bytes: Vec<f64> =
            invocations.iter().map(|c| c.first().map_or(f64::INFINITY, |(at, _)| at.as_secs_f64())).collect();
        let picked = &invocations[crate::stats::median_index(&first_bytes)?];
        Some(StreamTrace {
            picked_from: invocations.len(),
            chunks: picked
                .iter()
                .map(|(at, bytes)| ChunkArrival { at_ms: at.as_secs_f64() * 1e3, bytes: *bytes })
                .collect(),
        })
    }
}

impl Measured {
    fn push(&mut self, metric: crate::metric::Metric, value: f64) {
        self.values.push((metric, value));
    }
    fn detail(&mut self, name: &str, value: f64) {
        self.details.push((name.to_owned(), value));
    }
}

/// Runs `total` calls of `call` with `width` of them in flight; returns how many failed.
pub async fn run_concurrently<F, Fut>(width: usize, total: usize, call: F) -> usize
where
    F: Fn() -> Fut + Clone + Send + 'static,
    Fut: std::future::Future<Output = bool> + Send + 'static,
{
    let next = Arc::new(AtomicUsize::new(0));
    let failures = Arc::new(AtomicUsize::new(0));
    let mut workers = tokio::task::JoinSet::new();
    for _ in 0..width.max(1) {
        let (next, failures, call) = (next.clone(), failures.clone(), call.clone());
        workers.spawn(async move {
            while next.fetch_add(1, Ordering::Relaxed) < total {
                if !call().await {
                    failures.fetch_add(1, Ordering::Relaxed);
                }
            }
        });
    }
    while workers.join_next().await.is_some() {}
    failures.load(Ordering::Relaxed)
}

fn push_opt(out: &mut Measured, metric: Metric, value: Option<f64>) {
    if let Some(value) = value {
        out.push(metric, value);
    }
}

fn mib(bytes: u64) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}

/// An adapter to measure: a label and the path of its executable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Adapter {
    /// The name in reports.
    pub label: String,
    /// The executable.
    pub path: PathBuf,
    /// Whether this is the harness adapter (reported apart from the adapters under test).
    pub harness: bool,
}
