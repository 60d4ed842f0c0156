//! One measurement session: an adapter binary under the emulator, or the floor (the same
//! requests sent straight to the app). Each function starts what it needs, measures, and
//! tears it all down, so sessions of different candidates can be interleaved.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, Context as _};
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use lambda_web_adapter::event::{translate, Translation};
use lwa_conformance::echo_app::{EchoApp, EchoOptions};
use lwa_conformance::{Emulator, EmulatorConfig, Invocation, LogSource, Outcome, ResponseEvent};

use crate::inputs::{bench_config, bench_context, Body, EventSource};
use crate::procfs;
use crate::stats::{median, micros, percentile};

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

use crate::metric::Metric;

// ---------------------------------------------------------------------------------------
// Adapters under the emulator
// ---------------------------------------------------------------------------------------

/// The emulator settings for one adapter: started as Lambda starts an extension (its file
/// name is its extension name), a clean Lambda-like environment (nothing inherited from
/// the caller's shell except what Lambda itself sets), and no request recording.
pub fn emulator_config(adapter: &Path, app_port: u16) -> EmulatorConfig {
    let name = adapter.file_name().map_or_else(|| "lambda-adapter".into(), |n| n.to_string_lossy().into_owned());
    let mut config = EmulatorConfig::new()
        .extension(name, [adapter.to_string_lossy().into_owned()])
        .env("AWS_LWA_PORT", app_port.to_string())
        .env("PATH", "/usr/local/bin:/usr/bin/:/bin:/opt/bin")
        .env("LANG", "en_US.UTF-8")
        .env("TZ", ":UTC")
        .timeout(Duration::from_secs(30))
        .shutdown_grace(Duration::from_millis(500))
        .record_requests(false);
    config.inherit_env = false;
    config
}

/// Starts the emulator and fails unless init succeeded (with the captured logs).
pub async fn start(config: EmulatorConfig) -> anyhow::Result<Emulator> {
    let emulator = Emulator::start(config).await.context("starting the emulator")?;
    match emulator.init_result() {
        Some(Ok(_)) => Ok(emulator),
        Some(Err(failure)) => {
            let logs = emulator.log_text();
            bail!("init failed: {}: {}\n{logs}", failure.error_type, failure.message)
        }
        None => bail!("init did not finish"),
    }
}

/// The adapter's pid, from the emulator's `started [ext:NAME] ... (pid N)` line.
pub fn adapter_pid(emulator: &Emulator) -> Option<i32> {
    emulator.logs().iter().find_map(|l| {
        if l.source != LogSource::Emulator || !l.line.starts_with("started [ext:") {
            return None;
        }
        l.line.rsplit_once("(pid ")?.1.strip_suffix(')')?.parse().ok()
    })
}

/// Whether a buffered outcome is an HTTP 200 answer in Lambda's format.
fn ok_buffered(outcome: &Outcome) -> bool {
    match outcome {
        Outcome::Buffered { body, .. } => {
            let head = &body[..body.len().min(256)];
            head.windows(16).any(|w| w == b"\"statusCode\":200")
                || head.windows(17).any(|w| w == b"\"statusCode\": 200")
        }
        _ => false,
    }
}

/// A short description of an outcome for error messages: its kind and error type, or
/// the start of its body.
pub fn describe(outcome: &Outcome) -> String {
    match outcome.error_type() {
        Some(t) => format!("{} ({t})", outcome.kind()),
        None => {
            let body = outcome.body().map(|b| String::from_utf8_lossy(&b[..b.len().min(200)]).into_owned());
            format!("{} {}", outcome.kind(), body.unwrap_or_default())
        }
    }
}

