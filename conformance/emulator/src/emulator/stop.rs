//! Stopping an environment's processes: SIGTERM or SIGKILL to the runtime, a grace period
//! for it and for the extensions sent SHUTDOWN, SIGKILL for what is left, and for what the
//! function started outside its process groups (see `reaper`).

use std::sync::Arc;
use std::time::{Duration, Instant};

use rustix::process::Signal;

use super::entries::ProcKind;
use super::process;
use super::reaper;
use super::records::ShutdownReport;
use super::shared::Shared;
use super::state::ShutdownReason;

/// Stops the processes of `generation` (all when `None`): SIGTERM to the runtime on
/// spindown (SIGKILL otherwise), a grace period for the runtime and for extensions that
/// were sent SHUTDOWN, then SIGKILL for every process group left.
pub(crate) async fn stop_processes(
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
