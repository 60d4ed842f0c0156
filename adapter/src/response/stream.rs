//! Lambda response streaming: a JSON prelude, eight NUL bytes, then the app's body as it
//! arrives; a failure mid-stream goes in HTTP/1.1 trailers, never into the body.
//!
//! The body is forwarded frame by frame (no buffering, no copy): [`ResponseStream`]
//! wraps the app's body and is itself the body of the `invocation/response` request.

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use base64::Engine;
use bytes::{Bytes, BytesMut};
use http::{HeaderMap, HeaderValue, StatusCode};
use http_body::{Body, Frame};
use serde_json::{Map, Value};
use tokio::time::{Instant, Sleep};

use crate::event::{connection_options, Source, HOP_BY_HOP};

/// The content type of a streamed HTTP integration response.
pub const CONTENT_TYPE: &str = "application/vnd.awslambda.http-integration-response";
/// Trailer naming the error type of a failed stream.
pub const ERROR_TYPE_TRAILER: &str = "lambda-runtime-function-error-type";
/// Trailer carrying the base64 error body of a failed stream.
pub const ERROR_BODY_TRAILER: &str = "lambda-runtime-function-error-body";

/// Whether responses to events of `source` can be streamed (Function URLs and REST APIs
/// can; HTTP APIs, ALB and pass-through events get their buffered format).
pub fn can_stream(source: Source) -> bool {
    matches!(source, Source::FunctionUrl | Source::ApiGatewayV1)
}

/// The prelude: `{"statusCode","headers","cookies"}` then eight NUL bytes.
pub fn prelude(status: StatusCode, headers: &HeaderMap) -> Bytes {
    let mut single = Map::new();
    let mut cookies = Vec::new();
    let listed = connection_options(headers);
    for name in headers.keys() {
        if HOP_BY_HOP.contains(name) || listed.contains(name) || name == http::header::CONTENT_LENGTH {
            continue;
        }
        // Fault injection for the suite's self-test: a prelude that loses the content type.
        #[cfg(feature = "fault-prelude-drop-content-type")]
        if name == http::header::CONTENT_TYPE {
            continue;
        }
        let values: Vec<String> =
            headers.get_all(name).iter().map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned()).collect();
        if name == http::header::SET_COOKIE {
            cookies.extend(values);
        } else {
            single.insert(name.as_str().into(), values.join(", ").into());
        }
    }
    let json =
        serde_json::json!({ "statusCode": status.as_u16(), "headers": Value::Object(single), "cookies": cookies });
    let mut out = BytesMut::from(json.to_string().as_bytes());
    out.extend_from_slice(&[0u8; 8]);
    out.freeze()
}

/// The body of a streamed response: the prelude, then the app's frames, then trailers
/// when the app's body fails or the deadline passes.
pub struct ResponseStream<B> {
    prelude: Option<Bytes>,
    inner: B,
    deadline: Option<Pin<Box<Sleep>>>,
    finished: bool,
}

impl<B> std::fmt::Debug for ResponseStream<B> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ResponseStream")
            .field("prelude_sent", &self.prelude.is_none())
            .field("deadline", &self.deadline.as_ref().map(|d| d.deadline()))
            .field("finished", &self.finished)
            .finish_non_exhaustive()
    }
}

impl<B> ResponseStream<B> {
    /// Streams `inner` after `prelude`, failing with `Adapter.AppTimeout` at `deadline`.
    pub fn new(prelude: Bytes, inner: B, deadline: Option<Instant>) -> Self {
        ResponseStream {
            prelude: Some(prelude),
            inner,
            deadline: deadline.map(|d| Box::pin(tokio::time::sleep_until(d))),
            finished: false,
        }
    }

    /// Ends the stream: the trailers that report the deadline passing.
    fn timed_out(&mut self) -> Frame<Bytes> {
        self.finished = true;
        let message = "the app's response did not finish before the invocation deadline";
        tracing::error!("{message}");
        Frame::trailers(error_trailers("Adapter.AppTimeout", message))
    }
}

