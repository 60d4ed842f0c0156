//! Benchmark inputs: one real event per source (from `fixtures/events/`, embedded at build
//! time) reshaped to any method, path, query and body, plus app responses of any size.
//!
//! The criterion benches and the end-to-end driver use the same inputs, so a micro number
//! and an end-to-end number describe the same request.
//!
//! ```
//! use lwa_benches::inputs::{Body, EventSource};
//!
//! let event = EventSource::ApiGatewayV2.event("GET", "/echo/items", "a=1&a=2", &Body::Text("hi".into()));
//! let json: serde_json::Value = serde_json::from_slice(&event).unwrap();
//! assert_eq!(json["rawPath"], "/echo/items");
//! assert_eq!(json["rawQueryString"], "a=1&a=2");
//! assert_eq!(json["requestContext"]["http"]["method"], "GET");
//! assert_eq!(json["body"], "hi");
//! ```

use base64::Engine as _;
use bytes::Bytes;
use lambda_web_adapter::config::Config;
use lambda_web_adapter::context::InvokeContext;
use lambda_web_adapter::event::{ResponseShape, Source};
use serde_json::{json, Map, Value};

/// Body sizes the benches sweep: empty, 1 KiB, 64 KiB, 1 MiB and 6 MB (just under Lambda's
/// 6 MiB buffered limit as text).
pub const BODY_SIZES: [usize; 5] = [0, 1024, 64 * 1024, 1024 * 1024, 6_000_000];

/// A short label for a body size (`0B`, `1KiB`, `64KiB`, `1MiB`, `6MB`).
///
/// ```
/// assert_eq!(lwa_benches::inputs::size_label(65536), "64KiB");
/// assert_eq!(lwa_benches::inputs::size_label(6_000_000), "6MB");
/// ```
pub fn size_label(size: usize) -> String {
    match size {
        0 => "0B".to_owned(),
        n if n % (1024 * 1024) == 0 => format!("{}MiB", n / (1024 * 1024)),
        n if n % 1_000_000 == 0 => format!("{}MB", n / 1_000_000),
        n if n % 1024 == 0 => format!("{}KiB", n / 1024),
        n => format!("{n}B"),
    }
}

/// The event sources, each with a real event from the corpus as its template.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventSource {
    /// API Gateway REST (payload 1.0): `fixtures/events/apigw-v1/post-json-body.json`.
    ApiGatewayV1,
    /// HTTP API (payload 2.0): `fixtures/events/apigw-v2/post-json-body.json`.
    ApiGatewayV2,
    /// Function URL: `fixtures/events/function-url/post-json-body.json`.
    FunctionUrl,
    /// ALB with multi-value headers: `fixtures/events/alb/multi-post-json-body.json`.
    Alb,
    /// A non-HTTP event (SQS): `fixtures/events/non-http/sqs/single-message.json`; the
    /// body goes into the message body.
    PassThrough,
}

impl EventSource {
    /// Every source, in report order.
    pub const ALL: [EventSource; 5] = [
        EventSource::ApiGatewayV1,
        EventSource::ApiGatewayV2,
        EventSource::FunctionUrl,
        EventSource::Alb,
        EventSource::PassThrough,
    ];

