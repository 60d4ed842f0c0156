//! Lambda destroys the whole sandbox: nothing a function starts outlives it, however it
//! detaches (`daemonize = yes`, a double fork, `setsid`). Killing the process groups of
//! the runtime and the extensions misses such daemons, so the emulator also walks `/proc`
//! for their descendants and kills those.
//!
//! As a child subreaper (`prctl(PR_SET_CHILD_SUBREAPER)`, [`become_subreaper`]) the
//! emulator's process adopts every orphan of its subtree, so "every descendant of this
//! process" is exactly what the function started; the CLI runs that way
//! ([`EmulatorConfig::subreaper`](crate::EmulatorConfig::subreaper)). A library user
//! running several emulators in one process cannot: there only what descends from this
//! emulator's own processes when the environment stops is killed.

use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

use rustix::process::{kill_process, waitpid, Pid, Signal, WaitOptions};

/// One process as `/proc/<pid>/stat` describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ProcEntry {
    /// Process id.
    pub(crate) pid: i32,
    /// Parent process id.
    pub(crate) ppid: i32,
    /// The executable's name (`comm`, at most 15 bytes).
    pub(crate) comm: String,
    /// Start time in clock ticks after boot: tells a process from a later one with the
    /// same (reused) pid.
    pub(crate) start: u64,
    /// Whether it has exited and waits to be reaped.
    pub(crate) zombie: bool,
}

impl ProcEntry {
    /// `comm (pid N)`, the way reports name it.
    pub(crate) fn label(&self) -> String {
        format!("{} (pid {})", self.comm, self.pid)
    }
}

/// Parses the text of `/proc/<pid>/stat`. The name is in parentheses and may itself hold
/// spaces and parentheses, so the fields are counted from the last `)`.
pub(crate) fn parse_stat(text: &str) -> Option<ProcEntry> {
    let open = text.find('(')?;
    let close = text.rfind(')')?;
    let pid = text.get(..open)?.trim().parse().ok()?;
    let comm = text.get(open + 1..close)?.to_string();
    let rest: Vec<&str> = text.get(close + 1..)?.split_whitespace().collect();
    let state = *rest.first()?;
    let ppid = rest.get(1)?.parse().ok()?;
    let start = rest.get(19)?.parse().ok()?;
    Some(ProcEntry { pid, ppid, comm, start, zombie: state == "Z" || state == "X" })
}

/// Every process of the system that can be read (the others are ignored).
pub(crate) fn scan() -> Vec<ProcEntry> {
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    dir.filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().bytes().all(|b| b.is_ascii_digit()))
        .filter_map(|e| std::fs::read_to_string(e.path().join("stat")).ok())
        .filter_map(|text| parse_stat(&text))
        .collect()
}

/// The processes of `procs` whose parent chain leads to one of `roots` (roots excluded),
/// parents before children.
pub(crate) fn descendants(procs: &[ProcEntry], roots: &[i32]) -> Vec<ProcEntry> {
    let mut children: HashMap<i32, Vec<&ProcEntry>> = HashMap::new();
    for p in procs {
        children.entry(p.ppid).or_default().push(p);
    }
    let mut out = Vec::new();
    let mut seen: HashSet<i32> = roots.iter().copied().collect();
    let mut queue: Vec<i32> = roots.to_vec();
    while let Some(parent) = queue.pop() {
        for child in children.get(&parent).into_iter().flatten() {
            if seen.insert(child.pid) {
                out.push((*child).clone());
                queue.push(child.pid);
            }
        }
    }
    out
}

/// The id of this process.
pub(crate) fn own_pid() -> i32 {
    rustix::process::getpid().as_raw_nonzero().get()
}

/// Makes this process the reaper of the orphans of its subtree.
pub(crate) fn become_subreaper() -> std::io::Result<()> {
    rustix::process::set_child_subreaper(Some(rustix::process::getpid())).map_err(std::io::Error::from)
}

/// SIGKILLs every process of `targets` still running as the same process (same start
/// time), except those in `spared` (the emulator's own children, which their watchers
/// reap). Reaps the ones that are this process's children, so no zombie is left. Returns
/// the labels of the processes that were alive and got the signal.
pub(crate) fn kill(targets: &[ProcEntry], spared: &[i32]) -> Vec<String> {
    let now: HashMap<i32, ProcEntry> = scan().into_iter().map(|p| (p.pid, p)).collect();
    let me = own_pid();
    let mut killed = Vec::new();
    let mut to_reap = Vec::new();
    let mut seen = HashSet::new();
    for target in targets {
        if spared.contains(&target.pid) || !seen.insert(target.pid) {
            continue;
        }
        let Some(current) = now.get(&target.pid).filter(|p| p.start == target.start) else {
            continue;
        };
        if !current.zombie {
            if let Some(pid) = Pid::from_raw(current.pid) {
                if kill_process(pid, Signal::KILL).is_ok() {
                    killed.push(current.label());
                }
            }
        }
        if current.ppid == me {
            to_reap.push(current.pid);
        }
    }
    reap(&to_reap, Duration::from_secs(1));
    killed
}

/// Waits (without blocking) for each of `pids`, children of this process, until all are
/// reaped or `limit` has passed.
fn reap(pids: &[i32], limit: Duration) {
    let deadline = Instant::now() + limit;
    let mut left: Vec<Pid> = pids.iter().filter_map(|p| Pid::from_raw(*p)).collect();
    while !left.is_empty() {
        left.retain(|pid| matches!(waitpid(Some(*pid), WaitOptions::NOHANG), Ok(None)));
        if left.is_empty() || Instant::now() >= deadline {
            return;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(pid: i32, ppid: i32) -> ProcEntry {
        ProcEntry { pid, ppid, comm: format!("p{pid}"), start: 1, zombie: false }
    }

    #[test]
    fn stat_with_a_strange_name() {
        let text = "4242 (php-fpm: (pool) x) S 1 4242 4242 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 987654 10000 100";
        let p = parse_stat(text).expect("parsed");
        assert_eq!(p.pid, 4242);
        assert_eq!(p.ppid, 1);
        assert_eq!(p.comm, "php-fpm: (pool) x");
        assert_eq!(p.start, 987654);
        assert!(!p.zombie);
        assert!(parse_stat("12 (zz) Z 3 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 55").is_some_and(|p| p.zombie));
        assert_eq!(parse_stat("garbage"), None);
    }

    #[test]
    fn descendants_follow_the_parent_chain() {
        let procs = [entry(1, 0), entry(10, 1), entry(11, 10), entry(12, 11), entry(20, 1), entry(13, 10)];
        let mut found: Vec<i32> = descendants(&procs, &[10]).iter().map(|p| p.pid).collect();
        found.sort_unstable();
        assert_eq!(found, vec![11, 12, 13]);
        assert!(descendants(&procs, &[99]).is_empty());
    }

    #[test]
    fn this_process_is_found_in_proc() {
        let me = own_pid();
        let procs = scan();
        assert!(procs.iter().any(|p| p.pid == me), "own pid in /proc");
    }
}
