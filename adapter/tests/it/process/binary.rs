//! The `lambda-adapter` binary against a wiremock Runtime/Extensions API and a wiremock app.
//!
//! These are black-box tests: the binary is started as Lambda would start it, with only
//! environment variables, and every observation is what crossed the wire.

use crate::common::{adapter_command, raw_app, Adapter};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde_json::{json, Value};
use wiremock::matchers::{header, method, path, path_regex};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

fn start_adapter(runtime: &MockServer, env: &[(&str, &str)]) -> Adapter {
    Adapter(adapter_command(&runtime.address().to_string(), env).spawn().expect("the adapter binary starts"))
}

/// Waits for the adapter to exit by itself, at most 20 s: a regression that keeps it
/// running fails the test instead of hanging it (the adapter is killed when dropped).
async fn wait_exit(mut adapter: Adapter) -> std::process::ExitStatus {
    let start = Instant::now();
    loop {
        if let Some(status) = adapter.0.try_wait().unwrap() {
            return status;
        }
        assert!(start.elapsed() < Duration::from_secs(20), "the adapter did not exit within 20 s");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

fn deadline_in(ms: u64) -> String {
    (SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_millis() as u64 + ms).to_string()
}

/// A Runtime + Extensions API that hands out `events` in order, then holds `/next` open.
/// (request id, event bytes, extra `invocation/next` headers).
type QueuedEvent = (String, Vec<u8>, Vec<(&'static str, String)>);

async fn runtime_api(events: Vec<QueuedEvent>) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/2020-01-01/extension/register"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("lambda-extension-identifier", "ext-id-1")
                .set_body_json(json!({})),
        )
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/2020-01-01/extension/event/next"))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(600)))
        .mount(&server)
        .await;
    for (id, body, extra) in events {
        let mut template = ResponseTemplate::new(200)
            .insert_header("lambda-runtime-aws-request-id", id.as_str())
            .insert_header("lambda-runtime-deadline-ms", deadline_in(10_000).as_str())
            .insert_header(
                "lambda-runtime-invoked-function-arn",
                "arn:aws:lambda:us-east-1:123456789012:function:binary-test",
            )
            .insert_header("lambda-runtime-trace-id", format!("Root=1-00000000-{id:0>24}").as_str())
            .set_body_bytes(body);
        for (k, v) in extra {
            template = template.insert_header(k, v.as_str());
        }
        Mock::given(method("GET"))
            .and(path("/2018-06-01/runtime/invocation/next"))
            .respond_with(template)
            .up_to_n_times(1)
            .with_priority(1)
            .mount(&server)
            .await;
    }
    Mock::given(method("GET"))
        .and(path("/2018-06-01/runtime/invocation/next"))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(600)))
        .with_priority(2)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path_regex("^/2018-06-01/runtime/invocation/[^/]+/(response|error)$"))
        .respond_with(ResponseTemplate::new(202))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/2020-01-01/extension/init/error"))
        .respond_with(ResponseTemplate::new(202))
        .mount(&server)
        .await;
    server
}

