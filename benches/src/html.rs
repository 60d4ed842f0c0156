//! The benchmark page, `index.html` beside report.json: made from report.json's document
//! alone ([`crate::report::to_json`]), so an earlier run's page can be made again
//! (`lwa-bench --render report.json`). Self-contained: inline CSS and hand-written SVG,
//! no script, no network.
//!
//! For each metric a bar chart of every candidate (floor, harness, adapters): the bar is
//! the median over all runs, the whisker the run-to-run spread (the smallest and the
//! largest of the per-run medians), a dashed line the goal of [`crate::report::TARGETS`]
//! (relative goals drawn at the bound times the first adapter's median). Then each cold
//! start by run. report.json holds no per-invocation latencies (only each run's p50 and
//! p99) and no streamed chunk arrival times, so there is no latency distribution and no
//! chunk timeline; the page says so.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use lwa_conformance::html::escape;
use serde_json::Value;

use crate::metric::{Better, Metric};
use crate::report::{number, TARGETS};

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
            Candidate { label, kind, colour, metrics: c.get("metrics").and_then(Value::as_object) }
        })
        .collect()
}

/// A round step for about five ticks over `span`.
fn tick_step(span: f64) -> f64 {
    let raw = span / 5.0;
    let magnitude = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 2.5, 5.0, 10.0].into_iter().map(|m| m * magnitude).find(|s| *s >= raw);
    step.unwrap_or(magnitude * 10.0)
}

/// A linear scale from `[lo, hi]` onto `[from, to]` pixels.
#[derive(Debug, Clone, Copy)]
struct Scale {
    lo: f64,
    hi: f64,
    from: f64,
    to: f64,
}

impl Scale {
    fn new(values: impl Iterator<Item = f64>, from: f64, to: f64, with_zero: bool) -> Scale {
        let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
        for v in values.filter(|v| v.is_finite()) {
            (lo, hi) = (lo.min(v), hi.max(v));
        }
        if with_zero {
            (lo, hi) = (lo.min(0.0), hi.max(0.0));
        }
        if !lo.is_finite() || !hi.is_finite() {
            (lo, hi) = (0.0, 1.0);
        }
        let pad = if hi > lo { (hi - lo) * 0.06 } else { hi.abs().max(1.0) };
        let lo = if with_zero && lo >= 0.0 { lo } else { lo - pad };
        Scale { lo, hi: hi + pad, from, to }
    }

    fn at(&self, v: f64) -> f64 {
        self.from + (v - self.lo) / (self.hi - self.lo) * (self.to - self.from)
    }

    fn ticks(&self) -> Vec<f64> {
        let step = tick_step(self.hi - self.lo);
        let first = (self.lo / step).ceil() as i64;
        (first..).map(|i| i as f64 * step).take_while(|t| *t <= self.hi).take(12).collect()
    }
}

/// The goal line of `metric`, if it has one: its value and its text.
fn goal(metric: Metric, first_adapter: Option<&Candidate<'_>>, adapters: usize) -> Option<(f64, String)> {
    let target = TARGETS.iter().find(|t| t.metric == metric)?;
    let sign = if metric.better() == Better::Higher { "≥" } else { "≤" };
    if target.relative {
        // A goal relative to the first adapter says something of the others only.
        let first = first_adapter.filter(|_| adapters > 1)?;
        let value = first.median(metric)? * target.bound;
        Some((value, format!("goal {sign} {}× {}", target.bound, first.label)))
    } else {
        Some((target.bound, format!("goal {sign} {} {}", number(target.bound), metric.unit())))
    }
}

/// A bar: the candidate, its median, and its value in each run.
type Bar<'c, 'a> = (&'c Candidate<'a>, f64, Vec<(u64, f64)>);