    /// A short name for bench ids (`apigw-v1`, `apigw-v2`, `function-url`, `alb`, `sqs`).
    pub fn name(self) -> &'static str {
        match self {
            EventSource::ApiGatewayV1 => "apigw-v1",
            EventSource::ApiGatewayV2 => "apigw-v2",
            EventSource::FunctionUrl => "function-url",
            EventSource::Alb => "alb",
            EventSource::PassThrough => "sqs",
        }
    }

    /// The corpus event this source's inputs are made from, byte for byte.
    pub fn template(self) -> &'static str {
        match self {
            EventSource::ApiGatewayV1 => include_str!("../../fixtures/events/apigw-v1/post-json-body.json"),
            EventSource::ApiGatewayV2 => include_str!("../../fixtures/events/apigw-v2/post-json-body.json"),
            EventSource::FunctionUrl => include_str!("../../fixtures/events/function-url/post-json-body.json"),
            EventSource::Alb => include_str!("../../fixtures/events/alb/multi-post-json-body.json"),
            EventSource::PassThrough => include_str!("../../fixtures/events/non-http/sqs/single-message.json"),
        }
    }

    /// The adapter's classification of this source.
    pub fn source(self) -> Source {
        match self {
            EventSource::ApiGatewayV1 => Source::ApiGatewayV1,
            EventSource::ApiGatewayV2 => Source::ApiGatewayV2,
            EventSource::FunctionUrl => Source::FunctionUrl,
            EventSource::Alb => Source::Alb,
            EventSource::PassThrough => Source::PassThrough,
        }
    }

    /// How a response to this source's template is written (what `translate` returns).
    pub fn shape(self) -> ResponseShape {
        ResponseShape { source: self.source(), multi_value: self == EventSource::Alb, accept_encoding: None }
    }

    /// The template reshaped: `method`, `path`, `query` (wire form, without `?`) and `body`,
    /// with any `content-length` header corrected to the body's length. For the
    /// pass-through source only the body is used (the SQS message body).
    pub fn event(self, method: &str, path: &str, query: &str, body: &Body) -> Vec<u8> {
        self.event_from(self.template(), method, path, query, body)
    }

    /// [`Self::event`] made from another event of this source: `template` (for example
    /// the single-value form of an ALB event, `fixtures/events/alb/single-*.json`). An ALB
    /// template's query is written in the form its headers use.
    ///
    /// ```
    /// use lwa_benches::inputs::{Body, EventSource};
    ///
    /// let single = include_str!("../../fixtures/events/alb/single-post-json-body.json");
    /// let event = EventSource::Alb.event_from(single, "GET", "/a", "x=1", &Body::Empty);
    /// let json: serde_json::Value = serde_json::from_slice(&event).unwrap();
    /// assert_eq!(json["queryStringParameters"]["x"], "1");
    /// assert!(json.get("multiValueQueryStringParameters").is_none());
    /// ```
    pub fn event_from(self, template: &str, method: &str, path: &str, query: &str, body: &Body) -> Vec<u8> {
        let mut event: Value = serde_json::from_str(template).unwrap_or(Value::Null);
        let Some(root) = event.as_object_mut() else { return Vec::new() };
        if self == EventSource::PassThrough {
            if let Some(record) = root.get_mut("Records").and_then(|r| r.get_mut(0)).and_then(Value::as_object_mut) {
                record.insert("body".into(), body.json_text().into());
            }
            return serde_json::to_vec(&event).unwrap_or_default();
        }
        match self {
            EventSource::ApiGatewayV2 | EventSource::FunctionUrl => {
                root.insert("rawPath".into(), path.into());
                root.insert("rawQueryString".into(), query.into());
                if let Some(http) = root.get_mut("requestContext").and_then(|c| c.get_mut("http")) {
                    http["method"] = method.into();
                    http["path"] = path.into();
                }
                if !query.is_empty() {
                    let mut single = Map::new();
                    for (k, v) in query_pairs(query) {
                        single.insert(k, v.into());
                    }
                    root.insert("queryStringParameters".into(), single.into());
                }
            }
            EventSource::ApiGatewayV1 | EventSource::Alb => {
                root.insert("httpMethod".into(), method.into());
                root.insert("path".into(), path.into());
                if let Some(context) = root.get_mut("requestContext").and_then(Value::as_object_mut) {
                    if context.contains_key("httpMethod") {
                        context.insert("httpMethod".into(), method.into());
                    }
                }
                let (single, multi) = query_maps(query);
                if self == EventSource::Alb {
                    // An ALB event uses one form only: the multi-value one when the target
                    // group has multi-value headers on, else the single-value one.
                    if root.contains_key("multiValueHeaders") {
                        root.insert("multiValueQueryStringParameters".into(), multi.into());
                    } else {
                        root.insert("queryStringParameters".into(), single.into());
                    }
                } else if query.is_empty() {
                    root.insert("queryStringParameters".into(), Value::Null);
                    root.insert("multiValueQueryStringParameters".into(), Value::Null);
                } else {
                    root.insert("queryStringParameters".into(), single.into());
                    root.insert("multiValueQueryStringParameters".into(), multi.into());
                }
            }
            EventSource::PassThrough => {}
        }
        match body {
            Body::Empty => {
                root.insert("body".into(), Value::Null);
                root.insert("isBase64Encoded".into(), false.into());
            }
            Body::Text(text) => {
                root.insert("body".into(), text.as_str().into());
                root.insert("isBase64Encoded".into(), false.into());
            }
            Body::Binary(_) => {
                root.insert("body".into(), body.json_text().into());
                root.insert("isBase64Encoded".into(), true.into());
            }
        }
        set_content_length(root, body.len());
        serde_json::to_vec(&event).unwrap_or_default()
    }
}