/// Waits until `count` requests match `pred`, and returns them.
async fn wait_for(server: &MockServer, count: usize, pred: impl Fn(&Request) -> bool) -> Vec<Request> {
    let start = Instant::now();
    loop {
        let seen: Vec<Request> =
            server.received_requests().await.unwrap_or_default().into_iter().filter(|r| pred(r)).collect();
        if seen.len() >= count || start.elapsed() > Duration::from_secs(15) {
            assert!(seen.len() >= count, "expected {count} matching requests, saw {}", seen.len());
            return seen;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

fn is_result(r: &Request) -> bool {
    r.method.as_str() == "POST" && r.url.path().starts_with("/2018-06-01/runtime/invocation/")
}

/// The results Lambda received, keyed by outcome: ("response"|"error", id, body json).
async fn results(server: &MockServer, count: usize) -> Vec<(String, String, Value)> {
    wait_for(server, count, is_result)
        .await
        .into_iter()
        .map(|r| {
            let parts: Vec<&str> = r.url.path().split('/').collect();
            let body = serde_json::from_slice(&r.body).unwrap_or(Value::Null);
            (parts[5].to_owned(), parts[4].to_owned(), body)
        })
        .collect()
}

async fn echo_app() -> MockServer {
    let app = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/"))
        .respond_with(ResponseTemplate::new(200).set_body_string("ok"))
        .mount(&app)
        .await;
    Mock::given(path_regex("^/(echo|events)"))
        .respond_with(|req: &Request| {
            let headers: Vec<Value> =
                req.headers.iter().map(|(k, v)| json!([k.as_str(), v.to_str().unwrap_or("")])).collect();
            ResponseTemplate::new(200).insert_header("set-cookie", "a=1").set_body_json(json!({
                "method": req.method.as_str(),
                "path": req.url.path(),
                "query": req.url.query().unwrap_or(""),
                "headers": headers,
                "body": String::from_utf8_lossy(&req.body),
            }))
        })
        .mount(&app)
        .await;
    app
}

fn v2_event(raw_path: &str, query: &str) -> Vec<u8> {
    json!({
        "version": "2.0", "routeKey": "$default", "rawPath": raw_path, "rawQueryString": query,
        "cookies": ["s=1", "t=2"],
        "headers": {"host": "api.example.com", "x-amzn-lambda-context": "spoofed"},
        "requestContext": {"http": {"method": "GET", "path": raw_path, "protocol": "HTTP/1.1", "sourceIp": "1.2.3.4", "userAgent": "t"},
                           "domainName": "api.example.com", "requestId": "r1", "stage": "$default"},
        "isBase64Encoded": false
    })
    .to_string()
    .into_bytes()
}

fn port_of(server: &MockServer) -> String {
    server.address().port().to_string()
}

#[tokio::test]
async fn registers_waits_for_readiness_and_serves_every_source() {
    let app = echo_app().await;
    let v1 = json!({
        "resource": "/{proxy+}", "path": "/echo/v1", "httpMethod": "POST",
        "headers": {"Host": "rest.example.com"}, "multiValueHeaders": {"Host": ["rest.example.com"], "X-Multi": ["a", "b"]},
        "queryStringParameters": {"q": "a b"}, "multiValueQueryStringParameters": {"q": ["a b", "c"]},
        "requestContext": {"resourcePath": "/{proxy+}", "stage": "prod", "httpMethod": "POST", "requestId": "r"},
        "body": "aGVsbG8=", "isBase64Encoded": true
    });
    let furl = json!({
        "version": "2.0", "rawPath": "/echo/furl", "rawQueryString": "", "headers": {"host": "abc.lambda-url.us-east-1.on.aws"},
        "requestContext": {"http": {"method": "PUT"}, "domainName": "abc.lambda-url.us-east-1.on.aws"},
        "body": "{\"x\":1}", "isBase64Encoded": false
    });
    let alb = json!({
        "requestContext": {"elb": {"targetGroupArn": "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/t/1"}},
        "httpMethod": "GET", "path": "/echo/alb", "multiValueQueryStringParameters": {"a": ["1", "2"]},
        "multiValueHeaders": {"host": ["alb.example.com"]}, "body": "", "isBase64Encoded": false
    });
    let sqs = br#"{"Records":[{"messageId":"m1","body":"hi","eventSource":"aws:sqs"}]}"#.to_vec();
    let runtime = runtime_api(vec![
        ("v2".into(), v2_event("/echo/a%20b", "x=1&x=2"), vec![("lambda-runtime-aws-tenant-id", "tenant-9".into())]),
        ("v1".into(), v1.to_string().into_bytes(), vec![]),
        ("furl".into(), furl.to_string().into_bytes(), vec![]),
        ("alb".into(), alb.to_string().into_bytes(), vec![]),
        ("sqs".into(), sqs.clone(), vec![]),
    ])
    .await;
    let _adapter = start_adapter(&runtime, &[("AWS_LWA_PORT", &port_of(&app))]);

    let out = results(&runtime, 5).await;
    let by_id =
        |id: &str| out.iter().find(|(_, rid, _)| rid == id).unwrap_or_else(|| panic!("no result for {id}: {out:?}"));

    let registration = wait_for(&runtime, 1, |r| r.url.path().ends_with("/extension/register")).await;
    assert_eq!(registration[0].headers["lambda-extension-name"], "lambda-adapter");
    let events: Value = serde_json::from_slice(&registration[0].body).unwrap();
    assert_eq!(events, json!({"events": ["SHUTDOWN"]}));
    let probes = app.received_requests().await.unwrap().into_iter().filter(|r| r.url.path() == "/").count();
    assert!(probes >= 1, "the readiness check probed the app");

    let (kind, _, v2) = by_id("v2");
    assert_eq!(kind, "response");
    assert_eq!(v2["statusCode"], 200);
    assert_eq!(v2["cookies"], json!(["a=1"]));
    let echoed: Value = serde_json::from_str(v2["body"].as_str().unwrap()).unwrap();
    assert_eq!(echoed["path"], "/echo/a%20b");
    assert_eq!(echoed["query"], "x=1&x=2");
    let headers = echoed["headers"].as_array().unwrap();
    let get = |name: &str| {
        headers.iter().filter(|h| h[0] == name).map(|h| h[1].as_str().unwrap().to_owned()).collect::<Vec<_>>()
    };
    assert_eq!(get("cookie"), vec!["s=1; t=2"]);
    assert_eq!(get("host"), vec!["api.example.com"]);
    assert_eq!(get("x-amz-tenant-id"), vec!["tenant-9"]);
    assert_eq!(get("x-amzn-trace-id"), vec![format!("Root=1-00000000-{:0>24}", "v2")]);
    let lambda_context: Value = serde_json::from_str(&get("x-amzn-lambda-context")[0]).unwrap();
    assert_eq!(lambda_context["request_id"], "v2", "the spoofed header was replaced");
    assert_eq!(lambda_context["env_config"]["function_name"], "binary-test");
    let request_context: Value = serde_json::from_str(&get("x-amzn-request-context")[0]).unwrap();
    assert_eq!(request_context["requestId"], "r1");

    let (_, _, v1) = by_id("v1");
    let echoed: Value = serde_json::from_str(v1["body"].as_str().unwrap()).unwrap();
    assert_eq!(echoed["method"], "POST");
    assert_eq!(echoed["query"], "q=a%20b&q=c");
    assert_eq!(echoed["body"], "hello");
    assert_eq!(v1["multiValueHeaders"]["set-cookie"], json!(["a=1"]));

    let (_, _, furl) = by_id("furl");
    let echoed: Value = serde_json::from_str(furl["body"].as_str().unwrap()).unwrap();
    assert_eq!(echoed["method"], "PUT");
    assert_eq!(echoed["body"], "{\"x\":1}");

    let (_, _, alb) = by_id("alb");
    assert_eq!(alb["statusDescription"], "200 OK");
    assert!(alb.get("multiValueHeaders").is_some(), "a multi-value request gets a multi-value response");
    let echoed: Value = serde_json::from_str(alb["body"].as_str().unwrap()).unwrap();
    assert_eq!(echoed["query"], "a=1&a=2");

    let (_, _, sqs_out) = by_id("sqs");
    let echoed = sqs_out;
    assert_eq!(echoed["method"], "POST");
    assert_eq!(echoed["path"], "/events");
    assert_eq!(echoed["body"], String::from_utf8(sqs).unwrap(), "the event bytes arrive unchanged");
}

#[tokio::test]
async fn faults_are_invocation_errors_and_the_next_event_is_served() {
    let app = echo_app().await;
    Mock::given(path("/slow"))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(30)))
        .mount(&app)
        .await;
    let bad_base64 = json!({
        "version": "2.0", "rawPath": "/echo", "rawQueryString": "", "headers": {},
        "requestContext": {"http": {"method": "POST"}}, "body": "!!!not base64", "isBase64Encoded": true
    });
    let runtime = runtime_api(vec![
        ("not-json".into(), b"{not json".to_vec(), vec![]),
        ("not-utf8".into(), vec![0xff, 0xfe, 0x00], vec![]),
        (
            "bad-client-context".into(),
            v2_event("/echo/cc", ""),
            vec![("lambda-runtime-client-context", "not json".into())],
        ),
        ("bad-base64".into(), bad_base64.to_string().into_bytes(), vec![]),
        ("slow".into(), v2_event("/slow", ""), vec![("lambda-runtime-deadline-ms", deadline_in(400))]),
        ("after".into(), v2_event("/echo/after", ""), vec![]),
    ])
    .await;
    let _adapter = start_adapter(&runtime, &[("AWS_LWA_PORT", &port_of(&app))]);
    let out = results(&runtime, 6).await;
    let by_id = |id: &str| {
        out.iter().find(|(_, rid, _)| rid == id).unwrap_or_else(|| panic!("no result for {id}: {out:?}")).clone()
    };

    for id in ["not-json", "not-utf8"] {
        let (kind, _, body) = by_id(id);
        assert_eq!(kind, "error", "{id}");
        assert_eq!(body["errorType"], "Adapter.InvalidEvent", "{id}");
    }
    let (kind, _, body) = by_id("bad-client-context");
    assert_eq!(kind, "response", "a malformed client context does not fail the invocation");
    assert_eq!(body["statusCode"], 200);
    let (kind, _, body) = by_id("bad-base64");
    assert_eq!(kind, "response");
    assert_eq!(body["statusCode"], 400, "bad base64 is the caller's fault");
    let (kind, _, body) = by_id("slow");
    assert_eq!(kind, "error");
    assert_eq!(body["errorType"], "Adapter.AppTimeout");
    let (kind, _, _) = by_id("after");
    assert_eq!(kind, "response", "the adapter keeps serving after every fault");
}

#[tokio::test]
async fn unreachable_app_is_a_named_error() {
    // Readiness passes on one server, traffic goes to a port where nothing listens.
    let ready = echo_app().await;
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port().to_string();
    let runtime = runtime_api(vec![("gone".into(), v2_event("/echo", ""), vec![])]).await;
    let _adapter =
        start_adapter(&runtime, &[("AWS_LWA_PORT", &closed), ("AWS_LWA_READINESS_CHECK_PORT", &port_of(&ready))]);
    let out = results(&runtime, 1).await;
    assert_eq!(out[0].0, "error");
    assert_eq!(out[0].2["errorType"], "Adapter.AppUnreachable");
    assert!(out[0].2["errorMessage"].as_str().unwrap().contains(&closed));
}

#[tokio::test]
async fn readiness_waits_for_a_healthy_status() {
    let app = MockServer::start().await;
    Mock::given(path("/health"))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(5)
        .with_priority(1)
        .mount(&app)
        .await;
    Mock::given(path("/health")).respond_with(ResponseTemplate::new(200)).with_priority(2).mount(&app).await;
    Mock::given(path("/echo")).respond_with(ResponseTemplate::new(200)).mount(&app).await;
    let runtime = runtime_api(vec![("one".into(), v2_event("/echo", ""), vec![])]).await;
    let _adapter = start_adapter(
        &runtime,
        &[
            ("AWS_LWA_PORT", &port_of(&app)),
            ("AWS_LWA_READINESS_CHECK_PATH", "/health"),
            ("AWS_LWA_READINESS_CHECK_HEALTHY_STATUS", "200-299"),
        ],
    );
    results(&runtime, 1).await;
    let seen = app.received_requests().await.unwrap();
    let probes = seen.iter().filter(|r| r.url.path() == "/health").count();
    assert_eq!(probes, 6, "five unhealthy answers, then one healthy");
    let first_invocation = seen.iter().position(|r| r.url.path() == "/echo").unwrap();
    assert_eq!(first_invocation, 6, "no invocation before the app is ready");
}

#[tokio::test]
async fn bad_configuration_is_reported_as_an_init_error() {
    let runtime = runtime_api(vec![]).await;
    let adapter = start_adapter(&runtime, &[("AWS_LWA_INVOKE_MODE", "stream")]);
    let status = wait_exit(adapter).await;
    assert_eq!(status.code(), Some(2));
    let reports = wait_for(&runtime, 1, |r| r.url.path() == "/2020-01-01/extension/init/error").await;
    assert_eq!(reports[0].headers["lambda-extension-function-error-type"], "Extension.ConfigError");
    assert_eq!(reports[0].headers["lambda-extension-identifier"], "ext-id-1");
    let body: Value = serde_json::from_slice(&reports[0].body).unwrap();
    let message = body["errorMessage"].as_str().unwrap();
    assert!(
        message.contains("AWS_LWA_INVOKE_MODE") && message.contains("stream") && message.contains("response_stream"),
        "{message}"
    );
}

#[tokio::test]
async fn error_status_codes_fail_the_invocation() {
    let app = echo_app().await;
    Mock::given(path("/boom"))
        .respond_with(ResponseTemplate::new(502).set_body_string("upstream down"))
        .mount(&app)
        .await;
    let runtime = runtime_api(vec![("boom".into(), v2_event("/boom", ""), vec![])]).await;
    let _adapter =
        start_adapter(&runtime, &[("AWS_LWA_PORT", &port_of(&app)), ("AWS_LWA_ERROR_STATUS_CODES", "500-504")]);
    let out = results(&runtime, 1).await;
    assert_eq!(out[0].0, "error");
    assert_eq!(out[0].2["errorType"], "Adapter.AppErrorStatus");
    assert!(out[0].2["errorMessage"].as_str().unwrap().contains("upstream down"));
    let errors = wait_for(&runtime, 1, is_result).await;
    assert_eq!(errors[0].headers["lambda-runtime-function-error-type"], "Adapter.AppErrorStatus");
}

/// Big answers are posted to Lambda encoded as they are sent (not built whole first):
/// what arrives is one JSON payload with a `content-length` that is its length, text
/// escaped and binary in base64, the same as a small answer's.
#[tokio::test]
async fn big_answers_reach_lambda_whole_with_their_length() {
    let app = echo_app().await;
    let text: String = "line \"one\"\ttab é€\n".chars().cycle().take(1 << 20).collect();
    let binary: Vec<u8> = (0..300_001u32).map(|i| (i * 31 % 251) as u8).collect();
    Mock::given(path("/big-text"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(text.clone(), "text/plain; charset=utf-8"))
        .mount(&app)
        .await;
    Mock::given(path("/big-binary"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(binary.clone(), "application/octet-stream"))
        .mount(&app)
        .await;
    let runtime = runtime_api(vec![
        ("text".into(), v2_event("/big-text", ""), vec![]),
        ("binary".into(), v2_event("/big-binary", ""), vec![]),
    ])
    .await;
    let _adapter = start_adapter(&runtime, &[("AWS_LWA_PORT", &port_of(&app))]);
    let posted = wait_for(&runtime, 2, is_result).await;
    for request in &posted {
        let stated: usize = request.headers["content-length"].to_str().unwrap().parse().unwrap();
        assert_eq!(stated, request.body.len(), "{}", request.url.path());
        let payload: Value = serde_json::from_slice(&request.body).unwrap();
        assert_eq!(payload["statusCode"], 200);
        let body = payload["body"].as_str().unwrap();
        if request.url.path().contains("/text/") {
            assert_eq!(payload["isBase64Encoded"], false);
            assert!(body == text, "the text arrives as it was sent");
        } else {
            assert_eq!(payload["isBase64Encoded"], true);
            use base64::Engine;
            assert!(base64::engine::general_purpose::STANDARD.decode(body).unwrap() == binary);
        }
    }
}

/// Registering and probing the app are both round trips of the cold start and neither
/// needs the other: the app is probed while Lambda has not yet answered the registration.
#[tokio::test]
async fn probes_the_app_while_registering() {
    let app = echo_app().await;
    let runtime = MockServer::start().await;
    Mock::given(path("/2020-01-01/extension/register"))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(600)))
        .mount(&runtime)
        .await;
    let _adapter = start_adapter(&runtime, &[("AWS_LWA_PORT", &port_of(&app))]);
    wait_for(&runtime, 1, |r| r.url.path().ends_with("/extension/register")).await;
    let probed = wait_for(&app, 1, |r| r.url.path() == "/").await;
    assert_eq!(probed[0].method.as_str(), "GET");
}

#[tokio::test]
async fn shutdown_event_stops_the_adapter_cleanly() {
    let app = echo_app().await;
    let runtime = MockServer::start().await;
    Mock::given(path("/2020-01-01/extension/register"))
        .respond_with(ResponseTemplate::new(200).insert_header("lambda-extension-identifier", "ext-id-1"))
        .mount(&runtime)
        .await;
    Mock::given(path("/2020-01-01/extension/event/next"))
        .and(header("lambda-extension-identifier", "ext-id-1"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"eventType": "SHUTDOWN", "shutdownReason": "spindown", "deadlineMs": 0})),
        )
        .mount(&runtime)
        .await;
    Mock::given(path("/2018-06-01/runtime/invocation/next"))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(600)))
        .mount(&runtime)
        .await;
    let adapter = start_adapter(&runtime, &[("AWS_LWA_PORT", &port_of(&app))]);
    let status = wait_exit(adapter).await;
    assert_eq!(status.code(), Some(0));
}

