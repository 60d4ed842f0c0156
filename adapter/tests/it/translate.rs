//! Behaviours switched on by configuration, through the public translation API.

use std::collections::HashMap;

use bytes::Bytes;
use lambda_web_adapter::context::InvokeContext;
use lambda_web_adapter::event::{translate, ResponseShape, Translation};
use lambda_web_adapter::response::{encode, EncodeOptions};
use lambda_web_adapter::{Config, InvocationError};
use rstest::rstest;
use serde_json::{json, Value};

fn config(pairs: &[(&str, &str)]) -> Config {
    let mut env: HashMap<String, String> = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    env.insert("AWS_LAMBDA_RUNTIME_API".into(), "127.0.0.1:9001".into());
    Config::from_lookup(|k| env.get(k).cloned()).unwrap().0
}

fn v2(raw_path: &str, headers: Value) -> Vec<u8> {
    json!({
        "version": "2.0", "rawPath": raw_path, "rawQueryString": "", "headers": headers,
        "requestContext": {"http": {"method": "GET"}, "domainName": "x.execute-api.us-east-1.amazonaws.com"}
    })
    .to_string()
    .into_bytes()
}

fn forward(event: &[u8], config: &Config) -> (http::Request<Bytes>, ResponseShape) {
    match translate(event, &InvokeContext::default(), config).unwrap() {
        Translation::Forward { request, shape, .. } => (request, shape),
        other => panic!("expected a request, got {other:?}"),
    }
}

#[rstest]
#[case("/api", "/api/items", "/items")]
#[case("/api", "/api", "/")]
#[case("/api", "/apix/items", "/apix/items")]
#[case("/api", "/api/api/items", "/api/items")]
#[case("/api/", "/api/items", "/items")]
#[case("/api", "/api%2Fitems", "/api%2Fitems")]
fn remove_base_path(#[case] base: &str, #[case] raw_path: &str, #[case] expected: &str) {
    let (request, _) = forward(&v2(raw_path, json!({})), &config(&[("AWS_LWA_REMOVE_BASE_PATH", base)]));
    assert_eq!(request.uri().path(), expected);
}

#[test]
fn authorization_source_moves_the_header() {
    let event = v2("/", json!({"x-custom-auth": "Bearer abc", "authorization": "Basic old"}));
    let (request, _) = forward(&event, &config(&[("AWS_LWA_AUTHORIZATION_SOURCE", "X-Custom-Auth")]));
    assert_eq!(request.headers()["authorization"], "Bearer abc");
    assert!(!request.headers().contains_key("x-custom-auth"));
    let (request, _) = forward(&event, &config(&[]));
    assert_eq!(request.headers()["authorization"], "Basic old", "untouched without the setting");
}

