//! The transitions that end a generation early (init failure, timeout, crashed process)
//! or for good (shutdown): what fails, which SHUTDOWN events are queued, and the
//! [`Action::Reset`] that has the processes stopped.

use std::time::SystemTime;

use serde_json::json;

use super::config::EmulatorConfig;
use super::entries::{Finished, ProcKind};
use super::ids;
use super::invocation::{ErrorBody, Outcome};
use super::log::LogStore;
use super::records::{init_failure, InitFailure, LogSource};
use super::state::{shut_down_outcome, Action, Env, ShutdownReason, State};

impl State {
    /// Fails the init of `generation` (nothing to do when that init is already over).
    #[must_use = "the reset must be performed"]
    pub(crate) fn fail_init(
        &mut self,
        config: &EmulatorConfig,
        log: &LogStore,
        generation: u64,
        failure: InitFailure,
    ) -> Option<Action> {
        if self.generation != generation || !matches!(self.env, Env::Initializing { .. }) {
            return None;
        }
        log.emulator(format!("init failed: {}: {}", failure.error_type, failure.message));
        self.last_init_failure = Some(failure.clone());
        let after = Env::InitFailed { failure, reported: false };
        Some(self.start_reset(config, log, ShutdownReason::Failure, after))
    }

    /// The deadline of invocation `id` of `generation` has come: it times out if still
    /// running. In a classic environment a timeout, or an extension still busy with the
    /// invocation, resets the environment; in Managed Instances only the invocation fails.
    #[must_use = "the reset must be performed"]
    pub(crate) fn deadline_passed(
        &mut self,
        config: &EmulatorConfig,
        log: &LogStore,
        id: &str,
        generation: u64,
    ) -> Option<Action> {
        if self.generation != generation {
            return None;
        }
        let timed_out = self.finish(id, Outcome::Timeout, Finished::TimedOut);
        let extension_busy = self.extensions.iter().any(|e| e.busy_with.as_deref() == Some(id));
        if timed_out {
            log.emulator(format!("invocation {id} timed out"));
        } else if extension_busy {
            log.emulator(format!("invocation {id}: an extension did not call /event/next before the deadline"));
        }
        if (timed_out || extension_busy) && !config.is_managed_instances() && matches!(self.env, Env::Ready) {
            return Some(self.start_reset(config, log, ShutdownReason::Timeout, Env::NeedsRestart));
        }
        None
    }

    /// Process `index` exited: during init that fails init, after it the running
    /// invocations fail and the environment is reset. Exits of older generations and
    /// during a reset or shutdown are only recorded.
    #[must_use = "the reset must be performed"]
    pub(crate) fn process_exited(
        &mut self,
        config: &EmulatorConfig,
        log: &LogStore,
        index: usize,
        description: String,
    ) -> Option<Action> {
        let p = self.procs.get_mut(index)?;
        p.exit = Some(description.clone());
        let p = p.clone();
        if p.generation != self.generation {
            return None;
        }
        let (error_type, message) = match p.kind {
            ProcKind::Runtime => ("Runtime.ExitError", format!("Runtime exited with error: {description}")),
            ProcKind::Extension => {
                ("Extension.Crash", format!("Extension {} exited with error: {description}", p.name))
            }
        };
        match self.env {
            Env::Initializing { .. } => {
                let generation = self.generation;
                let mut failure = init_failure(error_type, message, None);
                failure.source = Some(match p.kind {
                    ProcKind::Runtime => LogSource::Runtime,
                    ProcKind::Extension => LogSource::Extension(p.name.clone()),
                });
                self.fail_init(config, log, generation, failure)
            }
            Env::Ready => {
                self.abort_active(error_type, &message);
                Some(self.start_reset(config, log, ShutdownReason::Failure, Env::NeedsRestart))
            }
            _ => None,
        }
    }

    /// The processes of `generation` are gone: enter `after`, unless that generation is
    /// over or the environment left `Resetting` meanwhile (shutdown).
    pub(crate) fn reset_done(&mut self, generation: u64, after: Env) {
        if self.generation == generation && matches!(self.env, Env::Resetting) {
            self.env = after;
            self.runtime_queue.clear();
        }
    }

    /// `Emulator::shutdown`: every invocation fails, and the extensions get SHUTDOWN
    /// `spindown` unless a reset already told them. False when already shut down.
    pub(crate) fn begin_shutdown(&mut self, config: &EmulatorConfig) -> bool {
        if matches!(self.env, Env::ShutDown) {
            return false;
        }
        let was_running = !matches!(self.env, Env::Resetting);
        self.env = Env::ShutDown;
        let ids: Vec<String> = self.active.keys().cloned().collect();
        for id in ids {
            self.finish(&id, shut_down_outcome(), Finished::Aborted);
        }
        if was_running {
            self.queue_shutdown_events(config, ShutdownReason::Spindown);
        }
        true
    }

    /// Starts tearing the current generation down; `after` is the phase once its
    /// processes are gone.
    fn start_reset(&mut self, config: &EmulatorConfig, log: &LogStore, reason: ShutdownReason, after: Env) -> Action {
        self.env = Env::Resetting;
        let generation = self.generation;
        log.emulator(format!("resetting the environment (generation {generation}, reason {})", reason.as_str()));
        let error = format!("the execution environment was reset ({})", reason.as_str());
        self.abort_active("Sandbox.Reset", &error);
        self.queue_shutdown_events(config, reason);
        Action::Reset { generation, reason, after }
    }

    /// Fails every active invocation with `error_type`.
    fn abort_active(&mut self, error_type: &str, error: &str) {
        let ids: Vec<String> = self.active.keys().cloned().collect();
        for id in ids {
            let outcome = Outcome::Error {
                error_type: error_type.to_string(),
                body: ErrorBody::Json(json!({
                    "errorMessage": format!("RequestId: {id} Error: {error}"),
                    "errorType": error_type,
                })),
            };
            self.finish(&id, outcome, Finished::Aborted);
        }
    }

    /// SHUTDOWN to every extension of the current generation that registered for it.
    fn queue_shutdown_events(&mut self, config: &EmulatorConfig, reason: ShutdownReason) {
        let deadline_ms = ids::epoch_ms(SystemTime::now() + config.shutdown_grace);
        for ext in self.extensions.iter_mut().filter(|e| e.wants("SHUTDOWN")) {
            ext.queue.push_back(json!({
                "eventType": "SHUTDOWN",
                "shutdownReason": reason.as_str(),
                "deadlineMs": deadline_ms,
            }));
        }
    }
}
