//! `invocation_headers`: the headers of a Runtime API `invocation/next` answer (any names
//! and values, repeated, missing, not text) read into an invocation context, written as
//! `x-amzn-lambda-context`, and used to translate an HTTP event and a pass-through one.
//!
//! Checked: each field is the header's first value when it is text, else absent;
//! the deadline is the number the header spells, else 0; the context JSON parses and holds
//! each field (a client context or identity that is not JSON becomes `null` with a
//! warning, never a failure); a context read from headers is always sendable, so
//! translation never fails on it, and the app gets exactly that JSON, the trace id and
//! the tenant.

use arbitrary::{Arbitrary, Unstructured};
use lambda_web_adapter::config::FunctionInfo;
use lambda_web_adapter::context::InvokeContext;
use lambda_web_adapter::event::{translate, Translation};
use serde::de::IgnoredAny;
use serde_json::value::RawValue;
use serde_json::Value;

use crate::event::{bytes_setup, describe};
use crate::response::{header_map, Text};

/// The Runtime API's invocation headers, in the cases Lambda sends and others.
pub const NAMES: &[&str] = &[
    "lambda-runtime-aws-request-id",
    "Lambda-Runtime-Aws-Request-Id",
    "lambda-runtime-deadline-ms",
    "lambda-runtime-invoked-function-arn",
    "lambda-runtime-trace-id",
    "lambda-runtime-client-context",
    "lambda-runtime-cognito-identity",
    "lambda-runtime-aws-tenant-id",
    "content-type",
    "x-amzn-lambda-context",
];

/// Values of those headers, in the forms Lambda sends and others.
pub const VALUES: &[&str] = &[
    "8476a536-e9f4-11e8-9739-2dfe598c3fcd",
    "1767225600000",
    " 1767225600000 ",
    "+12",
    "-1",
    "18446744073709551615",
    "18446744073709551616",
    "1.5e3",
    "",
    "arn:aws:lambda:us-east-1:123456789012:function:f",
    "Root=1-5bef4de7-ad49b0e87f6ef6c87fc2e700;Parent=9a9197af755a6419;Sampled=1",
    "{\"custom\":{\"k\":\"v\"},\"env\":{},\"client\":null}",
    "{\"identity_id\":\"id\",\"identity_pool_id\":\"pool\"}",
    "{ \"a\" :\t[1, 2] }",
    "not json",
    "{\"a\":",
    "null",
    "\"a string\"",
    "tenant-7",
    "\t",
];

/// One case: the headers, and the function the adapter runs as.
#[derive(Debug, Arbitrary)]
pub struct Case {
    headers: Vec<(Text, Text)>,
    function: Option<(String, u32, String, String, String)>,
}

/// `invocation_headers`.
pub fn run(data: &[u8]) {
    let Ok(case) = Case::arbitrary_take_rest(Unstructured::new(data)) else { return };
    crate::slow::timed("invocation_headers", data, || check(&case));
}

fn first_text(headers: &http::HeaderMap, name: &str) -> Option<String> {
    headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_owned)
}

