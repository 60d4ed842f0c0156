//! Handlers of the Runtime API, `/2018-06-01/runtime/...`
//! (<https://docs.aws.amazon.com/lambda/latest/dg/runtimes-api.html>).

use std::sync::Arc;
use std::time::Instant;

use base64::Engine as _;
use bytes::{Bytes, BytesMut};
use http::{HeaderMap, HeaderName, HeaderValue, Request, Response};
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use tokio::sync::mpsc;

use super::api_error::{self, ApiError, MAX_BUFFERED_RESPONSE, MAX_STREAMED_RESPONSE};
use super::entries::{Active, ActiveStatus, Finished};
use super::invocation::{Chunk, ErrorBody, Outcome, ResponseEvent, StreamError};
use super::lifecycle;
use super::records::init_failure;
use super::shared::Shared;
use super::state::{Env, State};
use super::streaming::{Piece, PreludeSplitter, HTTP_INTEGRATION_CONTENT_TYPE};

const RESPONSE_MODE: &str = "lambda-runtime-function-response-mode";
const ERROR_TYPE: &str = "lambda-runtime-function-error-type";
const ERROR_BODY: &str = "lambda-runtime-function-error-body";

/// Counts an open `/next` poll; the count drops when the request ends or is dropped.
struct RuntimeWaiter(Arc<Shared>);

impl RuntimeWaiter {
    fn enter(shared: &Arc<Shared>) -> Self {
        lifecycle::update(shared, |st| {
            st.runtime_waiters += 1;
            st.runtime_polled = true;
        });
        Self(shared.clone())
    }
}

impl Drop for RuntimeWaiter {
    fn drop(&mut self) {
        // A drop only lowers a count, which never lets anything proceed: no settle needed.
        self.0.quiet_update(|st| st.runtime_waiters = st.runtime_waiters.saturating_sub(1));
    }
}

/// `GET /runtime/invocation/next`: long-polls until an invocation is queued.
pub(crate) async fn next(shared: Arc<Shared>) -> Response<Full<Bytes>> {
    let _waiter = RuntimeWaiter::enter(&shared);
    loop {
        let mut changes = shared.subscribe();
        // Look before changing anything: an update wakes every waiter, this poll
        // included, so calling it on an empty queue made an idle long poll spin at 100%
        // CPU (a runtime waiting for its next event kept a core busy).
        let queued = shared.read(|st| {
            st.runtime_queue.iter().any(|id| st.active.get(id).is_some_and(|a| a.status == ActiveStatus::Queued))
        });
        if !queued {
            if shared.is_closed() || changes.changed().await.is_err() {
                return ApiError::Internal.into_response();
            }
            continue;
        }
        let found = lifecycle::update(&shared, |st| {
            while let Some(id) = st.runtime_queue.pop_front() {
                if let Some(active) = st.active.get_mut(&id) {
                    if active.status == ActiveStatus::Queued {
                        active.status = ActiveStatus::Delivered;
                        let response = invocation_response(&shared, &id, active);
                        st.last_delivered = Some(id);
                        return Some(response);
                    }
                }
            }
            None
        });
        if let Some(response) = found {
            return response;
        }
        if shared.is_closed() || changes.changed().await.is_err() {
            return ApiError::Internal.into_response();
        }
    }
}

fn invocation_response(shared: &Shared, id: &str, active: &Active) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(active.inv.payload.clone()));
    let headers = response.headers_mut();
    let mut set = |name: &'static str, value: &str| match HeaderValue::from_str(value) {
        Ok(v) => {
            headers.insert(HeaderName::from_static(name), v);
        }
        Err(_) => shared.log.emulator(format!("{name} value {value:?} is not a valid header value and was not sent")),
    };
    set("lambda-runtime-aws-request-id", id);
    set("lambda-runtime-deadline-ms", &active.deadline_ms.to_string());
    set("lambda-runtime-invoked-function-arn", &shared.config.function.arn());
    set("lambda-runtime-trace-id", &active.trace_id);
    if let Some(v) = &active.inv.client_context {
        set("lambda-runtime-client-context", v);
    }
    if let Some(v) = &active.inv.cognito_identity {
        set("lambda-runtime-cognito-identity", v);
    }
    if let Some(v) = &active.inv.tenant_id {
        set("lambda-runtime-aws-tenant-id", v);
    }
    set("content-type", "application/json");
    response
}

