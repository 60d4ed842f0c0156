//! Lambda events in, HTTP requests for the app out: pure, no I/O.
//!
//! [`translate`] classifies an event by its shape ([`Source`]), reads the fields of that
//! source (one module each), and builds the request the app receives. The rules are in
//! the crate docs; the corpus snapshots in `adapter/tests/` show them on real events.

mod alb;
mod apigw_v1;
mod apigw_v2;
mod fast;
mod fields;
mod headers;
mod lattice;
mod pass_through;
mod slim;
mod uri;
mod websocket;

use std::fmt;

use base64::Engine;
use bytes::Bytes;
use http::{HeaderMap, HeaderValue, Method};
use serde_json::Value;

use crate::config::Config;
use crate::context::InvokeContext;
use fields::Obj;
pub(crate) use headers::{connection_options, remove_hop_by_hop, HOP_BY_HOP};
pub use headers::{MAX_HEADER_BYTES, MAX_HEADER_COUNT};

/// Where an event came from; decides how the request is read and the response written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
pub enum Source {
    /// API Gateway REST API (payload format 1.0).
    ApiGatewayV1,
    /// API Gateway HTTP API with payload format 1.0: read and answered like REST, but
    /// never streamed (HTTP APIs cannot stream).
    HttpApiV1,
    /// API Gateway HTTP API (payload format 2.0).
    ApiGatewayV2,
    /// Lambda Function URL (payload format 2.0 on a `lambda-url` domain).
    FunctionUrl,
    /// Application Load Balancer target group.
    Alb,
    /// API Gateway WebSocket API, every route: `POST /websocket/{routeKey}`.
    WebSocket,
    /// VPC Lattice target group, event structure version 1 (snake_case fields).
    VpcLatticeV1,
    /// VPC Lattice target group, event structure version 2.
    VpcLatticeV2,
    /// Anything else that is JSON: SQS, SNS, S3, EventBridge, Lambda authorizers,
    /// direct invokes...
    PassThrough,
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Source::ApiGatewayV1 => "API Gateway REST (v1)",
            Source::HttpApiV1 => "HTTP API (payload 1.0)",
            Source::ApiGatewayV2 => "HTTP API (v2)",
            Source::FunctionUrl => "Function URL",
            Source::Alb => "ALB",
            Source::WebSocket => "WebSocket API",
            Source::VpcLatticeV1 => "VPC Lattice (v1)",
            Source::VpcLatticeV2 => "VPC Lattice (v2)",
            Source::PassThrough => "pass-through",
        })
    }
}

/// An event that cannot be turned into a request. Reported as an invocation error.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EventError {
    /// The payload is not JSON (or not UTF-8).
    #[error("the event is not valid JSON: {0}")]
    NotJson(String),
    /// An HTTP event with a field that is missing or of the wrong type.
    #[error("{kind} event: `{field}` {problem}")]
    Field {
        /// The source the event was classified as.
        kind: Source,
        /// The dotted field path.
        field: String,
        /// What is wrong with it.
        problem: String,
    },
    /// The adapter cannot build one of its own context headers (the value holds a
    /// character no header value may, such as DEL in an authorizer's context). The
    /// invocation fails rather than reach the app without it (fail closed).
    #[error(
        "the adapter cannot send its {name} header: the value is not a valid HTTP header value; \
         the request is not forwarded without it"
    )]
    ContextHeader {
        /// The header.
        name: &'static str,
    },
}

/// How the app's response must be written back for this event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResponseShape {
    /// The event's source.
    pub source: Source,
    /// ALB: the request used `multiValueHeaders`, so the response must too.
    pub multi_value: bool,
    /// The client's `accept-encoding`, for compression.
    pub accept_encoding: Option<HeaderValue>,
}

/// What to do with an event.
#[derive(Debug)]
#[allow(clippy::large_enum_variant)] // built once per invocation and consumed at once
pub enum Translation {
    /// Send this request to the app.
    Forward {
        /// The request (its URI is the path and query only; the forwarder adds the app's authority).
        request: http::Request<Bytes>,
        /// How to write the answer back.
        shape: ResponseShape,
        /// Things dropped or changed on the way, for the log.
        warnings: Vec<String>,
    },
    /// The caller is at fault: answer in the source's format without calling the app.
    Reject {
        /// How to write the answer.
        shape: ResponseShape,
        /// The status (400, or 431 when the headers are over the adapter's limits).
        status: http::StatusCode,
        /// What was wrong.
        message: String,
        /// Things dropped or changed on the way, for the log.
        warnings: Vec<String>,
    },
}

/// The source-independent view of an HTTP event, filled in by each source module.
pub(crate) struct HttpEvent<'a> {
    pub(crate) method: &'a str,
    /// The path as sent (WebSocket events: made from the route key).
    pub(crate) path: std::borrow::Cow<'a, str>,
    /// The query string, already in wire form, without `?`.
    pub(crate) query: String,
    pub(crate) headers: Vec<(&'a str, &'a str)>,
    /// v2 `cookies`: joined into one `cookie` header.
    pub(crate) cookies: Vec<&'a str>,
    pub(crate) body: Option<&'a str>,
    pub(crate) base64: bool,
    /// The event's `requestContext` as compact JSON.
    pub(crate) request_context: Option<std::borrow::Cow<'a, str>>,
    pub(crate) multi_value: bool,
}

