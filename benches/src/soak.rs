//! The soak (`lwa-soak`, `just soak`): an adapter binary under the emulator for a long run
//! of invocations, each checked for cross-talk, with the adapter's resident memory,
//! threads and open file descriptors sampled along the way.
//!
//! Four adapter processes run side by side, one per *lane*, each under its own emulator
//! and echo app:
//!
//! | Lane | Environment | In flight |
//! |---|---|---|
//! | `buffered` | defaults | 1 |
//! | `buffered c=8` | `AWS_LAMBDA_MAX_CONCURRENCY=8` | 8 |
//! | `stream` | `AWS_LWA_INVOKE_MODE=response_stream` | 1 |
//! | `stream c=8` | both | 8 |
//!
//! The lanes take turns, a block of invocations each (a *round* is one block per lane),
//! so every process lives through the whole soak, idles while the others work, and is
//! sampled at the same points: after warm-up and every `sample_every` invocations, each
//! right after its own block (so its pooled connections are in the same state at every
//! sample).
//!
//! Invocation `n` (numbered across lanes, warm-up included) is one of six sources in
//! turn: API Gateway REST (v1), HTTP API (v2), Function URL, ALB single-value, ALB
//! multi-value, and a non-HTTP (SQS) event passed through to `/echo/events`. It carries
//! its own marker `SOAK<n, 9 digits>` in the path, the query, an `x-soak-marker` header, a
//! cookie, the body (text, binary or none, 0 to 100 KiB), the request context's
//! `requestId`, and the invocation's tenant id and client context; its trace id is its own
//! too. The echo app answers with what it received, and [`check`] requires that answer to
//! hold this invocation's values everywhere, its own request id in `x-amzn-lambda-context`,
//! and no other invocation's marker anywhere.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{anyhow, Context as _};
use base64::Engine as _;
use bytes::Bytes;
use lwa_conformance::echo_app::{EchoApp, EchoOptions};
use lwa_conformance::{Emulator, Invocation, LogSource, Outcome};
use serde_json::{json, Value};

use crate::inputs::{binary_bytes, text_bytes, Body, EventSource};
use crate::procfs;
use crate::session;

/// The single-value ALB event the ALB single lane's events are made from.
const ALB_SINGLE_TEMPLATE: &str = include_str!("../../fixtures/events/alb/single-post-json-body.json");

/// Where pass-through events go (`AWS_LWA_PASS_THROUGH_PATH`): an echo path, so the app's
/// answer shows the context headers too.
pub const PASS_THROUGH_PATH: &str = "/echo/events";

/// How a soak runs.
#[derive(Debug, Clone, serde::Serialize)]
pub struct SoakConfig {
    /// The adapter executable.
    pub adapter: PathBuf,
    /// Invocations after warm-up, all lanes together (rounded up to whole rounds).
    pub invocations: u64,
    /// Warm-up invocations, all lanes together (rounded up to whole rounds).
    pub warmup: u64,
    /// Invocations of one lane in a row.
    pub block: u64,
    /// Invocations (all lanes) between two samples (rounded up to whole rounds).
    pub sample_every: u64,
    /// `AWS_LAMBDA_MAX_CONCURRENCY` of the concurrent lanes, and their invocations in flight.
    pub concurrency: u32,
    /// Resident memory may grow by this many MiB over the warmed-up sample...
    pub rss_tolerance_mib: f64,
    /// ...or by this fraction of it, whichever is larger.
    pub rss_tolerance_fraction: f64,
    /// Failures printed as they happen (all are counted).
    pub print_failures: usize,
}

impl SoakConfig {
    /// Invocations of one round (a block per lane).
    pub fn round(&self) -> u64 {
        self.block.max(1) * Lane::ALL.len() as u64
    }

    /// Rounds of warm-up.
    pub fn warmup_rounds(&self) -> u64 {
        self.warmup.div_ceil(self.round())
    }

    /// Rounds after warm-up.
    pub fn rounds(&self) -> u64 {
        self.invocations.div_ceil(self.round()).max(1)
    }

    /// Rounds between samples.
    pub fn rounds_per_sample(&self) -> u64 {
        self.sample_every.div_ceil(self.round()).max(1)
    }

    /// The resident memory growth allowed over `warm` bytes.
    pub fn rss_allowance(&self, warm: u64) -> u64 {
        let mib = (self.rss_tolerance_mib * 1024.0 * 1024.0) as u64;
        mib.max((warm as f64 * self.rss_tolerance_fraction) as u64)
    }
}

/// One of the four adapter processes (see the module docs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lane {
    /// Buffered responses, one invocation at a time.
    Buffered,
    /// Buffered responses, Lambda Managed Instances with `concurrency` in flight.
    BufferedConcurrent,
    /// `AWS_LWA_INVOKE_MODE=response_stream`, one at a time.
    Streamed,
    /// Response streaming with `concurrency` in flight.
    StreamedConcurrent,
}

impl Lane {
    /// Every lane, in the order they take turns.
    pub const ALL: [Lane; 4] = [Lane::Buffered, Lane::BufferedConcurrent, Lane::Streamed, Lane::StreamedConcurrent];

    /// The name in reports.
    pub fn label(self, concurrency: u32) -> String {
        match self {
            Lane::Buffered => "buffered".to_owned(),
            Lane::BufferedConcurrent => format!("buffered c={concurrency}"),
            Lane::Streamed => "stream".to_owned(),
            Lane::StreamedConcurrent => format!("stream c={concurrency}"),
        }
    }

    /// Whether the adapter runs with `AWS_LWA_INVOKE_MODE=response_stream`.
    pub fn streaming(self) -> bool {
        matches!(self, Lane::Streamed | Lane::StreamedConcurrent)
    }

    /// Whether the lane runs as Lambda Managed Instances with several invocations in flight.
    pub fn concurrent(self) -> bool {
        matches!(self, Lane::BufferedConcurrent | Lane::StreamedConcurrent)
    }
}

/// The event sources the soak rotates through.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// API Gateway REST (payload 1.0).
    RestV1,
    /// HTTP API (payload 2.0).
    HttpV2,
    /// Function URL (streamed in the streaming lanes).
    FunctionUrl,
    /// ALB without multi-value headers.
    AlbSingle,
    /// ALB with multi-value headers.
    AlbMulti,
    /// A non-HTTP event (SQS), POSTed to [`PASS_THROUGH_PATH`].
    PassThrough,
}

