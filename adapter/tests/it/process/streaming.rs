//! Response streaming through the binary, against a small hyper Runtime API that records
//! every frame of the streamed response with its arrival time (wiremock cannot see
//! chunk timing or trailers).

use std::convert::Infallible;
use std::process::{Command, Stdio};

use crate::common::Adapter;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use http_body_util::{BodyExt, Full, StreamBody};
use hyper::body::{Frame, Incoming};
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::{TokioExecutor, TokioIo};
use serde_json::{json, Value};
use tokio::net::TcpListener;
use tokio::sync::mpsc;

/// What the fake Runtime API saw of one streamed response.
#[derive(Debug, Default, Clone)]
struct Streamed {
    headers: Vec<(String, String)>,
    chunks: Vec<(Duration, Bytes)>,
    trailers: Vec<(String, String)>,
}

type Shared<T> = Arc<Mutex<T>>;

async fn serve<F, Fut>(listener: TcpListener, handler: F)
where
    F: Fn(Request<Incoming>) -> Fut + Clone + Send + 'static,
    Fut: std::future::Future<Output = Response<http_body_util::combinators::BoxBody<Bytes, Infallible>>> + Send,
{
    loop {
        let (stream, _) = listener.accept().await.unwrap();
        let handler = handler.clone();
        tokio::spawn(async move {
            let service = service_fn(move |req| {
                let handler = handler.clone();
                async move { Ok::<_, Infallible>(handler(req).await) }
            });
            let _ = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new())
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}

fn full(body: impl Into<Bytes>) -> http_body_util::combinators::BoxBody<Bytes, Infallible> {
    Full::new(body.into()).boxed()
}

/// A Runtime API that hands out `events` (request ids `0`, `1`, ...) with `deadline_ms`
/// left, and records results.
async fn fake_lambda(events: Vec<Vec<u8>>, deadline_ms: u64) -> (String, Shared<Vec<(String, Streamed)>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap().to_string();
    let queue = Arc::new(Mutex::new(events.into_iter().enumerate().collect::<std::collections::VecDeque<_>>()));
    let results: Shared<Vec<(String, Streamed)>> = Arc::default();
    let recorded = results.clone();
    tokio::spawn(serve(listener, move |req: Request<Incoming>| {
        let queue = queue.clone();
        let results = recorded.clone();
        async move {
            let path = req.uri().path().to_owned();
            if path.ends_with("/extension/register") {
                return Response::builder().header("lambda-extension-identifier", "id").body(full("{}")).unwrap();
            }
            if path.ends_with("/extension/event/next") {
                tokio::time::sleep(Duration::from_secs(600)).await;
            }
            if path.ends_with("/invocation/next") {
                let next = queue.lock().unwrap().pop_front();
                let Some((id, event)) = next else {
                    tokio::time::sleep(Duration::from_secs(600)).await;
                    return Response::new(full(""));
                };
                let deadline = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_millis() as u64 + deadline_ms;
                return Response::builder()
                    .header("lambda-runtime-aws-request-id", id.to_string())
                    .header("lambda-runtime-deadline-ms", deadline.to_string())
                    .body(full(event))
                    .unwrap();
            }
            let start = Instant::now();
            let mut seen = Streamed {
                headers: req
                    .headers()
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.to_str().unwrap_or("").to_owned()))
                    .collect(),
                ..Default::default()
            };
            let mut body = req.into_body();
            while let Some(Ok(frame)) = body.frame().await {
                match frame.into_data() {
                    Ok(data) => seen.chunks.push((start.elapsed(), data)),
                    Err(frame) => {
                        if let Ok(trailers) = frame.into_trailers() {
                            seen.trailers = trailers
                                .iter()
                                .map(|(k, v)| (k.to_string(), v.to_str().unwrap_or("").to_owned()))
                                .collect();
                        }
                    }
                }
            }
            results.lock().unwrap().push((path, seen));
            Response::builder().status(202).body(full("")).unwrap()
        }
    }));
    (address, results)
}

