//! The project's behaviour spec (`docs/spec.md`) as data: every rule's id and level.
//!
//! Cases cite rules (`rules = [...]`); a failed case gets the verdict of its strongest
//! cited rule: a broken `MUST` is a defect (`fail`), a broken `SHOULD` or `REFERENCE` is
//! reported as `non-strict`. The spec is Markdown for people; a rule is a heading
//! `### RULE-ID · LEVEL`, followed by its statement.

use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;

use serde::{Deserialize, Serialize};

/// How strongly a rule binds, strongest first.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Level {
    /// AWS or an RFC requires it, or breaking it loses data, crashes, hangs or lets a
    /// client spoof the adapter: a defect.
    #[default]
    Must,
    /// An RFC SHOULD, or interoperability real apps depend on.
    Should,
    /// This project's own choice where the sources are silent.
    Reference,
}

impl Level {
    /// The word used in the spec.
    pub fn name(self) -> &'static str {
        match self {
            Level::Must => "MUST",
            Level::Should => "SHOULD",
            Level::Reference => "REFERENCE",
        }
    }

    fn parse(word: &str) -> Option<Level> {
        match word {
            "MUST" => Some(Level::Must),
            "SHOULD" => Some(Level::Should),
            "REFERENCE" => Some(Level::Reference),
            _ => None,
        }
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One rule of the spec.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rule {
    /// The stable id (`REQ-PATH-RAW`).
    pub id: String,
    /// Its level.
    pub level: Level,
    /// The rule's statement: the first paragraph after its heading.
    pub statement: String,
}

/// The rules of the corpus layer, which the runner cites itself.
pub const CORPUS_OBSERVATION: &str = "CORPUS-REFERENCE-OBSERVATION";
/// An invalid corpus event is an error or a 4xx answer, never a crash or a hang.
pub const CORPUS_INVALID: &str = "CORPUS-INVALID-SURVIVES";
/// No event of the corpus crashes the adapter or hangs it.
pub const CORPUS_SURVIVES: &str = "CORPUS-SURVIVES";

/// Every rule, by id.
#[derive(Debug, Clone, Default)]
pub struct Spec {
    rules: BTreeMap<String, Rule>,
}

/// A spec that cannot be read, or is malformed.
#[derive(Debug, thiserror::Error)]
pub enum SpecError {
    /// The file could not be read.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// A heading looks like a rule but is not one, or an id is defined twice.
    #[error("docs/spec.md line {line}: {message}")]
    Invalid {
        /// 1-based line.
        line: usize,
        /// What is wrong.
        message: String,
    },
}

/// `A-B`, `REQ-PATH-RAW`: capitals and digits in at least two dash-separated parts, the
/// first starting with a capital.
fn is_rule_id(id: &str) -> bool {
    let parts: Vec<&str> = id.split('-').collect();
    parts.len() >= 2
        && parts[0].starts_with(|c: char| c.is_ascii_uppercase())
        && parts.iter().all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit()))
}

impl Spec {
    /// Reads `docs/spec.md` (or any file in its format).
    pub fn load(path: &Path) -> Result<Spec, SpecError> {
        let text = std::fs::read_to_string(path)
            .map_err(|source| SpecError::Io { path: path.display().to_string(), source })?;
        Spec::parse(&text)
    }

    /// Parses the spec's text: every `### ID · LEVEL` heading is a rule.
    pub fn parse(text: &str) -> Result<Spec, SpecError> {
        let mut rules = BTreeMap::new();
        let lines: Vec<&str> = text.lines().collect();
        for (i, line) in lines.iter().enumerate() {
            let Some(heading) = line.strip_prefix("### ") else { continue };
            let invalid = |message: String| SpecError::Invalid { line: i + 1, message };
            let Some((id, level)) = heading.split_once(" · ") else {
                if is_rule_id(heading.trim()) {
                    return Err(invalid(format!("rule {} has no level (`### ID · MUST`)", heading.trim())));
                }
                continue;
            };
            let (id, level) = (id.trim(), level.trim());
            if !is_rule_id(id) {
                return Err(invalid(format!("{id:?} is not a rule id (capitals, digits, dashes: REQ-PATH-RAW)")));
            }
            let level = Level::parse(level)
                .ok_or_else(|| invalid(format!("rule {id}: level {level:?} is not MUST, SHOULD or REFERENCE")))?;
            let statement = lines[i + 1..]
                .iter()
                .skip_while(|l| l.trim().is_empty())
                .take_while(|l| !l.trim().is_empty() && !l.starts_with('#'))
                .map(|l| l.trim())
                .collect::<Vec<_>>()
                .join(" ");
            if statement.is_empty() {
                return Err(invalid(format!("rule {id} states nothing")));
            }
            let rule = Rule { id: id.to_owned(), level, statement };
            if rules.insert(id.to_owned(), rule).is_some() {
                return Err(invalid(format!("rule {id} is defined twice")));
            }
        }
        Ok(Spec { rules })
    }