impl Source {
    /// Every source, in rotation order.
    pub const ALL: [Source; 6] =
        [Source::RestV1, Source::HttpV2, Source::FunctionUrl, Source::AlbSingle, Source::AlbMulti, Source::PassThrough];

    /// The source of invocation `n`.
    pub fn of(n: u64) -> Source {
        Source::ALL[(n % Source::ALL.len() as u64) as usize]
    }

    /// A short name for messages.
    pub fn name(self) -> &'static str {
        match self {
            Source::RestV1 => "apigw-v1",
            Source::HttpV2 => "apigw-v2",
            Source::FunctionUrl => "function-url",
            Source::AlbSingle => "alb-single",
            Source::AlbMulti => "alb-multi",
            Source::PassThrough => "sqs",
        }
    }

    fn event_source(self) -> EventSource {
        match self {
            Source::RestV1 => EventSource::ApiGatewayV1,
            Source::HttpV2 => EventSource::ApiGatewayV2,
            Source::FunctionUrl => EventSource::FunctionUrl,
            Source::AlbSingle | Source::AlbMulti => EventSource::Alb,
            Source::PassThrough => EventSource::PassThrough,
        }
    }

    fn template(self) -> &'static str {
        match self {
            Source::AlbSingle => ALB_SINGLE_TEMPLATE,
            other => other.event_source().template(),
        }
    }

    /// Whether the event has a request context with a `requestId` (set to the marker).
    fn has_request_id(self) -> bool {
        matches!(self, Source::RestV1 | Source::HttpV2 | Source::FunctionUrl)
    }
}

/// The marker of invocation `n`: `SOAK` and nine digits.
///
/// ```
/// assert_eq!(lwa_benches::soak::marker(42), "SOAK000000042");
/// ```
pub fn marker(n: u64) -> String {
    format!("SOAK{n:09}")
}

/// Every marker in `bytes` other than `own`.
///
/// ```
/// use lwa_benches::soak::foreign_markers;
/// let text = b"/echo/soak/SOAK000000042?m=SOAK000000042 x SOAK000000043 SOAK12";
/// assert_eq!(foreign_markers(text, "SOAK000000042"), vec!["SOAK000000043".to_owned()]);
/// ```
pub fn foreign_markers(bytes: &[u8], own: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut at = 0;
    while let Some(offset) = bytes[at..].windows(4).position(|w| w == b"SOAK") {
        let start = at + offset;
        let digits = &bytes[start + 4..bytes.len().min(start + 13)];
        if digits.len() == 9 && digits.iter().all(u8::is_ascii_digit) {
            let candidate = String::from_utf8_lossy(&bytes[start..start + 13]).into_owned();
            if candidate != own && !found.contains(&candidate) {
                found.push(candidate);
            }
        }
        at = start + 4;
    }
    found
}

/// One invocation of the soak and everything its answer must show.
#[derive(Debug, Clone)]
pub struct Probe {
    /// The invocation number.
    pub n: u64,
    /// Its event source.
    pub source: Source,
    /// Its marker ([`marker`]).
    pub marker: String,
    /// The method the app must see.
    pub method: &'static str,
    /// The path the app must see.
    pub path: String,
    /// The query pairs the app must see (any order).
    pub query: Vec<(String, String)>,
    /// The body the app must see (the event itself for pass-through).
    pub body: Vec<u8>,
    /// `Lambda-Runtime-Trace-Id`.
    pub trace_id: String,
    /// `Lambda-Runtime-Client-Context`.
    pub client_context: String,
    /// The event.
    pub event: Bytes,
}

impl Probe {
    /// Invocation `n`: its source is [`Source::of`]`(n)`; its body is empty (a GET) one
    /// time in 13, else text or binary (a POST), mostly up to 8 KiB, 100 KiB one time in 101.
    pub fn new(n: u64) -> Probe {
        let source = Source::of(n);
        let marker = marker(n);
        // Spread by the round of sources, so every source meets every kind of body.
        let turn = n / Source::ALL.len() as u64;
        let size = if turn % 101 == 7 { 100 * 1024 } else { (n.wrapping_mul(2_654_435_761) % 8192) as usize };
        let framed = |middle: Vec<u8>| {
            let mut bytes = marker.as_bytes().to_vec();
            bytes.push(b' ');
            bytes.extend(middle);
            bytes.push(b' ');
            bytes.extend(marker.as_bytes());
            bytes
        };
        let (method, body) = match turn % 13 {
            0 => ("GET", Body::Empty),
            t if t % 3 == 1 => ("POST", Body::Binary(framed(binary_bytes(size)))),
            _ => ("POST", Body::Text(String::from_utf8(framed(text_bytes(size))).unwrap_or_default())),
        };
        let trace_id = format!("Root=1-5bef4de7-{n:024x};Parent=9a9197af755a6419;Sampled=1");
        let client_context = json!({"client": null, "custom": {"soak": marker}, "env": null}).to_string();
        if source == Source::PassThrough {
            let body = Body::Text(format!("{marker} order {n}"));
            let event = source.event_source().event_from(source.template(), "POST", "/", "", &body);
            let mut event: Value = serde_json::from_slice(&event).unwrap_or(Value::Null);
            if let Some(record) = event.pointer_mut("/Records/0").and_then(Value::as_object_mut) {
                record.insert("messageId".into(), marker.clone().into());
            }
            let event = serde_json::to_vec(&event).unwrap_or_default();
            return Probe {
                n,
                source,
                marker,
                method: "POST",
                path: PASS_THROUGH_PATH.to_owned(),
                query: Vec::new(),
                body: event.clone(),
                trace_id,
                client_context,
                event: event.into(),
            };
        }
        let path = format!("/echo/soak/{marker}");
        let query = vec![("m".to_owned(), marker.clone()), ("n".to_owned(), n.to_string())];
        let query_text = format!("m={marker}&n={n}");
        let event = source.event_source().event_from(source.template(), method, &path, &query_text, &body);
        let mut event: Value = serde_json::from_slice(&event).unwrap_or(Value::Null);
        add_marker_fields(&mut event, source, &marker);
        let body = match body {
            Body::Empty => Vec::new(),
            Body::Text(text) => text.into_bytes(),
            Body::Binary(bytes) => bytes,
        };
        Probe {
            n,
            source,
            marker,
            method,
            path,
            query,
            body,
            trace_id,
            client_context,
            event: serde_json::to_vec(&event).unwrap_or_default().into(),
        }
    }

