//! Verdicts and reports: a terminal matrix, JSON, JUnit XML, Markdown and HTML.
//!
//! This module holds the data model of a run (verdicts, results, the report and the rules
//! it breaks); `render` turns a report into text, Markdown, JUnit XML and files.

use std::collections::BTreeMap;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::spec::{Level, Rule};

mod render;

/// The judgement on one case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    /// Every expectation held.
    Pass,
    /// A strict expectation failed.
    Fail,
    /// Only expectations of a non-strict case failed.
    NonStrict,
    /// The case needs something this run cannot provide (a route the app lacks, an
    /// architecture that cannot run here).
    Unimplemented,
    /// There was nothing to judge the observation against (a corpus event whose reference
    /// snapshot is missing or unreadable): not a pass, since nothing was checked.
    NoExpectation,
}

impl Verdict {
    /// The lowercase name used in every report.
    pub fn name(self) -> &'static str {
        match self {
            Verdict::Pass => "pass",
            Verdict::Fail => "fail",
            Verdict::NonStrict => "non-strict",
            Verdict::Unimplemented => "unimplemented",
            Verdict::NoExpectation => "no-expectation",
        }
    }
}

/// One case, run once (for one app and architecture).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CaseResult {
    /// `<area>/<slug>`.
    pub id: String,
    /// What it checks.
    pub description: String,
    /// The app it ran against.
    pub app: String,
    /// The architecture of the adapter binary.
    pub arch: String,
    /// Where the adapter and the app ran: `process` (this machine) or `container` (the
    /// app's Lambda container image).
    pub host: String,
    /// The judgement.
    pub verdict: Verdict,
    /// Every failed expectation (or why the case could not run).
    pub problems: Vec<String>,
    /// The rules of `docs/spec.md` the case checks (for a corpus event, the corpus rule
    /// it was judged by).
    #[serde(default)]
    pub rules: Vec<String>,
    /// The strongest level among `rules`: what a failure of this case means.
    #[serde(default)]
    pub level: Level,
    /// Wall time.
    pub duration_ms: u64,
    /// The first try failed and a second one did not: what the first try saw. A case
    /// that fails twice stays failed; one that passes only on a second try is counted
    /// apart (timing under load on a small machine, or a flaky adapter).
    pub first_try: Option<Vec<String>>,
    /// What the case sent and saw, for a result that did not pass (absent for a pass, to
    /// keep report.json small, and in reports of older runs).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<CaseDetail>,
}

/// What one run of a case sent and saw: the evidence behind its problems, shown by the
/// HTML report. Every part is optional: a case that could not be staged has no
/// observation, and the container host's agent or an older report may lack some.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CaseDetail {
    /// The event sent to the function: pretty JSON, or the raw text when it is not JSON.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event: Option<String>,
    /// What the app received (the normalised requests, one per request).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub app_received: Option<serde_json::Value>,
    /// What Lambda received from the adapter (the normalised outcome: response, error
    /// document or stream).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lambda_received: Option<serde_json::Value>,
    /// The adapter's last log lines (at most [`CaseDetail::LOG_TAIL`]).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub adapter_log_tail: Vec<String>,
}

impl CaseDetail {
    /// How many of the adapter's last log lines a detail keeps.
    pub const LOG_TAIL: usize = 20;

    /// The event as shown: pretty JSON when it parses, else the bytes as (lossy) text.
    pub fn show_event(bytes: &[u8]) -> String {
        serde_json::from_slice::<serde_json::Value>(bytes)
            .ok()
            .and_then(|v| serde_json::to_string_pretty(&v).ok())
            .unwrap_or_else(|| String::from_utf8_lossy(bytes).into_owned())
    }

    /// The last [`CaseDetail::LOG_TAIL`] lines of `log`.
    pub fn log_tail(log: &str) -> Vec<String> {
        let lines: Vec<&str> = log.lines().collect();
        lines[lines.len().saturating_sub(Self::LOG_TAIL)..].iter().map(|l| (*l).to_owned()).collect()
    }
}

