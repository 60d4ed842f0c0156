//! Init, per-invocation deadlines, resets and shutdown: the execution environment
//! lifecycle of <https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtime-environment.html>.
//!
//! - Init: start every extension (directory first, sorted by name, then the explicit
//!   ones), wait until all registered, start the runtime (behind `AWS_LAMBDA_EXEC_WRAPPER`
//!   if set), and end init once the runtime polls `/next` and every extension polls
//!   `/event/next`. Any of the init limit, an init error call, or a process that exits
//!   fails init; the environment is then torn down and the next invocation gets the failure.
//! - Invoke: each dispatched invocation has a watchdog at its deadline. In a classic
//!   environment a timeout (or an extension still busy at the deadline) resets it:
//!   SHUTDOWN with reason `timeout` to extensions, the runtime killed, a fresh init on the
//!   next invocation. In Managed Instances only the invocation fails.
//! - Shutdown: SIGTERM to the runtime, SHUTDOWN `spindown` to extensions that asked for
//!   it, SIGKILL for whatever is left after the grace period.

use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use rustix::process::Signal;
use serde_json::json;

use super::ids;
use super::invocation::{ErrorBody, Outcome};
use super::process;
use super::reaper;
use super::records::{InitFailure, LogSource, ShutdownReport};
use super::state::{shut_down_outcome, Env, Finished, ProcKind, Shared, ShutdownReason, State};

/// Starts a new generation's init (called with the lock held, from `settle`).
pub(crate) fn begin_init(shared: &Arc<Shared>, st: &mut State) {
    st.generation += 1;
    let now = Instant::now();
    st.env = Env::Initializing { since: now };
    st.extensions.clear();
    st.expected_extensions.clear();
    st.runtime_polled = false;
    st.runtime_queue.clear();
    st.last_delivered = None;
    st.runtime_started = shared.config.is_server_only();
    shared.log.emulator(format!("init started (generation {})", st.generation));
    tokio::spawn(init_task(shared.clone(), st.generation, now + shared.config.init_timeout));
}

async fn init_task(shared: Arc<Shared>, generation: u64, deadline: Instant) {
    let config = &shared.config;
    let mut extensions: Vec<(String, Vec<String>)> = Vec::new();
    if let Some(dir) = &config.extensions_dir {
        match process::extensions_in(dir) {
            Ok(found) => extensions
                .extend(found.into_iter().map(|(name, path)| (name, vec![path.to_string_lossy().into_owned()]))),
            Err(e) => {
                let message = format!("cannot read extensions directory {}: {e}", dir.display());
                return fail_now(&shared, generation, "Extension.LaunchError", message);
            }
        }
    }
    extensions.extend(config.extensions.iter().map(|e| (e.name.clone(), e.argv.clone())));
    let names: Vec<String> = extensions.iter().map(|(n, _)| n.clone()).collect();
    shared.with_state(|st| {
        if st.generation == generation {
            st.expected_extensions = names;
        }
    });
    for (name, argv) in &extensions {
        if let Err(e) = process::spawn(&shared, ProcKind::Extension, name, argv, generation) {
            let message = format!("extension {name} could not be started: {e}");
            return fail_now(&shared, generation, "Extension.LaunchError", message);
        }
    }
    // Lambda starts the runtime once every extension has registered.
    let registered = wait_init(&shared, generation, deadline, |st| {
        st.expected_extensions.iter().all(|n| st.extensions.iter().any(|e| &e.name == n))
    })
    .await;
    if !registered {
        return;
    }
    if let Some(runtime) = &config.runtime {
        let mut argv = Vec::new();
        if let Some(wrapper) = config.env_value("AWS_LAMBDA_EXEC_WRAPPER") {
            argv.push(wrapper.to_string());
        }
        argv.extend(runtime.iter().cloned());
        if let Err(e) = process::spawn(&shared, ProcKind::Runtime, "runtime", &argv, generation) {
            let message = format!("runtime {} could not be started: {e}", argv.join(" "));
            return fail_now(&shared, generation, "Runtime.InvalidEntrypoint", message);
        }
    }
    shared.with_state(|st| {
        if st.generation == generation {
            st.runtime_started = true;
        }
    });
    wait_init(&shared, generation, deadline, |st| matches!(st.env, Env::Ready)).await;
}

