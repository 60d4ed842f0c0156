//! A run's page: the rules broken, the matrix, every result by area.

use super::*;

/// The rules broken, each with its level, statement and the results that show it; then
/// the results not passed that break no rule (so every one is linked from here).
fn rules(out: &mut String, report: &Report) {
    let broken = report.broken_rules();
    let _ = writeln!(out, "<section id=\"rules\"><h2>Rules broken ({})</h2>", broken.len());
    if broken.is_empty() {
        out.push_str("<p>No rule of the spec (docs/spec.md) is broken.</p>\n");
    } else {
        out.push_str(
            "<p class=\"muted\">A <code>MUST</code> rule broken is a defect (fail); a <code>SHOULD</code> or \
             <code>REFERENCE</code> rule broken is reported as non-strict.</p>\n",
        );
    }
    let mut linked = BTreeSet::new();
    for rule in &broken {
        let statement = report.rules.get(&rule.id).map_or("(not in the spec)", |r| r.statement.as_str());
        let _ = write!(
            out,
            "<article class=\"rule\" id=\"{}\"><h3><span class=\"level level-{level}\">{level}</span> <code>{}</code> \
             <span class=\"muted\">{}, {}</span></h3>\n<blockquote>{}</blockquote>\n",
            rule_anchor(&rule.id),
            escape(&rule.id),
            plural(rule.cases, "case"),
            plural(rule.results, "result"),
            escape(statement),
            level = rule.level.name(),
        );
        let showing: Vec<&CaseResult> = report.results.iter().filter(|r| r.rules.contains(&rule.id)).collect();
        let showing: Vec<&CaseResult> = showing.into_iter().filter(|r| report.breaks(r, &rule.id)).collect();
        let list: String = showing.iter().map(|r| format!("<li>{}</li>", link(r))).collect();
        linked.extend(showing.iter().map(|r| case_anchor(r)));
        if showing.len() <= 12 {
            let _ = writeln!(out, "<ul class=\"links\">{list}</ul></article>");
        } else {
            let n = plural(showing.len(), "result");
            let _ = writeln!(
                out,
                "<details><summary>shown by {n}</summary><ul class=\"links\">{list}</ul></details></article>"
            );
        }
    }
    let others: Vec<&CaseResult> =
        report.results.iter().filter(|r| shown_in_full(r) && !linked.contains(&case_anchor(r))).collect();
    if !others.is_empty() {
        let _ = write!(out, "<h3>Not passed, no rule broken ({})</h3><ul class=\"plain\">", others.len());
        for r in others {
            let _ = write!(out, "<li>{} <span class=\"muted\">{}</span></li>", link(r), escape(first_line(r)));
        }
        out.push_str("</ul>\n");
    }
    out.push_str("</section>\n");
}