/// An app that promises 100 bytes, sends 10 and hangs up; `GET /` answers normally.
async fn app_closing_mid_body() -> u16 {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        loop {
            let Ok((mut socket, _)) = listener.accept().await else { return };
            tokio::spawn(async move {
                let mut buf = vec![0u8; 16 * 1024];
                let n = socket.read(&mut buf).await.unwrap_or(0);
                let head = String::from_utf8_lossy(&buf[..n]);
                if head.starts_with("GET / ") {
                    let _ =
                        socket.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok").await;
                } else {
                    let _ = socket.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\n0123456789").await;
                }
            });
        }
    });
    port
}

#[tokio::test]
async fn app_closing_mid_body_is_a_connection_error() {
    let port = app_closing_mid_body().await.to_string();
    let runtime = runtime_api(vec![
        ("cut".into(), v2_event("/echo", ""), vec![]),
        ("next".into(), v2_event("/echo", ""), vec![]),
    ])
    .await;
    let _adapter = start_adapter(&runtime, &[("AWS_LWA_PORT", &port)]);
    let out = results(&runtime, 2).await;
    for (kind, _, body) in &out {
        assert_eq!(kind, "error");
        assert_eq!(body["errorType"], "Adapter.AppConnectionError");
    }
}

/// Regression (issue 14): an event with more header names than `http::HeaderMap` holds
/// panicked the adapter (`append`: "size overflows MAX_SIZE"); with `panic = "abort"`
/// the process died and nothing reached `/error`. It is a 431 answer, and the adapter
/// serves the next event.
#[tokio::test]
async fn event_with_30000_header_names_is_a_431_and_the_next_event_is_served() {
    let app = echo_app().await;
    let headers: serde_json::Map<String, Value> = (0..30_000).map(|i| (format!("x-h-{i}"), json!("v"))).collect();
    let many = json!({
        "version": "2.0", "rawPath": "/echo", "rawQueryString": "", "headers": headers,
        "requestContext": {"http": {"method": "GET"}}, "isBase64Encoded": false
    });
    let runtime = runtime_api(vec![
        ("many-headers".into(), many.to_string().into_bytes(), vec![]),
        ("after".into(), v2_event("/echo/after", ""), vec![]),
    ])
    .await;
    let _adapter = start_adapter(&runtime, &[("AWS_LWA_PORT", &port_of(&app))]);
    let out = results(&runtime, 2).await;
    let by_id = |id: &str| out.iter().find(|(_, rid, _)| rid == id).unwrap_or_else(|| panic!("no {id}: {out:?}"));
    let (kind, _, body) = by_id("many-headers");
    assert_eq!(kind, "response");
    assert_eq!(body["statusCode"], 431);
    assert_eq!(by_id("after").0, "response", "the adapter keeps serving");
}

