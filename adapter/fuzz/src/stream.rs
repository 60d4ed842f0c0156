//! `stream_prelude`: the prelude of a streamed response from any status and headers, the
//! error trailers from any error type and message, and the stream itself over an app body
//! that yields any sequence of data, trailers, errors and pending polls.
//!
//! Checked: the prelude is JSON then eight NUL bytes, with no NUL before them (Lambda
//! splits there); it holds the status, every header once (values joined; no hop-by-hop
//! header, no content-length) and every `set-cookie` in `cookies`, in order. The error
//! trailers carry a base64 JSON body with the message, and the type whenever it is a valid
//! header value. The stream sends the prelude, then the app's non-empty data in order,
//! never the app's trailers, and ends at the first error with the adapter's trailers.

use std::convert::Infallible;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

use arbitrary::{Arbitrary, Unstructured};
use base64::Engine;
use bytes::Bytes;
use http::{HeaderMap, HeaderValue, StatusCode};
use http_body::{Body, Frame};
use lambda_web_adapter::response::stream::{
    error_trailers, prelude, ResponseStream, ERROR_BODY_TRAILER, ERROR_TYPE_TRAILER,
};
use serde_json::Value;

use crate::response::{header_map, Text};
use crate::{is_hop_by_hop, INTERESTING_HEADER_NAMES, INTERESTING_HEADER_VALUES};

/// What the app's body does on one poll.
#[derive(Debug, Clone, Arbitrary)]
pub enum Step {
    /// A data frame.
    Data(Vec<u8>),
    /// A trailers frame.
    Trailers,
    /// An error.
    Error(String),
    /// Not ready yet.
    Pending,
}

/// One case.
#[derive(Debug, Arbitrary)]
pub struct Case {
    status: u16,
    headers: Vec<(Text, Text)>,
    error_type: String,
    message: String,
    steps: Vec<Step>,
}

/// `stream_prelude`.
pub fn run(data: &[u8]) {
    let Ok(case) = Case::arbitrary_take_rest(Unstructured::new(data)) else { return };
    crate::slow::timed("stream_prelude", data, || check(&case));
}

/// Checks one case.
pub fn check(case: &Case) {
    let status = StatusCode::from_u16(100 + case.status % 900).expect("100-999 is a status");
    let headers = header_map(&case.headers, INTERESTING_HEADER_NAMES, INTERESTING_HEADER_VALUES, 32);
    let bytes = prelude(status, &headers);
    check_prelude(status, &headers, &bytes);
    check_trailers(&case.error_type, &case.message);
    check_stream(bytes, &case.steps);
}

fn check_prelude(status: StatusCode, headers: &HeaderMap, bytes: &[u8]) {
    let json = bytes.strip_suffix(&[0u8; 8]).expect("the prelude ends with eight NUL bytes");
    assert!(!json.contains(&0), "a NUL inside the prelude's JSON");
    let out: Value = serde_json::from_slice(json).expect("the prelude is JSON");
    assert_eq!(out["statusCode"], status.as_u16());
    let lossy = |v: &HeaderValue| String::from_utf8_lossy(v.as_bytes()).into_owned();
    let sent = out["headers"].as_object().expect("headers");
    let mut names = 0;
    let listed = crate::connection_options(headers);
    for name in headers.keys() {
        let name = name.as_str();
        if is_hop_by_hop(name) || listed.iter().any(|l| l == name) || name == "content-length" || name == "set-cookie" {
            assert!(!sent.contains_key(name), "{name} in the prelude's headers");
            continue;
        }
        names += 1;
        let joined = headers.get_all(name).iter().map(lossy).collect::<Vec<_>>().join(", ");
        assert_eq!(sent[name], joined.as_str(), "prelude header {name}");
    }
    assert_eq!(sent.len(), names, "prelude header names");
    let cookies: Vec<String> = headers.get_all("set-cookie").iter().map(lossy).collect();
    let sent_cookies: Vec<&str> =
        out["cookies"].as_array().expect("cookies").iter().filter_map(Value::as_str).collect();
    assert_eq!(sent_cookies, cookies, "prelude cookies");
}

