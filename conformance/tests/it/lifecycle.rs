//! Lifecycle behaviours of the reference adapter under the emulator, which need more than
//! one invocation or a real runtime process: async init, SIGTERM reaching the app,
//! Managed Instances concurrency, the Runtime API proxy, and bounded memory for a large
//! streamed response.

use crate::common::reference_adapter as adapter;

use std::path::Path;
use std::time::{Duration, Instant};

use lwa_conformance::apps::RecordingProxy;
use lwa_conformance::echo_app::{EchoApp, EchoOptions};
use lwa_conformance::{Emulator, EmulatorConfig, Invocation, Outcome};
use serde_json::{json, Value};

fn adapter_config(port: u16) -> EmulatorConfig {
    EmulatorConfig::new()
        .extension("lambda-adapter", [adapter().to_string_lossy().into_owned()])
        .env("AWS_LWA_PORT", port.to_string())
        .shutdown_grace(Duration::from_secs(2))
}

fn v2(method: &str, raw_path: &str, body: &str) -> Invocation {
    Invocation::json(&json!({
        "version": "2.0", "routeKey": "$default", "rawPath": raw_path, "rawQueryString": "",
        "headers": {"host": "abc.lambda-url.us-east-1.on.aws"},
        "requestContext": {"http": {"method": method, "path": raw_path}, "domainName": "abc.lambda-url.us-east-1.on.aws"},
        "body": body, "isBase64Encoded": false
    }))
}

/// Async init: an app that is ready only at 12 s is beyond Lambda's 10 s init limit.
/// With AWS_LWA_ASYNC_INIT the adapter ends init at 9.8 s and the first invocation
/// finishes the readiness check; without it, init times out.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn async_init_serves_an_app_that_is_ready_at_12_s() {
    let app = EchoApp::start(EchoOptions {
        start_delay: Duration::from_secs(12),
        readiness_status: None,
        ..EchoOptions::default()
    })
    .await
    .unwrap();
    let started = Instant::now();
    let emulator =
        Emulator::start(adapter_config(app.port()).env("AWS_LWA_ASYNC_INIT", "true").timeout(Duration::from_secs(10)))
            .await
            .unwrap();
    // The emulator enforces Lambda's 10 s init limit (wait_init fails past it); the
    // adapter's own budget is 9.8 s from its start, so the margin is process start-up.
    let init = emulator.wait_init().await.expect("init ends in time with async init");
    assert!(init < Duration::from_secs(12), "init ended before the app was ready: {init:?}");
    let outcome = emulator.invoke(v2("GET", "/echo/first", "")).await;
    let Outcome::Buffered { body, .. } = &outcome else { panic!("expected a response, got {outcome:?}") };
    let response: Value = serde_json::from_slice(body).unwrap();
    assert_eq!(response["statusCode"], 200);
    assert!(started.elapsed() >= Duration::from_secs(12), "the invocation waited for the app");
    emulator.shutdown().await;
}

/// Async init with an app that never comes up: the invocation fails with a named error
/// just before its deadline instead of hanging until Lambda kills the environment.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn async_init_with_an_app_that_never_comes_up_is_a_named_error() {
    let app = EchoApp::start(EchoOptions {
        start_delay: Duration::from_secs(3600),
        readiness_status: None,
        ..EchoOptions::default()
    })
    .await
    .unwrap();
    let emulator =
        Emulator::start(adapter_config(app.port()).env("AWS_LWA_ASYNC_INIT", "true").timeout(Duration::from_secs(2)))
            .await
            .unwrap();
    emulator.wait_init().await.expect("init ends in time with async init");
    let outcome = emulator.invoke(v2("GET", "/echo/never", "")).await;
    assert_eq!(outcome.error_type(), Some("Adapter.AppNotReady"), "{}", outcome.to_json());
    emulator.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_async_init_an_app_ready_at_12_s_fails_init() {
    let app = EchoApp::start(EchoOptions {
        start_delay: Duration::from_secs(12),
        readiness_status: None,
        ..EchoOptions::default()
    })
    .await
    .unwrap();
    let emulator = Emulator::start(adapter_config(app.port())).await.unwrap();
    let failure = emulator.wait_init().await.expect_err("init cannot end before the app is ready");
    assert_eq!(failure.error_type, "Sandbox.Timedout");
    emulator.shutdown().await;
}