/// A request body for [`EventSource::event`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Body {
    /// No body (`null`).
    Empty,
    /// A text body, sent as is.
    Text(String),
    /// A binary body, sent base64-encoded (`isBase64Encoded: true`).
    Binary(Vec<u8>),
}

impl Body {
    /// A text body of `size` bytes (JSON-like ASCII without escapes), or [`Body::Empty`] for 0.
    pub fn text(size: usize) -> Body {
        if size == 0 {
            return Body::Empty;
        }
        Body::Text(String::from_utf8(text_bytes(size)).unwrap_or_default())
    }

    /// A binary body of `size` pseudo-random bytes, or [`Body::Empty`] for 0.
    pub fn binary(size: usize) -> Body {
        if size == 0 {
            return Body::Empty;
        }
        Body::Binary(binary_bytes(size))
    }

    /// The decoded length in bytes.
    pub fn len(&self) -> usize {
        match self {
            Body::Empty => 0,
            Body::Text(text) => text.len(),
            Body::Binary(bytes) => bytes.len(),
        }
    }

    /// Whether the body is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The body as it appears in the event's JSON string (base64 for binary bodies).
    fn json_text(&self) -> String {
        match self {
            Body::Empty => String::new(),
            Body::Text(text) => text.clone(),
            Body::Binary(bytes) => base64::engine::general_purpose::STANDARD.encode(bytes),
        }
    }
}

/// `size` bytes of printable ASCII that needs no JSON escaping.
pub fn text_bytes(size: usize) -> Vec<u8> {
    const LINE: &[u8] =
        b"{\"id\":12345,\"name\":\"widget\",\"tags\":[\"alpha\",\"beta\"],\"price\":9.99} lorem ipsum dolor sit amet\n";
    LINE.iter().copied().cycle().take(size).collect()
}

/// `size` pseudo-random bytes (xorshift; the same every run), which compress poorly.
pub fn binary_bytes(size: usize) -> Vec<u8> {
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    (0..size)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 24) as u8
        })
        .collect()
}

fn query_pairs(query: &str) -> Vec<(String, String)> {
    query
        .split('&')
        .filter(|kv| !kv.is_empty())
        .map(|kv| match kv.split_once('=') {
            Some((k, v)) => (k.to_owned(), v.to_owned()),
            None => (kv.to_owned(), String::new()),
        })
        .collect()
}

fn query_maps(query: &str) -> (Map<String, Value>, Map<String, Value>) {
    let mut single = Map::new();
    let mut multi: Map<String, Value> = Map::new();
    for (k, v) in query_pairs(query) {
        single.insert(k.clone(), v.clone().into());
        match multi.get_mut(&k).and_then(Value::as_array_mut) {
            Some(values) => values.push(v.into()),
            None => {
                multi.insert(k, json!([v]));
            }
        }
    }
    (single, multi)
}

/// Sets every `content-length` header (any case, single or multi-value form) to `len`.
fn set_content_length(root: &mut Map<String, Value>, len: usize) {
    for key in ["headers", "multiValueHeaders"] {
        let Some(headers) = root.get_mut(key).and_then(Value::as_object_mut) else { continue };
        for (name, value) in headers.iter_mut() {
            if name.eq_ignore_ascii_case("content-length") {
                *value = if value.is_array() { json!([len.to_string()]) } else { len.to_string().into() };
            }
        }
    }
}

