//! `lwa-conformance container`: the entrypoint wrapper of a Lambda container image.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use bytes::Bytes;
use clap::Args;
use http::{Method, Request, Response, StatusCode};
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use lwa_conformance::apps::AppCommand;
use lwa_conformance::{Emulator, ErrorBody, Invocation, Outcome};
use tokio::net::TcpListener;

use super::LambdaArgs;

/// The path of AWS's Runtime Interface Emulator for invocations.
const INVOKE_PATH: &str = "/2015-03-31/functions/function/invocations";
/// This emulator's own: the invocation's whole outcome as JSON (chunk timings included).
const OBSERVE_PATH: &str = "/lwa/v1/invoke";

/// Arguments of `container`.
#[derive(Debug, Args)]
pub(crate) struct ContainerArgs {
    /// Address for invocations (and case requests with --cases).
    #[arg(long, value_name = "ADDR:PORT", default_value = "0.0.0.0:9000")]
    listen: SocketAddr,
    /// Be the conformance suite's agent instead of one function: start the command as the
    /// app, and run the cases `lwa-conformance run --host container` sends.
    #[arg(long)]
    cases: bool,
    #[command(flatten)]
    lambda: LambdaArgs,
    /// The image's command (its CMD), started as the function's runtime.
    #[arg(last = true, required = true, value_name = "COMMAND")]
    command: Vec<String>,
}

pub(crate) async fn run(args: ContainerArgs) -> anyhow::Result<ExitCode> {
    let listener = TcpListener::bind(args.listen).await.with_context(|| format!("cannot listen on {}", args.listen))?;
    let dir = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("/"));
    if args.cases {
        let app = AppCommand { name: args.command.join(" "), argv: args.command, dir };
        tokio::select! {
            result = lwa_conformance::container::agent::run(listener, app) => {
                result.map_err(|e| anyhow::anyhow!(e))?;
            }
            () = super::stop_signal() => {}
        }
        return Ok(ExitCode::SUCCESS);
    }
    let mut config = args.lambda.config()?.runtime_command(args.command.clone());
    if config.working_dir.is_none() {
        config.working_dir = Some(dir);
    }
    if config.extensions.is_empty() && config.extensions_dir.is_none() && Path::new("/opt/extensions").is_dir() {
        config = config.extensions_dir("/opt/extensions");
    }
    if let Some(memory) = std::env::var("AWS_LAMBDA_FUNCTION_MEMORY_SIZE").ok().and_then(|m| m.parse().ok()) {
        config.function.memory_mb = memory;
    }
    if let Some(n) = std::env::var("AWS_LAMBDA_MAX_CONCURRENCY").ok().and_then(|m| m.parse().ok()) {
        config = config.max_concurrency(n);
    }
    // The container's environment is the function's configuration (as a Lambda function's
    // variables are): unlike `serve` on a laptop, AWS_LWA_*, PORT and the rest reach the
    // function, except what the emulator itself defines.
    for (key, value) in std::env::vars() {
        if forwarded(&key) && config.env_value(&key).is_none() {
            config = config.env(key, value);
        }
    }
    let emulator = Arc::new(Emulator::start(config).await.context("starting the emulator")?);
    match emulator.init_result() {
        Some(Err(failure)) => eprintln!("[emulator] init failed: {}: {}", failure.error_type, failure.message),
        Some(Ok(took)) => eprintln!("[emulator] init done in {:.1} ms", took.as_secs_f64() * 1000.0),
        None => {}
    }
    eprintln!(
        "[emulator] invocations on http://{}{INVOKE_PATH} (outcome as JSON: {OBSERVE_PATH}); Runtime API {}",
        args.listen,
        emulator.runtime_api()
    );
    tokio::select! {
        () = lwa_conformance::http_server::serve(listener, emulator.clone(), answer) => {}
        () = super::stop_signal() => {}
    }
    let report = emulator.shutdown().await;
    super::print_shutdown(&report);
    Ok(ExitCode::SUCCESS)
}

fn respond(status: StatusCode, content_type: &'static str, body: Bytes) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(body));
    *response.status_mut() = status;
    response.headers_mut().insert(http::header::CONTENT_TYPE, http::HeaderValue::from_static(content_type));
    response
}

async fn answer(emulator: Arc<Emulator>, req: Request<Incoming>) -> Response<Full<Bytes>> {
    let observe = match (req.method(), req.uri().path()) {
        (&Method::POST, INVOKE_PATH) => false,
        (&Method::POST, OBSERVE_PATH) => true,
        _ => {
            let body = format!("unknown route: POST {INVOKE_PATH} invokes the function\n");
            return respond(StatusCode::NOT_FOUND, "text/plain", Bytes::from(body));
        }
    };
    let payload = match req.into_body().collect().await {
        Ok(body) => body.to_bytes(),
        Err(e) => return respond(StatusCode::BAD_REQUEST, "text/plain", Bytes::from(format!("reading the body: {e}"))),
    };
    let mut handle = emulator.invoke_streaming(Invocation::new(payload.to_vec())).await;
    let request_id = handle.request_id().await;
    let outcome = handle.outcome().await;
    if observe {
        let mut doc = outcome.to_json();
        doc["requestId"] = request_id.map(serde_json::Value::String).unwrap_or(serde_json::Value::Null);
        return respond(StatusCode::OK, "application/json", Bytes::from(doc.to_string()));
    }
    invoke_response(outcome, emulator.config().timeout)
}