    /// The invocation: the event, with this probe's trace id, tenant id (the marker) and
    /// client context.
    pub fn invocation(&self) -> Invocation {
        Invocation::new(self.event.clone())
            .trace_id(self.trace_id.clone())
            .tenant_id(self.marker.clone())
            .client_context(self.client_context.clone())
    }
}

/// The marker header, the cookie and the request context's id, in the source's own form.
fn add_marker_fields(event: &mut Value, source: Source, marker: &str) {
    let Some(root) = event.as_object_mut() else { return };
    let cookie = format!("soak={marker}; theme=dark");
    let mut set = |key: &str, name: &str, value: Value| {
        if let Some(map) = root.get_mut(key).and_then(Value::as_object_mut) {
            map.insert(name.to_owned(), value);
        }
    };
    match source {
        Source::RestV1 => {
            set("headers", "X-Soak-Marker", marker.into());
            set("multiValueHeaders", "X-Soak-Marker", json!([marker]));
            set("headers", "Cookie", cookie.clone().into());
            set("multiValueHeaders", "Cookie", json!([cookie]));
        }
        Source::HttpV2 | Source::FunctionUrl => {
            set("headers", "x-soak-marker", marker.into());
            root.insert("cookies".into(), json!([format!("soak={marker}"), "theme=dark"]));
        }
        Source::AlbSingle => {
            set("headers", "x-soak-marker", marker.into());
            set("headers", "cookie", cookie.into());
        }
        Source::AlbMulti => {
            set("multiValueHeaders", "x-soak-marker", json!([marker]));
            set("multiValueHeaders", "cookie", json!([cookie]));
        }
        Source::PassThrough => {}
    }
    if source.has_request_id() {
        if let Some(context) = root.get_mut("requestContext").and_then(Value::as_object_mut) {
            context.insert("requestId".into(), marker.into());
        }
    }
}

/// How an answer came back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delivery {
    /// A buffered response.
    Buffered,
    /// A streamed response.
    Streamed,
}

/// Checks the answer to `probe`: a 200 from the echo app showing exactly this
/// invocation's method, path, query, marker header, cookie, body and context (its
/// `request_id` in `x-amzn-lambda-context`), and no other invocation's marker anywhere
/// in the answer. Every problem found is listed.
pub fn check(probe: &Probe, request_id: Option<&str>, outcome: &Outcome) -> Result<Delivery, Vec<String>> {
    let mut problems = Vec::new();
    let (delivery, app_body) = match unwrap_answer(probe, outcome) {
        Ok(answer) => answer,
        Err(problem) => return Err(vec![problem]),
    };
    // Foreign markers anywhere in what came back: the raw answer (the envelope or prelude
    // and the echo's JSON), then the echoed body, which the echo carries in base64.
    let mut raw = outcome.body().map(|b| b.to_vec()).unwrap_or_default();
    if let Outcome::Streamed { prelude: Some(prelude), .. } = outcome {
        raw.extend(prelude.to_string().into_bytes());
    }
    let echo: Value = match serde_json::from_slice(&app_body) {
        Ok(echo) => echo,
        Err(err) => {
            problems.push(format!("the app's answer is not the echo's JSON ({err}): {}", snippet(&app_body)));
            report_foreign(&mut problems, "the answer", &raw, &probe.marker);
            return Err(problems);
        }
    };
    let echoed_body = echo["body"]
        .as_str()
        .and_then(|b| base64::engine::general_purpose::STANDARD.decode(b).ok())
        .unwrap_or_else(|| {
            problems.push("the echo has no base64 body".to_owned());
            Vec::new()
        });
    report_foreign(&mut problems, "the answer", &raw, &probe.marker);
    report_foreign(&mut problems, "the body the app received", &echoed_body, &probe.marker);

    let mut expect = |what: &str, got: &str, want: &str| {
        if got != want {
            problems.push(format!("{what}: expected {want:?}, got {:?}", clip(got)));
        }
    };
    expect("method", echo["method"].as_str().unwrap_or_default(), probe.method);
    expect("path", echo["path"].as_str().unwrap_or_default(), &probe.path);
    let mut query = query_pairs(echo["query"].as_str().unwrap_or_default());
    query.sort();
    let mut want_query = probe.query.clone();
    want_query.sort();
    if query != want_query {
        problems.push(format!("query: expected {want_query:?}, got {:?}", echo["query"]));
    }
    if echoed_body != probe.body {
        problems.push(format!(
            "body: expected {} bytes ({}), got {} bytes ({})",
            probe.body.len(),
            snippet(&probe.body),
            echoed_body.len(),
            snippet(&echoed_body)
        ));
    }

    let headers: Vec<(String, String)> = echo["headers"]
        .as_array()
        .map(|pairs| {
            pairs
                .iter()
                .filter_map(|p| Some((p.get(0)?.as_str()?.to_owned(), p.get(1)?.as_str()?.to_owned())))
                .collect()
        })
        .unwrap_or_default();
    let values = |name: &str| -> Vec<&str> {
        headers.iter().filter(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str()).collect()
    };
    if probe.source != Source::PassThrough {
        let marker_header = values("x-soak-marker");
        if marker_header != [probe.marker.as_str()] {
            problems.push(format!("x-soak-marker: expected [{:?}], got {marker_header:?}", probe.marker));
        }
        let cookies = values("cookie").join("; ");
        if !cookies.split(';').any(|c| c.trim() == format!("soak={}", probe.marker)) {
            problems.push(format!("cookie: expected soak={}, got {:?}", probe.marker, clip(&cookies)));
        }
    }
    match (values("x-amzn-lambda-context").as_slice(), request_id) {
        (_, None) => problems.push("the emulator gave no request id".to_owned()),
        ([one], Some(request_id)) => match serde_json::from_str::<Value>(one) {
            Ok(context) => {
                if context["request_id"] != request_id {
                    problems.push(format!(
                        "x-amzn-lambda-context request_id: expected {request_id:?}, got {}",
                        context["request_id"]
                    ));
                }
                // Optional fields (an adapter may leave them out), but never another's.
                let mut field = |name: &str, got: &Value, want: &str| match got {
                    Value::Null => {}
                    Value::String(got) if got == want => {}
                    other => problems.push(format!("x-amzn-lambda-context {name}: expected {want:?}, got {other}")),
                };
                field("xray_trace_id", &context["xray_trace_id"], &probe.trace_id);
                field("tenant_id", &context["tenant_id"], &probe.marker);
                field("client_context.custom.soak", &context["client_context"]["custom"]["soak"], &probe.marker);
            }
            Err(err) => problems.push(format!("x-amzn-lambda-context is not JSON ({err}): {}", clip(one))),
        },
        (other, Some(_)) => problems.push(format!("x-amzn-lambda-context: expected one, got {other:?}")),
    }
    if probe.source.has_request_id() {
        match values("x-amzn-request-context").as_slice() {
            [one] => {
                let id =
                    serde_json::from_str::<Value>(one).ok().and_then(|c| c["requestId"].as_str().map(str::to_owned));
                if id.as_deref() != Some(probe.marker.as_str()) {
                    problems.push(format!("x-amzn-request-context requestId: expected {:?}, got {id:?}", probe.marker));
                }
            }
            other => problems.push(format!("x-amzn-request-context: expected one, got {other:?}")),
        }
    }
    for (name, want) in [("x-amzn-trace-id", &probe.trace_id), ("x-amz-tenant-id", &probe.marker)] {
        let got = values(name);
        if !got.is_empty() && got != [want.as_str()] {
            problems.push(format!("{name}: expected {want:?}, got {got:?}"));
        }
    }
    if problems.is_empty() {
        Ok(delivery)
    } else {
        Err(problems)
    }
}

