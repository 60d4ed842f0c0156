//! The end-to-end run: every candidate (the floor, then each adapter) through every phase,
//! repeated, with candidates interleaved inside each phase (floor A B, floor A B, ...) so
//! that drift of the machine (other load, CPU frequency, caches) hits them alike.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use crate::metric::Metric;
use crate::procfs;
use crate::session::{self, Adapter, Events, Measured, StreamTrace, Workload};

/// Everything a run needs to know.
#[derive(Debug, Clone)]
pub struct Plan {
    /// The adapters, in the order given (the first that is not the harness is the
    /// reference for ratios); the harness, when measured, comes first.
    pub adapters: Vec<Adapter>,
    /// Repetitions of the whole sequence.
    pub runs: usize,
    /// Cold starts per adapter per run with the app already listening.
    pub cold_starts: usize,
    /// Cold starts per adapter per run with the slow app.
    pub slow_cold_starts: usize,
    /// The work of each session.
    pub workload: Workload,
}

/// One measured value and the run it came from.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Sample {
    /// The run (0-based).
    pub run: usize,
    /// The value, in the metric's unit.
    pub value: f64,
}

/// Everything measured for one candidate.
#[derive(Debug, Clone, Default)]
pub struct CandidateResult {
    /// The name in reports (`floor` for the floor).
    pub label: String,
    /// The executable (None for the floor).
    pub path: Option<std::path::PathBuf>,
    /// Whether this is the harness adapter.
    pub harness: bool,
    /// Samples of every metric.
    pub samples: BTreeMap<Metric, Vec<Sample>>,
    /// Extra per-session figures (init duration, CPU from ticks, threads).
    pub details: BTreeMap<String, Vec<f64>>,
    /// What went wrong, with the run it happened in.
    pub errors: Vec<String>,
    /// Every measured small-event latency of the latency phase over all runs, in µs (the
    /// per-run samples behind [`Metric::WarmP50`] and [`Metric::WarmP99`]).
    pub warm_latencies_us: Vec<f64>,
    /// The chunks of the representative streamed invocation (median first byte) of the
    /// last run that streamed, and that run.
    pub stream_chunks: Option<(usize, StreamTrace)>,
    /// Set when a session could not even start (init failed, no pid): the candidate is
    /// skipped from then on, so a broken adapter costs one failure, not a whole run of
    /// init timeouts.
    pub broken: bool,
}

impl CandidateResult {
    fn new(label: &str, path: Option<std::path::PathBuf>, harness: bool) -> Self {
        CandidateResult { label: label.to_owned(), path, harness, ..Default::default() }
    }

    /// Whether this is the floor.
    pub fn is_floor(&self) -> bool {
        self.path.is_none()
    }

    /// Whether this is an adapter under test (neither the floor nor the harness).
    pub fn is_adapter(&self) -> bool {
        !self.is_floor() && !self.harness
    }

    fn add(&mut self, run: usize, metric: Metric, value: f64) {
        let samples = self.samples.entry(metric).or_default();
        if metric == Metric::PeakRss {
            // The peak of a run is the largest of its processes.
            if let Some(existing) = samples.iter_mut().find(|s| s.run == run) {
                existing.value = existing.value.max(value);
                return;
            }
        }
        samples.push(Sample { run, value });
    }

    fn merge(&mut self, run: usize, phase: &str, measured: anyhow::Result<Measured>) {
        match measured {
            Ok(measured) => {
                for (metric, value) in measured.values {
                    self.add(run, metric, value);
                }
                for (name, value) in measured.details {
                    self.details.entry(name).or_default().push(value);
                }
                self.warm_latencies_us.extend(measured.warm_latencies_us);
                if let Some(trace) = measured.stream_chunks {
                    self.stream_chunks = Some((run, trace));
                }
                for error in measured.errors {
                    self.errors.push(format!("run {}, {phase}: {error}", run + 1));
                }
            }
            Err(err) => self.fail(run, phase, &err),
        }
    }

    fn fail(&mut self, run: usize, phase: &str, err: &anyhow::Error) {
        self.errors.push(format!("run {}, {phase}: {err:#} (not measured any further)", run + 1));
        self.broken = true;
    }

    /// The median of a metric over all its samples.
    pub fn median(&self, metric: Metric) -> Option<f64> {
        let values: Vec<f64> = self.samples.get(&metric)?.iter().map(|s| s.value).collect();
        crate::stats::median(&values)
    }

