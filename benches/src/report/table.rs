//! The report table (one row per metric, each candidate's value and its ratios), rendered
//! with aligned columns for a terminal or in Markdown.

use std::fmt::Write as _;

use super::{number, ratio};
use crate::driver::{CandidateResult, Results};
use crate::metric::Metric;

fn cell(value: Option<f64>) -> String {
    value.map_or_else(|| "-".to_owned(), number)
}

fn ratio_cell(value: Option<f64>) -> String {
    value.map_or_else(|| "-".to_owned(), |r| format!("{r:.2}x"))
}

/// The report table: a header and one row per metric.
#[derive(Debug, Clone)]
pub struct Table {
    /// Column titles.
    pub header: Vec<String>,
    /// Cells, row by row.
    pub rows: Vec<Vec<String>>,
}

/// Builds the table: metric, unit, floor, the harness (when measured) and its `x floor`,
/// then for each adapter its value, `x floor`, and (second adapter on) `x first`.
pub fn table(results: &Results, concurrency: u32) -> Table {
    let floor = results.candidates.iter().find(|c| c.is_floor());
    let harness = results.candidates.iter().find(|c| c.harness);
    let adapters: Vec<&CandidateResult> = results.candidates.iter().filter(|c| c.is_adapter()).collect();
    let mut header = vec!["metric".to_owned(), "unit".to_owned(), "floor".to_owned()];
    if let Some(harness) = harness {
        header.push(harness.label.clone());
        header.push("x floor".to_owned());
    }
    for (i, adapter) in adapters.iter().enumerate() {
        header.push(adapter.label.clone());
        header.push("x floor".to_owned());
        if i > 0 {
            header.push("x first".to_owned());
        }
    }
    let mut rows = Vec::new();
    for metric in Metric::ALL {
        let floor_value = floor.and_then(|f| f.median(metric)).filter(|_| metric.floor_has());
        let mut row = vec![metric.label(concurrency), metric.unit().to_owned(), cell(floor_value)];
        if let Some(harness) = harness {
            let value = harness.median(metric);
            row.push(cell(value));
            row.push(ratio_cell(ratio(value, floor_value)));
        }
        let first = adapters.first().and_then(|a| a.median(metric));
        for (i, adapter) in adapters.iter().enumerate() {
            let value = adapter.median(metric);
            row.push(cell(value));
            row.push(ratio_cell(ratio(value, floor_value)));
            if i > 0 {
                row.push(ratio_cell(ratio(value, first)));
            }
        }
        rows.push(row);
    }
    Table { header, rows }
}

/// The table with aligned columns, for a terminal.
pub fn render_terminal(table: &Table) -> String {
    let columns = table.header.len();
    let mut widths = vec![0usize; columns];
    for row in std::iter::once(&table.header).chain(&table.rows) {
        for (i, cell) in row.iter().enumerate() {
            widths[i] = widths[i].max(cell.chars().count());
        }
    }
    let mut out = String::new();
    let mut line = |row: &[String]| {
        let mut text = String::new();
        for (i, cell) in row.iter().enumerate() {
            let pad = widths[i].saturating_sub(cell.chars().count());
            if i == 0 {
                text.push_str(cell);
                text.push_str(&" ".repeat(pad));
            } else {
                text.push_str("  ");
                text.push_str(&" ".repeat(pad));
                text.push_str(cell);
            }
        }
        out.push_str(text.trim_end());
        out.push('\n');
    };
    line(&table.header);
    line(&widths.iter().map(|w| "-".repeat(*w)).collect::<Vec<_>>());
    for row in &table.rows {
        line(row);
    }
    out
}

/// The table in Markdown.
pub fn render_markdown_table(table: &Table) -> String {
    let mut out = String::new();
    let escape = |c: &str| c.replace('|', "\\|");
    let _ = writeln!(out, "| {} |", table.header.iter().map(|c| escape(c)).collect::<Vec<_>>().join(" | "));
    let aligns: Vec<&str> = (0..table.header.len()).map(|i| if i < 2 { "---" } else { "---:" }).collect();
    let _ = writeln!(out, "|{}|", aligns.join("|"));
    for row in &table.rows {
        let _ = writeln!(out, "| {} |", row.iter().map(|c| escape(c)).collect::<Vec<_>>().join(" | "));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::fixtures::results;

    #[test]
    fn the_table_has_ratios_to_the_floor_and_to_the_first_adapter() {
        let table = table(&results(), 8);
        assert_eq!(
            table.header,
            ["metric", "unit", "floor", "harness", "x floor", "lwa", "x floor", "ours", "x floor", "x first"]
        );
        let warm = table.rows.iter().find(|r| r[0] == Metric::WarmP50.label(8)).expect("a warm row");
        assert_eq!(warm[2..], ["20.0", "60.0", "3.00x", "220", "11.00x", "110", "5.50x", "0.50x"]);
        // The floor has no binary: no value, no ratio.
        let size = table.rows.iter().find(|r| r[0] == Metric::BinarySize.label(8)).expect("a size row");
        assert_eq!(size[2..], ["-", "-", "-", "4.00", "-", "2.00", "-", "0.50x"]);
    }

    #[test]
    fn markdown_escapes_pipes() {
        let table = Table { header: vec!["a|b".into()], rows: vec![vec!["c".into()]] };
        assert!(render_markdown_table(&table).starts_with("| a\\|b |"));
    }
}