/// Regression (issue 14): `cargo lambda watch` sends `Lambda-Runtime-Deadline-Ms: 600000`
/// (a duration, not an epoch time). The adapter computed 0 ms left and failed the
/// invocation with Adapter.AppTimeout; a deadline already past is no deadline, so the
/// app's answer comes back.
#[tokio::test]
async fn relative_deadline_from_cargo_lambda_watch_gets_the_apps_answer() {
    let app = echo_app().await;
    let runtime = runtime_api(vec![(
        "relative".into(),
        v2_event("/echo/relative", ""),
        vec![("lambda-runtime-deadline-ms", "600000".into())],
    )])
    .await;
    let _adapter = start_adapter(&runtime, &[("AWS_LWA_PORT", &port_of(&app))]);
    let out = results(&runtime, 1).await;
    assert_eq!(out[0].0, "response", "{out:?}");
    assert_eq!(out[0].2["statusCode"], 200);
}

/// Reads one request head (up to the blank line); `None` when the peer closed first.
async fn read_head(socket: &mut tokio::net::TcpStream) -> Option<String> {
    use tokio::io::AsyncReadExt;
    let mut head = Vec::new();
    let mut buf = [0u8; 4096];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = socket.read(&mut buf).await.ok()?;
        if n == 0 {
            return None;
        }
        head.extend_from_slice(&buf[..n]);
    }
    Some(String::from_utf8_lossy(&head).into_owned())
}

