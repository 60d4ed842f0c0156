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
            if let Ok(runtime) = runtime() {
                runtime.block_on(run::report_config_error(&env, &name, &err));
            }
            return ExitCode::from(2);
        }
    };
    let runtime = match runtime() {
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

/// One thread, whatever `AWS_LAMBDA_MAX_CONCURRENCY`: nothing is shared across threads,
/// and the app keeps the other cores. Heavy work goes to the blocking pool instead
/// (compressing a big body, and escaping one when invocations overlap: the handler's
/// `offloads`).
///
/// A thread per core was tried (issue 15) and measured worse: at concurrency 8 on two
/// cores, one thread served 1.26x the invocations per second (`lwa-bench --runs 5`,
/// 12,544 against 9,947), the CPU per invocation equal; the extra threads took turns
/// with the app and woke each other.
fn runtime() -> std::io::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread().enable_all().build()
}
