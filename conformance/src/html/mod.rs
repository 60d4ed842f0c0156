//! The HTML report: one self-contained page per run (inline CSS, no script, no network;
//! a Content-Security-Policy forbids both), and a page comparing two runs.
//!
//! A run's page has, in order: the summary per target (app / arch / host) with a total
//! row equal to the report's counts, the rules broken with the cases that show them, a
//! matrix of areas by targets coloured by the worst verdict, then every result by area:
//! each one not passed with its problems (expected vs got), its first try and what it
//! sent and saw, in collapsible `<details>`. Every result has the anchor
//! [`case_anchor`]. All text is escaped ([`escape`]).
//!
//! ```
//! use lwa_conformance::report::Report;
//! let page = lwa_conformance::html::page(&Report::new("<adapter>".into()));
//! assert!(page.starts_with("<!DOCTYPE html>") && page.contains("&lt;adapter&gt;"));
//! assert!(!page.contains("<script"));
//! ```

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use crate::report::{CaseResult, Report, Verdict};

/// Every verdict, in the order of the report's columns.
const VERDICTS: [Verdict; 5] =
    [Verdict::Pass, Verdict::Fail, Verdict::NonStrict, Verdict::Unimplemented, Verdict::NoExpectation];

const STYLE: &str = "body{font:15px/1.45 system-ui,-apple-system,'Segoe UI',sans-serif;margin:0 auto;max-width:1320px;\
padding:0 24px 48px;color:#1d2430;background:#fbfbfd}h1{margin:24px 0 4px}h2{margin-top:36px;\
border-bottom:2px solid #dde1e8;padding-bottom:4px}h3{margin:0 0 6px;font-size:16px}\
code,pre{font-family:ui-monospace,'DejaVu Sans Mono',monospace;font-size:13px}pre{background:#f1f3f7;\
border:1px solid #dde1e8;padding:8px;overflow:auto;max-height:420px;white-space:pre-wrap;word-break:break-all}\
a{color:#1a56b8}nav a{margin-right:14px}table{border-collapse:collapse;margin:8px 0}th,td{border:1px solid #d5dae3;\
padding:4px 10px;text-align:right}th:first-child{text-align:left}thead th{background:#eef1f6}\
tfoot th,tfoot td{font-weight:700;background:#eef1f6}.muted{color:#69707d;font-weight:400}\
.status{display:inline-block;padding:6px 14px;border-radius:6px;font-weight:700;color:#fff}\
.status.ok{background:#2e7d32}.status.bad{background:#c62828}.verdict,.level{display:inline-block;padding:0 7px;\
border-radius:10px;font-size:12px;font-weight:700;color:#fff;vertical-align:1px;white-space:nowrap}\
:is(.verdict,td.cell).v-pass{background:#2e7d32}:is(.verdict,td.cell).v-fail{background:#c62828}\
:is(.verdict,td.cell).v-non-strict{background:#e08a00}:is(.verdict,td.cell).v-unimplemented{background:#7d8590}\
:is(.verdict,td.cell).v-no-expectation{background:#7b3fb5}.verdict.v-absent{background:#b0b6c0}\
.level{background:#394457}.level-MUST{background:#8e1b1b}.level-SHOULD{background:#9a5b00}td.cell{text-align:center;\
padding:0}td.cell a{display:block;padding:4px 10px;color:#fff;text-decoration:none;font-weight:600}\
td.empty{background:#f1f3f7;text-align:center}article{background:#fff;border:1px solid #dde1e8;\
border-left:6px solid #7d8590;border-radius:6px;padding:12px 16px;margin:12px 0}\
article.v-fail{border-left-color:#c62828}article.v-non-strict{border-left-color:#e08a00}\
article.v-no-expectation{border-left-color:#7b3fb5}article:target{outline:3px solid #1a56b8}\
li:target{background:#fff3c4}blockquote{margin:6px 0;padding:4px 12px;border-left:4px solid #c9cfda;color:#3c4453;\
background:#f6f7fa}ul.problems{background:#fff5f5;border:1px solid #f2c4c4;border-radius:6px;padding:8px 8px 8px 28px}\
ul.problems li{white-space:pre-wrap;font-family:ui-monospace,'DejaVu Sans Mono',monospace;font-size:13px;margin:3px 0}\
.where{font-weight:700}.expected{background:#d9f2dc;color:#0f4d16;padding:0 2px}.got{background:#ffd6d6;color:#8a1111;\
padding:0 2px}li.note{color:#69707d}details{margin:6px 0}summary{cursor:pointer;font-weight:600}\
.legend span{margin-right:10px}ul.links{list-style:none;padding:0;margin:6px 0 0;display:flex;flex-wrap:wrap;\
gap:4px 22px}article.rule{padding:8px 14px;margin:8px 0}table.left{width:100%}table.left :is(th,td){text-align:left;\
vertical-align:top;overflow-wrap:anywhere}table.left summary{font-weight:400}.pair{display:flex;gap:24px;\
flex-wrap:wrap}.pair>div{flex:1 1 560px;min-width:0;overflow-x:auto}.pair table{font-size:13px}\
.pair :is(th,td){padding:3px 6px}.nowrap{white-space:nowrap}ul.plain{list-style:none;padding-left:4px}";

