//! The emulator's shared state: environment phase, extensions, invocations, records.
//!
//! One `std::sync::Mutex` guards [`State`]; it is never held across an `.await`. Every
//! change goes through [`Shared::with_state`], which afterwards runs [`Shared::settle`]
//! (finish init, hand out queued invocations, restart a reset environment) and then bumps
//! a `watch` counter that every long poll and waiter subscribes to before it looks at the
//! state, so no wake-up is lost.

use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant, SystemTime};

use serde_json::{json, Value};
use tokio::sync::{mpsc, oneshot, watch};

use super::config::EmulatorConfig;
use super::ids;
use super::invocation::{ErrorBody, Invocation, Outcome, ResponseEvent};
use super::lifecycle;
use super::log::LogStore;
use super::records::{DeliveredEvent, InitFailure, RecordedRequest, Registration};

/// The phase of the execution environment.
#[derive(Debug, Clone)]
pub(crate) enum Env {
    /// Init is running (processes starting, registrations open).
    Initializing {
        /// When init began.
        since: Instant,
    },
    /// Init done; invocations are handed out.
    Ready,
    /// Processes are being stopped; `after` is the phase once they are gone.
    Resetting,
    /// Init failed; the next invocation gets the failure (once), the one after restarts.
    InitFailed {
        /// The failure.
        failure: InitFailure,
        /// Whether an invocation has already received it.
        reported: bool,
    },
    /// The environment was reset (timeout, crash); the next invocation starts a new one.
    NeedsRestart,
    /// `shutdown()` was called.
    ShutDown,
}

/// Why an environment is stopped, as sent in the SHUTDOWN event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ShutdownReason {
    Spindown,
    Timeout,
    Failure,
}

impl ShutdownReason {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::Spindown => "spindown",
            Self::Timeout => "timeout",
            Self::Failure => "failure",
        }
    }
}

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

/// Everything behind the lock.
#[derive(Debug)]
pub(crate) struct State {
    pub(crate) env: Env,
    pub(crate) generation: u64,
    /// Names of the extension processes started by this generation's init.
    pub(crate) expected_extensions: Vec<String>,
    /// Whether the runtime command has been started (or there is none).
    pub(crate) runtime_started: bool,
    pub(crate) extensions: Vec<ExtState>,
    pub(crate) registrations: Vec<Registration>,
    pub(crate) delivered: Vec<DeliveredEvent>,
    pub(crate) runtime_polled: bool,
    pub(crate) runtime_waiters: usize,
    pub(crate) pending: VecDeque<Pending>,
    pub(crate) runtime_queue: VecDeque<String>,
    pub(crate) active: HashMap<String, Active>,
    pub(crate) finished: HashMap<String, Finished>,
    pub(crate) last_delivered: Option<String>,
    pub(crate) requests: Vec<RecordedRequest>,
    pub(crate) init_durations: Vec<Duration>,
    pub(crate) last_init_failure: Option<InitFailure>,
    pub(crate) procs: Vec<ProcInfo>,
}

/// State shared by the server, the lifecycle tasks and the [`Emulator`](crate::Emulator).
#[derive(Debug)]
pub(crate) struct Shared {
    pub(crate) config: EmulatorConfig,
    pub(crate) start: Instant,
    pub(crate) addr: SocketAddr,
    pub(crate) log: LogStore,
    state: Mutex<State>,
    changes: watch::Sender<u64>,
    closed: std::sync::atomic::AtomicBool,
}