/// An app response as the adapter reads it: the status, typical headers (`content-type`,
/// `content-length`, `date`, `cache-control`, two `set-cookie`, a custom header) and a
/// body of `size` bytes, text (`text/plain`) or binary (`application/octet-stream`).
pub fn app_response(size: usize, binary: bool) -> http::Response<Bytes> {
    let (content_type, body) = if binary {
        ("application/octet-stream", binary_bytes(size))
    } else {
        ("text/plain; charset=utf-8", text_bytes(size))
    };
    let mut response = http::Response::new(Bytes::from(body));
    let headers = response.headers_mut();
    let mut add = |name: &'static str, value: String| {
        if let Ok(value) = http::HeaderValue::from_str(&value) {
            headers.append(name, value);
        }
    };
    add("content-type", content_type.to_owned());
    add("content-length", size.to_string());
    add("date", "Sun, 01 Mar 2026 11:04:55 GMT".to_owned());
    add("cache-control", "no-cache".to_owned());
    add("set-cookie", "session=abc123; Path=/; HttpOnly".to_owned());
    add("set-cookie", "theme=dark; Path=/".to_owned());
    add("x-request-id", "5DXPTNBeAlEXKJu=".to_owned());
    response
}

/// The configuration the benches translate with: defaults, as Lambda would start the
/// adapter (the Runtime API address is required; nothing is contacted).
pub fn bench_config() -> Config {
    let vars = [
        ("AWS_LAMBDA_RUNTIME_API", "127.0.0.1:9001"),
        ("AWS_LAMBDA_FUNCTION_NAME", "bench-function"),
        ("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST"),
        ("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128"),
        ("AWS_LAMBDA_LOG_GROUP_NAME", "/aws/lambda/bench-function"),
        ("AWS_LAMBDA_LOG_STREAM_NAME", "2026/01/01/[$LATEST]0123456789abcdef0123456789abcdef"),
        ("AWS_LWA_PORT", "8080"),
    ];
    let lookup = |key: &str| vars.iter().find(|(k, _)| *k == key).map(|(_, v)| (*v).to_owned());
    match Config::from_lookup(lookup) {
        Ok((config, _)) => config,
        // The variables above are valid; a failure here is a change in the adapter's rules.
        Err(err) => unreachable!("the bench configuration no longer parses: {err}"),
    }
}

/// A Runtime API context like Lambda's: request id, a deadline, the function ARN and a
/// trace id.
pub fn bench_context() -> InvokeContext {
    InvokeContext {
        request_id: "8476a536-e9f4-11e8-9739-2dfe598c3fcd".to_owned(),
        deadline_ms: 1_772_363_098_228,
        function_arn: "arn:aws:lambda:us-east-1:123456789012:function:bench-function".to_owned(),
        trace_id: Some("Root=1-5bef4de7-ad49b0e87f6ef6c87fc2e700;Parent=9a9197af755a6419;Sampled=1".to_owned()),
        client_context: None,
        cognito_identity: None,
        tenant_id: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use lambda_web_adapter::event::{translate, Translation};

    #[test]
    fn every_source_keeps_its_classification_at_every_size() {
        let config = bench_config();
        let ctx = bench_context();
        for source in EventSource::ALL {
            for size in [0, 1024] {
                for body in [Body::text(size), Body::binary(size)] {
                    let event = source.event("POST", "/echo/items", "a=1&a=2&b=x", &body);
                    let translation = translate(&event, &ctx, &config).expect("translates");
                    let Translation::Forward { request, shape, warnings } = translation else {
                        panic!("{} was rejected", source.name());
                    };
                    assert_eq!(shape.source, source.source(), "{}", source.name());
                    assert!(warnings.is_empty(), "{}: {warnings:?}", source.name());
                    if source != EventSource::PassThrough {
                        assert_eq!(request.body().len(), size, "{}", source.name());
                        assert_eq!(request.uri().path(), "/echo/items");
                        assert_eq!(request.uri().query(), Some("a=1&a=2&b=x"), "{}", source.name());
                    }
                }
            }
        }
    }

    #[test]
    fn generated_bodies_have_the_asked_size() {
        assert_eq!(text_bytes(100).len(), 100);
        assert_eq!(binary_bytes(100).len(), 100);
        assert!(std::str::from_utf8(&text_bytes(5000)).is_ok());
        assert_eq!(app_response(777, true).body().len(), 777);
        assert_eq!(size_label(1024 * 1024), "1MiB");
    }
}
