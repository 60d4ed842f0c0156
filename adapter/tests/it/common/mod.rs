//! Shared by the adapter's black-box tests: the adapter process, a raw-TCP app, and a
//! hand-written fake Lambda (Runtime + Extensions API) that can misbehave on purpose.

use std::collections::HashMap;
use std::future::Future;
use std::io::BufRead;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use base64::Engine;
use bytes::Bytes;
use http::{HeaderMap, HeaderValue};
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, watch};

/// The adapter process; killed when dropped.
pub(crate) struct Adapter(pub(crate) Child);

impl Drop for Adapter {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The adapter binary, started as Lambda starts it: only environment variables, the
/// Runtime API at `runtime_api`, plus `env`.
pub(crate) fn adapter_command(runtime_api: &str, env: &[(&str, &str)]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_lambda-adapter"));
    command
        .env_clear()
        .env("AWS_LAMBDA_RUNTIME_API", runtime_api)
        .env("AWS_LAMBDA_FUNCTION_NAME", "binary-test")
        .env("AWS_LAMBDA_LOG_LEVEL", "debug")
        .stdin(Stdio::null());
    for (k, v) in env {
        command.env(k, v);
    }
    command
}

/// Milliseconds since the epoch, as Lambda's deadlines are written.
pub(crate) fn now_ms() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_millis() as u64
}

/// A running adapter whose stderr is kept, observed from `/proc` (Linux).
pub(crate) struct Running {
    adapter: Adapter,
    pid: u32,
    log: Arc<Mutex<String>>,
}

impl Running {
    /// Starts the adapter against the Runtime API at `runtime_api`.
    pub(crate) fn start(runtime_api: &str, env: &[(&str, &str)]) -> Running {
        let mut command = adapter_command(runtime_api, env);
        command.stderr(Stdio::piped());
        let mut child = command.spawn().expect("the adapter binary starts");
        let stderr = child.stderr.take().expect("stderr is piped");
        let log: Arc<Mutex<String>> = Arc::default();
        let sink = log.clone();
        std::thread::spawn(move || {
            let mut reader = std::io::BufReader::new(stderr);
            let mut line = Vec::new();
            while reader.read_until(b'\n', &mut line).map(|n| n > 0).unwrap_or(false) {
                sink.lock().unwrap().push_str(&String::from_utf8_lossy(&line));
                line.clear();
            }
        });
        Running { pid: child.id(), adapter: Adapter(child), log }
    }

    /// Everything the adapter wrote to stderr so far.
    pub(crate) fn log(&self) -> String {
        self.log.lock().unwrap().clone()
    }

