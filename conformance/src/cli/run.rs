//! `lwa-conformance run`: judge adapter binaries against every case.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use lwa_conformance::report::Verdict;
use lwa_conformance::runner::{self, Arch, Paths, Target};

/// Arguments of `run`.
#[derive(Debug, Args)]
pub(crate) struct RunArgs {
    /// The adapter binary to judge (default: this workspace's build, target/debug/lambda-adapter).
    #[arg(long, value_name = "PATH")]
    adapter: Option<PathBuf>,
    /// The app the cases run against (the sample apps come with `just conformance`).
    #[arg(long, value_enum, default_value = "echo")]
    app: AppChoice,
    /// The adapter's architecture: aarch64 runs under qemu-aarch64-static.
    #[arg(long, value_enum, default_value = "x86_64")]
    arch: ArchChoice,
    /// Only cases whose id matches this glob (e.g. 'request/*' or 'corpus/alb/*').
    #[arg(long, value_name = "GLOB")]
    filter: Option<String>,
    /// Cases run at once.
    #[arg(long, default_value_t = 4)]
    jobs: usize,
    /// The repository root (where fixtures/ lives).
    #[arg(long, value_name = "DIR")]
    root: Option<PathBuf>,
    /// Where reports are written.
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum AppChoice {
    Echo,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum ArchChoice {
    #[value(name = "x86_64")]
    X86_64,
    #[value(name = "aarch64")]
    Aarch64,
}

fn repo_root(given: Option<PathBuf>) -> anyhow::Result<PathBuf> {
    if let Some(root) = given {
        return Ok(root);
    }
    let mut dir = std::env::current_dir()?;
    loop {
        if dir.join("fixtures/events").is_dir() && dir.join("Cargo.toml").is_file() {
            return Ok(dir);
        }
        if !dir.pop() {
            anyhow::bail!("cannot find the repository root (a folder with fixtures/events); pass --root");
        }
    }
}

pub(crate) async fn run(args: RunArgs) -> anyhow::Result<ExitCode> {
    let root = repo_root(args.root)?;
    let paths = Paths::in_repo(&root);
    let arch = match args.arch {
        ArchChoice::X86_64 => Arch::X86_64,
        ArchChoice::Aarch64 => Arch::Aarch64,
    };
    let AppChoice::Echo = args.app;
    let adapter = args.adapter.unwrap_or_else(|| root.join("target/debug/lambda-adapter"));
    anyhow::ensure!(
        adapter.is_file(),
        "no adapter binary at {} (build it with `cargo build -p lambda-web-adapter`)",
        adapter.display()
    );
    let adapter = adapter.canonicalize().context("adapter path")?;
    let filter = match &args.filter {
        Some(glob) => Some(globset::Glob::new(glob).context("--filter")?.compile_matcher()),
        None => None,
    };
    let runnables = runner::discover(&paths, filter.as_ref())?;
    anyhow::ensure!(!runnables.is_empty(), "no case matches the filter");
    let targets = vec![Target { adapter, arch }];

    let bar = ProgressBar::new((runnables.len() * targets.len()) as u64);
    bar.set_style(
        ProgressStyle::with_template("{spinner} [{elapsed_precise}] {bar:40} {pos}/{len} {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    bar.enable_steady_tick(Duration::from_millis(200));
    let progress_bar = bar.clone();
    let (report, _) = runner::run_all(runnables, &targets, &paths, args.jobs, move |ran| {
        if ran.result.verdict == Verdict::Fail {
            progress_bar.println(format!("FAIL {}", ran.result.id));
        }
        progress_bar.set_message(ran.result.id.clone());
        progress_bar.inc(1);
    })
    .await;
    bar.finish_and_clear();

    let out = args.out.unwrap_or_else(|| root.join("target/conformance"));
    report.write(&out).with_context(|| format!("writing reports to {}", out.display()))?;
    print!("{}", report.to_text());
    println!("reports: {}/report.json, junit.xml, report.md", out.display());
    Ok(if report.failed() { ExitCode::FAILURE } else { ExitCode::SUCCESS })
}
