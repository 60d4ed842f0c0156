//! `lwa-instructions [ADAPTER]`: instructions per invocation of an adapter binary, counted
//! by `valgrind --tool=callgrind`: a measure that does not move with the machine's load,
//! so CI can hold it to a baseline where a timing could not be held to anything.
//!
//! For each scenario (a small HTTP API event, a 1 MiB answer, a pass-through event) the
//! adapter runs under callgrind as a Lambda extension in front of the built-in echo app
//! (already listening, so init does the same work every time), twice: with `--few` and
//! with `--many` invocations after the same warm-up. What the second run executed more,
//! divided by the extra invocations, is the cost of one invocation, with start-up and
//! shutdown taken out.
//!
//! Writes `target/bench/instructions.json`; with `--baseline FILE` exits 1 when any
//! scenario grew more than `--tolerance` percent over it (`--write-baseline` records the
//! current counts there instead).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{bail, Context as _};
use bytes::Bytes;
use clap::Parser;
use lwa_benches::session::{describe, emulator_config, start, Events};
use lwa_benches::Workload;
use lwa_conformance::echo_app::{EchoApp, EchoOptions};
use lwa_emulator::{Invocation, Outcome};
use serde_json::{json, Value};

/// Instructions per invocation of an adapter binary under callgrind, against a baseline.
#[derive(Debug, Parser)]
#[command(name = "lwa-instructions", version, about)]
struct Args {
    /// The adapter executable (its file name is its extension name).
    #[arg(default_value = "target/x86_64-unknown-linux-musl/release/lambda-adapter")]
    adapter: PathBuf,
    /// Invocations of the shorter run.
    #[arg(long, default_value_t = 5)]
    few: usize,
    /// Invocations of the longer run.
    #[arg(long, default_value_t = 25)]
    many: usize,
    /// Where to write the counts.
    #[arg(long, default_value = "target/bench/instructions.json")]
    out: PathBuf,
    /// A committed baseline (a file this tool wrote) to compare with.
    #[arg(long)]
    baseline: Option<PathBuf>,
    /// How much growth over the baseline fails, in percent.
    #[arg(long, default_value_t = 10.0)]
    tolerance: f64,
    /// Write the counts to --baseline instead of comparing.
    #[arg(long)]
    write_baseline: bool,
}

/// One thing an adapter is asked to do, many times.
struct Scenario {
    name: &'static str,
    what: &'static str,
    event: Bytes,
}

fn scenarios() -> Vec<Scenario> {
    // Only the stream's size is read from the workload, and no scenario streams.
    let workload = Workload {
        warmup: 0,
        invocations: 0,
        big_invocations: 0,
        concurrent_invocations: 0,
        concurrency: 1,
        stream_invocations: 0,
        stream_kib: 1,
        bandwidth_invocations: 0,
        slow_app_delay: Duration::ZERO,
    };
    let events = Events::new(&workload);
    let sqs = br#"{"Records":[{"messageId":"0f8e4c1a","eventSource":"aws:sqs","body":"Order 1001 placed","attributes":{"ApproximateReceiveCount":"1"},"awsRegion":"us-east-1"}]}"#;
    vec![
        Scenario { name: "small_v2", what: "HTTP API POST /echo/items, 55-byte JSON body", event: events.small },
        Scenario { name: "big_1mib", what: "HTTP API GET /big?kb=1024 (a 1 MiB text answer)", event: events.big },
        Scenario {
            name: "pass_through",
            what: "an SQS event, POST /events and its JSON answer",
            event: Bytes::from_static(sqs),
        },
    ]
}

/// The `totals:` (or `summary:`) line of a callgrind output file: instructions executed.
fn callgrind_total(text: &str) -> Option<u64> {
    text.lines()
        .find_map(|l| l.strip_prefix("totals:").or_else(|| l.strip_prefix("summary:")))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|n| n.parse().ok())
}

/// Instructions the adapter executed in one whole session: start, `invocations` of
/// `event` after a fixed warm-up, shutdown.
async fn session(adapter: &Path, event: &Bytes, invocations: usize, dir: &Path) -> anyhow::Result<u64> {
    const WARMUP: usize = 3;
    let out = dir.join(format!("callgrind.{invocations}.out"));
    let _ = std::fs::remove_file(&out);
    let app = EchoApp::start(EchoOptions { forget: true, ..EchoOptions::default() }).await?;
    // The bench's Lambda-like environment for this adapter, with callgrind in front of
    // it. Under callgrind everything runs some 50 times slower: generous limits, and a
    // grace long enough for the adapter to exit on SIGTERM so callgrind writes its counts.
    let mut config = emulator_config(adapter, app.port())
        .timeout(Duration::from_secs(60))
        .init_timeout(Duration::from_secs(60))
        .shutdown_grace(Duration::from_secs(60));
    let callgrind =
        ["valgrind".to_owned(), "--tool=callgrind".to_owned(), format!("--callgrind-out-file={}", out.display())];
    for extension in &mut config.extensions {
        extension.argv.splice(0..0, callgrind.iter().cloned());
    }
    let emulator = start(config).await?;
    for _ in 0..WARMUP + invocations {
        let outcome = emulator.invoke(Invocation::new(event.clone())).await;
        if !matches!(outcome, Outcome::Buffered { .. }) || outcome.error_type().is_some() {
            bail!("an invocation failed: {}\n{}", describe(&outcome), emulator.log_text());
        }
    }
    emulator.shutdown().await;
    let text = std::fs::read_to_string(&out)
        .with_context(|| format!("callgrind wrote no {} (did the adapter exit cleanly?)", out.display()))?;
    callgrind_total(&text).with_context(|| format!("no totals in {}", out.display()))
}

