//! An idle emulator waits; it does not spin. Its own test binary, so the process's CPU
//! time is this test's alone.

mod common;

use std::time::Duration;

use bytes::Bytes;
use common::{get, next, post, respond};
use lwa_conformance::{Emulator, EmulatorConfig, Invocation};

/// User plus system CPU time of this process, in clock ticks (`/proc/self/stat`).
fn cpu_ticks() -> u64 {
    let stat = std::fs::read_to_string("/proc/self/stat").expect("/proc/self/stat");
    let after_name = &stat[stat.rfind(')').expect("stat format") + 1..];
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    // Fields 14 and 15 of stat(5); after the name, the state is field 3, so index 11, 12.
    fields[11].parse::<u64>().expect("utime") + fields[12].parse::<u64>().expect("stime")
}

// Regression: `/runtime/invocation/next` and `/extension/event/next` each checked their
// queue with a state update that woke every waiter, themselves included, so a runtime and
// an extension waiting for their next event kept a core at 100% (and slowed whatever else
// the machine ran: the suite's timing cases, the benchmarks).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_long_polls_use_no_cpu() {
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
    let before = cpu_ticks();
    tokio::time::sleep(Duration::from_secs(1)).await;
    let spent = cpu_ticks() - before;
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
