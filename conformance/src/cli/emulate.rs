//! `lwa-conformance emulate`.

use std::process::ExitCode;

use anyhow::Context as _;
use clap::Args;
use lwa_conformance::{Emulator, Invocation};
use tokio::io::{AsyncBufReadExt, BufReader};

use super::LambdaArgs;

/// Arguments of `emulate`.
#[derive(Debug, Args)]
pub(crate) struct EmulateArgs {
    #[command(flatten)]
    lambda: LambdaArgs,
    /// Runtime API port (chosen by the OS when absent).
    #[arg(long)]
    port: Option<u16>,
    /// The runtime command (optional when an extension is the runtime, as a web adapter is).
    #[arg(last = true, value_name = "RUNTIME COMMAND")]
    runtime: Vec<String>,
}

pub(crate) async fn run(args: EmulateArgs) -> anyhow::Result<ExitCode> {
    let mut config = args.lambda.config()?;
    if let Some(port) = args.port {
        config = config.port(port);
    }
    if !args.runtime.is_empty() {
        config = config.runtime_command(args.runtime.clone());
    }
    let emulator = Emulator::start(config).await.context("starting the emulator")?;
    println!("AWS_LAMBDA_RUNTIME_API={}", emulator.runtime_api());
    match emulator.init_result() {
        Some(Ok(took)) => eprintln!("[emulator] init done in {:.1} ms", took.as_secs_f64() * 1000.0),
        Some(Err(failure)) => super::print_init_failure(&emulator, &failure).await,
        None => eprintln!("[emulator] waiting for a runtime to poll /runtime/invocation/next"),
    }
    let mut lines = BufReader::new(tokio::io::stdin()).lines();
    loop {
        let line = tokio::select! {
            line = lines.next_line() => line.context("reading stdin")?,
            () = super::stop_signal() => None,
        };
        let Some(line) = line else { break };
        if line.trim().is_empty() {
            continue;
        }
        let mut handle = emulator.invoke_streaming(Invocation::new(line)).await;
        let id = handle.request_id().await;
        let mut doc = handle.outcome().await.to_json();
        doc["requestId"] = id.map(serde_json::Value::String).unwrap_or(serde_json::Value::Null);
        println!("{doc}");
    }
    let report = emulator.shutdown().await;
    super::print_shutdown(&report);
    Ok(ExitCode::SUCCESS)
}
