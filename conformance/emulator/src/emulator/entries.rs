//! What the state keeps for each extension, process and invocation (the parts of
//! [`State`](super::state::State)).

use std::collections::VecDeque;
use std::time::Instant;

use serde_json::Value;
use tokio::sync::{mpsc, oneshot};

use super::invocation::{Invocation, ResponseEvent};

/// A registered extension of the current generation.
#[derive(Debug)]
pub(crate) struct ExtState {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) events: Vec<String>,
    pub(crate) queue: VecDeque<Value>,
    /// Open `/event/next` requests.
    pub(crate) waiting: usize,
    /// The request id of the last INVOKE handed over, until the extension polls again.
    pub(crate) busy_with: Option<String>,
    /// Reported `/exit/error` (no longer expected to poll).
    pub(crate) exited: bool,
}

impl ExtState {
    pub(crate) fn wants(&self, event: &str) -> bool {
        !self.exited && self.events.iter().any(|e| e == event)
    }
}

/// Kind of a spawned process.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ProcKind {
    Runtime,
    Extension,
}

/// A spawned process.
#[derive(Debug, Clone)]
pub(crate) struct ProcInfo {
    pub(crate) name: String,
    pub(crate) kind: ProcKind,
    pub(crate) generation: u64,
    pub(crate) pgid: Option<i32>,
    /// The exit description once it has exited.
    pub(crate) exit: Option<String>,
}

/// An invocation waiting to be dispatched.
#[derive(Debug)]
pub(crate) struct Pending {
    pub(crate) inv: Invocation,
    pub(crate) events: mpsc::UnboundedSender<ResponseEvent>,
    pub(crate) id_tx: Option<oneshot::Sender<String>>,
}

/// Where a dispatched invocation is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ActiveStatus {
    /// Waiting for the runtime's `/next`.
    Queued,
    /// Handed to the runtime.
    Delivered,
    /// The runtime is sending its response or error.
    Responding,
}

/// A dispatched invocation.
#[derive(Debug)]
pub(crate) struct Active {
    pub(crate) inv: Invocation,
    pub(crate) trace_id: String,
    pub(crate) deadline_ms: u64,
    pub(crate) started: Instant,
    pub(crate) status: ActiveStatus,
    pub(crate) events: mpsc::UnboundedSender<ResponseEvent>,
}

/// How a finished request id ended (decides the error shape of a late answer).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Finished {
    Answered,
    TimedOut,
    Aborted,
}
