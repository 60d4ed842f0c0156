//! The end-to-end report: a terminal table, JSON, and a Markdown summary (which can be
//! spliced into a README between marker comments).
//!
//! Every figure is the median of its samples over all runs. Each adapter's figure is
//! also given as a ratio to the floor (`x floor`) and, from the second adapter on, to the
//! first adapter (`x first`). Ratios are plain quotients: below 1 means smaller, whether
//! smaller is better (times, memory) or not (rates).

use std::fmt::Write as _;
use std::path::Path;

use serde_json::{json, Value};

use crate::driver::{CandidateResult, Plan, Results};
use crate::metric::{Better, Metric};

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

/// Formats a value with about three significant digits.
///
/// ```
/// use lwa_benches::report::number;
/// assert_eq!(number(1234.4), "1234");
/// assert_eq!(number(12.345), "12.3");
/// assert_eq!(number(1.2345), "1.23");
/// assert_eq!(number(0.01234), "0.0123");
/// ```
pub fn number(value: f64) -> String {
    let magnitude = value.abs();
    if magnitude >= 100.0 {
        format!("{value:.0}")
    } else if magnitude >= 10.0 {
        format!("{value:.1}")
    } else if magnitude >= 1.0 || magnitude == 0.0 {
        format!("{value:.2}")
    } else {
        let digits = (2 - magnitude.log10().floor() as i64).clamp(3, 9) as usize;
        format!("{value:.digits$}").trim_end_matches('0').to_owned()
    }
}

fn ratio(value: Option<f64>, reference: Option<f64>) -> Option<f64> {
    match (value, reference) {
        (Some(v), Some(r)) if r != 0.0 && r.is_finite() && v.is_finite() => Some(v / r),
        _ => None,
    }
}

fn cell(value: Option<f64>) -> String {
    value.map_or_else(|| "-".to_owned(), number)
}

fn ratio_cell(value: Option<f64>) -> String {
    value.map_or_else(|| "-".to_owned(), |r| format!("{r:.2}x"))
}

/// The report table: a header and one row per metric.
#[derive(Debug, Clone)]
pub struct Table {
    /// Column titles.
    pub header: Vec<String>,
    /// Cells, row by row.
    pub rows: Vec<Vec<String>>,
}

/// Builds the table: metric, unit, floor, the harness (when measured) and its `x floor`,
/// then for each adapter its value, `x floor`, and (second adapter on) `x first`.
pub fn table(results: &Results, concurrency: u32) -> Table {
    let floor = results.candidates.iter().find(|c| c.is_floor());
    let harness = results.candidates.iter().find(|c| c.harness);
    let adapters: Vec<&CandidateResult> = results.candidates.iter().filter(|c| c.is_adapter()).collect();
    let mut header = vec!["metric".to_owned(), "unit".to_owned(), "floor".to_owned()];
    if let Some(harness) = harness {
        header.push(harness.label.clone());
        header.push("x floor".to_owned());
    }
    for (i, adapter) in adapters.iter().enumerate() {
        header.push(adapter.label.clone());
        header.push("x floor".to_owned());
        if i > 0 {
            header.push("x first".to_owned());
        }
    }
    let mut rows = Vec::new();
    for metric in Metric::ALL {
        let floor_value = floor.and_then(|f| f.median(metric)).filter(|_| metric.floor_has());
        let mut row = vec![metric.label(concurrency), metric.unit().to_owned(), cell(floor_value)];
        if let Some(harness) = harness {
            let value = harness.median(metric);
            row.push(cell(value));
            row.push(ratio_cell(ratio(value, floor_value)));
        }
        let first = adapters.first().and_then(|a| a.median(metric));
        for (i, adapter) in adapters.iter().enumerate() {
            let value = adapter.median(metric);
            row.push(cell(value));
            row.push(ratio_cell(ratio(value, floor_value)));
            if i > 0 {
                row.push(ratio_cell(ratio(value, first)));
            }
        }
        rows.push(row);
    }
    Table { header, rows }
}

