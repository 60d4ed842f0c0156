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
    let runtime = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("lambda-adapter: cannot start the async runtime: {err}");
            return ExitCode::FAILURE;
        }
    };
    let (config, notices) = match env.config() {
        Ok(parsed) => parsed,
        Err(err) => {
            eprintln!("lambda-adapter: invalid configuration: {err}");
            runtime.block_on(run::report_config_error(&env, &name, &err));
            return ExitCode::from(2);
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
