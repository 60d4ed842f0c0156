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
            {"label": "harness", "kind": "harness", "metrics": {
                "warm_p50_us": metric(&[(0, 60.0), (1, 70.0)]),
                "cpu_per_invocation_us": metric(&[(0, 40.0), (1, 60.0)]),
            }},
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

/// The chart of `key` and the value of its goal line.
fn goal_of<'a>(page: &'a str, key: &str) -> (&'a str, f64) {
    let chart = &page[page.find(&format!("data-metric=\"{key}\"")).unwrap()..];
    let chart = &chart[..chart.find("</svg>").unwrap()];
    let goal: f64 = chart.split("data-goal=\"").nth(1).unwrap().split('"').next().unwrap().parse().unwrap();
    (chart, goal)
}

#[test]
fn goals_are_drawn_against_the_first_adapter_or_the_harness() {
    let page = page(&doc());
    // Cold start at most 0.5x the first adapter's (13 ms).
    let (chart, goal) = goal_of(&page, "cold_start_ms");
    assert!((goal - 6.5).abs() < 1e-9, "{goal}");
    assert!(chart.contains("goal ≤ 0.5× lwa"), "{chart}");
    // CPU per invocation at most 1.10x the harness's (50 µs).
    let (chart, goal) = goal_of(&page, "cpu_per_invocation_us");
    assert!((goal - 55.0).abs() < 1e-9, "{goal}");
    assert!(chart.contains("goal ≤ 1.1× harness"), "{chart}");
    assert!(
        page.contains("(<span class=\"missed\">NOT met</span>)") && page.contains("(<span class=\"met\">met</span>)")
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
    assert!(chunks.contains("lwa<tspan fill=\"#69707d\"> · 3 chunks, first 1.20 ms, last 3.40 ms</tspan>"), "{chunks}");
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
