//! The suite judges itself: an adapter built with a deliberate fault (the v2 `cookies`
//! array is dropped) must fail exactly the corpus events that carry cookies, and pass
//! every other one. A suite that cannot tell is a suite that tests nothing.

#![allow(clippy::unwrap_used, clippy::panic, clippy::expect_used)]

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use lwa_conformance::report::Verdict;
use lwa_conformance::runner::{self, Arch, Paths, Target};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_owned()
}

/// The adapter with the `fault-drop-cookies` feature, in its own target directory so it
/// never replaces the reference build.
fn faulty_adapter() -> PathBuf {
    let target_dir = root().join("target/faulty");
    let status = std::process::Command::new(env!("CARGO"))
        .args([
            "build",
            "--quiet",
            "-p",
            "lambda-web-adapter",
            "--bin",
            "lambda-adapter",
            "--features",
            "fault-drop-cookies",
        ])
        .arg("--target-dir")
        .arg(&target_dir)
        .current_dir(root())
        .status()
        .expect("cargo runs");
    assert!(status.success(), "the faulty adapter builds");
    target_dir.join("debug/lambda-adapter")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cookie_dropping_adapter_fails_exactly_the_cookie_cases() {
    let paths = Paths::in_repo(&root());
    let filter = globset::Glob::new("corpus/{apigw-v2,function-url}/*").unwrap().compile_matcher();
    let runnables = runner::discover(&paths, Some(&filter)).unwrap();
    let mut expected = BTreeSet::new();
    for runnable in &runnables {
        let id = runnable.id();
        let rel = id.strip_prefix("corpus/").unwrap();
        let event: serde_json::Value = serde_json::from_slice(&std::fs::read(paths.events.join(rel)).unwrap()).unwrap();
        if event["cookies"].as_array().is_some_and(|c| !c.is_empty()) {
            expected.insert(id);
        }
    }
    assert!(expected.len() >= 4, "the corpus has cookie events to catch the fault with");

    let target = Target { adapter: faulty_adapter(), arch: Arch::X86_64 };
    let (report, _) = runner::run_all(runnables, &[target], &runner::Plan::echo(4), &paths, |_| {}).await.unwrap();
    let failed: BTreeSet<String> =
        report.results.iter().filter(|r| r.verdict == Verdict::Fail).map(|r| r.id.clone()).collect();
    assert_eq!(failed, expected, "{}", report.to_text());
    for result in report.results.iter().filter(|r| r.verdict == Verdict::Fail) {
        assert!(result.problems.iter().any(|p| p.contains("cookie")), "{}: {:?}", result.id, result.problems);
    }
}
