//! The emulator's state machine: the environment phase, extensions, invocations, records.
//!
//! A transition only changes [`State`]. What must happen outside it (start an init, arm
//! an invocation's deadline, stop processes) is returned as [`Action`]s, which `lifecycle`
//! performs once the lock ([`Shared`](super::shared::Shared)) is released: nothing here
//! spawns, signals or waits. The transitions that end a generation are in `reset`.

use std::collections::{HashMap, VecDeque};
use std::time::{Duration, Instant, SystemTime};

use serde_json::json;

use super::config::EmulatorConfig;
use super::entries::{Active, ActiveStatus, ExtState, Finished, Pending, ProcInfo};
use super::ids;
use super::invocation::{ErrorBody, Outcome, ResponseEvent};
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
    /// Processes are being stopped; [`Action::Reset`] carries the phase that follows.
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

/// What a transition asks `lifecycle` to do once the lock is released.
#[derive(Debug)]
#[must_use = "an action does nothing until lifecycle::run performs it"]
pub(crate) enum Action {
    /// Start the extensions and the runtime of `generation`; its init fails at `deadline`.
    BeginInit { generation: u64, deadline: Instant },
    /// At `deadline`, time out invocation `id` of `generation` ([`State::deadline_passed`]).
    SpawnWatchdog { id: String, generation: u64, deadline: Instant },
    /// Stop the processes of `generation` (SHUTDOWN `reason` was queued), then enter
    /// `after` ([`State::reset_done`]).
    Reset { generation: u64, reason: ShutdownReason, after: Env },
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

impl State {
    /// Before the first init: generation 0, nothing started.
    pub(crate) fn new() -> Self {
        Self {
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
        }
    }

    /// Moves the environment forward after any change: ends a complete init, hands out
    /// queued invocations, answers them with an init failure or after shutdown, and starts
    /// a new generation when an invocation waits for a reset or failed environment.
    #[must_use = "the actions must be performed"]
    pub(crate) fn settle(&mut self, config: &EmulatorConfig, log: &LogStore) -> Vec<Action> {
        let mut actions = Vec::new();
        // A bounded loop: each arm either changes the phase or stops.
        for _ in 0..8 {
            match &mut self.env {
                Env::Initializing { since, .. } => {
                    let since = *since;
                    if !init_complete(self) {
                        break;
                    }
                    let took = since.elapsed();
                    self.init_durations.push(took);
                    self.env = Env::Ready;
                    log.emulator(format!(
                        "init done in {:.1} ms (generation {})",
                        took.as_secs_f64() * 1000.0,
                        self.generation
                    ));
                }
                Env::Ready => {
                    self.dispatch(config, &mut actions);
                    break;
                }
                Env::InitFailed { failure, reported } => {
                    if self.pending.is_empty() {
                        break;
                    }
                    if !*reported {
                        *reported = true;
                        let outcome =
                            Outcome::InitError { error_type: failure.error_type.clone(), body: failure.body.clone() };
                        if let Some(p) = self.pending.pop_front() {
                            let _ = p.events.send(ResponseEvent::Finished(outcome));
                        }
                        continue;
                    }
                    actions.push(self.begin_init(config, log));
                }
                Env::NeedsRestart => {
                    if self.pending.is_empty() {
                        break;
                    }
                    actions.push(self.begin_init(config, log));
                }
                Env::Resetting => break,
                Env::ShutDown => {
                    while let Some(p) = self.pending.pop_front() {
                        let _ = p.events.send(ResponseEvent::Finished(shut_down_outcome()));
                    }
                    break;
                }
            }
        }
        actions
    }

    /// Starts a new generation's init: registrations open, nothing of the old one kept.
    pub(crate) fn begin_init(&mut self, config: &EmulatorConfig, log: &LogStore) -> Action {
        self.generation += 1;
        let now = Instant::now();
        self.env = Env::Initializing { since: now };
        self.extensions.clear();
        self.expected_extensions.clear();
        self.runtime_polled = false;
        self.runtime_queue.clear();
        self.last_delivered = None;
        self.runtime_started = config.is_server_only();
        log.emulator(format!("init started (generation {})", self.generation));
        Action::BeginInit { generation: self.generation, deadline: now + config.init_timeout }
    }

