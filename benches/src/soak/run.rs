//! The run: one adapter process per lane under its own emulator, blocks of invocations
//! taking turns, every answer checked and every process sampled along the way.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{anyhow, Context as _};
use lwa_conformance::echo_app::{EchoApp, EchoOptions};
use lwa_emulator::Emulator;

use super::report::cell;
use super::samples::{driver_rss, sample};
use super::{check, Delivery, Extremes, Lane, LaneResult, Probe, Sample, SoakConfig, PASS_THROUGH_PATH};
use crate::procfs;
use crate::session;

/// A failed invocation.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Failure {
    /// Its number.
    pub invocation: u64,
    /// Whether it was a warm-up invocation.
    pub warmup: bool,
    /// The lane.
    pub lane: String,
    /// The source.
    pub source: &'static str,
    /// The request id the emulator gave it.
    pub request_id: Option<String>,
    /// What was wrong.
    pub problems: Vec<String>,
}

/// Everything a soak produced.
#[derive(Debug, Clone)]
pub struct SoakResult {
    /// The lanes, in [`Lane::ALL`] order.
    pub lanes: Vec<LaneResult>,
    /// Every failure (warm-up included), in the order they happened.
    pub failures: Vec<Failure>,
    /// The driver's own resident memory at each sample row (bytes): it keeps what the
    /// echo apps record.
    pub driver_rss: Vec<u64>,
    /// Wall time of the whole soak, start-up and warm-up included.
    pub elapsed: Duration,
}

/// What the lane's invocations share with the tasks that make them.
pub(super) struct Running {
    lane: Lane,
    label: String,
    emulator: Emulator,
    /// Kept alive for as long as the emulator.
    _app: EchoApp,
    pid: i32,
    stats: Mutex<LaneResult>,
}

/// Failures shared by every lane, printed as they happen up to a limit.
struct Failures {
    all: Mutex<Vec<Failure>>,
    print: usize,
}

impl Failures {
    fn add(&self, failure: Failure) {
        let Ok(mut all) = self.all.lock() else { return };
        if all.len() < self.print {
            let phase = if failure.warmup { "warm-up " } else { "" };
            eprintln!(
                "lwa-soak: FAIL {phase}invocation {} ({}, {}, request id {}):",
                failure.invocation,
                failure.lane,
                failure.source,
                failure.request_id.as_deref().unwrap_or("none")
            );
            for problem in &failure.problems {
                eprintln!("    {problem}");
            }
        } else if all.len() == self.print {
            eprintln!("lwa-soak: more failures are counted but not printed");
        }
        all.push(failure);
    }
}

async fn start_lane(lane: Lane, config: &SoakConfig) -> anyhow::Result<Running> {
    // No record of the requests: it would grow by every invocation of the soak (the
    // answers themselves are what is checked).
    let app = EchoApp::start(EchoOptions { forget: true, ..EchoOptions::default() })
        .await
        .context("starting the echo app")?;
    let mut emulator_config =
        session::emulator_config(&config.adapter, app.port()).env("AWS_LWA_PASS_THROUGH_PATH", PASS_THROUGH_PATH);
    if lane.streaming() {
        emulator_config = emulator_config.env("AWS_LWA_INVOKE_MODE", "response_stream");
    }
    if lane.concurrent() {
        emulator_config = emulator_config.max_concurrency(config.concurrency);
    }
    let label = lane.label(config.concurrency);
    let emulator = session::start(emulator_config).await.with_context(|| format!("lane {label}"))?;
    let pid = session::adapter_pid(&emulator).ok_or_else(|| anyhow!("lane {label}: no pid for the adapter"))?;
    let stats = Mutex::new(LaneResult { label: label.clone(), pid, ..LaneResult::default() });
    Ok(Running { lane, label, emulator, _app: app, pid, stats })
}

/// One block of `count` invocations on `lane`, numbered from `next`.
async fn run_block(
    lane: &Arc<Running>,
    count: u64,
    width: usize,
    warmup: bool,
    next: &Arc<AtomicU64>,
    failures: &Arc<Failures>,
) {
    let call = {
        let (lane, next, failures) = (lane.clone(), next.clone(), failures.clone());
        move || {
            let (lane, next, failures) = (lane.clone(), next.clone(), failures.clone());
            async move {
                let n = next.fetch_add(1, Ordering::Relaxed);
                let probe = Probe::new(n);
                let started = Instant::now();
                let mut handle = lane.emulator.invoke_streaming(probe.invocation()).await;
                let request_id = handle.request_id().await;
                let outcome = handle.outcome().await;
                let took = started.elapsed();
                let result = check(&probe, request_id.as_deref(), &outcome);
                if let Ok(mut stats) = lane.stats.lock() {
                    if !warmup {
                        stats.latencies_us.push(took.as_secs_f64() * 1e6);
                        match result {
                            Ok(Delivery::Buffered) => stats.buffered += 1,
                            Ok(Delivery::Streamed) => stats.streamed += 1,
                            Err(_) => {}
                        }
                    }
                    stats.failures += u64::from(result.is_err());
                }
                match result {
                    Ok(_) => true,
                    Err(problems) => {
                        failures.add(Failure {
                            invocation: n,
                            warmup,
                            lane: lane.label.clone(),
                            source: probe.source.name(),
                            request_id,
                            problems,
                        });
                        false
                    }
                }
            }
        }
    };
    let started = Instant::now();
    session::run_concurrently(width, count as usize, call).await;
    let busy = started.elapsed();
    let threads = procfs::memory(lane.pid).map_or(0, |m| m.threads);
    let fds = procfs::open_fds(lane.pid).unwrap_or(0);
    if let Ok(mut stats) = lane.stats.lock() {
        let max = if warmup { &mut stats.warmup_max } else { &mut stats.soak_max };
        max.threads = max.threads.max(threads);
        max.fds = max.fds.max(fds);
        if !warmup {
            stats.busy += busy;
            stats.invocations += count;
        }
    }
}

