//! The spec and the cases agree: every rule is checked by a case, every case cites rules
//! that exist, and `docs/coverage.md` is the table generated from both.

use lwa_conformance::runner::{self, Paths, Runnable};
use lwa_conformance::spec::{self, Spec};

#[test]
fn every_rule_has_a_case_and_the_coverage_table_is_current() {
    let root = crate::common::repo_root();
    let paths = Paths::in_repo(&root);
    let spec = Spec::load(&paths.spec).unwrap();
    // discover checks every cited rule exists.
    let cases: Vec<(String, Vec<String>)> = runner::discover(&paths, None)
        .expect("every case is valid and cites rules of the spec")
        .into_iter()
        .filter_map(|r| match r {
            Runnable::Case(case) => Some((case.id.clone(), case.cited_rules())),
            Runnable::Corpus(_) => None,
        })
        .collect();
    let uncovered: Vec<&str> = spec
        .rules()
        .filter(|rule| !rule.id.starts_with("CORPUS-"))
        .filter(|rule| !cases.iter().any(|(_, rules)| rules.contains(&rule.id)))
        .map(|rule| rule.id.as_str())
        .collect();
    assert!(uncovered.is_empty(), "rules no case checks: {uncovered:?}");

    let table = spec::coverage_markdown(&spec, &cases);
    let file = root.join("docs/coverage.md");
    if std::env::var_os("LWA_UPDATE_DOCS").is_some() {
        std::fs::write(&file, &table).unwrap();
    }
    let written = std::fs::read_to_string(&file).unwrap_or_default();
    assert!(
        written == table,
        "docs/coverage.md is not the table generated from docs/spec.md and the cases: \
         rerun with LWA_UPDATE_DOCS=1 and commit it"
    );
}

/// The rules the runner derives from corpus events itself are in the spec, at MUST: a
/// broken one is reported as a failure whatever the case says.
#[test]
fn the_rules_the_runner_applies_are_must_rules() {
    let spec = Spec::load(&Paths::in_repo(&crate::common::repo_root()).spec).unwrap();
    for id in [
        spec::CORPUS_SURVIVES,
        spec::CORPUS_INVALID,
        "PT-EVENT-POSTED",
        "REQ-METHOD",
        "REQ-PATH-RAW",
        "REQ-QUERY-V2-RAW",
        "REQ-BODY-TEXT",
        "REQ-BODY-BASE64-DECODED",
        "REQ-HEADERS-MULTI-VALUE",
        "RESP-STATUS-BODY",
        "RESP-BODY-TEXT",
        "REQ-COOKIES-ONE-HEADER",
    ] {
        let rule = spec.rule(id).unwrap_or_else(|| panic!("{id} is not in the spec"));
        assert_eq!(rule.level, spec::Level::Must, "{id}");
    }
}
