//! The local Lambda: Runtime API, Extensions API and the execution environment lifecycle.

pub mod api_error;
mod config;
mod entries;
mod extensions_api;
pub(crate) mod ids;
mod invocation;
mod lifecycle;
mod log;
mod process;
mod reaper;
mod records;
mod reset;
mod runtime_api;
mod server;
mod shared;
mod state;
mod stop;
mod streaming;

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;

pub use config::{EmulatorConfig, ExtensionCommand, FunctionConfig};
pub use invocation::{Chunk, ErrorBody, Invocation, InvocationHandle, Outcome, ResponseEvent, StreamError};
pub use records::{
    DeliveredEvent, InitFailure, LogLine, LogSource, LogStream, RecordedRequest, Registration, ShutdownReport,
};

use crate::EmulatorError;
use entries::Pending;
use records::init_failure;
use shared::Shared;
use state::Env;

/// Lambda's buffered response limit in bytes (6 MB).
pub const MAX_BUFFERED_RESPONSE_BYTES: usize = api_error::MAX_BUFFERED_RESPONSE;
/// Lambda's streamed response limit in bytes (200 MB).
pub const MAX_STREAMED_RESPONSE_BYTES: usize = api_error::MAX_STREAMED_RESPONSE;

/// A running local Lambda. Dropping it kills every process it started.
///
/// ```no_run
/// # async fn demo() -> Result<(), lwa_emulator::EmulatorError> {
/// use lwa_emulator::{Emulator, EmulatorConfig, Invocation, Outcome};
///
/// let emulator = Emulator::start(
///     EmulatorConfig::new().extensions_dir("/opt/extensions").runtime_command(["./app"]),
/// )
/// .await?;
/// match emulator.invoke(Invocation::new(r#"{"hello":"world"}"#)).await {
///     Outcome::Buffered { body, .. } => println!("{}", String::from_utf8_lossy(&body)),
///     other => println!("{other:?}"),
/// }
/// emulator.shutdown().await;
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct Emulator {
    shared: Arc<Shared>,
    server: JoinHandle<()>,
}

