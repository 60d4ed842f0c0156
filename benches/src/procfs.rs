//! What Linux's `/proc` says about an adapter process: CPU time, resident memory, threads
//! and open file descriptors.
//!
//! CPU time comes from two places. `/proc/<pid>/stat` has user and system time for the
//! whole process, dead threads included, but in clock ticks (10 ms). The per-thread
//! `/proc/<pid>/task/<tid>/schedstat` has the time on CPU in nanoseconds (user plus
//! system), but only for threads still alive. The driver reports the nanosecond figure
//! and keeps the tick figure as a cross-check.

use std::path::Path;

/// `USER_HZ`: the unit of the `utime`/`stime` fields in `/proc/<pid>/stat`, 100 on every
/// Linux architecture (the kernel converts from its own HZ).
pub const USER_HZ: f64 = 100.0;

/// CPU time used so far by a process.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct CpuTime {
    /// User plus system time from `/proc/<pid>/stat`, in seconds (10 ms resolution).
    pub ticks_seconds: f64,
    /// The sum over live threads of `schedstat`'s time on CPU, in seconds (None when the
    /// kernel has no schedstat).
    pub sched_seconds: Option<f64>,
}

impl CpuTime {
    /// The best figure: schedstat when present, else the tick count.
    pub fn seconds(&self) -> f64 {
        self.sched_seconds.unwrap_or(self.ticks_seconds)
    }

    /// Seconds used between `earlier` and `self`: the schedstat difference, unless a
    /// thread exited in between (its time leaves the schedstat sum but stays in the tick
    /// count), in which case the tick difference.
    ///
    /// ```
    /// use lwa_benches::procfs::CpuTime;
    /// let a = CpuTime { ticks_seconds: 1.00, sched_seconds: Some(1.004) };
    /// let b = CpuTime { ticks_seconds: 1.01, sched_seconds: Some(1.013) };
    /// assert!((b.since(&a) - 0.009).abs() < 1e-9);
    /// let thread_died = CpuTime { ticks_seconds: 1.50, sched_seconds: Some(0.9) };
    /// assert!((thread_died.since(&a) - 0.5).abs() < 1e-9);
    /// ```
    pub fn since(&self, earlier: &CpuTime) -> f64 {
        let ticks = self.ticks_seconds - earlier.ticks_seconds;
        match (self.sched_seconds, earlier.sched_seconds) {
            // Two ticks of slack: the tick counts are rounded down at both ends.
            (Some(now), Some(then)) if now - then >= ticks - 2.0 / USER_HZ => now - then,
            _ => ticks,
        }
    }
}

/// Memory figures from `/proc/<pid>/status`, in bytes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Memory {
    /// `VmRSS`: resident now.
    pub rss: u64,
    /// `VmHWM`: the peak resident set so far.
    pub peak_rss: u64,
    /// `Threads`.
    pub threads: u64,
}

/// Reads the CPU time of `pid`; `None` when the process is gone.
pub fn cpu_time(pid: i32) -> Option<CpuTime> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let ticks_seconds = parse_stat_cpu(&stat)? as f64 / USER_HZ;
    Some(CpuTime { ticks_seconds, sched_seconds: sched_seconds(pid) })
}

/// `utime + stime` in ticks from the text of `/proc/<pid>/stat` (fields 14 and 15,
/// counted after the command name, which may itself hold spaces and parentheses).
///
/// ```
/// let stat = "42 (my (odd) name) S 1 42 42 0 -1 4194560 100 0 0 0 7 3 0 0 20 0 1 0 5 0 0";
/// assert_eq!(lwa_benches::procfs::parse_stat_cpu(stat), Some(10));
/// ```
pub fn parse_stat_cpu(stat: &str) -> Option<u64> {
    let after_name = &stat[stat.rfind(')')? + 1..];
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    // after the name: state(3) ppid(4) ... utime(14) stime(15), so indexes 11 and 12
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    Some(utime + stime)
}

fn sched_seconds(pid: i32) -> Option<f64> {
    let mut total_ns: u64 = 0;
    for entry in std::fs::read_dir(format!("/proc/{pid}/task")).ok()? {
        let Ok(entry) = entry else { continue };
        let Ok(text) = std::fs::read_to_string(entry.path().join("schedstat")) else { continue };
        total_ns += text.split_whitespace().next()?.parse::<u64>().ok()?;
    }
    Some(total_ns as f64 / 1e9)
}

/// Reads the memory figures of `pid`; `None` when the process is gone.
pub fn memory(pid: i32) -> Option<Memory> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    Some(parse_status(&status))
}

/// The memory figures from the text of `/proc/<pid>/status`.
///
/// ```
/// let status = "Name:\tx\nVmHWM:\t    2048 kB\nVmRSS:\t    1024 kB\nThreads:\t3\n";
/// let m = lwa_benches::procfs::parse_status(status);
/// assert_eq!((m.rss, m.peak_rss, m.threads), (1024 * 1024, 2048 * 1024, 3));
/// ```
pub fn parse_status(status: &str) -> Memory {
    let mut memory = Memory::default();
    for line in status.lines() {
        let Some((key, value)) = line.split_once(':') else { continue };
        let number = value.split_whitespace().next().and_then(|v| v.parse::<u64>().ok()).unwrap_or(0);
        match key {
            "VmRSS" => memory.rss = number * 1024,
            "VmHWM" => memory.peak_rss = number * 1024,
            "Threads" => memory.threads = number,
            _ => {}
        }
    }
    memory
}

/// How many file descriptors `pid` has open (the entries of `/proc/<pid>/fd`); `None`
/// when the process is gone or not ours to look into.
pub fn open_fds(pid: i32) -> Option<u64> {
    Some(std::fs::read_dir(format!("/proc/{pid}/fd")).ok()?.count() as u64)
}

/// The size of a file in bytes.
pub fn file_size(path: &Path) -> Option<u64> {
    std::fs::metadata(path).ok().map(|m| m.len())
}
