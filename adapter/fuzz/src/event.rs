//! `event_bytes` and `event_json`: an event in, the request the app would receive out.
//!
//! Whatever the bytes, [`translate`] must answer without panicking, and its answer must
//! agree with the event: valid JSON is never refused as not JSON (nor the reverse); the
//! source is the one [`classify`] gives on the parsed event; a forwarded request carries
//! the adapter's own context headers and no client header that passes for one of them (in
//! any case, `_` for `-`), no hop-by-hop header, a content-length that is the body's, the
//! body the event holds, a path-only URI, and client headers within the caps; a refusal is
//! a 400, 414 or 431 whose Lambda answer parses. `event_json` also checks that the fast path and
//! the `Value`-based readers agree, by sending each HTTP event a second time with one odd
//! header that makes the fast path give up.

use std::fmt;
use std::sync::OnceLock;

use base64::Engine;
use http::header::{ACCEPT_ENCODING, CONTENT_LENGTH, COOKIE, HOST};
use http::{HeaderMap, HeaderValue, Method};
use lambda_web_adapter::context::InvokeContext;
use lambda_web_adapter::event::{
    classify, translate, EventError, ResponseShape, Source, Translation, MAX_HEADER_BYTES, MAX_HEADER_COUNT,
};
use lambda_web_adapter::response::reject;
use lambda_web_adapter::Config;
use serde_json::value::RawValue;
use serde_json::Value;

use crate::{is_hop_by_hop, known};

/// Headers only the adapter sets: a client's copy never reaches the app.
pub const RESERVED: [&str; 3] = ["x-amzn-request-context", "x-amzn-lambda-context", "x-amz-tenant-id"];
/// Set by the adapter when Lambda sends a trace id; otherwise the client's, under this exact name only.
pub const TRACE_ID: &str = "x-amzn-trace-id";
/// The header added to make the fast path give up (its value is a number).
pub const ODD_HEADER: &str = "x-lwa-fuzz-odd";

/// A configuration and an invocation context to translate under.
pub struct Setup {
    /// The adapter's configuration.
    pub config: Config,
    /// The invocation.
    pub ctx: InvokeContext,
    /// The `x-amzn-lambda-context` every forwarded request must carry.
    pub lambda_context: String,
}

