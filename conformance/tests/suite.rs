//! The whole conformance suite against the reference adapter, as a `cargo test`.
//!
//! Every case must pass, and every normalised observation is an insta snapshot named
//! after the case id (`snapshots/suite__<id with / as __>.snap`). Those snapshots are the
//! expectations other adapters are judged against by `lwa-conformance run`, so a change
//! here is a change of the standard: read every diff.

#![allow(clippy::unwrap_used, clippy::panic, clippy::expect_used)]

mod common;

use common::reference_adapter;

use std::path::{Path, PathBuf};

use lwa_conformance::report::Verdict;
use lwa_conformance::runner::{self, Arch, Paths, Runnable, Target};

fn root() -> PathBuf {
    common::repo_root()
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
