//! Clients for Lambda's Runtime API and Extensions API.
//!
//! Written on hyper rather than taken from `lambda_runtime` 1.5 / `lambda-extension`,
//! because the crate's run loop cannot meet the adapter's requirements: it ends the whole
//! loop on a client context that is not JSON and on an event that is not UTF-8 (both are
//! invocation errors here, and the next event is served), it needs the event already
//! deserialised (the pass-through must forward the exact bytes), it sets the process-wide
//! `_X_AMZN_TRACE_ID` (racy under concurrency), its connector leaves TCP_NODELAY off,
//! and its streaming path writes error trailers into the body. What it does well (types,
//! a real function to test against) is used by the emulator's tests.

use bytes::Bytes;
use http::{HeaderValue, Method, Request};
use http_body_util::BodyExt;
use serde::Deserialize;

use crate::config::ApiEndpoint;
use crate::context::InvokeContext;
use crate::forward::chain;
use crate::http_client::{self, HttpClient};
use crate::response::stream::{self, ResponseStream};
use crate::response::Payload;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;

/// A failed call to one of Lambda's APIs.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// Nothing accepts connections at Lambda's address: Lambda is gone.
    #[error("{call} failed: Lambda's API is unreachable: {detail}")]
    Unreachable {
        /// Which call.
        call: &'static str,
        /// The error chain.
        detail: String,
    },
    /// The call did not get an answer.
    #[error("{call} failed: {detail}")]
    Transport {
        /// Which call.
        call: &'static str,
        /// The error chain.
        detail: String,
    },
    /// Lambda answered with an error status.
    #[error("{call} answered {status}: {body}")]
    Status {
        /// Which call.
        call: &'static str,
        /// The status.
        status: u16,
        /// Lambda's error body.
        body: String,
    },
}

/// One invocation handed out by the Runtime API.
#[derive(Debug, Clone)]
pub struct Invocation {
    /// Its metadata.
    pub context: InvokeContext,
    /// The event, exactly as Lambda sent it.
    pub event: Bytes,
}

/// The body of a streamed invocation response: the app's, or one the adapter wrote whole
/// (a request it refused).
pub type StreamedBody = http_body_util::Either<ResponseStream<hyper::body::Incoming>, Payload>;

/// The Runtime API (`/2018-06-01`), possibly through the configured proxy.
#[derive(Clone, Debug)]
pub struct RuntimeApi {
    client: HttpClient,
    stream_client: Client<HttpConnector, StreamedBody>,
    endpoint: ApiEndpoint,
    /// The URI of `invocation/next`, parsed once (None when the endpoint's prefix makes it
    /// invalid: each call then reports why).
    next_uri: Option<http::Uri>,
}

async fn call(
    client: &HttpClient,
    name: &'static str,
    request: Request<Payload>,
) -> Result<(http::response::Parts, Bytes), ApiError> {
    let response = client.request(request).await.map_err(|e| {
        if e.is_connect() {
            ApiError::Unreachable { call: name, detail: chain(&e) }
        } else {
            ApiError::Transport { call: name, detail: chain(&e) }
        }
    })?;
    let (parts, body) = response.into_parts();
    let body = body.collect().await.map_err(|e| ApiError::Transport { call: name, detail: chain(&e) })?.to_bytes();
    if !parts.status.is_success() {
        return Err(ApiError::Status {
            call: name,
            status: parts.status.as_u16(),
            body: String::from_utf8_lossy(&body).into_owned(),
        });
    }
    Ok((parts, body))
}

/// Set once an unreadable deadline has been reported.
static UNREADABLE_DEADLINE_REPORTED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Warns (once per process) when Lambda-Runtime-Deadline-Ms is present but not an
/// epoch time in milliseconds: such invocations are served without a deadline.
fn warn_unreadable_deadline(headers: &http::HeaderMap, context: &InvokeContext) {
    use std::sync::atomic::Ordering;
    if context.deadline_ms != 0 {
        return;
    }
    let Some(value) = headers.get(&crate::context::names::DEADLINE_MS) else { return };
    if !UNREADABLE_DEADLINE_REPORTED.swap(true, Ordering::Relaxed) {
        tracing::warn!(
            value = ?value,
            "Lambda-Runtime-Deadline-Ms is not a whole number of epoch milliseconds; invocations \
             with such a deadline are served without one (reported once)"
        );
    }
}

/// Characters escaped in a request id put into a path: everything but letters, digits,
/// `-` and `_` (a UUID passes unchanged; `/`, `?`, `.` and spaces cannot misaddress).
const SEGMENT: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC.remove(b'-').remove(b'_');

