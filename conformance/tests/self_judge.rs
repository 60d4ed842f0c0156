//! The suite judges itself: an adapter built with deliberate faults, one on each side of
//! the translation, must fail exactly the cases and corpus events that check what each
//! fault breaks, and pass every other one. A suite that cannot tell is a suite that tests
//! nothing.
//!
//! - request side (`fault-drop-cookies`): the v2 / Function URL `cookies` array is lost,
//!   so the app gets no `cookie` header;
//! - response side (`fault-redirect-301`): an app's 302 is answered as 301 in the
//!   buffered Lambda response;
//! - stream side (`fault-prelude-drop-content-type`): the streamed prelude lacks the
//!   app's content-type.
//!
//! One adapter carries all three (one build: building per fault would cost a build each);
//! the faults break disjoint things, so the run must fail exactly the union of what each
//! one should, every failure must name what its faults broke, and each fault must be
//! caught on its own cases and events.

#![allow(clippy::unwrap_used, clippy::panic, clippy::expect_used)]

mod common;

use common::repo_root as root;

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use lwa_conformance::case::Case;
use lwa_conformance::report::Verdict;
use lwa_conformance::runner::{self, Arch, Paths, Runnable, Target};
use serde_json::Value;

/// A deliberate fault: the cargo feature that compiles it in, what a problem it causes
/// names, and which runnables must fail because of it.
struct Fault {
    feature: &'static str,
    names: &'static str,
    /// Whether a corpus event (`None`) or a case (`Some`) with this event and reference
    /// observation (its snapshot) must fail: the reference shows what the fault breaks,
    /// and a corpus event is compared whole, a case on what it declares.
    catches: fn(event: &Value, reference: &Value, case: Option<&Case>) -> bool,
}

const FAULTS: [Fault; 3] = [
    Fault {
        feature: "fault-drop-cookies",
        names: "cookie",
        catches: |event, reference, case| {
            event["cookies"].as_array().is_some_and(|c| !c.is_empty())
                // An authorizer event with cookies passes through whole: no cookie to drop.
                && reference.pointer("/app/0/path").and_then(Value::as_str) != Some("/events")
                && case.is_none_or(|c| c.expect.app.as_ref().is_some_and(|app| app.headers.contains_key("cookie")))
        },
    },
    Fault {
        feature: "fault-redirect-301",
        names: "302",
        catches: |_, reference, case| {
            reference.pointer("/lambda/statusCode") == Some(&Value::from(302))
                && case.is_none_or(|c| {
                    ["/statusCode", "/statusDescription"].iter().any(|p| c.expect.lambda.contains_key(*p))
                })
        },
    },
    Fault {
        feature: "fault-prelude-drop-content-type",
        names: "content-type",
        catches: |_, reference, case| {
            reference.pointer("/stream/prelude/headers/content-type").is_some()
                && case.is_none_or(|c| {
                    c.expect.stream.as_ref().is_some_and(|s| s.prelude.contains_key("/headers/content-type"))
                })
        },
    },
];

/// The adapter with every fault, in its own target directory so it never replaces the
/// reference build.
fn faulty_adapter() -> PathBuf {
    let target_dir = root().join("target/faulty");
    let features = FAULTS.iter().map(|f| f.feature).collect::<Vec<_>>().join(",");
    let status = std::process::Command::new(env!("CARGO"))
        .args(["build", "--quiet", "-p", "lambda-web-adapter", "--bin", "lambda-adapter", "--features", &features])
        .arg("--target-dir")
        .arg(&target_dir)
        .current_dir(root())
        .status()
        .expect("cargo runs");
    assert!(status.success(), "the faulty adapter builds");
    target_dir.join("debug/lambda-adapter")
}

/// The event a runnable sends (patched, for a case) and its reference observation.
fn event_and_reference(runnable: &Runnable, paths: &Paths) -> (Value, Value) {
    let id = runnable.id();
    let event = match runnable {
        Runnable::Case(case) => case.event_bytes(&paths.events).unwrap(),
        Runnable::Corpus(rel) => std::fs::read(paths.events.join(rel)).unwrap(),
    };
    let snapshot = paths.snapshots.join(format!("suite__{}.snap", runner::snapshot_name(&id)));
    let reference = runner::read_snapshot(&snapshot).unwrap_or_else(|why| panic!("{id}: {why}"));
    (serde_json::from_slice(&event).unwrap_or(Value::Null), reference)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_faulty_adapter_fails_exactly_what_checks_each_fault() {
    let paths = Paths::in_repo(&root());
    let runnables = runner::discover(&paths, None).unwrap();
    // Which faults must fail each runnable.
    let mut expected: BTreeMap<String, Vec<&Fault>> = BTreeMap::new();
    for runnable in &runnables {
        let (event, reference) = event_and_reference(runnable, &paths);
        let case = match runnable {
            Runnable::Case(case) => Some(case.as_ref()),
            Runnable::Corpus(_) => None,
        };
        let faults: Vec<&Fault> = FAULTS.iter().filter(|f| (f.catches)(&event, &reference, case)).collect();
        if !faults.is_empty() {
            expected.insert(runnable.id(), faults);
        }
    }
    // Each fault has cases or events to be caught by, and the faults do not hide behind
    // one another: each is the only fault of some of them. The response fault is caught
    // by corpus events (compared whole) and by a case (on what it declares).
    for fault in &FAULTS {
        let only = expected.iter().filter(|(_, f)| f.len() == 1 && f[0].feature == fault.feature);
        let (corpus, cases): (Vec<_>, Vec<_>) = only.map(|(id, _)| id).partition(|id| id.starts_with("corpus/"));
        let enough = match fault.feature {
            "fault-drop-cookies" => corpus.len() >= 4 && !cases.is_empty(),
            "fault-redirect-301" => corpus.len() >= 4 && !cases.is_empty(),
            _ => cases.len() >= 3,
        };
        assert!(enough, "{}: too little to catch it with: {corpus:?} {cases:?}", fault.feature);
    }

    let target = Target { adapter: faulty_adapter(), arch: Arch::X86_64 };
    let (report, _) = runner::run_all(runnables, &[target], &runner::Plan::echo(4), &paths, |_| {}).await.unwrap();
    let failed: BTreeSet<&str> =
        report.results.iter().filter(|r| r.verdict != Verdict::Pass).map(|r| r.id.as_str()).collect();
    let wanted: BTreeSet<&str> = expected.keys().map(String::as_str).collect();
    assert_eq!(failed, wanted, "{}", report.to_text());
    // Each fault is a defect: some case that checks a MUST rule fails on it. A corpus
    // event only differs from the reference (non-strict); a case fails or is non-strict
    // by the level of the rules it cites.
    for fault in &FAULTS {
        let failed_by = report
            .results
            .iter()
            .filter(|r| r.verdict == Verdict::Fail && expected[&r.id].iter().any(|f| f.feature == fault.feature));
        assert!(failed_by.count() > 0, "{}: no MUST case failed on it\n{}", fault.feature, report.to_text());
    }
    for result in report.results.iter().filter(|r| r.verdict != Verdict::Pass) {
        let verdict = if result.id.starts_with("corpus/") {
            Verdict::NonStrict
        } else {
            lwa_conformance::report::CaseResult::broken(result.level)
        };
        assert_eq!(result.verdict, verdict, "{}", result.id);
        for fault in &expected[&result.id] {
            assert!(
                result.problems.iter().any(|p| p.contains(fault.names)),
                "{} ({}): {:?}",
                result.id,
                fault.feature,
                result.problems
            );
        }
    }
}
