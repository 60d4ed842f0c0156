//! What each invocation of the soak sends: the source rotation ([`Source`]), its marker
//! ([`marker`]), and the probe with its event, trace id, tenant id and client context.

use bytes::Bytes;
use lwa_emulator::Invocation;
use serde_json::{json, Value};

use crate::inputs::{binary_bytes, text_bytes, Body, EventSource};

/// The single-value ALB event the ALB single lane's events are made from.
const ALB_SINGLE_TEMPLATE: &str = include_str!("../../../fixtures/events/alb/single-post-json-body.json");

/// Where pass-through events go (`AWS_LWA_PASS_THROUGH_PATH`): an echo path, so the app's
/// answer shows the context headers too.
pub const PASS_THROUGH_PATH: &str = "/echo/events";

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
    pub(super) fn has_request_id(self) -> bool {
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
