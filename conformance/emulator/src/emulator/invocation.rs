//! What a test sends ([`Invocation`]) and what it gets back ([`Outcome`]).

use std::time::Duration;

use bytes::Bytes;
use http::HeaderMap;
use serde_json::Value;
use tokio::sync::mpsc;

/// One invoke, built like Lambda's `Invoke` call: a payload plus the optional context
/// that travels in the Runtime API headers.
///
/// ```
/// use lwa_emulator::Invocation;
/// use std::time::Duration;
///
/// let inv = Invocation::json(&serde_json::json!({"hello": "world"}))
///     .client_context(r#"{"custom":{"k":"v"}}"#)
///     .tenant_id("tenant-a")
///     .timeout(Duration::from_millis(500));
/// assert_eq!(inv.payload.as_ref(), br#"{"hello":"world"}"#);
/// assert_eq!(inv.tenant_id.as_deref(), Some("tenant-a"));
/// ```
#[derive(Debug, Clone, Default)]
pub struct Invocation {
    /// The event bytes, handed to the runtime unchanged.
    pub payload: Bytes,
    /// `Lambda-Runtime-Client-Context`, passed through raw.
    pub client_context: Option<String>,
    /// `Lambda-Runtime-Cognito-Identity`, passed through raw.
    pub cognito_identity: Option<String>,
    /// `Lambda-Runtime-Aws-Tenant-Id`, passed through raw.
    pub tenant_id: Option<String>,
    /// `Lambda-Runtime-Trace-Id`; a fresh X-Ray id when `None`.
    pub trace_id: Option<String>,
    /// Overrides the function timeout for this invocation.
    pub timeout: Option<Duration>,
}

impl Invocation {
    /// An invocation with these payload bytes.
    pub fn new(payload: impl Into<Bytes>) -> Self {
        Self { payload: payload.into(), ..Self::default() }
    }

    /// An invocation whose payload is this JSON value.
    pub fn json(value: &Value) -> Self {
        Self::new(serde_json::to_vec(value).unwrap_or_default())
    }

    /// Sets `Lambda-Runtime-Client-Context`.
    pub fn client_context(mut self, raw: impl Into<String>) -> Self {
        self.client_context = Some(raw.into());
        self
    }

    /// Sets `Lambda-Runtime-Cognito-Identity`.
    pub fn cognito_identity(mut self, raw: impl Into<String>) -> Self {
        self.cognito_identity = Some(raw.into());
        self
    }

    /// Sets `Lambda-Runtime-Aws-Tenant-Id`.
    pub fn tenant_id(mut self, raw: impl Into<String>) -> Self {
        self.tenant_id = Some(raw.into());
        self
    }

    /// Sets `Lambda-Runtime-Trace-Id`.
    pub fn trace_id(mut self, raw: impl Into<String>) -> Self {
        self.trace_id = Some(raw.into());
        self
    }

    /// Overrides the function timeout.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }
}

/// A body that is JSON when it parses as JSON, raw bytes otherwise.
#[derive(Debug, Clone, PartialEq)]
pub enum ErrorBody {
    /// The body parsed as JSON.
    Json(Value),
    /// The body did not parse (kept as sent).
    Raw(Bytes),
}

impl ErrorBody {
    /// Parses `bytes` as JSON if possible.
    pub fn from_bytes(bytes: Bytes) -> Self {
        match serde_json::from_slice(&bytes) {
            Ok(value) => Self::Json(value),
            Err(_) => Self::Raw(bytes),
        }
    }

    /// The JSON value, if the body was JSON.
    pub fn json(&self) -> Option<&Value> {
        match self {
            Self::Json(v) => Some(v),
            Self::Raw(_) => None,
        }
    }

    /// The body as bytes (JSON re-serialized).
    pub fn to_bytes(&self) -> Bytes {
        match self {
            Self::Json(v) => Bytes::from(serde_json::to_vec(v).unwrap_or_default()),
            Self::Raw(b) => b.clone(),
        }
    }
}

/// One piece of a streamed response body and when it arrived, measured from the start of
/// the invocation (when it was handed to the runtime's queue).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chunk {
    /// Arrival time relative to the invocation start.
    pub at: Duration,
    /// The bytes (after the prelude, for HTTP integration responses).
    pub bytes: Bytes,
}

/// An error reported in the middle of a streamed response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreamError {
    /// The `Lambda-Runtime-Function-Error-Type` trailer, or an emulator-detected type
    /// (`Function.ResponseSizeTooLarge`, `Runtime.TruncatedResponse`).
    pub error_type: String,
    /// The `Lambda-Runtime-Function-Error-Body` trailer, base64-decoded (kept as sent when
    /// it is not valid base64).
    pub error_body: Bytes,
}

/// How an invocation ended.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// The runtime posted a buffered response.
    Buffered {
        /// The response body.
        body: Bytes,
        /// Headers of the runtime's `/response` request.
        headers: HeaderMap,
    },
    /// The runtime streamed its response (`Lambda-Runtime-Function-Response-Mode: streaming`).
    Streamed {
        /// The JSON prelude of an `application/vnd.awslambda.http-integration-response`
        /// stream (before the eight NUL bytes).
        prelude: Option<Value>,
        /// All body bytes after the prelude.
        body: Bytes,
        /// The body pieces with their arrival times.
        chunks: Vec<Chunk>,
        /// The error from the trailers, if any.
        error: Option<StreamError>,
        /// Headers of the runtime's `/response` request.
        request_headers: HeaderMap,
    },
    /// The invocation failed: `/invocation/{id}/error`, an oversized response, or a
    /// process that crashed.
    Error {
        /// `Lambda-Runtime-Function-Error-Type`, else the body's `errorType`, else `Unhandled`.
        error_type: String,
        /// The error document.
        body: ErrorBody,
    },
    /// No answer before the deadline.
    Timeout,
    /// Init failed (init error call, init timeout, a process that exited or could not start).
    InitError {
        /// The error type (`Runtime.ExitError`, `Extension.Crash`, `Sandbox.Timedout`, ...).
        error_type: String,
        /// The error document.
        body: ErrorBody,
    },
}