/// Runs the soak; `progress` gets a line per sample.
pub async fn run(config: &SoakConfig, progress: impl Fn(&str)) -> anyhow::Result<SoakResult> {
    let started = Instant::now();
    let mut lanes = Vec::new();
    for lane in Lane::ALL {
        lanes.push(Arc::new(start_lane(lane, config).await?));
    }
    let failures = Arc::new(Failures { all: Mutex::new(Vec::new()), print: config.print_failures });
    let next = Arc::new(AtomicU64::new(0));
    let block = config.block.max(1);
    let width = |lane: &Running| if lane.lane.concurrent() { config.concurrency.max(1) as usize } else { 1 };
    let mut driver = Vec::new();

    let warmup_rounds = config.warmup_rounds();
    progress(&format!(
        "warm-up: {} invocations ({} per lane, in blocks of {block})",
        warmup_rounds * config.round(),
        warmup_rounds * block
    ));
    for round in 0..warmup_rounds {
        for lane in &lanes {
            run_block(lane, block, width(lane), true, &next, &failures).await;
            if round + 1 == warmup_rounds {
                let s = sample(&lane.emulator, lane.pid, 0, (round + 1) * block, started);
                push_sample(lane, s);
            }
        }
    }
    if warmup_rounds == 0 {
        // No warm-up: the start is the baseline, for threads and fds too.
        for lane in &lanes {
            let s = sample(&lane.emulator, lane.pid, 0, 0, started);
            if let Ok(mut stats) = lane.stats.lock() {
                stats.warmup_max = Extremes { threads: s.threads, fds: s.fds };
            }
            push_sample(lane, s);
        }
    }
    driver.push(driver_rss());
    let cpu_before: Vec<_> = lanes.iter().map(|l| procfs::cpu_time(l.pid)).collect();
    progress(&row_line(&lanes, "warm"));

    let rounds = config.rounds();
    let every = config.rounds_per_sample();
    for round in 0..rounds {
        let last = round + 1 == rounds;
        let sampled = (round + 1) % every == 0 || last;
        for lane in &lanes {
            run_block(lane, block, width(lane), false, &next, &failures).await;
            if sampled {
                let s = sample(
                    &lane.emulator,
                    lane.pid,
                    (round + 1) * config.round(),
                    (warmup_rounds + round + 1) * block,
                    started,
                );
                push_sample(lane, s);
            }
        }
        if sampled {
            driver.push(driver_rss());
            progress(&row_line(&lanes, &((round + 1) * config.round()).to_string()));
        }
    }

    let mut results = Vec::new();
    for (lane, before) in lanes.iter().zip(cpu_before) {
        let after = procfs::cpu_time(lane.pid);
        let report = lane.emulator.shutdown().await;
        let mut stats = lane.stats.lock().map(|s| s.clone()).unwrap_or_default();
        stats.cpu_seconds = before.zip(after).map(|(b, a)| a.since(&b));
        stats.shutdown = if report.killed.is_empty() { "exited".to_owned() } else { "killed".to_owned() };
        results.push(stats);
    }
    drop(lanes);
    let failures = failures.all.lock().map(|f| f.clone()).unwrap_or_default();
    Ok(SoakResult { lanes: results, failures, driver_rss: driver, elapsed: started.elapsed() })
}

fn push_sample(lane: &Running, sample: Sample) {
    if let Ok(mut stats) = lane.stats.lock() {
        stats.samples.push(sample);
    }
}

fn row_line(lanes: &[Arc<Running>], label: &str) -> String {
    let cells: Vec<String> = lanes
        .iter()
        .filter_map(|l| {
            let stats = l.stats.lock().ok()?;
            let s = stats.samples.last()?;
            Some(format!("{} {}", l.label, cell(s)))
        })
        .collect();
    let failures: u64 = lanes.iter().filter_map(|l| l.stats.lock().ok().map(|s| s.failures)).sum();
    format!("{label}: {}; failures {failures}", cells.join(", "))
}