/// Instructions per invocation of every scenario, by name.
async fn measure(args: &Args) -> anyhow::Result<BTreeMap<&'static str, (u64, &'static str)>> {
    // callgrind's own output files, kept for `callgrind_annotate`.
    let dir = args.out.with_extension("callgrind");
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    let mut counts = BTreeMap::new();
    for scenario in scenarios() {
        let scenario_dir = dir.join(scenario.name);
        std::fs::create_dir_all(&scenario_dir)?;
        let few = session(&args.adapter, &scenario.event, args.few, &scenario_dir).await?;
        let many = session(&args.adapter, &scenario.event, args.many, &scenario_dir).await?;
        let extra = (args.many - args.few) as u64;
        let per = many.saturating_sub(few) / extra;
        eprintln!(
            "lwa-instructions: {:<13} {per:>10} instructions per invocation ({few} with {}, {many} with {})",
            scenario.name, args.few, args.many
        );
        counts.insert(scenario.name, (per, scenario.what));
    }
    Ok(counts)
}

/// Scenarios that grew more than `tolerance` percent over `baseline`, as lines.
fn regressions(current: &Value, baseline: &Value, tolerance: f64) -> Vec<String> {
    let mut out = Vec::new();
    let Some(scenarios) = baseline.get("per_invocation").and_then(Value::as_object) else {
        return vec!["the baseline has no per_invocation counts".to_owned()];
    };
    for (name, before) in scenarios {
        let before = before.get("instructions").and_then(Value::as_u64).unwrap_or(0);
        let now = current.pointer(&format!("/per_invocation/{name}/instructions")).and_then(Value::as_u64);
        match now {
            None => out.push(format!("{name}: not measured")),
            Some(now) if before > 0 && now as f64 > before as f64 * (1.0 + tolerance / 100.0) => out.push(format!(
                "{name}: {now} instructions per invocation, {:+.1}% over the baseline's {before} (tolerance {tolerance}%)",
                (now as f64 / before as f64 - 1.0) * 100.0
            )),
            Some(_) => {}
        }
    }
    out
}

async fn main_result(args: Args) -> anyhow::Result<ExitCode> {
    if args.many <= args.few {
        bail!("--many ({}) must be more than --few ({})", args.many, args.few);
    }
    if !args.adapter.is_file() {
        bail!("{} is not a file (build it with `just build-release`)", args.adapter.display());
    }
    let counts = measure(&args).await?;
    let per_invocation: serde_json::Map<String, Value> = counts
        .iter()
        .map(|(name, (n, what))| ((*name).to_owned(), json!({ "instructions": n, "scenario": what })))
        .collect();
    let document = json!({
        "adapter": args.adapter.display().to_string(),
        "tool": "valgrind --tool=callgrind (instructions executed, Ir)",
        "invocations": { "few": args.few, "many": args.many },
        "per_invocation": per_invocation,
    });
    if let Some(parent) = args.out.parent() {
        std::fs::create_dir_all(parent)?;
    }
    std::fs::write(&args.out, serde_json::to_string_pretty(&document)? + "\n")?;
    eprintln!("lwa-instructions: wrote {}", args.out.display());
    let Some(baseline) = &args.baseline else { return Ok(ExitCode::SUCCESS) };
    if args.write_baseline {
        std::fs::copy(&args.out, baseline)?;
        eprintln!("lwa-instructions: baseline {} updated", baseline.display());
        return Ok(ExitCode::SUCCESS);
    }
    let text = std::fs::read_to_string(baseline).with_context(|| format!("reading {}", baseline.display()))?;
    let before: Value = serde_json::from_str(&text).with_context(|| format!("{} is not JSON", baseline.display()))?;
    let grown = regressions(&document, &before, args.tolerance);
    for (name, (n, _)) in &counts {
        let was = before.pointer(&format!("/per_invocation/{name}/instructions")).and_then(Value::as_u64);
        let change = was.map(|w| format!("{:+.1}%", (*n as f64 / w as f64 - 1.0) * 100.0)).unwrap_or_default();
        println!("{name:<13} {n:>10}  baseline {:>10}  {change}", was.map_or("-".into(), |w| w.to_string()));
    }
    if grown.is_empty() {
        println!("instructions per invocation: within {}% of {}", args.tolerance, baseline.display());
        return Ok(ExitCode::SUCCESS);
    }
    for line in &grown {
        println!("REGRESSION {line}");
    }
    println!(
        "if the growth is intended, record it: lwa-instructions --baseline {} --write-baseline",
        baseline.display()
    );
    Ok(ExitCode::FAILURE)
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> ExitCode {
    match main_result(Args::parse()).await {
        Ok(code) => code,
        Err(err) => {
            eprintln!("lwa-instructions: {err:#}");
            ExitCode::from(2)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn totals_are_read_from_callgrind_output() {
        let out = "version: 1\ncmd: x\nevents: Ir\nsummary: 1234567\n\nfn=main\n1 2\ntotals: 1234567\n";
        assert_eq!(callgrind_total(out), Some(1_234_567));
        assert_eq!(callgrind_total("events: Ir\n"), None);
    }

    #[test]
    fn growth_past_the_tolerance_is_a_regression() {
        let base = json!({"per_invocation": {"a": {"instructions": 1000}, "b": {"instructions": 1000}}});
        let now = json!({"per_invocation": {"a": {"instructions": 1100}, "b": {"instructions": 1101}}});
        let found = regressions(&now, &base, 10.0);
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0].starts_with("b: 1101"), "{found:?}");
        let missing = regressions(&json!({"per_invocation": {}}), &base, 10.0);
        assert_eq!(missing.len(), 2);
        assert!(regressions(&now, &json!({}), 10.0)[0].contains("no per_invocation"));
    }
}