/// An app that logs SIGTERM: Lambda sends SIGTERM to the runtime process (the app) and
/// SHUTDOWN to the adapter, which exits cleanly.
const SIGTERM_APP: &str = r#"
import http.server, os, signal, sys
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200); self.send_header("content-length", "2"); self.end_headers(); self.wfile.write(b"ok")
    def log_message(self, *a): pass
def term(*_):
    print("SIGTERM received, shutting down", flush=True); os._exit(0)
signal.signal(signal.SIGTERM, term)
http.server.ThreadingHTTPServer(("127.0.0.1", int(os.environ["PORT"])), H).serve_forever()
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_reaches_the_app_as_sigterm_and_the_adapter_exits_cleanly() {
    let port = lwa_conformance::net::free_port().unwrap();
    let config = adapter_config(port).runtime_command(["python3", "-c", SIGTERM_APP]).env("PORT", port.to_string());
    let emulator = Emulator::start(config).await.unwrap();
    emulator.wait_init().await.expect("init");
    let outcome = emulator.invoke(v2("GET", "/", "")).await;
    assert!(matches!(outcome, Outcome::Buffered { .. }), "{outcome:?}");
    let report = emulator.shutdown().await;
    assert!(report.killed.is_empty(), "nothing needed SIGKILL: {report:?}\n{}", emulator.log_text());
    // Output is captured asynchronously: wait for the last lines of exited processes.
    assert!(
        emulator.wait_for_log("SIGTERM received, shutting down", Duration::from_secs(3)).await,
        "{}",
        emulator.log_text()
    );
    assert!(
        emulator.wait_for_log("shutdown requested by Lambda", Duration::from_secs(3)).await,
        "the adapter saw SHUTDOWN: {}",
        emulator.log_text()
    );
    assert!(emulator.log_text().contains("[ext:lambda-adapter] exited: exit status 0"), "{}", emulator.log_text());
}

/// Lambda Managed Instances: 8 invocations in flight at once, each kept apart.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn eight_concurrent_invocations_stay_apart() {
    let app = EchoApp::start(EchoOptions::default()).await.unwrap();
    let emulator = std::sync::Arc::new(Emulator::start(adapter_config(app.port()).max_concurrency(8)).await.unwrap());
    emulator.wait_init().await.expect("init");
    let started = Instant::now();
    let mut tasks = Vec::new();
    for i in 0..8 {
        let emulator = emulator.clone();
        tasks.push(tokio::spawn(async move {
            // /slow holds each request 600 ms; one at a time would take 4.8 s.
            let slow = emulator.invoke(v2("GET", "/slow", "").tenant_id(format!("tenant-{i}"))).await;
            let echo = emulator
                .invoke(v2("POST", &format!("/echo/{i}"), &format!("body-{i}")).tenant_id(format!("tenant-{i}")))
                .await;
            (i, slow, echo)
        }));
    }
    for task in tasks {
        let (i, slow, echo) = task.await.unwrap();
        assert!(matches!(slow, Outcome::Buffered { .. }), "{slow:?}");
        let response = echo.body_json().expect("buffered JSON");
        let echoed: Value = serde_json::from_str(response["body"].as_str().unwrap()).unwrap();
        assert_eq!(echoed["path"], format!("/echo/{i}"));
        let headers = echoed["headers"].as_array().unwrap();
        let tenant = headers.iter().find(|h| h[0] == "x-amz-tenant-id").map(|h| h[1].clone());
        assert_eq!(tenant, Some(json!(format!("tenant-{i}"))), "tenant ids are not mixed up");
    }
    // One at a time cannot take less than 8 x 600 ms = 4.8 s, however fast the machine;
    // at once it takes about 0.7 s. 4.5 s holds on a loaded 2-core machine and still
    // fails any serial execution.
    let elapsed = started.elapsed();
    assert!(elapsed < Duration::from_millis(4500), "8 x 600 ms ran concurrently, not one by one: {elapsed:?}");
    // Every invocation's request reached the app with its own request id.
    let ids: std::collections::HashSet<_> = app.received().into_iter().filter_map(|r| r.request_id).collect();
    assert_eq!(ids.len(), 16);
    emulator.shutdown().await;
}

