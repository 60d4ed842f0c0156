//! The soak (`lwa-soak`, `just soak`): an adapter binary under the emulator for a long run
//! of invocations, each checked for cross-talk, with the adapter's resident memory,
//! threads and open file descriptors sampled along the way.
//!
//! Four adapter processes run side by side, one per *lane*, each under its own emulator
//! and echo app:
//!
//! | Lane | Environment | In flight |
//! |---|---|---|
//! | `buffered` | defaults | 1 |
//! | `buffered c=8` | `AWS_LAMBDA_MAX_CONCURRENCY=8` | 8 |
//! | `stream` | `AWS_LWA_INVOKE_MODE=response_stream` | 1 |
//! | `stream c=8` | both | 8 |
//!
//! The lanes take turns, a block of invocations each (a *round* is one block per lane),
//! so every process lives through the whole soak, idles while the others work, and is
//! sampled at the same points: after warm-up and every `sample_every` invocations, each
//! right after its own block (so its pooled connections are in the same state at every
//! sample).
//!
//! Invocation `n` (numbered across lanes, warm-up included) is one of six sources in
//! turn: API Gateway REST (v1), HTTP API (v2), Function URL, ALB single-value, ALB
//! multi-value, and a non-HTTP (SQS) event passed through to `/echo/events`. It carries
//! its own marker `SOAK<n, 9 digits>` in the path, the query, an `x-soak-marker` header, a
//! cookie, the body (text, binary or none, 0 to 100 KiB), the request context's
//! `requestId`, and the invocation's tenant id and client context; its trace id is its own
//! too. The echo app answers with what it received, and [`check`] requires that answer to
//! hold this invocation's values everywhere, its own request id in `x-amzn-lambda-context`,
//! and no other invocation's marker anywhere.
//!
//! The parts: `plan.rs` (the configuration and the lanes), `probe.rs` (what each
//! invocation sends), `check.rs` (the cross-talk checks of the answers), `samples.rs` (the
//! samples of RSS, threads and fds, and the verdict on them), `run.rs` (the run itself) and
//! `report.rs` (tables and JSON).

mod check;
mod plan;
mod probe;
mod report;
mod run;
mod samples;

use std::path::{Path, PathBuf};

use anyhow::Context as _;

pub use check::{check, foreign_markers, Delivery};
pub use plan::{Lane, SoakConfig};
pub use probe::{marker, Probe, Source, PASS_THROUGH_PATH};
pub use report::{lanes_table, passed, samples_table, to_json};
pub use run::{run, Failure, SoakResult};
pub use samples::{rss_slope, Extremes, LaneResult, Sample, Verdict};

/// The adapter path as given, checked to be a file.
pub fn adapter_path(path: &Path) -> anyhow::Result<PathBuf> {
    if !path.is_file() {
        anyhow::bail!(
            "adapter {} is not a file (build it: cargo build --release -p lambda-web-adapter)",
            path.display()
        );
    }
    std::fs::canonicalize(path).with_context(|| format!("resolving {}", path.display()))
}

fn mib(bytes: f64) -> f64 {
    bytes / (1024.0 * 1024.0)
}
