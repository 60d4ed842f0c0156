//! The sampling of each adapter process (RSS, peak RSS, threads, open fds, log lines,
//! inits), what a lane measured, and the verdict on whether it stayed flat and alive.

use std::time::{Duration, Instant};

use lwa_emulator::{Emulator, LogSource};

use super::{mib, SoakConfig};
use crate::procfs;

/// One look at an adapter process.
#[derive(Debug, Clone, Copy, Default, PartialEq, serde::Serialize)]
pub struct Sample {
    /// Invocations after warm-up so far, all lanes (0 for the warmed-up sample).
    pub invocations: u64,
    /// Invocations of this lane so far, warm-up included.
    pub lane_invocations: u64,
    /// Seconds since the soak began (warm-up included).
    pub at_seconds: f64,
    /// `VmRSS` in bytes.
    pub rss: u64,
    /// `VmHWM` in bytes.
    pub peak_rss: u64,
    /// `Threads`.
    pub threads: u64,
    /// Entries of `/proc/<pid>/fd`.
    pub fds: u64,
    /// Lines the adapter has written so far.
    pub log_lines: u64,
    /// Inits of the environment so far (more than 1: the adapter crashed or was reset).
    pub inits: u64,
    /// Whether the process was still there (the figures are zero when not).
    pub alive: bool,
}

/// The most threads and open fds seen, each looked at right after one of the lane's blocks.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Extremes {
    /// `Threads`.
    pub threads: u64,
    /// Entries of `/proc/<pid>/fd`.
    pub fds: u64,
}

/// What one lane did.
#[derive(Debug, Clone, Default)]
pub struct LaneResult {
    /// The name in reports.
    pub label: String,
    /// The adapter's pid.
    pub pid: i32,
    /// Invocations after warm-up.
    pub invocations: u64,
    /// Their wall time (the lane's own blocks only).
    pub busy: Duration,
    /// Their latencies, in microseconds.
    pub latencies_us: Vec<f64>,
    /// Answers by how they came back (after warm-up): buffered, streamed.
    pub buffered: u64,
    /// See `buffered`.
    pub streamed: u64,
    /// Failed invocations (warm-up included).
    pub failures: u64,
    /// CPU seconds of the adapter over the invocations after warm-up.
    pub cpu_seconds: Option<f64>,
    /// The warmed-up sample, then one every `sample_every`, and the last.
    pub samples: Vec<Sample>,
    /// The most threads and open fds seen after any block of warm-up...
    pub warmup_max: Extremes,
    /// ...and after any block since.
    pub soak_max: Extremes,
    /// How the adapter ended: `exited` within the grace period or `killed`.
    pub shutdown: String,
}

/// Whether a lane's process stayed flat after warm-up (no new highs) and alive (one init,
/// the same process throughout, a clean exit at shutdown).
///
/// Resident memory swings with what is in flight (eight 100 KiB bodies at once, or none),
/// so it is not compared sample to sample: the last sample's RSS must stay within the
/// allowance of the warm-up's peak (`VmHWM` at the warmed-up sample), which a leak
/// outgrows and noise does not. Threads and open fds are looked at after every block and
/// must never exceed the most seen during warm-up.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Verdict {
    /// The last sample's RSS minus the warm-up's peak, in bytes (negative when below).
    pub rss_growth: i64,
    /// The growth allowed.
    pub rss_allowance: u64,
    /// `VmHWM` at the last sample minus at the warmed-up one: how far the soak's own peak
    /// went past the warm-up's (information, not judged).
    pub peak_growth: i64,
    /// The least-squares slope of RSS over the lane's samples after warm-up, in bytes per
    /// invocation (information, not judged).
    pub rss_slope: Option<f64>,
    /// The most threads after warm-up minus the most during warm-up.
    pub thread_growth: i64,
    /// The most open fds after warm-up minus the most during warm-up.
    pub fd_growth: i64,
    /// What is wrong (empty when flat).
    pub problems: Vec<String>,
}