/// The app's response body inside the outcome: the streamed body after a 200 prelude, the
/// body of a 200 in Lambda's HTTP format, or a pass-through answer as is.
fn unwrap_answer(probe: &Probe, outcome: &Outcome) -> Result<(Delivery, Vec<u8>), String> {
    match outcome {
        Outcome::Streamed { error: Some(error), .. } => {
            Err(format!("the stream failed: {} {}", error.error_type, String::from_utf8_lossy(&error.error_body)))
        }
        Outcome::Streamed { prelude, body, .. } => {
            if probe.source == Source::PassThrough {
                return Ok((Delivery::Streamed, body.to_vec()));
            }
            let status = prelude.as_ref().and_then(|p| p["statusCode"].as_u64());
            if status != Some(200) {
                return Err(format!("streamed with prelude {prelude:?}, not a 200: {}", snippet(body)));
            }
            Ok((Delivery::Streamed, body.to_vec()))
        }
        Outcome::Buffered { body, .. } if probe.source == Source::PassThrough => {
            Ok((Delivery::Buffered, body.to_vec()))
        }
        Outcome::Buffered { body, .. } => {
            let envelope: Value = serde_json::from_slice(body)
                .map_err(|err| format!("the response is not Lambda's HTTP format ({err}): {}", snippet(body)))?;
            if envelope["statusCode"].as_u64() != Some(200) {
                return Err(format!("not a 200: {}", snippet(body)));
            }
            let text = envelope["body"].as_str().unwrap_or_default();
            let bytes = if envelope["isBase64Encoded"].as_bool() == Some(true) {
                base64::engine::general_purpose::STANDARD
                    .decode(text)
                    .map_err(|err| format!("the response body is not base64 ({err})"))?
            } else {
                text.as_bytes().to_vec()
            };
            Ok((Delivery::Buffered, bytes))
        }
        other => Err(session::describe(other)),
    }
}

fn report_foreign(problems: &mut Vec<String>, place: &str, bytes: &[u8], own: &str) {
    let foreign = foreign_markers(bytes, own);
    if !foreign.is_empty() {
        problems.push(format!("CROSS-TALK: {place} holds other invocations' markers {foreign:?}"));
    }
}

fn query_pairs(query: &str) -> Vec<(String, String)> {
    query
        .split('&')
        .filter(|kv| !kv.is_empty())
        .map(|kv| {
            let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
            (k.to_owned(), v.to_owned())
        })
        .collect()
}

fn clip(text: &str) -> String {
    let mut end = text.len().min(160);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    if end < text.len() {
        format!("{}...", &text[..end])
    } else {
        text.to_owned()
    }
}

fn snippet(bytes: &[u8]) -> String {
    clip(&String::from_utf8_lossy(&bytes[..bytes.len().min(200)]))
}

// ---------------------------------------------------------------------------------------
// The run
// ---------------------------------------------------------------------------------------

/// One look at an adapter process.
#[derive(Debug, Clone, Copy, Default, PartialEq, serde::Serialize)]
pub struct Sample {
    /// Invocations after warm-up so far, all lanes (0 for the warmed-up sample).
    pub invocations: u64,
    /// Invocations of this lane so far, warm-up included.
    pub lane_invocations: u64,
    /// Seconds since the soak began (warm-up included).
    pub at_seconds: f64,
    /// `VmRSS` in bytes.
    pub rss: u64,
    /// `VmHWM` in bytes.
    pub peak_rss: u64,
    /// `Threads`.
    pub threads: u64,
    /// Entries of `/proc/<pid>/fd`.
    pub fds: u64,
    /// Lines the adapter has written so far.
    pub log_lines: u64,
    /// Inits of the environment so far (more than 1: the adapter crashed or was reset).
    pub inits: u64,
    /// Whether the process was still there (the figures are zero when not).
    pub alive: bool,
}

/// The most threads and open fds seen, each looked at right after one of the lane's blocks.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Extremes {
    /// `Threads`.
    pub threads: u64,
    /// Entries of `/proc/<pid>/fd`.
    pub fds: u64,
}

/// A failed invocation.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Failure {
    /// Its number.
    pub invocation: u64,
    /// Whether it was a warm-up invocation.
    pub warmup: bool,
    /// The lane.
    pub lane: String,
    /// The source.
    pub source: &'static str,
    /// The request id the emulator gave it.
    pub request_id: Option<String>,
    /// What was wrong.
    pub problems: Vec<String>,
}