/// The table with aligned columns, for a terminal.
pub fn render_terminal(table: &Table) -> String {
    let columns = table.header.len();
    let mut widths = vec![0usize; columns];
    for row in std::iter::once(&table.header).chain(&table.rows) {
        for (i, cell) in row.iter().enumerate() {
            widths[i] = widths[i].max(cell.chars().count());
        }
    }
    let mut out = String::new();
    let mut line = |row: &[String]| {
        let mut text = String::new();
        for (i, cell) in row.iter().enumerate() {
            let pad = widths[i].saturating_sub(cell.chars().count());
            if i == 0 {
                text.push_str(cell);
                text.push_str(&" ".repeat(pad));
            } else {
                text.push_str("  ");
                text.push_str(&" ".repeat(pad));
                text.push_str(cell);
            }
        }
        out.push_str(text.trim_end());
        out.push('\n');
    };
    line(&table.header);
    line(&widths.iter().map(|w| "-".repeat(*w)).collect::<Vec<_>>());
    for row in &table.rows {
        line(row);
    }
    out
}

/// The table in Markdown.
pub fn render_markdown_table(table: &Table) -> String {
    let mut out = String::new();
    let escape = |c: &str| c.replace('|', "\\|");
    let _ = writeln!(out, "| {} |", table.header.iter().map(|c| escape(c)).collect::<Vec<_>>().join(" | "));
    let aligns: Vec<&str> = (0..table.header.len()).map(|i| if i < 2 { "---" } else { "---:" }).collect();
    let _ = writeln!(out, "|{}|", aligns.join("|"));
    for row in &table.rows {
        let _ = writeln!(out, "| {} |", row.iter().map(|c| escape(c)).collect::<Vec<_>>().join(" | "));
    }
    out
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

/// Warnings about how far the numbers can be trusted.
pub fn notes(results: &Results, machine: &Machine) -> Vec<String> {
    let mut notes = Vec::new();
    if machine.busy_before > 0.15 {
        notes.push(format!(
            "the machine was {:.0}% busy with other work just before the run (load average {:.2} on {} CPUs): \
             expect noise, and compare only figures from one run",
            machine.busy_before * 100.0,
            machine.load_at_start,
            machine.cpus
        ));
    }
    let floor = results.candidates.iter().find(|c| c.is_floor());
    let floor_first_byte = floor.and_then(|f| f.median(Metric::StreamFirstByte));
    if floor_first_byte.is_some_and(|us| us > 20_000.0) {
        let fresh = floor
            .and_then(|f| f.details.get("stream_first_byte_fresh_connection_us"))
            .and_then(|v| crate::stats::median(v))
            .map(|us| {
                format!(" (on a fresh connection, which the kernel ACKs at once, it gets it in {} µs)", number(us))
            })
            .unwrap_or_default();
        notes.push(format!(
            "even the floor waits about 40 ms for its first streamed byte{fresh}: the app writes the response \
             head and the first chunk separately on a socket without TCP_NODELAY, so Nagle holds the chunk \
             until the reader's delayed ACK. First-byte figures then carry that wait, and only their \
             difference to the floor means anything"
        ));
    }
    notes
}

/// What the report is about besides the numbers.
#[derive(Debug, Clone)]
pub struct Context<'a> {
    /// The plan that ran.
    pub plan: &'a Plan,
    /// The machine.
    pub machine: &'a Machine,
    /// The command line.
    pub command: String,
    /// When the run started (UTC, `YYYY-MM-DD HH:MM`).
    pub date: String,
    /// Runtime threads of the driver (the emulator and the app run on them).
    pub driver_threads: usize,
}

