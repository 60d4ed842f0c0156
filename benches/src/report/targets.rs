//! The performance goals of issue #7 ([`TARGETS`]) and, per adapter, whether it meets
//! them against the first adapter given.

use super::{number, ratio};
use crate::driver::{CandidateResult, Results};
use crate::metric::{Better, Metric};

/// A goal of the issue, checked for each adapter against the first one given (put LWA
/// first to check the reference adapter against it).
#[derive(Debug, Clone, Copy)]
pub struct Target {
    /// The metric.
    pub metric: Metric,
    /// The goal as text.
    pub goal: &'static str,
    /// The bound.
    pub bound: f64,
    /// Ratio to the first adapter (true) or an absolute value (false).
    pub relative: bool,
}

/// The performance goals of issue #7.
pub const TARGETS: [Target; 7] = [
    Target { metric: Metric::ColdStart, goal: "cold start at most 0.7x", bound: 0.7, relative: true },
    Target { metric: Metric::CpuPerInvocation, goal: "CPU per invocation at most 0.4x", bound: 0.4, relative: true },
    Target { metric: Metric::WarmAddedP50, goal: "warm added latency at most 0.6x", bound: 0.6, relative: true },
    Target { metric: Metric::Throughput, goal: "sequential throughput at least 1.4x", bound: 1.4, relative: true },
    Target { metric: Metric::PeakRss, goal: "peak memory at most 0.7x", bound: 0.7, relative: true },
    Target { metric: Metric::BinarySize, goal: "binary size at most 1.0x", bound: 1.0, relative: true },
    Target {
        metric: Metric::StreamFirstByteAdded,
        goal: "streaming first-byte delay under 1 ms above the floor",
        bound: 1000.0,
        relative: false,
    },
];

impl Target {
    /// Whether `value` (a ratio, or the absolute value) meets the goal.
    pub fn met(&self, value: f64) -> bool {
        match self.metric.better() {
            Better::Higher => value >= self.bound,
            Better::Lower if self.relative => value <= self.bound,
            Better::Lower => value < self.bound,
        }
    }
}

/// One line per target and adapter: the value, the goal, met or not.
pub fn target_lines(results: &Results) -> Vec<String> {
    let adapters: Vec<&CandidateResult> = results.candidates.iter().filter(|c| c.is_adapter()).collect();
    let mut lines = Vec::new();
    let Some(first) = adapters.first() else { return lines };
    for target in TARGETS {
        if target.relative {
            for adapter in adapters.iter().skip(1) {
                let Some(r) = ratio(adapter.median(target.metric), first.median(target.metric)) else { continue };
                let verdict = if target.met(r) { "met" } else { "NOT met" };
                lines.push(format!("{}: {} vs {}: {r:.2}x ({verdict})", target.goal, adapter.label, first.label));
            }
        } else {
            for adapter in &adapters {
                let Some(v) = adapter.median(target.metric) else { continue };
                let verdict = if target.met(v) { "met" } else { "NOT met" };
                lines.push(format!(
                    "{}: {}: {} {} ({verdict})",
                    target.goal,
                    adapter.label,
                    number(v),
                    target.metric.unit()
                ));
            }
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
            lines.contains(&"sequential throughput at least 1.4x: ours vs lwa: 2.00x (met)".to_owned()),
            "{lines:#?}"
        );
        assert!(lines.contains(&"binary size at most 1.0x: ours vs lwa: 0.50x (met)".to_owned()), "{lines:#?}");
        assert!(lines.iter().any(|l| l.contains("under 1 ms above the floor: ours: 50.0 µs (met)")), "{lines:#?}");
        assert!(!lines.iter().any(|l| l.contains("harness")), "{lines:#?}");
    }
}