/// Waits until `done` holds for this generation; fails init at the deadline. Returns
/// false when init is over for another reason (failed, superseded).
async fn wait_init(shared: &Arc<Shared>, generation: u64, deadline: Instant, done: impl Fn(&State) -> bool) -> bool {
    loop {
        let mut rx = shared.subscribe();
        let (finished, initializing) = shared.read(|st| {
            (
                st.generation == generation && done(st),
                st.generation == generation && matches!(st.env, Env::Initializing { .. }),
            )
        });
        if finished {
            return true;
        }
        if !initializing {
            return false;
        }
        match tokio::time::timeout_at(deadline.into(), rx.changed()).await {
            Ok(Ok(())) => continue,
            Ok(Err(_)) => return false,
            Err(_) => {
                let waiting_for = shared.read(describe_init_wait);
                let message = format!(
                    "init timed out after {:.2} seconds ({waiting_for})",
                    shared.config.init_timeout.as_secs_f64()
                );
                fail_now(shared, generation, "Sandbox.Timedout", message);
                return false;
            }
        }
    }
}

/// What init is still waiting for, for the timeout message.
fn describe_init_wait(st: &State) -> String {
    let mut missing = Vec::new();
    for name in &st.expected_extensions {
        if !st.extensions.iter().any(|e| &e.name == name) {
            missing.push(format!("extension {name} has not registered"));
        }
    }
    for ext in &st.extensions {
        if !ext.exited && ext.waiting == 0 {
            missing.push(format!("extension {} has not called /event/next", ext.name));
        }
    }
    if !st.runtime_started {
        missing.push("the runtime was not started".into());
    } else if !st.runtime_polled {
        missing.push("nobody has called /runtime/invocation/next".into());
    }
    if missing.is_empty() {
        "no reason recorded".into()
    } else {
        missing.join("; ")
    }
}

fn fail_now(shared: &Arc<Shared>, generation: u64, error_type: &str, message: String) {
    let failure = init_failure(error_type, message, None);
    shared.with_state(|st| fail_init(shared, st, generation, failure));
}

/// An [`InitFailure`] with a Lambda-shaped body unless one was given.
pub(crate) fn init_failure(error_type: &str, message: String, body: Option<ErrorBody>) -> InitFailure {
    let body = body.unwrap_or_else(|| ErrorBody::Json(json!({"errorMessage": message, "errorType": error_type})));
    InitFailure { error_type: error_type.to_string(), message, body, source: None }
}

/// Fails the init of `generation` (no-op when that init is already over).
pub(crate) fn fail_init(shared: &Arc<Shared>, st: &mut State, generation: u64, failure: InitFailure) {
    if st.generation != generation || !matches!(st.env, Env::Initializing { .. }) {
        return;
    }
    shared.log.emulator(format!("init failed: {}: {}", failure.error_type, failure.message));
    st.last_init_failure = Some(failure.clone());
    start_reset(shared, st, ShutdownReason::Failure, Env::InitFailed { failure, reported: false });
}

/// Tears the current generation down in the background; `after` is the phase once done.
pub(crate) fn start_reset(shared: &Arc<Shared>, st: &mut State, reason: ShutdownReason, after: Env) {
    st.env = Env::Resetting;
    let generation = st.generation;
    shared.log.emulator(format!("resetting the environment (generation {generation}, reason {})", reason.as_str()));
    let ids: Vec<String> = st.active.keys().cloned().collect();
    for id in ids {
        let outcome = Outcome::Error {
            error_type: "Sandbox.Reset".into(),
            body: ErrorBody::Json(json!({
                "errorMessage": format!("RequestId: {id} Error: the execution environment was reset ({})", reason.as_str()),
                "errorType": "Sandbox.Reset",
            })),
        };
        Shared::finish(st, &id, outcome, Finished::Aborted);
    }
    queue_shutdown_events(shared, st, reason);
    let shared = shared.clone();
    tokio::spawn(async move {
        let grace = shared.config.shutdown_grace;
        stop_processes(&shared, Some(generation), reason, grace).await;
        shared.with_state(|st| {
            if st.generation == generation && matches!(st.env, Env::Resetting) {
                st.env = after;
                st.runtime_queue.clear();
            }
        });
    });
}

/// SHUTDOWN to every extension of the current generation that registered for it.
fn queue_shutdown_events(shared: &Arc<Shared>, st: &mut State, reason: ShutdownReason) {
    let deadline_ms = ids::epoch_ms(SystemTime::now() + shared.config.shutdown_grace);
    for ext in st.extensions.iter_mut().filter(|e| e.wants("SHUTDOWN")) {
        ext.queue.push_back(json!({
            "eventType": "SHUTDOWN",
            "shutdownReason": reason.as_str(),
            "deadlineMs": deadline_ms,
        }));
    }
}

