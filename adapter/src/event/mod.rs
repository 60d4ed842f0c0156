//! Lambda events in, HTTP requests for the app out: pure, no I/O.
//!
//! [`translate`] classifies an event by its shape ([`Source`]), reads the fields of that
//! source (one module each), and builds the request the app receives. The rules are in
//! the crate docs; the corpus snapshots in `adapter/tests/` show them on real events.

mod alb;
mod apigw_v1;
mod apigw_v2;
mod fields;
mod headers;
mod pass_through;
mod uri;

use std::fmt;

use base64::Engine;
use bytes::Bytes;
use http::{HeaderMap, HeaderValue, Method};
use serde_json::Value;

use crate::config::Config;
use crate::context::InvokeContext;
use fields::Obj;
pub(crate) use headers::HOP_BY_HOP;

/// Where an event came from; decides how the request is read and the response written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
pub enum Source {
    /// API Gateway REST API (payload format 1.0), also HTTP API with payload 1.0.
    ApiGatewayV1,
    /// API Gateway HTTP API (payload format 2.0).
    ApiGatewayV2,
    /// Lambda Function URL (payload format 2.0 on a `lambda-url` domain).
    FunctionUrl,
    /// Application Load Balancer target group.
    Alb,
    /// Anything else that is JSON: SQS, SNS, S3, EventBridge, direct invokes...
    PassThrough,
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Source::ApiGatewayV1 => "API Gateway REST (v1)",
            Source::ApiGatewayV2 => "HTTP API (v2)",
            Source::FunctionUrl => "Function URL",
            Source::Alb => "ALB",
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
        /// The status (400).
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
    pub(crate) path: &'a str,
    /// The query string, already in wire form, without `?`.
    pub(crate) query: String,
    pub(crate) headers: Vec<(&'a str, &'a str)>,
    /// v2 `cookies`: joined into one `cookie` header.
    pub(crate) cookies: Vec<&'a str>,
    pub(crate) body: Option<&'a str>,
    pub(crate) base64: bool,
    pub(crate) request_context: Option<&'a Value>,
    pub(crate) multi_value: bool,
}

/// Classifies an event by its shape.
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
    if has("elb") {
        return Source::Alb;
    }
    if obj.get("version").and_then(Value::as_str) == Some("2.0") && (has("http") || obj.contains_key("rawPath")) {
        let domain = context.and_then(|c| c.get("domainName")).and_then(Value::as_str).unwrap_or("");
        return if domain.contains(".lambda-url.") { Source::FunctionUrl } else { Source::ApiGatewayV2 };
    }
    if context.is_some() && (obj.contains_key("httpMethod") || (has("resourcePath") && has("stage"))) {
        return Source::ApiGatewayV1;
    }
    Source::PassThrough
}

/// Turns one event into the request the app receives.
pub fn translate(event: &[u8], ctx: &InvokeContext, config: &Config) -> Result<Translation, EventError> {
    let value: Value = serde_json::from_slice(event).map_err(|e| EventError::NotJson(e.to_string()))?;
    let source = classify(&value);
    let mut warnings = Vec::new();
    let http_event = match (source, value.as_object()) {
        (Source::PassThrough, _) | (_, None) => {
            return Ok(pass_through::translate(event, ctx, config));
        }
        (Source::ApiGatewayV1, Some(map)) => apigw_v1::read(Obj::root(source, map), &mut warnings)?,
        (Source::ApiGatewayV2 | Source::FunctionUrl, Some(map)) => {
            apigw_v2::read(Obj::root(source, map), &mut warnings)?
        }
        (Source::Alb, Some(map)) => alb::read(Obj::root(source, map), &mut warnings)?,
    };
    Ok(build(source, http_event, ctx, config, warnings))
}

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
) -> Translation {
    let mut headers = headers::from_pairs(event.headers.iter().copied(), &mut warnings);
    if !event.cookies.is_empty() {
        match HeaderValue::from_str(&event.cookies.join("; ")) {
            Ok(cookie) => {
                headers.insert(http::header::COOKIE, cookie);
            }
            Err(_) => warnings.push("cookies are not a valid header value; dropped".to_owned()),
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
                return Translation::Reject { shape, status: http::StatusCode::BAD_REQUEST, message, warnings };
            }
        },
        Some(text) => Bytes::copy_from_slice(text.as_bytes()),
    };

    let method = match Method::from_bytes(event.method.as_bytes()) {
        Ok(method) => method,
        Err(_) => {
            let message = format!("{:?} is not an HTTP method", event.method);
            return Translation::Reject { shape, status: http::StatusCode::BAD_REQUEST, message, warnings };
        }
    };

    let path = match &config.remove_base_path {
        Some(base) => uri::strip_base_path(event.path, base),
        None => event.path.into(),
    };
    let mut target = uri::sanitize_path(&path).into_owned();
    if !event.query.is_empty() {
        target.push('?');
        target.push_str(&uri::sanitize_query(&event.query));
    }

    headers::prepare_for_app(&mut headers, &body, &method, &mut warnings);
    headers::apply_authorization_source(&mut headers, config.authorization_source.as_ref());
    if let Some(context) = event.request_context {
        headers::insert_json(&mut headers, "x-amzn-request-context", &context.to_string(), &mut warnings);
    }
    headers::insert_invoke_context(&mut headers, ctx, &config.function, &mut warnings);

    let mut request = http::Request::new(body);
    *request.method_mut() = method;
    *request.headers_mut() = headers;
    match target.parse::<http::Uri>() {
        Ok(uri) => *request.uri_mut() = uri,
        Err(err) => {
            let message = format!("the request path {target:?} is not a valid URI: {err}");
            return Translation::Reject { shape, status: http::StatusCode::BAD_REQUEST, message, warnings };
        }
    }
    Translation::Forward { request, shape, warnings }
}

/// Headers the app must see from the adapter only.
pub(crate) fn context_headers(map: &mut HeaderMap) {
    for name in ["x-amzn-request-context", "x-amzn-lambda-context", "x-amz-tenant-id"] {
        map.remove(name);
    }
}