/// Trailers that report a failed stream.
pub fn error_trailers(error_type: &str, message: &str) -> HeaderMap {
    let mut trailers = HeaderMap::new();
    let body = serde_json::json!({ "errorMessage": message, "errorType": error_type, "stackTrace": [] }).to_string();
    let encoded = base64::engine::general_purpose::STANDARD.encode(body);
    if let Ok(value) = HeaderValue::from_str(error_type) {
        trailers.insert(ERROR_TYPE_TRAILER, value);
    }
    if let Ok(value) = HeaderValue::from_str(&encoded) {
        trailers.insert(ERROR_BODY_TRAILER, value);
    }
    trailers
}

impl<B> Body for ResponseStream<B>
where
    B: Body<Data = Bytes> + Unpin,
    B::Error: std::error::Error + 'static,
{
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        if let Some(prelude) = self.prelude.take() {
            return Poll::Ready(Some(Ok(Frame::data(prelude))));
        }
        if self.finished {
            return Poll::Ready(None);
        }
        // The deadline is checked before every frame, not only when the app's body is
        // pending: a body that is always ready (a fast endless stream) never is.
        if self.deadline.as_ref().is_some_and(|deadline| Instant::now() >= deadline.deadline()) {
            return Poll::Ready(Some(Ok(self.timed_out())));
        }
        loop {
            match Pin::new(&mut self.inner).poll_frame(cx) {
                Poll::Ready(Some(Ok(frame))) => match frame.into_data() {
                    Ok(data) if data.is_empty() => continue,
                    Ok(data) => return Poll::Ready(Some(Ok(Frame::data(data)))),
                    // The app's own trailers have no place in Lambda's stream.
                    Err(_) => continue,
                },
                Poll::Ready(Some(Err(err))) => {
                    self.finished = true;
                    let message = format!("the app's response body failed mid-stream: {}", crate::forward::chain(&err));
                    tracing::error!("{message}");
                    return Poll::Ready(Some(Ok(Frame::trailers(error_trailers(
                        crate::error::reported("Adapter.AppConnectionError"),
                        &message,
                    )))));
                }
                Poll::Ready(None) => {
                    self.finished = true;
                    return Poll::Ready(None);
                }
                Poll::Pending => {
                    if let Some(deadline) = self.deadline.as_mut() {
                        if deadline.as_mut().poll(cx).is_ready() {
                            return Poll::Ready(Some(Ok(self.timed_out())));
                        }
                    }
                    return Poll::Pending;
                }
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        self.prelude.is_none() && self.finished
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http_body_util::{BodyExt, StreamBody};

    #[test]
    fn prelude_has_cookies_apart_and_ends_with_eight_nuls() {
        let mut headers = HeaderMap::new();
        headers.append("content-type", HeaderValue::from_static("text/event-stream"));
        headers.append("set-cookie", HeaderValue::from_static("a=1"));
        headers.append("set-cookie", HeaderValue::from_static("b=2"));
        headers.append("x-multi", HeaderValue::from_static("one"));
        headers.append("x-multi", HeaderValue::from_static("two"));
        headers.append("transfer-encoding", HeaderValue::from_static("chunked"));
        headers.append("connection", HeaderValue::from_static("x-hop"));
        headers.append("x-hop", HeaderValue::from_static("for this connection only"));
        let bytes = prelude(StatusCode::CREATED, &headers);
        assert!(bytes.ends_with(&[0u8; 8]));
        let json: Value = serde_json::from_slice(&bytes[..bytes.len() - 8]).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"statusCode": 201, "headers": {"content-type": "text/event-stream", "x-multi": "one, two"}, "cookies": ["a=1", "b=2"]})
        );
    }

    // Found by `just mutants`: only the process tests (left out of mutation runs, too
    // slow) streamed a response, so these were not pinned by any fast test.
    #[test]
    fn only_function_urls_and_rest_apis_stream() {
        for source in Source::ALL {
            let expected = matches!(source, Source::FunctionUrl | Source::ApiGatewayV1);
            assert_eq!(can_stream(source), expected, "{source}");
        }
    }

    /// hyper ends a request body whose `is_end_stream` is true without polling it again:
    /// true too early loses the body, never true keeps a finished stream open.
    #[tokio::test]
    async fn the_stream_ends_only_after_the_prelude_and_the_whole_body() {
        let frames: Vec<Result<Frame<Bytes>, Infallible>> = vec![Ok(Frame::data(Bytes::from_static(b"chunk")))];
        let mut stream =
            ResponseStream::new(Bytes::from_static(b"P"), StreamBody::new(futures_util::stream::iter(frames)), None);
        assert!(!stream.is_end_stream(), "before the prelude");
        assert_eq!(stream.frame().await.unwrap().unwrap().into_data().unwrap(), "P");
        assert!(!stream.is_end_stream(), "after the prelude, before the body");
        assert_eq!(stream.frame().await.unwrap().unwrap().into_data().unwrap(), "chunk");
        assert!(!stream.is_end_stream(), "the app's body has not said it ended");
        assert!(stream.frame().await.is_none());
        assert!(stream.is_end_stream(), "after the app's body ended");
        assert!(stream.frame().await.is_none(), "and it stays ended");
    }

    /// An empty data frame means nothing to Lambda and, written as an HTTP/1.1 chunk,
    /// would read as the end of the body: it is never passed on.
    #[tokio::test]
    async fn empty_frames_of_the_app_are_skipped() {
        let frames: Vec<Result<Frame<Bytes>, Infallible>> = vec![
            Ok(Frame::data(Bytes::new())),
            Ok(Frame::data(Bytes::from_static(b"a"))),
            Ok(Frame::data(Bytes::new())),
            Ok(Frame::data(Bytes::from_static(b"b"))),
        ];
        let mut stream =
            ResponseStream::new(Bytes::from_static(b"P"), StreamBody::new(futures_util::stream::iter(frames)), None);
        let mut seen = Vec::new();
        while let Some(frame) = stream.frame().await {
            seen.push(frame.unwrap().into_data().unwrap());
        }
        assert_eq!(seen, ["P", "a", "b"]);
        assert!(!format!("{stream:?}").is_empty());
        assert!(format!("{stream:?}").contains("finished: true"), "{stream:?}");
    }

    #[tokio::test]
    async fn a_failing_body_ends_in_trailers_not_in_the_payload() {
        let frames: Vec<Result<Frame<Bytes>, std::io::Error>> =
            vec![Ok(Frame::data(Bytes::from_static(b"chunk"))), Err(std::io::Error::other("connection reset"))];
        let inner = StreamBody::new(futures_util::stream::iter(frames));
        let mut stream = ResponseStream::new(Bytes::from_static(b"P"), inner, None);
        let mut data = Vec::new();
        let mut trailers = None;
        while let Some(frame) = stream.frame().await {
            let frame = frame.unwrap();
            match frame.into_data() {
                Ok(d) => data.extend_from_slice(&d),
                Err(frame) => trailers = frame.into_trailers().ok(),
            }
        }
        assert_eq!(data, b"Pchunk");
        let trailers = trailers.expect("trailers");
        assert_eq!(trailers[ERROR_TYPE_TRAILER], "Adapter.AppConnectionError");
        let body = base64::engine::general_purpose::STANDARD.decode(trailers[ERROR_BODY_TRAILER].as_bytes()).unwrap();
        let body: Value = serde_json::from_slice(&body).unwrap();
        assert!(body["errorMessage"].as_str().unwrap().contains("connection reset"));
    }

    /// Regression (issue 14): the deadline was only checked when the app's body was
    /// pending, so a body that is always ready (an endless fast stream) never got the
    /// `Adapter.AppTimeout` trailer and streamed past the invocation deadline.
    #[tokio::test]
    async fn an_always_ready_body_still_ends_at_the_deadline() {
        let endless = futures_util::stream::repeat_with(|| Ok::<_, Infallible>(Frame::data(Bytes::from_static(b"x"))));
        let deadline = Instant::now() + std::time::Duration::from_millis(100);
        let mut stream = ResponseStream::new(Bytes::from_static(b"P"), StreamBody::new(endless), Some(deadline));
        let read = async {
            loop {
                let frame = stream.frame().await.expect("the stream ends with trailers, not silently").unwrap();
                if let Err(frame) = frame.into_data() {
                    return frame.into_trailers().expect("a trailers frame");
                }
                // Let the timeout below run: the body itself never yields.
                tokio::task::yield_now().await;
            }
        };
        let trailers = tokio::time::timeout(std::time::Duration::from_secs(5), read)
            .await
            .expect("the stream did not end at the deadline");
        assert_eq!(trailers[ERROR_TYPE_TRAILER], "Adapter.AppTimeout");
        assert!(Instant::now() >= deadline, "not before the deadline either");
    }
}