/// `text` safe in HTML text and in quoted attribute values.
///
/// ```
/// assert_eq!(lwa_conformance::html::escape("<a href=\"x\">'&'</a>"),
///     "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
/// ```
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// `text` as a fragment-safe anchor part: ASCII letters, digits, `-`, `.`, `_` and `/`
/// kept, every other byte written `~xx` (so distinct texts stay distinct).
fn slug(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'/') {
            out.push(char::from(b));
        } else {
            let _ = write!(out, "~{b:02x}");
        }
    }
    out
}

/// The anchor of a result on its run's page: `case-<id>-<target>`, made fragment-safe.
///
/// ```
/// # use lwa_conformance::report::{CaseResult, Verdict};
/// # let r: CaseResult = serde_json::from_value(serde_json::json!({"id": "request/a b", "description": "",
/// #     "app": "echo", "arch": "x86_64", "host": "process", "verdict": "fail", "problems": [],
/// #     "duration_ms": 1, "first_try": null})).unwrap();
/// assert_eq!(lwa_conformance::html::case_anchor(&r), "case-request/a~20b-echo/x86_64");
/// ```
pub fn case_anchor(result: &CaseResult) -> String {
    format!("case-{}-{}", slug(&result.id), slug(&result.target()))
}

fn rule_anchor(id: &str) -> String {
    format!("rule-{}", slug(id))
}

fn area_anchor(area: &str) -> String {
    format!("area-{}", slug(area))
}

/// How bad a verdict is, for colouring a cell by its worst result.
fn severity(verdict: Verdict) -> u8 {
    match verdict {
        Verdict::Pass => 0,
        Verdict::Unimplemented => 1,
        Verdict::NonStrict => 2,
        Verdict::NoExpectation => 3,
        Verdict::Fail => 4,
    }
}

/// Whether a result gets a full article (the others are listed in one line each).
fn shown_in_full(result: &CaseResult) -> bool {
    matches!(result.verdict, Verdict::Fail | Verdict::NonStrict | Verdict::NoExpectation)
}

/// `1 case`, `2 cases`.
fn plural(n: usize, word: &str) -> String {
    format!("{n} {word}{}", if n == 1 { "" } else { "s" })
}

fn badge(verdict: Verdict) -> String {
    format!("<span class=\"verdict v-{0}\">{0}</span>", verdict.name())
}

fn head(out: &mut String, title: &str) {
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{}</title>\n\
         <style>{STYLE}</style>\n</head>\n<body>\n",
        escape(title)
    );
}