/// Regression (issue 14): readiness probes had no timeout. An app that accepts the
/// connection and never answers (here: its first connection) held the probe forever,
/// so the adapter never became ready even once the app answered. A probe attempt now
/// gives up after a short timeout and the next attempt finds the app ready.
#[tokio::test]
async fn readiness_survives_a_probe_the_app_never_answers() {
    use tokio::io::AsyncWriteExt;
    let port = raw_app(|n, mut socket| async move {
        if n == 0 {
            // Accepted, never answered: hold the socket open.
            tokio::time::sleep(Duration::from_secs(600)).await;
            drop(socket);
            return;
        }
        while read_head(&mut socket).await.is_some() {
            if socket.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok").await.is_err() {
                return;
            }
        }
    })
    .await;
    let runtime = runtime_api(vec![("after-stuck-probe".into(), v2_event("/echo", ""), vec![])]).await;
    let _adapter = start_adapter(&runtime, &[("AWS_LWA_PORT", &port)]);
    let out = tokio::time::timeout(Duration::from_secs(20), results(&runtime, 1))
        .await
        .expect("the adapter never became ready");
    assert_eq!(out[0].0, "response", "{out:?}");
    assert_eq!(out[0].2["statusCode"], 200);
}

/// Regression (issue 14): the readiness probe read the health response's body to the
/// end, so a health endpoint that sends a 200 head and then streams forever kept the
/// adapter from ever becoming ready. The status is enough; the body is dropped.
#[tokio::test]
async fn readiness_does_not_wait_for_an_endless_health_body() {
    use tokio::io::AsyncWriteExt;
    let port = raw_app(|_, mut socket| async move {
        while let Some(head) = read_head(&mut socket).await {
            if head.starts_with("GET /health ") {
                if socket.write_all(b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n").await.is_err() {
                    return;
                }
                // Stream until the adapter hangs up.
                while socket.write_all(b"1\r\nx\r\n").await.is_ok() {
                    tokio::time::sleep(Duration::from_millis(5)).await;
                }
                return;
            }
            if socket.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok").await.is_err() {
                return;
            }
        }
    })
    .await;
    let runtime = runtime_api(vec![("after-endless-health".into(), v2_event("/echo", ""), vec![])]).await;
    let _adapter = start_adapter(&runtime, &[("AWS_LWA_PORT", &port), ("AWS_LWA_READINESS_CHECK_PATH", "/health")]);
    let out = tokio::time::timeout(Duration::from_secs(20), results(&runtime, 1))
        .await
        .expect("the adapter never became ready");
    assert_eq!(out[0].0, "response", "{out:?}");
    assert_eq!(out[0].2["statusCode"], 200);
}

