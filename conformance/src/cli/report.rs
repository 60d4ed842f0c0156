//! `lwa-conformance report`: the HTML page of one run again, or of two runs compared.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::Args;
use lwa_conformance::html;

/// Arguments of `report`.
#[derive(Debug, Args)]
pub(crate) struct ReportArgs {
    /// Write the HTML page to this file (its folder is created).
    #[arg(long, value_name = "OUT")]
    html: PathBuf,
    /// One report.json (its run's page again), or two (compared: the first is usually the
    /// reference adapter's).
    #[arg(value_name = "REPORT_JSON", num_args = 1..=2, required = true)]
    reports: Vec<PathBuf>,
}

pub(crate) fn run(args: ReportArgs) -> anyhow::Result<ExitCode> {
    let reports = args.reports.iter().map(super::compare::load).collect::<anyhow::Result<Vec<_>>>()?;
    let page = match reports.as_slice() {
        [one] => html::page(one),
        [first, second] => html::comparison_page(first, second),
        _ => anyhow::bail!("give one report.json, or two to compare"),
    };
    if let Some(dir) = args.html.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    std::fs::write(&args.html, page).with_context(|| format!("writing {}", args.html.display()))?;
    println!("{}", args.html.display());
    Ok(ExitCode::SUCCESS)
}
