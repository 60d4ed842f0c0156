//! Front door round trips: real HTTP in, the trigger's event to an in-process fake
//! function (a raw Runtime API client), its answer back as HTTP.

use std::sync::Arc;
use std::time::{Duration, Instant};

use base64::Engine as _;
use bytes::Bytes;
use http::{Method, Request};
use http_body_util::{BodyExt, Full};
use hyper::body::Frame;
use hyper_util::rt::TokioIo;
use lwa_emulator::gateway::{self, FrontDoor, Trigger};
use lwa_emulator::{Emulator, EmulatorConfig};
use serde_json::{json, Value};
use tokio::net::{TcpListener, TcpStream};

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

/// A fake function: echoes the event back as a base64 body prefixed with a NUL byte,
/// with two cookies in the trigger's own way. `/malformed` answers garbage.
async fn fake_function(addr: String, trigger: Trigger) {
    loop {
        let n = crate::common::next(&addr).await;
        let event: Value = serde_json::from_slice(&n.reply.body).unwrap_or_default();
        let path = event["rawPath"].as_str().or(event["path"].as_str()).unwrap_or_default().to_string();
        if path == "/malformed" {
            crate::common::respond(&addr, &n.id, "this is not json").await;
            continue;
        }
        let mut body = vec![0u8];
        body.extend(serde_json::to_vec(&event).unwrap_or_default());
        let encoded = B64.encode(&body);
        let response = match trigger {
            Trigger::Rest | Trigger::AlbMulti => json!({
                "statusCode": 201,
                "statusDescription": "201 Created",
                "multiValueHeaders": {"set-cookie": ["a=1", "b=2"], "content-type": ["application/octet-stream"]},
                "body": encoded,
                "isBase64Encoded": true
            }),
            Trigger::Alb => json!({
                "statusCode": 201,
                "statusDescription": "201 Created",
                "headers": {"set-cookie": "a=1", "content-type": "application/octet-stream"},
                "body": encoded,
                "isBase64Encoded": true
            }),
            Trigger::HttpApi | Trigger::FunctionUrl => json!({
                "statusCode": 201,
                "headers": {"content-type": "application/octet-stream"},
                "cookies": ["a=1", "b=2"],
                "body": encoded,
                "isBase64Encoded": true
            }),
        };
        crate::common::respond(&addr, &n.id, response.to_string()).await;
    }
}