/// Classifies an event by its shape. The rules, in order (the first that matches wins):
///
/// 1. not an object: pass-through;
/// 2. a Lambda authorizer (a string `type` and a `methodArn` or `routeArn`): pass-through,
///    because API Gateway expects the authorizer's own answer, not an HTTP response;
/// 3. `requestContext.elb`: ALB;
/// 4. `requestContext.connectionId` and `requestContext.eventType`: WebSocket API;
/// 5. `version` "2.0" with `requestContext.http` or `rawPath`: HTTP API, or Function URL
///    on a `.lambda-url.` domain;
/// 6. `version` "2.0" with a top-level `method` or a Lattice `requestContext`
///    (`targetGroupArn`, `serviceNetworkArn`): VPC Lattice v2;
/// 7. a top-level `raw_path`: VPC Lattice v1;
/// 8. `requestContext` with `httpMethod` (even `null`) or with `resourcePath` and `stage`:
///    REST, or HTTP API payload 1.0 when `version` is "1.0";
/// 9. anything else: pass-through.
///
/// ```
/// use lambda_web_adapter::event::{classify, Source};
/// let v2: serde_json::Value = serde_json::json!({"version": "2.0", "rawPath": "/", "requestContext": {"http": {"method": "GET"}}});
/// assert_eq!(classify(&v2), Source::ApiGatewayV2);
/// assert_eq!(classify(&serde_json::json!({"Records": []})), Source::PassThrough);
/// ```
pub fn classify(event: &Value) -> Source {
    let Some(obj) = event.as_object() else { return Source::PassThrough };
    let context = obj.get("requestContext").and_then(Value::as_object);
    let has = |key: &str| context.is_some_and(|c| c.contains_key(key));
    let version = obj.get("version").and_then(Value::as_str);
    Rules {
        authorizer: obj.get("type").is_some_and(Value::is_string)
            && (obj.contains_key("methodArn") || obj.contains_key("routeArn")),
        elb: has("elb"),
        websocket: has("connectionId") && has("eventType"),
        version,
        v2_http: has("http") || obj.contains_key("rawPath"),
        function_url_domain: context
            .and_then(|c| c.get("domainName"))
            .and_then(Value::as_str)
            .is_some_and(|d| d.contains(".lambda-url.")),
        lattice_v2: obj.contains_key("method") || has("targetGroupArn") || has("serviceNetworkArn"),
        lattice_v1: obj.contains_key("raw_path"),
        rest: context.is_some() && (obj.contains_key("httpMethod") || (has("resourcePath") && has("stage"))),
    }
    .source()
}

/// The facts [`classify`] decides on, gathered by either event reader, so both apply
/// the same rules in the same order.
pub(crate) struct Rules<'a> {
    pub(crate) authorizer: bool,
    pub(crate) elb: bool,
    pub(crate) websocket: bool,
    pub(crate) version: Option<&'a str>,
    pub(crate) v2_http: bool,
    pub(crate) function_url_domain: bool,
    pub(crate) lattice_v2: bool,
    pub(crate) lattice_v1: bool,
    pub(crate) rest: bool,
}

impl Rules<'_> {
    pub(crate) fn source(&self) -> Source {
        if self.authorizer {
            Source::PassThrough
        } else if self.elb {
            Source::Alb
        } else if self.websocket {
            Source::WebSocket
        } else if self.version == Some("2.0") && self.v2_http {
            if self.function_url_domain {
                Source::FunctionUrl
            } else {
                Source::ApiGatewayV2
            }
        } else if self.version == Some("2.0") && self.lattice_v2 {
            Source::VpcLatticeV2
        } else if self.lattice_v1 {
            Source::VpcLatticeV1
        } else if self.rest {
            if self.version == Some("1.0") {
                Source::HttpApiV1
            } else {
                Source::ApiGatewayV1
            }
        } else {
            Source::PassThrough
        }
    }
}

/// Turns one event into the request the app receives.
pub fn translate(event: &[u8], ctx: &InvokeContext, config: &Config) -> Result<Translation, EventError> {
    match fast::read(event) {
        Some(fast::Fast::PassThrough) => return pass_through::translate(event, ctx, config),
        Some(fast::Fast::Http(read)) => {
            let mut view = read.view();
            view.request_context = read.request_context.map(|raw| minify(raw.get()));
            return build(read.source, view, ctx, config, Vec::new());
        }
        None => {}
    }
    slow_path(event, ctx, config)
}

