//! `lambda-adapter`: parse the configuration, run, map the outcome to an exit code.

use std::process::ExitCode;

use lambda_web_adapter::config::Environment;
use lambda_web_adapter::{logging, run};

/// The static (musl) builds, the ones users get, allocate with mimalloc: musl's own
/// allocator made every invocation's allocations several times dearer than glibc's
/// (issue 15: CPU per invocation and 1 MiB bodies; `just bench` measures both).
#[cfg(target_env = "musl")]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    // Lambda names an extension after its file name.
    let name = std::env::args_os()
        .next()
        .and_then(|arg0| std::path::Path::new(&arg0).file_name().map(|n| n.to_string_lossy().into_owned()))
        .unwrap_or_else(|| "lambda-adapter".to_owned());
    let env = Environment::capture();
    let (config, notices) = match env.config() {
        Ok(parsed) => parsed,
        Err(err) => {
            eprintln!("lambda-adapter: invalid configuration: {err}");
            if let Ok(runtime) = tokio::runtime::Builder::new_current_thread().enable_all().build() {
                runtime.block_on(run::report_config_error(&env, &name, &err));
            }
            return ExitCode::from(2);
        }
    };
    let runtime = match runtime_for(config.max_concurrency) {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("lambda-adapter: cannot start the async runtime: {err}");
            return ExitCode::FAILURE;
        }
    };
    logging::init(&config);
    for notice in notices {
        tracing::warn!("{}", notice.0);
    }
    match runtime.block_on(run::run(config, &name)) {
        Ok(stopped) => {
            tracing::info!(?stopped, "adapter stopped");
            ExitCode::SUCCESS
        }
        Err(err) => {
            tracing::error!("adapter stopped: {err}");
            ExitCode::FAILURE
        }
    }
}

/// One thread when invocations come one at a time (Lambda's default, and the cheapest:
/// nothing is shared across threads). With `AWS_LAMBDA_MAX_CONCURRENCY` above 1 (Lambda
/// Managed Instances, several vCPUs), a thread per core up to that many, so concurrent
/// invocations' CPU work (JSON, compression) spreads over the cores.
fn runtime_for(max_concurrency: u32) -> std::io::Result<tokio::runtime::Runtime> {
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    let threads = cores.min(usize::try_from(max_concurrency).unwrap_or(usize::MAX));
    if threads <= 1 {
        tokio::runtime::Builder::new_current_thread().enable_all().build()
    } else {
        tokio::runtime::Builder::new_multi_thread().worker_threads(threads).enable_all().build()
    }
}