/// What one lane did.
#[derive(Debug, Clone, Default)]
pub struct LaneResult {
    /// The name in reports.
    pub label: String,
    /// The adapter's pid.
    pub pid: i32,
    /// Invocations after warm-up.
    pub invocations: u64,
    /// Their wall time (the lane's own blocks only).
    pub busy: Duration,
    /// Their latencies, in microseconds.
    pub latencies_us: Vec<f64>,
    /// Answers by how they came back (after warm-up): buffered, streamed.
    pub buffered: u64,
    /// See `buffered`.
    pub streamed: u64,
    /// Failed invocations (warm-up included).
    pub failures: u64,
    /// CPU seconds of the adapter over the invocations after warm-up.
    pub cpu_seconds: Option<f64>,
    /// The warmed-up sample, then one every `sample_every`, and the last.
    pub samples: Vec<Sample>,
    /// The most threads and open fds seen after any block of warm-up...
    pub warmup_max: Extremes,
    /// ...and after any block since.
    pub soak_max: Extremes,
    /// How the adapter ended: `exited` within the grace period or `killed`.
    pub shutdown: String,
}

/// Whether a lane's process stayed flat after warm-up (no new highs) and alive (one init,
/// the same process throughout, a clean exit at shutdown).
///
/// Resident memory swings with what is in flight (eight 100 KiB bodies at once, or none),
/// so it is not compared sample to sample: the last sample's RSS must stay within the
/// allowance of the warm-up's peak (`VmHWM` at the warmed-up sample), which a leak
/// outgrows and noise does not. Threads and open fds are looked at after every block and
/// must never exceed the most seen during warm-up.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Verdict {
    /// The last sample's RSS minus the warm-up's peak, in bytes (negative when below).
    pub rss_growth: i64,
    /// The growth allowed.
    pub rss_allowance: u64,
    /// `VmHWM` at the last sample minus at the warmed-up one: how far the soak's own peak
    /// went past the warm-up's (information, not judged).
    pub peak_growth: i64,
    /// The least-squares slope of RSS over the lane's samples after warm-up, in bytes per
    /// invocation (information, not judged).
    pub rss_slope: Option<f64>,
    /// The most threads after warm-up minus the most during warm-up.
    pub thread_growth: i64,
    /// The most open fds after warm-up minus the most during warm-up.
    pub fd_growth: i64,
    /// What is wrong (empty when flat).
    pub problems: Vec<String>,
}

impl LaneResult {
    /// The verdict on this lane's samples.
    pub fn verdict(&self, config: &SoakConfig) -> Verdict {
        let mut problems = Vec::new();
        // The figures of a process that is gone are zeros: judged apart, below.
        let alive: Vec<Sample> = self.samples.iter().copied().filter(|s| s.alive).collect();
        let (Some(warm), Some(last)) = (alive.first(), alive.last()) else {
            return Verdict {
                rss_growth: 0,
                rss_allowance: 0,
                peak_growth: 0,
                rss_slope: None,
                thread_growth: 0,
                fd_growth: 0,
                problems: vec![format!("no sample of the adapter process (pid {})", self.pid)],
            };
        };
        let rss_growth = last.rss as i64 - warm.peak_rss as i64;
        let rss_allowance = config.rss_allowance(warm.peak_rss);
        if rss_growth > rss_allowance as i64 {
            problems.push(format!(
                "RSS ended {:.2} MiB above the warm-up's peak ({:.2} -> {:.2} MiB; {:.2} MiB allowed)",
                mib(rss_growth as f64),
                mib(warm.peak_rss as f64),
                mib(last.rss as f64),
                mib(rss_allowance as f64)
            ));
        }
        let (before, after) = (self.warmup_max, self.soak_max);
        let thread_growth = after.threads as i64 - before.threads as i64;
        if thread_growth > 0 {
            problems.push(format!("threads: up to {} after warm-up, {} during it", after.threads, before.threads));
        }
        let fd_growth = after.fds as i64 - before.fds as i64;
        if fd_growth > 0 {
            problems.push(format!("open fds: up to {} after warm-up, {} during it", after.fds, before.fds));
        }
        if let Some(gone) = self.samples.iter().find(|s| !s.alive) {
            let at = if gone.invocations == 0 { "warm-up".to_owned() } else { gone.invocations.to_string() };
            problems.push(format!("the adapter process (pid {}) was gone at sample {at}", self.pid));
        }
        let inits = self.samples.last().map_or(0, |s| s.inits);
        if inits != 1 {
            problems.push(format!("the environment was initialised {inits} times (a crash or a reset)"));
        }
        if self.shutdown == "killed" {
            problems.push("the adapter did not exit within the shutdown grace period".to_owned());
        }
        Verdict {
            rss_growth,
            rss_allowance,
            peak_growth: last.peak_rss as i64 - warm.peak_rss as i64,
            rss_slope: rss_slope(&alive),
            thread_growth,
            fd_growth,
            problems,
        }
    }

    /// Invocations per second over the lane's own blocks.
    pub fn throughput(&self) -> f64 {
        self.invocations as f64 / self.busy.as_secs_f64().max(1e-9)
    }
}

/// Least-squares slope of RSS over the lane's invocations, in bytes per invocation.
///
/// ```
/// use lwa_benches::soak::{rss_slope, Sample};
/// let s = |n, rss| Sample { lane_invocations: n, rss, ..Sample::default() };
/// assert_eq!(rss_slope(&[s(0, 1000), s(10, 1100), s(20, 1200)]), Some(10.0));
/// assert_eq!(rss_slope(&[s(0, 1000)]), None);
/// ```
pub fn rss_slope(samples: &[Sample]) -> Option<f64> {
    if samples.len() < 2 {
        return None;
    }
    let n = samples.len() as f64;
    let mean_x = samples.iter().map(|s| s.lane_invocations as f64).sum::<f64>() / n;
    let mean_y = samples.iter().map(|s| s.rss as f64).sum::<f64>() / n;
    let (mut sxy, mut sxx) = (0.0, 0.0);
    for s in samples {
        let dx = s.lane_invocations as f64 - mean_x;
        sxy += dx * (s.rss as f64 - mean_y);
        sxx += dx * dx;
    }
    (sxx > 0.0).then(|| sxy / sxx)
}