    /// Waits (at most `within`) for a stderr line that `matches`; returns it.
    pub(crate) async fn log_line(&self, within: Duration, matches: impl Fn(&str) -> bool) -> Option<String> {
        let start = Instant::now();
        loop {
            if let Some(line) = self.log().lines().find(|l| matches(l)) {
                return Some(line.to_owned());
            }
            if start.elapsed() > within {
                return None;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Open file descriptors of the process (`/proc/<pid>/fd`).
    pub(crate) fn fds(&self) -> usize {
        std::fs::read_dir(format!("/proc/{}/fd", self.pid)).map(|d| d.count()).unwrap_or(0)
    }

    /// What the open file descriptors point at, for failure messages.
    pub(crate) fn fd_targets(&self) -> Vec<String> {
        let Ok(dir) = std::fs::read_dir(format!("/proc/{}/fd", self.pid)) else { return Vec::new() };
        dir.filter_map(|e| e.ok())
            .map(|e| {
                let target = std::fs::read_link(e.path()).map(|t| t.display().to_string()).unwrap_or_default();
                format!("{}->{target}", e.file_name().to_string_lossy())
            })
            .collect()
    }

    /// The process state letter and its CPU time (user + system) in clock ticks, from
    /// `/proc/<pid>/stat`; `None` once the process is reaped.
    pub(crate) fn stat(&self) -> Option<(char, u64)> {
        let stat = std::fs::read_to_string(format!("/proc/{}/stat", self.pid)).ok()?;
        // The command name may hold spaces and parentheses: fields start after the last ')'.
        let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
        let state = fields.first()?.chars().next()?;
        let utime: u64 = fields.get(11)?.parse().ok()?;
        let stime: u64 = fields.get(12)?.parse().ok()?;
        Some((state, utime + stime))
    }

    /// CPU time used so far, in clock ticks.
    pub(crate) fn cpu_ticks(&self) -> u64 {
        self.stat().map_or(0, |(_, ticks)| ticks)
    }

    /// Waits (at most `within`) for the process to exit by itself. Returns its status and
    /// the CPU ticks it had used when it ended (read before it is reaped).
    pub(crate) async fn exit_within(&mut self, within: Duration) -> Option<(ExitStatus, u64)> {
        let start = Instant::now();
        let mut ticks = self.cpu_ticks();
        loop {
            if let Some((state, now)) = self.stat() {
                ticks = now;
                if state == 'Z' {
                    let status = self.adapter.0.wait().expect("wait for the adapter");
                    return Some((status, ticks));
                }
            } else if let Ok(Some(status)) = self.adapter.0.try_wait() {
                return Some((status, ticks));
            }
            if start.elapsed() > within {
                return None;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Whether the process is still running.
    pub(crate) fn alive(&mut self) -> bool {
        matches!(self.adapter.0.try_wait(), Ok(None))
    }

    /// Whether the process is still running (without reaping it).
    pub(crate) fn running(&self) -> bool {
        self.stat().is_some_and(|(state, _)| state != 'Z')
    }
}

/// Waits until `ready()` holds, checking every 20 ms, at most `within`.
pub(crate) async fn eventually(within: Duration, ready: impl Fn() -> bool) -> bool {
    let start = Instant::now();
    while !ready() {
        if start.elapsed() > within {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    true
}

/// Resolves once `stop` is set; never when its sender is dropped without setting it.
async fn stopped(mut stop: watch::Receiver<bool>) {
    if stop.wait_for(|s| *s).await.is_err() {
        std::future::pending::<()>().await;
    }
}

/// A raw-TCP app: connection number `n` (from 0) is handed to `serve(n, socket)`. It
/// counts the connections it accepted and those still open (a connection is open until
/// its `serve` future ends), and can be stopped as a dying process would: the listener
/// and every connection closed.
pub(crate) struct RawApp {
    /// Where it listens (127.0.0.1).
    pub(crate) port: u16,
    accepted: Arc<AtomicUsize>,
    open: Arc<AtomicUsize>,
    stop: watch::Sender<bool>,
}

impl RawApp {
    /// Listens on 127.0.0.1:`port` (0: any free port).
    pub(crate) async fn start<F, Fut>(port: u16, serve: F) -> RawApp
    where
        F: Fn(usize, TcpStream) -> Fut + Send + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        let listener = TcpListener::bind(("127.0.0.1", port)).await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let (stop, stop_rx) = watch::channel(false);
        let accepted: Arc<AtomicUsize> = Arc::default();
        let open: Arc<AtomicUsize> = Arc::default();
        let (counted, still_open) = (accepted.clone(), open.clone());
        tokio::spawn(async move {
            for n in 0.. {
                let (socket, _) = tokio::select! {
                    accepted = listener.accept() => match accepted {
                        Ok(accepted) => accepted,
                        Err(_) => return,
                    },
                    () = stopped(stop_rx.clone()) => return,
                };
                counted.fetch_add(1, Ordering::SeqCst);
                still_open.fetch_add(1, Ordering::SeqCst);
                let (serving, open, stop) = (serve(n, socket), still_open.clone(), stop_rx.clone());
                tokio::spawn(async move {
                    tokio::select! {
                        () = serving => {}
                        () = stopped(stop) => {}
                    }
                    open.fetch_sub(1, Ordering::SeqCst);
                });
            }
        });
        RawApp { port, accepted, open, stop }
    }

    /// Connections accepted so far.
    pub(crate) fn accepted(&self) -> usize {
        self.accepted.load(Ordering::SeqCst)
    }

    /// Connections still open (their `serve` has not ended).
    pub(crate) fn open(&self) -> usize {
        self.open.load(Ordering::SeqCst)
    }

    /// Dies: the listener and every connection are closed.
    pub(crate) fn stop(&self) {
        let _ = self.stop.send(true);
    }
}

/// [`RawApp`] on any free port, kept running; its port as text.
pub(crate) async fn raw_app<F, Fut>(serve: F) -> String
where
    F: Fn(usize, TcpStream) -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    RawApp::start(0, serve).await.port.to_string()
}

/// One connection of a raw app: reads HTTP/1.1 requests (bodies by content-length, as the
/// adapter sends them), writes whatever the test wants.
pub(crate) struct Conn {
    /// The socket.
    pub(crate) socket: TcpStream,
    buf: Vec<u8>,
}

impl Conn {
    pub(crate) fn new(socket: TcpStream) -> Self {
        Conn { socket, buf: Vec::new() }
    }

    async fn fill(&mut self) -> bool {
        let mut chunk = [0u8; 16 * 1024];
        match self.socket.read(&mut chunk).await {
            Ok(0) | Err(_) => false,
            Ok(n) => {
                self.buf.extend_from_slice(&chunk[..n]);
                true
            }
        }
    }

    /// The next request head (through the blank line); `None` when the peer closed first.
    pub(crate) async fn head(&mut self) -> Option<String> {
        loop {
            if let Some(end) = self.buf.windows(4).position(|w| w == b"\r\n\r\n") {
                let head: Vec<u8> = self.buf.drain(..end + 4).collect();
                return Some(String::from_utf8_lossy(&head).into_owned());
            }
            if !self.fill().await {
                return None;
            }
        }
    }

    /// The body `head` announces with content-length (none without one).
    pub(crate) async fn body(&mut self, head: &str) -> Option<Vec<u8>> {
        let length = header_of(head, "content-length").and_then(|v| v.parse::<usize>().ok()).unwrap_or(0);
        while self.buf.len() < length {
            if !self.fill().await {
                return None;
            }
        }
        Some(self.buf.drain(..length).collect())
    }

    /// The next whole request: head and body.
    pub(crate) async fn request(&mut self) -> Option<(String, Vec<u8>)> {
        let head = self.head().await?;
        let body = self.body(&head).await?;
        Some((head, body))
    }

    /// Writes `bytes`; `false` when the peer is gone.
    pub(crate) async fn send(&mut self, bytes: &[u8]) -> bool {
        self.socket.write_all(bytes).await.is_ok()
    }

    /// Reads and drops everything until the peer closes (or resets) the connection.
    pub(crate) async fn until_closed(&mut self) {
        while self.fill().await {
            self.buf.clear();
        }
    }

    /// Closes with a TCP reset instead of a FIN.
    pub(crate) fn reset(self) {
        let _ = self.socket.set_zero_linger();
        drop(self.socket);
    }
}

/// The request target (path and query) of a request head.
pub(crate) fn target_of(head: &str) -> &str {
    head.split(' ').nth(1).unwrap_or("/")
}

/// The first value of header `name` (any case) in a head.
pub(crate) fn header_of<'a>(head: &'a str, name: &str) -> Option<&'a str> {
    head.lines()
        .skip(1)
        .filter_map(|line| line.split_once(':'))
        .find(|(k, _)| k.trim().eq_ignore_ascii_case(name))
        .map(|(_, v)| v.trim())
}

/// A Function URL event (streamable in response_stream mode; the v2 format when buffered).
pub(crate) fn furl_event(method: &str, path: &str, body: &str, headers: &[(&str, &str)]) -> Vec<u8> {
    let mut all = serde_json::Map::new();
    all.insert("host".into(), "abc.lambda-url.us-east-1.on.aws".into());
    for (k, v) in headers {
        all.insert((*k).into(), (*v).into());
    }
    serde_json::json!({
        "version": "2.0", "rawPath": path, "rawQueryString": "", "headers": all,
        "requestContext": {"http": {"method": method, "path": path}, "domainName": "abc.lambda-url.us-east-1.on.aws"},
        "body": body, "isBase64Encoded": false
    })
    .to_string()
    .into_bytes()
}

// ---------------------------------------------------------------------------------------
// The fake Lambda.
// ---------------------------------------------------------------------------------------

/// The extension identifier the fake Lambda hands out.
pub(crate) const EXTENSION_ID: &str = "ext-id-1";

/// The `Lambda-Runtime-Deadline-Ms` of an invocation.
#[derive(Debug, Clone)]
pub(crate) enum Deadline {
    /// This many ms after the event is handed out, as an epoch time (what Lambda sends).
    In(u64),
    /// This exact value.
    Header(HeaderValue),
    /// No header.
    Absent,
}

/// One invocation the fake Lambda hands out.
#[derive(Debug, Clone)]
pub(crate) struct Invocation {
    id: Option<HeaderValue>,
    body: Bytes,
    deadline: Deadline,
    delay: Duration,
}

impl Invocation {
    /// Request id `id`, the event `body`, 10 s to run.
    pub(crate) fn new(id: &str, body: impl Into<Bytes>) -> Self {
        Invocation {
            id: Some(HeaderValue::from_str(id).unwrap()),
            body: body.into(),
            deadline: Deadline::In(10_000),
            delay: Duration::ZERO,
        }
    }

    /// The invocation's deadline, `ms` after it is handed out.
    pub(crate) fn deadline_in(self, ms: u64) -> Self {
        self.deadline(Deadline::In(ms))
    }

    /// The invocation's deadline header.
    pub(crate) fn deadline(mut self, deadline: Deadline) -> Self {
        self.deadline = deadline;
        self
    }

    /// The request id header as given (`None`: absent).
    pub(crate) fn raw_id(mut self, id: Option<HeaderValue>) -> Self {
        self.id = id;
        self
    }

    /// Handed out only `delay` after the adapter asks (a slow `/next`).
    pub(crate) fn after(mut self, delay: Duration) -> Self {
        self.delay = delay;
        self
    }

    fn key(&self) -> String {
        self.id.as_ref().map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned()).unwrap_or_default()
    }
}

/// How the fake Lambda answers one `invocation/next`.
#[derive(Debug, Clone)]
pub(crate) enum Next {
    /// With an invocation.
    Event(Invocation),
    /// With an error status (500: "the runtime should exit promptly").
    Status(u16),
    /// By dropping the connection unanswered (Lambda itself is still up).
    Cut,
}

impl From<Invocation> for Next {
    fn from(invocation: Invocation) -> Self {
        Next::Event(invocation)
    }
}

/// How the fake Lambda answers a result (`/response` or `/error`) post.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PostAnswer {
    /// 202 once the whole body is in.
    Accept,
    /// This status once the whole body is in.
    Status(u16),
    /// The connection is dropped after the first frame of the body.
    CutMidBody,
}

/// A result post the fake Lambda received.
#[derive(Debug, Clone)]
pub(crate) struct Posted {
    /// The request id, as it appears in the path.
    pub(crate) id: String,
    /// `response` or `error`.
    pub(crate) kind: String,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Vec<u8>,
    pub(crate) trailers: HeaderMap,
    /// The invocation's deadline (epoch ms), when it had one.
    pub(crate) deadline_ms: Option<u64>,
    /// When the body ended (epoch ms).
    pub(crate) arrived_ms: u64,
    /// How the fake answered.
    pub(crate) answer: PostAnswer,
    /// Whether the body was read to its end.
    pub(crate) complete: bool,
}

impl Posted {
    /// Sent in Lambda's streaming response mode.
    pub(crate) fn streamed(&self) -> bool {
        self.headers.get("lambda-runtime-function-response-mode").is_some_and(|v| v == "streaming")
    }

    /// The body as JSON (buffered responses and invocation errors).
    pub(crate) fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }

    /// The streamed prelude and what follows it.
    fn split_stream(&self) -> Option<(Value, Vec<u8>)> {
        let split = self.body.windows(8).position(|w| w == [0u8; 8])?;
        Some((serde_json::from_slice(&self.body[..split]).ok()?, self.body[split + 8..].to_vec()))
    }

    /// The error type: of an invocation error, or of a streamed response's trailers.
    pub(crate) fn error_type(&self) -> Option<String> {
        if self.kind == "error" {
            return self.json()["errorType"].as_str().map(str::to_owned);
        }
        self.trailers.get("lambda-runtime-function-error-type").map(|v| v.to_str().unwrap_or("?").to_owned())
    }

    /// The error message: of an invocation error, or from a streamed response's trailers.
    pub(crate) fn error_message(&self) -> Option<String> {
        if self.kind == "error" {
            return self.json()["errorMessage"].as_str().map(str::to_owned);
        }
        let encoded = self.trailers.get("lambda-runtime-function-error-body")?;
        let body = base64::engine::general_purpose::STANDARD.decode(encoded.as_bytes()).ok()?;
        serde_json::from_slice::<Value>(&body).ok()?["errorMessage"].as_str().map(str::to_owned)
    }

    /// The app's status, from the buffered payload or the streamed prelude.
    pub(crate) fn status(&self) -> Option<u64> {
        if self.kind != "response" {
            return None;
        }
        if self.streamed() {
            return self.split_stream()?.0["statusCode"].as_u64();
        }
        self.json()["statusCode"].as_u64()
    }

    /// The app's body as delivered to Lambda.
    pub(crate) fn payload(&self) -> Vec<u8> {
        if self.streamed() {
            return self.split_stream().map(|(_, body)| body).unwrap_or_default();
        }
        let json = self.json();
        let body = json["body"].as_str().unwrap_or("");
        if json["isBase64Encoded"] == Value::Bool(true) {
            base64::engine::general_purpose::STANDARD.decode(body).unwrap_or_default()
        } else {
            body.as_bytes().to_vec()
        }
    }

    /// A one-line summary for failure messages (bodies cut to 300 bytes).
    pub(crate) fn summary(&self) -> String {
        let body = String::from_utf8_lossy(&self.body[..self.body.len().min(300)]).into_owned();
        format!(
            "{} {} ({} bytes{}): {body:?}, trailers {:?}",
            self.kind,
            self.id,
            self.body.len(),
            if self.complete { "" } else { ", cut" },
            self.trailers
        )
    }
}

struct State {
    next: tokio::sync::Mutex<mpsc::UnboundedReceiver<Next>>,
    /// Method and path of every request, in arrival order.
    requests: Mutex<Vec<(String, String)>>,
    /// Request id -> its deadline, for every invocation handed out.
    handed_out: Mutex<HashMap<String, Option<u64>>>,
    answers: Mutex<HashMap<String, PostAnswer>>,
    posts: Mutex<Vec<Posted>>,
}

type FakeBody = Full<Bytes>;

fn answer(status: u16, body: &str) -> Response<FakeBody> {
    Response::builder().status(status).body(Full::new(Bytes::from(body.to_owned()))).unwrap()
}

/// A fake Lambda: Runtime API and Extensions API on one port, serving the invocations
/// pushed to it (holding `/next` open until there is one), recording every result, and
/// misbehaving on request.
pub(crate) struct FakeLambda {
    /// `host:port`, for AWS_LAMBDA_RUNTIME_API.
    pub(crate) address: String,
    queue: mpsc::UnboundedSender<Next>,
    state: Arc<State>,
    gone: watch::Sender<bool>,
}

impl FakeLambda {
    pub(crate) async fn start() -> FakeLambda {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap().to_string();
        let (queue, receiver) = mpsc::unbounded_channel();
        let state = Arc::new(State {
            next: tokio::sync::Mutex::new(receiver),
            requests: Mutex::default(),
            handed_out: Mutex::default(),
            answers: Mutex::default(),
            posts: Mutex::default(),
        });
        let (gone, gone_rx) = watch::channel(false);
        let shared = state.clone();
        tokio::spawn(async move {
            loop {
                let stream = tokio::select! {
                    accepted = listener.accept() => match accepted {
                        Ok((stream, _)) => stream,
                        Err(_) => return,
                    },
                    () = stopped(gone_rx.clone()) => return,
                };
                let (state, gone) = (shared.clone(), gone_rx.clone());
                tokio::spawn(async move {
                    let service = service_fn(move |req| handle(state.clone(), req));
                    let connection =
                        hyper::server::conn::http1::Builder::new().serve_connection(TokioIo::new(stream), service);
                    tokio::select! {
                        _ = connection => {}
                        () = stopped(gone) => {}
                    }
                });
            }
        });
        FakeLambda { address, queue, state, gone }
    }