/// AWS_LWA_LAMBDA_RUNTIME_API_PROXY: invocation traffic goes through the proxy,
/// extension registration does not.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn runtime_api_proxy_sees_every_runtime_call_and_no_extension_call() {
    let app = EchoApp::start(EchoOptions::default()).await.unwrap();
    // The emulator's port must be known before the proxy starts: pick it first.
    let api_port = lwa_conformance::net::free_port().unwrap();
    let proxy = RecordingProxy::start(api_port).await.unwrap();
    let config = adapter_config(app.port())
        .port(api_port)
        .env("AWS_LWA_LAMBDA_RUNTIME_API_PROXY", format!("127.0.0.1:{}", proxy.port()));
    let emulator = Emulator::start(config).await.unwrap();
    emulator.wait_init().await.expect("init");
    let outcome = emulator.invoke(v2("GET", "/echo/proxied", "")).await;
    assert!(matches!(outcome, Outcome::Buffered { .. }), "{outcome:?}");
    let paths: Vec<String> = proxy.received_all().into_iter().map(|r| r.path).collect();
    assert!(paths.iter().any(|p| p == "/2018-06-01/runtime/invocation/next"), "{paths:?}");
    assert!(paths.iter().any(|p| p.ends_with("/response")), "{paths:?}");
    assert!(!paths.iter().any(|p| p.contains("/extension/")), "registration bypasses the proxy: {paths:?}");
    emulator.shutdown().await;
}

/// The adapter's peak resident memory (VmHWM) in kB, found by its binary path.
fn peak_rss_kb(binary: &Path) -> Option<u64> {
    for entry in std::fs::read_dir("/proc").ok()?.flatten() {
        let exe = std::fs::read_link(entry.path().join("exe")).ok();
        if exe.as_deref() != Some(binary) {
            continue;
        }
        let status = std::fs::read_to_string(entry.path().join("status")).ok()?;
        let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
        return line.split_whitespace().nth(1)?.parse().ok();
    }
    None
}

/// A 50 MB streamed response goes through in bounded memory.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_50_mb_stream_passes_in_bounded_memory() {
    let app = EchoApp::start(EchoOptions::default()).await.unwrap();
    let binary = adapter().canonicalize().unwrap();
    let emulator =
        Emulator::start(adapter_config(app.port()).env("AWS_LWA_INVOKE_MODE", "response_stream")).await.unwrap();
    emulator.wait_init().await.expect("init");
    let event = json!({
        "version": "2.0", "rawPath": "/big", "rawQueryString": "kb=51200", "headers": {},
        "requestContext": {"http": {"method": "GET"}, "domainName": "abc.lambda-url.us-east-1.on.aws"}
    });
    let outcome = emulator.invoke(Invocation::json(&event).timeout(Duration::from_secs(60))).await;
    let Outcome::Streamed { body, error, .. } = &outcome else { panic!("expected a stream, got {}", outcome.kind()) };
    assert!(error.is_none(), "{error:?}");
    assert_eq!(body.len(), 51_200 * 1024);
    let peak = peak_rss_kb(&binary).expect("the adapter's /proc entry");
    eprintln!("adapter peak RSS after a 50 MB stream: {peak} kB");
    assert!(peak < 32 * 1024, "the adapter held the stream in memory: VmHWM {peak} kB");
    emulator.shutdown().await;
}