fn setup(extra: &[(&str, &str)], ctx: InvokeContext) -> Setup {
    let mut env: Vec<(String, String)> = [
        ("AWS_LAMBDA_RUNTIME_API", "127.0.0.1:9001"),
        ("AWS_LAMBDA_FUNCTION_NAME", "fuzz-fn"),
        ("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "512"),
        ("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST"),
        ("AWS_LAMBDA_LOG_GROUP_NAME", "/aws/lambda/fuzz-fn"),
        ("AWS_LAMBDA_LOG_STREAM_NAME", "2026/01/01/[$LATEST]0123456789abcdef"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    env.extend(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    let config = Config::from_lookup(|k| env.iter().find(|(name, _)| name == k).map(|(_, v)| v.clone()))
        .expect("the fuzz configuration is valid")
        .0;
    let lambda_context = ctx.lambda_context_json(&config.function).0;
    Setup { config, ctx, lambda_context }
}

/// `event_bytes`: the defaults, a trace id from Lambda, no tenant.
pub fn bytes_setup() -> &'static Setup {
    static SETUP: OnceLock<Setup> = OnceLock::new();
    SETUP.get_or_init(|| {
        setup(
            &[],
            InvokeContext {
                request_id: "00000000-0000-4000-8000-000000000001".into(),
                deadline_ms: 1_767_225_600_000,
                function_arn: "arn:aws:lambda:us-east-1:123456789012:function:fuzz-fn".into(),
                trace_id: Some("Root=1-67890abc-0123456789abcdef01234567;Sampled=1".into()),
                client_context: Some("{\"custom\":{\"k\":\"v\"}}".into()),
                cognito_identity: None,
                tenant_id: None,
            },
        )
    })
}

/// `event_json`: a base path, an authorization source and a pass-through path set; a
/// tenant, no trace id (the client's is kept), a client context that is not JSON.
pub fn json_setup() -> &'static Setup {
    static SETUP: OnceLock<Setup> = OnceLock::new();
    SETUP.get_or_init(|| {
        setup(
            &[
                ("AWS_LWA_REMOVE_BASE_PATH", "/api"),
                ("AWS_LWA_AUTHORIZATION_SOURCE", "X-Custom-Auth"),
                ("AWS_LWA_PASS_THROUGH_PATH", "/events/in"),
            ],
            InvokeContext {
                request_id: "req-2".into(),
                deadline_ms: 0,
                function_arn: String::new(),
                trace_id: None,
                client_context: Some("not json".into()),
                cognito_identity: Some("{\"identity_id\":\"id\"}".into()),
                tenant_id: Some("tenant-7".into()),
            },
        )
    })
}

/// `event_bytes`: the raw bytes as the event.
pub fn run_bytes(data: &[u8]) {
    run_bytes_with(data, crate::known::strict());
}

/// `event_bytes`, with the known findings skipped unless `strict`.
pub fn run_bytes_with(data: &[u8], strict: bool) {
    crate::slow::timed("event_bytes", data, || {
        check(data, bytes_setup(), strict);
    });
}

/// `event_json`: the bytes (JSON, from the structure-aware mutator) as the event, and the
/// same event again through the `Value`-based readers.
pub fn run_json(data: &[u8]) {
    run_json_with(data, crate::known::strict());
}

/// `event_json`, with the known findings skipped unless `strict`.
pub fn run_json_with(data: &[u8], strict: bool) {
    crate::slow::timed("event_json", data, || {
        let setup = json_setup();
        if let Some((value, first)) = check(data, setup, strict) {
            check_slow_path_agrees(data, &value, &first, setup);
        }
    });
}

/// `name` is `reserved` up to ASCII case and `_` for `-` (how WSGI, Rack and CGI see it).
pub fn imitates(name: &str, reserved: &str) -> bool {
    name.len() == reserved.len()
        && name.bytes().zip(reserved.bytes()).all(|(n, r)| (if n == b'_' { b'-' } else { n.to_ascii_lowercase() }) == r)
}

fn values<'a>(headers: &'a HeaderMap, name: &str) -> Vec<&'a [u8]> {
    headers.get_all(name).iter().map(HeaderValue::as_bytes).collect()
}

/// [`describe`], written only when an assertion message needs it.
pub struct Summary<'a>(pub &'a Result<Translation, EventError>);

impl fmt::Display for Summary<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&describe(self.0))
    }
}

/// A one-line account of a translation, for assertion messages.
pub fn describe(result: &Result<Translation, EventError>) -> String {
    match result {
        Ok(Translation::Forward { request, shape, warnings }) => format!(
            "Forward {:?} {} {} headers {:?} body {} bytes, warnings {warnings:?}",
            shape,
            request.method(),
            request.uri(),
            request.headers(),
            request.body().len()
        ),
        Ok(Translation::Reject { shape, status, message, .. }) => format!("Reject {shape:?} {status} {message}"),
        Err(err) => format!("Err {err:?}"),
    }
}