/// An app that advertises keep-alive and closes connections idle for more than
/// `idle_ms`, the way Node (5 s) and gunicorn (2 s) do. Its close is modelled at the
/// worst moment for the adapter: a request arriving on a connection idle for longer
/// is read and the socket closed without an answer, as when a thawed adapter writes to
/// a socket the app closed while the sandbox was frozen and sees the FIN only after.
async fn app_closing_idle_connections(idle_ms: u64) -> String {
    use tokio::io::AsyncWriteExt;
    raw_app(move |_, mut socket| async move {
        let mut last_answer: Option<Instant> = None;
        while read_head(&mut socket).await.is_some() {
            if last_answer.is_some_and(|at| at.elapsed() > Duration::from_millis(idle_ms)) {
                return; // drops the socket: closed with the request unanswered
            }
            let answer = format!(
                "HTTP/1.1 200 OK\r\nconnection: keep-alive\r\nkeep-alive: timeout={}\r\ncontent-length: 2\r\n\r\nok",
                idle_ms.div_ceil(1000)
            );
            if socket.write_all(answer.as_bytes()).await.is_err() {
                return;
            }
            last_answer = Some(Instant::now());
        }
    })
    .await
}

/// A Runtime API with `first` at once, then `second` (a v2 event with `method`) handed
/// out `gap` after the adapter asks for it.
async fn two_events_apart(first: &str, second: &str, method_of_second: &str, gap: Duration) -> MockServer {
    let second_event = json!({
        "version": "2.0", "rawPath": "/echo", "rawQueryString": "", "headers": {},
        "requestContext": {"http": {"method": method_of_second}}, "body": "x", "isBase64Encoded": false
    });
    let runtime = runtime_api(vec![(first.into(), v2_event("/echo", ""), vec![])]).await;
    Mock::given(method("GET"))
        .and(path("/2018-06-01/runtime/invocation/next"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("lambda-runtime-aws-request-id", second)
                .insert_header("lambda-runtime-deadline-ms", deadline_in(10_000).as_str())
                .set_body_bytes(second_event.to_string().into_bytes())
                .set_delay(gap),
        )
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&runtime)
        .await;
    runtime
}

