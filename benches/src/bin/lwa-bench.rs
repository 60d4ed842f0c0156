//! `lwa-bench [ADAPTER...]`: the end-to-end benchmark of Lambda web adapter binaries.
//!
//! Each adapter runs as a Lambda extension under the local emulator against the built-in
//! echo app, interleaved with the other adapters and with the floor (the same requests sent
//! straight to the app). Prints a table and writes `report.json`, `summary.md` and
//! `index.html` (charts) to the output folder; `--render` makes the page of an earlier
//! run's report.json again. See the crate docs of `lwa-benches` for what each figure means.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use anyhow::{bail, Context as _};
use clap::Parser;
use lwa_benches::report::{self, Context, Machine};
use lwa_benches::{driver, Adapter, Metric, Plan, Workload};

/// The reference adapter's release build, relative to the workspace root.
const DEFAULT_ADAPTER: &str = "target/release/lambda-adapter";

/// End-to-end benchmark of Lambda web adapter binaries against the floor (no adapter).
#[derive(Debug, Parser)]
#[command(name = "lwa-bench", version, about)]
struct Args {
    /// Adapter executables, as `PATH` or `LABEL=PATH`; the first is the reference for the
    /// `x first` ratios. Default: the reference release build, target/release/lambda-adapter.
    /// Lambda names an extension after its file name, so keep the name the adapter
    /// registers with (LWA always registers as `lambda-adapter`).
    adapters: Vec<String>,
    /// Repetitions of the whole sequence; medians are taken over them.
    #[arg(long, default_value_t = 10)]
    runs: usize,
    /// Cold starts per adapter per run with the app already listening.
    #[arg(long, default_value_t = 10)]
    cold_starts: usize,
    /// Cold starts per adapter per run with an app that needs --slow-app-ms to listen.
    #[arg(long, default_value_t = 2)]
    slow_cold_starts: usize,
    /// How long the slow app takes to listen, in ms.
    #[arg(long, default_value_t = 200)]
    slow_app_ms: u64,
    /// Unmeasured invocations before each measured phase.
    #[arg(long, default_value_t = 50)]
    warmup: usize,
    /// Small-event invocations per run (latency, sequential throughput, CPU).
    #[arg(long, default_value_t = 2000)]
    invocations: usize,
    /// Invocations answered with 1 MiB per run.
    #[arg(long, default_value_t = 50)]
    big_invocations: usize,
    /// Invocations of the concurrent phase per run.
    #[arg(long, default_value_t = 2000)]
    concurrent_invocations: usize,
    /// AWS_LAMBDA_MAX_CONCURRENCY of the concurrent phase.
    #[arg(long, default_value_t = 8)]
    concurrency: u32,
    /// Streamed invocations per run for the time to first byte.
    #[arg(long, default_value_t = 200)]
    stream_invocations: usize,
    /// Streamed large-body invocations per run for the bandwidth.
    #[arg(long, default_value_t = 10)]
    bandwidth_invocations: usize,
    /// Size of the streamed large body, in KiB.
    #[arg(long, default_value_t = 4096)]
    stream_kib: usize,
    /// Skip the harness adapter (`lwa-null-adapter`, the least an adapter can do), which
    /// shows what the emulator and the process hops cost by themselves.
    #[arg(long)]
    no_harness: bool,
    /// The harness binary. Default: `lwa-null-adapter` beside lwa-bench (a host build).
    /// To judge static builds against a harness built the same way (musl, mimalloc):
    /// `cargo build --release -p lwa-benches --bin lwa-null-adapter --target
    /// x86_64-unknown-linux-musl`, then `--harness
    /// target/x86_64-unknown-linux-musl/release/lwa-null-adapter`.
    #[arg(long, value_name = "PATH", conflicts_with = "no_harness")]
    harness: Option<PathBuf>,
    /// A smoke test: one run with a few invocations of each kind (numbers not meaningful).
    #[arg(long)]
    quick: bool,
    /// Runtime threads of the driver, which hosts the emulator and the app (1: a
    /// single-threaded runtime, leaving the other cores to the adapter).
    #[arg(long, default_value_t = 1)]
    threads: usize,
    /// Where report.json, summary.md and index.html go.
    #[arg(long, default_value = "target/bench")]
    out: PathBuf,
    /// Measure nothing: write index.html into --out from this report.json of an earlier run.
    #[arg(long, value_name = "REPORT_JSON", conflicts_with = "adapters")]
    render: Option<PathBuf>,
    /// Also splice the summary into this file, between `<!-- bench-summary:start -->` and
    /// `<!-- bench-summary:end -->`.
    #[arg(long)]
    readme: Option<PathBuf>,
}