/// Stops the processes of `generation` (all when `None`): SIGTERM to the runtime on
/// spindown (SIGKILL otherwise), a grace period for the runtime and for extensions that
/// were sent SHUTDOWN, then SIGKILL for every process group left.
async fn stop_processes(
    shared: &Arc<Shared>,
    generation: Option<u64>,
    reason: ShutdownReason,
    grace: Duration,
) -> ShutdownReport {
    let matches_gen = move |g: u64| generation.is_none_or(|want| want == g);
    let (procs, told_extensions) = shared.read(|st| {
        let procs: Vec<(usize, _)> = st
            .procs
            .iter()
            .enumerate()
            .filter(|(_, p)| matches_gen(p.generation) && p.exit.is_none())
            .map(|(i, p)| (i, p.clone()))
            .collect();
        let told: Vec<String> = st.extensions.iter().filter(|e| e.wants("SHUTDOWN")).map(|e| e.name.clone()).collect();
        (procs, told)
    });
    // Daemons and children outside the process groups, found before anything is
    // signalled, while their parent chain still leads to the processes.
    let roots: Vec<i32> = if shared.config.subreaper {
        vec![reaper::own_pid()]
    } else {
        procs.iter().filter_map(|(_, p)| p.pgid).collect()
    };
    let before = if roots.is_empty() { Vec::new() } else { reaper::descendants(&reaper::scan(), &roots) };
    let mut told = Vec::new();
    for (index, p) in &procs {
        match p.kind {
            ProcKind::Runtime if reason == ShutdownReason::Spindown => {
                shared.log.emulator("SIGTERM to [runtime]");
                process::signal_group(p.pgid, Signal::TERM);
                told.push(*index);
            }
            ProcKind::Runtime => {
                // A reset does not wait for a runtime that timed out or failed.
                process::signal_group(p.pgid, Signal::KILL);
            }
            ProcKind::Extension => {
                if told_extensions.contains(&p.name) {
                    told.push(*index);
                }
            }
        }
    }
    let proc_names: Vec<String> = procs.iter().map(|(_, p)| p.name.clone()).collect();
    let deadline = Instant::now() + grace;
    loop {
        let mut rx = shared.subscribe();
        let busy = shared.read(|st| {
            let procs_alive = told.iter().any(|i| st.procs.get(*i).is_some_and(|p| p.exit.is_none()));
            // In-process extensions (no process of ours): wait until they took SHUTDOWN.
            let in_process_pending = st
                .extensions
                .iter()
                .any(|e| e.wants("SHUTDOWN") && !proc_names.contains(&e.name) && !e.queue.is_empty());
            procs_alive || in_process_pending
        });
        if !busy {
            break;
        }
        if tokio::time::timeout_at(deadline.into(), rx.changed()).await.is_err() {
            break;
        }
    }
    let mut report = ShutdownReport::default();
    let left: Vec<(usize, String, Option<i32>)> = shared.read(|st| {
        procs
            .iter()
            .filter_map(|(i, _)| st.procs.get(*i).map(|p| (*i, p)))
            .filter(|(_, p)| p.exit.is_none())
            .map(|(i, p)| (i, p.name.clone(), p.pgid))
            .collect()
    });
    for (_, name, pgid) in &left {
        shared.log.emulator(format!("SIGKILL to {name}"));
        process::signal_group(*pgid, Signal::KILL);
        report.killed.push(name.clone());
    }
    // Processes that did exit get their group killed too: children they left behind must
    // not outlive the environment.
    for (_, p) in &procs {
        if !left.iter().any(|(_, n, g)| n == &p.name && *g == p.pgid) {
            process::signal_group(p.pgid, Signal::KILL);
            report.exited.push(p.name.clone());
        }
    }
    // Give the watchers a moment to reap what was killed.
    let reap_deadline = Instant::now() + Duration::from_secs(1);
    loop {
        let mut rx = shared.subscribe();
        let alive = shared.read(|st| left.iter().any(|(i, _, _)| st.procs.get(*i).is_some_and(|p| p.exit.is_none())));
        if !alive || tokio::time::timeout_at(reap_deadline.into(), rx.changed()).await.is_err() {
            break;
        }
    }
    report.descendants = kill_descendants(shared, before).await;
    report
}

/// SIGKILLs what the function started besides its process groups: `before` (found when
/// the stop began) and, as subreaper, every process left below the emulator's (orphans
/// reparented to it). The emulator's own children are spared: their watchers reap them.
async fn kill_descendants(shared: &Arc<Shared>, before: Vec<reaper::ProcEntry>) -> Vec<String> {
    let subreaper = shared.config.subreaper;
    // Nothing to look for: return without yielding. A reset that awaited here let a
    // runtime's /next long poll spin on state changes (timeout_resets_and_the_next_invoke_
    // reinitialises in tests/runtime_api.rs hung at 100% CPU).
    if !subreaper && before.is_empty() {
        return Vec::new();
    }
    let spared: Vec<i32> = shared.read(|st| st.procs.iter().filter_map(|p| p.pgid).collect());
    let killed = tokio::task::spawn_blocking(move || {
        let mut targets = before;
        if subreaper {
            targets.extend(reaper::descendants(&reaper::scan(), &[reaper::own_pid()]));
        }
        reaper::kill(&targets, &spared)
    })
    .await
    .unwrap_or_default();
    for name in &killed {
        shared.log.emulator(format!("SIGKILL to {name}, started by the function outside its process group"));
    }
    killed
}

