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

/// Ticks for a log axis over `[lo, hi]` (both above zero): 1, 2 and 5 times the powers of
/// ten inside it, or every digit times them when that gives fewer than three.
fn log_ticks(lo: f64, hi: f64) -> Vec<f64> {
    let decades = lo.log10().floor() as i32..=hi.log10().ceil() as i32;
    let within = |multiples: &[f64]| -> Vec<f64> {
        decades
            .clone()
            .flat_map(|e| multiples.iter().map(move |m| m * 10f64.powi(e)))
            .filter(|t| *t >= lo * (1.0 - 1e-9) && *t <= hi * (1.0 + 1e-9))
            .collect()
    };
    let ticks = within(&[1.0, 2.0, 5.0]);
    if ticks.len() >= 3 {
        ticks
    } else {
        within(&[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0])
    }
}

/// A horizontal axis: linear, or logarithmic for values over a wide range.
#[derive(Debug, Clone, Copy)]
enum Axis {
    Linear(Scale),
    /// log10 of the bounds, and the pixels.
    Log {
        lo: f64,
        hi: f64,
        from: f64,
        to: f64,
    },
}

impl Axis {
    /// A log axis when the values (all above zero) span a factor of ten or more.
    fn new(values: &[f64], from: f64, to: f64) -> Axis {
        let (lo, hi) = values.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| (lo.min(*v), hi.max(*v)));
        if lo > 0.0 && hi.is_finite() && hi / lo >= 10.0 {
            Axis::Log { lo: (lo / 1.15).log10(), hi: (hi * 1.15).log10(), from, to }
        } else {
            Axis::Linear(Scale::new(values.iter().copied(), from, to, false))
        }
    }

    fn at(&self, v: f64) -> f64 {
        match self {
            Axis::Linear(scale) => scale.at(v),
            Axis::Log { lo, hi, from, to } => from + (v.max(1e-12).log10() - lo) / (hi - lo) * (to - from),
        }
    }

    fn ticks(&self) -> Vec<f64> {
        match self {
            Axis::Linear(scale) => scale.ticks(),
            Axis::Log { lo, hi, .. } => log_ticks(10f64.powf(*lo), 10f64.powf(*hi)),
        }
    }

    fn is_log(&self) -> bool {
        matches!(self, Axis::Log { .. })
    }
}

/// The value at percentile `p` of a distribution (the first point at or above it).
fn at_percentile(points: &[(f64, f64)], p: f64) -> Option<f64> {
    points.iter().find(|(q, _)| *q >= p).map(|(_, v)| *v)
}

