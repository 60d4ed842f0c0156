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
//!   app's content-type;
//! - request side (`fault-query-reversed`): every query's pairs in reverse order;
//! - configuration (`fault-greedy-base-path`): the base path stripped as LWA 1.0 does;
//! - response side (`fault-first-header-value`): one value of a repeated header kept
//!   where values are joined (HTTP API, Function URL, ALB single-value);
//! - harmless (`fault-content-length-zero`): `content-length: 0` on every bodiless
//!   request, which must only ever be non-strict;
//! - harmless (`fault-error-type-renamed`): every error type and error trailer named
//!   `Adapter.Error`; a case that checks a name beside a `MUST` rule (the mid-stream
//!   trailer) does so in an `[[also]]` block, so it turns non-strict, not failed.
//!
//! One adapter carries all eight (one build: building per fault would cost a build each).
//! The run must fail (or report non-strict) exactly the union of what each fault should,
//! every such result must name what its faults broke, its verdict must be the level of
//! the rules its case cites, each fault that breaks a MUST rule must fail a case, and the
//! harmless one must never fail a case on its own.

use crate::common::repo_root as root;

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
    /// It breaks only SHOULD or REFERENCE rules: every result it alone causes must be
    /// non-strict, never a failure.
    harmless: bool,
}

/// The case checks the app's query (or the whole request-target).
fn checks_query(case: &Case) -> bool {
    case.expect.app.as_ref().is_some_and(|app| app.query.is_some() || app.target.is_some())
}

/// The case checks the app's path (or the whole request-target).
fn checks_path(case: &Case) -> bool {
    case.expect.app.as_ref().is_some_and(|app| app.path.is_some() || app.target.is_some())
}

/// The base path a case's environment configures, if any.
fn base_path(case: &Case) -> Option<&str> {
    ["AWS_LWA_REMOVE_BASE_PATH", "REMOVE_BASE_PATH"]
        .iter()
        .find_map(|k| case.env.get(*k))
        .map(String::as_str)
        .filter(|b| !b.is_empty())
}

/// The header names the app received, per the reference observation.
fn app_header_names(reference: &Value) -> Option<Vec<&str>> {
    let headers = reference.pointer("/app/0/headers")?.as_array()?;
    Some(headers.iter().filter_map(|pair| pair.get(0).and_then(Value::as_str)).collect())
}

