//! The performance goals of issue 15 ([`TARGETS`]) and, per adapter, whether it meets
//! them: against the first adapter given (LWA 1.0, put first), against the harness (the
//! least an adapter can do under the same emulator), against the floor, or as a value.

use super::{number, ratio};
use crate::driver::{CandidateResult, Results};
use crate::metric::{Better, Metric};

/// What a goal's bound is measured against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Against {
    /// A ratio to the first adapter given (LWA 1.0 when it is first).
    First,
    /// A ratio to the harness (`lwa-null-adapter`), when it was measured.
    Harness,
    /// A ratio to the floor (the app called directly), for the metrics it has.
    Floor,
    /// The value itself, in the metric's unit.
    Value,
}

/// A goal of the issue, checked for each adapter.
#[derive(Debug, Clone, Copy)]
pub struct Target {
    /// The metric.
    pub metric: Metric,
    /// The goal as text.
    pub goal: &'static str,
    /// The bound.
    pub bound: f64,
    /// What the bound is a ratio to (or that it is a value).
    pub against: Against,
}

const fn target(metric: Metric, goal: &'static str, bound: f64, against: Against) -> Target {
    Target { metric, goal, bound, against }
}

/// The performance goals of issue 15, for the shipped static builds.
pub const TARGETS: [Target; 12] = [
    target(Metric::CpuPerInvocation, "CPU per invocation at most 1.10x the harness", 1.10, Against::Harness),
    target(Metric::CpuPerInvocation, "CPU per invocation at most 0.35x", 0.35, Against::First),
    target(Metric::WarmAddedP50, "warm added latency at most 1.10x the harness", 1.10, Against::Harness),
    target(Metric::WarmAddedP50, "warm added latency at most 0.5x", 0.5, Against::First),
    target(Metric::BigP50, "1 MiB body p50 at most 0.5x", 0.5, Against::First),
    target(Metric::StreamBandwidth, "streaming bandwidth at least 0.9x the floor", 0.9, Against::Floor),
    target(Metric::Throughput, "sequential throughput at least 1.8x", 1.8, Against::First),
    target(Metric::ThroughputConcurrent, "concurrent throughput at least 1.8x", 1.8, Against::First),
    target(Metric::ColdStart, "cold start at most 0.5x", 0.5, Against::First),
    target(Metric::PeakRss, "peak memory at most 0.4x", 0.4, Against::First),
    target(Metric::BinarySize, "binary size at most 0.65x", 0.65, Against::First),
    target(
        Metric::StreamFirstByteAdded,
        "streaming first-byte delay under 1 ms above the floor",
        1000.0,
        Against::Value,
    ),
];

impl Target {
    /// Whether `value` (a ratio, or the absolute value) meets the goal.
    pub fn met(&self, value: f64) -> bool {
        match self.metric.better() {
            Better::Higher => value >= self.bound,
            Better::Lower if self.against != Against::Value => value <= self.bound,
            Better::Lower => value < self.bound,
        }
    }
}

/// One line per target and adapter: the value, the goal, met or not.
pub fn target_lines(results: &Results) -> Vec<String> {
    let adapters: Vec<&CandidateResult> = results.candidates.iter().filter(|c| c.is_adapter()).collect();
    let harness = results.candidates.iter().find(|c| c.harness);
    let floor = results.candidates.iter().find(|c| c.is_floor());
    let mut lines = Vec::new();
    let Some(first) = adapters.first() else { return lines };
    for target in TARGETS {
        let (base, base_label, candidates) = match target.against {
            // Against the first adapter: the others only.
            Against::First => (Some(*first), first.label.as_str(), &adapters[1..]),
            Against::Harness => (harness, "the harness", &adapters[..]),
            Against::Floor => (floor, "the floor", &adapters[..]),
            Against::Value => (None, "", &adapters[..]),
        };
        for adapter in candidates {
            let Some(value) = adapter.median(target.metric) else { continue };
            let line = if target.against == Against::Value {
                let verdict = if target.met(value) { "met" } else { "NOT met" };
                format!("{}: {}: {} {} ({verdict})", target.goal, adapter.label, number(value), target.metric.unit())
            } else {
                let Some(r) = ratio(Some(value), base.and_then(|b| b.median(target.metric))) else { continue };
                let verdict = if target.met(r) { "met" } else { "NOT met" };
                format!("{}: {} vs {base_label}: {r:.2}x ({verdict})", target.goal, adapter.label)
            };
            lines.push(line);
        }
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::fixtures::results;

    #[test]
    fn targets_compare_each_adapter_with_the_first_and_skip_the_harness() {
        let lines = target_lines(&results());
        assert!(
            lines.contains(&"sequential throughput at least 1.8x: ours vs lwa: 2.00x (met)".to_owned()),
            "{lines:#?}"
        );
        assert!(lines.contains(&"binary size at most 0.65x: ours vs lwa: 0.50x (met)".to_owned()), "{lines:#?}");
        assert!(lines.iter().any(|l| l.contains("under 1 ms above the floor: ours: 50.0 µs (met)")), "{lines:#?}");
        let has = |line: &str| lines.contains(&line.to_owned());
        assert!(
            has("CPU per invocation at most 1.10x the harness: ours vs the harness: 1.20x (NOT met)"),
            "{lines:#?}"
        );
        assert!(has("streaming bandwidth at least 0.9x the floor: ours vs the floor: 0.95x (met)"), "{lines:#?}");
        // The harness and the floor are measures, not candidates.
        assert!(!lines.iter().any(|l| l.contains(": harness") || l.contains(": floor")), "{lines:#?}");
    }
}