impl Outcome {
    /// The response body of a buffered or streamed outcome.
    pub fn body(&self) -> Option<&Bytes> {
        match self {
            Self::Buffered { body, .. } | Self::Streamed { body, .. } => Some(body),
            _ => None,
        }
    }

    /// The body of a buffered or streamed outcome parsed as JSON.
    pub fn body_json(&self) -> Option<Value> {
        self.body().and_then(|b| serde_json::from_slice(b).ok())
    }

    /// The error type of an error, init error or mid-stream error.
    pub fn error_type(&self) -> Option<&str> {
        match self {
            Self::Error { error_type, .. } | Self::InitError { error_type, .. } => Some(error_type),
            Self::Streamed { error: Some(e), .. } => Some(&e.error_type),
            _ => None,
        }
    }

    /// A JSON summary (used by the command line and reports): `{"outcome": kind, ...}`
    /// with bodies as text when they are UTF-8 (else base64 with `"bodyBase64": true`).
    ///
    /// ```
    /// use lwa_emulator::Outcome;
    /// let o = Outcome::Buffered { body: "{\"a\":1}".into(), headers: Default::default() };
    /// assert_eq!(o.to_json(), serde_json::json!({"outcome": "buffered", "body": "{\"a\":1}"}));
    /// ```
    pub fn to_json(&self) -> Value {
        fn body_fields(doc: &mut Value, key: &str, bytes: &[u8]) {
            match std::str::from_utf8(bytes) {
                Ok(text) => doc[key] = Value::String(text.to_string()),
                Err(_) => {
                    use base64::Engine as _;
                    doc[key] = Value::String(base64::engine::general_purpose::STANDARD.encode(bytes));
                    doc[format!("{key}Base64")] = Value::Bool(true);
                }
            }
        }
        let mut doc = serde_json::json!({"outcome": self.kind()});
        match self {
            Self::Buffered { body, .. } => body_fields(&mut doc, "body", body),
            Self::Streamed { prelude, body, chunks, error, .. } => {
                doc["prelude"] = prelude.clone().unwrap_or(Value::Null);
                body_fields(&mut doc, "body", body);
                doc["chunks"] = chunks
                    .iter()
                    .map(|c| serde_json::json!({"atMs": c.at.as_secs_f64() * 1000.0, "bytes": c.bytes.len()}))
                    .collect();
                if let Some(e) = error {
                    let mut err = serde_json::json!({"errorType": e.error_type});
                    body_fields(&mut err, "errorBody", &e.error_body);
                    doc["error"] = err;
                }
            }
            Self::Error { error_type, body } | Self::InitError { error_type, body } => {
                doc["errorType"] = Value::String(error_type.clone());
                match body {
                    ErrorBody::Json(v) => doc["body"] = v.clone(),
                    ErrorBody::Raw(b) => body_fields(&mut doc, "body", b),
                }
            }
            Self::Timeout => {}
        }
        doc
    }

    /// A short name of the variant (`buffered`, `streamed`, `error`, `timeout`, `init-error`).
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Buffered { .. } => "buffered",
            Self::Streamed { .. } => "streamed",
            Self::Error { .. } => "error",
            Self::Timeout => "timeout",
            Self::InitError { .. } => "init-error",
        }
    }
}

/// What a live invocation reports as it happens (see
/// [`Emulator::invoke_streaming`](crate::Emulator::invoke_streaming)).
// Few events per invocation: boxing the final outcome would only make matching clumsier.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq)]
pub enum ResponseEvent {
    /// The runtime started a streamed response; the prelude if it has one.
    StreamStarted {
        /// The parsed prelude (HTTP integration responses only).
        prelude: Option<Value>,
    },
    /// A piece of streamed body.
    Chunk(Chunk),
    /// The final outcome (always the last event).
    Finished(Outcome),
}

/// A running invocation whose events can be read as they happen.
#[derive(Debug)]
pub struct InvocationHandle {
    pub(crate) request_id: Option<String>,
    pub(crate) events: mpsc::UnboundedReceiver<ResponseEvent>,
    pub(crate) id_rx: Option<tokio::sync::oneshot::Receiver<String>>,
}

impl InvocationHandle {
    /// The next event; `None` after [`ResponseEvent::Finished`].
    pub async fn next_event(&mut self) -> Option<ResponseEvent> {
        self.events.recv().await
    }

    /// The request id, once the invocation has been dispatched (None for an invocation
    /// that failed before, such as an init error).
    pub async fn request_id(&mut self) -> Option<String> {
        if self.request_id.is_none() {
            if let Some(rx) = self.id_rx.take() {
                self.request_id = rx.await.ok();
            }
        }
        self.request_id.clone()
    }

    /// Waits for the final outcome, skipping intermediate events.
    pub async fn outcome(mut self) -> Outcome {
        while let Some(event) = self.events.recv().await {
            if let ResponseEvent::Finished(outcome) = event {
                return outcome;
            }
        }
        // The emulator went away without an answer (dropped mid-invocation).
        Outcome::Error {
            error_type: "Emulator.Gone".into(),
            body: ErrorBody::Json(serde_json::json!({
                "errorMessage": "the emulator stopped before the invocation finished",
                "errorType": "Emulator.Gone",
            })),
        }
    }
}