/// The `Value`-based readers: anything the fast path does not take, which they read
/// field by field, naming a problem or dropping what is odd with a warning.
fn slow_path(event: &[u8], ctx: &InvokeContext, config: &Config) -> Result<Translation, EventError> {
    let value = match slim::parse(event).map_err(|e| EventError::NotJson(e.to_string()))? {
        Some(map) => Value::Object(map),
        None => return pass_through::translate(event, ctx, config),
    };
    let source = classify(&value);
    let mut warnings = Vec::new();
    let mut http_event = match (source, value.as_object()) {
        (Source::PassThrough, _) | (_, None) => {
            return pass_through::translate(event, ctx, config);
        }
        (Source::ApiGatewayV1 | Source::HttpApiV1, Some(map)) => apigw_v1::read(Obj::root(source, map), &mut warnings)?,
        (Source::WebSocket, Some(map)) => websocket::read(Obj::root(source, map), &mut warnings)?,
        (Source::VpcLatticeV1, Some(map)) => lattice::read_v1(Obj::root(source, map), &mut warnings)?,
        (Source::VpcLatticeV2, Some(map)) => lattice::read_v2(Obj::root(source, map), &mut warnings)?,
        (Source::ApiGatewayV2 | Source::FunctionUrl, Some(map)) => {
            apigw_v2::read(Obj::root(source, map), &mut warnings)?
        }
        (Source::Alb, Some(map)) => alb::read(Obj::root(source, map), &mut warnings)?,
    };
    let raw_context = raw_request_context(event);
    // Only an object is a request context; the sources that classify by it require one,
    // VPC Lattice does not (v1 has none): anything else is left out, with a warning.
    let is_object = |raw: &&serde_json::value::RawValue| raw.get().trim_start().starts_with('{');
    if let Some(raw) = raw_context.filter(|raw| !is_object(raw) && raw.get() != "null") {
        warnings.push(format!("requestContext is not an object ({:.40}); no x-amzn-request-context sent", raw.get()));
    }
    http_event.request_context = raw_context.filter(is_object).map(|raw| minify(raw.get()));
    if raw_context.is_none() && value.get("requestContext").is_some_and(|v| !v.is_null()) {
        // Its raw reader refuses only a repeated requestContext: which one is the real
        // one cannot be told, and the app never gets a request without it (fail closed).
        return Err(EventError::Field {
            kind: source,
            field: "requestContext".to_owned(),
            problem: "appears more than once".to_owned(),
        });
    }
    build(source, http_event, ctx, config, warnings)
}

/// The event's `requestContext` exactly as sent.
fn raw_request_context(event: &[u8]) -> Option<&serde_json::value::RawValue> {
    #[derive(serde::Deserialize)]
    struct Raw<'a> {
        #[serde(rename = "requestContext", borrow, default)]
        request_context: Option<&'a serde_json::value::RawValue>,
    }
    serde_json::from_slice::<Raw<'_>>(event).ok()?.request_context
}

/// JSON text without the whitespace between tokens (strings untouched), so a
/// pretty-printed `requestContext` fits in one header line exactly as sent otherwise.
///
/// ```
/// # use lambda_web_adapter::event::minify;
/// assert_eq!(minify("{ \"a\" : [1, 2],\n \"b\": \"x y\" }"), "{\"a\":[1,2],\"b\":\"x y\"}");
/// ```
pub fn minify(json: &str) -> std::borrow::Cow<'_, str> {
    let is_space = |b: u8| matches!(b, b' ' | b'\n' | b'\r' | b'\t');
    let bytes = json.as_bytes();
    if !bytes.iter().copied().any(is_space) {
        return std::borrow::Cow::Borrowed(json);
    }
    // Byte-wise: the bytes that matter (quote, backslash, whitespace) are ASCII and never
    // part of a multi-byte UTF-8 sequence, so runs of other bytes are copied whole.
    let mut out = String::with_capacity(json.len());
    let (mut in_string, mut escaped, mut run) = (false, false, 0);
    for (i, &b) in bytes.iter().enumerate() {
        if in_string {
            if escaped {
                escaped = false;
            } else if b == b'\\' {
                escaped = true;
            } else if b == b'"' {
                in_string = false;
            }
        } else if b == b'"' {
            in_string = true;
        } else if is_space(b) {
            out.push_str(&json[run..i]);
            run = i + 1;
        }
    }
    out.push_str(&json[run..]);
    std::borrow::Cow::Owned(out)
}

/// The longest request target (path and query) sent to the app. The `http` crate takes
/// URIs of up to 65,534 bytes, the app's authority included; this leaves room for any
/// `host:port`. Front doors deliver far less (API Gateway about 10 KB, ALB 16 KB), so only
/// hand-made events come near it; they get 414 rather than a connection error later.
pub const MAX_TARGET: usize = 64 * 1024 - 1024;

/// The standard alphabet, tolerant of missing padding.
const BASE64: base64::engine::GeneralPurpose = base64::engine::GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    base64::engine::GeneralPurposeConfig::new()
        .with_decode_padding_mode(base64::engine::DecodePaddingMode::Indifferent),
);

