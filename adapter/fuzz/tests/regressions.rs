//! Replays, without libFuzzer: every saved finding in `regressions/<target>/` through its
//! target's checks, the event corpus (`fixtures/events/`) through both event targets, and
//! a few thousand deterministic `event_json` mutations of it.
//!
//! `cargo test --manifest-path adapter/fuzz/Cargo.toml` (no nightly flags needed).

use std::path::{Path, PathBuf};

use lwa_fuzz::{event, invocation, mutate, response, stream};

fn files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else { continue };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.file_name().is_some_and(|n| n != "README.md") {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).to_path_buf()
}

fn corpus() -> Vec<(PathBuf, Vec<u8>)> {
    let events = files(&root().join("../../fixtures/events"));
    assert!(events.len() > 500, "the event corpus is missing: {} files", events.len());
    events.into_iter().map(|p| (p.clone(), std::fs::read(&p).expect("readable"))).collect()
}

/// Runs `check` on `data`, naming `path` if it panics.
fn replay(path: &Path, data: &[u8], check: Check) {
    if std::panic::catch_unwind(|| check(data)).is_err() {
        panic!("{} fails its target's checks", path.display());
    }
}

/// A target's checks on one input.
type Check = fn(&[u8]);

/// Every target's checks, strictly (no known finding let through).
const STRICT: [(&str, Check); 5] = [
    ("event_bytes", |d| event::run_bytes_with(d, true)),
    ("event_json", |d| event::run_json_with(d, true)),
    ("response_encode", response::run),
    ("invocation_headers", invocation::run),
    ("stream_prelude", stream::run),
];

fn saved(target: &str) -> Vec<(PathBuf, bool)> {
    files(&root().join("regressions").join(target))
        .into_iter()
        .map(|path| {
            let known = path.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.starts_with("known-"));
            (path, known)
        })
        .collect()
}

/// A fixed finding stays fixed: each saved input passes its target's strict checks.
#[test]
fn saved_findings_pass_their_checks() {
    for (target, check) in STRICT {
        for (path, known) in saved(target) {
            if !known {
                replay(&path, &std::fs::read(&path).expect("readable"), check);
            }
        }
    }
}

/// A known finding (`known-*`, see `src/known.rs`) still fails strictly, and passes the
/// default checks that let it through. When this fails, the adapter fixed the ones it
/// lists: drop their `known-` prefix, and the filter in `src/known.rs` once none is left.
#[test]
fn known_findings_are_still_open() {
    let lenient: [Check; 2] = [|d| event::run_bytes_with(d, false), |d| event::run_json_with(d, false)];
    let mut fixed = Vec::new();
    for ((target, check), lenient) in STRICT.iter().take(2).zip(lenient) {
        for (path, known) in saved(target) {
            if !known {
                continue;
            }
            let data = std::fs::read(&path).expect("readable");
            if std::panic::catch_unwind(|| check(&data)).is_ok() {
                fixed.push(path.display().to_string());
            }
            replay(&path, &data, lenient);
        }
    }
    assert!(fixed.is_empty(), "fixed in the adapter, drop `known-` from their names:\n{}", fixed.join("\n"));
}

#[test]
fn the_event_corpus_passes_both_event_targets() {
    for (path, data) in corpus() {
        replay(&path, &data, |d| event::run_bytes_with(d, true));
        replay(&path, &data, |d| event::run_json_with(d, true));
    }
}

/// What the custom mutator writes is JSON whenever it started from JSON and did not fall
/// back to libFuzzer's byte mutation (the stand-in here changes nothing), and every
/// mutant passes the checks.
#[test]
fn mutants_of_the_corpus_pass_the_event_checks() {
    let unchanged = |_: &mut [u8], size: usize, _: usize| size;
    let corpus: Vec<_> = corpus().into_iter().filter(|(_, d)| d.len() <= 16 * 1024).collect();
    let mut json = 0;
    for seed in 0..3000u32 {
        let (path, original) = &corpus[seed as usize % corpus.len()];
        let max = 64 * 1024;
        let mut data = original.clone();
        data.resize(max, 0);
        let size = mutate::mutate(&mut data, original.len(), max, seed, &unchanged);
        data.truncate(size);
        if serde_json::from_slice::<serde::de::IgnoredAny>(&data).is_ok() {
            json += 1;
        }
        if std::panic::catch_unwind(|| event::run_json_with(&data, false)).is_err() {
            panic!("seed {seed}, from {}: {}", path.display(), String::from_utf8_lossy(&data));
        }
        let (_, other) = &corpus[(seed as usize * 7 + 3) % corpus.len()];
        let mut out = vec![0; max];
        let size = mutate::crossover(original, other, &mut out, seed);
        out.truncate(size);
        if std::panic::catch_unwind(|| event::run_json_with(&out, false)).is_err() {
            panic!("crossover seed {seed}, from {}: {}", path.display(), String::from_utf8_lossy(&out));
        }
    }
    assert!(json > 2000, "only {json} of 3000 mutants are JSON");
}
