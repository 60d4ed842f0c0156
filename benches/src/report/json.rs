//! The JSON report (`target/bench/report.json`): context, every sample, medians and
//! ratios, the warm latency distribution and the streamed chunks.

use serde_json::{json, Value};

use super::{notes, ratio, target_lines, Context};
use crate::driver::Results;
use crate::metric::Metric;

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::driver::Plan;
    use crate::report::fixtures::results;
    use crate::report::Machine;
    use std::time::Duration;

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
}