impl Emulator {
    /// Binds the Runtime API on 127.0.0.1, starts the configured processes and waits for
    /// init to end (successfully or not: a failed init is reported by [`Self::init_result`]
    /// and by the first [`Self::invoke`]). Without processes (server-only) it returns at
    /// once and init ends when an in-process runtime polls `/next`.
    pub async fn start(config: EmulatorConfig) -> Result<Self, EmulatorError> {
        if config.max_concurrency == 0 {
            return Err(EmulatorError::InvalidConfig("max_concurrency must be at least 1".into()));
        }
        if config.runtime.as_ref().is_some_and(|r| r.is_empty()) {
            return Err(EmulatorError::InvalidConfig("the runtime command is empty".into()));
        }
        if let Some(e) = config.extensions.iter().find(|e| e.argv.is_empty() || e.name.is_empty()) {
            return Err(EmulatorError::InvalidConfig(format!("extension {:?} needs a name and a command", e.name)));
        }
        if let Some(dir) = &config.extensions_dir {
            if let Err(source) = std::fs::read_dir(dir) {
                return Err(EmulatorError::ExtensionsDir { path: dir.clone(), source });
            }
        }
        if config.subreaper {
            reaper::become_subreaper().map_err(EmulatorError::Subreaper)?;
        }
        let port = config.port.unwrap_or(0);
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, port))
            .await
            .map_err(|source| EmulatorError::Bind { port, source })?;
        let addr = listener.local_addr().map_err(|source| EmulatorError::Bind { port, source })?;
        let server_only = config.is_server_only();
        let shared = Shared::new(config, addr);
        let server = tokio::spawn(server::serve(listener, shared.clone()));
        shared.log.emulator(format!("Runtime API listening on {addr}"));
        lifecycle::start(&shared);
        let emulator = Self { shared, server };
        if !server_only {
            let _ = emulator.wait_init().await;
        }
        Ok(emulator)
    }

    /// The Runtime API address (what `AWS_LAMBDA_RUNTIME_API` is set to).
    pub fn runtime_api_addr(&self) -> SocketAddr {
        self.shared.addr
    }

    /// `host:port` of the Runtime API, as processes see it in `AWS_LAMBDA_RUNTIME_API`.
    pub fn runtime_api(&self) -> String {
        self.shared.addr.to_string()
    }

    /// The configuration it runs with.
    pub fn config(&self) -> &EmulatorConfig {
        &self.shared.config
    }

    /// Invokes the function and waits for the outcome. Restarts a reset environment first
    /// (lazily, as Lambda does).
    pub async fn invoke(&self, invocation: Invocation) -> Outcome {
        self.invoke_streaming(invocation).await.outcome().await
    }

    /// Invokes the function and returns a handle that reports the streamed response as it
    /// arrives ([`ResponseEvent`]), then the outcome.
    pub async fn invoke_streaming(&self, invocation: Invocation) -> InvocationHandle {
        let (tx, rx) = mpsc::unbounded_channel();
        let (id_tx, id_rx) = oneshot::channel();
        lifecycle::update(&self.shared, |st| {
            st.pending.push_back(Pending { inv: invocation, events: tx, id_tx: Some(id_tx) });
        });
        InvocationHandle { request_id: None, events: rx, id_rx: Some(id_rx) }
    }

    /// Waits until the current init is over: its duration, or why it failed.
    pub async fn wait_init(&self) -> Result<Duration, InitFailure> {
        loop {
            let mut changes = self.shared.subscribe();
            let state = self.shared.read(|st| match &st.env {
                Env::Ready => Some(Ok(st.init_durations.last().copied().unwrap_or_default())),
                Env::InitFailed { failure, .. } => Some(Err(failure.clone())),
                Env::ShutDown => {
                    Some(Err(init_failure("Emulator.ShutDown", "the emulator has been shut down".into(), None)))
                }
                Env::NeedsRestart if st.generation > 0 => {
                    st.last_init_failure.clone().map(Err).or_else(|| st.init_durations.last().copied().map(Ok))
                }
                _ => None,
            });
            if let Some(result) = state {
                return result;
            }
            if changes.changed().await.is_err() {
                return Err(init_failure("Emulator.Gone", "the emulator stopped".into(), None));
            }
        }
    }

    /// The result of the last finished init, if any (None while init runs).
    pub fn init_result(&self) -> Option<Result<Duration, InitFailure>> {
        self.shared.read(|st| match &st.env {
            Env::InitFailed { failure, .. } => Some(Err(failure.clone())),
            Env::Initializing { .. } | Env::Resetting => None,
            _ => st.init_durations.last().copied().map(Ok),
        })
    }

    /// How long the last successful init took.
    pub fn init_duration(&self) -> Option<Duration> {
        self.shared.read(|st| st.init_durations.last().copied())
    }

    /// How many inits have run (1 plus the restarts after resets and failures).
    pub fn init_count(&self) -> u64 {
        self.shared.read(|st| st.generation)
    }

    /// Every successful extension registration, across restarts.
    pub fn registrations(&self) -> Vec<Registration> {
        self.shared.read(|st| st.registrations.clone())
    }

    /// Every event handed to an extension.
    pub fn delivered_events(&self) -> Vec<DeliveredEvent> {
        self.shared.read(|st| st.delivered.clone())
    }

    /// Every request made to the Runtime and Extensions APIs, in arrival order.
    pub fn runtime_requests(&self) -> Vec<RecordedRequest> {
        self.shared.read(|st| st.requests.clone())
    }

    /// Captured process output and emulator notes.
    pub fn logs(&self) -> Vec<LogLine> {
        self.shared.log.snapshot()
    }

    /// The captured output as text, one `"[prefix] line"` per line.
    pub fn log_text(&self) -> String {
        self.logs().iter().map(|l| format!("{l}\n")).collect()
    }

    /// Waits until a captured line contains `needle`; false after `timeout`.
    pub async fn wait_for_log(&self, needle: &str, timeout: Duration) -> bool {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            if self.logs().iter().any(|l| l.line.contains(needle)) {
                return true;
            }
            if tokio::time::Instant::now() >= deadline {
                return false;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    /// Spindown: SIGTERM to the runtime, SHUTDOWN to the extensions that registered for
    /// it, SIGKILL to whatever is left after the grace period, and to every other process
    /// the function started (see [`EmulatorConfig::subreaper`]). Invocations made afterwards
    /// fail with `Emulator.ShutDown`. The server keeps answering until the value is dropped.
    pub async fn shutdown(&self) -> ShutdownReport {
        lifecycle::shutdown(&self.shared).await
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        stop::kill_all(&self.shared);
        self.shared.close();
        self.server.abort();
    }
}
