//! `lwa-null-adapter`: the harness adapter of `lwa-bench`, the least a Lambda web adapter
//! can do (see `lwa_benches::null_adapter`). Started by the driver as an extension.

use std::process::ExitCode;

/// A static build allocates as the shipped adapter's does (mimalloc), so the harness stays
/// the least an adapter can do rather than a measure of musl's allocator.
#[cfg(target_env = "musl")]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let runtime = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("lwa-null-adapter: {err}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(lwa_benches::null_adapter::run()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("lwa-null-adapter: {err:#}");
            ExitCode::FAILURE
        }
    }
}
