//! Bar charts of a metric across candidates and by run, and their scale.

use super::*;

/// A round step for about five ticks over `span`.
pub(super) fn tick_step(span: f64) -> f64 {
    let raw = span / 5.0;
    let magnitude = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 2.5, 5.0, 10.0].into_iter().map(|m| m * magnitude).find(|s| *s >= raw);
    step.unwrap_or(magnitude * 10.0)
}

/// A linear scale from `[lo, hi]` onto `[from, to]` pixels.
#[derive(Debug, Clone, Copy)]
pub(super) struct Scale {
    lo: f64,
    hi: f64,
    from: f64,
    to: f64,
}

impl Scale {
    pub(super) fn new(values: impl Iterator<Item = f64>, from: f64, to: f64, with_zero: bool) -> Scale {
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

    pub(super) fn at(&self, v: f64) -> f64 {
        self.from + (v - self.lo) / (self.hi - self.lo) * (self.to - self.from)
    }

    pub(super) fn ticks(&self) -> Vec<f64> {
        let step = tick_step(self.hi - self.lo);
        let first = (self.lo / step).ceil() as i64;
        (first..).map(|i| i as f64 * step).take_while(|t| *t <= self.hi).take(12).collect()
    }
}

/// The goal line of `metric`, if it has one: its value and its text.
pub(super) fn goal(metric: Metric, all: &[Candidate<'_>]) -> Option<(f64, String)> {
    let adapters = all.iter().filter(|c| c.kind == "adapter").count();
    let first_adapter = all.iter().find(|c| c.kind == "adapter");
    let target = TARGETS.iter().find(|t| t.metric == metric)?;
    let sign = if metric.better() == Better::Higher { "≥" } else { "≤" };
    let base = match target.against {
        // A goal relative to the first adapter says something of the others only.
        Against::First => first_adapter.filter(|_| adapters > 1),
        Against::Harness => all.iter().find(|c| c.kind == "harness"),
        Against::Floor => all.iter().find(|c| c.kind == "floor"),
        Against::Value => {
            return Some((target.bound, format!("goal {sign} {} {}", number(target.bound), metric.unit())));
        }
    }?;
    Some((base.median(metric)? * target.bound, format!("goal {sign} {}× {}", target.bound, base.label)))
}

/// A bar: the candidate, its median, and its value in each run.
pub(super) type Bar<'c, 'a> = (&'c Candidate<'a>, f64, Vec<(u64, f64)>);

/// The bar chart of one metric; empty when no candidate has it.
pub(super) fn bar_chart(metric: Metric, all: &[Candidate<'_>]) -> String {
    let rows: Vec<Bar<'_, '_>> = all
        .iter()
        .filter(|c| c.kind != "floor" || metric.floor_has())
        .filter_map(|c| Some((c, c.median(metric)?, c.per_run(metric))))
        .collect();
    if rows.is_empty() {
        return String::new();
    }
    let goal = goal(metric, all);
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
pub(super) fn by_run_chart(metric: Metric, all: &[Candidate<'_>]) -> String {
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
