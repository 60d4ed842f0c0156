//! The renderings of a report: the terminal summary, Markdown, JUnit XML, and the files
//! a run writes.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use super::{BrokenRule, CaseResult, Report, Verdict};

impl Report {
    /// One line per broken rule: id, level, how many results, one example, the statement.
    fn broken_rules_lines(&self, markdown: bool) -> Vec<String> {
        self.broken_rules()
            .into_iter()
            .map(|BrokenRule { id, level, cases, results, example }| {
                let statement = self.rules.get(&id).map(|r| r.statement.as_str()).unwrap_or("(not in the spec)");
                if markdown {
                    format!(
                        "| `{id}` | {level} | {cases} | {results} | `{example}` | {} |",
                        statement.replace('|', "\\|")
                    )
                } else {
                    format!("{level:<9} {id}: {cases} cases ({results} results), e.g. {example}\n          {statement}")
                }
            })
            .collect()
    }

    /// Counts by (app / arch, area) and verdict.
    fn matrix(&self) -> BTreeMap<(String, String), [usize; 5]> {
        let mut rows: BTreeMap<(String, String), [usize; 5]> = BTreeMap::new();
        for r in &self.results {
            let row = rows.entry((r.target(), r.area().to_owned())).or_default();
            row[r.verdict as usize] += 1;
        }
        rows
    }

    /// The terminal summary: the matrix, then every failure with its problems.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "{:<28} {:<14} {:>6} {:>6} {:>10} {:>13} {:>14}",
            "app/arch", "area", "pass", "fail", "non-strict", "unimplemented", "no-expectation"
        );
        for ((target, area), counts) in self.matrix() {
            let _ = writeln!(
                out,
                "{target:<28} {area:<14} {:>6} {:>6} {:>10} {:>13} {:>14}",
                counts[0], counts[1], counts[2], counts[3], counts[4]
            );
        }
        for r in self
            .results
            .iter()
            .filter(|r| matches!(r.verdict, Verdict::Fail | Verdict::NonStrict | Verdict::NoExpectation))
        {
            let _ = writeln!(out, "\n{} {} [{}]: {}", r.verdict.name().to_uppercase(), r.id, r.target(), r.description);
            for problem in &r.problems {
                let _ = writeln!(out, "    - {problem}");
            }
        }
        let broken = self.broken_rules_lines(false);
        if !broken.is_empty() {
            let _ = writeln!(out, "\nRules broken ({}):", broken.len());
            for line in broken {
                let _ = writeln!(out, "  {line}");
            }
        }
        let retried: Vec<&CaseResult> = self.results.iter().filter(|r| r.first_try.is_some()).collect();
        if !retried.is_empty() {
            let _ = writeln!(out, "\n{} passed only on a second try:", retried.len());
            for r in retried {
                let first = r.first_try.as_deref().unwrap_or_default();
                let _ = writeln!(out, "    {} [{}]: {}", r.id, r.target(), first.first().map_or("", String::as_str));
            }
        }
        let _ = writeln!(
            out,
            "\n{} passed, {} failed, {} non-strict, {} unimplemented, {} with no expectation in {:.1} s ({})",
            self.count(Verdict::Pass),
            self.count(Verdict::Fail),
            self.count(Verdict::NonStrict),
            self.count(Verdict::Unimplemented),
            self.count(Verdict::NoExpectation),
            self.elapsed_ms as f64 / 1000.0,
            self.adapter
        );
        out
    }

    /// Markdown: the matrix and the failures.
    pub fn to_markdown(&self) -> String {
        let mut out = format!("# Conformance report\n\nAdapter: `{}`\n\n", self.adapter);
        let broken = self.broken_rules_lines(true);
        if broken.is_empty() {
            out.push_str("No rule of the spec (docs/spec.md) is broken.\n\n");
        } else {
            let _ = writeln!(
                out,
                "## Rules broken\n\nA `MUST` rule broken is a defect (`fail`); a `SHOULD` or `REFERENCE` rule broken \
                 is reported as `non-strict`.\n\n| rule | level | cases | results | example | rule statement |\n|---|---|---:|---:|---|---|"
            );
            for line in broken {
                let _ = writeln!(out, "{line}");
            }
            out.push('\n');
        }
        out.push_str(
            "| app/arch | area | pass | fail | non-strict | unimplemented | no-expectation |\n\
             |---|---|---:|---:|---:|---:|---:|\n",
        );
        for ((target, area), c) in self.matrix() {
            let _ = writeln!(out, "| {target} | {area} | {} | {} | {} | {} | {} |", c[0], c[1], c[2], c[3], c[4]);
        }
        let _ = writeln!(
            out,
            "\n**{} passed, {} failed, {} non-strict, {} unimplemented, {} with no expectation** in {:.1} s.\n",
            self.count(Verdict::Pass),
            self.count(Verdict::Fail),
            self.count(Verdict::NonStrict),
            self.count(Verdict::Unimplemented),
            self.count(Verdict::NoExpectation),
            self.elapsed_ms as f64 / 1000.0
        );
        for r in self.results.iter().filter(|r| r.verdict != Verdict::Pass) {
            let _ = writeln!(
                out,
                "## {} `{}` ({})\n\n{}\n\nRules: {}\n",
                r.verdict.name(),
                r.id,
                r.target(),
                r.description,
                r.rules.iter().map(|id| format!("`{id}`")).collect::<Vec<_>>().join(", ")
            );
            for p in &r.problems {
                let _ = writeln!(out, "- {}", p.replace('|', "\\|"));
            }
            out.push('\n');
        }
        out
    }

    /// JUnit XML: one test suite per app/arch (and host), one test case per case.
    pub fn to_junit(&self) -> String {
        let mut suites: BTreeMap<String, Vec<&CaseResult>> = BTreeMap::new();
        for r in &self.results {
            suites.entry(r.target()).or_default().push(r);
        }
        let mut out =
            String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"lwa-conformance\">\n");
        for (name, results) in suites {
            let failures = results.iter().filter(|r| r.verdict == Verdict::Fail).count();
            let errors = results.iter().filter(|r| r.verdict == Verdict::NoExpectation).count();
            let skipped = results.iter().filter(|r| r.verdict == Verdict::Unimplemented).count();
            let _ = writeln!(
                out,
                "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{failures}\" errors=\"{errors}\" \
                 skipped=\"{skipped}\">",
                xml(&name),
                results.len()
            );
            for r in results {
                let _ = write!(
                    out,
                    "    <testcase classname=\"{}\" name=\"{}\" time=\"{:.3}\"",
                    xml(r.area()),
                    xml(&r.id),
                    r.duration_ms as f64 / 1000.0
                );
                let details = xml(&format!("rules: {}\n{}", r.rules.join(", "), r.problems.join("\n")));
                match r.verdict {
                    Verdict::Pass => out.push_str("/>\n"),
                    Verdict::Fail => {
                        let _ = write!(
                            out,
                            ">\n      <failure message=\"{}\">{details}</failure>\n    </testcase>\n",
                            xml(&r.description)
                        );
                    }
                    Verdict::NonStrict => {
                        let _ =
                            write!(out, ">\n      <system-out>non-strict: {details}</system-out>\n    </testcase>\n");
                    }
                    Verdict::Unimplemented => {
                        let _ = write!(out, ">\n      <skipped message=\"{details}\"/>\n    </testcase>\n");
                    }
                    // Nothing was checked: an error, not a failure of the adapter, and no pass.
                    Verdict::NoExpectation => {
                        let _ = write!(
                            out,
                            ">\n      <error message=\"no expectation recorded\">{details}</error>\n    </testcase>\n"
                        );
                    }
                }
            }
            out.push_str("  </testsuite>\n");
        }
        out.push_str("</testsuites>\n");
        out
    }

    /// Writes `report.json`, `junit.xml`, `report.md` and `index.html` (the page people
    /// read, [`crate::html::page`]) into `dir`.
    pub fn write(&self, dir: &Path) -> std::io::Result<()> {
        std::fs::create_dir_all(dir)?;
        let json = serde_json::to_string_pretty(self).map_err(std::io::Error::other)?;
        std::fs::write(dir.join("report.json"), json)?;
        std::fs::write(dir.join("junit.xml"), self.to_junit())?;
        std::fs::write(dir.join("report.md"), self.to_markdown())?;
        std::fs::write(dir.join("index.html"), crate::html::page(self))
    }
}