/// Everything a soak produced.
#[derive(Debug, Clone)]
pub struct SoakResult {
    /// The lanes, in [`Lane::ALL`] order.
    pub lanes: Vec<LaneResult>,
    /// Every failure (warm-up included), in the order they happened.
    pub failures: Vec<Failure>,
    /// The driver's own resident memory at each sample row (bytes): it keeps what the
    /// echo apps record.
    pub driver_rss: Vec<u64>,
    /// Wall time of the whole soak, start-up and warm-up included.
    pub elapsed: Duration,
}

/// What the lane's invocations share with the tasks that make them.
struct Running {
    lane: Lane,
    label: String,
    emulator: Emulator,
    /// Kept alive for as long as the emulator.
    _app: EchoApp,
    pid: i32,
    stats: Mutex<LaneResult>,
}

/// Failures shared by every lane, printed as they happen up to a limit.
struct Failures {
    all: Mutex<Vec<Failure>>,
    print: usize,
}

impl Failures {
    fn add(&self, failure: Failure) {
        let Ok(mut all) = self.all.lock() else { return };
        if all.len() < self.print {
            let phase = if failure.warmup { "warm-up " } else { "" };
            eprintln!(
                "lwa-soak: FAIL {phase}invocation {} ({}, {}, request id {}):",
                failure.invocation,
                failure.lane,
                failure.source,
                failure.request_id.as_deref().unwrap_or("none")
            );
            for problem in &failure.problems {
                eprintln!("    {problem}");
            }
        } else if all.len() == self.print {
            eprintln!("lwa-soak: more failures are counted but not printed");
        }
        all.push(failure);
    }
}

async fn start_lane(lane: Lane, config: &SoakConfig) -> anyhow::Result<Running> {
    // No record of the requests: it would grow by every invocation of the soak (the
    // answers themselves are what is checked).
    let app = EchoApp::start(EchoOptions { forget: true, ..EchoOptions::default() })
        .await
        .context("starting the echo app")?;
    let mut emulator_config =
        session::emulator_config(&config.adapter, app.port()).env("AWS_LWA_PASS_THROUGH_PATH", PASS_THROUGH_PATH);
    if lane.streaming() {
        emulator_config = emulator_config.env("AWS_LWA_INVOKE_MODE", "response_stream");
    }
    if lane.concurrent() {
        emulator_config = emulator_config.max_concurrency(config.concurrency);
    }
    let label = lane.label(config.concurrency);
    let emulator = session::start(emulator_config).await.with_context(|| format!("lane {label}"))?;
    let pid = session::adapter_pid(&emulator).ok_or_else(|| anyhow!("lane {label}: no pid for the adapter"))?;
    let stats = Mutex::new(LaneResult { label: label.clone(), pid, ..LaneResult::default() });
    Ok(Running { lane, label, emulator, _app: app, pid, stats })
}

/// One block of `count` invocations on `lane`, numbered from `next`.
async fn run_block(
    lane: &Arc<Running>,
    count: u64,
    width: usize,
    warmup: bool,
    next: &Arc<AtomicU64>,
    failures: &Arc<Failures>,
) {
    let call = {
        let (lane, next, failures) = (lane.clone(), next.clone(), failures.clone());
        move || {
            let (lane, next, failures) = (lane.clone(), next.clone(), failures.clone());
            async move {
                let n = next.fetch_add(1, Ordering::Relaxed);
                let probe = Probe::new(n);
                let started = Instant::now();
                let mut handle = lane.emulator.invoke_streaming(probe.invocation()).await;
                let request_id = handle.request_id().await;
                let outcome = handle.outcome().await;
                let took = started.elapsed();
                let result = check(&probe, request_id.as_deref(), &outcome);
                if let Ok(mut stats) = lane.stats.lock() {
                    if !warmup {
                        stats.latencies_us.push(took.as_secs_f64() * 1e6);
                        match result {
                            Ok(Delivery::Buffered) => stats.buffered += 1,
                            Ok(Delivery::Streamed) => stats.streamed += 1,
                            Err(_) => {}
                        }
                    }
                    stats.failures += u64::from(result.is_err());
                }
                match result {
                    Ok(_) => true,
                    Err(problems) => {
                        failures.add(Failure {
                            invocation: n,
                            warmup,
                            lane: lane.label.clone(),
                            source: probe.source.name(),
                            request_id,
                            problems,
                        });
                        false
                    }
                }
            }
        }
    };
    let started = Instant::now();
    session::run_concurrently(width, count as usize, call).await;
    let busy = started.elapsed();
    let threads = procfs::memory(lane.pid).map_or(0, |m| m.threads);
    let fds = procfs::open_fds(lane.pid).unwrap_or(0);
    if let Ok(mut stats) = lane.stats.lock() {
        let max = if warmup { &mut stats.warmup_max } else { &mut stats.soak_max };
        max.threads = max.threads.max(threads);
        max.fds = max.fds.max(fds);
        if !warmup {
            stats.busy += busy;
            stats.invocations += count;
        }
    }
}

fn sample(lane: &Running, invocations: u64, lane_invocations: u64, since: Instant) -> Sample {
    let memory = procfs::memory(lane.pid);
    let alive = memory.is_some();
    let memory = memory.unwrap_or_default();
    let log_lines = lane.emulator.logs().iter().filter(|l| matches!(l.source, LogSource::Extension(_))).count() as u64;
    Sample {
        invocations,
        lane_invocations,
        at_seconds: since.elapsed().as_secs_f64(),
        rss: memory.rss,
        peak_rss: memory.peak_rss,
        threads: memory.threads,
        fds: procfs::open_fds(lane.pid).unwrap_or(0),
        log_lines,
        inits: lane.emulator.init_count(),
        alive,
    }
}

/// The driver's own resident memory.
fn driver_rss() -> u64 {
    procfs::memory(std::process::id() as i32).map_or(0, |m| m.rss)
}

