//! Why an invocation failed, and how each failure is reported to Lambda.

use crate::event::EventError;

/// Lambda's limit for a buffered response payload.
pub const BUFFERED_LIMIT: usize = 6 * 1024 * 1024;

/// How much of the app's body becomes the message of an `Adapter.AppErrorStatus` error.
pub const ERROR_BODY_CAP: usize = 1024;

/// The message for an error status: the first [`ERROR_BODY_CAP`] bytes of `body` as text,
/// then a marker when the body was longer or `cut` says why the rest is missing.
pub(crate) fn error_body_text(body: &[u8], cut: Option<&str>) -> String {
    let mut text = String::from_utf8_lossy(&body[..body.len().min(ERROR_BODY_CAP)]).into_owned();
    if body.len() > ERROR_BODY_CAP {
        text.push_str(&format!("... (truncated to the first {ERROR_BODY_CAP} bytes)"));
    }
    if let Some(cut) = cut {
        text.push_str(&format!(" ({cut})"));
    }
    text
}

/// A failed invocation. Each variant has its own `errorType` ([`InvocationError::error_type`]);
/// the adapter reports it through the Runtime API's invocation-error call and serves the
/// next event.
#[derive(Debug, thiserror::Error)]
pub enum InvocationError {
    /// The event could not be read.
    #[error(transparent)]
    Event(#[from] EventError),
    /// Nothing accepts connections at the app's address.
    #[error("the app at {address} refused the connection: {detail}")]
    AppUnreachable {
        /// `host:port`.
        address: String,
        /// The connection error.
        detail: String,
    },
    /// The connection broke: reset, or closed before the response was complete.
    #[error("the connection to the app failed before the response was complete: {detail}")]
    AppConnection {
        /// What happened.
        detail: String,
    },
    /// The app did not answer before the invocation's deadline.
    #[error("the app did not answer within the invocation deadline ({budget_ms} ms were left)")]
    AppTimeout {
        /// How long the adapter waited.
        budget_ms: u64,
    },
    /// The app never passed the readiness check (async init).
    #[error("the app did not become ready at {url} before the invocation deadline")]
    AppNotReady {
        /// What was probed.
        url: String,
    },
    /// The encoded response exceeds Lambda's buffered limit.
    #[error(
        "the response is over Lambda's 6 MB buffered limit ({size} bytes or more, limit {BUFFERED_LIMIT}); \
         set AWS_LWA_INVOKE_MODE=response_stream to stream responses of up to 200 MB"
    )]
    ResponseTooLarge {
        /// Bytes seen (at least).
        size: usize,
    },
    /// The app answered with a status listed in AWS_LWA_ERROR_STATUS_CODES.
    #[error("the app answered {status}, listed in AWS_LWA_ERROR_STATUS_CODES: {body}")]
    ErrorStatus {
        /// The status.
        status: u16,
        /// The start of the app's body, as text.
        body: String,
    },
}

/// The error type reported under `name`: `name` itself, except in the conformance suite's
/// self-test build with `fault-error-type-renamed`, where every type is `Adapter.Error`.
pub(crate) const fn reported(name: &'static str) -> &'static str {
    #[cfg(feature = "fault-error-type-renamed")]
    let name = {
        let _ = name;
        "Adapter.Error"
    };
    name
}

impl InvocationError {
    /// The `errorType` reported to Lambda.
    pub fn error_type(&self) -> &'static str {
        reported(match self {
            InvocationError::Event(EventError::ContextHeader { .. }) => "Adapter.InvalidContextHeader",
            InvocationError::Event(_) => "Adapter.InvalidEvent",
            InvocationError::AppUnreachable { .. } => "Adapter.AppUnreachable",
            InvocationError::AppConnection { .. } => "Adapter.AppConnectionError",
            InvocationError::AppTimeout { .. } => "Adapter.AppTimeout",
            InvocationError::AppNotReady { .. } => "Adapter.AppNotReady",
            InvocationError::ResponseTooLarge { .. } => "Adapter.ResponseTooLarge",
            InvocationError::ErrorStatus { .. } => "Adapter.AppErrorStatus",
        })
    }

    /// The invocation-error body: `{"errorMessage", "errorType", "stackTrace"}`.
    pub fn to_payload(&self) -> Vec<u8> {
        let body = serde_json::json!({
            "errorMessage": self.to_string(),
            "errorType": self.error_type(),
            "stackTrace": [],
        });
        body.to_string().into_bytes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_body_text_keeps_the_first_kib_and_says_so() {
        assert_eq!(error_body_text(b"upstream down", None), "upstream down");
        let long = error_body_text(&[b'e'; 4096], None);
        assert!(long.starts_with(&"e".repeat(ERROR_BODY_CAP)) && !long.contains(&"e".repeat(ERROR_BODY_CAP + 1)));
        assert!(long.ends_with("(truncated to the first 1024 bytes)"), "{long}");
        assert_eq!(error_body_text(b"part", Some("cut")), "part (cut)");
    }
}