/// The bar chart of one metric; empty when no candidate has it.
fn bar_chart(metric: Metric, all: &[Candidate<'_>]) -> String {
    let rows: Vec<Bar<'_, '_>> = all
        .iter()
        .filter(|c| c.kind != "floor" || metric.floor_has())
        .filter_map(|c| Some((c, c.median(metric)?, c.per_run(metric))))
        .collect();
    if rows.is_empty() {
        return String::new();
    }
    let adapters = all.iter().filter(|c| c.kind == "adapter").count();
    let goal = goal(metric, all.iter().find(|c| c.kind == "adapter"), adapters);
    let (width, left, right, row, top) = (900.0, 180.0, 110.0, 30.0, 26.0);
    let height = top + row * rows.len() as f64 + 26.0;
    let spread = rows.iter().flat_map(|(_, m, runs)| runs.iter().map(|r| r.1).chain([*m]));
    let scale = Scale::new(spread.chain(goal.iter().map(|g| g.0)), left, width - right, true);
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" data-metric=\"{}\" width=\"{width}\" height=\"{height}\" \
         viewBox=\"0 0 {width} {height}\" role=\"img\" aria-label=\"{}\">",
        metric.key(),
        escape(&format!("{} per candidate, in {}", metric.key(), metric.unit()))
    );
    let bottom = height - 22.0;
    for t in scale.ticks() {
        let x = scale.at(t);
        let _ = write!(
            svg,
            "<line x1=\"{x:.1}\" y1=\"{top}\" x2=\"{x:.1}\" y2=\"{bottom}\" stroke=\"#e3e6ec\"/>\
             <text x=\"{x:.1}\" y=\"{:.1}\" text-anchor=\"middle\" fill=\"#69707d\">{}</text>",
            bottom + 15.0,
            number(t)
        );
    }
    let zero = scale.at(0.0);
    for (i, (c, median, runs)) in rows.iter().enumerate() {
        let y = top + row * i as f64;
        let (x0, x1) = (zero.min(scale.at(*median)), zero.max(scale.at(*median)));
        let (lo, hi) = runs.iter().fold((*median, *median), |(lo, hi), r| (lo.min(r.1), hi.max(r.1)));
        let _ = write!(
            svg,
            "<g data-candidate=\"{}\" data-median=\"{median}\" data-min=\"{lo}\" data-max=\"{hi}\" data-runs=\"{}\">\
             <text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>\
             <rect x=\"{x0:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"{}\" rx=\"2\"/>",
            escape(c.label),
            runs.len(),
            left - 8.0,
            y + row / 2.0 + 4.0,
            escape(c.label),
            y + 5.0,
            (x1 - x0).max(1.0),
            row - 10.0,
            c.colour
        );
        if runs.len() > 1 {
            let (a, b, mid) = (scale.at(lo), scale.at(hi), y + row / 2.0);
            let _ = write!(
                svg,
                "<path d=\"M{a:.1} {mid:.1}H{b:.1}M{a:.1} {:.1}V{:.1}M{b:.1} {:.1}V{:.1}\" stroke=\"#1d2430\" \
                 stroke-width=\"1.5\" fill=\"none\"/>",
                mid - 6.0,
                mid + 6.0,
                mid - 6.0,
                mid + 6.0
            );
        }
        let end = scale.at(hi).max(x1);
        let _ = write!(
            svg,
            "<text x=\"{:.1}\" y=\"{:.1}\">{} {}</text></g>",
            end + 6.0,
            y + row / 2.0 + 4.0,
            number(*median),
            metric.unit()
        );
    }
    if let Some((value, text)) = goal {
        let x = scale.at(value);
        let _ = write!(
            svg,
            "<g data-goal=\"{value}\"><line x1=\"{x:.1}\" y1=\"{:.1}\" x2=\"{x:.1}\" y2=\"{bottom}\" stroke=\"#c62828\" \
             stroke-width=\"1.5\" stroke-dasharray=\"6 4\"/><text x=\"{x:.1}\" y=\"14\" text-anchor=\"middle\" \
             fill=\"#c62828\">{}</text></g>",
            top - 8.0,
            escape(&text)
        );
    }
    svg.push_str("</svg>");
    svg
}

