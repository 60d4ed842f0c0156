//! The built-in echo app: `sample-apps/CONTRACT.md` in process, so the suite needs
//! nothing installed. It records every request it receives, tagged with the invocation's
//! request id (from `x-amzn-lambda-context`), so a case can check what arrived.

use std::convert::Infallible;
use std::io::Write;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64::Engine;
use bytes::Bytes;
use http::{Request, Response, StatusCode};
use http_body_util::combinators::BoxBody;
use http_body_util::{BodyExt, Full, StreamBody};
use hyper::body::{Frame, Incoming};
use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo};
use serde_json::{json, Value};
use tokio::net::TcpListener;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

/// The 1x1 PNG that `/binary` answers with.
pub const PNG_BASE64: &str =
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==";

/// One request as the app saw it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Received {
    /// The invocation's request id, from `x-amzn-lambda-context` (None for readiness probes).
    pub request_id: Option<String>,
    /// The method.
    pub method: String,
    /// The raw path.
    pub path: String,
    /// The raw query, without `?`.
    pub query: String,
    /// The raw request-target (path, and `?` with the query when there was one).
    pub target: String,
    /// Header pairs, lowercase names, in the order received.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Bytes,
}

impl Received {
    /// What arrived, from a request's head and its collected body. The request id is read
    /// from the adapter's `x-amzn-lambda-context` header (absent for readiness probes).
    pub fn from_parts(parts: &http::request::Parts, body: Bytes) -> Received {
        let request_id = parts
            .headers
            .get("x-amzn-lambda-context")
            .and_then(|v| serde_json::from_slice::<Value>(v.as_bytes()).ok())
            .and_then(|v| v.get("request_id").and_then(Value::as_str).map(str::to_owned));
        let path = parts.uri.path().to_owned();
        Received {
            request_id,
            method: parts.method.to_string(),
            query: parts.uri.query().unwrap_or("").to_owned(),
            target: parts.uri.path_and_query().map_or_else(|| path.clone(), |pq| pq.as_str().to_owned()),
            path,
            headers: parts
                .headers
                .iter()
                .map(|(k, v)| (k.as_str().to_owned(), String::from_utf8_lossy(v.as_bytes()).into_owned()))
                .collect(),
            body,
        }
    }

    /// Every value of a header joined with `, `, or None when absent.
    pub fn header(&self, name: &str) -> Option<String> {
        let values: Vec<&str> = self.headers.iter().filter(|(k, _)| k == name).map(|(_, v)| v.as_str()).collect();
        (!values.is_empty()).then(|| values.join(", "))
    }
}

/// How the echo app starts and answers its readiness path.
#[derive(Debug, Clone, Default)]
pub struct EchoOptions {
    /// Listen only after this long.
    pub start_delay: Duration,
    /// The status `GET /` answers with (200 when None).
    pub readiness_status: Option<u16>,
    /// Keep no record of the requests ([`EchoApp::received`] stays empty): for long runs
    /// such as the soak, where the record would grow by every request.
    pub forget: bool,
}

/// A running echo app; stops when dropped.
#[derive(Debug)]
pub struct EchoApp {
    port: u16,
    received: Arc<Mutex<Vec<Received>>>,
    task: JoinHandle<()>,
}

impl Drop for EchoApp {
    fn drop(&mut self) {
        self.task.abort();
    }
}

type Body = BoxBody<Bytes, std::io::Error>;

impl EchoApp {
    /// Starts the app on a free loopback port (listening after `options.start_delay`).
    pub async fn start(options: EchoOptions) -> std::io::Result<EchoApp> {
        let (port, listener) = if options.start_delay.is_zero() {
            let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
            listener.set_nonblocking(true)?;
            (listener.local_addr()?.port(), Some(TcpListener::from_std(listener)?))
        } else {
            // Nothing may listen during the delay, so the port is reserved by number only.
            (crate::net::free_port()?, None)
        };
        let received: Arc<Mutex<Vec<Received>>> = Arc::default();
        let recorded = (!options.forget).then(|| received.clone());
        let task = tokio::spawn(async move {
            let listener = match listener {
                Some(listener) => listener,
                None => {
                    tokio::time::sleep(options.start_delay).await;
                    match TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], port))).await {
                        Ok(listener) => listener,
                        Err(err) => {
                            tracing::error!("echo app cannot listen on {port}: {err}");
                            return;
                        }
                    }
                }
            };
            loop {
                let Ok((stream, _)) = listener.accept().await else { continue };
                // Like Node.js and most servers: no Nagle delay on small streamed writes.
                let _ = stream.set_nodelay(true);
                let recorded = recorded.clone();
                let readiness = options.readiness_status;
                tokio::spawn(async move {
                    let service = service_fn(move |req| {
                        let recorded = recorded.clone();
                        async move { Ok::<_, Infallible>(handle(req, recorded.as_deref(), readiness).await) }
                    });
                    let _ = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new())
                        .http1_only()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        Ok(EchoApp { port, received, task })
    }

    /// The port it listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Every request received so far.
    pub fn received(&self) -> Vec<Received> {
        self.received.lock().map(|r| r.clone()).unwrap_or_default()
    }

    /// The requests of one invocation.
    pub fn received_for(&self, request_id: &str) -> Vec<Received> {
        self.received().into_iter().filter(|r| r.request_id.as_deref() == Some(request_id)).collect()
    }
}

