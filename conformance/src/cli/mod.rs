//! Command-line interface (binary only; uses anyhow).

mod compare;
mod container;
mod emulate;
mod report;
mod run;
mod serve;

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context as _;
use clap::{Args, Parser, Subcommand};
use lwa_conformance::{Emulator, EmulatorConfig, ExtensionCommand, InitFailure};

/// Local AWS Lambda emulator and front door for testing Lambda web adapters.
#[derive(Debug, Parser)]
#[command(name = "lwa-conformance", version, about)]
pub(crate) struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run a local Lambda (Runtime API + Extensions API) and invoke it from stdin.
    ///
    /// Prints `AWS_LAMBDA_RUNTIME_API=127.0.0.1:<port>` on stdout once listening, starts
    /// the extensions and the runtime command, then invokes it once per JSON document of
    /// the --event files (in order) or, without --event, of stdin. Documents may span lines
    /// (pretty-printed event files work as they are) and are sent with their bytes as
    /// given; input that is not JSON stops the run with an error. Each outcome is printed on
    /// stdout as one JSON line:
    /// `{"requestId":..,"outcome":"buffered|streamed|error|timeout|init-error",...}`.
    /// Process output goes to stderr with `[runtime]` / `[ext:<name>]` prefixes. At the
    /// end of the input (or Ctrl-C) the environment is shut down (SIGTERM, SHUTDOWN,
    /// SIGKILL, then every process the function left behind).
    ///
    /// Examples:
    ///   echo '{"hello":"world"}' | lwa-conformance emulate --extensions-dir ./ext -- ./bootstrap
    ///   lwa-conformance emulate --event events/get.json --event events/post.json -- ./bootstrap
    Emulate(emulate::EmulateArgs),
    /// Serve real HTTP on a port through a trigger (API Gateway REST or HTTP API, Function
    /// URL, ALB) into a local Lambda running an adapter and an app.
    ///
    /// Each HTTP request becomes the event that trigger would send, the Lambda response
    /// becomes the HTTP response (status, headers, multi-value headers, cookies, base64
    /// bodies; with --stream, Function URL response streaming chunk by chunk). A
    /// malformed Lambda response gives 502 as AWS does.
    ///
    /// Example:
    ///   lwa-conformance serve --trigger http-api --adapter ./lambda-adapter -e AWS_LWA_PORT=3000 -- node app.js
    ///   curl http://127.0.0.1:8999/
    Serve(serve::ServeArgs),
    /// The entrypoint wrapper of a Lambda container image, as AWS's Runtime Interface
    /// Emulator is: starts /opt/extensions/* and the image's command under the Runtime and
    /// Extensions APIs, and takes invocations over HTTP.
    ///
    /// `POST /2015-03-31/functions/function/invocations` invokes with the request body as the
    /// event and answers what Lambda's Invoke API would (an error document with
    /// `X-Amz-Function-Error: Unhandled` when the invocation fails); `POST /lwa/v1/invoke`
    /// answers the whole outcome as JSON (streamed chunks with their timings). With
    /// --cases it is the conformance suite's agent instead (`run --host container`).
    /// Environment variables of the container reach the function.
    ///
    /// Example (Dockerfile):
    ///   ENTRYPOINT ["/opt/lwa/lwa-conformance", "container", "--"]
    ///   CMD ["/var/task/run.sh"]
    Container(container::ContainerArgs),
    /// Judge an adapter binary: every case of fixtures/cases and every corpus event of
    /// fixtures/events, with a verdict per case (pass, fail, non-strict, unimplemented, no-expectation),
    /// a matrix on the terminal and reports in target/conformance/ (JSON, JUnit XML,
    /// Markdown, and index.html, the page to read). Each case cites rules of docs/spec.md:
    /// a case that checks a MUST rule fails, one that checks only SHOULD or REFERENCE
    /// rules is non-strict. Exits non-zero when any case fails (or, with --strict, is
    /// non-strict).
    ///
    /// Example:
    ///   lwa-conformance run --adapter ./lambda-adapter --filter 'request/*'
    Run(run::RunArgs),
    /// Compare two reports of `run` (report.json): the rules of the spec one adapter
    /// breaks and the other keeps, by level, with the cases that show it.
    ///
    /// Example:
    ///   lwa-conformance compare target/conformance/report.json target/judge/lwa/report.json
    Compare(compare::CompareArgs),
    /// Write the HTML page of a run from its report.json (what `run` writes as
    /// index.html), or, given two reports, one page comparing them: both summaries side by
    /// side, the rules one adapter breaks and the other does not, and every case whose
    /// verdict differs, with its problems.
    ///
    /// Examples:
    ///   lwa-conformance report --html target/conformance/index.html target/conformance/report.json
    ///   lwa-conformance report --html target/judge/compare.html target/conformance/report.json target/judge/lwa/report.json
    Report(report::ReportArgs),
}