/// An answer in progress.
struct Answer {
    started: Instant,
    events: mpsc::UnboundedSender<ResponseEvent>,
}

/// Checks that `id` may be answered now and marks it as being answered. The error shapes
/// follow the RIE: an id that is not the current invocation is 400 `InvalidRequestID`
/// (`AwsRequestIDValidator`); a second answer to the current one is 403
/// `InvalidStateTransition` in a classic environment (runtime state machine,
/// `core/states.go`) and 400 `InvalidRequestID` in Managed Instances
/// (`lambda-managed-instances/rapi/handler/invocationresponse.go`); an answer after the
/// invocation timed out is 410 `InvokeTimeout` in Managed Instances.
fn begin_answer(shared: &Shared, st: &mut State, id: &str, to: &'static str) -> Result<Answer, ApiError> {
    let managed = shared.config.is_managed_instances();
    if let Some(active) = st.active.get_mut(id) {
        return match active.status {
            ActiveStatus::Queued => Err(ApiError::InvalidRequestId),
            ActiveStatus::Delivered => {
                active.status = ActiveStatus::Responding;
                Ok(Answer { started: active.started, events: active.events.clone() })
            }
            ActiveStatus::Responding if managed => Err(ApiError::InvalidRequestId),
            ActiveStatus::Responding => Err(ApiError::InvalidStateTransition { from: "InvocationResponse", to }),
        };
    }
    match st.finished.get(id) {
        Some(Finished::Answered) if !managed && st.last_delivered.as_deref() == Some(id) && st.runtime_waiters == 0 => {
            Err(ApiError::InvalidStateTransition { from: "RuntimeResponseSentState", to })
        }
        Some(Finished::TimedOut) if managed => Err(ApiError::InvokeTimeout),
        _ => Err(ApiError::InvalidRequestId),
    }
}

/// Puts an answer back (the runtime may retry) after a failed read.
fn abandon_answer(shared: &Arc<Shared>, id: &str) {
    lifecycle::update(shared, |st| {
        if let Some(active) = st.active.get_mut(id) {
            active.status = ActiveStatus::Delivered;
        }
    });
}

/// Ends the invocation; the error for the runtime when it had already ended (timed out).
fn complete(shared: &Arc<Shared>, id: &str, outcome: Outcome) -> Result<(), ApiError> {
    let done = lifecycle::update(shared, |st| st.finish(id, outcome, Finished::Answered));
    if done {
        Ok(())
    } else if shared.config.is_managed_instances() {
        Err(ApiError::InvokeTimeout)
    } else {
        Err(ApiError::InvalidRequestId)
    }
}

/// `POST /runtime/invocation/{id}/response`, buffered or streamed.
pub(crate) async fn response(shared: Arc<Shared>, id: String, req: Request<Incoming>) -> Response<Full<Bytes>> {
    let answer = match lifecycle::update(&shared, |st| begin_answer(&shared, st, &id, "InvocationResponse")) {
        Ok(answer) => answer,
        Err(e) => return e.into_response(),
    };
    let mode = req.headers().get(RESPONSE_MODE).map(|v| v.to_str().unwrap_or("<invalid>").to_string());
    match mode.as_deref() {
        None => buffered(shared, id, req).await,
        Some("streaming") => streamed(shared, id, answer, req).await,
        Some(_) => {
            // RIE: the invocation fails with Runtime.InvalidResponseModeHeader and the
            // runtime gets 400 InvalidFunctionResponseMode.
            let outcome = Outcome::Error {
                error_type: "Runtime.InvalidResponseModeHeader".into(),
                body: ErrorBody::Raw(Bytes::new()),
            };
            let _ = complete(&shared, &id, outcome);
            ApiError::InvalidFunctionResponseMode.into_response()
        }
    }
}