/// The Markdown summary.
pub fn render_markdown(results: &Results, context: &Context<'_>) -> String {
    let plan = context.plan;
    let work = &plan.workload;
    let mut out = String::new();
    let _ = writeln!(out, "Measured {} on {} with `{}`.", context.date, context.machine.summary(), context.command);
    let _ = writeln!(out);
    let _ = write!(out, "{}", render_markdown_table(&table(results, work.concurrency)));
    let _ = writeln!(out);
    let _ = writeln!(
        out,
        "Medians over {} runs, candidates interleaved in every phase (floor, then each adapter, repeated). \
         Per run and adapter: {} cold starts with the app listening and {} with an app that listens after {} ms \
         (process spawn to the first `invocation/next`); {} small HTTP API (v2) invocations (latency, throughput, \
         and the adapter's CPU time from /proc over them); {} invocations answered with 1 MiB; {} invocations \
         with `AWS_LAMBDA_MAX_CONCURRENCY={}`; {} streamed invocations (Function URL, `response_stream`) for the \
         first byte and {} of {} KiB for bandwidth. The floor sends the same HTTP requests straight to the app; the harness (`lwa-null-adapter`, when \
         measured) is the least an adapter can do under the same emulator, so adapter minus harness is the \
         adapter's own cost. \
         The app and the emulator run in the driver's process on {} runtime thread(s).",
        plan.runs,
        plan.cold_starts,
        plan.slow_cold_starts,
        work.slow_app_delay.as_millis(),
        work.invocations,
        work.big_invocations,
        work.concurrent_invocations,
        work.concurrency,
        work.stream_invocations,
        work.bandwidth_invocations,
        work.stream_kib,
        context.driver_threads,
    );
    let notes = notes(results, context.machine);
    if !notes.is_empty() {
        let _ = writeln!(out);
        for note in notes {
            let _ = writeln!(out, "Note: {note}.");
        }
    }
    let targets = target_lines(results);
    if !targets.is_empty() {
        let _ = writeln!(out);
        let _ = writeln!(out, "Targets (each adapter against the first one given):");
        let _ = writeln!(out);
        for line in targets {
            let _ = writeln!(out, "- {line}");
        }
    }
    let errors: Vec<String> =
        results.candidates.iter().flat_map(|c| c.errors.iter().map(move |e| format!("{}: {e}", c.label))).collect();
    if !errors.is_empty() {
        let _ = writeln!(out);
        let _ = writeln!(out, "Errors during the run:");
        let _ = writeln!(out);
        for error in errors {
            let first_line = error.lines().next().unwrap_or_default().to_owned();
            let _ = writeln!(out, "- {first_line}");
        }
    }
    out
}

/// `value` with at most `decimals` decimals (keeps report.json short).
fn rounded(value: f64, decimals: i32) -> f64 {
    let scale = 10f64.powi(decimals);
    (value * scale).round() / scale
}

/// The JSON report: context, every sample, medians and ratios; per candidate also
/// `warm_latency_distribution` (the warm small-event latencies of all runs at the
/// percentiles `percentiles`: 0 the fastest, 100 the slowest; by nearest rank) and
/// `stream_chunk_arrival` (the body chunks of the streamed first-byte invocation with the
/// median first byte of the last run: `at_ms` since the request, `bytes`; `picked_from`
/// that run's measured invocations).
pub fn to_json(results: &Results, context: &Context<'_>) -> Value {
    let work = &context.plan.workload;
    let floor = results.candidates.iter().find(|c| c.is_floor());
    let first = results.candidates.iter().find(|c| c.is_adapter());
    let candidates: Vec<Value> = results
        .candidates
        .iter()
        .map(|c| {
            let mut metrics = serde_json::Map::new();
            for metric in Metric::ALL {
                if c.is_floor() && !metric.floor_has() {
                    continue;
                }
                let Some(samples) = c.samples.get(&metric) else { continue };
                let median = c.median(metric);
                let floor_value = floor.and_then(|f| f.median(metric)).filter(|_| metric.floor_has());
                let mut doc = json!({
                    "unit": metric.unit(),
                    "better": metric.better(),
                    "median": median,
                    "samples": samples,
                });
                if !c.is_floor() {
                    doc["ratio_to_floor"] = json!(ratio(median, floor_value));
                    doc["ratio_to_first"] = json!(ratio(median, first.and_then(|f| f.median(metric))));
                }
                metrics.insert(metric.key().to_owned(), doc);
            }
            let mut doc = json!({
                "label": c.label,
                "kind": if c.is_floor() { "floor" } else if c.harness { "harness" } else { "adapter" },
                "path": c.path.as_ref().map(|p| p.display().to_string()),
                "metrics": metrics,
                "details": c.details,
                "errors": c.errors,
            });
            if let Some(distribution) = c.warm_distribution() {
                let (percentiles, values): (Vec<f64>, Vec<f64>) = distribution.into_iter().unzip();
                doc["warm_latency_distribution"] = json!({
                    "unit": "µs",
                    "count": c.warm_latencies_us.len(),
                    "percentiles": percentiles,
                    "values": values.into_iter().map(|v| rounded(v, 2)).collect::<Vec<_>>(),
                });
            }
            if let Some((run, trace)) = &c.stream_chunks {
                let chunks: Vec<Value> =
                    trace.chunks.iter().map(|c| json!({"at_ms": rounded(c.at_ms, 4), "bytes": c.bytes})).collect();
                doc["stream_chunk_arrival"] = json!({
                    "run": run,
                    "picked_from": trace.picked_from,
                    "chunks": chunks,
                });
            }
            doc
        })
        .collect();
    json!({
        "tool": "lwa-bench",
        "date": context.date,
        "command": context.command,
        "machine": context.machine,
        "driver_threads": context.driver_threads,
        "runs": context.plan.runs,
        "cold_starts_per_run": context.plan.cold_starts,
        "slow_cold_starts_per_run": context.plan.slow_cold_starts,
        "workload": work,
        "elapsed_s": results.elapsed.as_secs_f64(),
        "candidates": candidates,
        "targets": target_lines(results),
        "notes": notes(results, context.machine),
    })
}