/// Translates `event` and checks the answer against the event itself; the parsed event
/// when it is JSON. Unless `strict`, inputs that show a known finding are let through.
pub fn check(event: &[u8], setup: &Setup, strict: bool) -> Option<(Value, Result<Translation, EventError>)> {
    let result = translate(event, &setup.ctx, &setup.config);
    let value = match (&result, serde_json::from_slice::<Value>(event)) {
        (Err(EventError::NotJson(_)), Err(_)) => return None,
        (Err(EventError::NotJson(message)), Ok(_)) => panic!("valid JSON refused as not JSON: {message}"),
        (_, Err(err)) if known::skipped_content_not_validated(&err) => return None,
        (_, Err(err)) => panic!("not JSON ({err}), yet translated: {}", describe(&result)),
        (_, Ok(value)) => value,
    };
    let source = classify(&value);
    let summary = Summary(&result);
    match &result {
        Err(EventError::NotJson(_)) => unreachable!("handled above"),
        Err(EventError::Field { kind, field, problem }) => {
            assert_eq!(*kind, source, "a field error names another source: {field} {problem}");
            assert_ne!(source, Source::PassThrough, "a pass-through event refused: {field} {problem}");
        }
        Err(EventError::ContextHeader { name }) => {
            // The context is clean, so only the event's requestContext can be unsendable,
            // and only through a byte no header value may hold that JSON leaves raw (DEL).
            assert_eq!(*name, "x-amzn-request-context", "{summary}");
            assert!(event.contains(&0x7f), "x-amzn-request-context refused without a DEL in the event: {summary}");
        }
        Ok(Translation::Reject { shape, status, message, .. }) => {
            assert_eq!(shape.source, source, "{summary}");
            assert!(matches!(status.as_u16(), 400 | 414 | 431), "refused with {status}: {summary}");
            check_reject_payload(shape, *status, message);
        }
        Ok(Translation::Forward { request, shape, .. }) => {
            assert_eq!(shape.source, source, "classified unlike `classify`: {summary}");
            if source == Source::PassThrough {
                check_pass_through(event, request, setup);
            } else {
                check_http(&value, request, shape, setup, &summary);
            }
        }
    }
    Some((value, result))
}

/// The answer Lambda gets for a refused event parses, with the status and message.
fn check_reject_payload(shape: &ResponseShape, status: http::StatusCode, message: &str) {
    let payload = reject(shape, status, message);
    let out: Value = serde_json::from_slice(&payload).expect("a refusal's payload is JSON");
    assert_eq!(out["statusCode"], status.as_u16());
    let body: Value = serde_json::from_str(out["body"].as_str().expect("a body string")).expect("the body is JSON");
    assert_eq!(body["message"], message);
}

fn check_context_headers(headers: &HeaderMap, setup: &Setup, summary: &dyn fmt::Display) {
    assert_eq!(
        values(headers, "x-amzn-lambda-context"),
        vec![setup.lambda_context.as_bytes()],
        "x-amzn-lambda-context is not exactly the adapter's: {summary}"
    );
    match &setup.ctx.tenant_id {
        Some(tenant) => assert_eq!(values(headers, "x-amz-tenant-id"), vec![tenant.as_bytes()], "{summary}"),
        None => assert!(!headers.contains_key("x-amz-tenant-id"), "a client's x-amz-tenant-id got through: {summary}"),
    }
    if let Some(trace) = &setup.ctx.trace_id {
        assert_eq!(values(headers, TRACE_ID), vec![trace.as_bytes()], "x-amzn-trace-id is not Lambda's: {summary}");
    }
}

fn check_pass_through(event: &[u8], request: &http::Request<bytes::Bytes>, setup: &Setup) {
    assert_eq!(request.body().as_ref(), event, "a pass-through body differs from the event");
    assert_eq!(request.method(), Method::POST);
    assert_eq!(request.uri().path(), setup.config.pass_through_path);
    let headers = request.headers();
    assert_eq!(values(headers, "content-type"), vec![b"application/json".as_slice()]);
    assert_eq!(values(headers, "content-length"), vec![event.len().to_string().as_bytes()]);
    check_context_headers(headers, setup, &"pass-through");
    let expected = 3 + usize::from(setup.ctx.trace_id.is_some()) + usize::from(setup.ctx.tenant_id.is_some());
    assert_eq!(headers.len(), expected, "pass-through headers {headers:?}");
}