    /// Queues the answer to a coming `invocation/next`.
    pub(crate) fn push(&self, next: impl Into<Next>) {
        self.queue.send(next.into()).unwrap();
    }

    /// How to answer the result posts for request id `id` (default: 202).
    pub(crate) fn answer_posts(&self, id: &str, answer: PostAnswer) {
        self.state.answers.lock().unwrap().insert(id.to_owned(), answer);
    }

    /// Every result post so far.
    pub(crate) fn posts(&self) -> Vec<Posted> {
        self.state.posts.lock().unwrap().clone()
    }

    /// The first result post for `id`, waiting at most `within`; panics (listing what
    /// arrived) when none does.
    pub(crate) async fn posted(&self, id: &str, within: Duration) -> Posted {
        match self.try_posted(id, within).await {
            Some(found) => found,
            None => {
                let seen: Vec<String> = self.posts().iter().map(Posted::summary).collect();
                panic!("no result for {id:?} within {within:?}; results: {seen:#?}");
            }
        }
    }

    /// The first result post for `id`, waiting at most `within`.
    pub(crate) async fn try_posted(&self, id: &str, within: Duration) -> Option<Posted> {
        let start = Instant::now();
        loop {
            if let Some(found) = self.posts().into_iter().find(|p| p.id == id) {
                return Some(found);
            }
            if start.elapsed() > within {
                return None;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    /// How many requests had `method` and `path`.
    pub(crate) fn count(&self, method: &str, path: &str) -> usize {
        self.state.requests.lock().unwrap().iter().filter(|(m, p)| m == method && p == path).count()
    }

    /// Every request so far: method and path.
    pub(crate) fn requests(&self) -> Vec<(String, String)> {
        self.state.requests.lock().unwrap().clone()
    }

    /// Lambda is gone: the listener and every connection are closed; new connections
    /// are refused.
    pub(crate) fn go_away(&self) {
        let _ = self.gone.send(true);
    }
}

/// `invocation/next`.
pub(crate) const NEXT: &str = "/2018-06-01/runtime/invocation/next";

async fn handle(state: Arc<State>, req: Request<Incoming>) -> Result<Response<FakeBody>, std::io::Error> {
    let path = req.uri().path().to_owned();
    state.requests.lock().unwrap().push((req.method().to_string(), path.clone()));
    match path.as_str() {
        "/2020-01-01/extension/register" => {
            return Ok(Response::builder()
                .header("lambda-extension-identifier", EXTENSION_ID)
                .body(Full::new(Bytes::from_static(b"{}")))
                .unwrap());
        }
        // SHUTDOWN never comes: held until the connection goes.
        "/2020-01-01/extension/event/next" => std::future::pending::<()>().await,
        "/2020-01-01/extension/init/error" | "/2020-01-01/extension/exit/error" => return Ok(answer(202, "")),
        NEXT => return next(&state).await,
        _ => {}
    }
    let Some(rest) = path.strip_prefix("/2018-06-01/runtime/invocation/") else {
        return Ok(answer(404, r#"{"errorMessage":"not found","errorType":"NotFound"}"#));
    };
    let (id, kind) = rest.rsplit_once('/').unwrap_or((rest, ""));
    let decoded = percent_encoding::percent_decode_str(id).decode_utf8_lossy().into_owned();
    let (id, kind) = (id.to_owned(), kind.to_owned());
    let known = state.handed_out.lock().unwrap().get(&decoded).copied();
    let answer_with = state.answers.lock().unwrap().get(&decoded).copied().unwrap_or(PostAnswer::Accept);
    let headers = req.headers().clone();
    let mut posted = Posted {
        id,
        kind,
        headers,
        body: Vec::new(),
        trailers: HeaderMap::new(),
        deadline_ms: known.flatten(),
        arrived_ms: 0,
        answer: answer_with,
        complete: false,
    };
    let mut body = req.into_body();
    loop {
        match body.frame().await {
            None => {
                posted.complete = true;
                break;
            }
            Some(Err(_)) => break,
            Some(Ok(frame)) => {
                match frame.into_data() {
                    Ok(data) => posted.body.extend_from_slice(&data),
                    Err(frame) => {
                        if let Ok(trailers) = frame.into_trailers() {
                            posted.trailers = trailers;
                        }
                    }
                }
                if answer_with == PostAnswer::CutMidBody {
                    posted.arrived_ms = now_ms();
                    state.posts.lock().unwrap().push(posted);
                    return Err(std::io::Error::other("cut mid-post"));
                }
            }
        }
    }
    posted.arrived_ms = now_ms();
    state.posts.lock().unwrap().push(posted);
    Ok(match (known, answer_with) {
        (None, _) => answer(400, r#"{"errorMessage":"Invalid request ID","errorType":"InvalidRequestID"}"#),
        (_, PostAnswer::Status(status)) => {
            answer(status, r#"{"errorMessage":"refused by the test","errorType":"Test"}"#)
        }
        _ => answer(202, r#"{"status":"OK"}"#),
    })
}

async fn next(state: &State) -> Result<Response<FakeBody>, std::io::Error> {
    let next = state.next.lock().await.recv().await;
    let invocation = match next {
        None => std::future::pending().await,
        Some(Next::Cut) => return Err(std::io::Error::other("/next cut by the test")),
        Some(Next::Status(status)) => {
            return Ok(answer(status, r#"{"errorMessage":"failed by the test","errorType":"Test"}"#));
        }
        Some(Next::Event(invocation)) => invocation,
    };
    tokio::time::sleep(invocation.delay).await;
    let mut response = Response::builder()
        .header("lambda-runtime-invoked-function-arn", "arn:aws:lambda:us-east-1:123456789012:function:hostile")
        .header("lambda-runtime-trace-id", "Root=1-00000000-000000000000000000000000;Sampled=0");
    if let Some(id) = &invocation.id {
        response = response.header("lambda-runtime-aws-request-id", id.clone());
    }
    let deadline_ms = match &invocation.deadline {
        Deadline::In(ms) => {
            let at = now_ms() + ms;
            response = response.header("lambda-runtime-deadline-ms", at.to_string());
            Some(at)
        }
        Deadline::Header(value) => {
            response = response.header("lambda-runtime-deadline-ms", value.clone());
            None
        }
        Deadline::Absent => None,
    };
    let key = invocation.key();
    if !key.is_empty() {
        state.handed_out.lock().unwrap().insert(key, deadline_ms);
    }
    Ok(response.body(Full::new(invocation.body)).unwrap())
}