    /// The percentiles of the warm small-event latencies over all runs, in µs, at
    /// [`crate::stats::distribution_points`]: pairs of (percentile, latency).
    pub fn warm_distribution(&self) -> Option<Vec<(f64, f64)>> {
        let points = crate::stats::distribution_points();
        let values = crate::stats::percentiles(&self.warm_latencies_us, &points)?;
        Some(points.into_iter().zip(values).collect())
    }

    /// The value of a metric in one run (the median of that run's samples).
    fn in_run(&self, metric: Metric, run: usize) -> Option<f64> {
        let values: Vec<f64> = self.samples.get(&metric)?.iter().filter(|s| s.run == run).map(|s| s.value).collect();
        crate::stats::median(&values)
    }
}

/// What a whole run produced: the floor first, then the harness (if measured) and the
/// adapters in the order given.
#[derive(Debug, Clone)]
pub struct Results {
    /// Every candidate.
    pub candidates: Vec<CandidateResult>,
    /// Wall-clock time of the whole run.
    pub elapsed: Duration,
}

/// Runs the plan; `progress` gets a line per phase.
pub async fn run(plan: &Plan, progress: impl Fn(&str)) -> Results {
    let started = Instant::now();
    let work = &plan.workload;
    let events = Events::new(work);
    let mut floor = CandidateResult::new("floor", None, false);
    let mut adapters: Vec<CandidateResult> =
        plan.adapters.iter().map(|a| CandidateResult::new(&a.label, Some(a.path.clone()), a.harness)).collect();
    for (result, adapter) in adapters.iter_mut().zip(&plan.adapters).filter(|(r, _)| !r.broken) {
        match procfs::file_size(&adapter.path) {
            Some(size) => result.add(0, Metric::BinarySize, size as f64 / (1024.0 * 1024.0)),
            None => result.errors.push(format!("cannot read {}", adapter.path.display())),
        }
    }
    for run in 0..plan.runs {
        let tag = format!("run {}/{}", run + 1, plan.runs);
        progress(&format!("{tag}: cold starts, app listening ({} per adapter)", plan.cold_starts));
        for _ in 0..plan.cold_starts {
            for (result, adapter) in adapters.iter_mut().zip(&plan.adapters).filter(|(r, _)| !r.broken) {
                match session::adapter_cold_start(&adapter.path, Duration::ZERO).await {
                    Ok((cold, init)) => {
                        result.add(run, Metric::ColdStart, cold);
                        result.details.entry("init_duration_ms".into()).or_default().push(init);
                    }
                    Err(err) => result.fail(run, "cold start", &err),
                }
            }
        }
        progress(&format!(
            "{tag}: cold starts, app up after {} ms ({} per adapter)",
            work.slow_app_delay.as_millis(),
            plan.slow_cold_starts
        ));
        for _ in 0..plan.slow_cold_starts {
            match session::floor_slow_start(work.slow_app_delay).await {
                Ok(ms) => floor.add(run, Metric::ColdStartSlowApp, ms),
                Err(err) => floor.errors.push(format!("run {}, slow app: {err:#}", run + 1)),
            }
            for (result, adapter) in adapters.iter_mut().zip(&plan.adapters).filter(|(r, _)| !r.broken) {
                match session::adapter_cold_start(&adapter.path, work.slow_app_delay).await {
                    Ok((cold, _)) => result.add(run, Metric::ColdStartSlowApp, cold),
                    Err(err) => result.fail(run, "slow cold start", &err),
                }
            }
        }
        progress(&format!(
            "{tag}: warm, {} small + {} x 1 MiB invocations each",
            work.invocations, work.big_invocations
        ));
        floor.merge(run, "buffered", session::floor_buffered(work, &events).await);
        for (result, adapter) in adapters.iter_mut().zip(&plan.adapters).filter(|(r, _)| !r.broken) {
            result.merge(run, "buffered", session::adapter_buffered(&adapter.path, work, &events).await);
        }
        progress(&format!("{tag}: concurrency {}, {} invocations each", work.concurrency, work.concurrent_invocations));
        for (result, adapter) in adapters.iter_mut().zip(&plan.adapters).filter(|(r, _)| !r.broken) {
            result.merge(run, "concurrent", session::adapter_concurrent(&adapter.path, work, &events).await);
        }
        progress(&format!(
            "{tag}: response streaming, {} first-byte + {} x {} KiB invocations each",
            work.stream_invocations, work.bandwidth_invocations, work.stream_kib
        ));
        floor.merge(run, "streaming", session::floor_streaming(work, &events).await);
        for (result, adapter) in adapters.iter_mut().zip(&plan.adapters).filter(|(r, _)| !r.broken) {
            result.merge(run, "streaming", session::adapter_streaming(&adapter.path, work, &events).await);
        }
        for result in &mut adapters {
            derive_minus_floor(result, &floor, run);
        }
    }
    let mut candidates = vec![floor];
    candidates.extend(adapters);
    Results { candidates, elapsed: started.elapsed() }
}

