//! The warm latency distribution (a CDF per candidate) and a streamed invocation's chunk
//! arrival, with their axes, grid and legend.

use super::*;

/// Ticks for a log axis over `[lo, hi]` (both above zero): 1, 2 and 5 times the powers of
/// ten inside it, or every digit times them when that gives fewer than three.
pub(super) fn log_ticks(lo: f64, hi: f64) -> Vec<f64> {
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
pub(super) enum Axis {
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
    pub(super) fn new(values: &[f64], from: f64, to: f64) -> Axis {
        let (lo, hi) = values.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| (lo.min(*v), hi.max(*v)));
        if lo > 0.0 && hi.is_finite() && hi / lo >= 10.0 {
            Axis::Log { lo: (lo / 1.15).log10(), hi: (hi * 1.15).log10(), from, to }
        } else {
            Axis::Linear(Scale::new(values.iter().copied(), from, to, false))
        }
    }

    pub(super) fn at(&self, v: f64) -> f64 {
        match self {
            Axis::Linear(scale) => scale.at(v),
            Axis::Log { lo, hi, from, to } => from + (v.max(1e-12).log10() - lo) / (hi - lo) * (to - from),
        }
    }

    pub(super) fn ticks(&self) -> Vec<f64> {
        match self {
            Axis::Linear(scale) => scale.ticks(),
            Axis::Log { lo, hi, .. } => log_ticks(10f64.powf(*lo), 10f64.powf(*hi)),
        }
    }

    pub(super) fn is_log(&self) -> bool {
        matches!(self, Axis::Log { .. })
    }
}

/// The value at percentile `p` of a distribution (the first point at or above it).
pub(super) fn at_percentile(points: &[(f64, f64)], p: f64) -> Option<f64> {
    points.iter().find(|(q, _)| *q >= p).map(|(_, v)| *v)
}

/// The legend under a chart, from `top`: a line per series with its swatch, label and
/// `note`. Its height is [`legend_height`].
pub(super) fn legend(svg: &mut String, left: f64, top: f64, entries: &[(&Candidate<'_>, String)]) {
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

pub(super) fn legend_height(entries: usize) -> f64 {
    20.0 * entries as f64
}

/// A tick's label: whole numbers without decimals.
pub(super) fn tick_label(t: f64) -> String {
    if (t - t.round()).abs() < 1e-9 {
        format!("{t:.0}")
    } else {
        number(t)
    }
}

/// The CDF of the warm small-event latencies, a line per candidate that has them.
pub(super) fn cdf_chart(all: &[Candidate<'_>]) -> String {
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
pub(super) struct Grid {
    left: f64,
    right: f64,
    top: f64,
    bottom: f64,
}

impl Grid {
    /// Vertical grid lines at `(x, label)`, labelled under the area, and the axis title.
    pub(super) fn vertical(&self, svg: &mut String, ticks: impl Iterator<Item = (f64, String)>, title: &str) {
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
    pub(super) fn horizontal(&self, svg: &mut String, ticks: impl Iterator<Item = (f64, String)>) {
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
pub(super) fn bytes_label(bytes: f64) -> String {
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
pub(super) fn chunk_chart(all: &[Candidate<'_>]) -> String {
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
