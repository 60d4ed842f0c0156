//! Does what the state machine asks for, per the execution environment lifecycle of
//! <https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtime-environment.html>.
//!
//! Every change to the state goes through [`update`], which performs the [`Action`]s the
//! change returns once the lock is released:
//! - Init ([`Action::BeginInit`]): start every extension (directory first, sorted by name,
//!   then the explicit ones), wait until all registered, start the runtime (behind
//!   `AWS_LAMBDA_EXEC_WRAPPER` if set); the state machine ends init once the runtime polls
//!   `/next` and every extension polls `/event/next`. The init limit, an init error call,
//!   or a process that exits fails init; the environment is then torn down and the next
//!   invocation gets the failure.
//! - Invoke ([`Action::SpawnWatchdog`]): each dispatched invocation has a watchdog at its
//!   deadline. In a classic environment a timeout (or an extension still busy at the
//!   deadline) resets it: SHUTDOWN with reason `timeout` to extensions, the runtime killed
//!   ([`Action::Reset`]), a fresh init on the next invocation. In Managed Instances only
//!   the invocation fails.
//! - Shutdown: SIGTERM to the runtime, SHUTDOWN `spindown` to extensions that asked for
//!   it, SIGKILL for whatever is left after the grace period.

use std::sync::Arc;
use std::time::Instant;

use super::entries::{ProcInfo, ProcKind};
use super::process;
use super::records::{init_failure, ShutdownReport};
use super::shared::Shared;
use super::state::{Action, Env, ShutdownReason, State};
use super::stop::stop_processes;

/// Changes the state ([`Shared::transition`]), then performs what settling it asks for.
/// The lock is released before anything is started.
pub(crate) fn update<R>(shared: &Arc<Shared>, f: impl FnOnce(&mut State) -> R) -> R {
    let (result, actions) = shared.transition(f);
    run(shared, actions);
    result
}

/// Performs actions returned by the state machine (called without the lock: each one
/// only spawns a task).
pub(crate) fn run(shared: &Arc<Shared>, actions: impl IntoIterator<Item = Action>) {
    for action in actions {
        let shared = shared.clone();
        match action {
            Action::BeginInit { generation, deadline } => {
                tokio::spawn(init_task(shared, generation, deadline));
            }
            Action::SpawnWatchdog { id, generation, deadline } => {
                tokio::spawn(async move {
                    tokio::time::sleep_until(deadline.into()).await;
                    let reset = update(&shared, |st| st.deadline_passed(&shared.config, &shared.log, &id, generation));
                    run(&shared, reset);
                });
            }
            Action::Reset { generation, reason, after } => {
                tokio::spawn(async move {
                    let grace = shared.config.shutdown_grace;
                    stop_processes(&shared, Some(generation), reason, grace).await;
                    update(&shared, |st| st.reset_done(generation, after));
                });
            }
        }
    }
}

/// Starts the first init (`Emulator::start`).
pub(crate) fn start(shared: &Arc<Shared>) {
    let init = update(shared, |st| st.begin_init(&shared.config, &shared.log));
    run(shared, [init]);
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
    update(&shared, |st| {
        if st.generation == generation {
            st.expected_extensions = names;
        }
    });
    for (name, argv) in &extensions {
        if let Err(e) = start_process(&shared, ProcKind::Extension, name, argv, generation) {
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
        if let Err(e) = start_process(&shared, ProcKind::Runtime, "runtime", &argv, generation) {
            let message = format!("runtime {} could not be started: {e}", argv.join(" "));
            return fail_now(&shared, generation, "Runtime.InvalidEntrypoint", message);
        }
    }
    update(&shared, |st| {
        if st.generation == generation {
            st.runtime_started = true;
        }
    });
    wait_init(&shared, generation, deadline, |st| matches!(st.env, Env::Ready)).await;
}

/// Starts a process of `generation`, records it, and has its exit reported to the state
/// machine ([`State::process_exited`]).
fn start_process(
    shared: &Arc<Shared>,
    kind: ProcKind,
    name: &str,
    argv: &[String],
    generation: u64,
) -> std::io::Result<()> {
    let started = process::spawn(shared, kind, name, argv)?;
    let pgid = started.pgid;
    let index = update(shared, |st| {
        st.procs.push(ProcInfo { name: name.to_string(), kind, generation, pgid, exit: None });
        st.procs.len() - 1
    });
    let shared = shared.clone();
    tokio::spawn(async move {
        let description = started.exited(&shared.log).await;
        let reset = update(&shared, |st| st.process_exited(&shared.config, &shared.log, index, description));
        run(&shared, reset);
    });
    Ok(())
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
    let reset = update(shared, |st| st.fail_init(&shared.config, &shared.log, generation, failure));
    run(shared, reset);
}

/// `Emulator::shutdown`: spindown of everything.
pub(crate) async fn shutdown(shared: &Arc<Shared>) -> ShutdownReport {
    if !update(shared, |st| st.begin_shutdown(&shared.config)) {
        return ShutdownReport::default();
    }
    shared.log.emulator("shutdown: spindown");
    stop_processes(shared, None, ShutdownReason::Spindown, shared.config.shutdown_grace).await
}