async fn buffered(shared: Arc<Shared>, id: String, req: Request<Incoming>) -> Response<Full<Bytes>> {
    let (parts, mut body) = req.into_parts();
    let mut data = BytesMut::new();
    let mut total = 0usize;
    while let Some(frame) = body.frame().await {
        match frame {
            Ok(frame) => {
                if let Ok(chunk) = frame.into_data() {
                    total += chunk.len();
                    if total <= MAX_BUFFERED_RESPONSE {
                        data.extend_from_slice(&chunk);
                    } else if total > MAX_STREAMED_RESPONSE {
                        break;
                    }
                }
            }
            Err(_) => {
                abandon_answer(&shared, &id);
                return ApiError::Internal.into_response();
            }
        }
    }
    if total > MAX_BUFFERED_RESPONSE {
        let outcome = Outcome::Error {
            error_type: "Function.ResponseSizeTooLarge".into(),
            body: ErrorBody::Json(api_error::response_too_large_body(total)),
        };
        return match complete(&shared, &id, outcome) {
            Ok(()) => ApiError::RequestEntityTooLarge.into_response(),
            Err(e) => e.into_response(),
        };
    }
    let outcome = Outcome::Buffered { body: data.freeze(), headers: parts.headers };
    match complete(&shared, &id, outcome) {
        Ok(()) => api_error::accepted(),
        Err(e) => e.into_response(),
    }
}

async fn streamed(shared: Arc<Shared>, id: String, answer: Answer, req: Request<Incoming>) -> Response<Full<Bytes>> {
    let (parts, mut body) = req.into_parts();
    let integration = parts
        .headers
        .get(http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case(HTTP_INTEGRATION_CONTENT_TYPE));
    let mut splitter = PreludeSplitter::new(integration);
    if !integration {
        let _ = answer.events.send(ResponseEvent::StreamStarted { prelude: None });
    }
    let mut prelude = None;
    let mut all = BytesMut::new();
    let mut chunks = Vec::new();
    let mut error = None;
    let mut too_large = false;
    let mut total = 0usize;
    let mut take = |pieces: Vec<Piece>, at| {
        for piece in pieces {
            match piece {
                Piece::Prelude(value) => {
                    prelude = value.clone();
                    let _ = answer.events.send(ResponseEvent::StreamStarted { prelude: value });
                }
                Piece::Body(bytes) if bytes.is_empty() => {}
                Piece::Body(bytes) => {
                    all.extend_from_slice(&bytes);
                    let chunk = Chunk { at, bytes };
                    let _ = answer.events.send(ResponseEvent::Chunk(chunk.clone()));
                    chunks.push(chunk);
                }
            }
        }
    };
    while let Some(frame) = body.frame().await {
        let at = answer.started.elapsed();
        match frame {
            Ok(frame) => match frame.into_data() {
                Ok(data) => {
                    total += data.len();
                    if total > MAX_STREAMED_RESPONSE {
                        too_large = true;
                        error = Some(StreamError {
                            error_type: "Function.ResponseSizeTooLarge".into(),
                            error_body: Bytes::from(format!(
                                "Response payload size exceeded maximum allowed payload size ({MAX_STREAMED_RESPONSE} bytes)."
                            )),
                        });
                        break;
                    }
                    take(splitter.push(data), at);
                }
                Err(frame) => {
                    if let Ok(trailers) = frame.into_trailers() {
                        error = trailer_error(&trailers).or(error);
                    }
                }
            },
            Err(e) => {
                error = Some(StreamError {
                    error_type: "Runtime.TruncatedResponse".into(),
                    error_body: Bytes::from(format!("the response stream broke off: {e}")),
                });
                break;
            }
        }
    }
    take(splitter.finish(), answer.started.elapsed());
    let outcome = Outcome::Streamed { prelude, body: all.freeze(), chunks, error, request_headers: parts.headers };
    match complete(&shared, &id, outcome) {
        Ok(()) if too_large => ApiError::RequestEntityTooLarge.into_response(),
        Ok(()) => api_error::accepted(),
        Err(e) => e.into_response(),
    }
}

/// The mid-stream error carried by the trailers, if any.
fn trailer_error(trailers: &HeaderMap) -> Option<StreamError> {
    let error_type = trailers.get(ERROR_TYPE)?.to_str().ok()?.to_string();
    let raw = trailers.get(ERROR_BODY).map(|v| v.as_bytes().to_vec()).unwrap_or_default();
    let error_body =
        base64::engine::general_purpose::STANDARD.decode(&raw).map(Bytes::from).unwrap_or_else(|_| Bytes::from(raw));
    Some(StreamError { error_type, error_body })
}

/// Reads a whole request body, failing over `limit` bytes.
async fn read_limited(body: Incoming, limit: usize) -> Result<Bytes, ApiError> {
    let mut body = body;
    let mut data = BytesMut::new();
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|_| ApiError::Internal)?;
        if let Ok(chunk) = frame.into_data() {
            if data.len() + chunk.len() > limit {
                return Err(ApiError::RequestEntityTooLarge);
            }
            data.extend_from_slice(&chunk);
        }
    }
    Ok(data.freeze())
}