/// Regression (issue 14): idle connections to the app were kept 60 s while Node (5 s)
/// and gunicorn (2 s) close theirs, so after a freeze and thaw the adapter reused a
/// socket the app had just closed and the invocation failed with
/// Adapter.AppConnectionError. The pool now drops idle connections before the common
/// servers do: an app closing after 1.5 s and a second event 1.8 s later both succeed.
/// The second is a POST, which is not sent twice (see the next test), so only the pool's
/// idle timeout saves it.
#[tokio::test]
async fn connection_idle_longer_than_the_apps_keep_alive_is_not_reused() {
    let port = app_closing_idle_connections(1_500).await;
    let runtime = two_events_apart("first", "after-idle", "POST", Duration::from_millis(1_800)).await;
    let _adapter = start_adapter(&runtime, &[("AWS_LWA_PORT", &port)]);
    let out = tokio::time::timeout(Duration::from_secs(20), results(&runtime, 2)).await.expect("two results");
    for (kind, id, body) in &out {
        assert_eq!(kind, "response", "{id}: {body}");
        assert_eq!(body["statusCode"], 200, "{id}");
    }
}

/// Regression (issue 14): a request that met a connection the app had just closed
/// failed the invocation. An app with a keep-alive shorter than the adapter's pool
/// (100 ms here) still closes under it; an idempotent request (a GET) that got no
/// answer at all is sent once more on a new connection and succeeds.
#[tokio::test]
async fn request_on_a_connection_the_app_just_closed_is_sent_again() {
    let port = app_closing_idle_connections(100).await;
    let runtime = two_events_apart("first", "after-close", "GET", Duration::from_millis(400)).await;
    let _adapter = start_adapter(&runtime, &[("AWS_LWA_PORT", &port)]);
    let out = tokio::time::timeout(Duration::from_secs(20), results(&runtime, 2)).await.expect("two results");
    for (kind, id, body) in &out {
        assert_eq!(kind, "response", "{id}: {body}");
        assert_eq!(body["statusCode"], 200, "{id}");
    }
}

