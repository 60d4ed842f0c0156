//! Event decoding and request building per source: `lambda_web_adapter::event::translate`
//! on real corpus events, then on the same events with bodies from 0 B to 6 MB (text and
//! base64), and on events with many headers, with byte throughput over the event's size.
//!
//! Run with `cargo bench -p lwa-benches --bench translate`.

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_main, BenchmarkId, Criterion, Throughput};
use lambda_web_adapter::event::translate;
use lwa_benches::inputs::{bench_config, bench_context, size_label, Body, EventSource, BODY_SIZES};
use serde_json::Value;

/// Short runs: the whole suite must stay within a few minutes.
fn settings() -> Criterion {
    Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
        .sample_size(20)
}

/// Each source's corpus event exactly as the Runtime API hands it over.
fn corpus_events(c: &mut Criterion) {
    let config = bench_config();
    let ctx = bench_context();
    let mut group = c.benchmark_group("translate/corpus");
    for source in EventSource::ALL {
        let event = source.template().as_bytes();
        group.throughput(Throughput::Bytes(event.len() as u64));
        group.bench_function(source.name(), |b| {
            b.iter(|| translate(black_box(event), &ctx, &config).expect("the corpus event translates"))
        });
    }
    group.finish();
}

/// Every source, text bodies of every size.
fn text_bodies(c: &mut Criterion) {
    let config = bench_config();
    let ctx = bench_context();
    let mut group = c.benchmark_group("translate/text");
    for source in EventSource::ALL {
        for size in BODY_SIZES {
            let event = source.event("POST", "/echo/items", "page=2&sort=desc", &Body::text(size));
            group.throughput(Throughput::Bytes(event.len() as u64));
            group.bench_with_input(BenchmarkId::new(source.name(), size_label(size)), &event, |b, event| {
                b.iter(|| translate(black_box(event), &ctx, &config).expect("the bench event translates"))
            });
        }
    }
    group.finish();
}

/// Binary bodies (base64 in the event, decoded by the adapter) for the HTTP sources.
fn base64_bodies(c: &mut Criterion) {
    let config = bench_config();
    let ctx = bench_context();
    let mut group = c.benchmark_group("translate/base64");
    for source in [EventSource::ApiGatewayV1, EventSource::ApiGatewayV2, EventSource::Alb] {
        for size in BODY_SIZES {
            let event = source.event("POST", "/upload", "", &Body::binary(size));
            group.throughput(Throughput::Bytes(event.len() as u64));
            group.bench_with_input(BenchmarkId::new(source.name(), size_label(size)), &event, |b, event| {
                b.iter(|| translate(black_box(event), &ctx, &config).expect("the bench event translates"))
            });
        }
    }
    group.finish();
}

/// REST (v1) events with many headers in both `headers` and `multiValueHeaders`, which
/// the adapter merges (issue 14: the merge was quadratic; an ~840 KB event took seconds).
fn many_headers(c: &mut Criterion) {
    let config = bench_config();
    let ctx = bench_context();
    let mut group = c.benchmark_group("translate/many-headers");
    for count in [100, 1_000, 4_000] {
        let event = v1_with_headers(count);
        group.throughput(Throughput::Bytes(event.len() as u64));
        group.bench_with_input(BenchmarkId::new(EventSource::ApiGatewayV1.name(), count), &event, |b, event| {
            b.iter(|| translate(black_box(event), &ctx, &config).expect("the bench event translates"))
        });
    }
    group.finish();
}

/// The REST (v1) corpus event with `count` more headers, in both header maps.
fn v1_with_headers(count: usize) -> Vec<u8> {
    let mut event: Value = serde_json::from_str(EventSource::ApiGatewayV1.template()).expect("the template is JSON");
    for i in 0..count {
        let (name, value) = (format!("x-bench-{i:05}"), format!("value-{i:05}"));
        event["headers"][&name] = Value::String(value.clone());
        event["multiValueHeaders"][&name] = Value::Array(vec![Value::String(value)]);
    }
    serde_json::to_vec(&event).expect("a Value serialises")
}

/// Every group of this file, with the short settings.
fn benches() {
    let mut c = settings().configure_from_args();
    corpus_events(&mut c);
    text_bodies(&mut c);
    base64_bodies(&mut c);
    many_headers(&mut c);
}

criterion_main!(benches);
