//! `lwa-soak [N]`: the soak of a Lambda web adapter binary. N invocations (after
//! warm-up) of every event source, buffered and streamed, one at a time and with
//! `AWS_LAMBDA_MAX_CONCURRENCY=8`, each checked for cross-talk with other invocations;
//! the adapter's RSS, threads and open fds sampled along the way must stay flat after
//! warm-up. Prints the failures, a sample table and a lane table; writes
//! `target/soak/report.json`. Exit status 0: passed; 1: a failure or growth; 2: the soak
//! could not run. See the `lwa_benches::soak` docs for the design.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::Context as _;
use clap::Parser;
use lwa_benches::report::{self, Machine};
use lwa_benches::soak::{self, SoakConfig};

/// Soak of a Lambda web adapter: cross-talk checks and flat RSS, threads and fds.
#[derive(Debug, Parser)]
#[command(name = "lwa-soak", version)]
struct Args {
    /// Invocations after warm-up, all four lanes together (rounded up to whole rounds of
    /// 4 x --block).
    #[arg(default_value_t = 100_000)]
    invocations: u64,
    /// The adapter executable (its file name is its extension name).
    #[arg(long, default_value = "target/x86_64-unknown-linux-musl/release/lambda-adapter")]
    adapter: PathBuf,
    /// Warm-up invocations, all lanes together, before the baseline sample.
    #[arg(long, default_value_t = 10_000)]
    warmup: u64,
    /// Invocations of one lane before the next lane's turn.
    #[arg(long, default_value_t = 125)]
    block: u64,
    /// Invocations between samples (default: 10,000, or a tenth of N below 100,000).
    #[arg(long)]
    sample_every: Option<u64>,
    /// AWS_LAMBDA_MAX_CONCURRENCY of the concurrent lanes, and their invocations in flight.
    #[arg(long, default_value_t = 8)]
    concurrency: u32,
    /// How far the last sample's RSS may be above the warm-up's peak (VmHWM), in MiB...
    #[arg(long, default_value_t = 2.0)]
    rss_tolerance_mib: f64,
    /// ...or in percent of that peak, whichever is larger.
    #[arg(long, default_value_t = 10.0)]
    rss_tolerance_percent: f64,
    /// Failures printed as they happen (all are counted and the first 100 are in the report).
    #[arg(long, default_value_t = 20)]
    print_failures: usize,
    /// Runtime threads of the driver, which hosts the emulators and the echo apps (1: a
    /// single-threaded runtime, leaving the other cores to the adapters).
    #[arg(long, default_value_t = 1)]
    threads: usize,
    /// Where report.json goes.
    #[arg(long, default_value = "target/soak")]
    out: PathBuf,
}

fn main() -> ExitCode {
    match run(Args::parse()) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("lwa-soak: {err:#}");
            ExitCode::from(2)
        }
    }
}

fn run(args: Args) -> anyhow::Result<ExitCode> {
    let default_every = if args.invocations >= 100_000 { 10_000 } else { (args.invocations / 10).max(1) };
    let config = SoakConfig {
        adapter: soak::adapter_path(&args.adapter)?,
        invocations: args.invocations,
        warmup: args.warmup,
        block: args.block.max(1),
        sample_every: args.sample_every.unwrap_or(default_every).max(1),
        concurrency: args.concurrency.max(1),
        rss_tolerance_mib: args.rss_tolerance_mib,
        rss_tolerance_fraction: args.rss_tolerance_percent / 100.0,
        print_failures: args.print_failures,
    };
    let machine = Machine::detect();
    let now = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let runtime = if args.threads <= 1 {
        tokio::runtime::Builder::new_current_thread().enable_all().build()?
    } else {
        tokio::runtime::Builder::new_multi_thread().worker_threads(args.threads).enable_all().build()?
    };
    eprintln!(
        "lwa-soak: {} on {}\nlwa-soak: {} invocations after {} of warm-up, 4 lanes taking turns {} at a time, \
         sampled every {} (RSS MiB/threads/fds)",
        config.adapter.display(),
        machine.summary(),
        config.rounds() * config.round(),
        config.warmup_rounds() * config.round(),
        config.block,
        config.rounds_per_sample() * config.round(),
    );
    let result = runtime.block_on(soak::run(&config, |line| eprintln!("lwa-soak: {line}")))?;

    println!();
    print!("{}", report::render_terminal(&soak::samples_table(&result)));
    println!("(per lane: RSS MiB/threads/open fds, each sampled right after the lane's own block)");
    println!();
    println!(
        "Flat: the last RSS within {} MiB or {}% of the warm-up's peak; threads and fds (looked at after \
         every block) never above their most during warm-up (shown as warm-up/after).",
        config.rss_tolerance_mib, args.rss_tolerance_percent
    );
    println!();
    print!("{}", report::render_terminal(&soak::lanes_table(&result, &config)));
    let mut flat = true;
    for lane in &result.lanes {
        for problem in lane.verdict(&config).problems {
            flat = false;
            println!("FAIL: {}: {problem}", lane.label);
        }
    }
    let passed = soak::passed(&result, &config);
    println!(
        "{}: {} invocations checked, {} failed; {} in {:.0} s",
        if passed { "PASS" } else { "FAIL" },
        result.lanes.iter().map(|l| l.invocations).sum::<u64>(),
        result.failures.len(),
        if flat { "RSS, threads and fds flat after warm-up" } else { "not flat (see above)" },
        result.elapsed.as_secs_f64()
    );

    std::fs::create_dir_all(&args.out).with_context(|| format!("creating {}", args.out.display()))?;
    let path = args.out.join("report.json");
    let json = soak::to_json(&result, &config, &machine, &report::utc_date(now));
    std::fs::write(&path, serde_json::to_string_pretty(&json)? + "\n")
        .with_context(|| format!("writing {}", path.display()))?;
    eprintln!("lwa-soak: {} written", path.display());
    Ok(if passed { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}
