//! The load plan: how a soak runs ([`SoakConfig`]: invocations, warm-up, blocks, samples,
//! allowances) and the four lanes that take turns ([`Lane`]).

use std::path::PathBuf;

/// How a soak runs.
#[derive(Debug, Clone, serde::Serialize)]
pub struct SoakConfig {
    /// The adapter executable.
    pub adapter: PathBuf,
    /// Invocations after warm-up, all lanes together (rounded up to whole rounds).
    pub invocations: u64,
    /// Warm-up invocations, all lanes together (rounded up to whole rounds).
    pub warmup: u64,
    /// Invocations of one lane in a row.
    pub block: u64,
    /// Invocations (all lanes) between two samples (rounded up to whole rounds).
    pub sample_every: u64,
    /// `AWS_LAMBDA_MAX_CONCURRENCY` of the concurrent lanes, and their invocations in flight.
    pub concurrency: u32,
    /// Resident memory may grow by this many MiB over the warmed-up sample...
    pub rss_tolerance_mib: f64,
    /// ...or by this fraction of it, whichever is larger.
    pub rss_tolerance_fraction: f64,
    /// Failures printed as they happen (all are counted).
    pub print_failures: usize,
}

impl SoakConfig {
    /// Invocations of one round (a block per lane).
    pub fn round(&self) -> u64 {
        self.block.max(1) * Lane::ALL.len() as u64
    }

    /// Rounds of warm-up.
    pub fn warmup_rounds(&self) -> u64 {
        self.warmup.div_ceil(self.round())
    }

    /// Rounds after warm-up.
    pub fn rounds(&self) -> u64 {
        self.invocations.div_ceil(self.round()).max(1)
    }

    /// Rounds between samples.
    pub fn rounds_per_sample(&self) -> u64 {
        self.sample_every.div_ceil(self.round()).max(1)
    }

    /// The resident memory growth allowed over `warm` bytes.
    pub fn rss_allowance(&self, warm: u64) -> u64 {
        let mib = (self.rss_tolerance_mib * 1024.0 * 1024.0) as u64;
        mib.max((warm as f64 * self.rss_tolerance_fraction) as u64)
    }
}

/// One of the four adapter processes (see the module docs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lane {
    /// Buffered responses, one invocation at a time.
    Buffered,
    /// Buffered responses, Lambda Managed Instances with `concurrency` in flight.
    BufferedConcurrent,
    /// `AWS_LWA_INVOKE_MODE=response_stream`, one at a time.
    Streamed,
    /// Response streaming with `concurrency` in flight.
    StreamedConcurrent,
}

impl Lane {
    /// Every lane, in the order they take turns.
    pub const ALL: [Lane; 4] = [Lane::Buffered, Lane::BufferedConcurrent, Lane::Streamed, Lane::StreamedConcurrent];

    /// The name in reports.
    pub fn label(self, concurrency: u32) -> String {
        match self {
            Lane::Buffered => "buffered".to_owned(),
            Lane::BufferedConcurrent => format!("buffered c={concurrency}"),
            Lane::Streamed => "stream".to_owned(),
            Lane::StreamedConcurrent => format!("stream c={concurrency}"),
        }
    }

    /// Whether the adapter runs with `AWS_LWA_INVOKE_MODE=response_stream`.
    pub fn streaming(self) -> bool {
        matches!(self, Lane::Streamed | Lane::StreamedConcurrent)
    }

    /// Whether the lane runs as Lambda Managed Instances with several invocations in flight.
    pub fn concurrent(self) -> bool {
        matches!(self, Lane::BufferedConcurrent | Lane::StreamedConcurrent)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rounds_and_allowances() {
        let config = SoakConfig {
            adapter: PathBuf::from("x"),
            invocations: 10_000,
            warmup: 2_000,
            block: 125,
            sample_every: 1_000,
            concurrency: 8,
            rss_tolerance_mib: 2.0,
            rss_tolerance_fraction: 0.1,
            print_failures: 10,
        };
        assert_eq!(
            (config.round(), config.warmup_rounds(), config.rounds(), config.rounds_per_sample()),
            (500, 4, 20, 2)
        );
        assert_eq!(config.rss_allowance(10 * 1024 * 1024), 2 * 1024 * 1024);
        assert_eq!(config.rss_allowance(40 * 1024 * 1024), 4 * 1024 * 1024);
    }
}
