//! Sessions of an adapter binary under the emulator: its emulator settings and start-up,
//! the cold start, and the buffered, concurrent and streaming phases.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, Context as _};
use lwa_conformance::echo_app::{EchoApp, EchoOptions};
use lwa_emulator::{Emulator, EmulatorConfig, Invocation, LogSource, Outcome, ResponseEvent};

use super::{mib, push_opt, run_concurrently, Events, Measured, StreamTrace, Workload};
use crate::metric::Metric;
use crate::procfs;
use crate::stats::{median, micros, percentile};

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
        // Which phase a run's peak came from (the metric keeps the larger of the two).
        out.detail("peak_rss_buffered_mib", mib(memory.peak_rss));
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
        out.detail("peak_rss_concurrent_mib", mib(memory.peak_rss));
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
