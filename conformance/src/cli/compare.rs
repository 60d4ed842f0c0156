//! `lwa-conformance compare`: two reports side by side, by the rules of the spec.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::Args;
use lwa_conformance::report::Report;
use lwa_conformance::spec::Level;

/// Arguments of `compare`.
#[derive(Debug, Args)]
pub(crate) struct CompareArgs {
    /// The first report.json (for example the reference adapter's).
    first: PathBuf,
    /// The second report.json (for example another adapter's).
    second: PathBuf,
}

/// Reads a report.json of `run`.
pub(crate) fn load(path: &PathBuf) -> anyhow::Result<Report> {
    let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    serde_json::from_str(&text)
        .with_context(|| format!("{} is not a report.json of `lwa-conformance run`", path.display()))
}

/// Broken rules of a report: id -> (level, distinct cases, one example).
fn broken(report: &Report) -> BTreeMap<String, (Level, usize, String)> {
    report.broken_rules().into_iter().map(|b| (b.id, (b.level, b.cases, b.example))).collect()
}

/// The comparison as text: rules only the first breaks, only the second, and both.
pub(crate) fn comparison(first: &Report, second: &Report) -> String {
    use std::fmt::Write as _;
    let (a, b) = (broken(first), broken(second));
    let mut out = String::new();
    let mut section = |title: String, ids: Vec<&String>, from: &BTreeMap<String, (Level, usize, String)>| {
        let _ = writeln!(out, "{title} ({}):", ids.len());
        let mut ids = ids;
        ids.sort_by_key(|id| (from[*id].0, (*id).clone()));
        for id in ids {
            let (level, cases, example) = &from[id];
            let _ = writeln!(out, "  {level:<9} {id}: {cases} cases, e.g. {example}");
        }
        out.push('\n');
    };
    section(format!("Broken by {} only", first.adapter), a.keys().filter(|id| !b.contains_key(*id)).collect(), &a);
    section(format!("Broken by {} only", second.adapter), b.keys().filter(|id| !a.contains_key(*id)).collect(), &b);
    section("Broken by both".to_owned(), a.keys().filter(|id| b.contains_key(*id)).collect(), &a);
    let musts = |m: &BTreeMap<String, (Level, usize, String)>| m.values().filter(|v| v.0 == Level::Must).count();
    let _ = writeln!(
        out,
        "{}: {} MUST rules broken, {} other rules broken\n{}: {} MUST rules broken, {} other rules broken",
        first.adapter,
        musts(&a),
        a.len() - musts(&a),
        second.adapter,
        musts(&b),
        b.len() - musts(&b)
    );
    out
}

pub(crate) fn run(args: CompareArgs) -> anyhow::Result<ExitCode> {
    let (first, second) = (load(&args.first)?, load(&args.second)?);
    print!("{}", comparison(&first, &second));
    Ok(ExitCode::SUCCESS)
}
