//! The apps a case runs against: the built-in echo app, or a real Express, Flask or Spring
//! app from `sample-apps/` behind a recording proxy. The proxy sees exactly what the
//! adapter sent on the wire, so app-side expectations do not depend on how a framework
//! parses requests (WSGI merging repeated headers, for example).

use std::convert::Infallible;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http::{Request, Response};
use http_body_util::combinators::BoxBody;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::{TokioExecutor, TokioIo};
use tokio::net::TcpListener;
use tokio::process::{Child, Command};
use tokio::task::JoinHandle;

use crate::echo_app::{EchoApp, EchoOptions, Received};

/// Which app a case runs against.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, clap::ValueEnum)]
pub enum AppKind {
    /// The built-in echo app (in process, nothing to install).
    Echo,
    /// `sample-apps/express` (Node.js).
    Express,
    /// `sample-apps/flask` (gunicorn).
    Flask,
    /// `sample-apps/spring` (Tomcat, Spring Web MVC).
    Spring,
}

impl AppKind {
    /// Every real framework app.
    pub const REAL: [AppKind; 3] = [AppKind::Express, AppKind::Flask, AppKind::Spring];

    /// The name used in reports.
    pub fn name(self) -> &'static str {
        match self {
            AppKind::Echo => "echo",
            AppKind::Express => "express",
            AppKind::Flask => "flask",
            AppKind::Spring => "spring",
        }
    }

    /// The command that starts the app from a checkout rooted at `root` (None for the
    /// in-process echo app).
    pub fn command(self, root: &Path) -> Option<AppCommand> {
        if self == AppKind::Echo {
            return None;
        }
        let dir = root.join("sample-apps").join(self.name());
        let argv = vec![dir.join("run.sh").to_string_lossy().into_owned()];
        Some(AppCommand { name: self.name().to_owned(), argv, dir })
    }

    /// Response headers this framework adds on its own (declared in
    /// `sample-apps/CONTRACT.md`); cross-framework comparison ignores them.
    pub fn added_headers(self) -> &'static [&'static str] {
        match self {
            AppKind::Echo => &["date"],
            AppKind::Express => &["date", "x-powered-by", "etag", "keep-alive", "connection"],
            AppKind::Flask => &["date", "server", "connection"],
            AppKind::Spring => &["date", "connection"],
        }
    }
}

/// How to start a real app: a sample app of this checkout, or the command of a container
/// image (in the container host's agent).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppCommand {
    /// The name used in messages.
    pub name: String,
    /// The command line; the app reads `PORT` and `START_DELAY_MS` from its environment.
    pub argv: Vec<String>,
    /// Its working directory.
    pub dir: PathBuf,
}

/// A real app process, killed (with its process group) when dropped.
#[derive(Debug)]
pub struct AppProcess {
    name: String,
    port: u16,
    child: Child,
}

impl Drop for AppProcess {
    fn drop(&mut self) {
        if let Some(pid) = self.child.id() {
            if let Some(pid) = rustix::process::Pid::from_raw(pid as i32) {
                let _ = rustix::process::kill_process_group(pid, rustix::process::Signal::KILL);
            }
        }
        let _ = self.child.start_kill();
    }
}

impl AppProcess {
    /// Starts a sample app and waits (up to `ready_within`) until `GET /` answers, unless
    /// `start_delay` is set, in which case it returns at once (the adapter's readiness
    /// check is what the case tests).
    pub async fn start(
        kind: AppKind,
        root: &Path,
        start_delay: Duration,
        ready_within: Duration,
    ) -> Result<AppProcess, String> {
        let command = kind.command(root).ok_or("the echo app runs in process")?;
        AppProcess::spawn(&command, start_delay, ready_within).await
    }

    /// Starts `app` on a free port, as [`AppProcess::start`] does for a sample app.
    pub async fn spawn(app: &AppCommand, start_delay: Duration, ready_within: Duration) -> Result<AppProcess, String> {
        let AppCommand { name, argv, dir } = app;
        let port = crate::net::free_port().map_err(|e| e.to_string())?;
        let (program, args) = argv.split_first().ok_or_else(|| format!("{name}: an empty command"))?;
        let mut command = Command::new(program);
        command
            .args(args)
            .current_dir(dir)
            .env("PORT", port.to_string())
            .env("START_DELAY_MS", start_delay.as_millis().to_string())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0)
            .kill_on_drop(true);
        let child = command.spawn().map_err(|e| format!("{name} did not start ({}): {e}", argv.join(" ")))?;
        let app = AppProcess { name: name.clone(), port, child };
        if start_delay.is_zero() {
            app.wait_ready(ready_within).await?;
        }
        Ok(app)
    }

    /// The port it listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    async fn wait_ready(&self, within: Duration) -> Result<(), String> {
        let started = Instant::now();
        while started.elapsed() < within {
            if tokio::net::TcpStream::connect(("127.0.0.1", self.port)).await.is_ok() {
                return Ok(());
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        Err(format!("{} did not listen on {} within {within:?} (run `just setup`)", self.name, self.port))
    }
}

type ProxyBody = BoxBody<Bytes, hyper::Error>;

/// A recording HTTP/1.1 proxy in front of a real app: records every request (like the
/// echo app does) and streams the answer back frame by frame.
#[derive(Debug)]
pub struct RecordingProxy {
    port: u16,
    received: Arc<Mutex<Vec<Received>>>,
    task: JoinHandle<()>,
}