fn check_trailers(error_type: &str, message: &str) {
    let trailers = error_trailers(error_type, message);
    let body = trailers.get(ERROR_BODY_TRAILER).expect("the error body trailer is always sent");
    let body = base64::engine::general_purpose::STANDARD.decode(body.as_bytes()).expect("base64");
    let body: Value = serde_json::from_slice(&body).expect("the error body is JSON");
    assert_eq!(body["errorMessage"], message);
    assert_eq!(body["errorType"], error_type);
    match HeaderValue::from_str(error_type) {
        Ok(value) => assert_eq!(trailers.get(ERROR_TYPE_TRAILER), Some(&value)),
        Err(_) => assert!(!trailers.contains_key(ERROR_TYPE_TRAILER)),
    }
}

/// The app's body, one step per poll.
struct Scripted<I> {
    steps: I,
}

impl<I: Iterator<Item = Step> + Unpin> Body for Scripted<I> {
    type Data = Bytes;
    type Error = std::io::Error;

    fn poll_frame(mut self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        match self.steps.next() {
            None => Poll::Ready(None),
            Some(Step::Data(data)) => Poll::Ready(Some(Ok(Frame::data(Bytes::from(data))))),
            Some(Step::Trailers) => {
                let mut trailers = HeaderMap::new();
                trailers.insert("x-app-trailer", HeaderValue::from_static("app"));
                Poll::Ready(Some(Ok(Frame::trailers(trailers))))
            }
            Some(Step::Error(message)) => Poll::Ready(Some(Err(std::io::Error::other(message)))),
            Some(Step::Pending) => Poll::Pending,
        }
    }
}

fn check_stream(prelude: Bytes, steps: &[Step]) {
    let steps = &steps[..steps.len().min(64)];
    let mut stream = ResponseStream::new(prelude.clone(), Scripted { steps: steps.iter().cloned() }, None);
    let mut cx = Context::from_waker(Waker::noop());
    let mut data = Vec::new();
    let mut trailers = None;
    let mut polls = 0;
    loop {
        polls += 1;
        assert!(polls <= steps.len() + 4, "the stream does not end");
        let frame: Option<Result<Frame<Bytes>, Infallible>> = match Pin::new(&mut stream).poll_frame(&mut cx) {
            Poll::Pending => continue,
            Poll::Ready(frame) => frame,
        };
        let Some(Ok(frame)) = frame else { break };
        assert!(trailers.is_none(), "a frame after the trailers");
        match frame.into_data() {
            Ok(chunk) => {
                assert!(!chunk.is_empty(), "an empty data frame");
                data.extend_from_slice(&chunk);
            }
            Err(frame) => trailers = Some(frame.into_trailers().expect("data or trailers")),
        }
    }
    assert!(stream.is_end_stream(), "the stream ended but does not say so");

    // What the app sent, up to its first error.
    let mut expected = prelude.to_vec();
    let mut failed = None;
    for step in steps {
        match step {
            Step::Data(chunk) => expected.extend_from_slice(chunk),
            Step::Error(message) => {
                failed = Some(message);
                break;
            }
            Step::Trailers | Step::Pending => {}
        }
    }
    assert_eq!(data, expected, "the streamed bytes");
    match (failed, trailers) {
        (None, None) => {}
        (Some(message), Some(trailers)) => {
            assert_eq!(trailers[ERROR_TYPE_TRAILER], "Adapter.AppConnectionError");
            let body = base64::engine::general_purpose::STANDARD
                .decode(trailers[ERROR_BODY_TRAILER].as_bytes())
                .expect("base64");
            let body: Value = serde_json::from_slice(&body).expect("JSON");
            let text = body["errorMessage"].as_str().expect("errorMessage");
            assert!(text.contains(message.as_str()), "the error message {text:?} lacks {message:?}");
            assert!(!trailers.contains_key("x-app-trailer"), "the app's trailers forwarded");
        }
        (None, Some(trailers)) => panic!("trailers without an error: {trailers:?}"),
        (Some(message), None) => panic!("the app's error {message:?} was not reported"),
    }
}
