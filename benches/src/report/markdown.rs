//! The Markdown summary, the notes on how far the numbers can be trusted, and the splice
//! of the summary into a README between marker comments.

use std::fmt::Write as _;
use std::path::Path;

use super::{number, render_markdown_table, table, target_lines, Context, Machine};
use crate::driver::Results;
use crate::metric::Metric;

/// Warnings about how far the numbers can be trusted.
pub fn notes(results: &Results, machine: &Machine) -> Vec<String> {
    let mut notes = Vec::new();
    if machine.busy_before > 0.15 {
        notes.push(format!(
            "the machine was {:.0}% busy with other work just before the run (load average {:.2} on {} CPUs): \
             expect noise, and compare only figures from one run",
            machine.busy_before * 100.0,
            machine.load_at_start,
            machine.cpus
        ));
    }
    let floor = results.candidates.iter().find(|c| c.is_floor());
    let floor_first_byte = floor.and_then(|f| f.median(Metric::StreamFirstByte));
    if floor_first_byte.is_some_and(|us| us > 20_000.0) {
        let fresh = floor
            .and_then(|f| f.details.get("stream_first_byte_fresh_connection_us"))
            .and_then(|v| crate::stats::median(v))
            .map(|us| {
                format!(" (on a fresh connection, which the kernel ACKs at once, it gets it in {} µs)", number(us))
            })
            .unwrap_or_default();
        notes.push(format!(
            "even the floor waits about 40 ms for its first streamed byte{fresh}: the app writes the response \
             head and the first chunk separately on a socket without TCP_NODELAY, so Nagle holds the chunk \
             until the reader's delayed ACK. First-byte figures then carry that wait, and only their \
             difference to the floor means anything"
        ));
    }
    notes
}

/// The Markdown summary.
pub fn render_markdown(results: &Results, context: &Context<'_>) -> String {
    let plan = context.plan;
    let work = &plan.workload;
    let mut out = String::new();
    let _ = writeln!(out, "Measured {} on {} with `{}`.", context.date, context.machine.summary(), context.command);
    let _ = writeln!(out);
    let _ = write!(out, "{}", render_markdown_table(&table(results, work.concurrency)));
    let _ = writeln!(out);
    let _ = writeln!(
        out,
        "Medians over {} runs, candidates interleaved in every phase (floor, then each adapter, repeated). \
         Per run and adapter: {} cold starts with the app listening and {} with an app that listens after {} ms \
         (process spawn to the first `invocation/next`); {} small HTTP API (v2) invocations (latency, throughput, \
         and the adapter's CPU time from /proc over them); {} invocations answered with 1 MiB; {} invocations \
         with `AWS_LAMBDA_MAX_CONCURRENCY={}`; {} streamed invocations (Function URL, `response_stream`) for the \
         first byte and {} of {} KiB for bandwidth. The floor sends the same HTTP requests straight to the app; the harness (`lwa-null-adapter`, when \
         measured) is the least an adapter can do under the same emulator, so adapter minus harness is the \
         adapter's own cost. \
         The app and the emulator run in the driver's process on {} runtime thread(s).",
        plan.runs,
        plan.cold_starts,
        plan.slow_cold_starts,
        work.slow_app_delay.as_millis(),
        work.invocations,
        work.big_invocations,
        work.concurrent_invocations,
        work.concurrency,
        work.stream_invocations,
        work.bandwidth_invocations,
        work.stream_kib,
        context.driver_threads,
    );
    let notes = notes(results, context.machine);
    if !notes.is_empty() {
        let _ = writeln!(out);
        for note in notes {
            let _ = writeln!(out, "Note: {note}.");
        }
    }
    let targets = target_lines(results);
    if !targets.is_empty() {
        let _ = writeln!(out);
        let _ = writeln!(
            out,
            "Targets (issue 15; a ratio to the first adapter given unless the goal names the harness or the floor):"
        );
        let _ = writeln!(out);
        for line in targets {
            let _ = writeln!(out, "- {line}");
        }
    }
    let errors: Vec<String> =
        results.candidates.iter().flat_map(|c| c.errors.iter().map(move |e| format!("{}: {e}", c.label))).collect();
    if !errors.is_empty() {
        let _ = writeln!(out);
        let _ = writeln!(out, "Errors during the run:");
        let _ = writeln!(out);
        for error in errors {
            let first_line = error.lines().next().unwrap_or_default().to_owned();
            let _ = writeln!(out, "- {first_line}");
        }
    }
    out
}

/// The marker comments a README section is spliced between.
pub const README_MARKERS: (&str, &str) = ("<!-- bench-summary:start -->", "<!-- bench-summary:end -->");

/// Replaces the text between the [`README_MARKERS`] of `path` with `summary`.
pub fn update_readme(path: &Path, summary: &str) -> anyhow::Result<()> {
    use anyhow::Context as _;
    let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let updated = splice(&text, summary).ok_or_else(|| {
        anyhow::anyhow!("{} has no {} ... {} section", path.display(), README_MARKERS.0, README_MARKERS.1)
    })?;
    std::fs::write(path, updated).with_context(|| format!("writing {}", path.display()))?;
    Ok(())
}

/// `text` with the part between the markers replaced by `summary`; None without markers.
///
/// ```
/// let text = "intro\n<!-- bench-summary:start -->\nold\n<!-- bench-summary:end -->\nrest\n";
/// let new = lwa_benches::report::splice(text, "new table\n").unwrap();
/// assert_eq!(new, "intro\n<!-- bench-summary:start -->\nnew table\n<!-- bench-summary:end -->\nrest\n");
/// ```
pub fn splice(text: &str, summary: &str) -> Option<String> {
    let (start, end) = README_MARKERS;
    let from = text.find(start)? + start.len();
    let to = from + text[from..].find(end)?;
    Some(format!("{}\n{}{}", &text[..from], summary, &text[to..]))
}
