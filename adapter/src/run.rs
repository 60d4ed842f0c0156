//! The adapter's life: register, wait for the app, serve invocations until SHUTDOWN.

use std::sync::Arc;

use tokio::time::Instant;

use crate::config::InvokeMode;
use crate::config::{Config, ConfigError, Environment, ASYNC_INIT_BUDGET};
use crate::invoke::{Handler, Reply};
use crate::lambda_api::{ApiError, ExtensionApi, ExtensionEvent, Invocation, RuntimeApi};
use crate::readiness::Readiness;

/// Why the adapter stopped.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// The configuration is invalid (already reported to Lambda when possible).
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// Lambda's APIs failed.
    #[error(transparent)]
    Api(#[from] ApiError),
}

/// How the adapter ended without error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stopped {
    /// Lambda sent SHUTDOWN with this reason.
    Shutdown(String),
}

/// Runs the adapter: registers as extension `name`, waits for the app, serves invocations.
pub async fn run(config: Config, name: &str) -> Result<Stopped, RunError> {
    let started = Instant::now();
    let config = Arc::new(config);
    let mut extension = ExtensionApi::new(config.runtime_api.clone());
    if config.invoke_mode == InvokeMode::ResponseStream && config.enable_compression {
        tracing::warn!(
            "AWS_LWA_ENABLE_COMPRESSION is ignored for streamed responses (AWS_LWA_INVOKE_MODE=response_stream)"
        );
    }
    let readiness = Readiness::new(&config);
    let until = config.async_init.then(|| started + ASYNC_INIT_BUDGET);
    // The app is probed while the adapter registers: both are round trips of the cold
    // start, and neither needs the other. A failed registration ends the wait at once.
    let registering = async {
        extension.register(name, &["SHUTDOWN"]).await?;
        tracing::debug!(name, "registered as an extension");
        Ok::<_, ApiError>(())
    };
    let ((), ready) = tokio::try_join!(registering, async { Ok(readiness.wait(until).await) })?;
    if !ready {
        tracing::warn!(
            url = readiness.url(),
            "async init: finishing init now; the first invocation completes the readiness check"
        );
    }

    let handler = Arc::new(Handler::new(config.clone(), readiness, ready));
    let runtime = RuntimeApi::new(config.invocation_api.clone(), config.max_concurrency as usize);
    let mut workers = tokio::task::JoinSet::new();
    for _ in 0..config.max_concurrency {
        workers.spawn(serve(runtime.clone(), handler.clone()));
    }

    tokio::select! {
        event = watch_events(extension) => event,
        Some(ended) = workers.join_next() => match ended {
            Ok(Err(err)) => Err(err.into()),
            // Workers only return on an error; a panic or cancellation is reported as such.
            Ok(Ok(())) | Err(_) => Err(ApiError::Transport { call: "invocation/next", detail: "worker ended".to_owned() }.into()),
        },
    }
}

/// Waits for SHUTDOWN (the only event the adapter registers for).
async fn watch_events(extension: ExtensionApi) -> Result<Stopped, RunError> {
    loop {
        match extension.next_event().await? {
            ExtensionEvent::Shutdown { shutdown_reason, .. } => {
                tracing::info!(reason = %shutdown_reason, "shutdown requested by Lambda");
                return Ok(Stopped::Shutdown(shutdown_reason));
            }
            ExtensionEvent::Invoke { .. } => {}
        }
    }
}

/// Consecutive `invocation/next` calls that may break on the way (the connection cut,
/// the answer unreadable) before the worker gives up; each is retried after a pause that
/// doubles from [`NEXT_RETRY_PAUSE`].
const NEXT_ATTEMPTS: u32 = 5;

/// The first pause before `invocation/next` is asked again.
const NEXT_RETRY_PAUSE: std::time::Duration = std::time::Duration::from_millis(50);

/// The next invocation. Lambda gone (nothing accepts connections) or answering with an
/// error status ends the worker at once; a call that broke on the way is asked again,
/// a few times, so one dropped connection does not stop the adapter.
async fn next_invocation(runtime: &RuntimeApi) -> Result<Invocation, ApiError> {
    let (mut pause, mut attempt) = (NEXT_RETRY_PAUSE, 1);
    loop {
        match runtime.next().await {
            Err(err @ ApiError::Transport { .. }) if attempt < NEXT_ATTEMPTS => {
                tracing::warn!(attempt, "{err}; asking again in {} ms", pause.as_millis());
                tokio::time::sleep(pause).await;
                pause *= 2;
                attempt += 1;
            }
            other => return other,
        }
    }
}

/// One worker: next, handle, respond, forever. Only a failing `next` ends it.
async fn serve(runtime: RuntimeApi, handler: Arc<Handler>) -> Result<(), ApiError> {
    loop {
        let invocation = next_invocation(&runtime).await?;
        let id = invocation.context.request_id.clone();
        let reported = match handler.handle(&invocation).await {
            Ok(Reply::Buffered(payload)) => runtime.respond(&id, payload).await,
            Ok(Reply::Streaming(body)) => runtime.respond_streaming(&id, body).await,
            Err(err) => {
                tracing::error!(request_id = %id, error_type = err.error_type(), "{err}");
                runtime.fail(&id, err.error_type(), err.to_payload()).await
            }
        };
        if let Err(err) = reported {
            tracing::error!(request_id = %id, "could not report the result to Lambda: {err}");
        }
    }
}

/// Reports a bad configuration through the Extensions API's init-error call (registering
/// first, as Lambda requires), when Lambda's address itself is usable.
pub async fn report_config_error(env: &Environment, name: &str, error: &ConfigError) {
    let Some(endpoint) = env.runtime_api() else { return };
    let mut extension = ExtensionApi::new(endpoint);
    let reported = match extension.register(name, &[]).await {
        Ok(()) => extension.init_error(ConfigError::ERROR_TYPE, &error.to_string()).await,
        Err(err) => Err(err),
    };
    if let Err(err) = reported {
        eprintln!("lambda-adapter: could not report the configuration error to Lambda: {err}");
    }
}