#[test]
fn pass_through_path_is_configurable() {
    let (request, _) = forward(br#"{"Records":[]}"#, &config(&[("AWS_LWA_PASS_THROUGH_PATH", "/sqs")]));
    assert_eq!(request.uri().path(), "/sqs");
    assert_eq!(request.method(), "POST");
    assert_eq!(request.body().as_ref(), br#"{"Records":[]}"#);
}

fn app_response(content_type: &str, body: &str) -> http::Response<Bytes> {
    http::Response::builder()
        .status(200)
        .header("content-type", content_type)
        .body(Bytes::from(body.to_owned()))
        .unwrap()
}

#[rstest]
#[case("gzip, br", "text/html", 200, Some("br"))]
#[case("gzip", "application/json", 200, Some("gzip"))]
#[case("gzip", "image/svg+xml", 200, None)]
#[case("gzip", "text/html", 20, None)]
#[case("identity", "text/html", 200, None)]
fn compression(#[case] accept: &str, #[case] content_type: &str, #[case] size: usize, #[case] expected: Option<&str>) {
    let cfg = config(&[("AWS_LWA_ENABLE_COMPRESSION", "true")]);
    let (_, shape) = forward(&v2("/", json!({"accept-encoding": accept})), &cfg);
    let options = EncodeOptions { compression: true, error_status_codes: None };
    let payload = encode(&shape, app_response(content_type, &"x".repeat(size)), &options, &mut Vec::new()).unwrap();
    let out: Value = serde_json::from_slice(&payload.into_bytes()).unwrap();
    assert_eq!(out["headers"]["content-encoding"].as_str(), expected);
    assert_eq!(out["isBase64Encoded"], expected.is_some(), "compressed bodies are binary");
}

#[test]
fn compression_is_off_by_default() {
    let (_, shape) = forward(&v2("/", json!({"accept-encoding": "gzip"})), &config(&[]));
    let payload =
        encode(&shape, app_response("text/html", &"x".repeat(500)), &EncodeOptions::default(), &mut Vec::new())
            .unwrap();
    let out: Value = serde_json::from_slice(&payload.into_bytes()).unwrap();
    assert!(out["headers"].get("content-encoding").is_none());
}

/// Regression (issue 14): the fields the app's `Connection` header names are hop-by-hop
/// (RFC 9110, section 7.6.1) and must not reach the client.
#[test]
fn response_fields_named_by_connection_are_dropped() {
    let (_, shape) = forward(&v2("/", json!({})), &config(&[]));
    let response = http::Response::builder()
        .header("connection", "keep-alive, X-Hop")
        .header("x-hop", "for this connection only")
        .header("x-kept", "end to end")
        .body(Bytes::from_static(b"ok"))
        .unwrap();
    let payload = encode(&shape, response, &EncodeOptions::default(), &mut Vec::new()).unwrap();
    let out: Value = serde_json::from_slice(&payload.into_bytes()).unwrap();
    assert_eq!(out["headers"], json!({"x-kept": "end to end"}));
}

#[test]
fn error_status_codes_fail_the_invocation() {
    let cfg = config(&[("AWS_LWA_ERROR_STATUS_CODES", "500,502-504")]);
    let (_, shape) = forward(&v2("/", json!({})), &cfg);
    let options = EncodeOptions { compression: false, error_status_codes: cfg.error_status_codes.as_ref() };
    for (status, fails) in [(500, true), (501, false), (503, true), (404, false)] {
        let response = http::Response::builder().status(status).body(Bytes::from_static(b"oops")).unwrap();
        match encode(&shape, response, &options, &mut Vec::new()) {
            Err(InvocationError::ErrorStatus { status: s, body }) => {
                assert!(fails, "{status} must not fail");
                assert_eq!((s, body.as_str()), (status, "oops"));
            }
            Ok(_) => assert!(!fails, "{status} must fail"),
            Err(other) => panic!("unexpected {other}"),
        }
    }
}

#[test]
fn oversized_response_names_the_remedy() {
    let (_, shape) = forward(&v2("/", json!({})), &config(&[]));
    let big = "a".repeat(6 * 1024 * 1024);
    let err = encode(&shape, app_response("text/plain", &big), &EncodeOptions::default(), &mut Vec::new()).unwrap_err();
    assert_eq!(err.error_type(), "Adapter.ResponseTooLarge");
    assert!(err.to_string().contains("AWS_LWA_INVOKE_MODE=response_stream"));
}

#[test]
fn tenant_and_trace_come_from_the_invocation() {
    let ctx = InvokeContext { tenant_id: Some("t-1".into()), trace_id: Some("Root=1-a".into()), ..Default::default() };
    let event = v2("/", json!({"x-amzn-trace-id": "Root=client", "x-amz-tenant-id": "spoofed"}));
    let Translation::Forward { request, .. } = translate(&event, &ctx, &config(&[])).unwrap() else { panic!() };
    assert_eq!(request.headers()["x-amzn-trace-id"], "Root=1-a");
    assert_eq!(request.headers()["x-amz-tenant-id"], "t-1");
    let Translation::Forward { request, .. } = translate(&event, &InvokeContext::default(), &config(&[])).unwrap()
    else {
        panic!()
    };
    assert!(!request.headers().contains_key("x-amz-tenant-id"), "a client cannot claim a tenant");
    assert_eq!(request.headers()["x-amzn-trace-id"], "Root=client", "kept when Lambda sends none");
}

/// The same client headers in the event of each HTTP source.
fn event_of(source: &str, headers: &[(&str, &str)]) -> Vec<u8> {
    let single: serde_json::Map<String, Value> = headers.iter().map(|(k, v)| (k.to_string(), json!(v))).collect();
    let multi: serde_json::Map<String, Value> = headers.iter().map(|(k, v)| (k.to_string(), json!([v]))).collect();
    let event = match source {
        "v2" => return v2("/", Value::Object(single)),
        "function-url" => json!({
            "version": "2.0", "rawPath": "/", "rawQueryString": "", "headers": single,
            "requestContext": {"http": {"method": "GET"}, "domainName": "abc.lambda-url.us-east-1.on.aws"}
        }),
        "v1" => json!({
            "httpMethod": "GET", "path": "/", "headers": single, "multiValueHeaders": multi,
            "requestContext": {"resourcePath": "/", "stage": "prod"}
        }),
        "alb-single" => json!({
            "httpMethod": "GET", "path": "/", "headers": single, "requestContext": {"elb": {"targetGroupArn": "arn"}}
        }),
        "alb-multi" => json!({
            "httpMethod": "GET", "path": "/", "multiValueHeaders": multi, "requestContext": {"elb": {"targetGroupArn": "arn"}}
        }),
        other => panic!("no source {other}"),
    };
    event.to_string().into_bytes()
}

/// Regression (issue 14): client copies of the context headers were removed only under
/// their exact names, so `x_amzn_request_context` and friends reached the app, and
/// WSGI, Rack and CGI servers map them to the same `HTTP_X_AMZN_REQUEST_CONTEXT` as the
/// adapter's own. Every name that is a reserved one up to ASCII case and `_` for `-` is
/// dropped, in every source.
#[rstest]
fn context_header_spellings_cannot_be_spoofed(
    #[values("v2", "function-url", "v1", "alb-single", "alb-multi")] source: &str,
) {
    let spoofs = [
        "x_amzn_request_context",
        "X_AMZN_LAMBDA_CONTEXT",
        "x-amzn_request-context",
        "X-Amzn-Lambda_Context",
        "x_amz_tenant_id",
        "X-AMZ-TENANT_ID",
        "x_amzn_trace_id",
        "X-Amzn_Trace-Id",
    ];
    let headers: Vec<(&str, &str)> = spoofs.iter().map(|name| (*name, "spoofed")).collect();
    let ctx = InvokeContext { tenant_id: Some("t-1".into()), trace_id: Some("Root=1-a".into()), ..Default::default() };
    for ctx in [ctx, InvokeContext::default()] {
        let Translation::Forward { request, .. } = translate(&event_of(source, &headers), &ctx, &config(&[])).unwrap()
        else {
            panic!("{source}: expected a request")
        };
        let spoofed: Vec<_> =
            request.headers().iter().filter(|(_, v)| *v == "spoofed").map(|(k, _)| k.as_str()).collect();
        assert!(spoofed.is_empty(), "{source}: {spoofed:?} reached the app");
        assert!(!request.headers()["x-amzn-lambda-context"].is_empty());
    }
}

/// Regression (issue 14): when the adapter could not build its `x-amzn-request-context`
/// (a requestContext with a character a header value cannot hold, here DEL from an
/// authorizer's context), it forwarded the request without it: the app could not tell
/// an unauthenticated request from one whose context was lost. It fails closed now.
#[test]
fn request_context_that_is_not_a_header_value_fails_the_invocation() {
    let event = json!({
        "version": "2.0", "rawPath": "/", "rawQueryString": "", "headers": {},
        "requestContext": {"http": {"method": "GET"}, "authorizer": {"lambda": {"role": "admin\u{7f}"}}}
    });
    let err = translate(event.to_string().as_bytes(), &InvokeContext::default(), &config(&[])).unwrap_err();
    let err = InvocationError::from(err);
    assert_eq!(err.error_type(), "Adapter.InvalidContextHeader");
    assert!(err.to_string().contains("x-amzn-request-context"), "{err}");
}

/// Regression (issue 14): the same for `x-amzn-lambda-context` (here a function name
/// with DEL), on an HTTP event and on a pass-through event.
#[test]
fn lambda_context_that_is_not_a_header_value_fails_the_invocation() {
    let cfg = config(&[("AWS_LAMBDA_FUNCTION_NAME", "fn\u{7f}")]);
    for event in [v2("/", json!({})), br#"{"Records":[]}"#.to_vec()] {
        let err = translate(&event, &InvokeContext::default(), &cfg).unwrap_err();
        let err = InvocationError::from(err);
        assert_eq!(err.error_type(), "Adapter.InvalidContextHeader");
        assert!(err.to_string().contains("x-amzn-lambda-context"), "{err}");
    }
}

/// Boundary (issue 19): Lambda accepts a payload of exactly 6,291,456 bytes; one byte more
/// is too large. A pass-through answer that is JSON is the payload itself.
#[test]
fn a_payload_of_exactly_the_limit_is_accepted_and_one_byte_more_is_not() {
    let (_, shape) = forward(br#"{"Records":[]}"#, &config(&[]));
    let limit = 6 * 1024 * 1024;
    let json_of_len = |len: usize| format!("\"{}\"", "a".repeat(len - 2));
    let answer = |body: String| http::Response::builder().status(200).body(Bytes::from(body)).unwrap();
    let payload =
        encode(&shape, answer(json_of_len(limit)), &EncodeOptions::default(), &mut Vec::new()).expect("at the limit");
    assert_eq!(payload.len(), limit);
    let err = encode(&shape, answer(json_of_len(limit + 1)), &EncodeOptions::default(), &mut Vec::new()).unwrap_err();
    assert_eq!(err.error_type(), "Adapter.ResponseTooLarge");
}

/// Boundary (issue 19): bodies from 32 bytes are compressed, 31 are not.
#[rstest]
#[case(31, None)]
#[case(32, Some("gzip"))]
fn compression_starts_at_32_bytes(#[case] size: usize, #[case] expected: Option<&str>) {
    let cfg = config(&[("AWS_LWA_ENABLE_COMPRESSION", "true")]);
    let (_, shape) = forward(&v2("/", json!({"accept-encoding": "gzip"})), &cfg);
    let options = EncodeOptions { compression: true, error_status_codes: None };
    let payload = encode(&shape, app_response("text/plain", &"x".repeat(size)), &options, &mut Vec::new()).unwrap();
    let out: Value = serde_json::from_slice(&payload.into_bytes()).unwrap();
    assert_eq!(out["headers"]["content-encoding"].as_str(), expected);
}

/// Boundary (issue 19): an ALB single-value response keeps the app's one `set-cookie`
/// (of several, only the last fits in `headers`).
#[rstest]
#[case(&["a=1"], "a=1")]
#[case(&["a=1", "b=2"], "b=2")]
fn alb_single_value_keeps_a_lone_set_cookie(#[case] cookies: &[&str], #[case] kept: &str) {
    let event = json!({
        "httpMethod": "GET", "path": "/", "headers": {"host": "alb"},
        "requestContext": {"elb": {"targetGroupArn": "arn:aws:elasticloadbalancing:us-east-1:1:targetgroup/t/1"}}
    });
    let (_, shape) = forward(event.to_string().as_bytes(), &config(&[]));
    let mut response = http::Response::builder().status(200);
    for cookie in cookies {
        response = response.header("set-cookie", *cookie);
    }
    let payload =
        encode(&shape, response.body(Bytes::new()).unwrap(), &EncodeOptions::default(), &mut Vec::new()).unwrap();
    let out: Value = serde_json::from_slice(&payload.into_bytes()).unwrap();
    assert_eq!(out["headers"]["set-cookie"], kept, "{out}");
    assert!(out.get("multiValueHeaders").is_none());
}

/// Found by fuzzing (issue 14): a pass-through answer that serde's skipping parser takes
/// for JSON, with a byte that is not UTF-8 inside a string, was returned as it was: the
/// Lambda payload was not JSON. It is not JSON, so (issue 18) the result is `null`.
#[test]
fn a_pass_through_answer_that_is_not_utf8_is_never_returned_as_json() {
    let (_, shape) = forward(br#"{"Records":[]}"#, &config(&[]));
    let body = Bytes::from_static(b"{\"a\":\"\xff\"}");
    let answer = http::Response::builder().status(200).body(body.clone()).unwrap();
    let mut warnings = Vec::new();
    let payload = encode(&shape, answer, &EncodeOptions::default(), &mut warnings).unwrap();
    assert_eq!(payload.into_bytes().as_ref(), b"null");
    assert!(warnings.iter().any(|w| w.contains("is not JSON")), "{warnings:?}");
}
