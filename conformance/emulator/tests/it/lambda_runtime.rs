//! The emulator driving real `lambda_runtime` functions (the examples `lambda_echo` and
//! `lambda_stream`) started as runtime processes.

use std::time::Duration;

use bytes::Bytes;
use lwa_emulator::{Emulator, EmulatorConfig, Invocation, LogSource, Outcome};
use serde_json::json;

async fn start(example: &str) -> Emulator {
    let emu = Emulator::start(
        EmulatorConfig::new()
            .runtime_command([crate::common::example(example)])
            .timeout(Duration::from_secs(3))
            .init_timeout(Duration::from_secs(5))
            .shutdown_grace(Duration::from_millis(500)),
    )
    .await
    .expect("emulator");
    emu.wait_init().await.expect("init succeeds");
    emu
}

#[tokio::test]
async fn buffered_echo_sees_the_context() {
    let emu = start("lambda_echo").await;
    let outcome = emu.invoke(Invocation::json(&json!({"hello": "world"})).tenant_id("tenant-1")).await;
    let body = outcome.body_json().expect("a JSON body");
    assert_eq!(body["event"], json!({"hello": "world"}));
    assert_eq!(body["tenantId"], "tenant-1");
    assert_eq!(body["functionName"], "conformance-function");
    assert_eq!(body["memory"], 128);
    assert!(body["traceId"].as_str().is_some_and(|t| t.starts_with("Root=1-")));
    // A second invocation reuses the same process.
    let again = emu.invoke(Invocation::json(&json!({"n": 2}))).await;
    assert_eq!(again.body_json().map(|b| b["event"].clone()), Some(json!({"n": 2})));
    assert_eq!(emu.init_count(), 1);
    assert!(emu.logs().iter().any(|l| l.source == LogSource::Runtime && l.line == "echo function starting"));
    assert!(emu.log_text().contains("[runtime] echo function starting"));
    emu.shutdown().await;
}

#[tokio::test]
async fn handler_error_and_panic_become_invocation_errors() {
    let emu = start("lambda_echo").await;
    match emu.invoke(Invocation::json(&json!({"action": "error"}))).await {
        Outcome::Error { error_type, body } => {
            let doc = body.json().cloned().unwrap_or_default();
            assert_eq!(doc["errorMessage"], "the handler failed on purpose");
            // lambda_runtime 1.5 sends `Lambda-Runtime-Function-Error-Type: unhandled` and
            // the Rust type name as the body's errorType.
            assert_eq!(error_type, "unhandled");
            assert!(doc["errorType"].as_str().is_some_and(|t| t.contains("Box<dyn core::error::Error")), "{doc}");
        }
        other => panic!("unexpected {other:?}"),
    }
    match emu.invoke(Invocation::json(&json!({"action": "panic"}))).await {
        Outcome::Error { error_type, body } => {
            let doc = body.json().cloned().unwrap_or_default();
            eprintln!("panic reported as {error_type}: {doc}");
            assert!(!error_type.is_empty());
            assert!(doc["errorMessage"].as_str().is_some_and(|m| m.contains("panicked on purpose")), "{doc}");
        }
        other => panic!("unexpected {other:?}"),
    }
    // The runtime survives both.
    assert_eq!(emu.invoke(Invocation::new("{}")).await.kind(), "buffered");
    emu.shutdown().await;
}

#[tokio::test]
async fn timeout_kills_and_restarts_the_runtime() {
    let emu = start("lambda_echo").await;
    let outcome =
        emu.invoke(Invocation::json(&json!({"action": "sleep", "ms": 5000})).timeout(Duration::from_millis(300))).await;
    assert_eq!(outcome, Outcome::Timeout);
    let outcome = emu.invoke(Invocation::json(&json!({"n": 1}))).await;
    assert_eq!(outcome.body_json().map(|b| b["event"].clone()), Some(json!({"n": 1})));
    assert_eq!(emu.init_count(), 2);
    emu.shutdown().await;
}

#[tokio::test]
async fn streaming_response_arrives_in_chunks() {
    let emu = start("lambda_stream").await;
    match emu.invoke(Invocation::json(&json!({"chunks": 3, "delay_ms": 100}))).await {
        Outcome::Streamed { prelude, body, chunks, error, request_headers } => {
            let prelude = prelude.expect("a prelude");
            assert_eq!(prelude["statusCode"], 201);
            assert_eq!(prelude["headers"]["x-custom"], "yes");
            assert_eq!(prelude["cookies"], json!(["a=1; Path=/"]));
            assert_eq!(body, Bytes::from_static(b"chunk 0\nchunk 1\nchunk 2\n"));
            assert!(chunks.len() >= 3, "{chunks:?}");
            let first = chunks.first().map(|c| c.at).unwrap_or_default();
            let last = chunks.last().map(|c| c.at).unwrap_or_default();
            assert!(last >= first + Duration::from_millis(150), "{chunks:?}");
            assert_eq!(error, None);
            assert_eq!(
                request_headers.get("trailer").map(|v| v.as_bytes()),
                Some(&b"Lambda-Runtime-Function-Error-Type"[..])
            );
        }
        other => panic!("unexpected {other:?}"),
    }
    emu.shutdown().await;
}

/// lambda_runtime 1.5 declares the error trailers but writes them into the body as text,
/// so the stream ends "successfully" with the error text as payload. This test pins the
/// observed behaviour (DESIGN.md section 6): if it starts failing, lambda_runtime fixed it.
#[tokio::test]
async fn lambda_runtime_writes_stream_errors_into_the_body() {
    let emu = start("lambda_stream").await;
    match emu.invoke(Invocation::json(&json!({"chunks": 1, "fail": true}))).await {
        Outcome::Streamed { body, error, .. } => {
            let text = String::from_utf8_lossy(&body);
            assert!(text.starts_with("chunk 0\n"), "{text}");
            assert!(text.contains("Lambda-Runtime-Function-Error-Type: Runtime.StreamError"), "{text}");
            assert_eq!(error, None, "no real trailers are sent");
        }
        other => panic!("unexpected {other:?}"),
    }
    emu.shutdown().await;
}