fn xml(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    use crate::report::tests::result;

    #[test]
    fn reports_count_and_escape() {
        let mut report = Report::new("adapter".into());
        report.results = vec![
            result("request/a", Verdict::Pass),
            result("request/b", Verdict::Fail),
            result("config/c", Verdict::NonStrict),
        ];
        report.finish(Duration::from_millis(1500));
        assert!(report.failed());
        let text = report.to_text();
        assert!(text.contains("1 passed, 1 failed, 1 non-strict, 0 unimplemented"), "{text}");
        assert!(text.contains("FAIL request/b"));
        let junit = report.to_junit();
        assert!(junit.contains("tests=\"3\" failures=\"1\""));
        assert!(junit.contains("&quot;a&quot; &amp; got b"));
        assert!(report.to_markdown().contains("| echo/x86_64 | request | 1 | 1 | 0 | 0 |"));
    }

    // Regression (issue 19): a corpus event without a readable reference snapshot was a
    // pass; it is its own verdict, counted, listed with its reason, and fails the run.
    #[test]
    fn no_expectation_is_counted_listed_and_fails_the_run() {
        let mut report = Report::new("adapter".into());
        let mut unjudged = result("corpus/apigw-v2/get-root.json", Verdict::NoExpectation);
        unjudged.problems = vec!["no expectation recorded: suite__corpus__apigw-v2__get-root.json.snap".into()];
        report.results = vec![result("request/a", Verdict::Pass), unjudged];
        report.finish(Duration::from_millis(10));
        assert!(report.failed(), "a run with an unjudged case does not pass");
        let text = report.to_text();
        assert!(text.contains("1 passed, 0 failed, 0 non-strict, 0 unimplemented, 1 with no expectation"), "{text}");
        assert!(text.contains("NO-EXPECTATION corpus/apigw-v2/get-root.json"), "{text}");
        assert!(text.contains("suite__corpus__apigw-v2__get-root.json.snap"), "{text}");
        assert!(report.to_junit().contains("errors=\"1\""));
        assert!(report.to_junit().contains("<error message=\"no expectation recorded\">"));
        let markdown = report.to_markdown();
        assert!(markdown.contains("| echo/x86_64 | corpus | 0 | 0 | 0 | 0 | 1 |"), "{markdown}");
        assert!(markdown.contains("## no-expectation `corpus/apigw-v2/get-root.json`"), "{markdown}");

        report.results.retain(|r| r.verdict == Verdict::Pass);
        assert!(!report.failed());
    }
}
