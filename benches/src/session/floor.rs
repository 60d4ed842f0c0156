//! The floor: the same requests as the adapters get, sent straight to the app through a
//! plain HTTP client, with nothing in between.

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::bail;
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use lambda_web_adapter::event::{translate, Translation};
use lwa_conformance::echo_app::{EchoApp, EchoOptions};

use super::{push_opt, run_concurrently, Events, Measured, StreamTrace, Workload};
use crate::inputs::{bench_config, bench_context};
use crate::metric::Metric;
use crate::stats::{median, micros, percentile};

type DirectClient = Client<HttpConnector, Full<Bytes>>;

fn direct_client(pool: usize) -> DirectClient {
    let mut connector = HttpConnector::new();
    connector.set_nodelay(true);
    Client::builder(TokioExecutor::new()).pool_max_idle_per_host(pool).build(connector)
}

/// The request the reference translation makes of `event`, aimed at the app on `port`:
/// what an ideal adapter would send, with nothing in between.
fn direct_request(event: &[u8], port: u16) -> anyhow::Result<http::Request<Bytes>> {
    match translate(event, &bench_context(), &bench_config()) {
        Ok(Translation::Forward { request, .. }) => {
            let (mut parts, body) = request.into_parts();
            let target = parts.uri.path_and_query().map_or("/", |pq| pq.as_str());
            parts.uri = format!("http://127.0.0.1:{port}{target}").parse()?;
            Ok(http::Request::from_parts(parts, body))
        }
        Ok(Translation::Reject { message, .. }) => bail!("the bench event was rejected: {message}"),
        Err(err) => bail!("the bench event does not translate: {err}"),
    }
}

fn cloned(request: &http::Request<Bytes>) -> http::Request<Full<Bytes>> {
    let mut copy = http::Request::new(Full::new(request.body().clone()));
    *copy.method_mut() = request.method().clone();
    *copy.uri_mut() = request.uri().clone();
    *copy.headers_mut() = request.headers().clone();
    copy
}

/// Sends `request` and reads the whole answer; `Some(body length)` on a 200.
async fn direct_call(client: &DirectClient, request: &http::Request<Bytes>) -> Option<usize> {
    let response = client.request(cloned(request)).await.ok()?;
    let ok = response.status() == http::StatusCode::OK;
    let body = response.into_body().collect().await.ok()?.to_bytes();
    ok.then_some(body.len())
}

/// The floor's buffered phases: the same small and 1 MiB requests sent to the app directly.
pub async fn floor_buffered(work: &Workload, events: &Events) -> anyhow::Result<Measured> {
    let app = EchoApp::start(EchoOptions::default()).await?;
    let client = direct_client(work.concurrency as usize);
    let small = direct_request(&events.small, app.port())?;
    let big = direct_request(&events.big, app.port())?;
    let mut out = Measured::default();
    let mut failures = 0usize;
    for _ in 0..work.warmup {
        failures += usize::from(direct_call(&client, &small).await.is_none());
    }
    let mut latencies = Vec::with_capacity(work.invocations);
    let started = Instant::now();
    for _ in 0..work.invocations {
        let t = Instant::now();
        let ok = direct_call(&client, &small).await.is_some();
        latencies.push(t.elapsed());
        failures += usize::from(!ok);
    }
    let elapsed = started.elapsed();
    let us = micros(&latencies);
    push_opt(&mut out, Metric::WarmP50, percentile(&us, 50.0));
    push_opt(&mut out, Metric::WarmP99, percentile(&us, 99.0));
    out.warm_latencies_us = us;
    out.push(Metric::Throughput, work.invocations as f64 / elapsed.as_secs_f64());

    for _ in 0..work.warmup.min(3) {
        failures += usize::from(direct_call(&client, &big).await.is_none());
    }
    let mut big_times = Vec::with_capacity(work.big_invocations);
    for _ in 0..work.big_invocations {
        let t = Instant::now();
        let ok = direct_call(&client, &big).await.is_some();
        big_times.push(t.elapsed());
        failures += usize::from(!ok);
    }
    let ms: Vec<f64> = micros(&big_times).iter().map(|us| us / 1e3).collect();
    push_opt(&mut out, Metric::BigP50, percentile(&ms, 50.0));
    push_opt(&mut out, Metric::BigP99, percentile(&ms, 99.0));

    let shared = Arc::new((client, small));
    let call = move || {
        let shared = shared.clone();
        async move { direct_call(&shared.0, &shared.1).await.is_some() }
    };
    let width = work.concurrency as usize;
    failures += run_concurrently(width, work.warmup.max(width * 4), call.clone()).await;
    let started = Instant::now();
    failures += run_concurrently(width, work.concurrent_invocations, call).await;
    out.push(Metric::ThroughputConcurrent, work.concurrent_invocations as f64 / started.elapsed().as_secs_f64());
    if failures > 0 {
        out.errors.push(format!("{failures} direct calls failed"));
    }
    Ok(out)
}