/// Runs the soak; `progress` gets a line per sample.
pub async fn run(config: &SoakConfig, progress: impl Fn(&str)) -> anyhow::Result<SoakResult> {
    let started = Instant::now();
    let mut lanes = Vec::new();
    for lane in Lane::ALL {
        lanes.push(Arc::new(start_lane(lane, config).await?));
    }
    let failures = Arc::new(Failures { all: Mutex::new(Vec::new()), print: config.print_failures });
    let next = Arc::new(AtomicU64::new(0));
    let block = config.block.max(1);
    let width = |lane: &Running| if lane.lane.concurrent() { config.concurrency.max(1) as usize } else { 1 };
    let mut driver = Vec::new();

    let warmup_rounds = config.warmup_rounds();
    progress(&format!(
        "warm-up: {} invocations ({} per lane, in blocks of {block})",
        warmup_rounds * config.round(),
        warmup_rounds * block
    ));
    for round in 0..warmup_rounds {
        for lane in &lanes {
            run_block(lane, block, width(lane), true, &next, &failures).await;
            if round + 1 == warmup_rounds {
                let s = sample(lane, 0, (round + 1) * block, started);
                push_sample(lane, s);
            }
        }
    }
    if warmup_rounds == 0 {
        // No warm-up: the start is the baseline, for threads and fds too.
        for lane in &lanes {
            let s = sample(lane, 0, 0, started);
            if let Ok(mut stats) = lane.stats.lock() {
                stats.warmup_max = Extremes { threads: s.threads, fds: s.fds };
            }
            push_sample(lane, s);
        }
    }
    driver.push(driver_rss());
    let cpu_before: Vec<_> = lanes.iter().map(|l| procfs::cpu_time(l.pid)).collect();
    progress(&row_line(&lanes, "warm"));

    let rounds = config.rounds();
    let every = config.rounds_per_sample();
    for round in 0..rounds {
        let last = round + 1 == rounds;
        let sampled = (round + 1) % every == 0 || last;
        for lane in &lanes {
            run_block(lane, block, width(lane), false, &next, &failures).await;
            if sampled {
                let s = sample(lane, (round + 1) * config.round(), (warmup_rounds + round + 1) * block, started);
                push_sample(lane, s);
            }
        }
        if sampled {
            driver.push(driver_rss());
            progress(&row_line(&lanes, &((round + 1) * config.round()).to_string()));
        }
    }

    let mut results = Vec::new();
    for (lane, before) in lanes.iter().zip(cpu_before) {
        let after = procfs::cpu_time(lane.pid);
        let report = lane.emulator.shutdown().await;
        let mut stats = lane.stats.lock().map(|s| s.clone()).unwrap_or_default();
        stats.cpu_seconds = before.zip(after).map(|(b, a)| a.since(&b));
        stats.shutdown = if report.killed.is_empty() { "exited".to_owned() } else { "killed".to_owned() };
        results.push(stats);
    }
    drop(lanes);
    let failures = failures.all.lock().map(|f| f.clone()).unwrap_or_default();
    Ok(SoakResult { lanes: results, failures, driver_rss: driver, elapsed: started.elapsed() })
}

fn push_sample(lane: &Running, sample: Sample) {
    if let Ok(mut stats) = lane.stats.lock() {
        stats.samples.push(sample);
    }
}

fn row_line(lanes: &[Arc<Running>], label: &str) -> String {
    let cells: Vec<String> = lanes
        .iter()
        .filter_map(|l| {
            let stats = l.stats.lock().ok()?;
            let s = stats.samples.last()?;
            Some(format!("{} {}", l.label, cell(s)))
        })
        .collect();
    let failures: u64 = lanes.iter().filter_map(|l| l.stats.lock().ok().map(|s| s.failures)).sum();
    format!("{label}: {}; failures {failures}", cells.join(", "))
}

/// `RSS MiB/threads/fds` of a sample.
fn cell(s: &Sample) -> String {
    if !s.alive {
        return "gone".to_owned();
    }
    format!("{:.2}/{}/{}", mib(s.rss as f64), s.threads, s.fds)
}

fn mib(bytes: f64) -> f64 {
    bytes / (1024.0 * 1024.0)
}

// ---------------------------------------------------------------------------------------
// Reports
// ---------------------------------------------------------------------------------------

/// The sample table: one row per sample point, per lane `RSS MiB/threads/fds`, and the
/// driver's own RSS.
pub fn samples_table(result: &SoakResult) -> crate::report::Table {
    let mut header = vec!["invocations".to_owned(), "elapsed s".to_owned()];
    header.extend(result.lanes.iter().map(|l| l.label.clone()));
    header.push("driver MiB".to_owned());
    let rows_count = result.lanes.iter().map(|l| l.samples.len()).max().unwrap_or(0);
    let mut rows = Vec::new();
    for i in 0..rows_count {
        let first = result.lanes.iter().find_map(|l| l.samples.get(i));
        let invocations = first.map_or(0, |s| s.invocations);
        let mut row = vec![
            if i == 0 { "warm".to_owned() } else { invocations.to_string() },
            first.map_or_else(String::new, |s| format!("{:.1}", s.at_seconds)),
        ];
        row.extend(result.lanes.iter().map(|l| l.samples.get(i).map_or_else(|| "-".to_owned(), cell)));
        row.push(result.driver_rss.get(i).map_or_else(|| "-".to_owned(), |b| format!("{:.0}", mib(*b as f64))));
        rows.push(row);
    }
    crate::report::Table { header, rows }
}

/// The lane table: throughput, latency, CPU, deliveries, failures, the last RSS against
/// the warm-up's peak, and the most threads and fds during / after warm-up.
pub fn lanes_table(result: &SoakResult, config: &SoakConfig) -> crate::report::Table {
    let header = [
        "lane",
        "invocations",
        "inv/s",
        "p50 us",
        "p99 us",
        "CPU us/inv",
        "buffered",
        "streamed",
        "failures",
        "warm-up peak MiB",
        "last MiB",
        "slope B/inv",
        "threads",
        "fds",
        "verdict",
    ]
    .map(str::to_owned)
    .to_vec();
    let mut rows = Vec::new();
    for lane in &result.lanes {
        let verdict = lane.verdict(config);
        let (warm, last) = (lane.samples.first(), lane.samples.last());
        rows.push(vec![
            lane.label.clone(),
            lane.invocations.to_string(),
            format!("{:.0}", lane.throughput()),
            crate::stats::percentile(&lane.latencies_us, 50.0).map_or_else(|| "-".to_owned(), |v| format!("{v:.0}")),
            crate::stats::percentile(&lane.latencies_us, 99.0).map_or_else(|| "-".to_owned(), |v| format!("{v:.0}")),
            lane.cpu_seconds
                .map_or_else(|| "-".to_owned(), |s| format!("{:.0}", s * 1e6 / lane.invocations.max(1) as f64)),
            lane.buffered.to_string(),
            lane.streamed.to_string(),
            lane.failures.to_string(),
            format!("{:.2}", mib(warm.map_or(0, |s| s.peak_rss) as f64)),
            format!("{:.2} ({:+.2})", mib(last.map_or(0, |s| s.rss) as f64), mib(verdict.rss_growth as f64)),
            verdict.rss_slope.map_or_else(|| "-".to_owned(), |s| format!("{s:.1}")),
            format!("{}/{}", lane.warmup_max.threads, lane.soak_max.threads),
            format!("{}/{}", lane.warmup_max.fds, lane.soak_max.fds),
            if verdict.problems.is_empty() { "flat".to_owned() } else { "FAIL".to_owned() },
        ]);
    }
    crate::report::Table { header, rows }
}