impl LaneResult {
    /// The verdict on this lane's samples.
    pub fn verdict(&self, config: &SoakConfig) -> Verdict {
        let mut problems = Vec::new();
        // The figures of a process that is gone are zeros: judged apart, below.
        let alive: Vec<Sample> = self.samples.iter().copied().filter(|s| s.alive).collect();
        let (Some(warm), Some(last)) = (alive.first(), alive.last()) else {
            return Verdict {
                rss_growth: 0,
                rss_allowance: 0,
                peak_growth: 0,
                rss_slope: None,
                thread_growth: 0,
                fd_growth: 0,
                problems: vec![format!("no sample of the adapter process (pid {})", self.pid)],
            };
        };
        let rss_growth = last.rss as i64 - warm.peak_rss as i64;
        let rss_allowance = config.rss_allowance(warm.peak_rss);
        if rss_growth > rss_allowance as i64 {
            problems.push(format!(
                "RSS ended {:.2} MiB above the warm-up's peak ({:.2} -> {:.2} MiB; {:.2} MiB allowed)",
                mib(rss_growth as f64),
                mib(warm.peak_rss as f64),
                mib(last.rss as f64),
                mib(rss_allowance as f64)
            ));
        }
        let (before, after) = (self.warmup_max, self.soak_max);
        let thread_growth = after.threads as i64 - before.threads as i64;
        if thread_growth > 0 {
            problems.push(format!("threads: up to {} after warm-up, {} during it", after.threads, before.threads));
        }
        let fd_growth = after.fds as i64 - before.fds as i64;
        if fd_growth > 0 {
            problems.push(format!("open fds: up to {} after warm-up, {} during it", after.fds, before.fds));
        }
        if let Some(gone) = self.samples.iter().find(|s| !s.alive) {
            let at = if gone.invocations == 0 { "warm-up".to_owned() } else { gone.invocations.to_string() };
            problems.push(format!("the adapter process (pid {}) was gone at sample {at}", self.pid));
        }
        let inits = self.samples.last().map_or(0, |s| s.inits);
        if inits != 1 {
            problems.push(format!("the environment was initialised {inits} times (a crash or a reset)"));
        }
        if self.shutdown == "killed" {
            problems.push("the adapter did not exit within the shutdown grace period".to_owned());
        }
        Verdict {
            rss_growth,
            rss_allowance,
            peak_growth: last.peak_rss as i64 - warm.peak_rss as i64,
            rss_slope: rss_slope(&alive),
            thread_growth,
            fd_growth,
            problems,
        }
    }

    /// Invocations per second over the lane's own blocks.
    pub fn throughput(&self) -> f64 {
        self.invocations as f64 / self.busy.as_secs_f64().max(1e-9)
    }
}

/// Least-squares slope of RSS over the lane's invocations, in bytes per invocation.
///
/// ```
/// use lwa_benches::soak::{rss_slope, Sample};
/// let s = |n, rss| Sample { lane_invocations: n, rss, ..Sample::default() };
/// assert_eq!(rss_slope(&[s(0, 1000), s(10, 1100), s(20, 1200)]), Some(10.0));
/// assert_eq!(rss_slope(&[s(0, 1000)]), None);
/// ```
pub fn rss_slope(samples: &[Sample]) -> Option<f64> {
    if samples.len() < 2 {
        return None;
    }
    let n = samples.len() as f64;
    let mean_x = samples.iter().map(|s| s.lane_invocations as f64).sum::<f64>() / n;
    let mean_y = samples.iter().map(|s| s.rss as f64).sum::<f64>() / n;
    let (mut sxy, mut sxx) = (0.0, 0.0);
    for s in samples {
        let dx = s.lane_invocations as f64 - mean_x;
        sxy += dx * (s.rss as f64 - mean_y);
        sxx += dx * dx;
    }
    (sxx > 0.0).then(|| sxy / sxx)
}

/// One look at a lane's adapter process `pid` under `emulator`, `since` the soak began.
pub(super) fn sample(emulator: &Emulator, pid: i32, invocations: u64, lane_invocations: u64, since: Instant) -> Sample {
    let memory = procfs::memory(pid);
    let alive = memory.is_some();
    let memory = memory.unwrap_or_default();
    let log_lines = emulator.logs().iter().filter(|l| matches!(l.source, LogSource::Extension(_))).count() as u64;
    Sample {
        invocations,
        lane_invocations,
        at_seconds: since.elapsed().as_secs_f64(),
        rss: memory.rss,
        peak_rss: memory.peak_rss,
        threads: memory.threads,
        fds: procfs::open_fds(pid).unwrap_or(0),
        log_lines,
        inits: emulator.init_count(),
        alive,
    }
}

/// The driver's own resident memory.
pub(super) fn driver_rss() -> u64 {
    procfs::memory(std::process::id() as i32).map_or(0, |m| m.rss)
}