/// The marker comments a README section is spliced between.
pub const README_MARKERS: (&str, &str) = ("<!-- bench-summary:start -->", "<!-- bench-summary:end -->");

/// Replaces the text between the [`README_MARKERS`] of `path` with `summary`.
pub fn update_readme(path: &Path, summary: &str) -> anyhow::Result<()> {
    use anyhow::Context as _;
    let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let updated = splice(&text, summary).ok_or_else(|| {
        anyhow::anyhow!("{} has no {} ... {} section", path.display(), README_MARKERS.0, README_MARKERS.1)
    })?;
    std::fs::write(path, updated).with_context(|| format!("writing {}", path.display()))?;
    Ok(())
}

/// `text` with the part between the markers replaced by `summary`; None without markers.
///
/// ```
/// let text = "intro\n<!-- bench-summary:start -->\nold\n<!-- bench-summary:end -->\nrest\n";
/// let new = lwa_benches::report::splice(text, "new table\n").unwrap();
/// assert_eq!(new, "intro\n<!-- bench-summary:start -->\nnew table\n<!-- bench-summary:end -->\nrest\n");
/// ```
pub fn splice(text: &str, summary: &str) -> Option<String> {
    let (start, end) = README_MARKERS;
    let from = text.find(start)? + start.len();
    let to = from + text[from..].find(end)?;
    Some(format!("{}\n{}{}", &text[..from], summary, &text[to..]))
}