/// Areas by targets, each cell coloured by its worst verdict and linking to the area.
fn matrix(out: &mut String, report: &Report) {
    let targets: BTreeSet<String> = report.results.iter().map(CaseResult::target).collect();
    let mut cells: BTreeMap<&str, BTreeMap<String, Vec<&CaseResult>>> = BTreeMap::new();
    for r in &report.results {
        cells.entry(r.area()).or_default().entry(r.target()).or_default().push(r);
    }
    out.push_str("<section id=\"matrix\"><h2>Matrix</h2>\n<p class=\"legend\">");
    for v in VERDICTS {
        let _ = write!(out, "<span>{}</span>", badge(v));
    }
    out.push_str(
        "<span class=\"muted\">each cell: passed / results, coloured by its worst verdict; \
                  click to see the area's cases</span></p>\n<table class=\"matrix\"><thead><tr><th>area</th>",
    );
    for t in &targets {
        let _ = write!(out, "<th>{}</th>", escape(t));
    }
    out.push_str("</tr></thead><tbody>\n");
    for (area, row) in &cells {
        let _ = write!(out, "<tr><th><a href=\"#{}\">{}</a></th>", area_anchor(area), escape(area));
        for t in &targets {
            let Some(results) = row.get(t) else {
                out.push_str("<td class=\"empty\">–</td>");
                continue;
            };
            let worst = results.iter().map(|r| r.verdict).max_by_key(|v| severity(*v)).unwrap_or(Verdict::Pass);
            let counts: Vec<String> = VERDICTS
                .iter()
                .map(|v| (v, results.iter().filter(|r| r.verdict == *v).count()))
                .filter(|(_, n)| *n > 0)
                .map(|(v, n)| format!("{n} {}", v.name()))
                .collect();
            let passed = results.iter().filter(|r| r.verdict == Verdict::Pass).count();
            let _ = write!(
                out,
                "<td class=\"cell v-{}\" data-worst=\"{}\"><a href=\"#{}\" title=\"{}\">{passed}/{}</a></td>",
                worst.name(),
                worst.name(),
                area_anchor(area),
                escape(&counts.join(", ")),
                results.len()
            );
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody></table></section>\n");
}

/// One result in full: what it checks, its rules, its problems and its evidence.
fn article(out: &mut String, report: &Report, result: &CaseResult, broken: &BTreeSet<String>) {
    let _ = write!(
        out,
        "<article class=\"case v-{}\" id=\"{}\"><h3>{} <code>{}</code> <span class=\"muted\">[{}] {} ms</span></h3>\n\
         <p>{}</p>\n<ul class=\"plain\">",
        result.verdict.name(),
        case_anchor(result),
        badge(result.verdict),
        escape(&result.id),
        escape(&result.target()),
        result.duration_ms,
        escape(&result.description)
    );
    for id in &result.rules {
        let level = report.level_of(result, id).name();
        let name = if broken.contains(id) {
            format!("<a href=\"#{}\"><code>{}</code></a>", rule_anchor(id), escape(id))
        } else {
            format!("<code>{}</code>", escape(id))
        };
        let statement = report.rules.get(id).map(|r| format!(" <q>{}</q>", escape(&r.statement))).unwrap_or_default();
        let _ = write!(out, "<li><span class=\"level level-{level}\">{level}</span> {name}{statement}</li>");
    }
    out.push_str("</ul>\n<ul class=\"problems\">");
    // The log lines a failed case lists among its problems are shown whole below.
    let logged = result.detail.as_ref().is_some_and(|d| !d.adapter_log_tail.is_empty());
    for p in result.problems.iter().filter(|p| !(logged && p.starts_with("last adapter log lines:"))) {
        out.push_str(&problem(p));
    }
    out.push_str("</ul>\n");
    if let Some(first) = &result.first_try {
        collapsible(out, "first try (it failed; a second try passed)", &first.join("\n"));
    }
    match &result.detail {
        Some(detail) => {
            if let Some(event) = &detail.event {
                collapsible(out, "event sent", event);
            }
            if let Some(app) = &detail.app_received {
                collapsible(out, "what the app received", &json_text(app));
            }
            if let Some(lambda) = &detail.lambda_received {
                collapsible(out, "what Lambda received", &json_text(lambda));
            }
            if !detail.adapter_log_tail.is_empty() {
                let title = format!("the adapter's last {} log lines", detail.adapter_log_tail.len());
                collapsible(out, &title, &detail.adapter_log_tail.join("\n"));
            }
        }
        None => out.push_str("<p class=\"muted\">No event or observation recorded for this result.</p>\n"),
    }
    out.push_str("</article>\n");
}

/// Every result by area: the ones not passed in full, the others one line each.
fn areas(out: &mut String, report: &Report) {
    let broken: BTreeSet<String> = report.broken_rules().into_iter().map(|b| b.id).collect();
    let mut by_area: BTreeMap<&str, Vec<&CaseResult>> = BTreeMap::new();
    for r in &report.results {
        by_area.entry(r.area()).or_default().push(r);
    }
    for (area, mut results) in by_area {
        results.sort_by_key(|r| std::cmp::Reverse(severity(r.verdict)));
        let full = results.iter().filter(|r| shown_in_full(r)).count();
        let _ = writeln!(
            out,
            "<section class=\"area\" id=\"{}\"><h2>{} <span class=\"muted\">{}, {full} not passed</span></h2>",
            area_anchor(area),
            escape(area),
            plural(results.len(), "result")
        );
        for r in results.iter().filter(|r| shown_in_full(r)) {
            article(out, report, r, &broken);
        }
        let rest: Vec<&&CaseResult> = results.iter().filter(|r| !shown_in_full(r)).collect();
        if !rest.is_empty() {
            let _ =
                write!(out, "<details><summary>{} passed or not run here</summary><ul class=\"plain\">", rest.len());
            for r in rest {
                let why = r.problems.first().map(|p| format!(": {}", escape(p))).unwrap_or_default();
                let _ = write!(
                    out,
                    "<li id=\"{}\">{} <code>{}</code> <span class=\"muted\">[{}] {}{why}</span></li>",
                    case_anchor(r),
                    badge(r.verdict),
                    escape(&r.id),
                    escape(&r.target()),
                    escape(&r.description)
                );
            }
            out.push_str("</ul></details>\n");
        }
        out.push_str("</section>\n");
    }
}

/// The page of one run.
pub fn page(report: &Report) -> String {
    let mut out = String::new();
    head(&mut out, &format!("Conformance report: {}", report.adapter));
    let _ = writeln!(
        out,
        "<header><h1>Conformance report</h1><p>Adapter: <code>{}</code> · {} results in {:.1} s</p><p>{}</p>\n\
         <nav><a href=\"#summary\">Summary</a><a href=\"#rules\">Rules broken</a><a href=\"#matrix\">Matrix</a>\
         <a href=\"#cases\">Cases</a></nav></header>",
        escape(&report.adapter),
        report.results.len(),
        report.elapsed_ms as f64 / 1000.0,
        status(report)
    );
    out.push_str("<section id=\"summary\"><h2>Summary</h2>\n");
    summary(&mut out, report, "");
    out.push_str("</section>\n");
    rules(&mut out, report);
    matrix(&mut out, report);
    out.push_str("<div id=\"cases\"></div>\n");
    areas(&mut out, report);
    out.push_str("<footer class=\"muted\"><p>Written by lwa-conformance; the same run as report.json.</p></footer>\n");
    out.push_str("</body>\n</html>\n");
    out
}
