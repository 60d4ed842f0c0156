//! What the emulator records for tests to inspect: requests, registrations, events sent
//! to extensions, process output.

use std::fmt;
use std::time::Duration;

use http::{HeaderMap, Method, StatusCode};
use serde_json::{json, Value};

/// One HTTP request made to the emulator (Runtime API or Extensions API).
#[derive(Debug, Clone)]
pub struct RecordedRequest {
    /// The method.
    pub method: Method,
    /// Path and query as sent.
    pub path: String,
    /// The request headers.
    pub headers: HeaderMap,
    /// Arrival time, measured from the emulator's start.
    pub at: Duration,
    /// The status answered (None while the request is still open, such as a long poll).
    pub status: Option<StatusCode>,
}

/// One successful `POST /extension/register`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Registration {
    /// `Lambda-Extension-Name`.
    pub name: String,
    /// The events it registered for (`INVOKE`, `SHUTDOWN`).
    pub events: Vec<String>,
    /// The `Lambda-Extension-Identifier` handed out.
    pub identifier: String,
    /// When, measured from the emulator's start.
    pub at: Duration,
    /// The environment generation (incremented by every reset).
    pub generation: u64,
}

/// One event delivered to an extension through `GET /extension/event/next`.
#[derive(Debug, Clone, PartialEq)]
pub struct DeliveredEvent {
    /// The extension's name.
    pub extension: String,
    /// The event document (`{"eventType":"INVOKE",...}` or SHUTDOWN).
    pub event: Value,
    /// When it was handed over, measured from the emulator's start.
    pub at: Duration,
}

/// Who wrote a log line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LogSource {
    /// The runtime process (`[runtime]`).
    Runtime,
    /// An extension process (`[ext:<name>]`).
    Extension(String),
    /// The emulator itself (`[emulator]`): process starts, exits, signals.
    Emulator,
}

impl fmt::Display for LogSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Runtime => write!(f, "[runtime]"),
            Self::Extension(name) => write!(f, "[ext:{name}]"),
            Self::Emulator => write!(f, "[emulator]"),
        }
    }
}

/// Which output stream a line came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogStream {
    /// Standard output.
    Stdout,
    /// Standard error.
    Stderr,
    /// Written by the emulator.
    Internal,
}

/// One captured line of output.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogLine {
    /// Who wrote it.
    pub source: LogSource,
    /// Which stream.
    pub stream: LogStream,
    /// The text without the line ending (invalid UTF-8 replaced).
    pub line: String,
    /// When, measured from the emulator's start.
    pub at: Duration,
}

impl fmt::Display for LogLine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.source, self.line)
    }
}

/// Why an init phase failed.
#[derive(Debug, Clone, PartialEq)]
pub struct InitFailure {
    /// Lambda's error type (`Runtime.ExitError`, `Extension.Crash`, `Sandbox.Timedout`, the
    /// type given to `/runtime/init/error` or `/extension/init/error`, ...).
    pub error_type: String,
    /// A human-readable reason.
    pub message: String,
    /// The error document (the init error call's body when there was one).
    pub body: crate::ErrorBody,
    /// The process whose exit failed init, when one did (its output is in the logs under
    /// this source).
    pub source: Option<LogSource>,
}

/// An [`InitFailure`] with a Lambda-shaped body unless one was given.
pub(crate) fn init_failure(error_type: &str, message: String, body: Option<crate::ErrorBody>) -> InitFailure {
    let body =
        body.unwrap_or_else(|| crate::ErrorBody::Json(json!({"errorMessage": message, "errorType": error_type})));
    InitFailure { error_type: error_type.to_string(), message, body, source: None }
}

/// What [`Emulator::shutdown`](crate::Emulator::shutdown) did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ShutdownReport {
    /// Processes that exited within the grace period.
    pub exited: Vec<String>,
    /// Processes that were still running at the end of the grace period and got SIGKILL.
    pub killed: Vec<String>,
    /// Other processes the function started (daemons, orphans, children outside the
    /// process groups) that were still running and got SIGKILL, as `name (pid N)`.
    pub descendants: Vec<String>,
}
