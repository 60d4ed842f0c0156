//! The whole conformance suite against the reference adapter, as a `cargo test`.
//!
//! Every case must pass, and every normalised observation is an insta snapshot named
//! after the case id (`snapshots/suite__<id with / as __>.snap`). Those snapshots are the
//! expectations other adapters are judged against by `lwa-conformance run`, so a change
//! here is a change of the standard: read every diff.

use crate::common::reference_adapter;

use std::path::{Path, PathBuf};

use lwa_conformance::report::Verdict;
use lwa_conformance::runner::{self, Arch, Paths, Runnable, Target};

fn root() -> PathBuf {
    crate::common::repo_root()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reference_adapter_passes_every_case() {
    let paths = Paths::in_repo(&root());
    let runnables = runner::discover(&paths, None).expect("every case file is valid");
    let cases = runnables.iter().filter(|r| matches!(r, Runnable::Case(_))).count();
    assert!(cases >= 100 && runnables.len() >= cases + 250, "cases and corpus events are discovered");
    let target = Target { adapter: reference_adapter(), arch: Arch::X86_64 };
    let (report, ran) = runner::run_all(runnables, &[target], &runner::Plan::echo(4), &paths, |_| {}).await.unwrap();

    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/snapshots"));
    settings.set_prepend_module_to_snapshot(false);
    settings.bind(|| {
        for ran in &ran {
            insta::assert_json_snapshot!(format!("suite__{}", runner::snapshot_name(&ran.result.id)), ran.normalised);
        }
    });
    let failed: Vec<_> = report.results.iter().filter(|r| r.verdict != Verdict::Pass).collect();
    assert!(failed.is_empty(), "{}", report.to_text());
}

/// Every snapshot here is the expectation of a case or corpus event that still exists: a
/// renamed or deleted one must take its snapshot along, or `lwa-conformance run` keeps a
/// stale expectation nobody checks.
#[test]
fn every_snapshot_has_its_case() {
    let paths = Paths::in_repo(&root());
    let ids: std::collections::HashSet<String> = runner::discover(&paths, None)
        .expect("every case file is valid")
        .iter()
        .map(|r| runner::snapshot_name(&r.id()))
        .collect();
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/snapshots");
    let orphans: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .filter_map(|entry| entry.file_name().into_string().ok())
        .filter(|name| {
            name.strip_prefix("suite__").and_then(|n| n.strip_suffix(".snap")).is_some_and(|n| !ids.contains(n))
        })
        .collect();
    assert!(orphans.is_empty(), "snapshots without a case (delete them): {orphans:#?}");
}