/// An app whose `/stream` sends 4 chunks 150 ms apart, and whose `/broken` dies mid-body;
/// `/error-stall` answers 502, sends `partial` and never ends; `/error-big` answers 502
/// with 4 KiB of `e`.
async fn streaming_app() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(serve(listener, |req: Request<Incoming>| async move {
        match req.uri().path() {
            "/error-stall" => {
                let (tx, rx) = mpsc::channel::<Result<Frame<Bytes>, Infallible>>(1);
                tokio::spawn(async move {
                    let _ = tx.send(Ok(Frame::data(Bytes::from_static(b"partial")))).await;
                    // Keep the body open, sending nothing more.
                    tokio::time::sleep(Duration::from_secs(600)).await;
                    drop(tx);
                });
                Response::builder().status(502).body(StreamBody::new(tokio_stream_from(rx)).boxed()).unwrap()
            }
            "/error-big" => Response::builder().status(502).body(full("e".repeat(4096))).unwrap(),
            "/stream" | "/broken" => {
                let broken = req.uri().path() == "/broken";
                let (tx, rx) = mpsc::channel::<Result<Frame<Bytes>, Infallible>>(1);
                tokio::spawn(async move {
                    for i in 0..4 {
                        if tx.send(Ok(Frame::data(Bytes::from(format!("data: {i}\n\n"))))).await.is_err() {
                            return;
                        }
                        tokio::time::sleep(Duration::from_millis(150)).await;
                    }
                });
                let body = StreamBody::new(tokio_stream_from(rx)).boxed();
                let mut builder =
                    Response::builder().header("content-type", "text/event-stream").header("set-cookie", "s=1");
                if broken {
                    // Promise more than is sent, so the body ends early with an error.
                    builder = builder.header("content-length", "1000");
                }
                builder.body(body).unwrap()
            }
            _ => Response::new(full("ok")),
        }
    }));
    port
}

fn tokio_stream_from<T: Send + 'static>(mut rx: mpsc::Receiver<T>) -> impl futures_util::Stream<Item = T> {
    futures_util::stream::poll_fn(move |cx| rx.poll_recv(cx))
}

fn furl(path: &str) -> Vec<u8> {
    json!({
        "version": "2.0", "rawPath": path, "rawQueryString": "", "headers": {"host": "abc.lambda-url.us-east-1.on.aws"},
        "requestContext": {"http": {"method": "GET"}, "domainName": "abc.lambda-url.us-east-1.on.aws"}
    })
    .to_string()
    .into_bytes()
}

async fn run(events: Vec<Vec<u8>>, count: usize) -> Vec<(String, Streamed)> {
    run_with(events, count, 10_000, &[]).await
}

/// [`run`] with `deadline_ms` per invocation and extra environment variables.
async fn run_with(
    events: Vec<Vec<u8>>,
    count: usize,
    deadline_ms: u64,
    env: &[(&str, &str)],
) -> Vec<(String, Streamed)> {
    let port = streaming_app().await;
    let (address, results) = fake_lambda(events, deadline_ms).await;
    let mut command = Command::new(env!("CARGO_BIN_EXE_lambda-adapter"));
    command
        .env_clear()
        .env("AWS_LAMBDA_RUNTIME_API", address)
        .env("AWS_LWA_PORT", port.to_string())
        .env("AWS_LWA_INVOKE_MODE", "response_stream")
        .stdin(Stdio::null());
    for (k, v) in env {
        command.env(k, v);
    }
    let _adapter = Adapter(command.spawn().unwrap());
    let start = Instant::now();
    while results.lock().unwrap().len() < count && start.elapsed() < Duration::from_secs(15) {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let out = results.lock().unwrap().clone();
    assert_eq!(out.len(), count, "results: {out:?}");
    out
}

#[tokio::test]
async fn chunks_are_forwarded_as_they_arrive() {
    let out = run(vec![furl("/stream")], 1).await;
    let (path, seen) = &out[0];
    assert_eq!(path, "/2018-06-01/runtime/invocation/0/response");
    let header = |name: &str| seen.headers.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str());
    assert_eq!(header("lambda-runtime-function-response-mode"), Some("streaming"));
    assert_eq!(header("content-type"), Some("application/vnd.awslambda.http-integration-response"));
    assert_eq!(header("transfer-encoding"), Some("chunked"));

    let all: Vec<u8> = seen.chunks.iter().flat_map(|(_, c)| c.to_vec()).collect();
    let split = all.windows(8).position(|w| w == [0u8; 8]).expect("eight NUL bytes after the prelude");
    let prelude: Value = serde_json::from_slice(&all[..split]).unwrap();
    assert_eq!(prelude["statusCode"], 200);
    assert_eq!(prelude["headers"]["content-type"], "text/event-stream");
    assert_eq!(prelude["cookies"], json!(["s=1"]));
    assert_eq!(&all[split + 8..], b"data: 0\n\ndata: 1\n\ndata: 2\n\ndata: 3\n\n");

    // Each app chunk reaches Lambda on its own, about 150 ms after the one before: four
    // frames, in order, and a median gap well above zero (held back and sent together,
    // they would arrive at once). The median, with a wide margin, holds on a loaded
    // machine where one gap may shrink.
    let data_chunks: Vec<_> = seen.chunks.iter().filter(|(_, c)| c.starts_with(b"data: ")).collect();
    assert_eq!(data_chunks.len(), 4, "one frame per app chunk: {:?}", seen.chunks);
    let mut gaps: Vec<Duration> = data_chunks.windows(2).map(|pair| pair[1].0 - pair[0].0).collect();
    gaps.sort();
    assert!(gaps[1] >= Duration::from_millis(75), "chunks were held back and sent together: {gaps:?}");
    assert!(seen.trailers.is_empty());
}