/// The event's body as the app must receive it.
fn expected_body(value: &Value, source: Source) -> Option<Vec<u8>> {
    const BASE64: base64::engine::GeneralPurpose = base64::engine::GeneralPurpose::new(
        &base64::alphabet::STANDARD,
        base64::engine::GeneralPurposeConfig::new()
            .with_decode_padding_mode(base64::engine::DecodePaddingMode::Indifferent),
    );
    let flag = if source == Source::VpcLatticeV1 { "is_base64_encoded" } else { "isBase64Encoded" };
    let base64 = value.get(flag) == Some(&Value::Bool(true));
    match value.get("body") {
        None | Some(Value::Null) => Some(Vec::new()),
        Some(Value::String(text)) if base64 => BASE64.decode(text).ok(),
        Some(Value::String(text)) => Some(text.as_bytes().to_vec()),
        Some(_) => None,
    }
}

fn check_http(
    value: &Value,
    request: &http::Request<bytes::Bytes>,
    shape: &ResponseShape,
    setup: &Setup,
    summary: &dyn fmt::Display,
) {
    let headers = request.headers();
    for name in headers.keys() {
        let name = name.as_str();
        assert!(!is_hop_by_hop(name), "hop-by-hop header {name} forwarded: {summary}");
        for reserved in RESERVED.iter().chain([&TRACE_ID]) {
            if imitates(name, reserved) {
                assert_eq!(name, *reserved, "client header {name} passes for {reserved}: {summary}");
            }
        }
    }
    check_context_headers(headers, setup, summary);

    // The adapter's x-amzn-request-context is the event's requestContext, nothing else.
    let sent = values(headers, "x-amzn-request-context");
    match value.get("requestContext") {
        Some(context @ Value::Object(_)) => {
            assert_eq!(sent.len(), 1, "x-amzn-request-context: {} copies: {summary}", sent.len());
            let parsed: Value = serde_json::from_slice(sent[0]).expect("x-amzn-request-context is JSON");
            assert_eq!(&parsed, context, "x-amzn-request-context is not the event's requestContext: {summary}");
        }
        _ => assert!(sent.is_empty(), "x-amzn-request-context without a requestContext object: {summary}"),
    }

    // Body and content-length.
    let body = request.body();
    if let Some(expected) = expected_body(value, shape.source) {
        assert_eq!(body.as_ref(), expected.as_slice(), "the body is not the event's: {summary}");
    }
    let lengths = values(headers, CONTENT_LENGTH.as_str());
    if !body.is_empty() || matches!(*request.method(), Method::POST | Method::PUT | Method::PATCH) {
        assert_eq!(lengths, vec![body.len().to_string().as_bytes()], "content-length: {summary}");
    } else {
        assert!(lengths.is_empty(), "a content-length on an empty body: {summary}");
    }

    // Method, URI, host.
    let post = Value::String("POST".to_owned());
    let method = match shape.source {
        Source::ApiGatewayV2 | Source::FunctionUrl => value.pointer("/requestContext/http/method"),
        Source::VpcLatticeV1 | Source::VpcLatticeV2 => value.get("method"),
        // Every WebSocket route is a POST to /websocket/{routeKey}.
        Source::WebSocket => Some(&post),
        _ => value.get("httpMethod"),
    };
    if shape.source == Source::WebSocket {
        let route = value.pointer("/requestContext/routeKey").and_then(Value::as_str).unwrap_or_default();
        let decoded = percent_encoding::percent_decode_str(request.uri().path()).decode_utf8_lossy().into_owned();
        assert_eq!(decoded, format!("/websocket/{route}"), "the WebSocket path: {summary}");
    }
    assert_eq!(method.and_then(Value::as_str), Some(request.method().as_str()), "the method: {summary}");
    let uri = request.uri();
    assert!(uri.scheme().is_none() && uri.authority().is_none(), "the URI is not path-only: {uri}: {summary}");
    assert!(uri.path().starts_with('/'), "the path does not start with /: {uri}: {summary}");
    // The forwarder puts the app's authority in front: the result must still be a URI.
    let absolute = format!("http://[0:0:0:0:0:ffff:7f00:1]:65535{uri}");
    assert!(absolute.parse::<http::Uri>().is_ok(), "the URI does not take an authority: {summary}");
    let hosts = values(headers, HOST.as_str());
    assert!(hosts.len() <= 1, "{} host headers: {summary}", hosts.len());
    if let Some(host) = hosts.first() {
        let valid = std::str::from_utf8(host).ok().and_then(|h| h.parse::<http::uri::Authority>().ok()).is_some();
        assert!(valid, "host {host:?} is not an authority: {summary}");
    }

    // One cookie line at most (HTTP/1.1 allows one; frameworks read the first), holding
    // every v2 `cookies` entry that can be sent.
    let lines = values(headers, COOKIE.as_str());
    assert!(lines.len() <= 1, "{} cookie lines: {summary}", lines.len());
    if matches!(shape.source, Source::ApiGatewayV2 | Source::FunctionUrl) {
        if let Some(Value::Array(items)) = value.get("cookies") {
            let line = lines.first().map(|l| String::from_utf8_lossy(l).into_owned()).unwrap_or_default();
            for cookie in items.iter().filter_map(Value::as_str) {
                if !cookie.is_empty() && HeaderValue::from_str(cookie).is_ok() {
                    assert!(line.contains(cookie), "cookie {cookie:?} is not in {line:?}: {summary}");
                }
            }
        }
    }

    // The client's headers stay within the caps (the adapter's own come on top).
    let own = |name: &str| {
        RESERVED.contains(&name) || name == CONTENT_LENGTH || (name == TRACE_ID && setup.ctx.trace_id.is_some())
    };
    let (count, bytes) = headers
        .iter()
        .filter(|(name, _)| !own(name.as_str()))
        .fold((0usize, 0usize), |(c, b), (name, value)| (c + 1, b + name.as_str().len() + value.len()));
    assert!(count <= MAX_HEADER_COUNT, "{count} client headers forwarded");
    assert!(bytes <= MAX_HEADER_BYTES, "{bytes} bytes of client headers forwarded");

    // The response shape.
    assert_eq!(shape.accept_encoding.as_ref(), headers.get(ACCEPT_ENCODING), "shape.accept_encoding: {summary}");
    let multi_value = match shape.source {
        Source::ApiGatewayV1 | Source::HttpApiV1 | Source::WebSocket => true,
        Source::Alb => ["multiValueHeaders", "multiValueQueryStringParameters"]
            .iter()
            .any(|key| value.get(*key).is_some_and(|v| !v.is_null())),
        _ => false,
    };
    assert_eq!(shape.multi_value, multi_value, "shape.multi_value: {summary}");
}