fn main() -> ExitCode {
    match run(Args::parse()) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("lwa-bench: {err:#}");
            ExitCode::from(2)
        }
    }
}

fn run(args: Args) -> anyhow::Result<ExitCode> {
    if let Some(json) = &args.render {
        let text = std::fs::read_to_string(json).with_context(|| format!("reading {}", json.display()))?;
        let doc: serde_json::Value =
            serde_json::from_str(&text).with_context(|| format!("{} is not a report.json", json.display()))?;
        let page = write_page(&args.out, &doc)?;
        eprintln!("lwa-bench: {} written", page.display());
        return Ok(ExitCode::SUCCESS);
    }
    let plan = plan(&args)?;
    let machine = Machine::detect();
    let command = std::iter::once("lwa-bench".to_owned()).chain(std::env::args().skip(1)).collect::<Vec<_>>().join(" ");
    let now = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let runtime = if args.threads <= 1 {
        tokio::runtime::Builder::new_current_thread().enable_all().build()?
    } else {
        tokio::runtime::Builder::new_multi_thread().worker_threads(args.threads).enable_all().build()?
    };
    let tested = plan.adapters.iter().filter(|a| !a.harness).count();
    let harness = if args.no_harness { "" } else { ", the harness" };
    eprintln!("lwa-bench: {tested} adapter(s){harness} and the floor, {} run(s), on {}", plan.runs, machine.summary());
    for adapter in &plan.adapters {
        eprintln!("  {} = {}", adapter.label, adapter.path.display());
    }
    let results = runtime.block_on(driver::run(&plan, |line| eprintln!("lwa-bench: {line}")));
    let context = Context {
        plan: &plan,
        machine: &machine,
        command,
        date: report::utc_date(now),
        driver_threads: args.threads.max(1),
    };

    println!();
    print!("{}", report::render_terminal(&report::table(&results, plan.workload.concurrency)));
    for line in report::target_lines(&results) {
        println!("target: {line}");
    }
    for note in report::notes(&results, &machine) {
        println!("note: {note}");
    }
    for candidate in &results.candidates {
        for error in &candidate.errors {
            eprintln!("error: {}: {}", candidate.label, error.lines().next().unwrap_or_default());
        }
    }

    std::fs::create_dir_all(&args.out).with_context(|| format!("creating {}", args.out.display()))?;
    let json_path = args.out.join("report.json");
    let markdown_path = args.out.join("summary.md");
    let doc = report::to_json(&results, &context);
    let json = serde_json::to_string_pretty(&doc)?;
    std::fs::write(&json_path, json + "\n").with_context(|| format!("writing {}", json_path.display()))?;
    let page_path = write_page(&args.out, &doc)?;
    let summary = report::render_markdown(&results, &context);
    std::fs::write(&markdown_path, &summary).with_context(|| format!("writing {}", markdown_path.display()))?;
    if let Some(readme) = &args.readme {
        report::update_readme(readme, &summary)?;
        eprintln!("lwa-bench: updated {}", readme.display());
    }
    eprintln!(
        "lwa-bench: {}, {} and {} written in {:.0} s",
        json_path.display(),
        markdown_path.display(),
        page_path.display(),
        results.elapsed.as_secs_f64()
    );
    // An adapter that produced no warm figure at all did not work under the emulator.
    let broken = results.candidates.iter().any(|c| c.median(Metric::WarmP50).is_none());
    Ok(if broken { ExitCode::FAILURE } else { ExitCode::SUCCESS })
}