/// Spawn to first `invocation/next`, in ms, with an app that listens after `app_delay`
/// (already listening for zero). Also returns the emulator's init duration in ms.
pub async fn adapter_cold_start(adapter: &Path, app_delay: Duration) -> anyhow::Result<(f64, f64)> {
    let app = EchoApp::start(EchoOptions { start_delay: app_delay, ..EchoOptions::default() }).await?;
    let emulator = start(emulator_config(adapter, app.port()).record_requests(true)).await?;
    let spawned = emulator
        .logs()
        .iter()
        .find(|l| l.source == LogSource::Emulator && l.line.starts_with("started [ext:"))
        .map(|l| l.at)
        .ok_or_else(|| anyhow!("the emulator did not record the spawn"))?;
    let next = emulator
        .runtime_requests()
        .iter()
        .find(|r| r.method == http::Method::GET && r.path.ends_with("/runtime/invocation/next"))
        .map(|r| r.at)
        .ok_or_else(|| anyhow!("the adapter never called invocation/next"))?;
    let init = emulator.init_duration().unwrap_or_default();
    drop(emulator);
    drop(app);
    Ok((next.saturating_sub(spawned).as_secs_f64() * 1e3, init.as_secs_f64() * 1e3))
}

/// The buffered phases: small-event latency, sequential throughput and CPU per
/// invocation, then the 1 MiB latency; plus resident memory.
pub async fn adapter_buffered(adapter: &Path, work: &Workload, events: &Events) -> anyhow::Result<Measured> {
    let app = EchoApp::start(EchoOptions::default()).await?;
    let emulator = start(emulator_config(adapter, app.port())).await?;
    let pid = adapter_pid(&emulator).ok_or_else(|| anyhow!("no pid for the adapter"))?;
    let mut out = Measured::default();
    if let Some(memory) = procfs::memory(pid) {
        out.push(Metric::IdleRss, mib(memory.rss));
    }
    let mut failures = 0usize;
    let mut first_failure = None;
    let mut check = |outcome: &Outcome| {
        if !ok_buffered(outcome) {
            failures += 1;
            first_failure.get_or_insert_with(|| describe(outcome));
        }
    };
    for _ in 0..work.warmup {
        check(&emulator.invoke(Invocation::new(events.small.clone())).await);
    }
    let cpu_before = procfs::cpu_time(pid);
    let mut latencies = Vec::with_capacity(work.invocations);
    let started = Instant::now();
    for _ in 0..work.invocations {
        let t = Instant::now();
        let outcome = emulator.invoke(Invocation::new(events.small.clone())).await;
        latencies.push(t.elapsed());
        check(&outcome);
    }
    let elapsed = started.elapsed();
    let cpu_after = procfs::cpu_time(pid);
    let us = micros(&latencies);
    push_opt(&mut out, Metric::WarmP50, percentile(&us, 50.0));
    push_opt(&mut out, Metric::WarmP99, percentile(&us, 99.0));
    out.warm_latencies_us = us;
    out.push(Metric::Throughput, work.invocations as f64 / elapsed.as_secs_f64());
    if let (Some(before), Some(after)) = (cpu_before, cpu_after) {
        let n = work.invocations as f64;
        out.push(Metric::CpuPerInvocation, after.since(&before) * 1e6 / n);
        out.detail("cpu_per_invocation_ticks_us", (after.ticks_seconds - before.ticks_seconds) * 1e6 / n);
    }

    for _ in 0..work.warmup.min(3) {
        check(&emulator.invoke(Invocation::new(events.big.clone())).await);
    }
    let mut big = Vec::with_capacity(work.big_invocations);
    for _ in 0..work.big_invocations {
        let t = Instant::now();
        let outcome = emulator.invoke(Invocation::new(events.big.clone())).await;
        big.push(t.elapsed());
        check(&outcome);
    }
    let ms: Vec<f64> = micros(&big).iter().map(|us| us / 1e3).collect();
    push_opt(&mut out, Metric::BigP50, percentile(&ms, 50.0));
    push_opt(&mut out, Metric::BigP99, percentile(&ms, 99.0));

    if let Some(memory) = procfs::memory(pid) {
        out.push(Metric::PeakRss, mib(memory.peak_rss));
        out.detail("threads", memory.threads as f64);
    }
    if failures > 0 {
        out.errors
            .push(format!("{failures} buffered invocations failed; first: {}", first_failure.unwrap_or_default()));
    }
    Ok(out)
}