/// What a translation decided, in a form two translations can be compared by (warnings
/// left out; `x-amzn-request-context` compared as JSON, since its text is the event's).
#[derive(Debug, PartialEq)]
pub enum Outcome {
    /// A request for the app.
    Forward {
        /// Method, URI and body.
        request: (String, String, Vec<u8>),
        /// Every header but `x-amzn-request-context`, in order.
        headers: Vec<(String, Vec<u8>)>,
        /// `x-amzn-request-context`, parsed.
        request_context: Vec<Option<Value>>,
        /// The response shape.
        shape: (Source, bool, Option<Vec<u8>>),
    },
    /// A refusal.
    Reject {
        /// The response shape.
        shape: (Source, bool, Option<Vec<u8>>),
        /// The status.
        status: u16,
        /// The message.
        message: String,
    },
    /// An invocation error.
    Error(String),
}

/// The comparable form of a translation.
pub fn outcome(result: &Result<Translation, EventError>) -> Outcome {
    let shape_of =
        |s: &ResponseShape| (s.source, s.multi_value, s.accept_encoding.as_ref().map(|v| v.as_bytes().to_vec()));
    match result {
        Ok(Translation::Forward { request, shape, .. }) => Outcome::Forward {
            request: (request.method().to_string(), request.uri().to_string(), request.body().to_vec()),
            headers: request
                .headers()
                .iter()
                .filter(|(name, _)| name.as_str() != "x-amzn-request-context")
                .map(|(name, value)| (name.to_string(), value.as_bytes().to_vec()))
                .collect(),
            request_context: request
                .headers()
                .get_all("x-amzn-request-context")
                .iter()
                .map(|v| serde_json::from_slice(v.as_bytes()).ok())
                .collect(),
            shape: shape_of(shape),
        },
        Ok(Translation::Reject { shape, status, message, .. }) => {
            Outcome::Reject { shape: shape_of(shape), status: status.as_u16(), message: message.clone() }
        }
        Err(err) => Outcome::Error(err.to_string()),
    }
}