/// Writes `index.html` for report.json's document into `out`; returns its path.
fn write_page(out: &Path, doc: &serde_json::Value) -> anyhow::Result<PathBuf> {
    std::fs::create_dir_all(out).with_context(|| format!("creating {}", out.display()))?;
    let path = out.join("index.html");
    std::fs::write(&path, lwa_benches::html::page(doc)).with_context(|| format!("writing {}", path.display()))?;
    Ok(path)
}

fn plan(args: &Args) -> anyhow::Result<Plan> {
    if let Some(readme) = &args.readme {
        // Checked before the run, not after minutes of it.
        let text = std::fs::read_to_string(readme).with_context(|| format!("reading {}", readme.display()))?;
        if report::splice(&text, "").is_none() {
            let (start, end) = report::README_MARKERS;
            bail!("{} has no {start} ... {end} section to update", readme.display());
        }
    }
    let given: Vec<String> =
        if args.adapters.is_empty() { vec![format!("reference={DEFAULT_ADAPTER}")] } else { args.adapters.clone() };
    let mut adapters = Vec::new();
    if !args.no_harness {
        let path = match &args.harness {
            Some(path) => path.clone(),
            None => std::env::current_exe().context("locating lwa-bench")?.with_file_name("lwa-null-adapter"),
        };
        if !path.is_file() {
            bail!(
                "harness {} is missing (build it: cargo build --release -p lwa-benches), or pass --no-harness",
                path.display()
            );
        }
        let path = std::fs::canonicalize(&path).with_context(|| format!("resolving {}", path.display()))?;
        adapters.push(Adapter { label: "harness".to_owned(), path, harness: true });
    }
    for spec in &given {
        let (label, path) = match spec.split_once('=') {
            Some((label, path)) if !label.contains('/') && !label.is_empty() => (label.to_owned(), PathBuf::from(path)),
            _ => (default_label(Path::new(spec)), PathBuf::from(spec)),
        };
        if !path.is_file() {
            let hint = if path == Path::new(DEFAULT_ADAPTER) {
                " (build it: cargo build --release -p lambda-web-adapter)"
            } else {
                ""
            };
            bail!("adapter {} is not a file{hint}", path.display());
        }
        let path = std::fs::canonicalize(&path).with_context(|| format!("resolving {}", path.display()))?;
        let label = unique(label, &adapters);
        adapters.push(Adapter { label, path, harness: false });
    }
    let mut workload = Workload {
        warmup: args.warmup,
        invocations: args.invocations,
        big_invocations: args.big_invocations,
        concurrent_invocations: args.concurrent_invocations,
        concurrency: args.concurrency.max(1),
        stream_invocations: args.stream_invocations,
        stream_kib: args.stream_kib.max(1),
        bandwidth_invocations: args.bandwidth_invocations,
        slow_app_delay: Duration::from_millis(args.slow_app_ms),
    };
    let (mut runs, mut cold_starts, mut slow_cold_starts) = (args.runs.max(1), args.cold_starts, args.slow_cold_starts);
    if args.quick {
        (runs, cold_starts, slow_cold_starts) = (1, 2, 1);
        workload.warmup = 5;
        workload.invocations = 100;
        workload.big_invocations = 5;
        workload.concurrent_invocations = 100;
        workload.stream_invocations = 10;
        workload.bandwidth_invocations = 2;
    }
    Ok(Plan { adapters, runs, cold_starts, slow_cold_starts, workload })
}

/// The path as given when short, else its last two components.
fn default_label(path: &Path) -> String {
    let text = path.display().to_string();
    if text.chars().count() <= 32 {
        return text;
    }
    let parts: Vec<String> = path.components().map(|c| c.as_os_str().to_string_lossy().into_owned()).collect();
    parts[parts.len().saturating_sub(2)..].join("/")
}

/// `label`, or `label#2`, `label#3`... when already taken.
fn unique(label: String, taken: &[Adapter]) -> String {
    if !taken.iter().any(|a| a.label == label) {
        return label;
    }
    (2..).map(|n| format!("{label}#{n}")).find(|l| !taken.iter().any(|a| &a.label == l)).unwrap_or(label)
}