/// Settings shared by the subcommands that run a function (emulate, serve, container).
#[derive(Debug, Args)]
pub(crate) struct LambdaArgs {
    /// Start every executable file of this directory as an extension (sorted by name).
    #[arg(long, value_name = "DIR")]
    extensions_dir: Option<PathBuf>,
    /// Start an extension explicitly: NAME=COMMAND (the command is split on spaces).
    #[arg(long = "extension", value_name = "NAME=COMMAND")]
    extensions: Vec<String>,
    /// Function timeout in seconds (fractions allowed). The default is Lambda's, 3 s: an
    /// invocation still running then ends with a timeout (the front door answers the
    /// trigger's 502, 503 or 504, a stream is cut off) and the environment is reset. Streaming demos, slow
    /// endpoints and debugging need more, e.g. --timeout 60 (Lambda allows up to 900).
    #[arg(long, value_name = "SECONDS", default_value = "3", value_parser = parse_seconds)]
    timeout: Duration,
    /// Init limit in seconds.
    #[arg(long, value_name = "SECONDS", default_value = "10", value_parser = parse_seconds)]
    init_timeout: Duration,
    /// Grace period between SIGTERM/SHUTDOWN and SIGKILL, in seconds.
    #[arg(long, value_name = "SECONDS", default_value = "2", value_parser = parse_seconds)]
    shutdown_grace: Duration,
    /// AWS_LAMBDA_MAX_CONCURRENCY (Lambda Managed Instances) when above 1.
    #[arg(long, value_name = "N", default_value_t = 1)]
    concurrency: u32,
    /// Function environment variable KEY=VALUE (repeatable), e.g. AWS_LWA_PORT=3000; it
    /// wins over everything else, Lambda's own variables included. The processes also
    /// inherit this command's environment (PATH, HOME, ...) except what would leak the
    /// caller's Lambda or adapter settings: AWS_LAMBDA_*, AWS_LWA_*, LAMBDA_*, _X_AMZN_*,
    /// _HANDLER, PORT, HOST, READINESS_CHECK_PORT, READINESS_CHECK_PATH,
    /// READINESS_CHECK_PROTOCOL, READINESS_CHECK_MIN_UNHEALTHY_STATUS, ASYNC_INIT and
    /// REMOVE_BASE_PATH are stripped (set them with --env). Lambda's defaults (TZ=:UTC,
    /// LANG, PATH, LD_LIBRARY_PATH, dummy AWS credentials) fill in what neither gives.
    #[arg(long = "env", short = 'e', value_name = "KEY=VALUE")]
    env: Vec<String>,
    /// Function name (AWS_LAMBDA_FUNCTION_NAME).
    #[arg(long, value_name = "NAME")]
    function_name: Option<String>,
    /// Working directory of the runtime and the extensions (Lambda runs them in /var/task);
    /// also LAMBDA_TASK_ROOT unless given with --env. A relative command (./run.sh) is
    /// found in it. Default: the current directory.
    #[arg(long, value_name = "DIR")]
    cwd: Option<PathBuf>,
    /// Do not echo process output to stderr.
    #[arg(long)]
    quiet: bool,
}