/// The path of a call about one invocation: `/2018-06-01/runtime/invocation/{id}/{action}`,
/// the request id as one path segment.
fn invocation_path(request_id: &str, action: &str) -> String {
    const BASE: &str = "/2018-06-01/runtime/invocation/";
    let mut path = String::with_capacity(BASE.len() + request_id.len() + 1 + action.len());
    path.push_str(BASE);
    path.extend(percent_encoding::utf8_percent_encode(request_id, SEGMENT));
    path.push('/');
    path.push_str(action);
    path
}

/// The path of `invocation/next`.
const NEXT_PATH: &str = "/2018-06-01/runtime/invocation/next";

/// The absolute URI of a call; the endpoint was validated with the configuration, so only
/// a request id that cannot appear in a path (never seen from Lambda) fails here.
fn parse_uri(call: &'static str, uri: &str) -> Result<http::Uri, ApiError> {
    uri.parse().map_err(|e| ApiError::Transport { call, detail: format!("{uri:?} is not a valid URI: {e}") })
}

fn request(
    call: &'static str,
    method: Method,
    uri: String,
    body: impl Into<Payload>,
) -> Result<Request<Payload>, ApiError> {
    Ok(with_uri(method, parse_uri(call, &uri)?, body.into()))
}

fn with_uri(method: Method, uri: http::Uri, body: Payload) -> Request<Payload> {
    let mut request = Request::new(body);
    *request.method_mut() = method;
    *request.uri_mut() = uri;
    request
}

impl RuntimeApi {
    /// A client for the Runtime API at `endpoint`, with `pool` idle connections.
    pub fn new(endpoint: ApiEndpoint, pool: usize) -> Self {
        let next_uri = endpoint.uri(NEXT_PATH).parse().ok();
        RuntimeApi {
            client: http_client::build(pool),
            stream_client: http_client::build_for(pool, http_client::STREAM_READ_BUFFER_MAX),
            endpoint,
            next_uri,
        }
    }

    /// Waits for the next invocation. One without a request id cannot be answered (every
    /// result is posted under its id): it is logged, naming the header, and skipped.
    pub async fn next(&self) -> Result<Invocation, ApiError> {
        loop {
            let uri = match &self.next_uri {
                Some(uri) => uri.clone(),
                None => parse_uri("invocation/next", &self.endpoint.uri(NEXT_PATH))?,
            };
            let (parts, event) =
                call(&self.client, "invocation/next", with_uri(Method::GET, uri, Payload::default())).await?;
            let context = InvokeContext::from_headers(&parts.headers);
            if context.request_id.is_empty() {
                tracing::error!(
                    header = ?parts.headers.get(&crate::context::names::REQUEST_ID),
                    "invocation/next gave an event without a usable Lambda-Runtime-Aws-Request-Id; \
                     it cannot be answered and is skipped"
                );
                continue;
            }
            warn_unreadable_deadline(&parts.headers, &context);
            return Ok(Invocation { context, event });
        }
    }

    /// Sends a buffered response.
    pub async fn respond(&self, request_id: &str, payload: Payload) -> Result<(), ApiError> {
        let uri = self.endpoint.uri(&invocation_path(request_id, "response"));
        call(&self.client, "invocation/response", request("invocation/response", Method::POST, uri, payload)?)
            .await
            .map(drop)
    }

    /// Streams a response: the prelude and body in `body`, a failure in its trailers.
    pub async fn respond_streaming(&self, request_id: &str, body: StreamedBody) -> Result<(), ApiError> {
        let uri = self.endpoint.uri(&invocation_path(request_id, "response"));
        let mut request = Request::new(body);
        *request.method_mut() = Method::POST;
        *request.uri_mut() = parse_uri("invocation/response (streaming)", &uri)?;
        let headers = request.headers_mut();
        headers.insert("lambda-runtime-function-response-mode", HeaderValue::from_static("streaming"));
        headers.insert(http::header::TRANSFER_ENCODING, HeaderValue::from_static("chunked"));
        headers.insert(http::header::CONTENT_TYPE, HeaderValue::from_static(stream::CONTENT_TYPE));
        headers.insert(
            http::header::TRAILER,
            HeaderValue::from_static("Lambda-Runtime-Function-Error-Type, Lambda-Runtime-Function-Error-Body"),
        );
        let call_name = "invocation/response (streaming)";
        let response = self
            .stream_client
            .request(request)
            .await
            .map_err(|e| ApiError::Transport { call: call_name, detail: chain(&e) })?;
        let status = response.status();
        let body = response.into_body().collect().await.map(|b| b.to_bytes()).unwrap_or_default();
        if !status.is_success() {
            return Err(ApiError::Status {
                call: call_name,
                status: status.as_u16(),
                body: String::from_utf8_lossy(&body).into_owned(),
            });
        }
        Ok(())
    }

