//! `lwa-conformance serve`.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context as _;
use clap::Args;
use lwa_conformance::gateway::{self, FrontDoor, Trigger};
use lwa_conformance::{Emulator, ExtensionCommand};
use tokio::net::TcpListener;

use super::LambdaArgs;

/// Arguments of `serve`.
#[derive(Debug, Args)]
pub(crate) struct ServeArgs {
    /// The AWS service to imitate: rest, http-api, function-url, alb, alb-multi.
    #[arg(long, value_parser = clap::value_parser!(String))]
    trigger: String,
    /// Forward streamed responses chunk by chunk (Function URL response streaming); also
    /// sets AWS_LWA_INVOKE_MODE=response_stream unless given with --env. Only with
    /// --trigger function-url: HTTP APIs and ALB buffer Lambda responses, and REST APIs
    /// stream only with a STREAM integration, which is not imitated. Streaming demos
    /// usually need a longer --timeout than the default 3 s.
    #[arg(long)]
    stream: bool,
    /// The front door's HTTP port. The default, 8999, is one app servers do not use (3000,
    /// 5000, 8000 and 8080 are the apps' own): an app that cannot bind its port fails init.
    #[arg(long, default_value_t = DEFAULT_PORT)]
    port: u16,
    /// Print each event the trigger generated and the function's raw response (the
    /// Lambda payload before the trigger turns it into HTTP) to stderr.
    #[arg(long)]
    print_events: bool,
    /// The address to listen on: 127.0.0.1, or 0.0.0.0 inside a container whose port is
    /// published.
    #[arg(long, default_value = "127.0.0.1")]
    host: std::net::IpAddr,
    /// The adapter binary, started as an extension named after its file. Default: the
    /// reference adapter built beside this binary (target/<profile>/lambda-adapter), unless
    /// --extension or --extensions-dir name the extensions; `--adapter none` runs without one.
    #[arg(long, value_name = "PATH")]
    adapter: Option<PathBuf>,
    #[command(flatten)]
    lambda: LambdaArgs,
    /// The app (or runtime) command.
    #[arg(last = true, required = true, value_name = "APP COMMAND")]
    app: Vec<String>,
}

/// The front door's default port: none of the ports app servers and their tools take by
/// default (3000, 4000, 5000, 8000, 8080, 8888, 9000, 9001).
const DEFAULT_PORT: u16 = 8999;

/// The reference adapter next to this executable (cargo puts both in target/<profile>/).
fn reference_adapter() -> anyhow::Result<PathBuf> {
    let beside = std::env::current_exe()?.with_file_name("lambda-adapter");
    anyhow::ensure!(
        beside.is_file(),
        "no --adapter given and no reference adapter at {} (run `cargo build -p lambda-web-adapter`)",
        beside.display()
    );
    Ok(beside)
}

pub(crate) async fn run(args: ServeArgs) -> anyhow::Result<ExitCode> {
    let trigger: Trigger = args.trigger.parse()?;
    if args.stream {
        trigger.can_stream()?;
    }
    let mut config = args.lambda.config()?.runtime_command(args.app.clone());
    let explicit_extensions = !config.extensions.is_empty() || config.extensions_dir.is_some();
    let adapter = match &args.adapter {
        Some(path) if path.as_os_str() == "none" => None,
        Some(path) => Some(path.clone()),
        None if explicit_extensions => None,
        None => Some(reference_adapter()?),
    };
    if let Some(adapter) = &adapter {
        let name =
            adapter.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "lambda-adapter".into());
        config.extensions.push(ExtensionCommand { name, argv: vec![adapter.to_string_lossy().into_owned()] });
    }
    if args.stream && config.env_value("AWS_LWA_INVOKE_MODE").is_none() {
        config = config.env("AWS_LWA_INVOKE_MODE", "response_stream");
    }
    let listener = match TcpListener::bind((args.host, args.port)).await {
        Ok(listener) => listener,
        Err(e) if e.kind() == std::io::ErrorKind::AddrInUse => anyhow::bail!(
            "port {} on {} is already in use by another program (an app, or a process left over from an \
             earlier run); choose the front door's port with --port",
            args.port,
            args.host
        ),
        Err(e) => return Err(e).with_context(|| format!("cannot listen on {}:{}", args.host, args.port)),
    };
    let emulator = Arc::new(Emulator::start(config).await.context("starting the emulator")?);
    if let Some(Err(failure)) = emulator.init_result() {
        super::print_init_failure(&emulator, &failure).await;
    }
    let watcher = tokio::spawn(report_later_init_failures(emulator.clone()));
    let mut front = FrontDoor::new(trigger);
    front.stream = args.stream;
    front.print_events = args.print_events;
    front.context.region = emulator.config().function.region.clone();
    eprintln!(
        "[emulator] {trigger} front door on http://{}:{} (Runtime API {})",
        args.host,
        args.port,
        emulator.runtime_api()
    );
    tokio::select! {
        () = gateway::serve(listener, front, emulator.clone()) => {}
        () = super::stop_signal() => {}
    }
    watcher.abort();
    let report = emulator.shutdown().await;
    super::print_shutdown(&report);
    Ok(ExitCode::SUCCESS)
}

/// Inits after the first one (a restart after a failure, a timeout or a crash) run when a
/// request comes in; their failures are printed as the first one's.
async fn report_later_init_failures(emulator: Arc<Emulator>) {
    let mut reported = emulator.init_count();
    loop {
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        let count = emulator.init_count();
        if count == reported {
            continue;
        }
        match emulator.init_result() {
            Some(Err(failure)) => {
                reported = count;
                super::print_init_failure(&emulator, &failure).await;
            }
            Some(Ok(_)) => reported = count,
            None => {}
        }
    }
}