fn build(
    source: Source,
    event: HttpEvent<'_>,
    ctx: &InvokeContext,
    config: &Config,
    mut warnings: Vec<String>,
) -> Result<Translation, EventError> {
    // Fault injection for the suite's self-test: lose the cookies, as a buggy adapter
    // would. Here, where both event paths meet, so neither escapes it.
    #[cfg(feature = "fault-drop-cookies")]
    let event = HttpEvent { cookies: Vec::new(), ..event };
    let refused = |shape: ResponseShape, err: headers::HeaderError, warnings: Vec<String>| match err {
        headers::HeaderError::TooLarge(message) => Ok(Translation::Reject {
            shape,
            status: http::StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            message,
            warnings,
        }),
        headers::HeaderError::Context(name) => Err(EventError::ContextHeader { name }),
    };
    // Before any header map is built: more headers than a front door delivers are refused
    // (and a map past http's capacity would panic).
    let checked = headers::check_limits(&event.headers, &event.cookies)
        .and_then(|()| headers::from_pairs(event.headers.iter().copied(), &mut warnings));
    let mut headers = match checked {
        Ok(headers) => headers,
        Err(err) => {
            let shape = ResponseShape { source, multi_value: event.multi_value, accept_encoding: None };
            return refused(shape, err, warnings);
        }
    };
    if let Some(cookie) = one_cookie_header(&headers, &event.cookies, &mut warnings) {
        if let Err(full) = headers.try_insert(http::header::COOKIE, cookie) {
            let shape = ResponseShape { source, multi_value: event.multi_value, accept_encoding: None };
            return refused(shape, headers::HeaderError::full(full), warnings);
        }
    }
    let shape = ResponseShape {
        source,
        multi_value: event.multi_value,
        accept_encoding: headers.get(http::header::ACCEPT_ENCODING).cloned(),
    };

    let body = match event.body {
        None => Bytes::new(),
        Some(text) if event.base64 => match BASE64.decode(text) {
            Ok(bytes) => Bytes::from(bytes),
            Err(err) => {
                let message = format!("the request body is marked isBase64Encoded but is not valid base64: {err}");
                return Ok(Translation::Reject { shape, status: http::StatusCode::BAD_REQUEST, message, warnings });
            }
        },
        Some(text) => Bytes::copy_from_slice(text.as_bytes()),
    };

    let method = match Method::from_bytes(event.method.as_bytes()) {
        Ok(method) => method,
        Err(_) => {
            let message = format!("{:?} is not an HTTP method", event.method);
            return Ok(Translation::Reject { shape, status: http::StatusCode::BAD_REQUEST, message, warnings });
        }
    };

    let path = match &config.remove_base_path {
        Some(base) => uri::strip_base_path(&event.path, base),
        None => std::borrow::Cow::Borrowed(event.path.as_ref()),
    };
    let mut target = uri::sanitize_path(&path).into_owned();
    // Fault injection for the suite's self-test: the query's pairs in reverse order.
    #[cfg(feature = "fault-query-reversed")]
    let event = HttpEvent { query: event.query.split('&').rev().collect::<Vec<_>>().join("&"), ..event };
    if !event.query.is_empty() {
        target.push('?');
        target.push_str(&uri::sanitize_query(&event.query));
    }
    if target.len() > MAX_TARGET {
        let message = format!(
            "the request path and query are {} bytes, more than the {MAX_TARGET} the adapter sends",
            target.len()
        );
        return Ok(Translation::Reject { shape, status: http::StatusCode::URI_TOO_LONG, message, warnings });
    }

    let finished = headers::prepare_for_app(&mut headers, &body, &method, &mut warnings)
        .and_then(|()| headers::apply_authorization_source(&mut headers, config.authorization_source.as_ref()))
        .and_then(|()| match &event.request_context {
            Some(context) => headers::insert_json(&mut headers, "x-amzn-request-context", context),
            None => Ok(()),
        })
        .and_then(|()| headers::insert_invoke_context(&mut headers, ctx, &config.function, &mut warnings));
    if let Err(err) = finished {
        return refused(shape, err, warnings);
    }

    let mut request = http::Request::new(body);
    *request.method_mut() = method;
    *request.headers_mut() = headers;
    match target.parse::<http::Uri>() {
        Ok(uri) => *request.uri_mut() = uri,
        Err(err) => {
            let message = format!("the request path {target:?} is not a valid URI: {err}");
            return Ok(Translation::Reject { shape, status: http::StatusCode::BAD_REQUEST, message, warnings });
        }
    }
    Ok(Translation::Forward { request, shape, warnings })
}

/// The one `Cookie` header the app gets when the event has several cookie lines (REST
/// and ALB `multiValueHeaders`, an HTTP/2 client's split cookies) or a `cookies` field:
/// every line, then every `cookies` entry, joined with `; `. HTTP/1.1 allows one Cookie
/// line (RFC 6265, section 5.4; RFC 9113, section 8.2.3 for the HTTP/2 split), and
/// frameworks read only the first. `None` when there is nothing to join.
fn one_cookie_header(headers: &HeaderMap, cookies: &[&str], warnings: &mut Vec<String>) -> Option<HeaderValue> {
    let lines = headers.get_all(http::header::COOKIE);
    if cookies.is_empty() && lines.iter().nth(1).is_none() {
        return None;
    }
    let valid = cookies.iter().filter(|cookie| {
        let ok = HeaderValue::from_str(cookie).is_ok();
        if !ok {
            warnings.push(format!("cookie {cookie:?} is not a valid header value; dropped"));
        }
        ok
    });
    let mut joined = Vec::new();
    for crumb in lines.iter().map(HeaderValue::as_bytes).chain(valid.map(|c| c.as_bytes())) {
        if crumb.is_empty() {
            continue;
        }
        if !joined.is_empty() {
            joined.extend_from_slice(b"; ");
        }
        joined.extend_from_slice(crumb);
    }
    // Valid header values joined with "; " are a valid header value.
    HeaderValue::from_bytes(&joined).ok()
}

/// Headers the app must see from the adapter only: every client copy is removed.
const RESERVED: [&str; 3] = ["x-amzn-request-context", "x-amzn-lambda-context", "x-amz-tenant-id"];

/// Set by the adapter from the invocation, replacing a client copy in place; kept from the
/// client only when Lambda sends no trace id, and only under its exact name.
const TRACE_ID: &str = "x-amzn-trace-id";

/// `name` is `reserved` up to ASCII case and `_` for `-`: WSGI, Rack and CGI servers map
/// both `x_amzn_request_context` and `x-amzn-request-context` to
/// `HTTP_X_AMZN_REQUEST_CONTEXT`, so either spelling would pass for the adapter's header.
fn imitates(name: &str, reserved: &str) -> bool {
    name.len() == reserved.len()
        && name.bytes().zip(reserved.bytes()).all(|(n, r)| {
            let n = if n == b'_' { b'-' } else { n.to_ascii_lowercase() };
            n == r
        })
}