/// `POST /runtime/invocation/{id}/error`. The body is kept as sent: the RIE forwards any
/// body (valid JSON or not) as the error payload and answers 202.
pub(crate) async fn invocation_error(shared: Arc<Shared>, id: String, req: Request<Incoming>) -> Response<Full<Bytes>> {
    if let Err(e) = lifecycle::update(&shared, |st| begin_answer(&shared, st, &id, "InvocationErrorResponse")) {
        return e.into_response();
    }
    let (parts, body) = req.into_parts();
    let bytes = match read_limited(body, MAX_BUFFERED_RESPONSE).await {
        Ok(bytes) => bytes,
        Err(e) => {
            abandon_answer(&shared, &id);
            return e.into_response();
        }
    };
    let body = ErrorBody::from_bytes(bytes);
    let error_type = error_type_of(&parts.headers, &body);
    match complete(&shared, &id, Outcome::Error { error_type, body }) {
        Ok(()) => api_error::accepted(),
        Err(e) => e.into_response(),
    }
}

/// The header's error type, else the body's `errorType`, else `Unhandled`.
fn error_type_of(headers: &HeaderMap, body: &ErrorBody) -> String {
    headers
        .get(ERROR_TYPE)
        .and_then(|v| v.to_str().ok())
        .filter(|v| !v.is_empty())
        .map(str::to_string)
        .or_else(|| body.json().and_then(|j| j.get("errorType")).and_then(|t| t.as_str()).map(str::to_string))
        .unwrap_or_else(|| "Unhandled".into())
}

/// `POST /runtime/init/error`: fails init (202); after init it is 403
/// `InvalidStateTransition` (RIE `handler/initerror.go`).
pub(crate) async fn init_error(shared: Arc<Shared>, req: Request<Incoming>) -> Response<Full<Bytes>> {
    let (parts, body) = req.into_parts();
    let bytes = match read_limited(body, MAX_BUFFERED_RESPONSE).await {
        Ok(bytes) => bytes,
        Err(e) => return e.into_response(),
    };
    let body = ErrorBody::from_bytes(bytes);
    let error_type = error_type_of(&parts.headers, &body);
    let result = lifecycle::update(&shared, |st| match st.env {
        Env::Initializing { .. } => {
            let message = body
                .json()
                .and_then(|j| j.get("errorMessage"))
                .and_then(|m| m.as_str())
                .unwrap_or("the runtime reported an init error")
                .to_string();
            let failure = init_failure(&error_type, message, Some(body.clone()));
            let generation = st.generation;
            Ok(st.fail_init(&shared.config, &shared.log, generation, failure))
        }
        Env::Ready => Err(ApiError::InvalidStateTransition {
            from: if st.active.is_empty() { "Ready" } else { "Running" },
            to: "InitError",
        }),
        _ => Err(ApiError::InvalidStateTransition { from: "InitError", to: "InitError" }),
    });
    match result {
        Ok(reset) => {
            lifecycle::run(&shared, reset);
            api_error::accepted()
        }
        Err(e) => e.into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trailers_are_base64_decoded() {
        let mut t = HeaderMap::new();
        t.insert(ERROR_TYPE, HeaderValue::from_static("Custom.Error"));
        t.insert(ERROR_BODY, HeaderValue::from_static("eyJhIjoxfQ=="));
        let e = trailer_error(&t).expect("an error");
        assert_eq!(e.error_type, "Custom.Error");
        assert_eq!(e.error_body, Bytes::from_static(br#"{"a":1}"#));
        t.insert(ERROR_BODY, HeaderValue::from_static("not base64!"));
        assert_eq!(trailer_error(&t).expect("an error").error_body, Bytes::from_static(b"not base64!"));
        assert!(trailer_error(&HeaderMap::new()).is_none());
    }

    #[test]
    fn error_type_prefers_the_header() {
        let body = ErrorBody::from_bytes(Bytes::from_static(br#"{"errorType":"FromBody"}"#));
        let mut h = HeaderMap::new();
        assert_eq!(error_type_of(&h, &body), "FromBody");
        h.insert(ERROR_TYPE, HeaderValue::from_static("FromHeader"));
        assert_eq!(error_type_of(&h, &body), "FromHeader");
        assert_eq!(error_type_of(&HeaderMap::new(), &ErrorBody::Raw(Bytes::new())), "Unhandled");
    }
}