/// The JSON report (`target/soak/report.json`).
pub fn to_json(result: &SoakResult, config: &SoakConfig, machine: &crate::report::Machine, date: &str) -> Value {
    let lanes: Vec<Value> = result
        .lanes
        .iter()
        .map(|lane| {
            json!({
                "lane": lane.label,
                "pid": lane.pid,
                "invocations": lane.invocations,
                "seconds": lane.busy.as_secs_f64(),
                "invocations_per_second": lane.throughput(),
                "latency_p50_us": crate::stats::percentile(&lane.latencies_us, 50.0),
                "latency_p99_us": crate::stats::percentile(&lane.latencies_us, 99.0),
                "cpu_us_per_invocation": lane.cpu_seconds.map(|s| s * 1e6 / lane.invocations.max(1) as f64),
                "buffered": lane.buffered,
                "streamed": lane.streamed,
                "failures": lane.failures,
                "shutdown": lane.shutdown,
                "samples": lane.samples,
                "max_during_warmup": lane.warmup_max,
                "max_after_warmup": lane.soak_max,
                "verdict": lane.verdict(config),
            })
        })
        .collect();
    json!({
        "date": date,
        "machine": machine,
        "config": config,
        "elapsed_seconds": result.elapsed.as_secs_f64(),
        "passed": passed(result, config),
        "failures_total": result.failures.len(),
        "failures": result.failures.iter().take(100).collect::<Vec<_>>(),
        "driver_rss_bytes": result.driver_rss,
        "lanes": lanes,
    })
}

/// Whether every invocation passed its check and every lane stayed flat.
pub fn passed(result: &SoakResult, config: &SoakConfig) -> bool {
    result.failures.is_empty() && result.lanes.iter().all(|l| l.verdict(config).problems.is_empty())
}

/// The adapter path as given, checked to be a file.
pub fn adapter_path(path: &Path) -> anyhow::Result<PathBuf> {
    if !path.is_file() {
        anyhow::bail!(
            "adapter {} is not a file (build it: cargo build --release -p lambda-web-adapter)",
            path.display()
        );
    }
    std::fs::canonicalize(path).with_context(|| format!("resolving {}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use lambda_web_adapter::event::{translate, Translation};

    /// What the echo app would answer to the request the reference translation makes of
    /// `probe`'s event, wrapped as the adapter would buffer it for HTTP sources.
    fn echo_of(probe: &Probe, request_id: &str) -> Outcome {
        let mut context = crate::inputs::bench_context();
        context.request_id = request_id.to_owned();
        context.trace_id = Some(probe.trace_id.clone());
        context.tenant_id = Some(probe.marker.clone());
        context.client_context = Some(probe.client_context.clone());
        let mut config = crate::inputs::bench_config();
        config.pass_through_path = PASS_THROUGH_PATH.to_owned();
        let Ok(Translation::Forward { request, .. }) = translate(&probe.event, &context, &config) else {
            panic!("{} does not translate", probe.source.name());
        };
        let headers: Vec<Value> =
            request.headers().iter().map(|(k, v)| json!([k.as_str(), String::from_utf8_lossy(v.as_bytes())])).collect();
        let echo = json!({
            "method": request.method().as_str(),
            "path": request.uri().path(),
            "query": request.uri().query().unwrap_or(""),
            "headers": headers,
            "body": base64::engine::general_purpose::STANDARD.encode(request.body()),
        })
        .to_string();
        let body = if probe.source == Source::PassThrough {
            echo
        } else {
            json!({"statusCode": 200, "headers": {"content-type": "application/json"}, "body": echo, "isBase64Encoded": false})
                .to_string()
        };
        Outcome::Buffered { body: body.into(), headers: http::HeaderMap::new() }
    }

    #[test]
    fn every_source_and_body_kind_passes_its_own_check() {
        for n in 0..(6 * 13 * 3) {
            let probe = Probe::new(n);
            let outcome = echo_of(&probe, "req-1");
            assert_eq!(check(&probe, Some("req-1"), &outcome), Ok(Delivery::Buffered), "invocation {n}");
        }
    }

    #[test]
    fn another_invocations_answer_is_caught() {
        for n in 0..12 {
            let probe = Probe::new(n);
            // The same source, the next round: a crossed answer looks right but for its markers.
            let other = Probe::new(n + 6);
            let problems = check(&probe, Some("req-1"), &echo_of(&other, "req-1")).expect_err("crossed");
            assert!(problems.iter().any(|p| p.starts_with("CROSS-TALK")), "{n}: {problems:?}");
        }
    }

    #[test]
    fn a_wrong_request_id_is_caught() {
        let probe = Probe::new(7);
        let problems = check(&probe, Some("req-2"), &echo_of(&probe, "req-1")).expect_err("crossed context");
        assert!(problems.iter().any(|p| p.contains("request_id")), "{problems:?}");
    }

    #[test]
    fn rounds_and_allowances() {
        let config = SoakConfig {
            adapter: PathBuf::from("x"),
            invocations: 10_000,
            warmup: 2_000,
            block: 125,
            sample_every: 1_000,
            concurrency: 8,
            rss_tolerance_mib: 2.0,
            rss_tolerance_fraction: 0.1,
            print_failures: 10,
        };
        assert_eq!(
            (config.round(), config.warmup_rounds(), config.rounds(), config.rounds_per_sample()),
            (500, 4, 20, 2)
        );
        assert_eq!(config.rss_allowance(10 * 1024 * 1024), 2 * 1024 * 1024);
        assert_eq!(config.rss_allowance(40 * 1024 * 1024), 4 * 1024 * 1024);
    }
}