impl Shared {
    pub(crate) fn new(config: EmulatorConfig, addr: SocketAddr) -> Arc<Self> {
        let start = Instant::now();
        let echo = config.echo_logs;
        Arc::new(Self {
            config,
            start,
            addr,
            log: LogStore::new(start, echo),
            state: Mutex::new(State {
                env: Env::NeedsRestart,
                generation: 0,
                expected_extensions: Vec::new(),
                runtime_started: false,
                extensions: Vec::new(),
                registrations: Vec::new(),
                delivered: Vec::new(),
                runtime_polled: false,
                runtime_waiters: 0,
                pending: VecDeque::new(),
                runtime_queue: VecDeque::new(),
                active: HashMap::new(),
                finished: HashMap::new(),
                last_delivered: None,
                requests: Vec::new(),
                init_durations: Vec::new(),
                last_init_failure: None,
                procs: Vec::new(),
            }),
            changes: watch::channel(0).0,
            closed: std::sync::atomic::AtomicBool::new(false),
        })
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Reads the state without settling (no change made).
    pub(crate) fn read<R>(&self, f: impl FnOnce(&State) -> R) -> R {
        f(&self.lock())
    }

    /// Changes the state, settles it, and wakes every waiter.
    pub(crate) fn with_state<R>(self: &Arc<Self>, f: impl FnOnce(&mut State) -> R) -> R {
        let result = {
            let mut st = self.lock();
            let result = f(&mut st);
            self.settle(&mut st);
            result
        };
        self.changes.send_modify(|v| *v = v.wrapping_add(1));
        result
    }

    /// Changes the state without settling (for changes that cannot let anything
    /// proceed, such as a poll ending), and wakes every waiter. Safe to call from `Drop`.
    pub(crate) fn quiet_update(&self, f: impl FnOnce(&mut State)) {
        f(&mut self.lock());
        self.changes.send_modify(|v| *v = v.wrapping_add(1));
    }

    /// Marks the emulator as dropped: open long polls end.
    pub(crate) fn close(&self) {
        self.closed.store(true, std::sync::atomic::Ordering::SeqCst);
        self.changes.send_modify(|v| *v = v.wrapping_add(1));
    }

    /// Whether the emulator was dropped.
    pub(crate) fn is_closed(&self) -> bool {
        self.closed.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// A receiver that fires on the next change (subscribe before looking at the state).
    pub(crate) fn subscribe(&self) -> watch::Receiver<u64> {
        self.changes.subscribe()
    }

    /// Elapsed time since the emulator started.
    pub(crate) fn elapsed(&self) -> Duration {
        self.start.elapsed()
    }

    /// Moves the environment forward after any change.
    fn settle(self: &Arc<Self>, st: &mut State) {
        // A bounded loop: each arm either changes the phase or stops.
        for _ in 0..8 {
            match &mut st.env {
                Env::Initializing { since, .. } => {
                    let since = *since;
                    if init_complete(st) {
                        let took = since.elapsed();
                        st.init_durations.push(took);
                        st.env = Env::Ready;
                        self.log.emulator(format!(
                            "init done in {:.1} ms (generation {})",
                            took.as_secs_f64() * 1000.0,
                            st.generation
                        ));
                        continue;
                    }
                    return;
                }
                Env::Ready => {
                    self.dispatch(st);
                    return;
                }
                Env::InitFailed { failure, reported } => {
                    if st.pending.is_empty() {
                        return;
                    }
                    if !*reported {
                        *reported = true;
                        let outcome =
                            Outcome::InitError { error_type: failure.error_type.clone(), body: failure.body.clone() };
                        if let Some(p) = st.pending.pop_front() {
                            let _ = p.events.send(ResponseEvent::Finished(outcome));
                        }
                        continue;
                    }
                    lifecycle::begin_init(self, st);
                }
                Env::NeedsRestart => {
                    if st.pending.is_empty() {
                        return;
                    }
                    lifecycle::begin_init(self, st);
                }
                Env::Resetting => return,
                Env::ShutDown => {
                    while let Some(p) = st.pending.pop_front() {
                        let _ = p.events.send(ResponseEvent::Finished(shut_down_outcome()));
                    }
                    return;
                }
            }
        }
    }

    /// Hands queued invocations to the runtime queue while the environment allows.
    fn dispatch(self: &Arc<Self>, st: &mut State) {
        let limit = self.config.max_concurrency.max(1) as usize;
        while !st.pending.is_empty() && st.active.len() < limit {
            // Classic Lambda: the next invoke starts only when the previous invoke phase
            // is over, i.e. every INVOKE extension has asked for its next event.
            if limit == 1 && !extensions_idle(st) {
                return;
            }
            let Some(mut p) = st.pending.pop_front() else {
                return;
            };
            let id = ids::uuid_v4();
            let timeout = p.inv.timeout.unwrap_or(self.config.timeout);
            let started = Instant::now();
            let deadline_ms = ids::epoch_ms(SystemTime::now() + timeout);
            let trace_id = p.inv.trace_id.clone().unwrap_or_else(ids::xray_trace_id);
            let arn = self.config.function.arn();
            for ext in st.extensions.iter_mut().filter(|e| e.wants("INVOKE")) {
                ext.queue.push_back(json!({
                    "eventType": "INVOKE",
                    "deadlineMs": deadline_ms,
                    "requestId": id,
                    "invokedFunctionArn": arn,
                    "tracing": {"type": "X-Amzn-Trace-Id", "value": trace_id},
                }));
            }
            if let Some(tx) = p.id_tx.take() {
                let _ = tx.send(id.clone());
            }
            st.active.insert(
                id.clone(),
                Active { inv: p.inv, trace_id, deadline_ms, started, status: ActiveStatus::Queued, events: p.events },
            );
            st.runtime_queue.push_back(id.clone());
            lifecycle::spawn_watchdog(self, id, st.generation, started + timeout);
        }
    }

    /// Ends an active invocation with `outcome` (no-op if it already ended).
    pub(crate) fn finish(st: &mut State, id: &str, outcome: Outcome, how: Finished) -> bool {
        match st.active.remove(id) {
            Some(active) => {
                st.runtime_queue.retain(|q| q != id);
                // Bounded memory for long benchmark runs: forgetting old ids only turns a
                // very late duplicate answer's 403 into a 400.
                if st.finished.len() >= 65_536 {
                    st.finished.clear();
                }
                st.finished.insert(id.to_string(), how);
                let _ = active.events.send(ResponseEvent::Finished(outcome));
                true
            }
            None => false,
        }
    }
}

/// Every INVOKE extension has asked for its next event since its last INVOKE.
pub(crate) fn extensions_idle(st: &State) -> bool {
    st.extensions.iter().filter(|e| e.wants("INVOKE")).all(|e| e.busy_with.is_none() && e.queue.is_empty())
}

/// Init ends when every started extension registered, the runtime was started, someone
/// polls `/runtime/invocation/next`, and every registered extension polls `/event/next`.
fn init_complete(st: &State) -> bool {
    st.runtime_started
        && st.runtime_polled
        && st.expected_extensions.iter().all(|n| st.extensions.iter().any(|e| &e.name == n))
        && st.extensions.iter().all(|e| e.exited || e.waiting > 0)
}

/// The outcome of an invocation made after `shutdown()`.
pub(crate) fn shut_down_outcome() -> Outcome {
    Outcome::InitError {
        error_type: "Emulator.ShutDown".into(),
        body: ErrorBody::Json(json!({
            "errorMessage": "the emulator has been shut down",
            "errorType": "Emulator.ShutDown",
        })),
    }
}
