//! `lwa-conformance run` passes only what it checked: a corpus event whose reference
//! snapshot is missing or unreadable is reported as `no-expectation`, named with its file,
//! counted in the summary, and fails the run (issue 19).

use crate::common::reference_adapter;

use std::path::{Path, PathBuf};
use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_lwa-conformance");
const EVENT: &str = "apigw-v2/get-root.json";
const SNAPSHOT: &str = "suite__corpus__apigw-v2__get-root.json.snap";

fn root() -> PathBuf {
    crate::common::repo_root()
}

/// A repository of one corpus event (no case files) with `snapshot` as its recorded
/// observation (none when None).
fn checkout(snapshot: Option<&str>) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let events = dir.path().join("fixtures/events/apigw-v2");
    std::fs::create_dir_all(&events).unwrap();
    std::fs::create_dir_all(dir.path().join("fixtures/cases")).unwrap();
    std::fs::create_dir_all(dir.path().join("docs")).unwrap();
    std::fs::copy(root().join("docs/spec.md"), dir.path().join("docs/spec.md")).unwrap();
    std::fs::copy(root().join("fixtures/events").join(EVENT), events.join("get-root.json")).unwrap();
    let snapshots = dir.path().join("conformance/tests/snapshots");
    std::fs::create_dir_all(&snapshots).unwrap();
    if let Some(text) = snapshot {
        std::fs::write(snapshots.join(SNAPSHOT), text).unwrap();
    }
    dir
}

/// Runs `lwa-conformance run` in `repo`: whether it succeeded, and its output.
fn run(repo: &Path, adapter: &Path) -> (bool, String) {
    let output = Command::new(BIN)
        .args(["run", "--jobs", "1", "--root"])
        .arg(repo)
        .arg("--adapter")
        .arg(adapter)
        .arg("--out")
        .arg(repo.join("out"))
        .output()
        .expect("lwa-conformance runs");
    let text = String::from_utf8_lossy(&output.stdout).into_owned() + &String::from_utf8_lossy(&output.stderr);
    (output.status.success(), text)
}

#[test]
fn a_corpus_event_passes_only_against_a_recorded_snapshot() {
    let adapter = reference_adapter();
    let recorded = std::fs::read_to_string(root().join("conformance/tests/snapshots").join(SNAPSHOT)).unwrap();

    let repo = checkout(Some(&recorded));
    let (ok, text) = run(repo.path(), &adapter);
    assert!(ok, "the reference adapter matches its own snapshot:\n{text}");
    assert!(text.contains("1 passed, 0 failed, 0 non-strict, 0 unimplemented, 0 with no expectation"), "{text}");

    // A difference from the recorded observation is non-strict (the corpus rule is a
    // REFERENCE one), named in the report's broken rules; --strict fails the run on it.
    let repo = checkout(Some(&recorded.replace("\"GET\"", "\"PUT\"")));
    let (ok, text) = run(repo.path(), &adapter);
    assert!(ok, "a non-strict result alone does not fail the run:\n{text}");
    assert!(text.contains("0 passed, 0 failed, 1 non-strict"), "{text}");
    assert!(text.contains("REFERENCE CORPUS-REFERENCE-OBSERVATION: 1 cases"), "{text}");
    let markdown = std::fs::read_to_string(repo.path().join("out/report.md")).unwrap();
    assert!(markdown.contains("| `CORPUS-REFERENCE-OBSERVATION` | REFERENCE | 1 |"), "{markdown}");
    let output = Command::new(BIN)
        .args(["run", "--strict", "--jobs", "1", "--root"])
        .arg(repo.path())
        .arg("--adapter")
        .arg(&adapter)
        .arg("--out")
        .arg(repo.path().join("out"))
        .output()
        .unwrap();
    assert!(!output.status.success(), "--strict fails the run on a non-strict result");

    // Without the spec the cases cite, nothing runs, and the error names the file.
    let repo = checkout(Some(&recorded));
    std::fs::remove_file(repo.path().join("docs/spec.md")).unwrap();
    let (ok, text) = run(repo.path(), &adapter);
    assert!(!ok && text.contains("docs/spec.md"), "{text}");

    let unreadable = [
        (None, "does not exist"),
        (Some("{\"outcome\": \"response\"}"), "is not an insta snapshot"),
        (Some("---\nsource: conformance/tests/suite.rs\n---\n{\"outcome\": "), "does not hold a JSON observation"),
    ];
    for (snapshot, why) in unreadable {
        let repo = checkout(snapshot);
        let (ok, text) = run(repo.path(), &adapter);
        assert!(!ok, "a run that checked nothing must not succeed:\n{text}");
        assert!(text.contains("0 passed, 0 failed, 0 non-strict, 0 unimplemented, 1 with no expectation"), "{text}");
        assert!(text.contains(&format!("NO-EXPECTATION corpus/{EVENT}")), "{text}");
        assert!(text.contains("no expectation recorded") && text.contains(SNAPSHOT) && text.contains(why), "{text}");
        let json = std::fs::read_to_string(repo.path().join("out/report.json")).unwrap();
        assert!(json.contains("\"verdict\": \"no-expectation\""), "{json}");
    }
}
