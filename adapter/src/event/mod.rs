//! Lambda events in, HTTP requests for the app out: pure, no I/O.
//!
//! [`translate`] classifies an event by its shape ([`Source`]), reads the fields of that
//! source (one module each, whose rules both readers apply: the fast borrowed one and the
//! `Value`-based one), and builds the request the app receives. The rules are in
//! the crate docs; the corpus snapshots in `adapter/tests/` show them on real events.

mod alb;
mod apigw_v1;
mod apigw_v2;
mod borrowed;
mod fast;
mod fields;
mod headers;
mod lattice;
mod pass_through;
mod request;
mod request_context;
mod slim;
mod uri;
mod websocket;

use std::fmt;

use bytes::Bytes;
use http::HeaderValue;
use serde_json::Value;

use crate::config::Config;
use crate::context::InvokeContext;
use fields::{Obj, ValueEvent};
pub(crate) use headers::{connection_options, remove_hop_by_hop, HOP_BY_HOP};
pub use headers::{MAX_HEADER_BYTES, MAX_HEADER_COUNT};
pub use request::MAX_TARGET;
use request::{build, context_headers};
pub use request_context::minify;
use request_context::raw_request_context;

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

impl Source {
    /// Every source, in the order declared.
    pub const ALL: [Source; 9] = {
        use Source::*;
        [ApiGatewayV1, HttpApiV1, ApiGatewayV2, FunctionUrl, Alb, WebSocket, VpcLatticeV1, VpcLatticeV2, PassThrough]
    };
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
        (Source::ApiGatewayV1 | Source::HttpApiV1, Some(map)) => {
            apigw_v1::read(&mut ValueEvent { obj: Obj::root(source, map), warnings: &mut warnings })?.into()
        }
        (Source::WebSocket, Some(map)) => websocket::read(Obj::root(source, map), &mut warnings)?,
        (Source::VpcLatticeV1, Some(map)) => lattice::read_v1(Obj::root(source, map), &mut warnings)?,
        (Source::VpcLatticeV2, Some(map)) => lattice::read_v2(Obj::root(source, map), &mut warnings)?,
        (Source::ApiGatewayV2 | Source::FunctionUrl, Some(map)) => {
            apigw_v2::read(&mut ValueEvent { obj: Obj::root(source, map), warnings: &mut warnings })?.into()
        }
        (Source::Alb, Some(map)) => {
            alb::read(&mut ValueEvent { obj: Obj::root(source, map), warnings: &mut warnings })?.into()
        }
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

#[cfg(test)]
mod tests {
    use super::*;

    pub(super) fn config() -> Config {
        Config::from_lookup(|k| (k == "AWS_LAMBDA_RUNTIME_API").then(|| "127.0.0.1:9001".to_owned())).unwrap().0
    }

    pub(super) fn summary(t: Result<Translation, EventError>) -> String {
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

    /// Each fact of a classification rule alone, without its partner (found by `just
    /// mutants`: the corpus has only complete events, so the fast path could misread a
    /// half-formed one unnoticed). Both readers must answer the same.
    #[test]
    fn fast_path_agrees_with_the_value_readers_on_each_classification_fact() {
        let ctx = InvokeContext { request_id: "r".into(), ..Default::default() };
        let config = config();
        let rest_in = |extra: &str, context: &str| {
            format!(
                r#"{{"httpMethod":"GET","path":"/p","headers":{{"host":"h"}},{extra}"requestContext":{{"stage":"s"{context}}}}}"#
            )
        };
        let rest = |extra: &str| rest_in(extra, "");
        let lattice = |method: &str, context: &str| {
            format!(
                r#"{{"version":"2.0",{method}"path":"/p","headers":{{"host":"h"}},"requestContext":{{{context}}}}}"#
            )
        };
        use Source::*;
        let cases = [
            ("an authorizer's type without an ARN", rest(r#""type":"TOKEN","#), ApiGatewayV1),
            ("a methodArn without a type", rest(r#""methodArn":"arn:m","#), ApiGatewayV1),
            ("a routeArn without a type", rest(r#""routeArn":"arn:r","#), ApiGatewayV1),
            ("a REQUEST authorizer", rest(r#""type":"REQUEST","methodArn":"arn:m","#), PassThrough),
            ("a WebSocket connectionId without an eventType", rest_in("", r#","connectionId":"c""#), ApiGatewayV1),
            ("a WebSocket eventType without a connectionId", rest_in("", r#","eventType":"MESSAGE""#), ApiGatewayV1),
            ("Lattice v2 by its method only", lattice(r#""method":"GET","#, ""), VpcLatticeV2),
            ("Lattice v2 by its target group only", lattice("", r#""targetGroupArn":"arn:t""#), VpcLatticeV2),
            ("Lattice v2 by its service network only", lattice("", r#""serviceNetworkArn":"arn:s""#), VpcLatticeV2),
            ("Lattice v2 complete", lattice(r#""method":"GET","#, r#""targetGroupArn":"arn:t""#), VpcLatticeV2),
        ];
        for (name, event, source) in cases {
            let event = event.into_bytes();
            let value: Value = serde_json::from_slice(&event).unwrap();
            // Absolute as well as relative: the fast path gives some shapes (Lattice) to
            // the Value readers, so agreement alone cannot catch a wrong rule there.
            assert_eq!(classify(&value), source, "{name}");
            assert_eq!(
                summary(translate(&event, &ctx, &config)),
                summary(slow_path(&event, &ctx, &config)),
                "{name}: classified {:?}",
                classify(&value)
            );
        }
    }

    /// An HTTP API event broken twice is refused for its missing `requestContext.http`
    /// first, the field that makes it an HTTP API event (found by `just mutants`).
    #[test]
    fn a_v2_event_without_request_context_http_is_refused_for_it_first() {
        let event = br#"{"version":"2.0","rawPath":"/p","cookies":"a=1","requestContext":{"domainName":"h"}}"#;
        let err = match translate(event, &InvokeContext::default(), &config()) {
            Err(err) => err.to_string(),
            Ok(_) => panic!("a v2 event without requestContext.http was translated"),
        };
        assert!(err.contains("requestContext.http"), "{err}");
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
