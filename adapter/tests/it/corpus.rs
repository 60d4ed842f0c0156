//! Snapshot tests of the pure translation over every event in `fixtures/events/`.
//!
//! Each snapshot shows the request the app would receive and, for a fixed set of app
//! responses, the Lambda response. Every Lambda response of an HTTP source is also parsed
//! with `aws_lambda_events`' response type for that source, so the shapes stay what
//! Lambda's own Rust types accept. The folder says the expected source; a file in
//! `invalid/` must be refused.

use std::collections::HashMap;
use std::io::Write;
use std::path::Path;

use base64::Engine;
use bytes::Bytes;
use lambda_web_adapter::context::InvokeContext;
use lambda_web_adapter::event::{translate, Source, Translation};
use lambda_web_adapter::response::{encode, reject, EncodeOptions};
use lambda_web_adapter::Config;
use serde_json::{json, Value};

const PNG: &str = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==";

fn config() -> Config {
    let env: HashMap<&str, &str> = HashMap::from([
        ("AWS_LAMBDA_RUNTIME_API", "127.0.0.1:9001"),
        ("AWS_LAMBDA_FUNCTION_NAME", "corpus-fn"),
        ("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "512"),
        ("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST"),
    ]);
    Config::from_lookup(|k| env.get(k).map(|v| v.to_string())).unwrap().0
}

fn context() -> InvokeContext {
    InvokeContext {
        request_id: "00000000-0000-4000-8000-000000000001".into(),
        deadline_ms: 1_767_225_600_000,
        function_arn: "arn:aws:lambda:us-east-1:123456789012:function:corpus-fn".into(),
        trace_id: Some("Root=1-67890abc-0123456789abcdef01234567;Sampled=1".into()),
        client_context: None,
        cognito_identity: None,
        tenant_id: None,
    }
}

fn response(status: u16, headers: &[(&str, &str)], body: Vec<u8>) -> http::Response<Bytes> {
    let mut builder = http::Response::builder().status(status);
    for (k, v) in headers {
        builder = builder.header(*k, *v);
    }
    builder.body(Bytes::from(body)).unwrap()
}

/// The fixed app responses every HTTP event is answered with.
fn app_responses() -> Vec<(&'static str, http::Response<Bytes>)> {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all("hello gzip\n".repeat(20).as_bytes()).unwrap();
    vec![
        ("json", response(200, &[("content-type", "application/json")], br#"{"ok":true,"items":[1,2,3]}"#.to_vec())),
        (
            "html",
            response(200, &[("content-type", "text/html; charset=utf-8")], "<!doctype html><h1>h\u{e9}llo</h1>".into()),
        ),
        (
            "png",
            response(
                200,
                &[("content-type", "image/png")],
                base64::engine::general_purpose::STANDARD.decode(PNG).unwrap(),
            ),
        ),
        ("gzip", response(200, &[("content-type", "text/plain"), ("content-encoding", "gzip")], gz.finish().unwrap())),
        (
            "cookies",
            response(
                200,
                &[
                    ("content-type", "application/json"),
                    ("set-cookie", "a=1; Path=/"),
                    ("set-cookie", "b=2; Path=/; HttpOnly"),
                    ("set-cookie", "c=3; Path=/; Secure; SameSite=Strict"),
                ],
                br#"{"cookies":3}"#.to_vec(),
            ),
        ),
        (
            "repeated-header",
            response(200, &[("content-type", "text/plain"), ("x-multi", "one"), ("x-multi", "two")], b"multi".to_vec()),
        ),
        ("no-content", response(204, &[], Vec::new())),
        ("redirect", response(302, &[("location", "/echo/redirected"), ("transfer-encoding", "chunked")], Vec::new())),
    ]
}

fn pass_through_responses() -> Vec<(&'static str, http::Response<Bytes>)> {
    vec![
        ("json", response(200, &[("content-type", "application/json")], br#"{"batchItemFailures":[]}"#.to_vec())),
        ("text", response(200, &[("content-type", "text/plain")], b"accepted".to_vec())),
        ("empty", response(202, &[], Vec::new())),
    ]
}

/// The first 16 hex digits of the SHA-256 of `bytes`: a value cut short in a snapshot is
/// still pinned whole, so any change to it shows.
fn digest(bytes: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(bytes).iter().take(8).map(|b| format!("{b:02x}")).collect()
}

fn show_bytes(bytes: &[u8]) -> Value {
    match std::str::from_utf8(bytes) {
        Ok(text) if text.len() <= 512 => Value::String(text.to_owned()),
        Ok(text) => {
            json!({ "len": text.len(), "sha256": digest(bytes), "head": text.chars().take(80).collect::<String>() })
        }
        Err(_) => json!({
            "len": bytes.len(),
            "sha256": digest(bytes),
            "base64_head": base64::engine::general_purpose::STANDARD.encode(&bytes[..bytes.len().min(48)])
        }),
    }
}

fn show_header(value: &http::HeaderValue) -> Value {
    let text = String::from_utf8_lossy(value.as_bytes());
    if text.len() > 300 {
        Value::String(format!(
            "{}... ({} bytes, sha256 {})",
            &text[..text.char_indices().nth(120).map_or(text.len(), |(i, _)| i)],
            text.len(),
            digest(value.as_bytes())
        ))
    } else {
        Value::String(text.into_owned())
    }
}

/// Parses a Lambda response with the `aws_lambda_events` type of its source.
fn assert_typed(source: Source, payload: &[u8], name: &str) {
    use aws_lambda_events::event::{alb, apigw, lambda_function_urls, vpc_lattice};
    let parsed = match source {
        Source::ApiGatewayV1 | Source::HttpApiV1 | Source::WebSocket => {
            serde_json::from_slice::<apigw::ApiGatewayProxyResponse>(payload).map(drop)
        }
        Source::VpcLatticeV1 | Source::VpcLatticeV2 => {
            serde_json::from_slice::<vpc_lattice::VpcLatticeResponse>(payload).map(drop)
        }
        Source::ApiGatewayV2 => serde_json::from_slice::<apigw::ApiGatewayV2httpResponse>(payload).map(drop),
        Source::FunctionUrl => {
            serde_json::from_slice::<lambda_function_urls::LambdaFunctionUrlResponse>(payload).map(drop)
        }
        Source::Alb => serde_json::from_slice::<alb::AlbTargetGroupResponse>(payload).map(drop),
        Source::PassThrough => serde_json::from_slice::<Value>(payload).map(drop),
    };
    if let Err(err) = parsed {
        panic!(
            "{name}: the {source:?} response does not parse as Lambda's type: {err}\n{}",
            String::from_utf8_lossy(payload)
        );
    }
}

/// The events of the newer sources parse as `aws_lambda_events`' request type of their
/// folder, so the corpus holds shapes that Lambda's own Rust types (written from the AWS
/// documentation by others) accept.
fn assert_event_typed(folder: &str, event: &[u8], name: &str) {
    use aws_lambda_events::event::{apigw, vpc_lattice};
    let parsed = match folder {
        "websocket" => serde_json::from_slice::<apigw::ApiGatewayWebsocketProxyRequest>(event).map(drop),
        "vpc-lattice-v1" => serde_json::from_slice::<vpc_lattice::VpcLatticeRequestV1>(event).map(drop),
        "vpc-lattice-v2" => serde_json::from_slice::<vpc_lattice::VpcLatticeRequestV2>(event).map(drop),
        "httpapi-v1" => serde_json::from_slice::<apigw::ApiGatewayProxyRequest>(event).map(drop),
        _ => Ok(()),
    };
    if let Err(err) = parsed {
        panic!("{name}: the event does not parse as Lambda's request type for {folder}: {err}");
    }
}

fn expected_source(folder: &str) -> Option<Source> {
    match folder {
        "apigw-v1" => Some(Source::ApiGatewayV1),
        "apigw-v2" => Some(Source::ApiGatewayV2),
        "function-url" => Some(Source::FunctionUrl),
        "alb" => Some(Source::Alb),
        "httpapi-v1" => Some(Source::HttpApiV1),
        "websocket" => Some(Source::WebSocket),
        "vpc-lattice-v1" => Some(Source::VpcLatticeV1),
        "vpc-lattice-v2" => Some(Source::VpcLatticeV2),
        "non-http" => Some(Source::PassThrough),
        _ => None,
    }
}

fn observe(path: &Path) -> Value {
    let base = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/events").canonicalize().unwrap();
    let rel = path.strip_prefix(&base).unwrap_or(path);
    let folder = rel.components().next().map(|c| c.as_os_str().to_string_lossy().into_owned()).unwrap_or_default();
    let event = std::fs::read(path).unwrap();
    assert_event_typed(&folder, &event, &rel.display().to_string());
    let config = config();
    let outcome = translate(&event, &context(), &config);
    let expected = expected_source(&folder);
    match outcome {
        Err(err) => {
            assert_eq!(folder, "invalid", "{} must translate but failed: {err}", rel.display());
            json!({ "error": err.to_string() })
        }
        Ok(Translation::Reject { shape, status, message, warnings }) => {
            assert_eq!(folder, "invalid", "{} was refused: {message}", rel.display());
            let payload = reject(&shape, status, &message);
            assert_typed(shape.source, &payload, &rel.display().to_string());
            json!({
                "source": shape.source,
                "refused": status.as_u16(),
                "warnings": warnings,
                "lambda_response": serde_json::from_slice::<Value>(&payload).unwrap(),
            })
        }
        Ok(Translation::Forward { request, shape, warnings }) => {
            match expected {
                Some(source) => assert_eq!(shape.source, source, "{} classified wrongly", rel.display()),
                None => assert!(
                    !warnings.is_empty() || folder != "invalid",
                    "{} is in invalid/ but was forwarded without a single warning",
                    rel.display()
                ),
            }
            if folder == "alb" {
                let name = rel.file_name().unwrap().to_string_lossy();
                assert_eq!(shape.multi_value, name.starts_with("multi"), "{}: multi-value detection", rel.display());
            }
            let headers: Vec<Value> = request
                .headers()
                .iter()
                .map(|(k, v)| Value::String(format!("{}: {}", k, show_header(v).as_str().unwrap_or_default())))
                .collect();
            let responses =
                if shape.source == Source::PassThrough { pass_through_responses() } else { app_responses() };
            let mut lambda = serde_json::Map::new();
            for (name, resp) in responses {
                let mut encode_warnings = Vec::new();
                let value = match encode(&shape, resp, &EncodeOptions::default(), &mut encode_warnings) {
                    Ok(payload) => {
                        let payload = payload.into_bytes();
                        assert_typed(shape.source, &payload, &format!("{} / {name}", rel.display()));
                        let mut v = serde_json::from_slice::<Value>(&payload).unwrap();
                        if !encode_warnings.is_empty() {
                            v = json!({ "payload": v, "warnings": encode_warnings });
                        }
                        v
                    }
                    Err(err) => json!({ "invocation_error": err.error_type(), "message": err.to_string() }),
                };
                lambda.insert(name.into(), value);
            }
            json!({
                "source": shape.source,
                "multi_value": shape.multi_value,
                "warnings": warnings,
                "request": {
                    "method": request.method().as_str(),
                    "target": request.uri().to_string(),
                    "headers": headers,
                    "body": show_bytes(request.body()),
                },
                "lambda_responses": lambda,
            })
        }
    }
}

#[test]
fn corpus() {
    // The snapshots keep the names and folder they had when this file was its own test
    // binary (`corpus__corpus@<event path>.snap` in tests/snapshots/).
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/snapshots"));
    settings.set_prepend_module_to_snapshot(false);
    settings.bind(|| {
        insta::glob!("../../../fixtures/events", "**/*", |path| {
            if path.is_dir() || path.extension().is_some_and(|e| e == "md") {
                return;
            }
            insta::assert_json_snapshot!("corpus__corpus", observe(path));
        });
    });
}

/// Every corpus snapshot belongs to an event that still exists: a moved or deleted event
/// must take its snapshot along, or the old expectation lingers unchecked.
#[test]
fn no_snapshot_outlives_its_event() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/snapshots");
    let events = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/events");
    let orphans: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .filter_map(|entry| entry.file_name().into_string().ok())
        .filter_map(|name| {
            let rel = name.strip_prefix("corpus__corpus@")?.strip_suffix(".snap")?.replace("__", "/");
            (!events.join(&rel).is_file()).then_some(name)
        })
        .collect();
    assert!(orphans.is_empty(), "snapshots without an event (delete them): {orphans:#?}");
}
