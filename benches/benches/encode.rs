//! Response encoding per source (`lambda_web_adapter::response::encode`) for bodies from
//! 0 B to 6 MB, text and binary (base64), with byte throughput over the body; then the
//! decisions taken on every response (text or base64, which coding, whether to compress)
//! and the compression itself.
//!
//! Run with `cargo bench -p lwa-benches --bench encode`.

use std::hint::black_box;
use std::time::Duration;

use bytes::Bytes;
use criterion::{criterion_main, BatchSize, BenchmarkId, Criterion, Throughput};
use http::{HeaderMap, HeaderValue};
use lambda_web_adapter::response::compress::{apply, eligible, negotiate, Coding};
use lambda_web_adapter::response::{encode, is_text, EncodeOptions, Payload};
use lwa_benches::inputs::{app_response, size_label, EventSource, BODY_SIZES};

/// Short runs: the whole suite must stay within a few minutes.
fn settings() -> Criterion {
    Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
        .sample_size(20)
}

/// A fresh response with these headers and body (cheap: the body is shared).
fn response(headers: &HeaderMap, body: &Bytes) -> http::Response<Bytes> {
    let mut response = http::Response::new(body.clone());
    *response.headers_mut() = headers.clone();
    response
}

fn encode_group(c: &mut Criterion, name: &str, binary: bool, sources: &[EventSource]) {
    let options = EncodeOptions::default();
    let mut group = c.benchmark_group(name);
    for source in sources {
        let shape = source.shape();
        for size in BODY_SIZES {
            let (parts, body) = app_response(size, binary).into_parts();
            let headers = parts.headers;
            group.throughput(Throughput::Bytes(size.max(1) as u64));
            // The payload's bytes as they are posted (a body over 64 KiB is encoded as it
            // is sent). 6 MB as base64 is over Lambda's limit: encode reports
            // ResponseTooLarge from the length alone, so the result is ignored here.
            group.bench_function(BenchmarkId::new(source.name(), size_label(size)), |b| {
                b.iter_batched(
                    || response(&headers, &body),
                    |r| encode(&shape, black_box(r), &options, &mut Vec::new()).map(Payload::into_bytes),
                    BatchSize::SmallInput,
                )
            });
        }
    }
    group.finish();
}

/// Text bodies for every source (the body is copied into the JSON as a string).
fn text_bodies(c: &mut Criterion) {
    encode_group(c, "encode/text", false, &EventSource::ALL);
}

/// Binary bodies (base64) for the HTTP sources.
fn binary_bodies(c: &mut Criterion) {
    encode_group(c, "encode/base64", true, &[EventSource::ApiGatewayV1, EventSource::ApiGatewayV2, EventSource::Alb]);
}

/// The text-or-base64 rule on typical content types.
fn text_or_base64(c: &mut Criterion) {
    let mut group = c.benchmark_group("decide/is_text");
    for (name, content_type) in [
        ("none", None),
        ("text-html", Some("text/html; charset=utf-8")),
        ("json", Some("application/json")),
        ("vnd-api-json", Some("application/vnd.api+json; charset=utf-8")),
        ("image-png", Some("image/png")),
        ("octet-stream", Some("application/octet-stream")),
    ] {
        let mut headers = HeaderMap::new();
        if let Some(ct) = content_type {
            headers.insert(http::header::CONTENT_TYPE, HeaderValue::from_static(ct));
        }
        headers.insert(http::header::CONTENT_LENGTH, HeaderValue::from_static("1234"));
        group.bench_function(name, |b| b.iter(|| is_text(black_box(&headers))));
    }
    group.finish();
}

/// Coding negotiation and the eligibility rule.
fn compression_decisions(c: &mut Criterion) {
    let mut group = c.benchmark_group("decide/negotiate");
    for (name, accept) in [
        ("browser", "gzip, deflate, br, zstd"),
        ("q-values", "gzip;q=1.0, br;q=0.5, *;q=0.1"),
        ("identity", "identity"),
        ("empty", ""),
    ] {
        group.bench_function(name, |b| b.iter(|| negotiate(black_box(accept))));
    }
    group.finish();
    let mut group = c.benchmark_group("decide/eligible");
    for (name, content_type, cache) in [
        ("text", "text/html; charset=utf-8", None),
        ("image", "image/png", None),
        ("no-transform", "application/json", Some("public, max-age=60, no-transform")),
    ] {
        let mut headers = HeaderMap::new();
        headers.insert(http::header::CONTENT_TYPE, HeaderValue::from_static(content_type));
        if let Some(cache) = cache {
            headers.insert(http::header::CACHE_CONTROL, HeaderValue::from_static(cache));
        }
        group.bench_function(name, |b| b.iter(|| eligible(http::StatusCode::OK, black_box(&headers), 4096)));
    }
    group.finish();
}

/// gzip and br on text bodies (br at the adapter's quality 5).
fn compression(c: &mut Criterion) {
    let mut group = c.benchmark_group("compress");
    for coding in [Coding::Gzip, Coding::Brotli] {
        for size in [1024, 64 * 1024, 1024 * 1024] {
            let (parts, body) = app_response(size, false).into_parts();
            group.throughput(Throughput::Bytes(size as u64));
            group.bench_function(BenchmarkId::new(coding.token(), size_label(size)), |b| {
                b.iter_batched(
                    || parts.headers.clone(),
                    |mut headers| apply(coding, &mut headers, black_box(&body)),
                    BatchSize::SmallInput,
                )
            });
        }
    }
    group.finish();
    // The whole buffered path with compression on: decide, compress, then encode.
    let mut group = c.benchmark_group("encode/compressed");
    let options = EncodeOptions { compression: true, ..EncodeOptions::default() };
    let mut shape = EventSource::ApiGatewayV2.shape();
    shape.accept_encoding = Some(HeaderValue::from_static("gzip, deflate, br"));
    for size in [1024, 64 * 1024, 1024 * 1024] {
        let (parts, body) = app_response(size, false).into_parts();
        group.throughput(Throughput::Bytes(size as u64));
        group.bench_function(BenchmarkId::new("apigw-v2-br", size_label(size)), |b| {
            b.iter_batched(
                || response(&parts.headers, &body),
                |r| encode(&shape, black_box(r), &options, &mut Vec::new()).map(Payload::into_bytes),
                BatchSize::SmallInput,
            )
        });
    }
    group.finish();
}

/// Every group of this file, with the short settings.
fn benches() {
    let mut c = settings().configure_from_args();
    text_bodies(&mut c);
    binary_bodies(&mut c);
    text_or_base64(&mut c);
    compression_decisions(&mut c);
    compression(&mut c);
}

criterion_main!(benches);