    /// Reports a failed invocation.
    pub async fn fail(&self, request_id: &str, error_type: &str, payload: Vec<u8>) -> Result<(), ApiError> {
        let uri = self.endpoint.uri(&invocation_path(request_id, "error"));
        let mut req = request("invocation/error", Method::POST, uri, Bytes::from(payload))?;
        if let Ok(value) = HeaderValue::from_str(error_type) {
            req.headers_mut().insert("lambda-runtime-function-error-type", value);
        }
        req.headers_mut().insert(http::header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
        call(&self.client, "invocation/error", req).await.map(drop)
    }
}

/// What the Extensions API's `event/next` delivers.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(tag = "eventType", rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ExtensionEvent {
    /// An invocation started (only when registered for INVOKE).
    Invoke {
        /// Its request id.
        #[serde(rename = "requestId", default)]
        request_id: String,
    },
    /// The environment is shutting down.
    Shutdown {
        /// `spindown`, `timeout` or `failure`.
        #[serde(rename = "shutdownReason", default)]
        shutdown_reason: String,
        /// When the environment is killed (epoch ms).
        #[serde(rename = "deadlineMs", default)]
        deadline_ms: u64,
    },
}

/// The Extensions API (`/2020-01-01/extension`), always direct (never through the proxy).
#[derive(Clone, Debug)]
pub struct ExtensionApi {
    client: HttpClient,
    endpoint: ApiEndpoint,
    id: Option<HeaderValue>,
}

impl ExtensionApi {
    /// A client for the Extensions API at `endpoint`.
    pub fn new(endpoint: ApiEndpoint) -> Self {
        ExtensionApi { client: http_client::build(1), endpoint, id: None }
    }

    /// Registers as an external extension named `name` for `events`.
    pub async fn register(&mut self, name: &str, events: &[&str]) -> Result<(), ApiError> {
        let uri = self.endpoint.uri("/2020-01-01/extension/register");
        let body = serde_json::json!({ "events": events }).to_string();
        let mut req = request("register", Method::POST, uri, Bytes::from(body))?;
        let name = HeaderValue::from_str(name).map_err(|_| ApiError::Transport {
            call: "register",
            detail: format!("{name:?} is not a valid extension name"),
        })?;
        req.headers_mut().insert("lambda-extension-name", name);
        req.headers_mut().insert("lambda-extension-accept-feature", HeaderValue::from_static("accountId"));
        let (parts, _) = call(&self.client, "register", req).await?;
        let id = parts.headers.get("lambda-extension-identifier").cloned().ok_or_else(|| ApiError::Transport {
            call: "register",
            detail: "no Lambda-Extension-Identifier in the answer".to_owned(),
        })?;
        self.id = Some(id);
        Ok(())
    }

    fn with_id(&self, mut req: Request<Payload>) -> Request<Payload> {
        if let Some(id) = &self.id {
            req.headers_mut().insert("lambda-extension-identifier", id.clone());
        }
        req
    }

    /// Waits for the next extension event.
    pub async fn next_event(&self) -> Result<ExtensionEvent, ApiError> {
        let uri = self.endpoint.uri("/2020-01-01/extension/event/next");
        let (_, body) =
            call(&self.client, "event/next", self.with_id(request("event/next", Method::GET, uri, Bytes::new())?))
                .await?;
        serde_json::from_slice(&body)
            .map_err(|e| ApiError::Transport { call: "event/next", detail: format!("unreadable event: {e}") })
    }

    /// Reports a failed initialisation; Lambda then fails init with `error_type`.
    pub async fn init_error(&self, error_type: &str, message: &str) -> Result<(), ApiError> {
        self.report("/2020-01-01/extension/init/error", "init/error", error_type, message).await
    }

    /// Reports an error that makes the extension exit.
    pub async fn exit_error(&self, error_type: &str, message: &str) -> Result<(), ApiError> {
        self.report("/2020-01-01/extension/exit/error", "exit/error", error_type, message).await
    }

    async fn report(&self, path: &str, name: &'static str, error_type: &str, message: &str) -> Result<(), ApiError> {
        let body =
            serde_json::json!({ "errorMessage": message, "errorType": error_type, "stackTrace": [] }).to_string();
        let mut req = self.with_id(request(name, Method::POST, self.endpoint.uri(path), Bytes::from(body))?);
        if let Ok(value) = HeaderValue::from_str(error_type) {
            req.headers_mut().insert("lambda-extension-function-error-type", value);
        }
        call(&self.client, name, req).await.map(drop)
    }
}