fn status(report: &Report) -> String {
    let counts: Vec<String> = VERDICTS.iter().map(|v| format!("{} {}", report.count(*v), v.name())).collect();
    let (class, word) = if report.failed() { ("bad", "FAILED") } else { ("ok", "PASSED") };
    format!("<span class=\"status {class}\">{word}</span> <span class=\"muted\">{}</span>", counts.join(", "))
}

/// The summary table: one row per target, and a total row (`id="summary-total{key}"`)
/// whose cells (`data-count="<verdict>"`) are the report's counts.
pub(crate) fn summary(out: &mut String, report: &Report, key: &str) {
    let mut rows: BTreeMap<String, [usize; 5]> = BTreeMap::new();
    for r in &report.results {
        rows.entry(r.target()).or_default()[r.verdict as usize] += 1;
    }
    let _ = write!(out, "<table class=\"summary\" id=\"summary{key}\"><thead><tr><th>target</th>");
    for v in VERDICTS {
        let _ = write!(out, "<th>{}</th>", badge(v));
    }
    out.push_str("<th>total</th></tr></thead>\n<tbody>\n");
    let row = |out: &mut String, attrs: String, name: &str, counts: [usize; 5]| {
        let _ = write!(out, "<tr {attrs}><th>{}</th>", escape(name));
        for v in VERDICTS {
            let _ = write!(out, "<td data-count=\"{}\">{}</td>", v.name(), counts[v as usize]);
        }
        let _ = writeln!(out, "<td data-count=\"total\">{}</td></tr>", counts.iter().sum::<usize>());
    };
    for (target, counts) in rows {
        row(out, format!("data-target=\"{}\"", escape(&target)), &target, counts);
    }
    out.push_str("</tbody>\n<tfoot>");
    row(out, format!("id=\"summary-total{key}\" data-target=\"all\""), "total", VERDICTS.map(|v| report.count(v)));
    out.push_str("</tfoot></table>\n");
}

fn link(result: &CaseResult) -> String {
    format!(
        "<a href=\"#{}\">{} <code>{}</code> <span class=\"muted\">[{}]</span></a>",
        case_anchor(result),
        badge(result.verdict),
        escape(&result.id),
        escape(&result.target())
    )
}

/// A problem line with its parts marked: `<where>: expected <expected>, got <got>`.
fn problem(text: &str) -> String {
    if let Some((place, rest)) = text.split_once(": expected ") {
        let (expected, got) = match rest.rsplit_once(", got ") {
            Some((expected, got)) => (expected, got),
            None => match rest.strip_suffix(", missing") {
                Some(expected) => (expected, "missing"),
                None => return format!("<li>{}</li>", escape(text)),
            },
        };
        return format!(
            "<li><span class=\"where\">{}</span>: expected <span class=\"expected\">{}</span>, got <span \
             class=\"got\">{}</span></li>",
            escape(place),
            escape(expected),
            escape(got)
        );
    }
    if let Some((place, got)) = text.split_once(": unexpected ") {
        return format!(
            "<li><span class=\"where\">{}</span>: unexpected <span class=\"got\">{}</span></li>",
            escape(place),
            escape(got)
        );
    }
    let class = if text.starts_with("last adapter log lines:") { " class=\"note\"" } else { "" };
    format!("<li{class}>{}</li>", escape(text))
}

fn collapsible(out: &mut String, title: &str, body: &str) {
    let _ = writeln!(out, "<details><summary>{}</summary><pre>{}</pre></details>", escape(title), escape(body));
}

fn json_text(value: &serde_json::Value) -> String {
    serde_json::to_string_pretty(value).unwrap_or_else(|_| value.to_string())
}

fn first_line(result: &CaseResult) -> &str {
    result.problems.first().and_then(|p| p.lines().next()).unwrap_or_default()
}

mod compare;
mod page;