/// The floor's streaming phases: first body byte of `/stream` and bandwidth of the large
/// body, read straight from the app.
pub async fn floor_streaming(work: &Workload, events: &Events) -> anyhow::Result<Measured> {
    let app = EchoApp::start(EchoOptions::default()).await?;
    let client = direct_client(1);
    let stream = direct_request(&events.stream, app.port())?;
    let stream_big = direct_request(&events.stream_big, app.port())?;
    let mut out = Measured::default();
    let mut failures = 0usize;
    let mut first_bytes = Vec::with_capacity(work.stream_invocations);
    let mut traces = Vec::with_capacity(work.stream_invocations);
    for i in 0..work.warmup.min(10) + work.stream_invocations {
        let t = Instant::now();
        let Ok(response) = client.request(cloned(&stream)).await else {
            failures += 1;
            continue;
        };
        let mut body = response.into_body();
        let mut first = None;
        let mut chunks = Vec::new();
        while let Some(frame) = body.frame().await {
            match frame {
                Ok(frame) if frame.data_ref().is_some_and(|d| !d.is_empty()) => {
                    let at = t.elapsed();
                    first.get_or_insert(at);
                    chunks.push((at, frame.data_ref().map_or(0, Bytes::len)));
                }
                Ok(_) => {}
                Err(_) => {
                    failures += 1;
                    break;
                }
            }
        }
        if let (Some(first), true) = (first, i >= work.warmup.min(10)) {
            first_bytes.push(first);
            traces.push(chunks);
        }
    }
    push_opt(&mut out, Metric::StreamFirstByte, median(&micros(&first_bytes)));
    out.stream_chunks = StreamTrace::median_of(&traces);
    // A diagnostic: the same on fresh connections, which the kernel ACKs at once. A large
    // gap to the pooled figure means the app's first chunk waits for a delayed ACK
    // (Nagle's algorithm on the app's socket).
    let mut fresh = Vec::new();
    for _ in 0..5 {
        let t = Instant::now();
        let Ok(response) = direct_client(1).request(cloned(&stream)).await else { continue };
        let mut body = response.into_body();
        while let Some(Ok(frame)) = body.frame().await {
            if frame.data_ref().is_some_and(|d| !d.is_empty()) {
                fresh.push(t.elapsed());
                break;
            }
        }
    }
    if let Some(us) = median(&micros(&fresh)) {
        out.detail("stream_first_byte_fresh_connection_us", us);
    }
    let mut rates = Vec::with_capacity(work.bandwidth_invocations);
    for _ in 0..work.bandwidth_invocations {
        let t = Instant::now();
        match direct_call(&client, &stream_big).await {
            Some(len) => rates.push(len as f64 / (1024.0 * 1024.0) / t.elapsed().as_secs_f64()),
            None => failures += 1,
        }
    }
    push_opt(&mut out, Metric::StreamBandwidth, median(&rates));
    if failures > 0 {
        out.errors.push(format!("{failures} direct streaming calls failed"));
    }
    Ok(out)
}

/// The floor of the slow-app cold start: from the app's start to the moment it accepts
/// a connection, polled every 1 ms.
pub async fn floor_slow_start(delay: Duration) -> anyhow::Result<f64> {
    let t = Instant::now();
    let app = EchoApp::start(EchoOptions { start_delay: delay, ..EchoOptions::default() }).await?;
    let deadline = t + delay + Duration::from_secs(10);
    loop {
        if tokio::net::TcpStream::connect(("127.0.0.1", app.port())).await.is_ok() {
            return Ok(t.elapsed().as_secs_f64() * 1e3);
        }
        if Instant::now() > deadline {
            bail!("the slow app never listened");
        }
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
}
