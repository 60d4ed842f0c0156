//! The tiny HTTP/1.1 client and the example functions, shared by the emulator's tests and
//! the suite's (`conformance/tests/it/common/mod.rs` includes this file by path).

use std::path::Path;

use bytes::Bytes;
use http::{HeaderMap, Method, Request};
use http_body_util::{BodyExt, Full};
use hyper_util::rt::TokioIo;
use serde_json::Value;
use tokio::net::TcpStream;

/// An HTTP answer.
#[derive(Debug)]
pub(crate) struct Reply {
    pub(crate) status: u16,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Bytes,
}

impl Reply {
    pub(crate) fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }

    pub(crate) fn header(&self, name: &str) -> Option<String> {
        self.headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_string)
    }
}

pub(crate) async fn send<B>(addr: &str, req: Request<B>) -> Reply
where
    B: hyper::body::Body<Data = Bytes> + Send + 'static,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    let stream = TcpStream::connect(addr).await.expect("connect to the emulator");
    let _ = stream.set_nodelay(true);
    let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream)).await.expect("handshake");
    tokio::spawn(conn);
    let response = sender.send_request(req).await.expect("send request");
    let (parts, body) = response.into_parts();
    let body = body.collect().await.map(|c| c.to_bytes()).unwrap_or_default();
    Reply { status: parts.status.as_u16(), headers: parts.headers, body }
}

/// One request with a complete body.
pub(crate) async fn request(
    addr: &str,
    method: Method,
    path: &str,
    headers: &[(&str, &str)],
    body: impl Into<Bytes>,
) -> Reply {
    let mut builder = Request::builder().method(method).uri(path).header("host", addr);
    for (k, v) in headers {
        builder = builder.header(*k, *v);
    }
    let req = builder.body(Full::new(body.into())).expect("request");
    send(addr, req).await
}

pub(crate) async fn get(addr: &str, path: &str, headers: &[(&str, &str)]) -> Reply {
    request(addr, Method::GET, path, headers, Bytes::new()).await
}

/// Path of an example binary (target/<profile>/examples/<name>). `cargo test` builds
/// the examples, but `cargo test --test <file>` does not: then it is built here once.
pub(crate) fn example(name: &str) -> String {
    static BUILD: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let exe = std::env::current_exe().expect("test binary path");
    let profile_dir = exe.parent().and_then(Path::parent).expect("target/<profile> directory");
    let path = profile_dir.join("examples").join(name);
    if !path.exists() {
        let _guard = BUILD.lock().unwrap_or_else(|e| e.into_inner());
        if !path.exists() {
            let status = std::process::Command::new(env!("CARGO"))
                .args(["build", "-p", "lwa-emulator", "--example", name])
                .status()
                .expect("run cargo build");
            assert!(status.success(), "cargo build --example {name} failed");
        }
    }
    assert!(path.exists(), "example {name} not built at {}", path.display());
    path.to_string_lossy().into_owned()
}