/// Whether a variable of the container's environment is passed to the function as
/// configuration: everything but the variables Lambda (here, the emulator) sets itself.
fn forwarded(key: &str) -> bool {
    const RESERVED: [&str; 12] = [
        "AWS_LAMBDA_RUNTIME_API",
        "AWS_LAMBDA_FUNCTION_NAME",
        "AWS_LAMBDA_FUNCTION_VERSION",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
        "AWS_LAMBDA_LOG_GROUP_NAME",
        "AWS_LAMBDA_LOG_STREAM_NAME",
        "AWS_LAMBDA_INITIALIZATION_TYPE",
        "AWS_LAMBDA_MAX_CONCURRENCY",
        "LAMBDA_TASK_ROOT",
        "LAMBDA_RUNTIME_DIR",
        "_HANDLER",
        "_X_AMZN_TRACE_ID",
    ];
    !RESERVED.contains(&key)
}

/// What Lambda's Invoke API answers: the function's response, or its error document
/// with `X-Amz-Function-Error: Unhandled` (status 200 either way).
fn invoke_response(outcome: Outcome, timeout: Duration) -> Response<Full<Bytes>> {
    let error = |body: Bytes| {
        let mut response = respond(StatusCode::OK, "application/json", body);
        response.headers_mut().insert("x-amz-function-error", http::HeaderValue::from_static("Unhandled"));
        response
    };
    match outcome {
        Outcome::Buffered { body, .. } => respond(StatusCode::OK, "application/json", body),
        Outcome::Streamed { prelude, body, .. } => {
            // The bytes the function streamed: the prelude, eight NULs, the body.
            let mut raw = prelude.map(|p| p.to_string().into_bytes()).unwrap_or_default();
            if !raw.is_empty() {
                raw.extend_from_slice(&[0; 8]);
            }
            raw.extend_from_slice(&body);
            respond(StatusCode::OK, "application/vnd.awslambda.http-integration-response", Bytes::from(raw))
        }
        Outcome::Error { body, .. } | Outcome::InitError { body, .. } => error(match body {
            ErrorBody::Json(v) => Bytes::from(v.to_string()),
            ErrorBody::Raw(b) => b,
        }),
        Outcome::Timeout => error(Bytes::from(
            serde_json::json!({
                "errorType": "Sandbox.Timedout",
                "errorMessage": format!("Task timed out after {:.2} seconds", timeout.as_secs_f64()),
            })
            .to_string(),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn body(response: Response<Full<Bytes>>) -> (StatusCode, Option<String>, Bytes) {
        let status = response.status();
        let error = response.headers().get("x-amz-function-error").map(|v| v.to_str().unwrap_or("?").to_owned());
        let bytes = response.into_body().collect().await.map(|b| b.to_bytes()).unwrap_or_default();
        (status, error, bytes)
    }

    #[tokio::test]
    async fn a_failed_invocation_answers_200_with_the_error_document_as_the_invoke_api_does() {
        let outcome = Outcome::Error {
            error_type: "Adapter.AppUnreachable".into(),
            body: ErrorBody::Json(serde_json::json!({"errorType": "Adapter.AppUnreachable", "errorMessage": "x"})),
        };
        let (status, error, bytes) = body(invoke_response(outcome, Duration::from_secs(3))).await;
        assert_eq!((status, error.as_deref()), (StatusCode::OK, Some("Unhandled")));
        let doc: serde_json::Value = serde_json::from_slice(&bytes).expect("json");
        assert_eq!(doc["errorType"], "Adapter.AppUnreachable");
    }

    // Regression: `docker run -e AWS_LWA_PORT=3000 ...` was dropped on the way to the
    // adapter (the laptop emulator strips the caller's adapter settings).
    #[test]
    fn the_container_environment_configures_the_function_but_not_what_lambda_sets() {
        for key in ["AWS_LWA_PORT", "PORT", "AWS_LWA_INVOKE_MODE", "AWS_LAMBDA_LOG_LEVEL", "READINESS_CHECK_PATH"] {
            assert!(forwarded(key), "{key}");
        }
        for key in ["AWS_LAMBDA_RUNTIME_API", "LAMBDA_TASK_ROOT", "_HANDLER", "AWS_LAMBDA_FUNCTION_NAME"] {
            assert!(!forwarded(key), "{key}");
        }
    }

    #[tokio::test]
    async fn a_timeout_is_an_unhandled_sandbox_timeout() {
        let (status, error, bytes) = body(invoke_response(Outcome::Timeout, Duration::from_secs(3))).await;
        assert_eq!((status, error.as_deref()), (StatusCode::OK, Some("Unhandled")));
        let doc: serde_json::Value = serde_json::from_slice(&bytes).expect("json");
        assert_eq!(doc["errorType"], "Sandbox.Timedout");
        assert_eq!(doc["errorMessage"], "Task timed out after 3.00 seconds");
    }
}