pub use compare::comparison_page;
pub use page::page;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::CaseDetail;
    use crate::spec::{Level, Rule};

    fn result(id: &str, app: &str, verdict: Verdict, problems: &[&str]) -> CaseResult {
        CaseResult {
            id: id.into(),
            description: format!("{id} does what it should"),
            app: app.into(),
            arch: "x86_64".into(),
            host: "process".into(),
            verdict,
            problems: problems.iter().map(|p| (*p).to_owned()).collect(),
            rules: vec!["REQ-A".into()],
            level: if verdict == Verdict::NonStrict { Level::Should } else { Level::Must },
            duration_ms: 3,
            first_try: None,
            detail: None,
        }
    }

    fn report() -> Report {
        let mut report = Report::new("target/debug/lambda-adapter (x86_64)".into());
        let rule = |id: &str, level| Rule { id: id.into(), level, statement: format!("{id} <holds> & stays.") };
        report.rules.insert("REQ-A".into(), rule("REQ-A", Level::Must));
        report.rules.insert("REQ-B".into(), rule("REQ-B", Level::Should));
        let mut failed = result("request/path", "echo", Verdict::Fail, &["lambda /statusCode: expected 200, got 502"]);
        failed.detail = Some(CaseDetail {
            event: Some("{\n  \"rawPath\": \"/\"\n}".into()),
            app_received: Some(serde_json::json!([{"method": "GET"}])),
            lambda_received: Some(serde_json::json!({"outcome": "response"})),
            adapter_log_tail: vec!["INFO started".into()],
        });
        let mut non_strict = result("response/gzip", "express", Verdict::NonStrict, &["/a: expected 1, missing"]);
        non_strict.rules = vec!["REQ-B".into()];
        non_strict.first_try = Some(vec!["timed out".into()]);
        report.results = vec![
            failed,
            non_strict,
            result("request/other", "echo", Verdict::Pass, &[]),
            result("request/other", "express", Verdict::Pass, &[]),
            result("config/echo-only", "express", Verdict::Unimplemented, &["an echo-app route"]),
            result("corpus/alb/get.json", "echo", Verdict::NoExpectation, &["no expectation recorded: x.snap"]),
        ];
        report.finish(std::time::Duration::from_millis(1200));
        report
    }

    /// The text between `start` and the next `end` after it.
    fn between<'a>(page: &'a str, start: &str, end: &str) -> &'a str {
        let from = page.find(start).unwrap_or_else(|| panic!("{start} in the page"));
        let rest = &page[from..];
        &rest[..rest.find(end).unwrap_or(rest.len())]
    }

    /// The `data-count` cells of a table row, by verdict name.
    fn counts(row: &str) -> BTreeMap<String, usize> {
        row.split("<td data-count=\"")
            .skip(1)
            .map(|cell| {
                let (name, rest) = cell.split_once("\">").unwrap();
                (name.to_owned(), rest[..rest.find('<').unwrap()].parse().unwrap())
            })
            .collect()
    }

    #[test]
    fn a_script_anywhere_in_the_report_renders_inert() {
        let mut report = report();
        let evil = "<script>alert(1)</script>";
        report.adapter = format!("{evil}\"'");
        let failed = report.results.iter_mut().find(|r| r.id == "request/path").unwrap();
        failed.id = format!("request/{evil}");
        failed.description = evil.into();
        failed.problems.push(format!("header x: expected {evil}, got <img src=x onerror=alert(2)>"));
        failed.detail.as_mut().unwrap().adapter_log_tail.push(evil.into());
        failed.rules.push(evil.into());
        let anchor = case_anchor(failed);
        let a = report.clone();
        for page in [page(&report), comparison_page(&a, &Report::new(evil.into()))] {
            let lower = page.to_lowercase();
            assert!(!lower.contains("<script") && !lower.contains("<img"), "{page}");
            assert!(page.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
        }
        // The anchor of such an id is fragment-safe and still unique.
        assert!(anchor.chars().all(|c| c.is_ascii_alphanumeric() || "-./_~".contains(c)), "{anchor}");
        assert!(page(&report).contains(&format!("id=\"{anchor}\"")));
    }

    #[test]
    fn the_summary_counts_are_the_reports() {
        let report = report();
        let page = page(&report);
        let total = counts(between(&page, "<tr id=\"summary-total\"", "</tr>"));
        for v in VERDICTS {
            assert_eq!(total[v.name()], report.count(v), "{}", v.name());
        }
        assert_eq!(total["total"], report.results.len());
        // The targets' rows add up to the total.
        let body = between(&page, "<table class=\"summary\"", "</tbody>");
        let mut sum: BTreeMap<String, usize> = BTreeMap::new();
        for row in body.split("<tr data-target=").skip(1) {
            for (name, n) in counts(row) {
                *sum.entry(name).or_default() += n;
            }
        }
        assert_eq!(sum, total);
        assert!(
            page.contains("<tr data-target=\"express/x86_64\"><th>express/x86_64</th><td data-count=\"pass\">1</td>")
        );
        assert!(page.contains("status bad\">FAILED"));
    }

    #[test]
    fn every_result_not_passed_has_its_anchor_linked_from_the_rules_and_the_matrix() {
        let report = report();
        let page = page(&report);
        let rules = between(&page, "<section id=\"rules\">", "</section>");
        let matrix = between(&page, "<section id=\"matrix\">", "</section>");
        for r in &report.results {
            let anchor = case_anchor(r);
            assert_eq!(page.matches(&format!("id=\"{anchor}\"")).count(), 1, "{anchor}");
            let area =
                between(&page, &format!("<section class=\"area\" id=\"{}\">", area_anchor(r.area())), "</section>");
            assert!(area.contains(&format!("id=\"{anchor}\"")), "{anchor} in its area");
            assert!(matrix.contains(&format!("href=\"#{}\"", area_anchor(r.area()))), "{}", r.area());
            if shown_in_full(r) {
                assert!(rules.contains(&format!("href=\"#{anchor}\"")), "{anchor} linked from the rules");
            }
        }
        // The rule is quoted with its level, and its case's problem is marked up.
        assert!(rules.contains("level-MUST\">MUST</span> <code>REQ-A</code>"), "{rules}");
        assert!(rules.contains("REQ-A &lt;holds&gt; &amp; stays."), "{rules}");
        let failed = report.results.iter().find(|r| r.id == "request/path").unwrap();
        let failed = between(&page, &format!("id=\"{}\"", case_anchor(failed)), "</article>");
        assert!(failed.contains(
            "<span class=\"where\">lambda /statusCode</span>: expected <span class=\"expected\">200</span>, got <span class=\"got\">502</span>"
        ), "{failed}");
        assert!(failed.contains("<summary>event sent</summary><pre>{\n  &quot;rawPath&quot;: &quot;/&quot;\n}</pre>"));
        assert!(failed.contains("the adapter&#39;s last 1 log lines"), "{failed}");
        // The matrix cell of the failed area is coloured by its worst verdict.
        assert!(matrix.contains("class=\"cell v-fail\""), "{matrix}");
        assert!(page.contains("expected <span class=\"expected\">1</span>, got <span class=\"got\">missing</span>"));
    }

    #[test]
    fn a_comparison_shows_the_rules_and_cases_that_differ() {
        let first = report();
        let mut second = report();
        for r in &mut second.results {
            if r.id == "request/path" {
                (r.verdict, r.problems) = (Verdict::Pass, Vec::new());
            }
        }
        let page = comparison_page(&first, &second);
        assert!(page.contains("id=\"summary-total-1\"") && page.contains("id=\"summary-total-2\""));
        let rule = between(&page, "<tr data-rule=\"REQ-A\">", "</tr>");
        assert!(rule.contains("broken</span> 1 case,") && rule.contains("not broken"), "{rule}");
        let differences = between(&page, "<section id=\"differences\">", "</section>");
        assert!(differences.contains("Cases whose verdicts differ (1)"), "{differences}");
        assert!(differences.contains("<code>request/path</code>") && differences.contains("expected 200"));
        assert!(!differences.contains("response/gzip"), "same verdict in both runs");
    }
}
