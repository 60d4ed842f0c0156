//! An idle emulator waits; it does not spin. The test runs the emulator on a runtime of
//! its own and counts the CPU time of that runtime's threads only, so the other tests of
//! this binary, running meanwhile, do not count.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use lwa_emulator::{Emulator, EmulatorConfig, Invocation};

use crate::common::{get, next, post, respond};

/// The calling thread's id (`/proc/thread-self` links to `<pid>/task/<tid>`).
fn thread_id() -> u32 {
    let link = std::fs::read_link("/proc/thread-self").expect("/proc/thread-self");
    link.file_name().and_then(|n| n.to_str()).and_then(|n| n.parse().ok()).expect("a thread id")
}

/// User plus system CPU time of each of `threads` still running, in clock ticks
/// (`/proc/self/task/<tid>/stat`).
fn cpu_ticks(threads: &[u32]) -> HashMap<u32, u64> {
    let mut ticks = HashMap::new();
    for &tid in threads {
        let Ok(stat) = std::fs::read_to_string(format!("/proc/self/task/{tid}/stat")) else { continue };
        let after_name = &stat[stat.rfind(')').expect("stat format") + 1..];
        let fields: Vec<&str> = after_name.split_whitespace().collect();
        // Fields 14 and 15 of stat(5); after the name, the state is field 3, so index 11, 12.
        ticks.insert(tid, fields[11].parse::<u64>().expect("utime") + fields[12].parse::<u64>().expect("stime"));
    }
    ticks
}

// Regression: `/runtime/invocation/next` and `/extension/event/next` each checked their
// queue with a state update that woke every waiter, themselves included, so a runtime and
// an extension waiting for their next event kept a core at 100% (and slowed whatever else
// the machine ran: the suite's timing cases, the benchmarks).
#[test]
fn idle_long_polls_use_no_cpu() {
    // Every thread of the runtime the emulator runs on: this one (block_on) and its own.
    let threads = Arc::new(Mutex::new(vec![thread_id()]));
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .on_thread_start({
            let threads = threads.clone();
            move || threads.lock().expect("thread list").push(thread_id())
        })
        .build()
        .expect("a runtime");
    runtime.block_on(idle_long_polls(threads));
}

async fn idle_long_polls(threads: Arc<Mutex<Vec<u32>>>) {
    let emu = Emulator::start(EmulatorConfig::new().timeout(Duration::from_secs(5))).await.expect("emulator");
    let addr = emu.runtime_api();
    // An extension and a runtime both long-poll while nothing is invoked.
    let reg = post(
        &addr,
        "/2020-01-01/extension/register",
        &[("lambda-extension-name", "idle-ext")],
        Bytes::from_static(br#"{"events":["INVOKE"]}"#),
    )
    .await;
    assert_eq!(reg.status, 200, "{:?}", reg.body);
    let ext_id = reg.header("lambda-extension-identifier").expect("an identifier");
    let ext_poll = tokio::spawn({
        let addr = addr.clone();
        async move { get(&addr, "/2020-01-01/extension/event/next", &[("lambda-extension-identifier", &ext_id)]).await }
    });
    let runtime_poll = tokio::spawn({
        let addr = addr.clone();
        async move { next(&addr).await }
    });
    tokio::time::sleep(Duration::from_millis(200)).await;
    let watched = threads.lock().expect("thread list").clone();
    let before = cpu_ticks(&watched);
    tokio::time::sleep(Duration::from_secs(1)).await;
    let after = cpu_ticks(&watched);
    let spent: u64 = after.iter().map(|(tid, t)| t.saturating_sub(before.get(tid).copied().unwrap_or(*t))).sum();
    // A spinning poll costs about 100 ticks a second; waiting costs next to nothing.
    assert!(spent < 30, "{spent} ticks of CPU in one idle second");
    // And both polls still get their events.
    let handle = emu.invoke_streaming(Invocation::new("{}")).await;
    let n = tokio::time::timeout(Duration::from_secs(5), runtime_poll).await.expect("runtime poll").expect("task");
    respond(&addr, &n.id, "done").await;
    assert_eq!(handle.outcome().await.body().cloned(), Some(Bytes::from_static(b"done")));
    let event = tokio::time::timeout(Duration::from_secs(5), ext_poll).await.expect("extension poll").expect("task");
    assert_eq!(event.status, 200, "{:?}", event.body);
}
