//! The benchmark page, `index.html` beside report.json: made from report.json's document
//! alone ([`crate::report::to_json`]), so an earlier run's page can be made again
//! (`lwa-bench --render report.json`). Self-contained: inline CSS and hand-written SVG,
//! no script, no network.
//!
//! For each metric a bar chart of every candidate (floor, harness, adapters): the bar is
//! the median over all runs, the whisker the run-to-run spread (the smallest and the
//! largest of the per-run medians), a dashed line the goal of [`crate::report::TARGETS`]
//! (relative goals drawn at the bound times the first adapter's median). Then each cold
//! start by run; the distribution of the warm small-event latencies (a CDF per candidate,
//! from `warm_latency_distribution`); and when the body chunks of a streamed invocation
//! arrived (cumulative bytes over time per candidate, from `stream_chunk_arrival`). A
//! report.json of an earlier version lacks the last two: the page names what it could
//! not draw.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use lwa_conformance::html::escape;
use serde_json::Value;

use crate::metric::{Better, Metric};
use crate::report::{number, Against, TARGETS};

const STYLE: &str = "body{font:15px/1.45 system-ui,-apple-system,'Segoe UI',sans-serif;margin:0 auto;max-width:1200px;\
padding:0 24px 48px;color:#1d2430;background:#fbfbfd}h2{margin-top:32px;border-bottom:2px solid #dde1e8;\
padding-bottom:4px}table{border-collapse:collapse}th,td{border:1px solid #d5dae3;padding:3px 10px;text-align:right}\
th:first-child{text-align:left}thead th{background:#eef1f6}td.best{font-weight:700;background:#e3f4e5}\
.muted{color:#69707d}.met{color:#2e7d32;font-weight:700}.missed{color:#c62828;font-weight:700}\
section.metric{background:#fff;border:1px solid #dde1e8;border-radius:6px;padding:8px 14px;margin:14px 0}\
section.metric h3{margin:4px 0}svg text{font:12px system-ui,sans-serif;fill:#1d2430}code{font-size:13px}";

/// Colours of the floor, the harness, then the adapters in turn.
const FLOOR: &str = "#9aa3ad";
const HARNESS: &str = "#5f6b7a";
const ADAPTERS: [&str; 6] = ["#1f6fb4", "#d95f02", "#1b9e77", "#7570b3", "#e7298a", "#66a61e"];

/// One candidate of report.json.
#[derive(Debug)]
struct Candidate<'a> {
    label: &'a str,
    kind: &'a str,
    colour: &'static str,
    metrics: Option<&'a serde_json::Map<String, Value>>,
    doc: &'a Value,
}

impl Candidate<'_> {
    /// Every sample of `metric` as (run, value).
    fn samples(&self, metric: Metric) -> Vec<(u64, f64)> {
        let samples = self.metrics.and_then(|m| m.get(metric.key())).and_then(|m| m.get("samples"));
        let samples = samples.and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default();
        samples.iter().filter_map(|s| Some((s.get("run")?.as_u64()?, s.get("value")?.as_f64()?))).collect()
    }

    fn median(&self, metric: Metric) -> Option<f64> {
        let doc = self.metrics.and_then(|m| m.get(metric.key()));
        doc.and_then(|m| m.get("median"))
            .and_then(Value::as_f64)
            .or_else(|| crate::stats::median(&self.samples(metric).iter().map(|s| s.1).collect::<Vec<_>>()))
    }

    /// The warm latency distribution as (percentile, µs), by percentile; `None` without one.
    fn distribution(&self) -> Option<Vec<(f64, f64)>> {
        let d = self.doc.get("warm_latency_distribution")?;
        let ps = d.get("percentiles")?.as_array()?.iter().map(Value::as_f64);
        let values = d.get("values")?.as_array()?.iter().map(Value::as_f64);
        let mut points: Vec<(f64, f64)> = ps.zip(values).filter_map(|(p, v)| Some((p?, v?))).collect();
        points.retain(|(p, v)| p.is_finite() && v.is_finite());
        points.sort_by(|a, b| a.0.total_cmp(&b.0));
        (!points.is_empty()).then_some(points)
    }

    /// The streamed chunks as (ms since the request, bytes), by arrival; `None` without.
    fn chunks(&self) -> Option<Vec<(f64, u64)>> {
        let list = self.doc.get("stream_chunk_arrival")?.get("chunks")?.as_array()?;
        let mut chunks: Vec<(f64, u64)> =
            list.iter().filter_map(|c| Some((c.get("at_ms")?.as_f64()?, c.get("bytes")?.as_u64()?))).collect();
        chunks.retain(|c| c.0.is_finite());
        chunks.sort_by(|a, b| a.0.total_cmp(&b.0));
        (!chunks.is_empty()).then_some(chunks)
    }

    /// The median of each run, in run order.
    fn per_run(&self, metric: Metric) -> Vec<(u64, f64)> {
        let mut runs: BTreeMap<u64, Vec<f64>> = BTreeMap::new();
        for (run, value) in self.samples(metric) {
            runs.entry(run).or_default().push(value);
        }
        runs.into_iter().filter_map(|(run, v)| Some((run, crate::stats::median(&v)?))).collect()
    }
}