/// Arms the deadline of a dispatched invocation.
pub(crate) fn spawn_watchdog(shared: &Arc<Shared>, id: String, generation: u64, deadline: Instant) {
    let shared = shared.clone();
    tokio::spawn(async move {
        tokio::time::sleep_until(deadline.into()).await;
        shared.clone().with_state(|st| {
            if st.generation != generation {
                return;
            }
            let timed_out = Shared::finish(st, &id, Outcome::Timeout, Finished::TimedOut);
            let extension_busy = st.extensions.iter().any(|e| e.busy_with.as_deref() == Some(id.as_str()));
            if timed_out {
                shared.log.emulator(format!("invocation {id} timed out"));
            } else if extension_busy {
                shared
                    .log
                    .emulator(format!("invocation {id}: an extension did not call /event/next before the deadline"));
            }
            if (timed_out || extension_busy) && !shared.config.is_managed_instances() && matches!(st.env, Env::Ready) {
                start_reset(&shared, st, ShutdownReason::Timeout, Env::NeedsRestart);
            }
        });
    });
}

/// Called by a process watcher when a process exits.
pub(crate) fn on_process_exit(shared: &Arc<Shared>, index: usize, description: String) {
    shared.with_state(|st| {
        let Some(p) = st.procs.get_mut(index) else {
            return;
        };
        p.exit = Some(description.clone());
        let p = p.clone();
        if p.generation != st.generation {
            return;
        }
        let (error_type, message) = match p.kind {
            ProcKind::Runtime => ("Runtime.ExitError", format!("Runtime exited with error: {description}")),
            ProcKind::Extension => {
                ("Extension.Crash", format!("Extension {} exited with error: {description}", p.name))
            }
        };
        match st.env {
            Env::Initializing { .. } => {
                let generation = st.generation;
                let mut failure = init_failure(error_type, message, None);
                failure.source = Some(match p.kind {
                    ProcKind::Runtime => LogSource::Runtime,
                    ProcKind::Extension => LogSource::Extension(p.name.clone()),
                });
                fail_init(shared, st, generation, failure);
            }
            Env::Ready => {
                let ids: Vec<String> = st.active.keys().cloned().collect();
                for id in ids {
                    let outcome = Outcome::Error {
                        error_type: error_type.to_string(),
                        body: ErrorBody::Json(json!({
                            "errorMessage": format!("RequestId: {id} Error: {message}"),
                            "errorType": error_type,
                        })),
                    };
                    Shared::finish(st, &id, outcome, Finished::Aborted);
                }
                start_reset(shared, st, ShutdownReason::Failure, Env::NeedsRestart);
            }
            _ => {}
        }
    });
}

/// `Emulator::shutdown`: spindown of everything.
pub(crate) async fn shutdown(shared: &Arc<Shared>) -> ShutdownReport {
    let already = shared.with_state(|st| {
        if matches!(st.env, Env::ShutDown) {
            return true;
        }
        let was_running = !matches!(st.env, Env::Resetting);
        st.env = Env::ShutDown;
        let ids: Vec<String> = st.active.keys().cloned().collect();
        for id in ids {
            Shared::finish(st, &id, shut_down_outcome(), Finished::Aborted);
        }
        if was_running {
            queue_shutdown_events(shared, st, ShutdownReason::Spindown);
        }
        false
    });
    if already {
        return ShutdownReport::default();
    }
    shared.log.emulator("shutdown: spindown");
    stop_processes(shared, None, ShutdownReason::Spindown, shared.config.shutdown_grace).await
}

/// Kills every process group still running and what descends from them (used on drop).
pub(crate) fn kill_all(shared: &Shared) {
    let (live, spared) = shared.read(|st| {
        let live: Vec<i32> = st.procs.iter().filter(|p| p.exit.is_none()).filter_map(|p| p.pgid).collect();
        let spared: Vec<i32> = st.procs.iter().filter_map(|p| p.pgid).collect();
        (live, spared)
    });
    let roots = if shared.config.subreaper { vec![reaper::own_pid()] } else { live.clone() };
    let targets = if roots.is_empty() { Vec::new() } else { reaper::descendants(&reaper::scan(), &roots) };
    for pgid in live {
        process::signal_group(Some(pgid), Signal::KILL);
    }
    reaper::kill(&targets, &spared);
}
