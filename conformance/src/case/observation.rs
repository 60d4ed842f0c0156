//! What one invocation showed: how it ended, what Lambda and the app received, and the
//! stream as it arrived.

use std::time::Duration;

use bytes::Bytes;
use serde_json::Value;

use super::OutcomeKind;
use crate::echo_app::Received;

/// A streamed response as received.
#[derive(Debug, Clone, Default)]
pub struct StreamSeen {
    /// The JSON prelude.
    pub prelude: Option<Value>,
    /// The body after the prelude.
    pub body: Bytes,
    /// When each body chunk arrived, from the start of the response.
    pub chunk_times: Vec<Duration>,
    /// The error-type trailer.
    pub error_type: Option<String>,
}

/// Everything observed for one invocation.
#[derive(Debug, Clone)]
pub struct Observation {
    /// The invocation's request id.
    pub request_id: String,
    /// How it ended.
    pub outcome: OutcomeKind,
    /// The errorType (invocation or init error).
    pub error_type: Option<String>,
    /// The error message.
    pub error_message: Option<String>,
    /// The buffered response, or the error body, as JSON.
    pub lambda: Option<Value>,
    /// The streamed response.
    pub stream: Option<StreamSeen>,
    /// What the app received for this invocation.
    pub app: Vec<Received>,
}