/// The event with one more header whose value is a number: the fast path gives up on it,
/// the `Value`-based readers drop that header with a warning, so the request must be the
/// same. Only `headers` is rewritten, and every other field keeps its text, repeated keys
/// included (a re-serialised `requestContext` could differ in its last float digit, as
/// serde_json parses floats to within one ULP). `None` when the event is not an HTTP event
/// or has no room for the header.
pub fn with_odd_header(event: &[u8], value: &Value) -> Option<Vec<u8>> {
    if classify(value) == Source::PassThrough {
        return None;
    }
    let mut root: Entries = serde_json::from_slice(event).ok()?;
    let odd = (ODD_HEADER.to_owned(), RawValue::from_string("1".to_owned()).ok()?);
    let mut positions = root.0.iter().enumerate().filter(|(_, (k, _))| k == "headers").map(|(i, _)| i);
    match (positions.next(), positions.next()) {
        (None, _) => root.0.push(("headers".to_owned(), serde_json::value::to_raw_value(&Entries(vec![odd])).ok()?)),
        (Some(at), None) => {
            let raw = root.0[at].1.get();
            let mut headers =
                if raw == "null" { Entries(Vec::new()) } else { serde_json::from_str::<Entries>(raw).ok()? };
            if headers.0.iter().any(|(k, _)| k == ODD_HEADER) {
                return None;
            }
            headers.0.push(odd);
            root.0[at].1 = serde_json::value::to_raw_value(&headers).ok()?;
        }
        // `headers` twice: which one the readers take is what is compared, so leave it.
        (Some(_), Some(_)) => return None,
    }
    serde_json::to_vec(&root).ok()
}

/// A JSON object's entries in order, repeated keys kept, values as their text.
struct Entries(Vec<(String, Box<RawValue>)>);

impl<'de> serde::Deserialize<'de> for Entries {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = Entries;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<M: serde::de::MapAccess<'de>>(self, mut map: M) -> Result<Entries, M::Error> {
                let mut entries = Vec::new();
                while let Some(entry) = map.next_entry::<String, Box<RawValue>>()? {
                    entries.push(entry);
                }
                Ok(Entries(entries))
            }
        }
        d.deserialize_map(V)
    }
}

impl serde::Serialize for Entries {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = s.serialize_map(Some(self.0.len()))?;
        for (key, value) in &self.0 {
            map.serialize_entry(key, value)?;
        }
        map.end()
    }
}

/// The fast path and the `Value`-based readers translate the event alike.
pub fn check_slow_path_agrees(event: &[u8], value: &Value, first: &Result<Translation, EventError>, setup: &Setup) {
    let Some(forced) = with_odd_header(event, value) else { return };
    let second = translate(&forced, &setup.ctx, &setup.config);
    let (a, b) = (outcome(first), outcome(&second));
    assert_eq!(
        a,
        b,
        "the Value-based readers disagree with the first translation\nfirst:  {}\nslow:   {}",
        describe(first),
        describe(&second)
    );
}