fn candidates(doc: &Value) -> Vec<Candidate<'_>> {
    let list = doc.get("candidates").and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default();
    let mut adapters = 0;
    list.iter()
        .map(|c| {
            let kind = c.get("kind").and_then(Value::as_str).unwrap_or("adapter");
            let colour = match kind {
                "floor" => FLOOR,
                "harness" => HARNESS,
                _ => {
                    adapters += 1;
                    ADAPTERS[(adapters - 1) % ADAPTERS.len()]
                }
            };
            let label = c.get("label").and_then(Value::as_str).unwrap_or("?");
            Candidate { label, kind, colour, metrics: c.get("metrics").and_then(Value::as_object), doc: c }
        })
        .collect()
}

mod charts;
mod distribution;
#[cfg(test)]
mod tests;

use charts::*;
use distribution::*;

fn text<'a>(doc: &'a Value, key: &str) -> &'a str {
    doc.get(key).and_then(Value::as_str).unwrap_or_default()
}

fn machine(doc: &Value) -> String {
    let m = doc.get("machine").unwrap_or(&Value::Null);
    let cpu = text(m, "cpu");
    format!(
        "{} × {}, {:.0} GiB, Linux {}, {:.0}% busy before the run",
        m.get("cpus").and_then(Value::as_u64).unwrap_or(0),
        if cpu.is_empty() { "unknown CPU" } else { cpu },
        m.get("memory_mib").and_then(Value::as_f64).unwrap_or(0.0) / 1024.0,
        text(m, "kernel"),
        m.get("busy_before").and_then(Value::as_f64).unwrap_or(0.0) * 100.0
    )
}