/// The legend under a chart, from `top`: a line per series with its swatch, label and
/// `note`. Its height is [`legend_height`].
fn legend(svg: &mut String, left: f64, top: f64, entries: &[(&Candidate<'_>, String)]) {
    for (i, (c, note)) in entries.iter().enumerate() {
        let y = top + 20.0 * i as f64;
        let _ = write!(
            svg,
            "<rect x=\"{left:.1}\" y=\"{:.1}\" width=\"12\" height=\"12\" fill=\"{}\"/><text x=\"{:.1}\" y=\"{:.1}\">\
             {}<tspan fill=\"#69707d\"> · {}</tspan></text>",
            y,
            c.colour,
            left + 18.0,
            y + 10.5,
            escape(c.label),
            escape(note)
        );
    }
}

fn legend_height(entries: usize) -> f64 {
    20.0 * entries as f64
}

/// A tick's label: whole numbers without decimals.
fn tick_label(t: f64) -> String {
    if (t - t.round()).abs() < 1e-9 {
        format!("{t:.0}")
    } else {
        number(t)
    }
}

/// The CDF of the warm small-event latencies, a line per candidate that has them.
fn cdf_chart(all: &[Candidate<'_>]) -> String {
    let series: Vec<(&Candidate<'_>, Vec<(f64, f64)>)> =
        all.iter().filter_map(|c| Some((c, c.distribution()?))).collect();
    if series.is_empty() {
        return String::new();
    }
    let (width, left, right, top, bottom) = (900.0, 56.0, 40.0, 14.0, 334.0);
    let height = bottom + 52.0 + legend_height(series.len());
    let values: Vec<f64> = series.iter().flat_map(|(_, points)| points.iter().map(|p| p.1)).collect();
    let x = Axis::new(&values, left, width - right);
    let y = |p: f64| bottom - p / 100.0 * (bottom - top);
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" data-chart=\"warm-cdf\" data-scale=\"{}\" width=\"{width}\" \
         height=\"{height}\" viewBox=\"0 0 {width} {height}\" role=\"img\" aria-label=\"share of warm invocations \
         at or below each latency, per candidate\">",
        if x.is_log() { "log" } else { "linear" }
    );
    let title = format!("latency, µs{}", if x.is_log() { " (log scale)" } else { "" });
    let grid = Grid { left, right: width - right, top, bottom };
    grid.vertical(&mut svg, x.ticks().into_iter().map(|t| (x.at(t), tick_label(t))), &title);
    grid.horizontal(&mut svg, [0.0, 25.0, 50.0, 75.0, 100.0].into_iter().map(|p| (y(p), format!("{p:.0}%"))));
    // The median and the 99th percentile, named at the right edge.
    for (p, name) in [(50.0, "p50"), (99.0, "p99")] {
        let ty = y(p);
        let _ = write!(
            svg,
            "<line x1=\"{left}\" y1=\"{ty:.1}\" x2=\"{:.1}\" y2=\"{ty:.1}\" stroke=\"#aab2bf\" stroke-dasharray=\"4 3\"/>\
             <text x=\"{:.1}\" y=\"{:.1}\" fill=\"#69707d\">{name}</text>",
            width - right,
            width - right + 4.0,
            ty + 4.0
        );
    }
    let mut entries = Vec::new();
    for (c, points) in &series {
        let line: Vec<String> = points.iter().map(|(p, v)| format!("{:.1},{:.1}", x.at(*v), y(*p))).collect();
        let (p50, p99) = (at_percentile(points, 50.0), at_percentile(points, 99.0));
        let _ = write!(
            svg,
            "<g data-candidate=\"{}\" data-points=\"{}\" data-p50=\"{}\" data-p99=\"{}\"><polyline points=\"{}\" \
             fill=\"none\" stroke=\"{}\" stroke-width=\"2\" stroke-linejoin=\"round\"/></g>",
            escape(c.label),
            points.len(),
            p50.unwrap_or(f64::NAN),
            p99.unwrap_or(f64::NAN),
            line.join(" "),
            c.colour
        );
        let note = match (p50, p99) {
            (Some(a), Some(b)) => format!("p50 {} · p99 {} µs", number(a), number(b)),
            _ => String::new(),
        };
        entries.push((*c, note));
    }
    legend(&mut svg, left, bottom + 50.0, &entries);
    svg.push_str("</svg>");
    svg
}

/// The plotting area of a chart, for its grid lines and their labels.
struct Grid {
    left: f64,
    right: f64,
    top: f64,
    bottom: f64,
}

impl Grid {
    /// Vertical grid lines at `(x, label)`, labelled under the area, and the axis title.
    fn vertical(&self, svg: &mut String, ticks: impl Iterator<Item = (f64, String)>, title: &str) {
        let Grid { left, right, top, bottom } = *self;
        for (tx, label) in ticks {
            let _ = write!(
                svg,
                "<line x1=\"{tx:.1}\" y1=\"{top}\" x2=\"{tx:.1}\" y2=\"{bottom}\" stroke=\"#e3e6ec\"/>\
                 <text x=\"{tx:.1}\" y=\"{:.1}\" text-anchor=\"middle\" fill=\"#69707d\">{label}</text>",
                bottom + 15.0
            );
        }
        let _ = write!(
            svg,
            "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\" fill=\"#69707d\">{}</text>",
            (left + right) / 2.0,
            bottom + 36.0,
            escape(title)
        );
    }

    /// Horizontal grid lines at `(y, label)`, labelled left of the area.
    fn horizontal(&self, svg: &mut String, ticks: impl Iterator<Item = (f64, String)>) {
        let Grid { left, right, .. } = *self;
        for (ty, label) in ticks {
            let _ = write!(
                svg,
                "<line x1=\"{left}\" y1=\"{ty:.1}\" x2=\"{right:.1}\" y2=\"{ty:.1}\" stroke=\"#e3e6ec\"/><text x=\"{:.1}\" \
                 y=\"{:.1}\" text-anchor=\"end\" fill=\"#69707d\">{label}</text>",
                left - 6.0,
                ty + 4.0
            );
        }
    }
}

/// A byte count: bytes, or KiB and MiB from ten of them.
fn bytes_label(bytes: f64) -> String {
    if bytes >= 10.0 * 1024.0 * 1024.0 {
        format!("{} MiB", tick_label(bytes / (1024.0 * 1024.0)))
    } else if bytes >= 10.0 * 1024.0 {
        format!("{} KiB", tick_label(bytes / 1024.0))
    } else {
        format!("{} B", tick_label(bytes))
    }
}

/// Cumulative body bytes of the representative streamed invocation over time, a step line
/// per candidate that has one, a dot at each chunk.
fn chunk_chart(all: &[Candidate<'_>]) -> String {
    let series: Vec<(&Candidate<'_>, Vec<(f64, u64)>)> = all.iter().filter_map(|c| Some((c, c.chunks()?))).collect();
    if series.is_empty() {
        return String::new();
    }
    let (width, left, right, top, bottom) = (900.0, 64.0, 24.0, 14.0, 294.0);
    let height = bottom + 52.0 + legend_height(series.len());
    let last = series.iter().flat_map(|(_, c)| c.iter().map(|c| c.0)).fold(0.0, f64::max);
    let total = series.iter().map(|(_, c)| c.iter().map(|c| c.1).sum::<u64>()).max().unwrap_or(0) as f64;
    let x = Scale::new([0.0, last].into_iter(), left, width - right, true);
    let y = Scale::new([0.0, total].into_iter(), bottom, top, true);
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" data-chart=\"stream-chunks\" width=\"{width}\" height=\"{height}\" \
         viewBox=\"0 0 {width} {height}\" role=\"img\" aria-label=\"body bytes received over time in one streamed \
         invocation, per candidate\">"
    );
    let grid = Grid { left, right: width - right, top, bottom };
    grid.vertical(&mut svg, x.ticks().into_iter().map(|t| (x.at(t), tick_label(t))), "ms since the request");
    grid.horizontal(&mut svg, y.ticks().into_iter().map(|t| (y.at(t), bytes_label(t))));
    let mut entries = Vec::new();
    for (c, chunks) in &series {
        let mut path = format!("M{:.1} {:.1}", x.at(0.0), y.at(0.0));
        let mut dots = String::new();
        let mut bytes = 0u64;
        for (at, size) in chunks {
            bytes += size;
            let (cx, cy) = (x.at(*at), y.at(bytes as f64));
            let _ = write!(path, "H{cx:.1}V{cy:.1}");
            let _ = write!(dots, "<circle cx=\"{cx:.1}\" cy=\"{cy:.1}\" r=\"3.2\"/>");
        }
        let _ = write!(
            svg,
            "<g data-candidate=\"{}\" data-chunks=\"{}\" data-bytes=\"{bytes}\" data-first-ms=\"{}\" data-last-ms=\"{}\" \
             fill=\"{}\"><path d=\"{path}\" fill=\"none\" stroke=\"{}\" stroke-width=\"2\" stroke-opacity=\"0.85\"/>{dots}</g>",
            escape(c.label),
            chunks.len(),
            chunks[0].0,
            chunks[chunks.len() - 1].0,
            c.colour,
            c.colour
        );
        let note = format!(
            "{} chunk{}, first {} ms, last {} ms",
            chunks.len(),
            if chunks.len() == 1 { "" } else { "s" },
            number(chunks[0].0),
            number(chunks[chunks.len() - 1].0)
        );
        entries.push((*c, note));
    }
    legend(&mut svg, left, bottom + 50.0, &entries);
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

    /// [`doc`] with a latency distribution for `with_cdf` and streamed chunks for
    /// `with_chunks` (candidates by index).
    fn doc_with(with_cdf: &[usize], with_chunks: &[usize]) -> Value {
        let mut doc = doc();
        let candidates = doc["candidates"].as_array_mut().unwrap();
        for &i in with_cdf {
            // 100 µs to 10 ms times the candidate's index plus one: a wide spread.
            let ps = crate::stats::distribution_points();
            let values: Vec<f64> = ps.iter().map(|p| (100.0 + p * 99.0) * (i as f64 + 1.0)).collect();
            candidates[i]["warm_latency_distribution"] =
                json!({"unit": "µs", "count": 600, "percentiles": ps, "values": values});
        }
        for &i in with_chunks {
            let at = |n: f64| n + 0.5 * i as f64;
            candidates[i]["stream_chunk_arrival"] = json!({"run": 1, "picked_from": 20, "chunks": [
                {"at_ms": at(0.2), "bytes": 9}, {"at_ms": at(1.3), "bytes": 9}, {"at_ms": at(2.4), "bytes": 9},
            ]});
        }
        doc
    }

    /// The chart `data-chart="{name}"` of the page, or None.
    fn chart<'a>(page: &'a str, name: &str) -> Option<&'a str> {
        let chart = &page[page.find(&format!("data-chart=\"{name}\""))?..];
        Some(&chart[..chart.find("</svg>")?])
    }

    /// The `<g>` of each candidate in a chart, by label.
    fn series(chart: &str) -> Vec<(&str, &str)> {
        chart
            .split("<g data-candidate=\"")
            .skip(1)
            .map(|g| (g.split('"').next().unwrap(), &g[..g.find("</g>").unwrap()]))
            .collect()
    }

    fn attribute<'a>(g: &'a str, name: &str) -> &'a str {
        g.split(&format!(" {name}=\"")).nth(1).unwrap().split('"').next().unwrap()
    }

    #[test]
    fn the_cdf_has_a_line_per_candidate_with_a_distribution() {
        let page = page(&doc_with(&[0, 2, 3], &[]));
        let cdf = chart(&page, "warm-cdf").expect("a CDF");
        let lines = series(cdf);
        let labels: Vec<&str> = lines.iter().map(|l| l.0).collect();
        assert_eq!(labels, ["floor", "lwa", "&lt;script&gt;alert(1)&lt;/script&gt;"], "the harness has none");
        for (i, (_, g)) in [0, 2, 3].into_iter().zip(&lines) {
            assert_eq!(g.matches("<polyline").count(), 1, "{g}");
            assert_eq!(attribute(g, "data-points"), "102");
            let points = attribute(g, "points").split(' ').count();
            assert_eq!(points, 102, "{g}");
            // The legend and the attributes give the distribution's own p50 and p99.
            let scale = i as f64 + 1.0;
            assert_eq!(attribute(g, "data-p50").parse::<f64>().unwrap(), (100.0 + 50.0 * 99.0) * scale);
            assert_eq!(attribute(g, "data-p99").parse::<f64>().unwrap(), (100.0 + 99.0 * 99.0) * scale);
        }
        // 100 µs to 40 ms: a log axis with round ticks.
        assert!(cdf.contains("data-scale=\"log\"") && cdf.contains("(log scale)"), "{cdf}");
        assert!(cdf.contains(">1000</text>") && cdf.contains(">10000</text>"), "{cdf}");
        assert!(cdf.contains("floor<tspan fill=\"#69707d\"> · p50 5050 · p99 9901 µs</tspan>"), "{cdf}");
        // The missing chart is named, the drawn one is not.
        let not_drawn = &page[page.find("id=\"not-drawn\"").expect("a Not drawn section")..];
        assert!(not_drawn.contains("chunk arrival") && !not_drawn.contains("latency distribution"), "{not_drawn}");
    }

    #[test]
    fn a_narrow_distribution_gets_a_linear_axis() {
        let mut doc = doc_with(&[2], &[]);
        let values: Vec<f64> = (0..102).map(|i| 200.0 + f64::from(i)).collect();
        doc["candidates"][2]["warm_latency_distribution"]["values"] = json!(values);
        let page = page(&doc);
        let cdf = chart(&page, "warm-cdf").expect("a CDF");
        assert!(cdf.contains("data-scale=\"linear\"") && !cdf.contains("log scale"), "{cdf}");
    }

    #[test]
    fn the_chunk_chart_has_a_step_line_per_candidate_with_chunks() {
        let page = page(&doc_with(&[], &[0, 1, 2]));
        let chunks = chart(&page, "stream-chunks").expect("a chunk chart");
        let lines = series(chunks);
        assert_eq!(lines.iter().map(|l| l.0).collect::<Vec<_>>(), ["floor", "harness", "lwa"]);
        for (i, (_, g)) in lines.iter().enumerate() {
            assert_eq!(attribute(g, "data-chunks"), "3");
            assert_eq!(attribute(g, "data-bytes"), "27");
            assert_eq!(attribute(g, "data-first-ms").parse::<f64>().unwrap(), 0.2 + 0.5 * i as f64);
            assert_eq!(g.matches("<circle").count(), 3, "a dot per chunk: {g}");
            // A step line: from zero, along, then up at each chunk.
            let d = attribute(g, "d");
            assert!(d.starts_with('M') && d.matches('H').count() == 3 && d.matches('V').count() == 3, "{d}");
        }
        assert!(chunks.contains(">0 B</text>") && chunks.contains(">20 B</text>"), "bytes on the y axis: {chunks}");
        assert!(
            chunks.contains("lwa<tspan fill=\"#69707d\"> · 3 chunks, first 1.20 ms, last 3.40 ms</tspan>"),
            "{chunks}"
        );
        let not_drawn = &page[page.find("id=\"not-drawn\"").expect("a Not drawn section")..];
        assert!(not_drawn.contains("latency distribution") && !not_drawn.contains("chunk arrival"), "{not_drawn}");
    }

    #[test]
    fn with_both_recorded_nothing_is_left_undrawn() {
        let page = page(&doc_with(&[0, 1, 2, 3], &[0, 1, 2, 3]));
        assert!(chart(&page, "warm-cdf").is_some() && chart(&page, "stream-chunks").is_some());
        assert!(!page.contains("id=\"not-drawn\"") && !page.contains("Not recorded"), "{page}");
    }

    #[test]
    fn without_the_new_fields_both_charts_are_named_as_not_drawn() {
        let page = page(&doc());
        assert!(chart(&page, "warm-cdf").is_none() && chart(&page, "stream-chunks").is_none());
        let not_drawn = &page[page.find("id=\"not-drawn\"").expect("a Not drawn section")..];
        assert!(not_drawn.contains("latency distribution") && not_drawn.contains("chunk arrival"), "{not_drawn}");
        assert_eq!(page.matches("Not recorded in this report.json").count(), 2);
        // A distribution without values is no distribution.
        let mut doc = doc();
        doc["candidates"][0]["warm_latency_distribution"] = json!({"percentiles": [50.0], "values": []});
        assert!(chart(&super::page(&doc), "warm-cdf").is_none());
    }

    #[test]
    fn log_ticks_are_round() {
        assert_eq!(log_ticks(40.0, 25_000.0), [50.0, 100.0, 200.0, 500.0, 1000.0, 2000.0, 5000.0, 10_000.0, 20_000.0]);
        // Less than a decade: every digit.
        assert_eq!(log_ticks(110.0, 450.0), [200.0, 300.0, 400.0]);
        assert_eq!(tick_label(3.0), "3");
        assert_eq!(tick_label(0.5), "0.5");
        assert_eq!(bytes_label(27.0), "27 B");
        assert_eq!(bytes_label(512.0 * 1024.0), "512 KiB");
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
