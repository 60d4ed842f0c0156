//! The front door's HTTP server: real requests in, invocations of the [`Emulator`] out.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::SystemTime;

use bytes::Bytes;
use http::{HeaderName, HeaderValue, Request, Response, StatusCode};
use http_body_util::combinators::BoxBody;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::{Frame, Incoming};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::sync::mpsc;

use super::event::{build_event, EventContext};
use super::request::HttpRequest;
use super::response::{content_length_in, declared_content_length, from_outcome, stream_head, HttpResponse};
use super::Trigger;
use crate::emulator::ids;
use crate::{Emulator, Invocation, Outcome, ResponseEvent};

/// How the front door behaves.
#[derive(Debug, Clone)]
pub struct FrontDoor {
    /// The service it imitates.
    pub trigger: Trigger,
    /// Forward streamed responses chunk by chunk (Function URL `RESPONSE_STREAM`).
    pub stream: bool,
    /// Account, API id, stage and region used in events (`request_id` is replaced per
    /// request).
    pub context: EventContext,
    /// Write each event the trigger generated and the function's raw response to stderr.
    pub print_events: bool,
}

impl FrontDoor {
    /// A front door for `trigger` with default event context, buffered.
    pub fn new(trigger: Trigger) -> Self {
        Self { trigger, stream: false, context: EventContext::default(), print_events: false }
    }

    /// The largest request body the trigger accepts (ALB 1 MB; API Gateway and Function
    /// URLs take up to Lambda's 6 MB invoke payload once the event is built).
    fn request_limit(&self) -> usize {
        match self.trigger {
            Trigger::Alb | Trigger::AlbMulti => 1024 * 1024,
            _ => 6 * 1024 * 1024,
        }
    }
}

/// The body type of front door responses.
type Body = BoxBody<Bytes, std::io::Error>;

/// A streamed response body fed by a channel; an `Err` aborts the response.
struct ChannelBody(mpsc::UnboundedReceiver<Result<Bytes, std::io::Error>>);

impl hyper::body::Body for ChannelBody {
    type Data = Bytes;
    type Error = std::io::Error;

    fn poll_frame(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        self.0.poll_recv(cx).map(|item| item.map(|r| r.map(Frame::data)))
    }
}

/// Serves HTTP on `listener` until the task is dropped, invoking `emulator` per request.
pub async fn serve(listener: TcpListener, front: FrontDoor, emulator: Arc<Emulator>) {
    let front = Arc::new(front);
    loop {
        let Ok((stream, peer)) = listener.accept().await else {
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
            continue;
        };
        let _ = stream.set_nodelay(true);
        let front = front.clone();
        let emulator = emulator.clone();
        tokio::spawn(async move {
            let service = service_fn(move |req| {
                let front = front.clone();
                let emulator = emulator.clone();
                async move { Ok::<_, Infallible>(handle(&front, &emulator, peer, req).await) }
            });
            let _ = http1::Builder::new().serve_connection(TokioIo::new(stream), service).await;
        });
    }
}

fn full(response: HttpResponse) -> Response<Body> {
    let body = Full::new(response.body).map_err(|never: Infallible| match never {}).boxed();
    with_head(response.status, &response.headers, body)
}

fn with_head(status: u16, headers: &[(String, String)], body: Body) -> Response<Body> {
    let mut out = Response::new(body);
    *out.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_GATEWAY);
    for (k, v) in headers {
        if let (Ok(name), Ok(value)) = (HeaderName::from_bytes(k.as_bytes()), HeaderValue::from_str(v)) {
            out.headers_mut().append(name, value);
        }
    }
    out
}

/// `--print-events`: the event as the function receives it (pretty-printed).
fn print_event(id: &str, event: &serde_json::Value) {
    let text = serde_json::to_string_pretty(event).unwrap_or_else(|_| event.to_string());
    eprintln!("[front door] event {id}:\n{text}");
}