fn full(status: u16, content_type: Option<&str>, body: impl Into<Bytes>) -> Response<Body> {
    let mut response = Response::new(Full::new(body.into()).map_err(|never| match never {}).boxed());
    *response.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    if let Some(ct) = content_type {
        if let Ok(value) = ct.parse() {
            response.headers_mut().insert(http::header::CONTENT_TYPE, value);
        }
    }
    response
}

fn param(query: &str, name: &str) -> Option<u64> {
    query.split('&').filter_map(|kv| kv.split_once('=')).find(|(k, _)| *k == name).and_then(|(_, v)| v.parse().ok())
}

async fn handle(
    req: Request<Incoming>,
    recorded: Option<&Mutex<Vec<Received>>>,
    readiness: Option<u16>,
) -> Response<Body> {
    let (parts, body) = req.into_parts();
    let body = body.collect().await.map(|b| b.to_bytes()).unwrap_or_default();
    let seen = Received::from_parts(&parts, body);
    if let Some(Ok(mut all)) = recorded.map(Mutex::lock) {
        all.push(seen.clone());
    }
    route(&seen, readiness).await
}

async fn route(req: &Received, readiness: Option<u16>) -> Response<Body> {
    let path = req.path.as_str();
    let method = req.method.as_str();
    if path == "/echo" || path.starts_with("/echo/") {
        let headers: Vec<Value> = req.headers.iter().map(|(k, v)| json!([k, v])).collect();
        let echo = json!({
            "method": req.method,
            "path": req.path,
            "query": req.query,
            "headers": headers,
            "body": base64::engine::general_purpose::STANDARD.encode(&req.body),
        });
        return full(200, Some("application/json"), echo.to_string());
    }
    if let Some(code) = path.strip_prefix("/status/") {
        let code: u16 = code.parse().unwrap_or(400);
        let body = if matches!(code, 204 | 304) { String::new() } else { format!("status {code}") };
        return full(code, Some("text/plain"), body);
    }
    match (method, path) {
        ("GET", "/") => match readiness {
            Some(status) => full(status, Some("text/plain"), "not ready"),
            None => full(200, Some("text/plain"), "ok"),
        },
        ("GET", "/binary") => {
            let png = base64::engine::general_purpose::STANDARD.decode(PNG_BASE64).unwrap_or_default();
            full(200, Some("image/png"), png)
        }
        ("GET", "/cookies") => {
            let mut response = full(200, Some("application/json"), r#"{"cookies":3}"#);
            for cookie in ["a=1; Path=/", "b=2; Path=/; HttpOnly", "c=3; Path=/; Secure; SameSite=Strict"] {
                response.headers_mut().append(http::header::SET_COOKIE, http::HeaderValue::from_static(cookie));
            }
            response
        }
        ("GET", "/headers/multi") => {
            let mut response = full(200, Some("text/plain"), "multi");
            response.headers_mut().append("x-multi", http::HeaderValue::from_static("one"));
            response.headers_mut().append("x-multi", http::HeaderValue::from_static("two"));
            response
        }
        ("GET", "/big") => {
            let kb = param(&req.query, "kb").unwrap_or(1) as usize;
            full(200, Some("text/plain"), vec![b'a'; kb * 1024])
        }
        ("GET", "/stream") => stream(
            param(&req.query, "chunks").unwrap_or(5),
            param(&req.query, "delay_ms").unwrap_or(100),
            param(&req.query, "fail_after"),
        ),
        ("GET", "/redirect") => {
            let mut response = full(302, None, Bytes::new());
            response.headers_mut().insert(http::header::LOCATION, http::HeaderValue::from_static("/echo/redirected"));
            response
        }
        ("GET", "/empty") => full(204, None, Bytes::new()),
        ("GET", "/gzip") => {
            let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
            let _ = gz.write_all("hello gzip\n".repeat(20).as_bytes());
            let mut response = full(200, Some("text/plain"), gz.finish().unwrap_or_default());
            response.headers_mut().insert(http::header::CONTENT_ENCODING, http::HeaderValue::from_static("gzip"));
            response
        }
        ("POST", "/events") => full(200, Some("application/json"), req.body.clone()),
        ("GET", "/slow") => {
            let ms = param(&req.query, "ms").unwrap_or(1000);
            tokio::time::sleep(Duration::from_millis(ms)).await;
            full(200, Some("text/plain"), format!("slept {ms}"))
        }
        ("GET", "/context") => {
            let parse = |name: &str| {
                req.headers
                    .iter()
                    .find(|(k, _)| k == name)
                    .and_then(|(_, v)| serde_json::from_str::<Value>(v).ok())
                    .unwrap_or(Value::Null)
            };
            let body = json!({
                "request_context": parse("x-amzn-request-context"),
                "lambda_context": parse("x-amzn-lambda-context"),
            });
            full(200, Some("application/json"), body.to_string())
        }
        _ => full(404, Some("text/plain"), "not found"),
    }
}

/// `text/event-stream` chunks `data: {i}\n\n`, `delay_ms` apart; with `fail_after`, the
/// connection is cut after that many chunks, `delay_ms` (at least 20 ms) after the last.
///
/// The failure waits until hyper has taken the last chunk and then that long: a body
/// error that hyper finds in the same poll as a chunk drops the connection before that chunk
/// is flushed, so an immediate failure would race the chunk it follows.
fn stream(chunks: u64, delay_ms: u64, fail_after: Option<u64>) -> Response<Body> {
    let (tx, mut rx) = mpsc::channel::<Result<Frame<Bytes>, std::io::Error>>(1);
    tokio::spawn(async move {
        for i in 0..chunks {
            if fail_after == Some(i) {
                // Capacity comes back once hyper has received the previous chunk.
                if let Ok(permit) = tx.reserve().await {
                    tokio::time::sleep(Duration::from_millis(delay_ms.max(20))).await;
                    permit.send(Err(std::io::Error::other("the app failed mid-stream")));
                }
                return;
            }
            if i > 0 {
                tokio::time::sleep(Duration::from_millis(delay_ms)).await;
            }
            if tx.send(Ok(Frame::data(Bytes::from(format!("data: {i}\n\n"))))).await.is_err() {
                return;
            }
        }
    });
    let body = StreamBody::new(futures_util::stream::poll_fn(move |cx| rx.poll_recv(cx)));
    let mut response = Response::new(BodyExt::boxed(body));
    response.headers_mut().insert(http::header::CONTENT_TYPE, http::HeaderValue::from_static("text/event-stream"));
    response
}

#[cfg(test)]
mod tests {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    use super::*;

    /// What a client reads of `/stream?...&fail_after=1`: the raw bytes up to the cut.
    async fn read_failing_stream(port: u16) -> String {
        let mut conn = tokio::net::TcpStream::connect(("127.0.0.1", port)).await.unwrap();
        conn.write_all(b"GET /stream?chunks=3&delay_ms=0&fail_after=1 HTTP/1.1\r\nhost: app\r\n\r\n").await.unwrap();
        let mut raw = Vec::new();
        // The cut may come as a reset; what was read before it is what counts.
        let _ = tokio::time::timeout(Duration::from_secs(10), conn.read_to_end(&mut raw))
            .await
            .expect("the app cuts the connection");
        String::from_utf8_lossy(&raw).into_owned()
    }

    /// The chunk before the failure always reaches the client, and the chunked body never
    /// ends properly. Repeated because the failure used to race the chunk it follows.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_failing_stream_sends_its_chunks_then_cuts_the_connection() {
        let app = EchoApp::start(EchoOptions { forget: true, ..EchoOptions::default() }).await.unwrap();
        let reads = (0..40).map(|_| read_failing_stream(app.port()));
        for raw in futures_util::future::join_all(reads).await {
            assert!(raw.starts_with("HTTP/1.1 200 OK\r\n"), "{raw:?}");
            assert!(raw.contains("data: 0\n\n"), "the chunk before the failure is lost: {raw:?}");
            assert!(!raw.contains("data: 1"), "{raw:?}");
            assert!(!raw.ends_with("0\r\n\r\n"), "a cut stream must not end like a whole one: {raw:?}");
        }
    }
}