struct Setup {
    _emulator: Arc<Emulator>,
    front: String,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

impl Drop for Setup {
    fn drop(&mut self) {
        for t in &self.tasks {
            t.abort();
        }
    }
}

async fn setup(trigger: Trigger, stream: bool, function: impl FnOnce(String) -> tokio::task::JoinHandle<()>) -> Setup {
    let emulator =
        Arc::new(Emulator::start(EmulatorConfig::new().timeout(Duration::from_secs(3))).await.expect("emulator"));
    let runtime = function(emulator.runtime_api());
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let front = listener.local_addr().expect("addr").to_string();
    let mut door = FrontDoor::new(trigger);
    door.stream = stream;
    let server = tokio::spawn(gateway::serve(listener, door, emulator.clone()));
    Setup { _emulator: emulator, front, tasks: vec![runtime, server] }
}

#[tokio::test]
async fn round_trip_for_every_trigger() {
    let payload: Vec<u8> = vec![0x89, b'P', b'N', b'G', 0, 255];
    for trigger in Trigger::ALL {
        let s = setup(trigger, false, |addr| tokio::spawn(fake_function(addr, trigger))).await;
        let r = crate::common::request(
            &s.front,
            Method::POST,
            "/items/a%20b?tag=x&tag=y&q=1",
            &[("content-type", "image/png"), ("cookie", "c1=v1; c2=v2"), ("x-multi", "1"), ("x-multi", "2")],
            payload.clone(),
        )
        .await;
        assert_eq!(r.status, 201, "{trigger}: {:?}", r.body);
        let cookies: Vec<_> = r.headers.get_all("set-cookie").iter().filter_map(|v| v.to_str().ok()).collect();
        if trigger == Trigger::Alb {
            assert_eq!(cookies, vec!["a=1"], "{trigger}");
        } else {
            assert_eq!(cookies, vec!["a=1", "b=2"], "{trigger}");
        }
        assert_eq!(r.body.first(), Some(&0u8), "{trigger}: the body was base64-decoded");
        let event: Value = serde_json::from_slice(&r.body[1..]).expect("event echoed");
        assert_eq!(event["isBase64Encoded"], true, "{trigger}");
        assert_eq!(event["body"], B64.encode(&payload), "{trigger}");
        match trigger {
            Trigger::Rest => {
                assert_eq!(event["path"], "/items/a%20b");
                assert_eq!(event["multiValueQueryStringParameters"]["tag"], json!(["x", "y"]));
                assert_eq!(event["multiValueHeaders"]["x-multi"], json!(["1", "2"]));
                assert_eq!(event["headers"]["cookie"], "c1=v1; c2=v2");
                assert_eq!(event["requestContext"]["identity"]["sourceIp"], "127.0.0.1");
                assert!(event["requestContext"]["requestTimeEpoch"].as_u64().is_some());
            }
            Trigger::HttpApi | Trigger::FunctionUrl => {
                assert_eq!(event["rawPath"], "/items/a%20b");
                assert_eq!(event["rawQueryString"], "tag=x&tag=y&q=1");
                assert_eq!(event["queryStringParameters"]["tag"], "x,y");
                assert_eq!(event["cookies"], json!(["c1=v1", "c2=v2"]));
                assert_eq!(event["headers"]["x-multi"], "1,2");
                assert_eq!(event["requestContext"]["http"]["sourceIp"], "127.0.0.1");
            }
            Trigger::Alb => {
                assert_eq!(event["queryStringParameters"]["tag"], "y");
                assert_eq!(event["headers"]["x-multi"], "2");
            }
            Trigger::AlbMulti => {
                assert_eq!(event["multiValueQueryStringParameters"]["tag"], json!(["x", "y"]));
                assert_eq!(event["multiValueHeaders"]["x-multi"], json!(["1", "2"]));
            }
        }
        // A malformed Lambda response is a 502.
        let bad = crate::common::get(&s.front, "/malformed", &[]).await;
        assert_eq!(bad.status, 502, "{trigger}");
        if !matches!(trigger, Trigger::Alb | Trigger::AlbMulti) {
            assert!(
                bad.json()["message"].as_str().is_some_and(|m| m.eq_ignore_ascii_case("internal server error")),
                "{trigger}"
            );
        }
    }
}

/// A streaming fake function: prelude, then two chunks 300 ms apart.
async fn streaming_function(addr: String) {
    loop {
        let n = crate::common::next(&addr).await;
        let ms = Duration::from_millis;
        crate::common::post_frames(
            &addr,
            &format!("/2018-06-01/runtime/invocation/{}/response", n.id),
            &[
                ("lambda-runtime-function-response-mode", "streaming"),
                ("content-type", "application/vnd.awslambda.http-integration-response"),
            ],
            vec![
                (
                    ms(0),
                    Frame::data(Bytes::from(
                        r#"{"statusCode":202,"headers":{"content-type":"text/event-stream"},"cookies":["s=1"]}"#
                            .to_string()
                            + "\0\0\0\0\0\0\0\0"
                            + "first\n",
                    )),
                ),
                (ms(300), Frame::data(Bytes::from_static(b"second\n"))),
            ],
        )
        .await;
    }
}

#[tokio::test]
async fn function_url_streaming_forwards_chunks_as_they_arrive() {
    let s = setup(Trigger::FunctionUrl, true, |addr| tokio::spawn(streaming_function(addr))).await;
    let stream = TcpStream::connect(&s.front).await.expect("connect");
    let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream)).await.expect("handshake");
    tokio::spawn(conn);
    let started = Instant::now();
    let req =
        Request::builder().uri("/events").header("host", &s.front).body(Full::new(Bytes::new())).expect("request");
    let response = sender.send_request(req).await.expect("response");
    assert_eq!(response.status(), 202);
    assert_eq!(response.headers().get("set-cookie").map(|v| v.as_bytes()), Some(&b"s=1"[..]));
    let mut body = response.into_body();
    let mut arrivals = Vec::new();
    while let Some(frame) = body.frame().await {
        if let Ok(data) = frame.expect("frame").into_data() {
            arrivals.push((started.elapsed(), data));
        }
    }
    let text: Vec<u8> = arrivals.iter().flat_map(|(_, d)| d.to_vec()).collect();
    assert_eq!(text, b"first\nsecond\n");
    assert!(arrivals.len() >= 2, "{arrivals:?}");
    assert!(arrivals[0].0 + Duration::from_millis(200) < arrivals[arrivals.len() - 1].0, "{arrivals:?}");
}

/// Answers every invocation with an empty body declaring `content-length: 1234`, as the
/// adapter does for a HEAD request (it copies the app's header).
async fn head_function(addr: String) {
    loop {
        let n = crate::common::next(&addr).await;
        let response = json!({
            "statusCode": 200,
            "headers": {"content-type": "text/plain", "content-length": "1234"},
            "body": "",
        });
        crate::common::respond(&addr, &n.id, response.to_string()).await;
    }
}

/// Issue 16: HEAD answers lost the adapter's `content-length` (hyper drops or recomputes it
/// for an empty body unless it is set explicitly).
#[tokio::test]
async fn head_keeps_the_declared_content_length() {
    for trigger in [Trigger::HttpApi, Trigger::Rest, Trigger::Alb] {
        let s = setup(trigger, false, |addr| tokio::spawn(head_function(addr))).await;
        let r = crate::common::request(&s.front, Method::HEAD, "/file.txt", &[], Bytes::new()).await;
        assert_eq!(r.status, 200, "{trigger}");
        assert_eq!(r.header("content-length").as_deref(), Some("1234"), "{trigger}");
        assert!(r.body.is_empty());
        // A GET with the same empty body must not claim 1234 bytes it does not send.
        let r = crate::common::get(&s.front, "/file.txt", &[]).await;
        assert_eq!(r.header("content-length").as_deref(), Some("0"), "{trigger}");
    }
}