/// How long a streamed chunk takes from the app's write to Lambda's receipt. Both ends
/// live in this process, so each chunk carries its write time on the shared clock. Any
/// buffering of the body would show up as hundreds of milliseconds, a Nagle / delayed-ACK
/// stall as about 40 ms (seen here when the app's own socket lacked TCP_NODELAY: 43-47 ms).
/// Measured here with the adapter's TCP_NODELAY: median about 0.5 ms, max about 5 ms; with
/// it switched off the max rose to about 14 ms, so this test guards against buffering and
/// systematic stalls (it asserts on the median) but is not a reliable detector of that one
/// setting.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn streamed_chunks_are_not_held_back() {
    use http_body_util::StreamBody;
    use hyper::body::Frame;
    use std::sync::OnceLock;

    static EPOCH: OnceLock<Instant> = OnceLock::new();
    let epoch = *EPOCH.get_or_init(Instant::now);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        loop {
            let (stream, _) = listener.accept().await.unwrap();
            // The app side sends without delay too, so only the adapter's path is measured.
            stream.set_nodelay(true).unwrap();
            tokio::spawn(async move {
                let service = hyper::service::service_fn(move |_req| async move {
                    let (tx, mut rx) =
                        tokio::sync::mpsc::channel::<Result<Frame<bytes::Bytes>, std::convert::Infallible>>(1);
                    tokio::spawn(async move {
                        // Back-to-back writes (the prelude, then the first chunk at once) are
                        // where Nagle's algorithm waits for the peer's delayed ACK.
                        for i in 0..10 {
                            if i > 0 {
                                tokio::time::sleep(Duration::from_millis(30)).await;
                            }
                            let written = epoch.elapsed().as_micros();
                            if tx.send(Ok(Frame::data(bytes::Bytes::from(format!("{written}\n"))))).await.is_err() {
                                return;
                            }
                        }
                    });
                    let body = StreamBody::new(futures_util::stream::poll_fn(move |cx| rx.poll_recv(cx)));
                    Ok::<_, std::convert::Infallible>(hyper::Response::new(body))
                });
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(hyper_util::rt::TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    let emulator = Emulator::start(adapter_config(port).env("AWS_LWA_INVOKE_MODE", "response_stream")).await.unwrap();
    emulator.wait_init().await.expect("init");
    // Several invocations, so the later ones run on warm pooled connections (Linux ACKs
    // at once early in a connection's life, which hides Nagle's stall on a fresh one).
    let (mut delays, mut chunks) = (Vec::new(), 0);
    for _ in 0..5 {
        let mut handle = emulator.invoke_streaming(v2("GET", "/", "")).await;
        while let Some(event) = handle.next_event().await {
            match event {
                lwa_conformance::ResponseEvent::Chunk(chunk) => {
                    let received = epoch.elapsed().as_micros();
                    chunks += 1;
                    for line in String::from_utf8_lossy(&chunk.bytes).lines() {
                        delays.push(received - line.parse::<u128>().unwrap());
                    }
                }
                lwa_conformance::ResponseEvent::Finished(_) => break,
                _ => {}
            }
        }
    }
    assert_eq!(delays.len(), 50, "every app write arrived");
    // The prelude is a chunk of its own. The app writes 30 ms apart, so its writes arrive
    // as chunks of their own; a loaded machine may still join a pair now and then, while
    // buffering would join them all.
    assert!(chunks >= 5 + 40, "{chunks} chunks for 50 app writes and 5 preludes: writes were joined");
    delays.sort_unstable();
    let (median, max) = (delays[25], delays[49]);
    eprintln!("app write -> Lambda receipt over 50 chunks: median {median} us, max {max} us");
    // The median, not the max: one chunk delayed by the scheduler on a busy 2-core machine
    // must not fail the run, while buffering or a stall on every chunk moves the median.
    assert!(
        median < 35_000,
        "chunks waited {median} us (median): held back by buffering or a Nagle / delayed-ACK stall"
    );
    emulator.shutdown().await;
}
