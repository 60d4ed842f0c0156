//! The lock around [`State`] and the change counter every waiter subscribes to.
//!
//! One `std::sync::Mutex` guards the state; it is never held across an `.await`. Every
//! change goes through [`Shared::transition`] (by way of `lifecycle::update`, which then
//! performs the [`Action`]s it returns), so each change is settled before the lock is
//! released; afterwards a `watch` counter is bumped. Long polls and waiters subscribe to
//! it before they look at the state, so no wake-up is lost.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use tokio::sync::watch;

use super::config::EmulatorConfig;
use super::log::LogStore;
use super::state::{Action, State};

/// State shared by the server, the lifecycle tasks and the [`Emulator`](crate::Emulator).
#[derive(Debug)]
pub(crate) struct Shared {
    pub(crate) config: EmulatorConfig,
    pub(crate) start: Instant,
    pub(crate) addr: SocketAddr,
    pub(crate) log: LogStore,
    state: Mutex<State>,
    changes: watch::Sender<u64>,
    closed: AtomicBool,
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
            state: Mutex::new(State::new()),
            changes: watch::channel(0).0,
            closed: AtomicBool::new(false),
        })
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Reads the state without settling (no change made).
    pub(crate) fn read<R>(&self, f: impl FnOnce(&State) -> R) -> R {
        f(&self.lock())
    }

    /// Changes the state, settles it ([`State::settle`]), releases the lock and wakes
    /// every waiter. Returns `f`'s result and what settling asks for, which the caller
    /// must perform (`lifecycle::update` does).
    #[must_use = "the actions must be performed (lifecycle::update does)"]
    pub(crate) fn transition<R>(&self, f: impl FnOnce(&mut State) -> R) -> (R, Vec<Action>) {
        let done = {
            let mut st = self.lock();
            let result = f(&mut st);
            (result, st.settle(&self.config, &self.log))
        };
        self.changes.send_modify(|v| *v = v.wrapping_add(1));
        done
    }

    /// Changes the state without settling (for changes that cannot let anything
    /// proceed, such as a poll ending), and wakes every waiter. Safe to call from `Drop`.
    pub(crate) fn quiet_update(&self, f: impl FnOnce(&mut State)) {
        f(&mut self.lock());
        self.changes.send_modify(|v| *v = v.wrapping_add(1));
    }

    /// Marks the emulator as dropped: open long polls end.
    pub(crate) fn close(&self) {
        self.closed.store(true, Ordering::SeqCst);
        self.changes.send_modify(|v| *v = v.wrapping_add(1));
    }

    /// Whether the emulator was dropped.
    pub(crate) fn is_closed(&self) -> bool {
        self.closed.load(Ordering::SeqCst)
    }

    /// A receiver that fires on the next change (subscribe before looking at the state).
    pub(crate) fn subscribe(&self) -> watch::Receiver<u64> {
        self.changes.subscribe()
    }

    /// Elapsed time since the emulator started.
    pub(crate) fn elapsed(&self) -> Duration {
        self.start.elapsed()
    }
}
