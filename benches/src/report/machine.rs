//! Facts about the machine the numbers come from: CPU, memory, kernel, and how busy it
//! was just before the run.

/// Facts about the machine the numbers come from.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Machine {
    /// `model name` from /proc/cpuinfo.
    pub cpu: String,
    /// Logical CPUs available.
    pub cpus: usize,
    /// Total memory in MiB.
    pub memory_mib: u64,
    /// The kernel release.
    pub kernel: String,
    /// The 1-minute load average when the run started.
    pub load_at_start: f64,
    /// How busy the CPUs were (0-1, all CPUs) in the half second before the run, from
    /// /proc/stat: other work on the machine that the run competes with.
    pub busy_before: f64,
}

impl Machine {
    /// Reads /proc (fields it cannot read are left empty).
    pub fn detect() -> Self {
        let read = |path: &str| std::fs::read_to_string(path).unwrap_or_default();
        let cpu = read("/proc/cpuinfo")
            .lines()
            .find_map(|l| {
                l.strip_prefix("model name").and_then(|r| r.split_once(':')).map(|(_, v)| v.trim().to_owned())
            })
            .unwrap_or_default();
        let memory_mib = read("/proc/meminfo")
            .lines()
            .find_map(|l| l.strip_prefix("MemTotal:"))
            .and_then(|v| v.split_whitespace().next()?.parse::<u64>().ok())
            .map_or(0, |kb| kb / 1024);
        Machine {
            cpu,
            cpus: std::thread::available_parallelism().map_or(0, usize::from),
            memory_mib,
            kernel: read("/proc/sys/kernel/osrelease").trim().to_owned(),
            load_at_start: read("/proc/loadavg").split_whitespace().next().and_then(|v| v.parse().ok()).unwrap_or(0.0),
            busy_before: busy_fraction(std::time::Duration::from_millis(500)).unwrap_or(0.0),
        }
    }

    /// One line: `2 x Intel(R) ..., 24 GiB, Linux 6.1, 3% busy before the run`.
    pub fn summary(&self) -> String {
        format!(
            "{} x {}, {:.0} GiB, Linux {}, {:.0}% busy before the run",
            self.cpus,
            if self.cpu.is_empty() { "unknown CPU" } else { &self.cpu },
            self.memory_mib as f64 / 1024.0,
            self.kernel,
            self.busy_before * 100.0
        )
    }
}

/// The fraction of CPU time (all CPUs) spent busy over `window`, from /proc/stat.
fn busy_fraction(window: std::time::Duration) -> Option<f64> {
    fn sample() -> Option<(u64, u64)> {
        let stat = std::fs::read_to_string("/proc/stat").ok()?;
        let fields: Vec<u64> = stat.lines().next()?.split_whitespace().skip(1).filter_map(|v| v.parse().ok()).collect();
        let total: u64 = fields.iter().take(8).sum();
        // idle and iowait
        let idle = fields.get(3)? + fields.get(4).copied().unwrap_or(0);
        Some((total, idle))
    }
    let (total_a, idle_a) = sample()?;
    std::thread::sleep(window);
    let (total_b, idle_b) = sample()?;
    let total = total_b.checked_sub(total_a)?;
    (total > 0).then(|| 1.0 - (idle_b.saturating_sub(idle_a)) as f64 / total as f64)
}