impl CaseResult {
    /// `app/arch`, with `/container` for the container host.
    pub fn target(&self) -> String {
        if self.host == "process" {
            format!("{}/{}", self.app, self.arch)
        } else {
            format!("{}/{}/{}", self.app, self.arch, self.host)
        }
    }

    /// The area (first id segment).
    pub fn area(&self) -> &str {
        self.id.split('/').next().unwrap_or("")
    }

    /// The verdict of a case whose expectations did not hold: `fail` when it checks a
    /// `MUST` rule, otherwise `non-strict`.
    pub fn broken(level: Level) -> Verdict {
        if level == Level::Must {
            Verdict::Fail
        } else {
            Verdict::NonStrict
        }
    }
}

/// A rule a run broke, with how it showed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BrokenRule {
    /// The rule's id.
    pub id: String,
    /// Its level.
    pub level: Level,
    /// How many distinct cases broke it.
    pub cases: usize,
    /// How many results (a case on each app, architecture and host) broke it.
    pub results: usize,
    /// One of them, `id [target]`.
    pub example: String,
}

/// A whole run.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Report {
    /// The adapter binary judged.
    pub adapter: String,
    /// Every result.
    pub results: Vec<CaseResult>,
    /// Wall time of the run.
    pub elapsed_ms: u64,
    /// The spec's rules the results cite, by id.
    #[serde(default)]
    pub rules: BTreeMap<String, Rule>,
}

impl Report {
    /// An empty report for `adapter`.
    pub fn new(adapter: String) -> Self {
        Report { adapter, results: Vec::new(), elapsed_ms: 0, rules: BTreeMap::new() }
    }

    /// Sets the run's wall time.
    pub fn finish(&mut self, elapsed: Duration) {
        self.elapsed_ms = elapsed.as_millis() as u64;
        self.results.sort_by(|a, b| (&a.id, &a.app, &a.arch, &a.host).cmp(&(&b.id, &b.app, &b.arch, &b.host)));
    }

    /// How many results have `verdict`.
    pub fn count(&self, verdict: Verdict) -> usize {
        self.results.iter().filter(|r| r.verdict == verdict).count()
    }

    /// Whether the run fails: a case failed, or one had no expectation to be judged
    /// against (what was not checked did not pass).
    pub fn failed(&self) -> bool {
        self.count(Verdict::Fail) + self.count(Verdict::NoExpectation) > 0
    }

    /// The level of rule `id` (from the spec; the result's own level for a rule the
    /// report does not hold).
    pub fn level_of(&self, result: &CaseResult, id: &str) -> Level {
        self.rules.get(id).map_or(result.level, |rule| rule.level)
    }

    /// Whether `result` breaks the rule `id` it cites: a failed case breaks its `MUST`
    /// rules, a non-strict one all of them.
    pub fn breaks(&self, result: &CaseResult, id: &str) -> bool {
        match result.verdict {
            Verdict::Fail => self.level_of(result, id) == Level::Must,
            Verdict::NonStrict => true,
            Verdict::Pass | Verdict::Unimplemented | Verdict::NoExpectation => false,
        }
    }

