//! The soak's reports: the sample table and the lane table for the terminal, and the JSON
//! report (`target/soak/report.json`).

use serde_json::{json, Value};

use super::{mib, Sample, SoakConfig, SoakResult};

/// `RSS MiB/threads/fds` of a sample.
pub(super) fn cell(s: &Sample) -> String {
    if !s.alive {
        return "gone".to_owned();
    }
    format!("{:.2}/{}/{}", mib(s.rss as f64), s.threads, s.fds)
}

/// The sample table: one row per sample point, per lane `RSS MiB/threads/fds`, and the
/// driver's own RSS.
pub fn samples_table(result: &SoakResult) -> crate::report::Table {
    let mut header = vec!["invocations".to_owned(), "elapsed s".to_owned()];
    header.extend(result.lanes.iter().map(|l| l.label.clone()));
    header.push("driver MiB".to_owned());
    let rows_count = result.lanes.iter().map(|l| l.samples.len()).max().unwrap_or(0);
    let mut rows = Vec::new();
    for i in 0..rows_count {
        let first = result.lanes.iter().find_map(|l| l.samples.get(i));
        let invocations = first.map_or(0, |s| s.invocations);
        let mut row = vec![
            if i == 0 { "warm".to_owned() } else { invocations.to_string() },
            first.map_or_else(String::new, |s| format!("{:.1}", s.at_seconds)),
        ];
        row.extend(result.lanes.iter().map(|l| l.samples.get(i).map_or_else(|| "-".to_owned(), cell)));
        row.push(result.driver_rss.get(i).map_or_else(|| "-".to_owned(), |b| format!("{:.0}", mib(*b as f64))));
        rows.push(row);
    }
    crate::report::Table { header, rows }
}

/// The lane table: throughput, latency, CPU, deliveries, failures, the last RSS against
/// the warm-up's peak, and the most threads and fds during / after warm-up.
pub fn lanes_table(result: &SoakResult, config: &SoakConfig) -> crate::report::Table {
    let header = [
        "lane",
        "invocations",
        "inv/s",
        "p50 us",
        "p99 us",
        "CPU us/inv",
        "buffered",
        "streamed",
        "failures",
        "warm-up peak MiB",
        "last MiB",
        "slope B/inv",
        "threads",
        "fds",
        "verdict",
    ]
    .map(str::to_owned)
    .to_vec();
    let mut rows = Vec::new();
    for lane in &result.lanes {
        let verdict = lane.verdict(config);
        let (warm, last) = (lane.samples.first(), lane.samples.last());
        rows.push(vec![
            lane.label.clone(),
            lane.invocations.to_string(),
            format!("{:.0}", lane.throughput()),
            crate::stats::percentile(&lane.latencies_us, 50.0).map_or_else(|| "-".to_owned(), |v| format!("{v:.0}")),
            crate::stats::percentile(&lane.latencies_us, 99.0).map_or_else(|| "-".to_owned(), |v| format!("{v:.0}")),
            lane.cpu_seconds
                .map_or_else(|| "-".to_owned(), |s| format!("{:.0}", s * 1e6 / lane.invocations.max(1) as f64)),
            lane.buffered.to_string(),
            lane.streamed.to_string(),
            lane.failures.to_string(),
            format!("{:.2}", mib(warm.map_or(0, |s| s.peak_rss) as f64)),
            format!("{:.2} ({:+.2})", mib(last.map_or(0, |s| s.rss) as f64), mib(verdict.rss_growth as f64)),
            verdict.rss_slope.map_or_else(|| "-".to_owned(), |s| format!("{s:.1}")),
            format!("{}/{}", lane.warmup_max.threads, lane.soak_max.threads),
            format!("{}/{}", lane.warmup_max.fds, lane.soak_max.fds),
            if verdict.problems.is_empty() { "flat".to_owned() } else { "FAIL".to_owned() },
        ]);
    }
    crate::report::Table { header, rows }
}

/// The JSON report (`target/soak/report.json`).
pub fn to_json(result: &SoakResult, config: &SoakConfig, machine: &crate::report::Machine, date: &str) -> Value {
    let lanes: Vec<Value> = result
        .lanes
        .iter()
        .map(|lane| {
            json!({
                "lane": lane.label,
                "pid": lane.pid,
                "invocations": lane.invocations,
                "seconds": lane.busy.as_secs_f64(),
                "invocations_per_second": lane.throughput(),
                "latency_p50_us": crate::stats::percentile(&lane.latencies_us, 50.0),
                "latency_p99_us": crate::stats::percentile(&lane.latencies_us, 99.0),
                "cpu_us_per_invocation": lane.cpu_seconds.map(|s| s * 1e6 / lane.invocations.max(1) as f64),
                "buffered": lane.buffered,
                "streamed": lane.streamed,
                "failures": lane.failures,
                "shutdown": lane.shutdown,
                "samples": lane.samples,
                "max_during_warmup": lane.warmup_max,
                "max_after_warmup": lane.soak_max,
                "verdict": lane.verdict(config),
            })
        })
        .collect();
    json!({
        "date": date,
        "machine": machine,
        "config": config,
        "elapsed_seconds": result.elapsed.as_secs_f64(),
        "passed": passed(result, config),
        "failures_total": result.failures.len(),
        "failures": result.failures.iter().take(100).collect::<Vec<_>>(),
        "driver_rss_bytes": result.driver_rss,
        "lanes": lanes,
    })
}

/// Whether every invocation passed its check and every lane stayed flat.
pub fn passed(result: &SoakResult, config: &SoakConfig) -> bool {
    result.failures.is_empty() && result.lanes.iter().all(|l| l.verdict(config).problems.is_empty())
}