/// Removes the client's copies of the headers the app must see from the adapter only,
/// under any spelling that imitates one (see [`imitates`]); spellings other than the exact
/// name are reported in `warnings`.
pub(crate) fn context_headers(map: &mut HeaderMap, warnings: &mut Vec<String>) {
    let spoofed: Vec<http::HeaderName> = map
        .keys()
        .filter(|name| {
            let name = name.as_str();
            RESERVED.iter().any(|r| imitates(name, r)) || (name != TRACE_ID && imitates(name, TRACE_ID))
        })
        .cloned()
        .collect();
    for name in spoofed {
        if !RESERVED.contains(&name.as_str()) {
            warnings.push(format!("header {name} imitates a header only the adapter sets; dropped"));
        }
        map.remove(&name);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> Config {
        Config::from_lookup(|k| (k == "AWS_LAMBDA_RUNTIME_API").then(|| "127.0.0.1:9001".to_owned())).unwrap().0
    }

    fn summary(t: Result<Translation, EventError>) -> String {
        match t {
            Ok(Translation::Forward { request, shape, warnings }) => format!(
                "{:?} {} {} {:?} {:?} {:?}",
                shape,
                request.method(),
                request.uri(),
                request.headers(),
                request.body(),
                warnings
            ),
            Ok(Translation::Reject { shape, status, message, .. }) => format!("{shape:?} {status} {message}"),
            Err(err) => err.to_string(),
        }
    }

    /// An event of each HTTP source whose headers are `headers` (name, value); with
    /// `odd`, one more header whose value is a number, which the fast path refuses, so the
    /// `Value`-based readers take the event.
    fn events_with_headers(headers: &[(String, String)], odd: bool) -> Vec<(&'static str, Vec<u8>)> {
        let mut single = serde_json::Map::new();
        let mut multi = serde_json::Map::new();
        for (name, value) in headers {
            single.insert(name.clone(), Value::String(value.clone()));
            multi.insert(name.clone(), serde_json::json!([value]));
        }
        if odd {
            single.insert("x-odd".into(), serde_json::json!(1));
            multi.insert("x-odd".into(), serde_json::json!(1));
        }
        let v2 = serde_json::json!({
            "version": "2.0", "rawPath": "/", "rawQueryString": "", "headers": single,
            "requestContext": {"http": {"method": "GET"}, "domainName": "x.execute-api.us-east-1.amazonaws.com"}
        });
        let v1 = serde_json::json!({
            "httpMethod": "GET", "path": "/", "headers": single, "multiValueHeaders": multi,
            "requestContext": {"resourcePath": "/", "stage": "prod"}
        });
        let alb = serde_json::json!({
            "httpMethod": "GET", "path": "/", "multiValueHeaders": multi,
            "requestContext": {"elb": {"targetGroupArn": "arn"}}
        });
        [("v2", v2), ("v1", v1), ("alb", alb)].into_iter().map(|(name, e)| (name, e.to_string().into_bytes())).collect()
    }

    fn assert_refused_431(headers: &[(String, String)]) {
        let ctx = InvokeContext { request_id: "r".into(), trace_id: Some("Root=1".into()), ..Default::default() };
        let config = config();
        for odd in [false, true] {
            for (name, event) in events_with_headers(headers, odd) {
                // Both readers must be exercised: the fast one takes the event unless `odd`.
                assert_eq!(matches!(fast::read(&event), Some(fast::Fast::Http(_))), !odd, "{name}: path taken");
                match translate(&event, &ctx, &config) {
                    Ok(Translation::Reject { status, .. }) => {
                        assert_eq!(status, http::StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE, "{name}, odd {odd}")
                    }
                    other => panic!("{name}, odd {odd}: expected a 431, got {}", summary(other)),
                }
            }
        }
    }

    /// Regression (issue 14): `HeaderMap::append` panics past about 24,576 distinct names,
    /// and with `panic = "abort"` the adapter died without reporting the invocation. An
    /// event with more headers than any front door delivers is refused with a 431.
    #[test]
    fn event_with_30000_header_names_is_refused_not_a_panic() {
        let headers: Vec<_> = (0..30_000).map(|i| (format!("x-h-{i}"), "v".to_owned())).collect();
        assert_refused_431(&headers);
    }

    /// Regression (issue 14): header bytes were unbounded; a few huge values went to the app.
    #[test]
    fn event_with_huge_header_values_is_refused() {
        let headers: Vec<_> = (0..4).map(|i| (format!("x-big-{i}"), "a".repeat(256 * 1024))).collect();
        assert_refused_431(&headers);
    }

    /// The caps are above what the front doors allow: a request at ALB's 64 KB limit passes.
    #[test]
    fn event_at_the_front_door_header_limits_is_forwarded() {
        let headers: Vec<_> = (0..8).map(|i| (format!("x-big-{i}"), "a".repeat(8 * 1024 - 16))).collect();
        let ctx = InvokeContext::default();
        for (name, event) in events_with_headers(&headers, false) {
            match translate(&event, &ctx, &config()) {
                Ok(Translation::Forward { request, .. }) => {
                    assert!(request.headers().contains_key("x-big-7"), "{name}")
                }
                other => panic!("{name}: expected a request, got {}", summary(other)),
            }
        }
    }

    /// The fast path must translate every corpus event exactly as the Value-based readers
    /// do, and must take the common well-formed events (or it would save nothing).
    #[test]
    fn fast_path_agrees_with_the_value_readers_on_the_whole_corpus() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/events");
        let mut stack = vec![root];
        let (mut fast_http, mut fast_pass, mut total) = (0, 0, 0);
        let ctx = InvokeContext { request_id: "r".into(), trace_id: Some("Root=1".into()), ..Default::default() };
        let config = config();
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(&dir).unwrap().flatten() {
                let path = entry.path();
                if path.is_dir() {
                    stack.push(path);
                    continue;
                }
                let event = std::fs::read(&path).unwrap();
                total += 1;
                match fast::read(&event) {
                    Some(fast::Fast::Http(_)) => fast_http += 1,
                    Some(fast::Fast::PassThrough) => fast_pass += 1,
                    None => {}
                }
                assert_eq!(
                    summary(translate(&event, &ctx, &config)),
                    summary(slow_path(&event, &ctx, &config)),
                    "{}",
                    path.display()
                );
            }
        }
        assert!(
            fast_http >= 300 && fast_pass >= 100,
            "fast path took {fast_http} HTTP and {fast_pass} pass-through of {total}"
        );
    }

    /// An event with the JSON at `pointer` replaced by `json`.
    trait ReplaceJson {
        fn replace_json(self, pointer: &str, json: &str) -> Vec<u8>;
    }

    impl ReplaceJson for Vec<u8> {
        fn replace_json(self, pointer: &str, json: &str) -> Vec<u8> {
            let mut event: Value = serde_json::from_slice(&self).unwrap();
            *event.pointer_mut(pointer).unwrap() = serde_json::from_str(json).unwrap();
            event.to_string().into_bytes()
        }
    }

    /// Regression (issue 14): the paths disagreed on what only the fast path skips over:
    /// nesting deeper than serde_json's Value allows, and bytes that are not UTF-8, in
    /// fields the adapter does not read. Every variant must get the same answer from both.
    #[test]
    fn fast_path_agrees_with_the_value_readers_on_hostile_json() {
        let ctx = InvokeContext { request_id: "r".into(), trace_id: Some("Root=1".into()), ..Default::default() };
        let config = config();
        let deep = |n: usize| format!("{}1{}", "[".repeat(n), "]".repeat(n));
        let v2 = |extra: &str, context_extra: &str| {
            format!(
                r#"{{"version":"2.0","rawPath":"/p","rawQueryString":"","headers":{{"host":"h"}},{extra}"requestContext":{{"http":{{"method":"GET"}},"domainName":"h"{context_extra}}},"isBase64Encoded":false}}"#
            )
            .into_bytes()
        };
        let v1 = |extra: &str| {
            format!(
                r#"{{"httpMethod":"GET","path":"/p","headers":{{"host":"h"}},{extra}"requestContext":{{"stage":"s"}},"isBase64Encoded":false}}"#
            )
            .into_bytes()
        };
        let mut non_utf8 = v2(r#""unknown":"x","#, "");
        let at = non_utf8.windows(3).position(|w| w == br#""x""#).unwrap() + 1;
        non_utf8[at] = 0xff;
        let cases: Vec<(&str, Vec<u8>)> = vec![
            ("v2, an unknown field nested 100 deep", v2(&format!(r#""unknown":{},"#, deep(100)), "")),
            ("v2, an unknown field nested 200 deep", v2(&format!(r#""unknown":{},"#, deep(200)), "")),
            ("v2, requestContext nested 200 deep", v2("", &format!(r#","authorizer":{}"#, deep(200)))),
            ("v1, an unknown field nested 200 deep", v1(&format!(r#""unknown":{},"#, deep(200)))),
            ("v2, a non-UTF-8 byte in an unknown field", non_utf8),
            ("a pass-through array nested 200 deep", deep(200).into_bytes()),
            // Found by fuzzing (issue 14): serde derives read arrays as structs, refuse or
            // keep repeated names differently than the Value readers, and skip without
            // validating what they do not read.
            (
                "an array shaped like an event",
                br#"["2.0", "GET", "/p", "/p", "", {"host": "h"}, null, null, null, null, null, false, {"http": {"method": "GET"}}]"#.to_vec(),
            ),
            ("v2, requestContext.http an array", v2("", "").replace_json("/requestContext/http", r#"["GET"]"#)),
            ("v2, requestContext twice", v2(r#""requestContext":{"http":{"method":"POST"}},"#, "")),
            ("v2, a header name twice", v2(r#""headers":{"a":"1","a":"2"},"#, "")),
            ("v1, a multi-value header name twice", v1(r#""multiValueHeaders":{"a":["1"],"a":["2"]},"#)),
            ("v1, a query name twice", v1(r#""queryStringParameters":{"q":"1","q":"2"},"#)),
            ("v2, a lone surrogate in an unknown field", v2(r#""unknown":"\ud800","#, "")),
            ("v2, a number out of range in an unknown field", v2(r#""unknown":1e999,"#, "")),
            ("v2, headers nested 200 deep", v2(&format!(r#""headers":{{"a":{}}},"#, deep(200)), "")),
        ];
        for (name, event) in cases {
            assert_eq!(summary(translate(&event, &ctx, &config)), summary(slow_path(&event, &ctx, &config)), "{name}");
        }
    }

    /// Regression (issue 14): cookies on several lines reached the app as several
    /// `Cookie` lines (HTTP/1.1 allows one; frameworks read the first), and an HTTP API
    /// event's `cookies` replaced a `cookie` header instead of joining it.
    #[test]
    fn cookies_reach_the_app_as_one_line() {
        let ctx = InvokeContext::default();
        let cookie_of = |event: &str| match translate(event.as_bytes(), &ctx, &config()).unwrap() {
            Translation::Forward { request, .. } => {
                let lines: Vec<_> = request.headers().get_all("cookie").iter().cloned().collect();
                assert!(lines.len() <= 1, "{} cookie lines", lines.len());
                lines.first().map(|v| v.to_str().unwrap().to_owned())
            }
            other => panic!("not forwarded: {other:?}"),
        };
        let v1 = r#"{"httpMethod":"GET","path":"/","requestContext":{"stage":"s"},
            "multiValueHeaders":{"Cookie":["a=1","b=2; c=3",""]}}"#;
        assert_eq!(cookie_of(v1).as_deref(), Some("a=1; b=2; c=3"));
        let v2 = r#"{"version":"2.0","rawPath":"/","requestContext":{"http":{"method":"GET"}},
            "headers":{"cookie":"h=0"},"cookies":["a=1","bad=\u0001","b=2"]}"#;
        assert_eq!(cookie_of(v2).as_deref(), Some("h=0; a=1; b=2"));
        let single = r#"{"httpMethod":"GET","path":"/","requestContext":{"stage":"s"},"headers":{"Cookie":"a=1"}}"#;
        assert_eq!(cookie_of(single).as_deref(), Some("a=1"));
    }

    /// Regression (issue 14): a request target near 64 KB passed translation, then failed
    /// as a connection error when the app's authority was added. Past [`MAX_TARGET`] it
    /// is a 414; at the limit it is forwarded and still fits with any authority.
    #[test]
    fn request_target_past_the_limit_is_a_414() {
        let ctx = InvokeContext::default();
        let event = |query_len: usize| {
            let query = "q".repeat(query_len);
            format!(
                r#"{{"version":"2.0","rawPath":"/p","rawQueryString":"{query}","requestContext":{{"http":{{"method":"GET"}}}}}}"#
            )
        };
        // "/p?" is 3 bytes.
        match translate(event(MAX_TARGET - 3).as_bytes(), &ctx, &config()).unwrap() {
            Translation::Forward { request, .. } => {
                let target = request.uri().path_and_query().unwrap().as_str();
                assert_eq!(target.len(), MAX_TARGET);
                let absolute = format!("http://{}:65535{target}", "h".repeat(253));
                assert!(absolute.parse::<http::Uri>().is_ok(), "the longest target fits with any authority");
            }
            other => panic!("not forwarded: {other:?}"),
        }
        match translate(event(MAX_TARGET - 2).as_bytes(), &ctx, &config()).unwrap() {
            Translation::Reject { status, .. } => assert_eq!(status, http::StatusCode::URI_TOO_LONG),
            other => panic!("not refused: {other:?}"),
        }
    }

    /// The request an event becomes, as `METHOD target`, from both readers (which must
    /// agree), with its source.
    fn request_line(event: &str) -> (Source, String) {
        let ctx = InvokeContext::default();
        let fast = summary(translate(event.as_bytes(), &ctx, &config()));
        assert_eq!(fast, summary(slow_path(event.as_bytes(), &ctx, &config())), "{event}");
        match translate(event.as_bytes(), &ctx, &config()).unwrap() {
            Translation::Forward { request, shape, .. } => {
                (shape.source, format!("{} {}", request.method(), request.uri()))
            }
            other => panic!("not forwarded: {other:?}"),
        }
    }

    /// Regression (issue 18): REQUEST authorizer events were proxied as HTTP requests and
    /// their answer wrapped in `{statusCode, ...}`, so API Gateway denied every caller.
    /// Every authorizer event passes through whole; its answer goes back as is.
    #[rstest::rstest]
    #[case::rest_request(r#"{"type":"REQUEST","methodArn":"arn:aws:execute-api:us-east-1:123456789012:a/s/GET/p","resource":"/p","path":"/p","httpMethod":"GET","headers":{},"requestContext":{"resourcePath":"/p","stage":"s"}}"#)]
    #[case::http_api_v2_request(r#"{"version":"2.0","type":"REQUEST","routeArn":"arn:aws:execute-api:us-east-1:123456789012:a/s/GET/p","rawPath":"/p","rawQueryString":"","requestContext":{"http":{"method":"GET"}}}"#)]
    #[case::http_api_v1_request(r#"{"version":"1.0","type":"REQUEST","methodArn":"arn","path":"/p","httpMethod":"GET","requestContext":{"stage":"s"}}"#)]
    #[case::websocket_request(r#"{"type":"REQUEST","methodArn":"arn","headers":{},"requestContext":{"routeKey":"$connect","eventType":"CONNECT","connectionId":"c="}}"#)]
    #[case::token(r#"{"type":"TOKEN","authorizationToken":"allow","methodArn":"arn"}"#)]
    fn authorizer_events_pass_through(#[case] event: &str) {
        assert_eq!(request_line(event), (Source::PassThrough, "POST /events".to_owned()));
    }

    #[rstest::rstest]
    #[case::websocket_connect(
        r#"{"headers":{"Host":"h"},"multiValueQueryStringParameters":{"t":["a b"]},"requestContext":{"routeKey":"$connect","eventType":"CONNECT","connectionId":"c="},"isBase64Encoded":false}"#,
        Source::WebSocket, "POST /websocket/$connect?t=a%20b"
    )]
    #[case::websocket_message_with_http_method(
        r#"{"httpMethod":"POST","body":"hi","requestContext":{"routeKey":"send message","eventType":"MESSAGE","connectionId":"c=","resourcePath":"/","stage":"s"}}"#,
        Source::WebSocket, "POST /websocket/send%20message"
    )]
    #[case::lattice_v1_query_in_raw_path(
        r#"{"raw_path":"/p?a=1&b","method":"GET","headers":{},"query_string_parameters":{"a":"1","b":""},"body":"","is_base64_encoded":false}"#,
        Source::VpcLatticeV1, "GET /p?a=1&b"
    )]
    #[case::lattice_v1_query_from_parameters(
        r#"{"raw_path":"/p","method":"GET","query_string_parameters":{"q":"a&b c"}}"#,
        Source::VpcLatticeV1,
        "GET /p?q=a%26b%20c"
    )]
    #[case::lattice_v2(
        r#"{"version":"2.0","path":"/p","method":"PUT","headers":{"x":["1","2"]},"queryStringParameters":{"k":["1","2"]},"requestContext":{"targetGroupArn":"arn"},"isBase64Encoded":false}"#,
        Source::VpcLatticeV2, "PUT /p?k=1&k=2"
    )]
    #[case::lattice_v1_request_context_not_an_object(
        r#"{"raw_path":"/p","method":"GET","requestContext":""}"#,
        Source::VpcLatticeV1,
        "GET /p"
    )]
    #[case::lattice_v2_plain_string_values(
        r#"{"version":"2.0","path":"/p","method":"GET","headers":{"x":"1"},"queryStringParameters":{"k":"1","j":["2"]},"requestContext":{"targetGroupArn":"arn"}}"#,
        Source::VpcLatticeV2, "GET /p?k=1&j=2"
    )]
    #[case::http_api_payload_1_0(
        r#"{"version":"1.0","httpMethod":"GET","path":"/p","multiValueQueryStringParameters":{"k":["1"]},"requestContext":{"stage":"$default"}}"#,
        Source::HttpApiV1, "GET /p?k=1"
    )]
    #[case::rest_without_version(
        r#"{"httpMethod":"GET","path":"/p","requestContext":{"stage":"s"}}"#,
        Source::ApiGatewayV1,
        "GET /p"
    )]
    fn newer_sources_are_read_by_their_own_rules(#[case] event: &str, #[case] source: Source, #[case] line: &str) {
        assert_eq!(request_line(event), (source, line.to_owned()));
    }

    /// WebSocket frames: a text frame is typed text/plain, a binary one arrives decoded
    /// and typed application/octet-stream; the request context reaches the app.
    #[test]
    fn websocket_frames_reach_the_app_typed() {
        let ctx = InvokeContext::default();
        let event = |body: &str, base64: bool| {
            format!(
                r#"{{"body":"{body}","isBase64Encoded":{base64},"requestContext":{{"routeKey":"$default","eventType":"MESSAGE","connectionId":"c="}}}}"#
            )
        };
        for (event, content_type, body) in [
            (event("hi", false), "text/plain; charset=utf-8", &b"hi"[..]),
            (event("AAEC", true), "application/octet-stream", &[0u8, 1, 2][..]),
        ] {
            match translate(event.as_bytes(), &ctx, &config()).unwrap() {
                Translation::Forward { request, .. } => {
                    assert_eq!(request.headers()["content-type"], content_type);
                    assert_eq!(request.body().as_ref(), body);
                    let context = request.headers()["x-amzn-request-context"].to_str().unwrap();
                    assert!(context.contains(r#""connectionId":"c=""#), "{context}");
                }
                other => panic!("not forwarded: {other:?}"),
            }
        }
    }

    /// Regression (issue 18): ALB wrote a query key with an empty value alone (`e`), REST
    /// wrote `e=`, so one app saw nil and "" for the same request.
    #[test]
    fn alb_empty_query_values_keep_their_equals_sign() {
        let alb =
            r#"{"httpMethod":"GET","path":"/p","queryStringParameters":{"e":"","f":"1"},"requestContext":{"elb":{}}}"#;
        assert_eq!(request_line(alb), (Source::Alb, "GET /p?e=&f=1".to_owned()));
        let multi = r#"{"httpMethod":"GET","path":"/p","multiValueQueryStringParameters":{"e":["",""]},"requestContext":{"elb":{}}}"#;
        assert_eq!(request_line(multi), (Source::Alb, "GET /p?e=&e=".to_owned()));
    }

    /// Found by fuzzing (issue 18): a VPC Lattice event whose requestContext is a string
    /// sent that string as x-amzn-request-context. Only an object is a request context.
    #[test]
    fn a_request_context_that_is_not_an_object_is_not_sent() {
        for context in [r#""""#, "[1]", "7", "null"] {
            let event = format!(r#"{{"raw_path":"/p","method":"GET","requestContext":{context}}}"#);
            match translate(event.as_bytes(), &InvokeContext::default(), &config()).unwrap() {
                Translation::Forward { request, warnings, .. } => {
                    assert!(!request.headers().contains_key("x-amzn-request-context"), "{context}");
                    assert_eq!(
                        warnings.iter().any(|w| w.contains("requestContext is not an object")),
                        context != "null"
                    );
                }
                other => panic!("not forwarded: {other:?}"),
            }
        }
    }
}