/// Throughput with `work.concurrency` invocations in flight (Lambda Managed Instances).
pub async fn adapter_concurrent(adapter: &Path, work: &Workload, events: &Events) -> anyhow::Result<Measured> {
    let app = EchoApp::start(EchoOptions::default()).await?;
    let emulator = start(emulator_config(adapter, app.port()).max_concurrency(work.concurrency)).await?;
    let pid = adapter_pid(&emulator).ok_or_else(|| anyhow!("no pid for the adapter"))?;
    let emulator = Arc::new(emulator);
    let invoke = {
        let emulator = emulator.clone();
        let event = events.small.clone();
        move || {
            let emulator = emulator.clone();
            let event = event.clone();
            async move { ok_buffered(&emulator.invoke(Invocation::new(event)).await) }
        }
    };
    run_concurrently(work.concurrency as usize, work.warmup.max(work.concurrency as usize * 4), invoke.clone()).await;
    let started = Instant::now();
    let failures = run_concurrently(work.concurrency as usize, work.concurrent_invocations, invoke).await;
    let elapsed = started.elapsed();
    let mut out = Measured::default();
    out.push(Metric::ThroughputConcurrent, work.concurrent_invocations as f64 / elapsed.as_secs_f64());
    if let Some(memory) = procfs::memory(pid) {
        out.push(Metric::PeakRss, mib(memory.peak_rss));
    }
    if failures > 0 {
        out.errors.push(format!("{failures} concurrent invocations failed"));
    }
    Ok(out)
}

