//! Event decoding and request building per source: `lambda_web_adapter::event::translate`
//! on real corpus events, then on the same events with bodies from 0 B to 6 MB (text and
//! base64), with byte throughput over the event's size.
//!
//! Run with `cargo bench -p lwa-benches --bench translate`.

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_main, BenchmarkId, Criterion, Throughput};
use lambda_web_adapter::event::translate;
use lwa_benches::inputs::{bench_config, bench_context, size_label, Body, EventSource, BODY_SIZES};

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

/// Every group of this file, with the short settings.
fn benches() {
    let mut c = settings().configure_from_args();
    corpus_events(&mut c);
    text_bodies(&mut c);
    base64_bodies(&mut c);
}

criterion_main!(benches);
