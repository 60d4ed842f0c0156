//! Helpers shared by the emulator's integration tests: a tiny HTTP/1.1 client on hyper,
//! a runtime's calls, the example functions, shell-script extensions.

use std::convert::Infallible;
use std::path::{Path, PathBuf};
use std::time::Duration;

use bytes::Bytes;
use http::{Method, Request};
use http_body_util::StreamBody;
use hyper::body::Frame;

#[path = "shared.rs"]
mod shared;

pub(crate) use shared::{example, get, request, send, Reply};

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