/// Response streaming: time to first byte, then bandwidth of a large body.
pub async fn adapter_streaming(adapter: &Path, work: &Workload, events: &Events) -> anyhow::Result<Measured> {
    let app = EchoApp::start(EchoOptions::default()).await?;
    let config = emulator_config(adapter, app.port()).env("AWS_LWA_INVOKE_MODE", "response_stream");
    let emulator = start(config).await?;
    let pid = adapter_pid(&emulator).ok_or_else(|| anyhow!("no pid for the adapter"))?;
    let mut out = Measured::default();
    let mut failures = 0usize;
    let mut first_failure = None;
    let mut first_bytes = Vec::with_capacity(work.stream_invocations);
    let mut traces = Vec::with_capacity(work.stream_invocations);
    for i in 0..work.warmup.min(10) + work.stream_invocations {
        let t = Instant::now();
        let mut handle = emulator.invoke_streaming(Invocation::new(events.stream.clone())).await;
        let mut first = None;
        let mut chunks = Vec::new();
        let outcome = loop {
            match handle.next_event().await {
                Some(ResponseEvent::Chunk(chunk)) => {
                    let at = t.elapsed();
                    first.get_or_insert(at);
                    chunks.push((at, chunk.bytes.len()));
                }
                Some(ResponseEvent::Finished(outcome)) => break Some(outcome),
                Some(_) => {}
                None => break None,
            }
        };
        let streamed = matches!(outcome, Some(Outcome::Streamed { error: None, .. }));
        match (streamed, first) {
            (true, Some(first)) if i >= work.warmup.min(10) => {
                first_bytes.push(first);
                traces.push(chunks);
            }
            (true, Some(_)) => {}
            _ => {
                failures += 1;
                first_failure.get_or_insert_with(|| outcome.as_ref().map_or("no outcome".into(), describe));
            }
        }
    }
    push_opt(&mut out, Metric::StreamFirstByte, median(&micros(&first_bytes)));
    out.stream_chunks = StreamTrace::median_of(&traces);

    let mut rates = Vec::with_capacity(work.bandwidth_invocations);
    for _ in 0..work.bandwidth_invocations {
        let t = Instant::now();
        let outcome = emulator.invoke_streaming(Invocation::new(events.stream_big.clone())).await.outcome().await;
        let secs = t.elapsed().as_secs_f64();
        match &outcome {
            Outcome::Streamed { body, error: None, .. } if body.len() == work.stream_kib * 1024 => {
                rates.push(body.len() as f64 / (1024.0 * 1024.0) / secs);
            }
            other => {
                failures += 1;
                first_failure.get_or_insert_with(|| describe(other));
            }
        }
    }
    push_opt(&mut out, Metric::StreamBandwidth, median(&rates));
    if let Some(memory) = procfs::memory(pid) {
        out.push(Metric::PeakRss, mib(memory.peak_rss));
    }
    if failures > 0 {
        out.errors
            .push(format!("{failures} streamed invocations failed; first: {}", first_failure.unwrap_or_default()));
    }
    Ok(out)
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

// ---------------------------------------------------------------------------------------
// The floor: the same requests, straight to the app
// ---------------------------------------------------------------------------------------

type DirectClient = Client<HttpConnector, Full<Bytes>>;

fn direct_client(pool: usize) -> DirectClient {
    let mut connector = HttpConnector::new();
    connector.set_nodelay(true);
    Client::builder(TokioExecutor::new()).pool_max_idle_per_host(pool).build(connector)
}

/// The request the reference translation makes of `event`, aimed at the app on `port`:
/// what an ideal adapter would send, with nothing in between.
fn direct_request(event: &[u8], port: u16) -> anyhow::Result<http::Request<Bytes>> {
    match translate(event, &bench_context(), &bench_config()) {
        Ok(Translation::Forward { request, .. }) => {
            let (mut parts, body) = request.into_parts();
            let target = parts.uri.path_and_query().map_or("/", |pq| pq.as_str());
            parts.uri = format!("http://127.0.0.1:{port}{target}").parse()?;
            Ok(http::Request::from_parts(parts, body))
        }
        Ok(Translation::Reject { message, .. }) => bail!("the bench event was rejected: {message}"),
        Err(err) => bail!("the bench event does not translate: {err}"),
    }
}

fn cloned(request: &http::Request<Bytes>) -> http::Request<Full<Bytes>> {
    let mut copy = http::Request::new(Full::new(request.body().clone()));
    *copy.method_mut() = request.method().clone();
    *copy.uri_mut() = request.uri().clone();
    *copy.headers_mut() = request.headers().clone();
    copy
}

/// Sends `request` and reads the whole answer; `Some(body length)` on a 200.
async fn direct_call(client: &DirectClient, request: &http::Request<Bytes>) -> Option<usize> {
    let response = client.request(cloned(request)).await.ok()?;
    let ok = response.status() == http::StatusCode::OK;
    let body = response.into_body().collect().await.ok()?.to_bytes();
    ok.then_some(body.len())
}

/// The floor's buffered phases: the same small and 1 MiB requests sent to the app directly.
pub async fn floor_buffered(work: &Workload, events: &Events) -> anyhow::Result<Measured> {
    let app = EchoApp::start(EchoOptions::default()).await?;
    let client = direct_client(work.concurrency as usize);
    let small = direct_request(&events.small, app.port())?;
    let big = direct_request(&events.big, app.port())?;
    let mut out = Measured::default();
    let mut failures = 0usize;
    for _ in 0..work.warmup {
        failures += usize::from(direct_call(&client, &small).await.is_none());
    }
    let mut latencies = Vec::with_capacity(work.invocations);
    let started = Instant::now();
    for _ in 0..work.invocations {
        let t = Instant::now();
        let ok = direct_call(&client, &small).await.is_some();
        latencies.push(t.elapsed());
        failures += usize::from(!ok);
    }
    let elapsed = started.elapsed();
    let us = micros(&latencies);
    push_opt(&mut out, Metric::WarmP50, percentile(&us, 50.0));
    push_opt(&mut out, Metric::WarmP99, percentile(&us, 99.0));
    out.warm_latencies_us = us;
    out.push(Metric::Throughput, work.invocations as f64 / elapsed.as_secs_f64());

    for _ in 0..work.warmup.min(3) {
        failures += usize::from(direct_call(&client, &big).await.is_none());
    }
    let mut big_times = Vec::with_capacity(work.big_invocations);
    for _ in 0..work.big_invocations {
        let t = Instant::now();
        let ok = direct_call(&client, &big).await.is_some();
        big_times.push(t.elapsed());
        failures += usize::from(!ok);
    }
    let ms: Vec<f64> = micros(&big_times).iter().map(|us| us / 1e3).collect();
    push_opt(&mut out, Metric::BigP50, percentile(&ms, 50.0));
    push_opt(&mut out, Metric::BigP99, percentile(&ms, 99.0));

    let shared = Arc::new((client, small));
    let call = move || {
        let shared = shared.clone();
        async move { direct_call(&shared.0, &shared.1).await.is_some() }
    };
    let width = work.concurrency as usize;
    failures += run_concurrently(width, work.warmup.max(width * 4), call.clone()).await;
    let started = Instant::now();
    failures += run_concurrently(width, work.concurrent_invocations, call).await;
    out.push(Metric::ThroughputConcurrent, work.concurrent_invocations as f64 / started.elapsed().as_secs_f64());
    if failures > 0 {
        out.errors.push(format!("{failures} direct calls failed"));
    }
    Ok(out)
}

/// The floor's streaming phases: first body byte of `/stream` and bandwidth of the large
/// body, read straight from the app.
pub async fn floor_streaming(work: &Workload, events: &Events) -> anyhow::Result<Measured> {
    let app = EchoApp::start(EchoOptions::default()).await?;
    let client = direct_client(1);
    let stream = direct_request(&events.stream, app.port())?;
    let stream_big = direct_request(&events.stream_big, app.port())?;
    let mut out = Measured::default();
    let mut failures = 0usize;
    let mut first_bytes = Vec::with_capacity(work.stream_invocations);
    let mut traces = Vec::with_capacity(work.stream_invocations);
    for i in 0..work.warmup.min(10) + work.stream_invocations {
        let t = Instant::now();
        let Ok(response) = client.request(cloned(&stream)).await else {
            failures += 1;
            continue;
        };
        let mut body = response.into_body();
        let mut first = None;
        let mut chunks = Vec::new();
        while let Some(frame) = body.frame().await {
            match frame {
                Ok(frame) if frame.data_ref().is_some_and(|d| !d.is_empty()) => {
                    let at = t.elapsed();
                    first.get_or_insert(at);
                    chunks.push((at, frame.data_ref().map_or(0, Bytes::len)));
                }
                Ok(_) => {}
                Err(_) => {
                    failures += 1;
                    break;
                }
            }
        }
        if let (Some(first), true) = (first, i >= work.warmup.min(10)) {
            first_bytes.push(first);
            traces.push(chunks);
        }
    }
    push_opt(&mut out, Metric::StreamFirstByte, median(&micros(&first_bytes)));
    out.stream_chunks = StreamTrace::median_of(&traces);
    // A diagnostic: the same on fresh connections, which the kernel ACKs at once. A large
    // gap to the pooled figure means the app's first chunk waits for a delayed ACK
    // (Nagle's algorithm on the app's socket).
    let mut fresh = Vec::new();
    for _ in 0..5 {
        let t = Instant::now();
        let Ok(response) = direct_client(1).request(cloned(&stream)).await else { continue };
        let mut body = response.into_body();
        while let Some(Ok(frame)) = body.frame().await {
            if frame.data_ref().is_some_and(|d| !d.is_empty()) {
                fresh.push(t.elapsed());
                break;
            }
        }
    }
    if let Some(us) = median(&micros(&fresh)) {
        out.detail("stream_first_byte_fresh_connection_us", us);
    }
    let mut rates = Vec::with_capacity(work.bandwidth_invocations);
    for _ in 0..work.bandwidth_invocations {
        let t = Instant::now();
        match direct_call(&client, &stream_big).await {
            Some(len) => rates.push(len as f64 / (1024.0 * 1024.0) / t.elapsed().as_secs_f64()),
            None => failures += 1,
        }
    }
    push_opt(&mut out, Metric::StreamBandwidth, median(&rates));
    if failures > 0 {
        out.errors.push(format!("{failures} direct streaming calls failed"));
    }
    Ok(out)
}

/// The floor of the slow-app cold start: from the app's start to the moment it accepts
/// a connection, polled every 1 ms.
pub async fn floor_slow_start(delay: Duration) -> anyhow::Result<f64> {
    let t = Instant::now();
    let app = EchoApp::start(EchoOptions { start_delay: delay, ..EchoOptions::default() }).await?;
    let deadline = t + delay + Duration::from_secs(10);
    loop {
        if tokio::net::TcpStream::connect(("127.0.0.1", app.port())).await.is_ok() {
            return Ok(t.elapsed().as_secs_f64() * 1e3);
        }
        if Instant::now() > deadline {
            bail!("the slow app never listened");
        }
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
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