/// `YYYY-MM-DD HH:MM UTC` for seconds since the epoch.
///
/// ```
/// assert_eq!(lwa_benches::report::utc_date(1_772_363_095), "2026-03-01 11:04 UTC");
/// ```
pub fn utc_date(epoch_seconds: u64) -> String {
    let days = (epoch_seconds / 86_400) as i64;
    let secs = epoch_seconds % 86_400;
    // Civil date from days since 1970-01-01 (H. Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02} {:02}:{:02} UTC", secs / 3600, secs % 3600 / 60)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::driver::{CandidateResult, Sample};
    use std::time::Duration;

    fn candidate(label: &str, path: Option<&str>, harness: bool, values: &[(Metric, f64)]) -> CandidateResult {
        let mut c =
            CandidateResult { label: label.into(), path: path.map(Into::into), harness, ..CandidateResult::default() };
        for (metric, value) in values {
            c.samples.entry(*metric).or_default().push(Sample { run: 0, value: *value });
        }
        c
    }

    fn results() -> Results {
        Results {
            candidates: vec![
                candidate("floor", None, false, &[(Metric::WarmP50, 20.0), (Metric::Throughput, 1000.0)]),
                candidate("harness", Some("/h"), true, &[(Metric::WarmP50, 60.0)]),
                candidate(
                    "lwa",
                    Some("/l"),
                    false,
                    &[(Metric::WarmP50, 220.0), (Metric::Throughput, 100.0), (Metric::BinarySize, 4.0)],
                ),
                candidate(
                    "ours",
                    Some("/o"),
                    false,
                    &[
                        (Metric::WarmP50, 110.0),
                        (Metric::Throughput, 200.0),
                        (Metric::BinarySize, 2.0),
                        (Metric::StreamFirstByteAdded, 50.0),
                    ],
                ),
            ],
            elapsed: Duration::from_secs(1),
        }
    }

    #[test]
    fn the_table_has_ratios_to_the_floor_and_to_the_first_adapter() {
        let table = table(&results(), 8);
        assert_eq!(
            table.header,
            ["metric", "unit", "floor", "harness", "x floor", "lwa", "x floor", "ours", "x floor", "x first"]
        );
        let warm = table.rows.iter().find(|r| r[0] == Metric::WarmP50.label(8)).expect("a warm row");
        assert_eq!(warm[2..], ["20.0", "60.0", "3.00x", "220", "11.00x", "110", "5.50x", "0.50x"]);
        // The floor has no binary: no value, no ratio.
        let size = table.rows.iter().find(|r| r[0] == Metric::BinarySize.label(8)).expect("a size row");
        assert_eq!(size[2..], ["-", "-", "-", "4.00", "-", "2.00", "-", "0.50x"]);
    }

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

    #[test]
    fn the_json_holds_the_latency_distribution_and_the_streamed_chunks() {
        use crate::session::{ChunkArrival, StreamTrace, Workload};
        let mut results = results();
        let lwa = &mut results.candidates[2];
        lwa.warm_latencies_us = (1..=1000).rev().map(|v| f64::from(v) + 0.123_456).collect();
        let chunks = vec![ChunkArrival { at_ms: 0.123_456_78, bytes: 9 }, ChunkArrival { at_ms: 1.5, bytes: 18 }];
        lwa.stream_chunks = Some((1, StreamTrace { picked_from: 20, chunks }));
        let workload = Workload {
            warmup: 1,
            invocations: 500,
            big_invocations: 1,
            concurrent_invocations: 1,
            concurrency: 8,
            stream_invocations: 20,
            stream_kib: 1,
            bandwidth_invocations: 1,
            slow_app_delay: Duration::from_millis(200),
        };
        let plan = Plan { adapters: Vec::new(), runs: 2, cold_starts: 1, slow_cold_starts: 1, workload };
        let machine = Machine {
            cpu: "test".into(),
            cpus: 2,
            memory_mib: 1024,
            kernel: "6.1".into(),
            load_at_start: 0.0,
            busy_before: 0.0,
        };
        let context = Context {
            plan: &plan,
            machine: &machine,
            command: "lwa-bench".into(),
            date: "d".into(),
            driver_threads: 1,
        };
        let doc = to_json(&results, &context);
        let lwa = &doc["candidates"][2];
        let distribution = &lwa["warm_latency_distribution"];
        assert_eq!(distribution["count"], 1000);
        assert_eq!(distribution["unit"], "µs");
        let percentiles: Vec<f64> = serde_json::from_value(distribution["percentiles"].clone()).unwrap();
        let values: Vec<f64> = serde_json::from_value(distribution["values"].clone()).unwrap();
        assert_eq!(percentiles.len(), 102);
        assert_eq!(values.len(), 102);
        // Nearest rank over the 1000 samples, rounded to 0.01 µs.
        let at = |p: f64| values[percentiles.iter().position(|q| *q == p).unwrap()];
        assert_eq!((at(0.0), at(50.0), at(99.0), at(99.9), at(100.0)), (1.12, 500.12, 990.12, 999.12, 1000.12));
        assert_eq!(
            lwa["stream_chunk_arrival"],
            json!({"run": 1, "picked_from": 20, "chunks": [{"at_ms": 0.1235, "bytes": 9}, {"at_ms": 1.5, "bytes": 18}]})
        );
        // Nothing recorded, nothing written.
        let floor = &doc["candidates"][0];
        assert!(floor.get("warm_latency_distribution").is_none() && floor.get("stream_chunk_arrival").is_none());
    }

    #[test]
    fn markdown_escapes_pipes() {
        let table = Table { header: vec!["a|b".into()], rows: vec![vec!["c".into()]] };
        assert!(render_markdown_table(&table).starts_with("| a\\|b |"));
    }
}
