//! Helpers shared by the suite's integration tests: the repository, the reference adapter,
//! and (from the emulator's tests) the tiny HTTP/1.1 client and the example functions.

use std::path::{Path, PathBuf};

#[path = "../../../emulator/tests/it/shared.rs"]
mod shared;

pub(crate) use shared::{example, get};

/// The repository's root.
pub(crate) fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("conformance/ has a parent").to_owned()
}

/// Cargo's target directory (CARGO_TARGET_DIR, else the repository's target/).
pub(crate) fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR").map(PathBuf::from).unwrap_or_else(|| repo_root().join("target"))
}

/// Builds the reference adapter (debug; a no-op when it is fresh) and returns its path.
pub(crate) fn reference_adapter() -> PathBuf {
    let status = std::process::Command::new(env!("CARGO"))
        .args(["build", "--quiet", "-p", "lambda-web-adapter", "--bin", "lambda-adapter"])
        .current_dir(repo_root())
        .status()
        .expect("cargo runs");
    assert!(status.success(), "the reference adapter builds");
    target_dir().join("debug/lambda-adapter")
}