#[tokio::test]
async fn a_broken_stream_is_reported_in_trailers_not_in_the_body() {
    let out = run(vec![furl("/broken"), furl("/stream")], 2).await;
    let (_, broken) = out.iter().find(|(p, _)| p.contains("/invocation/0/")).unwrap();
    let trailer = |name: &str| broken.trailers.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());
    assert_eq!(trailer("lambda-runtime-function-error-type").as_deref(), Some("Adapter.AppConnectionError"));
    assert!(trailer("lambda-runtime-function-error-body").is_some());
    let body: Vec<u8> = broken.chunks.iter().flat_map(|(_, c)| c.to_vec()).collect();
    assert!(!String::from_utf8_lossy(&body).contains("Lambda-Runtime"), "no error text in the payload");
    assert!(out.iter().any(|(p, _)| p.contains("/invocation/1/")), "the next event is served");
}

/// The invocation-error body Lambda received for request id `id`.
fn error_of(out: &[(String, Streamed)], id: &str) -> Value {
    let (_, seen) = out
        .iter()
        .find(|(p, _)| p.ends_with(&format!("/invocation/{id}/error")))
        .unwrap_or_else(|| panic!("no error for {id}: {out:?}"));
    let body: Vec<u8> = seen.chunks.iter().flat_map(|(_, c)| c.to_vec()).collect();
    serde_json::from_slice(&body).unwrap()
}

/// Regression (issue 14): with AWS_LWA_ERROR_STATUS_CODES in response_stream mode, the
/// error body was read with no deadline, so an app that sent a 5xx head and then stalled
/// hung the worker for good. The body is read until the invocation deadline: the error
/// reaches Lambda with what arrived, and the next event is served.
#[tokio::test]
async fn error_status_with_a_stalled_body_fails_at_the_deadline() {
    let out =
        run_with(vec![furl("/error-stall"), furl("/stream")], 2, 1_500, &[("AWS_LWA_ERROR_STATUS_CODES", "500-504")])
            .await;
    let error = error_of(&out, "0");
    assert_eq!(error["errorType"], "Adapter.AppErrorStatus");
    let message = error["errorMessage"].as_str().unwrap();
    assert!(message.contains("502") && message.contains("partial"), "{message}");
    assert!(out.iter().any(|(p, _)| p.ends_with("/invocation/1/response")), "the next event is served");
}

/// Regression (issue 14): in response_stream mode an error body over 1 KiB gave an empty
/// error message (the size limit turned the whole read into an error, replaced by
/// nothing). The first KiB is the message, with a marker saying it was cut.
#[tokio::test]
async fn error_status_with_a_big_body_keeps_its_first_kib() {
    let out = run_with(vec![furl("/error-big")], 1, 10_000, &[("AWS_LWA_ERROR_STATUS_CODES", "502")]).await;
    let error = error_of(&out, "0");
    assert_eq!(error["errorType"], "Adapter.AppErrorStatus");
    let message = error["errorMessage"].as_str().unwrap();
    assert!(message.contains(&"e".repeat(1024)), "{message}");
    assert!(!message.contains(&"e".repeat(1025)), "at most 1 KiB of the body: {message}");
    assert!(message.contains("truncated"), "{message}");
}

/// Regression (issue 14): a request the adapter refuses (here a body marked base64 that
/// is not) was posted buffered in response_stream mode, where Lambda reads the answer as
/// a stream: the client would have got the JSON envelope as the body of a 200. It is
/// streamed: a prelude with the refusal's status, then its body.
#[tokio::test]
async fn a_refused_request_is_streamed_with_its_status() {
    let mut event: Value = serde_json::from_slice(&furl("/echo")).unwrap();
    event["body"] = json!("not base64 at all!");
    event["isBase64Encoded"] = json!(true);
    let out = run(vec![event.to_string().into_bytes()], 1).await;
    let (path, seen) = &out[0];
    assert!(path.ends_with("/invocation/0/response"), "{path}");
    let header = |name: &str| seen.headers.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str());
    assert_eq!(header("lambda-runtime-function-response-mode"), Some("streaming"));
    let all: Vec<u8> = seen.chunks.iter().flat_map(|(_, c)| c.to_vec()).collect();
    let split = all.windows(8).position(|w| w == [0u8; 8]).expect("eight NUL bytes after the prelude");
    let prelude: Value = serde_json::from_slice(&all[..split]).unwrap();
    assert_eq!(prelude["statusCode"], 400);
    assert_eq!(prelude["headers"]["content-type"], "application/json");
    let body: Value = serde_json::from_slice(&all[split + 8..]).unwrap();
    assert!(body["message"].as_str().unwrap().contains("base64"), "{body}");
}