/// Threads of process `pid` (`/proc/<pid>/task`).
fn threads_of(pid: u32) -> usize {
    std::fs::read_dir(format!("/proc/{pid}/task")).map(|tasks| tasks.count()).unwrap_or(0)
}

/// The adapter runs on one thread whatever AWS_LAMBDA_MAX_CONCURRENCY: extra runtime
/// threads took turns with the app and woke each other, and served fewer concurrent
/// invocations per second (issue 15). Big bodies go to the blocking pool instead.
#[tokio::test]
async fn concurrent_invocations_share_one_thread() {
    let app = echo_app().await;
    for concurrency in [1, 4] {
        let runtime = runtime_api(Vec::new()).await;
        let adapter = start_adapter(
            &runtime,
            &[("AWS_LWA_PORT", &port_of(&app)), ("AWS_LAMBDA_MAX_CONCURRENCY", &concurrency.to_string())],
        );
        // Every worker is polling: the runtime is up and the app was found ready.
        let is_next = |r: &Request| r.url.path() == "/2018-06-01/runtime/invocation/next";
        wait_for(&runtime, concurrency, is_next).await;
        assert_eq!(threads_of(adapter.0.id()), 1, "AWS_LAMBDA_MAX_CONCURRENCY={concurrency}");
    }
}