/// The medians of every metric, the best adapter of each in bold.
fn table(out: &mut String, all: &[Candidate<'_>], concurrency: u32) {
    out.push_str("<table><thead><tr><th>metric</th><th>unit</th>");
    for c in all {
        let _ = write!(out, "<th style=\"color:{}\">{}</th>", c.colour, escape(c.label));
    }
    out.push_str("</tr></thead><tbody>\n");
    for metric in Metric::ALL {
        let medians: Vec<Option<f64>> =
            all.iter().map(|c| c.median(metric).filter(|_| c.kind != "floor" || metric.floor_has())).collect();
        if medians.iter().all(Option::is_none) {
            continue;
        }
        let adapters = all.iter().zip(&medians).filter(|(c, _)| c.kind == "adapter").filter_map(|(_, m)| *m);
        let best = match metric.better() {
            Better::Lower => adapters.reduce(f64::min),
            Better::Higher => adapters.reduce(f64::max),
        };
        let _ = write!(
            out,
            "<tr><th><a href=\"#metric-{}\">{}</a></th><td>{}</td>",
            metric.key(),
            escape(&metric.label(concurrency)),
            metric.unit()
        );
        for (c, m) in all.iter().zip(&medians) {
            let class = if c.kind == "adapter" && *m == best && best.is_some() { " class=\"best\"" } else { "" };
            let _ = write!(out, "<td{class}>{}</td>", m.map_or_else(|| "-".to_owned(), number));
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody></table>\n");
}

/// The whole page for report.json's document.
pub fn page(doc: &Value) -> String {
    let all = candidates(doc);
    let workload = doc.get("workload").unwrap_or(&Value::Null);
    let concurrency = workload.get("concurrency").and_then(Value::as_u64).unwrap_or(8) as u32;
    let mut out = format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta http-equiv=\"Content-Security-Policy\" \
         content=\"default-src 'none'; style-src 'unsafe-inline'\">\n<title>Benchmark {}</title>\n<style>{STYLE}</style>\n\
         </head>\n<body>\n<h1>Benchmark of Lambda web adapters</h1>\n<p>Measured {} on {}, {} run(s) in {:.0} s, with \
         <code>{}</code>.</p>\n",
        escape(text(doc, "date")),
        escape(text(doc, "date")),
        escape(&machine(doc)),
        doc.get("runs").and_then(Value::as_u64).unwrap_or(0),
        doc.get("elapsed_s").and_then(Value::as_f64).unwrap_or(0.0),
        escape(text(doc, "command"))
    );
    out.push_str(
        "<p class=\"muted\">Bars: the median over all runs. Whiskers: the smallest and the largest run's median. \
         The floor sends the same requests straight to the app; the harness is the least an adapter can do under \
         the same emulator, so an adapter's own cost is its distance from the harness. Dashed red: the goal.</p>\n",
    );
    let list = |out: &mut String, title: &str, key: &str| {
        let lines = doc.get(key).and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default();
        if lines.is_empty() {
            return;
        }
        let _ = write!(out, "<h2 id=\"{key}\">{title}</h2><ul>");
        for line in lines.iter().filter_map(Value::as_str) {
            let marked = escape(line).replace("(NOT met)", "(<span class=\"missed\">NOT met</span>)");
            let _ = write!(out, "<li>{}</li>", marked.replace("(met)", "(<span class=\"met\">met</span>)"));
        }
        out.push_str("</ul>\n");
    };
    list(&mut out, "Goals (against the first adapter unless the goal names the harness or the floor)", "targets");
    list(&mut out, "Notes", "notes");
    let errors: Vec<String> = doc
        .get("candidates")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .flat_map(|c| {
            let label = text(c, "label").to_owned();
            let errors = c.get("errors").and_then(Value::as_array).cloned().unwrap_or_default();
            errors.into_iter().filter_map(move |e| Some(format!("{label}: {}", e.as_str()?.lines().next()?)))
        })
        .collect();
    if !errors.is_empty() {
        out.push_str("<h2 id=\"errors\">Errors during the run</h2><ul>");
        for e in errors {
            let _ = write!(out, "<li class=\"missed\">{}</li>", escape(&e));
        }
        out.push_str("</ul>\n");
    }
    out.push_str("<h2 id=\"medians\">Medians</h2>\n");
    table(&mut out, &all, concurrency);
    out.push_str("<h2 id=\"charts\">Each metric</h2>\n");
    for metric in Metric::ALL {
        let chart = bar_chart(metric, &all);
        if chart.is_empty() {
            continue;
        }
        let better = if metric.better() == Better::Higher { "higher" } else { "lower" };
        let _ = writeln!(
            out,
            "<section class=\"metric\" id=\"metric-{}\"><h3>{} <span class=\"muted\">({}, {better} is better)</span></h3>\n{chart}</section>",
            metric.key(),
            escape(&metric.label(concurrency)),
            metric.unit()
        );
    }
    out.push_str("<h2 id=\"cold-starts\">Cold start by run</h2>\n");
    for metric in [Metric::ColdStart, Metric::ColdStartSlowApp] {
        let chart = by_run_chart(metric, &all);
        if !chart.is_empty() {
            let _ = writeln!(
                out,
                "<section class=\"metric\"><h3>{}</h3>\n{chart}</section>",
                escape(&metric.label(concurrency))
            );
        }
    }
    let mut not_drawn = Vec::new();
    let cdf = cdf_chart(&all);
    out.push_str("<h2 id=\"latency-distribution\">Warm latency distribution</h2>\n");
    if cdf.is_empty() {
        not_drawn.push(
            "The latency distribution of warm invocations (a CDF per candidate): this report.json records each \
             run's p50 and p99, not the distribution of the invocations' latencies (warm_latency_distribution).",
        );
        out.push_str(
            "<p class=\"muted\">Not recorded in this report.json (see <a href=\"#not-drawn\">Not drawn</a>).</p>\n",
        );
    } else {
        let count = all
            .iter()
            .filter_map(|c| c.doc.get("warm_latency_distribution")?.get("count")?.as_u64())
            .max()
            .unwrap_or(0);
        let _ = writeln!(
            out,
            "<section class=\"metric\"><h3>{} <span class=\"muted\">(share of invocations at or below each latency; \
             further left is faster)</span></h3>\n<p class=\"muted\">Every measured small-event invocation of the latency \
             phase, all runs together (up to {count} per candidate), at each whole percentile, p99.9, and the slowest at \
             100%. The steeper and further left a line, the faster and steadier the candidate; the tail above p99 shows \
             its stalls. Pooled over the runs, its p50 and p99 can differ a little from the table's, which are medians \
             of each run's.</p>\n{cdf}</section>",
            escape(&Metric::WarmP50.label(concurrency).replace(" p50", ""))
        );
    }
    let chunks = chunk_chart(&all);
    out.push_str("<h2 id=\"chunk-arrival\">Streaming chunk arrival</h2>\n");
    if chunks.is_empty() {
        not_drawn.push(
            "Streaming chunk arrival over time: this report.json records the time to the first streamed byte, \
             not when each chunk arrived (stream_chunk_arrival).",
        );
        out.push_str(
            "<p class=\"muted\">Not recorded in this report.json (see <a href=\"#not-drawn\">Not drawn</a>).</p>\n",
        );
    } else {
        let event = workload.get("stream_invocations").and_then(Value::as_u64).map_or_else(String::new, |n| {
            format!(" (of the {n} measured per run, the one whose first byte came at the median time, in the last run)")
        });
        let _ = writeln!(
            out,
            "<section class=\"metric\"><h3>Body bytes received over time, one streamed invocation \
             <span class=\"muted\">(Function URL event, <code>/stream</code>: the app sends three chunks)</span></h3>\n\
             <p class=\"muted\">Each dot is a body chunk as it reached the caller{event}; the floor reads the app \
             directly. A line further left delivers sooner; a chunk that waits shows as a long flat step. The app \
             sleeps 0 ms between its chunks, which its runtime's 1 ms timer can round up to a millisecond: a gap of \
             about 1 ms may be the app's own, not the adapter's.</p>\n{chunks}</section>"
        );
    }
    if !not_drawn.is_empty() {
        out.push_str("<h2 id=\"not-drawn\">Not drawn</h2>");
        for note in not_drawn {
            let _ = write!(out, "<p class=\"muted\">{}</p>", escape(note));
        }
        out.push('\n');
    }
    out.push_str("</body>\n</html>\n");
    out
}