/// `--print-events`: the function's response as it came back: the payload as sent for a
/// buffered response, the prelude and the body for a streamed one, else the outcome.
fn print_response(id: &str, outcome: &Outcome) {
    let text = match outcome {
        Outcome::Buffered { body, .. } => String::from_utf8_lossy(body).into_owned(),
        Outcome::Streamed { prelude, body, error: None, .. } => format!(
            "(streamed) prelude {}\n{}",
            prelude.as_ref().map_or_else(|| "none".to_string(), ToString::to_string),
            String::from_utf8_lossy(body)
        ),
        other => other.to_json().to_string(),
    };
    eprintln!("[front door] Lambda response {id}:\n{text}");
}

/// The complete answer for a finished invocation. A HEAD answer has no body, so hyper
/// would send the length of nothing (or drop the header): the length the function declared
/// is set explicitly instead.
fn answer(trigger: super::Trigger, outcome: &Outcome, head: bool) -> Response<Body> {
    let mut response = from_outcome(trigger, outcome);
    if head && response.body.is_empty() {
        if let Some(length) = declared_content_length(outcome) {
            response.headers.retain(|(k, _)| !k.eq_ignore_ascii_case("content-length"));
            response.headers.push(("content-length".into(), length));
        }
    }
    full(response)
}

async fn handle(front: &FrontDoor, emulator: &Emulator, peer: SocketAddr, req: Request<Incoming>) -> Response<Body> {
    let time = SystemTime::now();
    let (parts, body) = req.into_parts();
    let body = match Limited::new(body, front.request_limit()).collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(_) => {
            return full(HttpResponse {
                status: 413,
                headers: vec![("content-type".into(), "application/json".into())],
                body: Bytes::from_static(br#"{"message":"Request Entity Too Large"}"#),
            })
        }
    };
    let request = HttpRequest {
        method: parts.method.to_string(),
        path: parts.uri.path().to_string(),
        query: parts.uri.query().unwrap_or_default().to_string(),
        headers: parts
            .headers
            .iter()
            .map(|(k, v)| (k.as_str().to_string(), String::from_utf8_lossy(v.as_bytes()).into_owned()))
            .collect(),
        body,
        source_ip: peer.ip(),
        time,
    };
    let mut context = front.context.clone();
    context.request_id = ids::uuid_v4();
    let head = parts.method == http::Method::HEAD;
    let event = build_event(front.trigger, &request, &context);
    if front.print_events {
        print_event(&context.request_id, &event);
    }
    let invocation = Invocation::json(&event);
    let print = front.print_events.then(|| context.request_id.clone());
    if !front.stream {
        let outcome = emulator.invoke(invocation).await;
        if let Some(id) = &print {
            print_response(id, &outcome);
        }
        return answer(front.trigger, &outcome, head);
    }
    let mut handle = emulator.invoke_streaming(invocation).await;
    loop {
        match handle.next_event().await {
            Some(ResponseEvent::StreamStarted { prelude }) => {
                let (status, mut headers) = stream_head(prelude.as_ref());
                if let Some(length) = prelude.as_ref().and_then(content_length_in).filter(|_| head) {
                    headers.push(("content-length".into(), length));
                }
                let (tx, rx) = mpsc::unbounded_channel();
                tokio::spawn(async move {
                    while let Some(event) = handle.next_event().await {
                        match event {
                            ResponseEvent::Chunk(chunk) => {
                                if tx.send(Ok(chunk.bytes)).is_err() {
                                    return;
                                }
                            }
                            ResponseEvent::Finished(outcome) => {
                                if let Some(id) = &print {
                                    print_response(id, &outcome);
                                }
                                if let Outcome::Streamed { error: Some(e), .. } = outcome {
                                    // A mid-stream error cuts the response off.
                                    let _ = tx.send(Err(std::io::Error::other(e.error_type)));
                                }
                                return;
                            }
                            ResponseEvent::StreamStarted { .. } => {}
                        }
                    }
                });
                return with_head(status, &headers, ChannelBody(rx).boxed());
            }
            Some(ResponseEvent::Finished(outcome)) => {
                if let Some(id) = &print {
                    print_response(id, &outcome);
                }
                return answer(front.trigger, &outcome, head);
            }
            Some(ResponseEvent::Chunk(_)) => {}
            None => {
                return full(from_outcome(front.trigger, &Outcome::Timeout));
            }
        }
    }
}