/// Each run's samples of `metric` (dots) and their median (a line), per candidate.
fn by_run_chart(metric: Metric, all: &[Candidate<'_>]) -> String {
    let series: Vec<(&Candidate<'_>, Vec<(u64, f64)>)> =
        all.iter().map(|c| (c, c.samples(metric))).filter(|(_, s)| !s.is_empty()).collect();
    if series.is_empty() {
        return String::new();
    }
    let runs = series.iter().flat_map(|(_, s)| s.iter().map(|p| p.0)).max().unwrap_or(0) + 1;
    let (width, height, left, right, top, bottom) = (900.0, 300.0, 70.0, 160.0, 14.0, 264.0);
    let x = |run: u64| left + (run as f64 + 0.5) / runs as f64 * (width - left - right);
    let values = series.iter().flat_map(|(_, s)| s.iter().map(|p| p.1));
    let y = Scale::new(values, bottom, top, false);
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" data-by-run=\"{}\" width=\"{width}\" height=\"{height}\" \
         viewBox=\"0 0 {width} {height}\" role=\"img\" aria-label=\"{} by run\">",
        metric.key(),
        metric.key()
    );
    for t in y.ticks() {
        let ty = y.at(t);
        let _ = write!(
            svg,
            "<line x1=\"{left}\" y1=\"{ty:.1}\" x2=\"{:.1}\" y2=\"{ty:.1}\" stroke=\"#e3e6ec\"/><text x=\"{:.1}\" \
             y=\"{:.1}\" text-anchor=\"end\" fill=\"#69707d\">{} {}</text>",
            width - right,
            left - 6.0,
            ty + 4.0,
            number(t),
            metric.unit()
        );
    }
    for run in 0..runs {
        let _ = write!(
            svg,
            "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">run {}</text>",
            x(run),
            bottom + 20.0,
            run + 1
        );
    }
    for (i, (c, samples)) in series.iter().enumerate() {
        let _ = write!(svg, "<g data-candidate=\"{}\" fill=\"{}\" stroke=\"{}\">", escape(c.label), c.colour, c.colour);
        // Candidates side by side within a run, so their dots do not hide each other.
        let shift = (i as f64 - (series.len() as f64 - 1.0) / 2.0) * 10.0;
        for (run, value) in samples {
            let _ = write!(
                svg,
                "<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"2.6\" fill-opacity=\"0.45\" stroke=\"none\"/>",
                x(*run) + shift,
                y.at(*value)
            );
        }
        let points: Vec<String> =
            c.per_run(metric).iter().map(|(run, v)| format!("{:.1},{:.1}", x(*run) + shift, y.at(*v))).collect();
        let _ = write!(svg, "<polyline points=\"{}\" fill=\"none\" stroke-width=\"2\"/>", points.join(" "));
        let ly = top + 16.0 * i as f64 + 6.0;
        let _ = write!(
            svg,
            "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"12\" height=\"12\" stroke=\"none\"/><text x=\"{:.1}\" y=\"{:.1}\" \
             stroke=\"none\" fill=\"#1d2430\">{}</text></g>",
            width - right + 14.0,
            ly - 10.0,
            width - right + 32.0,
            ly,
            escape(c.label)
        );
    }
    svg.push_str("</svg>");
    svg
}

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
    list(&mut out, "Goals (each adapter against the first)", "targets");
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
    out.push_str(
        "<h2 id=\"not-drawn\">Not drawn</h2><p class=\"muted\">The latency distribution of warm invocations (a CDF per \
         adapter) and streaming chunk arrival over time: report.json records each run's p50 and p99 and the time to \
         the first streamed byte, not every invocation's latency or each chunk's arrival.</p>\n</body>\n</html>\n",
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn metric(samples: &[(u64, f64)]) -> Value {
        let values: Vec<f64> = samples.iter().map(|s| s.1).collect();
        let list: Vec<Value> = samples.iter().map(|(run, value)| json!({"run": run, "value": value})).collect();
        json!({"unit": "ms", "better": "lower", "median": crate::stats::median(&values), "samples": list})
    }

    fn doc() -> Value {
        json!({
            "tool": "lwa-bench", "date": "2026-12-01 20:00 UTC", "command": "lwa-bench a b", "runs": 2,
            "machine": {"cpu": "Test CPU", "cpus": 2, "memory_mib": 8192, "kernel": "6.1", "busy_before": 0.02},
            "workload": {"concurrency": 8}, "elapsed_s": 12.0,
            "candidates": [
                {"label": "floor", "kind": "floor", "metrics": {"warm_p50_us": metric(&[(0, 20.0), (1, 22.0)])}},
                {"label": "harness", "kind": "harness", "metrics": {"warm_p50_us": metric(&[(0, 60.0), (1, 70.0)])}},
                {"label": "lwa", "kind": "adapter", "metrics": {
                    "warm_p50_us": metric(&[(0, 200.0), (1, 240.0)]),
                    "cold_start_ms": metric(&[(0, 10.0), (0, 12.0), (1, 14.0), (1, 16.0)]),
                }},
                {"label": "<script>alert(1)</script>", "kind": "adapter", "metrics": {
                    "warm_p50_us": metric(&[(0, 100.0), (1, 90.0)]),
                    "cold_start_ms": metric(&[(0, 5.0), (1, 6.0)]),
                }, "errors": ["run 1, cold start: <b>boom</b>\nmore"]},
            ],
            "targets": ["cold start at most 0.7x: x vs lwa: 0.42x (met)", "y: 2.00x (NOT met)"],
            "notes": [],
        })
    }

    /// The `<g>` of `candidate` in the chart of `key`.
    fn bar<'a>(page: &'a str, key: &str, candidate: &str) -> &'a str {
        let chart = &page[page.find(&format!("data-metric=\"{key}\"")).unwrap()..];
        let chart = &chart[..chart.find("</svg>").unwrap()];
        let g = &chart[chart.find(&format!("<g data-candidate=\"{candidate}\"")).unwrap()..];
        &g[..g.find("</g>").unwrap()]
    }

    #[test]
    fn a_script_in_a_label_or_an_error_renders_inert() {
        let page = page(&doc());
        let lower = page.to_lowercase();
        assert!(!lower.contains("<script") && !lower.contains("<b>"), "{page}");
        assert!(page.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
        assert!(page.contains("&lt;b&gt;boom&lt;/b&gt;"));
    }

    #[test]
    fn each_bar_is_the_median_with_the_spread_of_the_runs() {
        let page = page(&doc());
        assert_eq!(page.matches("data-metric=\"warm_p50_us\"").count(), 1);
        // The floor, the harness and both adapters: the median over all runs, whiskers
        // from the smallest to the largest run's median.
        assert!(bar(&page, "warm_p50_us", "floor").contains("data-median=\"21\" data-min=\"20\" data-max=\"22\""));
        assert!(bar(&page, "warm_p50_us", "harness").contains("data-median=\"65\" data-min=\"60\" data-max=\"70\""));
        let lwa = bar(&page, "warm_p50_us", "lwa");
        assert!(lwa.contains("data-median=\"220\" data-min=\"200\" data-max=\"240\" data-runs=\"2\""), "{lwa}");
        assert!(lwa.contains("<path d=\"M"), "a whisker: {lwa}");
        assert!(lwa.contains(">220 µs</text>"), "{lwa}");
        // Cold start: runs of several samples give their medians (11 and 15).
        let cold = bar(&page, "cold_start_ms", "lwa");
        assert!(cold.contains("data-median=\"13\" data-min=\"11\" data-max=\"15\""), "{cold}");
        // The best adapter of each metric stands out in the table.
        assert!(page.contains("<td class=\"best\">95.0</td>"), "{page}");
    }

    #[test]
    fn goals_are_drawn_against_the_first_adapter() {
        let page = page(&doc());
        // Cold start at most 0.7x the first adapter's (13 ms).
        let chart = &page[page.find("data-metric=\"cold_start_ms\"").unwrap()..];
        let chart = &chart[..chart.find("</svg>").unwrap()];
        let goal: f64 = chart.split("data-goal=\"").nth(1).unwrap().split('"').next().unwrap().parse().unwrap();
        assert!((goal - 9.1).abs() < 1e-9, "{goal}");
        assert!(chart.contains("goal ≤ 0.7× lwa"), "{chart}");
        assert!(
            page.contains("(<span class=\"missed\">NOT met</span>)")
                && page.contains("(<span class=\"met\">met</span>)")
        );
    }

    #[test]
    fn cold_starts_are_drawn_by_run_and_the_missing_charts_are_named() {
        let page = page(&doc());
        let chart = &page[page.find("data-by-run=\"cold_start_ms\"").unwrap()..];
        let chart = &chart[..chart.find("</svg>").unwrap()];
        assert!(chart.contains(">run 1</text>") && chart.contains(">run 2</text>"));
        assert_eq!(chart.matches("<circle").count(), 6, "every sample is a dot");
        assert_eq!(chart.matches("<polyline").count(), 2, "one line per candidate");
        assert!(page.contains("id=\"not-drawn\""));
        // No charts for what nobody measured; a page even for an empty document.
        assert!(!page.contains("data-metric=\"binary_size_mib\""));
        assert!(super::page(&json!({})).contains("</html>"));
    }
}
