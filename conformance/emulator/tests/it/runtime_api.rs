//! The Runtime API driven by a raw HTTP runtime against the server-only emulator: headers,
//! buffered and streamed responses, and every error answer.

use std::time::Duration;

use crate::common::{get, next, post, post_frames, request, respond};
use bytes::Bytes;
use http::{HeaderMap, HeaderValue, Method};
use hyper::body::Frame;
use lwa_emulator::{Emulator, EmulatorConfig, ErrorBody, Invocation, Outcome};
use serde_json::json;

async fn server_only() -> Emulator {
    Emulator::start(EmulatorConfig::new().timeout(Duration::from_secs(2))).await.expect("emulator")
}

#[tokio::test]
async fn next_carries_the_invocation_headers_and_a_buffered_response_round_trips() {
    let emu = server_only().await;
    let addr = emu.runtime_api();
    let invoke = tokio::spawn({
        let inv = Invocation::new(r#"{"k":"v"}"#)
            .client_context("not json {")
            .cognito_identity(r#"{"cognitoIdentityId":"id-1"}"#)
            .tenant_id("tenant {raw");
        let handle = emu.invoke_streaming(inv).await;
        handle.outcome()
    });
    let before_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or_default();
    let n = next(&addr).await;
    assert_eq!(n.reply.body, Bytes::from_static(br#"{"k":"v"}"#));
    let deadline: u64 = n.reply.header("lambda-runtime-deadline-ms").and_then(|d| d.parse().ok()).expect("deadline");
    assert!(deadline >= before_ms + 1500 && deadline <= before_ms + 2500, "{deadline} vs {before_ms}");
    assert_eq!(
        n.reply.header("lambda-runtime-invoked-function-arn").as_deref(),
        Some("arn:aws:lambda:us-east-1:123456789012:function:conformance-function")
    );
    assert!(n.reply.header("lambda-runtime-trace-id").is_some_and(|t| t.starts_with("Root=1-")));
    assert_eq!(n.reply.header("lambda-runtime-client-context").as_deref(), Some("not json {"));
    assert_eq!(n.reply.header("lambda-runtime-cognito-identity").as_deref(), Some(r#"{"cognitoIdentityId":"id-1"}"#));
    assert_eq!(n.reply.header("lambda-runtime-aws-tenant-id").as_deref(), Some("tenant {raw"));
    let r = post(
        &addr,
        &format!("/2018-06-01/runtime/invocation/{}/response", n.id),
        &[("content-type", "application/json")],
        r#"{"ok":true}"#,
    )
    .await;
    assert_eq!(r.status, 202);
    assert_eq!(r.json(), json!({"status": "OK"}));
    match invoke.await.expect("join") {
        Outcome::Buffered { body, headers } => {
            assert_eq!(body, Bytes::from_static(br#"{"ok":true}"#));
            assert_eq!(headers.get("content-type").map(|v| v.as_bytes()), Some(&b"application/json"[..]));
        }
        other => panic!("unexpected {other:?}"),
    }
    assert!(emu.init_duration().is_some());
    let recorded = emu.runtime_requests();
    assert!(recorded.iter().any(|r| r.path.ends_with("/invocation/next")));
    assert!(recorded.iter().any(|r| r.path.ends_with("/response") && r.status.map(|s| s.as_u16()) == Some(202)));
}

#[tokio::test]
async fn trace_id_is_fresh_per_invocation_unless_given() {
    let emu = server_only().await;
    let addr = emu.runtime_api();
    let mut traces = Vec::new();
    for given in [None, None, Some("Root=1-00000000-000000000000000000000000;Sampled=1")] {
        let mut inv = Invocation::new("{}");
        if let Some(t) = given {
            inv = inv.trace_id(t);
        }
        let handle = emu.invoke_streaming(inv).await;
        let n = next(&addr).await;
        traces.push(n.reply.header("lambda-runtime-trace-id").unwrap_or_default());
        respond(&addr, &n.id, "null").await;
        assert_eq!(handle.outcome().await.kind(), "buffered");
    }
    assert_ne!(traces[0], traces[1]);
    assert_eq!(traces[2], "Root=1-00000000-000000000000000000000000;Sampled=1");
}

#[tokio::test]
async fn unknown_request_id_is_400_invalid_request_id() {
    let emu = server_only().await;
    let addr = emu.runtime_api();
    for suffix in ["response", "error"] {
        let r = post(&addr, &format!("/2018-06-01/runtime/invocation/no-such-id/{suffix}"), &[], "{}").await;
        assert_eq!(r.status, 400);
        assert_eq!(r.json(), json!({"errorMessage": "Invalid request ID", "errorType": "InvalidRequestID"}));
    }
}

#[tokio::test]
async fn second_response_is_403_invalid_state_transition() {
    let emu = server_only().await;
    let addr = emu.runtime_api();
    let handle = emu.invoke_streaming(Invocation::new("{}")).await;
    let n = next(&addr).await;
    assert_eq!(respond(&addr, &n.id, "1").await.status, 202);
    let again = respond(&addr, &n.id, "2").await;
    assert_eq!(again.status, 403);
    assert_eq!(again.json()["errorType"], "InvalidStateTransition");
    assert_eq!(
        again.json()["errorMessage"],
        "State transition from RuntimeResponseSentState to InvocationResponse failed for runtime. Error: State transition is not allowed"
    );
    let err = post(&addr, &format!("/2018-06-01/runtime/invocation/{}/error", n.id), &[], "{}").await;
    assert_eq!(err.status, 403);
    assert_eq!(handle.outcome().await.body().cloned(), Some(Bytes::from_static(b"1")));
}

#[tokio::test]
async fn oversized_buffered_response_is_413_and_fails_the_invocation() {
    let emu = server_only().await;
    let addr = emu.runtime_api();
    let handle = emu.invoke_streaming(Invocation::new("{}")).await;
    let n = next(&addr).await;
    let body = vec![b'a'; lwa_emulator::MAX_BUFFERED_RESPONSE_BYTES + 1];
    let r = respond(&addr, &n.id, body).await;
    assert_eq!(r.status, 413);
    assert_eq!(
        r.json(),
        json!({"errorMessage": "Exceeded maximum allowed payload size (6291456 bytes).", "errorType": "RequestEntityTooLarge"})
    );
    match handle.outcome().await {
        Outcome::Error { error_type, body } => {
            assert_eq!(error_type, "Function.ResponseSizeTooLarge");
            assert_eq!(
                body.json().and_then(|j| j["errorMessage"].as_str().map(str::to_string)).as_deref(),
                Some("Response payload size (6291457 bytes) exceeded maximum allowed payload size (6291456 bytes).")
            );
        }
        other => panic!("unexpected {other:?}"),
    }
}

#[tokio::test]
async fn exactly_six_megabytes_is_accepted() {
    let emu = server_only().await;
    let addr = emu.runtime_api();
    let handle = emu.invoke_streaming(Invocation::new("{}")).await;
    let n = next(&addr).await;
    let r = respond(&addr, &n.id, vec![b'a'; lwa_emulator::MAX_BUFFERED_RESPONSE_BYTES]).await;
    assert_eq!(r.status, 202);
    assert_eq!(handle.outcome().await.body().map(Bytes::len), Some(6291456));
}

#[tokio::test]
async fn error_endpoint_accepts_json_and_bad_json() {
    let emu = server_only().await;
    let addr = emu.runtime_api();
    // A well-formed error document with the type header.
    let handle = emu.invoke_streaming(Invocation::new("{}")).await;
    let n = next(&addr).await;
    let doc = r#"{"errorMessage":"boom","errorType":"MyError","stackTrace":["a","b"]}"#;
    let r = post(
        &addr,
        &format!("/2018-06-01/runtime/invocation/{}/error", n.id),
        &[("lambda-runtime-function-error-type", "Runtime.MyError")],
        doc,
    )
    .await;
    assert_eq!(r.status, 202);
    match handle.outcome().await {
        Outcome::Error { error_type, body } => {
            assert_eq!(error_type, "Runtime.MyError");
            assert_eq!(body.json().map(|j| j["stackTrace"].clone()), Some(json!(["a", "b"])));
        }
        other => panic!("unexpected {other:?}"),
    }
    // Not JSON: Lambda (the RIE) still answers 202 and keeps the bytes as the payload.
    let handle = emu.invoke_streaming(Invocation::new("{}")).await;
    let n = next(&addr).await;
    let r = post(&addr, &format!("/2018-06-01/runtime/invocation/{}/error", n.id), &[], "{not json").await;
    assert_eq!(r.status, 202);
    match handle.outcome().await {
        Outcome::Error { error_type, body } => {
            assert_eq!(error_type, "Unhandled");
            assert_eq!(body, ErrorBody::Raw(Bytes::from_static(b"{not json")));
        }
        other => panic!("unexpected {other:?}"),
    }
}

#[tokio::test]
async fn unknown_routes_and_methods() {
    let emu = server_only().await;
    let addr = emu.runtime_api();
    let r = get(&addr, "/2018-06-01/runtime/nope", &[]).await;
    assert_eq!(r.status, 404);
    assert_eq!(r.body, Bytes::from_static(b"404 page not found\n"));
    assert_eq!(get(&addr, "/", &[]).await.status, 404);
    assert_eq!(get(&addr, "/2020-01-01/extension/nope", &[]).await.status, 404);
    let r = post(&addr, "/2018-06-01/runtime/invocation/next", &[], "").await;
    assert_eq!(r.status, 405);
    assert_eq!(r.header("allow").as_deref(), Some("GET"));
    let r = request(&addr, Method::PUT, "/2020-01-01/extension/register", &[], "").await;
    assert_eq!(r.status, 405);
}

#[tokio::test]
async fn init_error_after_init_is_403() {
    let emu = server_only().await;
    let addr = emu.runtime_api();
    let handle = emu.invoke_streaming(Invocation::new("{}")).await;
    let n = next(&addr).await;
    respond(&addr, &n.id, "{}").await;
    handle.outcome().await;
    let r = post(&addr, "/2018-06-01/runtime/init/error", &[("lambda-runtime-function-error-type", "X")], "{}").await;
    assert_eq!(r.status, 403);
    assert_eq!(r.json()["errorType"], "InvalidStateTransition");
}

#[tokio::test]
async fn init_error_during_init_fails_the_first_invoke() {
    let emu = server_only().await;
    let addr = emu.runtime_api();
    let r = post(
        &addr,
        "/2018-06-01/runtime/init/error",
        &[("lambda-runtime-function-error-type", "Runtime.ImportModuleError")],
        r#"{"errorMessage":"cannot import","errorType":"Runtime.ImportModuleError"}"#,
    )
    .await;
    assert_eq!(r.status, 202);
    match emu.invoke(Invocation::new("{}")).await {
        Outcome::InitError { error_type, body } => {
            assert_eq!(error_type, "Runtime.ImportModuleError");
            assert_eq!(body.json().map(|j| j["errorMessage"].clone()), Some(json!("cannot import")));
        }
        other => panic!("unexpected {other:?}"),
    }
    assert!(emu.init_result().is_some_and(|r| r.is_err()));
}

#[tokio::test]
async fn streamed_response_with_prelude_chunk_times_and_trailer_error() {
    let emu = server_only().await;
    let addr = emu.runtime_api();
    let handle = emu.invoke_streaming(Invocation::new("{}")).await;
    let n = next(&addr).await;
    let mut trailers = HeaderMap::new();
    trailers.insert("lambda-runtime-function-error-type", HeaderValue::from_static("Runtime.StreamBroke"));
    trailers.insert("lambda-runtime-function-error-body", HeaderValue::from_static("eyJlcnJvck1lc3NhZ2UiOiJ4In0="));
    let ms = Duration::from_millis;
    let frames = vec![
        (ms(0), Frame::data(Bytes::from_static(b"{\"statusCode\":201,\"cookies\":[\"a=1\"]}\0\0\0\0"))),
        (ms(0), Frame::data(Bytes::from_static(b"\0\0\0\0first"))),
        (ms(150), Frame::data(Bytes::from_static(b"second"))),
        (ms(0), Frame::trailers(trailers)),
    ];
    let r = post_frames(
        &addr,
        &format!("/2018-06-01/runtime/invocation/{}/response", n.id),
        &[
            ("lambda-runtime-function-response-mode", "streaming"),
            ("content-type", "application/vnd.awslambda.http-integration-response"),
            ("trailer", "Lambda-Runtime-Function-Error-Type, Lambda-Runtime-Function-Error-Body"),
        ],
        frames,
    )
    .await;
    assert_eq!(r.status, 202, "{:?}", r.body);
    match handle.outcome().await {
        Outcome::Streamed { prelude, body, chunks, error, request_headers } => {
            assert_eq!(prelude, Some(json!({"statusCode": 201, "cookies": ["a=1"]})));
            assert_eq!(body, Bytes::from_static(b"firstsecond"));
            assert_eq!(chunks.len(), 2);
            assert!(chunks[1].at >= chunks[0].at + ms(120), "{chunks:?}");
            let error = error.expect("trailer error");
            assert_eq!(error.error_type, "Runtime.StreamBroke");
            assert_eq!(error.error_body, Bytes::from_static(br#"{"errorMessage":"x"}"#));
            assert!(request_headers.contains_key("lambda-runtime-function-response-mode"));
        }
        other => panic!("unexpected {other:?}"),
    }
}

#[tokio::test]
async fn streamed_chunks_are_reported_live() {
    let emu = server_only().await;
    let addr = emu.runtime_api();
    let mut handle = emu.invoke_streaming(Invocation::new("{}")).await;
    let n = next(&addr).await;
    let ms = Duration::from_millis;
    let path = format!("/2018-06-01/runtime/invocation/{}/response", n.id);
    let poster = tokio::spawn(async move {
        post_frames(
            &addr,
            &path,
            &[("lambda-runtime-function-response-mode", "streaming")],
            vec![(ms(0), Frame::data(Bytes::from_static(b"one"))), (ms(300), Frame::data(Bytes::from_static(b"two")))],
        )
        .await
    });
    assert_eq!(handle.request_id().await.as_deref(), Some(n.id.as_str()));
    let started = std::time::Instant::now();
    let mut first_chunk_at = None;
    while let Some(event) = handle.next_event().await {
        match event {
            lwa_emulator::ResponseEvent::Chunk(c) if first_chunk_at.is_none() => {
                assert_eq!(c.bytes, Bytes::from_static(b"one"));
                first_chunk_at = Some(started.elapsed());
            }
            lwa_emulator::ResponseEvent::Finished(outcome) => {
                assert_eq!(outcome.body().cloned(), Some(Bytes::from_static(b"onetwo")));
                break;
            }
            _ => {}
        }
    }
    // The first chunk was seen well before the stream ended.
    assert!(first_chunk_at.expect("a chunk") < ms(250));
    assert_eq!(poster.await.expect("join").status, 202);
}

#[tokio::test]
async fn invalid_response_mode_is_400() {
    let emu = server_only().await;
    let addr = emu.runtime_api();
    let handle = emu.invoke_streaming(Invocation::new("{}")).await;
    let n = next(&addr).await;
    let r = post(
        &addr,
        &format!("/2018-06-01/runtime/invocation/{}/response", n.id),
        &[("lambda-runtime-function-response-mode", "bogus")],
        "x",
    )
    .await;
    assert_eq!(r.status, 400);
    assert_eq!(r.json()["errorType"], "InvalidFunctionResponseMode");
    assert_eq!(handle.outcome().await.error_type(), Some("Runtime.InvalidResponseModeHeader"));
}

#[tokio::test]
async fn timeout_resets_and_the_next_invoke_reinitialises() {
    let emu = Emulator::start(
        EmulatorConfig::new().timeout(Duration::from_millis(200)).shutdown_grace(Duration::from_millis(100)),
    )
    .await
    .expect("emulator");
    let addr = emu.runtime_api();
    let handle = emu.invoke_streaming(Invocation::new("{}")).await;
    let n = next(&addr).await;
    assert_eq!(handle.outcome().await, Outcome::Timeout);
    // A late answer is refused.
    assert_eq!(respond(&addr, &n.id, "late").await.status, 400);
    // The next invoke starts a new init, which ends when a runtime polls again.
    let handle = emu.invoke_streaming(Invocation::new("{}").timeout(Duration::from_secs(2))).await;
    let n = next(&addr).await;
    respond(&addr, &n.id, "fresh").await;
    assert_eq!(handle.outcome().await.body().cloned(), Some(Bytes::from_static(b"fresh")));
    assert_eq!(emu.init_count(), 2);
}