    /// The rule with this id.
    pub fn rule(&self, id: &str) -> Option<&Rule> {
        self.rules.get(id)
    }

    /// Every rule, by id.
    pub fn rules(&self) -> impl Iterator<Item = &Rule> {
        self.rules.values()
    }

    /// The strongest level among `ids` (unknown ids are ignored: cases are checked
    /// against the spec when they are loaded).
    pub fn strongest<'a>(&self, ids: impl IntoIterator<Item = &'a String>) -> Option<Level> {
        ids.into_iter().filter_map(|id| self.rule(id)).map(|r| r.level).min()
    }
}

/// The rule-to-case coverage table (`docs/coverage.md`): every rule with its level and
/// the cases that cite it; `cases` are (case id, cited rule ids). The corpus rules are
/// covered by every corpus event, which the runner judges itself.
pub fn coverage_markdown(spec: &Spec, cases: &[(String, Vec<String>)]) -> String {
    use std::fmt::Write as _;
    let mut by_rule: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (case, rules) in cases {
        for rule in rules {
            by_rule.entry(rule.as_str()).or_default().push(case.as_str());
        }
    }
    let mut out = String::from(
        "# Rule coverage\n\nGenerated from docs/spec.md and fixtures/cases by \
         `cargo test -p lwa-conformance --test it -- spec::` (set `LWA_UPDATE_DOCS=1` to rewrite it). \
         Every rule is checked by at least one case; the corpus rules by every corpus event.\n\n\
         | rule | level | cases |\n|---|---|---|\n",
    );
    for level in [Level::Must, Level::Should, Level::Reference] {
        for rule in spec.rules().filter(|r| r.level == level) {
            let cited = match by_rule.get(rule.id.as_str()) {
                Some(cases) => cases.iter().map(|c| format!("`{c}`")).collect::<Vec<_>>().join(", "),
                None if rule.id.starts_with("CORPUS-") => "every corpus event".to_owned(),
                None => "**none**".to_owned(),
            };
            let _ = writeln!(out, "| `{}` | {} | {cited} |", rule.id, rule.level);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "# Spec\n\nIntro.\n\n## Requests\n\n### REQ-PATH-RAW · MUST\n\nThe path is sent as the client sent it.\nStill the statement.\n\n> \"quote\"\n\nSource: RFC 3986\n\n### ERR-TYPE-NAMES · REFERENCE\n\nError types are named `Adapter.*`.\n\n### Not a rule heading\n\ntext\n";

    #[test]
    fn rules_are_read_from_their_headings() {
        let spec = Spec::parse(TEXT).unwrap();
        let ids: Vec<&str> = spec.rules().map(|r| r.id.as_str()).collect();
        assert_eq!(ids, ["ERR-TYPE-NAMES", "REQ-PATH-RAW"]);
        let rule = spec.rule("REQ-PATH-RAW").unwrap();
        assert_eq!(rule.level, Level::Must);
        assert_eq!(rule.statement, "The path is sent as the client sent it. Still the statement.");
        let cited = ["ERR-TYPE-NAMES".to_owned(), "REQ-PATH-RAW".to_owned()];
        assert_eq!(spec.strongest(&cited), Some(Level::Must));
        assert_eq!(spec.strongest(&cited[..1]), Some(Level::Reference));
        assert_eq!(spec.strongest(&[]), None);
    }

    #[test]
    fn malformed_rules_are_errors_naming_the_line() {
        for (text, needle) in [
            ("### REQ-A · MAYBE\n\nx\n", "line 1: rule REQ-A: level \"MAYBE\""),
            ("### req-a · MUST\n\nx\n", "not a rule id"),
            ("### REQ-A · MUST\n\nx\n\n### REQ-A · SHOULD\n\ny\n", "line 5: rule REQ-A is defined twice"),
            ("### REQ-A · MUST\n\n### REQ-B · MUST\n\nx\n", "rule REQ-A states nothing"),
            ("### REQ-A\n\nx\n", "rule REQ-A has no level"),
        ] {
            let err = Spec::parse(text).unwrap_err().to_string();
            assert!(err.contains(needle), "{text:?}: {err}");
        }
    }
}