    /// Hands queued invocations to the runtime queue while the environment allows, each
    /// with a watchdog at its deadline.
    fn dispatch(&mut self, config: &EmulatorConfig, actions: &mut Vec<Action>) {
        let limit = config.max_concurrency.max(1) as usize;
        while !self.pending.is_empty() && self.active.len() < limit {
            // Classic Lambda: the next invoke starts only when the previous invoke phase
            // is over, i.e. every INVOKE extension has asked for its next event.
            if limit == 1 && !extensions_idle(self) {
                return;
            }
            let Some(mut p) = self.pending.pop_front() else {
                return;
            };
            let id = ids::uuid_v4();
            let timeout = p.inv.timeout.unwrap_or(config.timeout);
            let started = Instant::now();
            let deadline_ms = ids::epoch_ms(SystemTime::now() + timeout);
            let trace_id = p.inv.trace_id.clone().unwrap_or_else(ids::xray_trace_id);
            let arn = config.function.arn();
            for ext in self.extensions.iter_mut().filter(|e| e.wants("INVOKE")) {
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
            self.active.insert(
                id.clone(),
                Active { inv: p.inv, trace_id, deadline_ms, started, status: ActiveStatus::Queued, events: p.events },
            );
            self.runtime_queue.push_back(id.clone());
            actions.push(Action::SpawnWatchdog { id, generation: self.generation, deadline: started + timeout });
        }
    }

    /// Ends an active invocation with `outcome` (no-op if it already ended).
    pub(crate) fn finish(&mut self, id: &str, outcome: Outcome, how: Finished) -> bool {
        match self.active.remove(id) {
            Some(active) => {
                self.runtime_queue.retain(|q| q != id);
                // Bounded memory for long benchmark runs: forgetting old ids only turns a
                // very late duplicate answer's 403 into a 400.
                if self.finished.len() >= 65_536 {
                    self.finished.clear();
                }
                self.finished.insert(id.to_string(), how);
                let _ = active.events.send(ResponseEvent::Finished(outcome));
                true
            }
            None => false,
        }
    }
}

/// Every INVOKE extension has asked for its next event since its last INVOKE.
fn extensions_idle(st: &State) -> bool {
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

#[cfg(test)]
mod tests {
    //! The state machine alone: no server, no process, no runtime; each test plays the
    //! changes the API handlers and lifecycle tasks make and checks the actions returned.

    use tokio::sync::mpsc::{self, UnboundedReceiver};

    use super::*;
    use crate::emulator::entries::ProcKind;
    use crate::emulator::invocation::Invocation;
    use crate::emulator::records::{init_failure, LogSource};

    fn log() -> LogStore {
        LogStore::new(Instant::now(), false)
    }

    /// Queues an invocation as `Emulator::invoke_streaming` does; its outcome arrives on
    /// the receiver.
    fn invoke(st: &mut State, inv: Invocation) -> UnboundedReceiver<ResponseEvent> {
        let (events, rx) = mpsc::unbounded_channel();
        st.pending.push_back(Pending { inv, events, id_tx: None });
        rx
    }

    /// A registered extension polling `/event/next`.
    fn extension(name: &str, events: &[&str]) -> ExtState {
        ExtState {
            id: format!("id-{name}"),
            name: name.into(),
            events: events.iter().map(|e| e.to_string()).collect(),
            queue: VecDeque::new(),
            waiting: 1,
            busy_with: None,
            exited: false,
        }
    }

    /// Generation 1 after init, with `extensions` registered and polling.
    fn ready(config: &EmulatorConfig, log: &LogStore, extensions: Vec<ExtState>) -> State {
        let mut st = State::new();
        let _ = st.begin_init(config, log);
        st.extensions = extensions;
        st.runtime_polled = true;
        assert!(st.settle(config, log).is_empty());
        assert!(matches!(st.env, Env::Ready));
        st
    }

    /// Settles and returns the (id, generation, deadline) of the one watchdog asked for.
    fn one_watchdog(st: &mut State, config: &EmulatorConfig, log: &LogStore) -> (String, u64, Instant) {
        match st.settle(config, log).as_slice() {
            [Action::SpawnWatchdog { id, generation, deadline }] => (id.clone(), *generation, *deadline),
            other => panic!("expected one watchdog, got {other:?}"),
        }
    }

    #[test]
    fn an_invocation_begins_the_init_of_the_next_generation() {
        let (config, log) = (EmulatorConfig::new().init_timeout(Duration::from_secs(7)), log());
        let mut st = State::new();
        assert!(st.settle(&config, &log).is_empty(), "nothing to start without an invocation");
        let _rx = invoke(&mut st, Invocation::new("{}"));
        let before = Instant::now();
        let actions = st.settle(&config, &log);
        let [Action::BeginInit { generation, deadline }] = actions.as_slice() else {
            panic!("expected BeginInit, got {actions:?}");
        };
        assert_eq!((*generation, st.generation), (1, 1));
        assert!(*deadline >= before + Duration::from_secs(7) && *deadline <= Instant::now() + Duration::from_secs(7));
        assert!(matches!(st.env, Env::Initializing { .. }));
        assert_eq!(st.pending.len(), 1, "the invocation waits for init");
        assert!(st.settle(&config, &log).is_empty(), "init is begun once");
    }

    #[test]
    fn init_ends_when_the_runtime_and_every_extension_poll_then_a_watchdog_is_armed() {
        let (config, log) = (EmulatorConfig::new(), log());
        let mut st = State::new();
        let _ = st.begin_init(&config, &log);
        st.expected_extensions = vec!["ext".into()];
        let mut ext = extension("ext", &["INVOKE"]);
        ext.waiting = 0;
        st.extensions.push(ext);
        let _rx = invoke(&mut st, Invocation::new("{}").timeout(Duration::from_millis(250)));
        st.runtime_polled = true; // GET /runtime/invocation/next
        assert!(st.settle(&config, &log).is_empty(), "the extension has not polled yet");
        assert!(matches!(st.env, Env::Initializing { .. }));
        st.extensions[0].waiting = 1; // GET /extension/event/next
        let (id, generation, deadline) = one_watchdog(&mut st, &config, &log);
        assert!(matches!(st.env, Env::Ready));
        assert_eq!(st.init_durations.len(), 1);
        assert_eq!(generation, 1);
        let active = &st.active[&id];
        assert_eq!(deadline, active.started + Duration::from_millis(250), "the invocation's own timeout");
        assert_eq!(active.status, ActiveStatus::Queued);
        assert_eq!(st.runtime_queue.front(), Some(&id));
        assert_eq!(st.extensions[0].queue.front().map(|e| e["requestId"] == id.as_str()), Some(true));
    }

    #[test]
    fn classic_dispatch_waits_until_invoke_extensions_are_idle() {
        let (config, log) = (EmulatorConfig::new(), log());
        let mut st = ready(&config, &log, vec![extension("ext", &["INVOKE"])]);
        let mut first = invoke(&mut st, Invocation::new("1"));
        let _second = invoke(&mut st, Invocation::new("2"));
        let (id, _, _) = one_watchdog(&mut st, &config, &log);
        let answer = Outcome::Buffered { body: "ok".into(), headers: Default::default() };
        assert!(st.finish(&id, answer, Finished::Answered)); // POST .../response
        assert!(matches!(first.try_recv(), Ok(ResponseEvent::Finished(Outcome::Buffered { .. }))));
        assert!(st.settle(&config, &log).is_empty(), "the INVOKE event is not taken yet");
        st.extensions[0].queue.clear();
        st.extensions[0].busy_with = Some(id.clone()); // took the INVOKE event
        assert!(st.settle(&config, &log).is_empty(), "the extension is still busy");
        st.extensions[0].busy_with = None; // polls again
        let (second_id, _, _) = one_watchdog(&mut st, &config, &log);
        assert_ne!(second_id, id);
    }

    #[test]
    fn a_timeout_resets_a_classic_environment_and_a_stale_watchdog_does_nothing() {
        let (config, log) = (EmulatorConfig::new(), log());
        let mut st = ready(&config, &log, vec![extension("ext", &["SHUTDOWN"])]);
        let mut rx = invoke(&mut st, Invocation::new("{}"));
        let (id, generation, _) = one_watchdog(&mut st, &config, &log);
        assert!(st.deadline_passed(&config, &log, &id, generation - 1).is_none(), "armed by another generation");
        assert!(st.active.contains_key(&id) && matches!(st.env, Env::Ready));
        let reset = st.deadline_passed(&config, &log, &id, generation);
        let Some(Action::Reset { generation: 1, reason: ShutdownReason::Timeout, after: Env::NeedsRestart }) = reset
        else {
            panic!("expected a timeout reset, got {reset:?}");
        };
        assert!(matches!(rx.try_recv(), Ok(ResponseEvent::Finished(Outcome::Timeout))));
        assert_eq!(st.finished.get(&id), Some(&Finished::TimedOut));
        assert!(matches!(st.env, Env::Resetting));
        assert_eq!(st.extensions[0].queue.back().map(|e| e["shutdownReason"] == "timeout"), Some(true));
        st.reset_done(1, Env::NeedsRestart);
        assert!(matches!(st.env, Env::NeedsRestart));
        assert!(st.settle(&config, &log).is_empty(), "the restart waits for the next invocation");
    }

    #[test]
    fn managed_instances_time_out_only_the_invocation() {
        let (config, log) = (EmulatorConfig::new().max_concurrency(2), log());
        let mut st = ready(&config, &log, Vec::new());
        let mut first = invoke(&mut st, Invocation::new("1"));
        let _second = invoke(&mut st, Invocation::new("2"));
        let actions = st.settle(&config, &log);
        let [Action::SpawnWatchdog { id, generation, .. }, Action::SpawnWatchdog { .. }] = actions.as_slice() else {
            panic!("expected two watchdogs, got {actions:?}");
        };
        assert!(st.deadline_passed(&config, &log, id, *generation).is_none());
        assert!(matches!(first.try_recv(), Ok(ResponseEvent::Finished(Outcome::Timeout))));
        assert!(matches!(st.env, Env::Ready));
        assert_eq!(st.active.len(), 1);
    }

    #[test]
    fn a_crash_during_init_fails_it_once_then_a_late_exit_of_that_generation_is_ignored() {
        let (config, log) = (EmulatorConfig::new().runtime_command(["app"]), log());
        let mut st = State::new();
        let _ = st.begin_init(&config, &log);
        for (name, kind) in [("runtime", ProcKind::Runtime), ("ext", ProcKind::Extension)] {
            st.procs.push(ProcInfo { name: name.into(), kind, generation: 1, pgid: None, exit: None });
        }
        let reset = st.process_exited(&config, &log, 0, "exit status 1".into());
        let Some(Action::Reset { generation: 1, reason: ShutdownReason::Failure, after }) = reset else {
            panic!("expected a failure reset, got {reset:?}");
        };
        assert!(matches!(&after, Env::InitFailed { failure, reported: false }
            if failure.error_type == "Runtime.ExitError" && failure.source == Some(LogSource::Runtime)));
        st.reset_done(1, after);
        let mut first = invoke(&mut st, Invocation::new("1"));
        assert!(st.settle(&config, &log).is_empty());
        let Ok(ResponseEvent::Finished(Outcome::InitError { error_type, .. })) = first.try_recv() else {
            panic!("the first invocation gets the init failure");
        };
        assert_eq!(error_type, "Runtime.ExitError");
        let _second = invoke(&mut st, Invocation::new("2"));
        let actions = st.settle(&config, &log);
        assert!(matches!(actions.as_slice(), [Action::BeginInit { generation: 2, .. }]), "{actions:?}");
        // Generation 1's extension dies late (killed by the reset): generation 2 goes on.
        assert!(st.process_exited(&config, &log, 1, "signal: killed".into()).is_none());
        assert_eq!(st.procs[1].exit.as_deref(), Some("signal: killed"));
        let late = st.fail_init(&config, &log, 1, init_failure("X", "late".into(), None));
        assert!(late.is_none());
        assert!(matches!(st.env, Env::Initializing { .. }) && st.generation == 2);
    }

    #[test]
    fn shutdown_during_a_reset_stays_shut_down() {
        let (config, log) = (EmulatorConfig::new(), log());
        let mut st = ready(&config, &log, vec![extension("ext", &["SHUTDOWN"])]);
        let _rx = invoke(&mut st, Invocation::new("{}"));
        let (id, generation, _) = one_watchdog(&mut st, &config, &log);
        let Some(Action::Reset { after, .. }) = st.deadline_passed(&config, &log, &id, generation) else {
            panic!("expected a reset");
        };
        assert!(st.begin_shutdown(&config));
        assert_eq!(st.extensions[0].queue.len(), 1, "SHUTDOWN timeout was sent, no second one");
        st.reset_done(generation, after);
        assert!(matches!(st.env, Env::ShutDown), "the end of the reset does not undo the shutdown");
        let mut rx = invoke(&mut st, Invocation::new("{}"));
        assert!(st.settle(&config, &log).is_empty(), "no new init after shutdown");
        assert!(matches!(rx.try_recv(), Ok(ResponseEvent::Finished(o)) if o == shut_down_outcome()));
        assert!(!st.begin_shutdown(&config), "only once");
    }
}