    /// The rules broken in this run, strongest level first: each with the results that
    /// broke it (a failed case breaks the rules it cites at its verdict's level: its
    /// `MUST` rules when it failed, all of them when it is non-strict).
    pub fn broken_rules(&self) -> Vec<BrokenRule> {
        let mut by_rule: BTreeMap<(Level, String), Vec<&CaseResult>> = BTreeMap::new();
        for r in &self.results {
            for id in r.rules.iter().filter(|id| self.breaks(r, id)) {
                by_rule.entry((self.level_of(r, id), id.clone())).or_default().push(r);
            }
        }
        by_rule
            .into_iter()
            .map(|((level, id), results)| BrokenRule {
                cases: results.iter().map(|r| r.id.as_str()).collect::<std::collections::BTreeSet<_>>().len(),
                results: results.len(),
                example: results.first().map(|r| format!("{} [{}]", r.id, r.target())).unwrap_or_default(),
                id,
                level,
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(super) fn result(id: &str, verdict: Verdict) -> CaseResult {
        CaseResult {
            id: id.into(),
            description: "d <x>".into(),
            app: "echo".into(),
            arch: "x86_64".into(),
            host: "process".into(),
            verdict,
            problems: if verdict == Verdict::Pass { vec![] } else { vec!["expected \"a\" & got b".into()] },
            rules: vec!["REQ-A".into()],
            level: if verdict == Verdict::NonStrict { Level::Reference } else { Level::Must },
            duration_ms: 5,
            first_try: None,
            detail: None,
        }
    }

    /// The details of a result not passed (issue 17) are optional both ways: a report of an
    /// older run has none, and a pass never carries any.
    #[test]
    fn details_are_optional_and_only_kept_for_results_not_passed() {
        let old = r#"{"adapter": "a", "elapsed_ms": 1, "results": [{"id": "request/a", "description": "d",
            "app": "echo", "arch": "x86_64", "host": "process", "verdict": "fail", "problems": ["p"],
            "duration_ms": 1, "first_try": null}]}"#;
        let report: Report = serde_json::from_str(old).unwrap();
        assert_eq!(report.results[0].detail, None);
        let mut failed = result("request/b", Verdict::Fail);
        failed.detail = Some(CaseDetail {
            event: Some(CaseDetail::show_event(br#"{"a":1}"#)),
            adapter_log_tail: CaseDetail::log_tail(&(1..=30).map(|n| format!("line {n}\n")).collect::<String>()),
            ..CaseDetail::default()
        });
        let json = serde_json::to_value(&failed).unwrap();
        assert_eq!(json["detail"]["event"], "{\n  \"a\": 1\n}");
        assert_eq!(json["detail"]["adapter_log_tail"][0], "line 11");
        assert_eq!(json["detail"]["adapter_log_tail"].as_array().unwrap().len(), CaseDetail::LOG_TAIL);
        assert!(json["detail"].get("app_received").is_none(), "absent parts are left out: {json}");
        assert!(serde_json::to_value(result("request/c", Verdict::Pass)).unwrap().get("detail").is_none());
        assert_eq!(CaseDetail::show_event(b"not json"), "not json");
    }

    /// A failed case breaks its MUST rules; a non-strict one breaks every rule it cites.
    #[test]
    fn broken_rules_follow_the_verdicts_level() {
        let mut report = Report::new("adapter".into());
        let rule = |id: &str, level| Rule { id: id.into(), level, statement: format!("{id} holds.") };
        report.rules.insert("MUST-A".into(), rule("MUST-A", Level::Must));
        report.rules.insert("REF-B".into(), rule("REF-B", Level::Reference));
        let mut failed = result("request/a", Verdict::Fail);
        failed.rules = vec!["MUST-A".into(), "REF-B".into()];
        let mut non_strict = result("request/b", Verdict::NonStrict);
        non_strict.rules = vec!["REF-B".into()];
        let mut passed = result("request/c", Verdict::Pass);
        passed.rules = vec!["MUST-A".into()];
        report.results = vec![failed, non_strict, passed];
        let broken: Vec<(String, Level, usize)> =
            report.broken_rules().into_iter().map(|b| (b.id, b.level, b.results)).collect();
        assert_eq!(broken, [("MUST-A".to_owned(), Level::Must, 1), ("REF-B".to_owned(), Level::Reference, 1)]);
        let markdown = report.to_markdown();
        let table = markdown.find("## Rules broken").expect("the broken rules come first");
        assert!(table < markdown.find("| app/arch |").unwrap(), "{markdown}");
        assert!(
            markdown.contains("| `MUST-A` | MUST | 1 | 1 | `request/a [echo/x86_64]` | MUST-A holds. |"),
            "{markdown}"
        );
        assert!(report.to_text().contains("Rules broken (2):"));
        let json = serde_json::to_string(&report).unwrap();
        let back: Report = serde_json::from_str(&json).unwrap();
        assert_eq!(back.broken_rules().len(), 2);
    }
}
