//! The end-to-end report: a terminal table, JSON, and a Markdown summary (which can be
//! spliced into a README between marker comments).
//!
//! Every figure is the median of its samples over all runs. Each adapter's figure is
//! also given as a ratio to the floor (`x floor`) and, from the second adapter on, to the
//! first adapter (`x first`). Ratios are plain quotients: below 1 means smaller, whether
//! smaller is better (times, memory) or not (rates).
//!
//! The parts: `machine.rs` (facts about the machine), `table.rs` (the table, for a terminal
//! and in Markdown), `targets.rs` (the goals and whether they are met), `markdown.rs` (the
//! summary, its notes and the README splice) and `json.rs` (`report.json`).

mod json;
mod machine;
mod markdown;
mod table;
mod targets;

use crate::driver::Plan;

pub use json::to_json;
pub use machine::Machine;
pub use markdown::{notes, render_markdown, splice, update_readme, README_MARKERS};
pub use table::{render_markdown_table, render_terminal, table, Table};
pub use targets::{target_lines, Against, Target, TARGETS};

/// Formats a value with about three significant digits.
///
/// ```
/// use lwa_benches::report::number;
/// assert_eq!(number(1234.4), "1234");
/// assert_eq!(number(12.345), "12.3");
/// assert_eq!(number(1.2345), "1.23");
/// assert_eq!(number(0.01234), "0.0123");
/// ```
pub fn number(value: f64) -> String {
    let magnitude = value.abs();
    if magnitude >= 100.0 {
        format!("{value:.0}")
    } else if magnitude >= 10.0 {
        format!("{value:.1}")
    } else if magnitude >= 1.0 || magnitude == 0.0 {
        format!("{value:.2}")
    } else {
        let digits = (2 - magnitude.log10().floor() as i64).clamp(3, 9) as usize;
        format!("{value:.digits$}").trim_end_matches('0').to_owned()
    }
}

fn ratio(value: Option<f64>, reference: Option<f64>) -> Option<f64> {
    match (value, reference) {
        (Some(v), Some(r)) if r != 0.0 && r.is_finite() && v.is_finite() => Some(v / r),
        _ => None,
    }
}

/// What the report is about besides the numbers.
#[derive(Debug, Clone)]
pub struct Context<'a> {
    /// The plan that ran.
    pub plan: &'a Plan,
    /// The machine.
    pub machine: &'a Machine,
    /// The command line.
    pub command: String,
    /// When the run started (UTC, `YYYY-MM-DD HH:MM`).
    pub date: String,
    /// Runtime threads of the driver (the emulator and the app run on them).
    pub driver_threads: usize,
}

/// `YYYY-MM-DD HH:MM UTC` for seconds since the epoch.
///
/// ```
/// assert_eq!(lwa_benches::report::utc_date(1_772_363_095), "2026-03-01 11:04 UTC");
/// ```
pub fn utc_date(epoch_seconds: u64) -> String {
    let days = (epoch_seconds / 86_400) as i64;
    let secs = epoch_seconds % 86_400;
    // Civil date from days since 1970-01-01 (H. Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02} {:02}:{:02} UTC", secs / 3600, secs % 3600 / 60)
}

/// The candidates the tests of the report's parts share.
#[cfg(test)]
mod fixtures {
    use crate::driver::{CandidateResult, Results, Sample};
    use crate::metric::Metric;
    use std::time::Duration;

    fn candidate(label: &str, path: Option<&str>, harness: bool, values: &[(Metric, f64)]) -> CandidateResult {
        let mut c =
            CandidateResult { label: label.into(), path: path.map(Into::into), harness, ..CandidateResult::default() };
        for (metric, value) in values {
            c.samples.entry(*metric).or_default().push(Sample { run: 0, value: *value });
        }
        c
    }

    pub(super) fn results() -> Results {
        Results {
            candidates: vec![
                candidate(
                    "floor",
                    None,
                    false,
                    &[(Metric::WarmP50, 20.0), (Metric::Throughput, 1000.0), (Metric::StreamBandwidth, 1000.0)],
                ),
                candidate("harness", Some("/h"), true, &[(Metric::WarmP50, 60.0), (Metric::CpuPerInvocation, 100.0)]),
                candidate(
                    "lwa",
                    Some("/l"),
                    false,
                    &[(Metric::WarmP50, 220.0), (Metric::Throughput, 100.0), (Metric::BinarySize, 4.0)],
                ),
                candidate(
                    "ours",
                    Some("/o"),
                    false,
                    &[
                        (Metric::WarmP50, 110.0),
                        (Metric::Throughput, 200.0),
                        (Metric::BinarySize, 2.0),
                        (Metric::StreamFirstByteAdded, 50.0),
                        (Metric::CpuPerInvocation, 120.0),
                        (Metric::StreamBandwidth, 950.0),
                    ],
                ),
            ],
            elapsed: Duration::from_secs(1),
        }
    }
}