/// The per-run differences to the floor ([`Metric::minus_floor_of`]).
fn derive_minus_floor(result: &mut CandidateResult, floor: &CandidateResult, run: usize) {
    for metric in Metric::ALL {
        let Some(base) = metric.minus_floor_of() else { continue };
        if let (Some(value), Some(floor_value)) = (result.in_run(base, run), floor.in_run(base, run)) {
            result.add(run, metric, value - floor_value);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn added_latency_pairs_each_run_with_the_floor_of_that_run() {
        let mut floor = CandidateResult::new("floor", None, false);
        let mut adapter = CandidateResult::new("a", Some("/a".into()), false);
        for (run, (f, a)) in [(20.0, 120.0), (40.0, 130.0), (30.0, 200.0)].into_iter().enumerate() {
            floor.add(run, Metric::WarmP50, f);
            adapter.add(run, Metric::WarmP50, a);
            derive_minus_floor(&mut adapter, &floor, run);
        }
        let added: Vec<f64> = adapter.samples[&Metric::WarmAddedP50].iter().map(|s| s.value).collect();
        assert_eq!(added, vec![100.0, 90.0, 170.0]);
        assert_eq!(adapter.median(Metric::WarmAddedP50), Some(100.0));
    }

    #[test]
    fn latencies_pool_over_runs_and_the_last_runs_stream_is_kept() {
        let mut adapter = CandidateResult::new("a", Some("/a".into()), false);
        let trace =
            |ms: f64| StreamTrace { picked_from: 3, chunks: vec![session::ChunkArrival { at_ms: ms, bytes: 9 }] };
        for run in 0..2 {
            let measured = Measured {
                warm_latencies_us: (1..=100).map(|v| f64::from(v + 100 * run as u32)).collect(),
                stream_chunks: Some(trace(run as f64)),
                ..Measured::default()
            };
            adapter.merge(run, "buffered", Ok(measured));
        }
        let distribution = adapter.warm_distribution().expect("a distribution");
        assert_eq!(distribution.len(), 102);
        assert_eq!(distribution[0], (0.0, 1.0));
        assert_eq!(distribution[50], (50.0, 100.0));
        assert_eq!(distribution[99], (99.0, 198.0));
        assert_eq!(distribution[100], (99.9, 200.0));
        assert_eq!(distribution[101], (100.0, 200.0));
        assert_eq!(adapter.stream_chunks, Some((1, trace(1.0))));
        assert!(CandidateResult::default().warm_distribution().is_none());
    }

    #[test]
    fn the_representative_stream_has_the_median_first_byte() {
        let ms = Duration::from_millis;
        let invocations = vec![
            vec![(ms(30), 1), (ms(31), 2)],
            vec![(ms(10), 1)],
            vec![(ms(20), 4), (ms(25), 5), (ms(26), 6)],
            vec![(ms(40), 1)],
        ];
        let trace = StreamTrace::median_of(&invocations).expect("a trace");
        assert_eq!(trace.picked_from, 4);
        let got: Vec<(f64, usize)> = trace.chunks.iter().map(|c| (c.at_ms, c.bytes)).collect();
        assert_eq!(got, vec![(20.0, 4), (25.0, 5), (26.0, 6)]);
        assert_eq!(StreamTrace::median_of(&[]), None);
    }

    #[test]
    fn the_peak_of_a_run_is_its_largest_process() {
        let mut adapter = CandidateResult::new("a", Some("/a".into()), false);
        adapter.add(0, Metric::PeakRss, 5.0);
        adapter.add(0, Metric::PeakRss, 9.0);
        adapter.add(0, Metric::PeakRss, 7.0);
        adapter.add(1, Metric::PeakRss, 6.0);
        let peaks: Vec<f64> = adapter.samples[&Metric::PeakRss].iter().map(|s| s.value).collect();
        assert_eq!(peaks, vec![9.0, 6.0]);
    }
}