/// Checks one case.
pub fn check(case: &Case) {
    let headers = header_map(&case.headers, NAMES, VALUES, 32);
    let ctx = InvokeContext::from_headers(&headers);

    assert_eq!(ctx.request_id, first_text(&headers, "lambda-runtime-aws-request-id").unwrap_or_default());
    assert_eq!(ctx.function_arn, first_text(&headers, "lambda-runtime-invoked-function-arn").unwrap_or_default());
    assert_eq!(ctx.trace_id, first_text(&headers, "lambda-runtime-trace-id"));
    assert_eq!(ctx.client_context, first_text(&headers, "lambda-runtime-client-context"));
    assert_eq!(ctx.cognito_identity, first_text(&headers, "lambda-runtime-cognito-identity"));
    assert_eq!(ctx.tenant_id, first_text(&headers, "lambda-runtime-aws-tenant-id"));
    if ctx.deadline_ms != 0 {
        let text = first_text(&headers, "lambda-runtime-deadline-ms").expect("a deadline from no header");
        let digits = text.trim().trim_start_matches('+');
        assert!(!digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()), "deadline from {text:?}");
        assert_eq!(digits.parse::<u64>().ok(), Some(ctx.deadline_ms), "deadline from {text:?}");
    }

    let function = match &case.function {
        Some((name, memory_mb, version, log_group, log_stream)) => FunctionInfo {
            name: name.clone(),
            memory_mb: *memory_mb,
            version: version.clone(),
            log_group: log_group.clone(),
            log_stream: log_stream.clone(),
        },
        None => bytes_setup().config.function.clone(),
    };
    let (json, warnings) = ctx.lambda_context_json(&function);
    // A client context or identity is embedded as Lambda sent it. JSON's grammar allows
    // numbers past f64 and lone surrogate escapes, which serde_json's `Value` refuses: with
    // such a one, the document must still be JSON by the grammar and hold it verbatim.
    let raws = || [&ctx.client_context, &ctx.cognito_identity].into_iter().flatten();
    let raw_json = |raw: &str| serde_json::from_str::<Box<RawValue>>(raw).is_ok();
    if raws().any(|raw| raw_json(raw) && serde_json::from_str::<Value>(raw).is_err()) {
        assert!(serde_json::from_str::<IgnoredAny>(&json).is_ok(), "x-amzn-lambda-context is not JSON: {json}");
        for raw in raws().filter(|raw| raw_json(raw)) {
            assert!(json.contains(raw.trim()), "{raw:?} is not in {json}");
        }
        return;
    }
    let doc: Value =
        serde_json::from_str(&json).unwrap_or_else(|e| panic!("x-amzn-lambda-context is not JSON ({e}): {json}"));
    assert_eq!(doc["request_id"], ctx.request_id.as_str());
    assert_eq!(doc["deadline"], ctx.deadline_ms);
    assert_eq!(doc["invoked_function_arn"], ctx.function_arn.as_str());
    assert_eq!(doc["xray_trace_id"], ctx.trace_id.as_deref().map_or(Value::Null, Value::from));
    assert_eq!(doc["tenant_id"], ctx.tenant_id.as_deref().map_or(Value::Null, Value::from));
    for (key, raw, what) in [
        ("client_context", &ctx.client_context, "client context"),
        ("identity", &ctx.cognito_identity, "cognito identity"),
    ] {
        let parsed = raw.as_deref().map(serde_json::from_str::<Value>);
        let warned = warnings.iter().any(|w| w.starts_with(what));
        match parsed {
            None => assert!(doc[key].is_null() && !warned, "{key}"),
            Some(Ok(value)) => assert!(doc[key] == value && !warned, "{key}: {} vs {value}", doc[key]),
            Some(Err(_)) => assert!(doc[key].is_null() && warned, "{key} that is not JSON: null and a warning"),
        }
    }
    let env = &doc["env_config"];
    assert_eq!(env["function_name"], function.name.as_str());
    assert_eq!(env["memory"], function.memory_mb);
    assert_eq!(env["version"], function.version.as_str());
    assert_eq!(env["log_group"], function.log_group.as_str());
    assert_eq!(env["log_stream"], function.log_stream.as_str());

    // Only the fixed function below is known to be sendable (Lambda's names are plain
    // ASCII); with it, a context read from headers never fails a translation.
    if case.function.is_some() {
        return;
    }
    let setup = bytes_setup();
    assert!(http::HeaderValue::from_str(&json).is_ok(), "x-amzn-lambda-context is not a header value: {json:?}");
    let v2 = br#"{"version":"2.0","rawPath":"/","rawQueryString":"","headers":{"x-amzn-trace-id":"client","x-amz-tenant-id":"client"},"requestContext":{"http":{"method":"GET"},"domainName":"x.execute-api.us-east-1.amazonaws.com"}}"#;
    for event in [&v2[..], br#"{"Records":[]}"#] {
        let result = translate(event, &ctx, &setup.config);
        let summary = describe(&result);
        let Ok(Translation::Forward { request, .. }) = result else {
            panic!("a context from the Runtime API failed a translation: {summary}")
        };
        let headers = request.headers();
        assert_eq!(headers["x-amzn-lambda-context"], json.as_str(), "{summary}");
        match &ctx.trace_id {
            Some(trace) => assert_eq!(headers["x-amzn-trace-id"], trace.as_str(), "{summary}"),
            // Without one from Lambda, the client's is kept (the pass-through has none).
            None => assert!(headers.get("x-amzn-trace-id").is_none_or(|v| v == "client"), "{summary}"),
        }
        match &ctx.tenant_id {
            Some(tenant) => assert_eq!(headers["x-amz-tenant-id"], tenant.as_str(), "{summary}"),
            None => assert!(!headers.contains_key("x-amz-tenant-id"), "a client's tenant id: {summary}"),
        }
    }
}