impl LambdaArgs {
    fn config(&self) -> anyhow::Result<EmulatorConfig> {
        let mut config = EmulatorConfig::new()
            .timeout(self.timeout)
            .init_timeout(self.init_timeout)
            .shutdown_grace(self.shutdown_grace)
            .max_concurrency(self.concurrency)
            .echo_logs(!self.quiet)
            // One emulator per process: it reaps and kills everything the function starts.
            .subreaper(true);
        if let Some(dir) = &self.extensions_dir {
            config = config.extensions_dir(dir);
        }
        for spec in &self.extensions {
            let (name, command) =
                spec.split_once('=').ok_or_else(|| anyhow::anyhow!("--extension {spec:?}: expected NAME=COMMAND"))?;
            let argv: Vec<String> = command.split_whitespace().map(str::to_string).collect();
            anyhow::ensure!(!name.is_empty() && !argv.is_empty(), "--extension {spec:?}: expected NAME=COMMAND");
            config.extensions.push(ExtensionCommand { name: name.to_string(), argv });
        }
        for kv in &self.env {
            let (k, v) = kv.split_once('=').ok_or_else(|| anyhow::anyhow!("--env {kv:?}: expected KEY=VALUE"))?;
            config = config.env(k, v);
        }
        if let Some(name) = &self.function_name {
            config = config.function_name(name);
        }
        if let Some(dir) = &self.cwd {
            let dir = dir.canonicalize().with_context(|| format!("--cwd {}", dir.display()))?;
            anyhow::ensure!(dir.is_dir(), "--cwd {}: not a directory", dir.display());
            config.function.task_root = dir.to_string_lossy().into_owned();
            config.working_dir = Some(dir);
        }
        Ok(config)
    }
}

fn parse_seconds(s: &str) -> Result<Duration, String> {
    s.parse::<f64>()
        .ok()
        .filter(|v| v.is_finite() && *v >= 0.0)
        .map(Duration::from_secs_f64)
        .ok_or_else(|| format!("{s:?} is not a number of seconds (for example 3 or 0.5)"))
}

/// How many lines of the failed process's output an init failure shows.
const INIT_FAILURE_TAIL: usize = 15;

/// Prints why init failed: the error, which process exited, and its last lines of output
/// (with a hint when it could not bind its port).
pub(crate) async fn print_init_failure(emulator: &Emulator, failure: &InitFailure) {
    eprintln!("[emulator] init failed: {}: {}", failure.error_type, failure.message);
    let Some(source) = &failure.source else {
        return;
    };
    // The exit can be seen before the last lines of its pipes are read.
    tokio::time::sleep(Duration::from_millis(100)).await;
    let lines: Vec<String> = emulator.logs().into_iter().filter(|l| &l.source == source).map(|l| l.line).collect();
    let tail = &lines[lines.len().saturating_sub(INIT_FAILURE_TAIL)..];
    if tail.is_empty() {
        eprintln!("[emulator] {source} exited without writing anything");
        return;
    }
    eprintln!("[emulator] {source} exited; its last {} lines of output:", tail.len());
    for line in tail {
        eprintln!("[emulator]   | {line}");
    }
    if tail.iter().any(|l| l.contains("EADDRINUSE") || l.to_ascii_lowercase().contains("address already in use")) {
        eprintln!(
            "[emulator] hint: it could not bind its port: another program holds it (the front door's --port, or a \
             process left over from an earlier run)"
        );
    }
}

/// The last line of a run: what exited by itself, what had to be killed.
pub(crate) fn print_shutdown(report: &lwa_conformance::ShutdownReport) {
    eprintln!(
        "[emulator] shut down: exited {:?}, killed {:?}, killed outside the process groups (daemons, orphans) {:?}",
        report.exited, report.killed, report.descendants
    );
}

/// Resolves on Ctrl-C (SIGINT) or SIGTERM.
pub(crate) async fn stop_signal() {
    use tokio::signal::unix::{signal, SignalKind};
    match signal(SignalKind::terminate()) {
        Ok(mut term) => {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
        }
        Err(_) => {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}

/// Runs the chosen subcommand.
pub(crate) async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Emulate(args) => emulate::run(args).await,
        Command::Serve(args) => serve::run(args).await,
        Command::Run(args) => run::run(args).await,
        Command::Compare(args) => compare::run(args),
        Command::Report(args) => report::run(args),
        Command::Container(args) => container::run(args).await,
    }
}