const FAULTS: [Fault; 8] = [
    Fault {
        feature: "fault-drop-cookies",
        names: "cookie",
        catches: |event, reference, case| {
            event["cookies"].as_array().is_some_and(|c| !c.is_empty())
                // An authorizer event with cookies passes through whole: no cookie to drop.
                && reference.pointer("/app/0/path").and_then(Value::as_str) != Some("/events")
                && case.is_none_or(|c| c.expect.app.as_ref().is_some_and(|app| app.headers.contains_key("cookie")))
        },
        harmless: false,
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
        harmless: false,
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
        harmless: false,
    },
    // Request side: the query's pairs reversed (a v2 raw query corrupted: MUST; a query
    // rebuilt from a REST map reordered: SHOULD).
    Fault {
        feature: "fault-query-reversed",
        names: "query",
        catches: |_, reference, case| {
            let query = reference.pointer("/app/0/query").and_then(Value::as_str).unwrap_or_default();
            let reversed = query.split('&').rev().collect::<Vec<_>>().join("&");
            reversed != query && case.is_none_or(checks_query)
        },
        harmless: false,
    },
    // Configuration: the base path stripped greedily, as LWA 1.0 does.
    Fault {
        feature: "fault-greedy-base-path",
        names: "path",
        catches: |event, reference, case| {
            let Some((case, base)) = case.and_then(|c| base_path(c).map(|b| (c, b))) else { return false };
            let raw = event.get("rawPath").or_else(|| event.get("path")).and_then(Value::as_str).unwrap_or_default();
            let greedy = match raw.trim_start_matches(base) {
                "" => "/".to_owned(),
                rest if rest.starts_with('/') => rest.to_owned(),
                rest => format!("/{rest}"),
            };
            Some(greedy.as_str()) != reference.pointer("/app/0/path").and_then(Value::as_str) && checks_path(case)
        },
        harmless: false,
    },
    // Response side: of a repeated header, the first value only where values are joined.
    Fault {
        feature: "fault-first-header-value",
        names: "/headers/",
        catches: |_, reference, case| {
            let joined = |v: &Value| v.as_str().is_some_and(|v| v.contains(", "));
            let Some(c) = case else {
                let headers = reference.pointer("/lambda/headers").and_then(Value::as_object);
                return headers.is_some_and(|h| h.values().any(joined));
            };
            // A corpus event is compared whole; a case on what it declares.
            c.expect.lambda.iter().any(|(pointer, value)| pointer.starts_with("/headers/") && joined(value))
        },
        harmless: false,
    },
    // Harmless: `content-length: 0` on requests without a body that had none.
    Fault {
        feature: "fault-content-length-zero",
        names: "content-length",
        catches: |_, reference, case| {
            app_header_names(reference).is_some_and(|names| !names.contains(&"content-length"))
                && case.is_none_or(|c| {
                    c.expect.app.as_ref().is_some_and(|app| app.headers_absent.iter().any(|h| h == "content-length"))
                })
        },
        harmless: true,
    },
    // Harmless: every error type renamed (names are a REFERENCE choice). A case that checks
    // a name next to a MUST rule must do so in an `[[also]]` block, or this fails it.
    Fault {
        feature: "fault-error-type-renamed",
        names: "Adapter.Error",
        catches: |_, reference, case| {
            let Some(c) = case else {
                let named =
                    |p: &str| reference.pointer(p).and_then(Value::as_str).is_some_and(|t| t != "Adapter.Error");
                return named("/error_type") || named("/stream/error_type");
            };
            std::iter::once(&c.expect)
                .chain(c.also.iter().map(|a| &a.expect))
                .any(|e| e.error_type.is_some() || e.stream.as_ref().is_some_and(|s| s.error_type.is_some()))
        },
        harmless: true,
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
        // Cases caught by this fault alone (the harmless one, which touches most requests
        // without a body, aside for the others), and corpus events it touches at all.
        let cases: Vec<&String> = expected
            .iter()
            .filter(|(id, f)| {
                let counted: Vec<_> = f.iter().filter(|f| fault.harmless || !f.harmless).collect();
                !id.starts_with("corpus/") && counted.len() == 1 && counted[0].feature == fault.feature
            })
            .map(|(id, _)| id)
            .collect();
        let corpus: Vec<&String> = expected
            .iter()
            .filter(|(id, f)| id.starts_with("corpus/") && f.iter().any(|f| f.feature == fault.feature))
            .map(|(id, _)| id)
            .collect();
        let enough = match fault.feature {
            "fault-drop-cookies" | "fault-redirect-301" => corpus.len() >= 4 && !cases.is_empty(),
            "fault-content-length-zero" => corpus.len() >= 100 && !cases.is_empty(),
            "fault-error-type-renamed" => corpus.len() >= 40 && cases.len() >= 8,
            "fault-prelude-drop-content-type" | "fault-greedy-base-path" => cases.len() >= 3,
            _ => cases.len() >= 2,
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
            .filter(|r| r.verdict == Verdict::Fail && expected[&r.id].iter().any(|f| f.feature == fault.feature))
            .filter(|r| !fault.harmless || expected[&r.id].len() == 1)
            .count();
        if fault.harmless {
            assert_eq!(
                failed_by,
                0,
                "{}: a harmless fault failed a case on its own\n{}",
                fault.feature,
                report.to_text()
            );
        } else {
            assert!(failed_by > 0, "{}: no MUST case failed on it\n{}", fault.feature, report.to_text());
        }
    }
    for result in report.results.iter().filter(|r| r.verdict != Verdict::Pass) {
        // A corpus event differs from the reference (non-strict), unless the fault breaks
        // what the runner derives from the event itself: an HTTP API's raw query, cookies or
        // joined response header, or the status of an answer the app's contract fixes.
        let v2 = ["corpus/apigw-v2/", "corpus/function-url/"].iter().any(|p| result.id.starts_with(p));
        let derived_v2 = ["fault-query-reversed", "fault-drop-cookies", "fault-first-header-value"];
        let derived = |f: &&Fault| f.feature == "fault-redirect-301" || (v2 && derived_v2.contains(&f.feature));
        let verdict = if result.id.starts_with("corpus/") {
            if expected[&result.id].iter().any(derived) {
                Verdict::Fail
            } else {
                Verdict::NonStrict
            }
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