impl Drop for RecordingProxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl RecordingProxy {
    /// A proxy on a free port forwarding to `127.0.0.1:upstream`.
    pub async fn start(upstream: u16) -> std::io::Result<RecordingProxy> {
        let listener = TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0))).await?;
        let port = listener.local_addr()?.port();
        let received: Arc<Mutex<Vec<Received>>> = Arc::default();
        let recorded = received.clone();
        let mut connector = HttpConnector::new();
        connector.set_nodelay(true);
        let client: Client<HttpConnector, Full<Bytes>> = Client::builder(TokioExecutor::new()).build(connector);
        let task = tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else { continue };
                let _ = stream.set_nodelay(true);
                let (recorded, client) = (recorded.clone(), client.clone());
                tokio::spawn(async move {
                    let service = service_fn(move |req| {
                        let (recorded, client) = (recorded.clone(), client.clone());
                        async move { Ok::<_, Infallible>(forward(req, upstream, &recorded, &client).await) }
                    });
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        Ok(RecordingProxy { port, received, task })
    }

    /// The port the adapter talks to.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Every request so far.
    pub fn received_all(&self) -> Vec<Received> {
        self.received.lock().map(|r| r.clone()).unwrap_or_default()
    }

    /// The requests of one invocation.
    pub fn received_for(&self, request_id: &str) -> Vec<Received> {
        self.received_all().into_iter().filter(|r| r.request_id.as_deref() == Some(request_id)).collect()
    }
}

async fn forward(
    req: Request<Incoming>,
    upstream: u16,
    recorded: &Mutex<Vec<Received>>,
    client: &Client<HttpConnector, Full<Bytes>>,
) -> Response<ProxyBody> {
    let (mut parts, body) = req.into_parts();
    let body = body.collect().await.map(|b| b.to_bytes()).unwrap_or_default();
    let seen = Received::from_parts(&parts, body.clone());
    if let Ok(mut all) = recorded.lock() {
        all.push(seen);
    }
    let target = parts.uri.path_and_query().map_or("/", |pq| pq.as_str()).to_owned();
    parts.uri = match format!("http://127.0.0.1:{upstream}{target}").parse() {
        Ok(uri) => uri,
        Err(_) => return bad_gateway("unparsable target"),
    };
    match client.request(Request::from_parts(parts, Full::new(body))).await {
        Ok(response) => response.map(BodyExt::boxed),
        Err(err) => bad_gateway(&err.to_string()),
    }
}

fn bad_gateway(why: &str) -> Response<ProxyBody> {
    let body = Full::new(Bytes::from(format!("recording proxy: {why}"))).map_err(|never| match never {}).boxed();
    let mut response = Response::new(body);
    *response.status_mut() = http::StatusCode::BAD_GATEWAY;
    response
}

/// An app ready for one case: the echo app, or a proxy in front of a real app (shared
/// across cases, or started for this case when it needs its own start delay).
// One handle per case, moved once: the size difference between the variants costs nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug)]
pub enum AppHandle {
    /// The built-in echo app.
    Echo(EchoApp),
    /// A real app behind a recording proxy.
    Proxied {
        /// The proxy the adapter talks to.
        proxy: RecordingProxy,
        /// A process started for this case only.
        dedicated: Option<AppProcess>,
    },
}

impl AppHandle {
    /// Prepares the app for a case.
    pub async fn prepare(
        kind: AppKind,
        shared: Option<&AppProcess>,
        root: &Path,
        options: EchoOptions,
    ) -> Result<AppHandle, String> {
        if kind == AppKind::Echo {
            return EchoApp::start(options)
                .await
                .map(AppHandle::Echo)
                .map_err(|e| format!("the echo app did not start: {e}"));
        }
        let command = kind.command(root).ok_or("the echo app runs in process")?;
        AppHandle::prepare_real(&command, shared, options.start_delay).await
    }

    /// A recording proxy in front of `shared`, or in front of a process of `command`
    /// started for this case when it needs a start delay (or nothing is shared).
    pub async fn prepare_real(
        command: &AppCommand,
        shared: Option<&AppProcess>,
        start_delay: Duration,
    ) -> Result<AppHandle, String> {
        let (upstream, dedicated) = match shared {
            Some(app) if start_delay.is_zero() => (app.port(), None),
            _ => {
                let app = AppProcess::spawn(command, start_delay, Duration::from_secs(30)).await?;
                (app.port(), Some(app))
            }
        };
        let proxy =
            RecordingProxy::start(upstream).await.map_err(|e| format!("the recording proxy did not start: {e}"))?;
        Ok(AppHandle::Proxied { proxy, dedicated })
    }

    /// The port the adapter must send to.
    pub fn port(&self) -> u16 {
        match self {
            AppHandle::Echo(app) => app.port(),
            AppHandle::Proxied { proxy, .. } => proxy.port(),
        }
    }

    /// What arrived for one invocation.
    pub fn received_for(&self, request_id: &str) -> Vec<Received> {
        match self {
            AppHandle::Echo(app) => app.received_for(request_id),
            AppHandle::Proxied { proxy, .. } => proxy.received_for(request_id),
        }
    }
}
