//! `lwa-conformance run`: judge adapter binaries against every case.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use lwa_conformance::apps::AppKind;
use lwa_conformance::report::Verdict;
use lwa_conformance::runner::{self, Arch, Host, Paths, Plan, Target};

const AARCH64_DEFAULT: &str = "target/aarch64-unknown-linux-musl/release/lambda-adapter";
const CONTAINER_TOOL_DEFAULT: &str = "target/x86_64-unknown-linux-musl/tool/lwa-conformance";

/// Arguments of `run`.
#[derive(Debug, Args)]
pub(crate) struct RunArgs {
    /// The adapter binary to judge (default: this workspace's build, target/debug/lambda-adapter).
    #[arg(long, value_name = "PATH")]
    adapter: Option<PathBuf>,
    /// The app the cases run against: echo (built in), a sample app (installed by
    /// `just setup`), or all of them.
    #[arg(long, value_enum, default_value = "echo")]
    app: AppChoice,
    /// The adapter's architecture: aarch64 runs under qemu-aarch64-static. With `all`,
    /// --adapter-aarch64 names the aarch64 binary.
    #[arg(long, value_enum, default_value = "x86_64")]
    arch: ArchChoice,
    /// The aarch64 adapter binary for --arch all (default:
    /// target/aarch64-unknown-linux-musl/release/lambda-adapter).
    #[arg(long, value_name = "PATH")]
    adapter_aarch64: Option<PathBuf>,
    /// Where the adapter and the app run: process (this machine), container (each sample
    /// app's Lambda container image from `just images`, in a Lambda-like sandbox, with
    /// testcontainers; the echo app and corpus events stay on the process host), or all.
    #[arg(long, value_enum, default_value = "process")]
    host: HostChoice,
    /// The static lwa-conformance mounted into the containers as their agent (default:
    /// target/x86_64-unknown-linux-musl/tool/lwa-conformance).
    #[arg(long, value_name = "PATH")]
    container_tool: Option<PathBuf>,
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
    /// Exit non-zero on non-strict results too (a broken SHOULD or REFERENCE rule), not
    /// only on failures (a broken MUST rule).
    #[arg(long)]
    strict: bool,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum AppChoice {
    Echo,
    Express,
    Flask,
    Spring,
    All,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum HostChoice {
    Process,
    Container,
    All,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum ArchChoice {
    #[value(name = "x86_64")]
    X86_64,
    #[value(name = "aarch64")]
    Aarch64,
    All,
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
    let apps = match args.app {
        AppChoice::Echo => vec![AppKind::Echo],
        AppChoice::Express => vec![AppKind::Express],
        AppChoice::Flask => vec![AppKind::Flask],
        AppChoice::Spring => vec![AppKind::Spring],
        AppChoice::All => vec![AppKind::Echo, AppKind::Express, AppKind::Flask, AppKind::Spring],
    };
    let binary = |given: Option<PathBuf>, default: &str| -> anyhow::Result<PathBuf> {
        let path = given.unwrap_or_else(|| root.join(default));
        anyhow::ensure!(
            path.is_file(),
            "no adapter binary at {} (build it first: `just build` or `just build-release`)",
            path.display()
        );
        path.canonicalize().context("adapter path")
    };
    let mut targets = Vec::new();
    if matches!(args.arch, ArchChoice::X86_64 | ArchChoice::All) {
        targets
            .push(Target { adapter: binary(args.adapter.clone(), "target/debug/lambda-adapter")?, arch: Arch::X86_64 });
    }
    match args.arch {
        ArchChoice::Aarch64 => {
            targets.push(Target { adapter: binary(args.adapter, AARCH64_DEFAULT)?, arch: Arch::Aarch64 })
        }
        ArchChoice::All => {
            targets.push(Target { adapter: binary(args.adapter_aarch64, AARCH64_DEFAULT)?, arch: Arch::Aarch64 })
        }
        ArchChoice::X86_64 => {}
    }
    let filter = match &args.filter {
        Some(glob) => Some(globset::Glob::new(glob).context("--filter")?.compile_matcher()),
        None => None,
    };
    let runnables = runner::discover(&paths, filter.as_ref())?;
    anyhow::ensure!(!runnables.is_empty(), "no case matches the filter");
    let hosts = match args.host {
        HostChoice::Process => vec![Host::Process],
        HostChoice::Container => vec![Host::Container],
        HostChoice::All => vec![Host::Process, Host::Container],
    };
    let cases = runnables.iter().filter(|r| matches!(r, runner::Runnable::Case(_))).count();
    let real = apps.iter().filter(|a| **a != AppKind::Echo).count();
    let mut per_target = 0;
    if hosts.contains(&Host::Process) {
        per_target += cases * real;
        if apps.contains(&AppKind::Echo) {
            per_target += runnables.len();
        }
    }
    if hosts.contains(&Host::Container) {
        per_target += cases * real;
    }
    let container_tool = if hosts.contains(&Host::Container) {
        let tool = args.container_tool.unwrap_or_else(|| root.join(CONTAINER_TOOL_DEFAULT));
        anyhow::ensure!(
            tool.is_file(),
            "no in-container lwa-conformance at {} (build it: cargo build --release --target \
             x86_64-unknown-linux-musl -p lwa-conformance)",
            tool.display()
        );
        Some(tool)
    } else {
        None
    };
    let plan = Plan { apps, hosts, container_tool, jobs: args.jobs };
    let bar = ProgressBar::new((per_target * targets.len()) as u64);
    bar.set_style(
        ProgressStyle::with_template("{spinner} [{elapsed_precise}] {bar:40} {pos}/{len} {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    bar.enable_steady_tick(Duration::from_millis(200));
    let progress_bar = bar.clone();
    let (report, _) = runner::run_all(runnables, &targets, &plan, &paths, move |ran| {
        if matches!(ran.result.verdict, Verdict::Fail | Verdict::NoExpectation) {
            let verdict = ran.result.verdict.name().to_uppercase();
            progress_bar.println(format!("{verdict} {} [{}]", ran.result.id, ran.result.target()));
        }
        progress_bar.set_message(ran.result.id.clone());
        progress_bar.inc(1);
    })
    .await
    .map_err(|e| anyhow::anyhow!(e))?;
    bar.finish_and_clear();

    let strict = args.strict;
    let out = args.out.unwrap_or_else(|| root.join("target/conformance"));
    report.write(&out).with_context(|| format!("writing reports to {}", out.display()))?;
    print!("{}", report.to_text());
    println!("reports: {}/report.json, junit.xml, report.md, index.html", out.display());
    // A fail, or a case with nothing to judge it against (no pass without a check); with
    // --strict, a non-strict result too.
    let failed = report.failed() || (strict && report.count(Verdict::NonStrict) > 0);
    Ok(if failed { ExitCode::FAILURE } else { ExitCode::SUCCESS })
}
