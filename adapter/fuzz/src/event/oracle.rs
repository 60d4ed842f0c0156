//! The oracle of both event targets: a translation checked against the event it came
//! from (the source, a refusal's answer, every header and the body of a forwarded request).

use std::fmt;

use base64::Engine;
use http::header::{ACCEPT_ENCODING, CONTENT_LENGTH, COOKIE, HOST};
use http::{HeaderMap, HeaderValue, Method};
use lambda_web_adapter::event::{
    classify, translate, EventError, ResponseShape, Source, Translation, MAX_HEADER_BYTES, MAX_HEADER_COUNT,
};
use lambda_web_adapter::response::reject;
use serde_json::Value;

use super::{describe, Setup, Summary};
use crate::{is_hop_by_hop, known};

/// Headers only the adapter sets: a client's copy never reaches the app.
pub const RESERVED: [&str; 3] = ["x-amzn-request-context", "x-amzn-lambda-context", "x-amz-tenant-id"];

/// Set by the adapter when Lambda sends a trace id; otherwise the client's, under this exact name only.
pub const TRACE_ID: &str = "x-amzn-trace-id";

/// `name` is `reserved` up to ASCII case and `_` for `-` (how WSGI, Rack and CGI see it).
pub fn imitates(name: &str, reserved: &str) -> bool {
    name.len() == reserved.len()
        && name.bytes().zip(reserved.bytes()).all(|(n, r)| (if n == b'_' { b'-' } else { n.to_ascii_lowercase() }) == r)
}

fn values<'a>(headers: &'a HeaderMap, name: &str) -> Vec<&'a [u8]> {
    headers.get_all(name).iter().map(HeaderValue::as_bytes).collect()
}

/// Translates `event` and checks the answer against the event itself; the parsed event
/// when it is JSON. Unless `strict`, inputs that show a known finding are let through.
pub fn check(event: &[u8], setup: &Setup, strict: bool) -> Option<(Value, Result<Translation, EventError>)> {
    if !strict && known::open_finding(event) {
        return None;
    }
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
