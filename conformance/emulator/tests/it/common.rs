//! Helpers shared by the emulator's integration tests: a tiny HTTP/1.1 client on hyper,
//! a runtime's calls, the example functions, shell-script extensions.

use std::convert::Infallible;
use std::path::{Path, PathBuf};
use std::time::Duration;

use bytes::Bytes;
use http::{HeaderMap, Method, Request};
use http_body_util::{BodyExt, Full, StreamBody};
use hyper::body::Frame;
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

async fn send<B>(addr: &str, req: Request<B>) -> Reply
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

pub(crate) async fn post(addr: &str, path: &str, headers: &[(&str, &str)], body: impl Into<Bytes>) -> Reply {
    request(addr, Method::POST, path, headers, body).await
}

/// A chunked POST whose frames are sent with the given delays before each; a trailers
/// frame becomes real HTTP/1.1 trailers.
pub(crate) async fn post_frames(
    addr: &str,
    path: &str,
    headers: &[(&str, &str)],
    frames: Vec<(Duration, Frame<Bytes>)>,
) -> Reply {
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<Frame<Bytes>, Infallible>>(16);
    tokio::spawn(async move {
        for (delay, frame) in frames {
            tokio::time::sleep(delay).await;
            if tx.send(Ok(frame)).await.is_err() {
                return;
            }
        }
    });
    let body = StreamBody::new(tokio_stream::wrappers::ReceiverStream::new(rx));
    let mut builder =
        Request::builder().method(Method::POST).uri(path).header("host", addr).header("transfer-encoding", "chunked");
    for (k, v) in headers {
        builder = builder.header(*k, *v);
    }
    send(addr, builder.body(body).expect("request")).await
}

/// The next invocation, as a runtime sees it.
pub(crate) struct Next {
    pub(crate) id: String,
    pub(crate) reply: Reply,
}

pub(crate) async fn next(addr: &str) -> Next {
    let reply = get(addr, "/2018-06-01/runtime/invocation/next", &[]).await;
    assert_eq!(reply.status, 200, "next: {:?}", reply.body);
    let id = reply.header("lambda-runtime-aws-request-id").expect("a request id");
    Next { id, reply }
}

pub(crate) async fn respond(addr: &str, id: &str, body: impl Into<Bytes>) -> Reply {
    post(addr, &format!("/2018-06-01/runtime/invocation/{id}/response"), &[], body).await
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

/// Writes an executable shell script.
pub(crate) fn script(dir: &Path, name: &str, body: &str) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let path = dir.join(name);
    std::fs::write(&path, format!("#!/usr/bin/env bash\n{body}\n")).expect("write script");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    path
}

/// A bash extension: registers for `events`, then prints every event it gets and exits
/// after SHUTDOWN. `extra` runs after registration (before the loop).
pub(crate) fn shell_extension(events: &str, extra: &str) -> String {
    format!(
        r#"set -u
API="http://$AWS_LAMBDA_RUNTIME_API/2020-01-01/extension"
NAME="$(basename "$0")"
HEADERS="$(mktemp)"
curl -sS -D "$HEADERS" -o /dev/null -XPOST "$API/register" -H "Lambda-Extension-Name: $NAME" -d '{{"events":[{events}]}}'
ID="$(grep -i '^lambda-extension-identifier:' "$HEADERS" | cut -d' ' -f2 | tr -d '\r')"
echo "registered $ID"
{extra}
while true; do
  EVENT="$(curl -sS "$API/event/next" -H "Lambda-Extension-Identifier: $ID")"
  echo "event $EVENT"
  case "$EVENT" in *SHUTDOWN*) echo "bye"; exit 0;; esac
done
"#
    )
}
