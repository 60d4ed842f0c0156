//! Runs cases: an adapter binary (launched, never linked) as an extension under the
//! emulator, an app, one invocation, and a verdict.
//!
//! The parts: [`discover`](self::discover) finds the cases, the corpus events and the spec;
//! `stage` runs one case and observes both sides; `normalise` makes observations
//! comparable; `judge` compares them (with the reference snapshot, across frameworks and
//! hosts); `crate::derive` holds what a corpus event itself requires. This module ties
//! them together for one case with its verdict ([`run_one`]); `matrix` runs the whole
//! matrix ([`run_all`]).

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use base64::Engine;
use serde_json::{json, Value};

use crate::apps::{AppHandle, AppKind, AppProcess};
use crate::case::{check, Case, Observation, OutcomeKind, StreamSeen};
use crate::container::host::ContainerApp;
use crate::container::wire::CaseRequest;
use crate::echo_app::{EchoOptions, Received};
use crate::report::{CaseDetail, CaseResult, Verdict};
use crate::spec::{self, Level, Spec};
use crate::{Emulator, EmulatorConfig, Invocation, Outcome};

mod discover;
mod judge;
mod matrix;
mod normalise;
mod stage;

pub use self::discover::*;
pub use self::judge::*;
pub use self::matrix::*;
pub use self::normalise::*;
pub use self::stage::*;

/// The fixed trace id of corpus invocations, so observations are reproducible.
pub const TRACE_ID: &str = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1";

pub use crate::arch::Arch;

/// Where a case's adapter and app run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, clap::ValueEnum)]
pub enum Host {
    /// Processes on this machine (the app from `sample-apps/`).
    Process,
    /// The app's Lambda container image (`just images`) in a Lambda-like sandbox, started
    /// with testcontainers; the adapter and the emulator run inside it.
    Container,
}

impl Host {
    /// The name used in reports.
    pub fn name(self) -> &'static str {
        match self {
            Host::Process => "process",
            Host::Container => "container",
        }
    }
}

/// One adapter binary to judge.
#[derive(Debug, Clone)]
pub struct Target {
    /// The binary.
    pub adapter: PathBuf,
    /// Its architecture (aarch64 runs under qemu when the host is not aarch64).
    pub arch: Arch,
}

impl Target {
    /// The command line that starts the adapter.
    pub fn argv(&self) -> Vec<String> {
        let adapter = self.adapter.to_string_lossy().into_owned();
        if self.arch == Arch::Aarch64 && std::env::consts::ARCH != "aarch64" {
            vec!["qemu-aarch64-static".to_owned(), adapter]
        } else {
            vec![adapter]
        }
    }
}

/// Where the suite's data lives.
#[derive(Debug, Clone)]
pub struct Paths {
    /// The repository root.
    pub root: PathBuf,
    /// `fixtures/cases`.
    pub cases: PathBuf,
    /// `fixtures/events`.
    pub events: PathBuf,
    /// The reference observations of corpus cases (insta snapshots).
    pub snapshots: PathBuf,
    /// The behaviour spec whose rules the cases cite (`docs/spec.md`).
    pub spec: PathBuf,
}

impl Paths {
    /// The paths inside a checkout rooted at `root`.
    pub fn in_repo(root: &Path) -> Self {
        Paths {
            root: root.to_owned(),
            cases: root.join("fixtures/cases"),
            events: root.join("fixtures/events"),
            snapshots: root.join("conformance/tests/snapshots"),
            spec: root.join("docs/spec.md"),
        }
    }
}

/// Something to run: a declarative case or a corpus event.
#[derive(Debug, Clone)]
pub enum Runnable {
    /// A case file.
    Case(Box<Case>),
    /// A corpus event, judged against the reference snapshot; the path is relative to
    /// `fixtures/events`.
    Corpus(String),
}

impl Runnable {
    /// The case id.
    pub fn id(&self) -> String {
        match self {
            Runnable::Case(case) => case.id.clone(),
            Runnable::Corpus(rel) => format!("corpus/{rel}"),
        }
    }
}

/// What one run of one case produced.
#[derive(Debug, Clone)]
pub struct Ran {
    /// The result for the report.
    pub result: CaseResult,
    /// The normalised observation (what the snapshot of a corpus case holds).
    pub normalised: Value,
    /// The adapter's last log lines (empty when the case did not run), for the evidence
    /// ([`CaseDetail`]) of a result the cross-checks of [`run_all`] fail after the fact.
    pub log_tail: Vec<String>,
}

/// The app a case runs against, with the shared process of a real app, or its container.
#[derive(Debug, Clone, Copy)]
pub struct AppRef<'a> {
    /// Which app.
    pub kind: AppKind,
    /// The running process of a real app, shared by the cases (process host).
    pub shared: Option<&'a AppProcess>,
    /// The app's container (container host): the case runs inside it.
    pub container: Option<&'a ContainerApp>,
}

impl AppRef<'_> {
    /// Where the case runs.
    pub fn host(&self) -> Host {
        if self.container.is_some() {
            Host::Container
        } else {
            Host::Process
        }
    }
}

/// Runs one case or corpus event against `target` and `app`.
pub async fn run_one(runnable: &Runnable, target: &Target, app: AppRef<'_>, paths: &Paths) -> Ran {
    let started = Instant::now();
    let id = runnable.id();
    let (description, mut rules, level) = match runnable {
        Runnable::Case(case) => (case.description.clone(), case.cited_rules(), case.level),
        Runnable::Corpus(rel) => (
            format!("the corpus event {rel} gives the reference adapter's observation"),
            vec![spec::CORPUS_OBSERVATION.to_owned()],
            Level::Reference,
        ),
    };
    if app.kind != AppKind::Echo {
        if let Some(why) = needs_echo_app(runnable) {
            let result = CaseResult {
                id,
                description,
                app: app.kind.name().into(),
                arch: target.arch.name().into(),
                host: app.host().name().into(),
                verdict: Verdict::Unimplemented,
                problems: vec![why.to_owned()],
                rules,
                level,
                duration_ms: 0,
                first_try: None,
                detail: None,
            };
            return Ran { result, normalised: Value::Null, log_tail: Vec::new() };
        }
    }
    let outcome = match runnable {
        Runnable::Case(case) => run_case(case, target, app, paths).await,
        Runnable::Corpus(rel) => run_corpus(rel, target, paths).await,
    };
    let (outcome, log) = match outcome {
        Ok((judgement, normalised, log)) => (Ok((judgement, normalised)), log),
        Err(problem) => (Err(problem), String::new()),
    };
    let mut level = level;
    let (verdict, problems, normalised) = match outcome {
        Ok((Judgement::Checked(problems), normalised)) if problems.is_empty() => (Verdict::Pass, problems, normalised),
        Ok((Judgement::Checked(problems), normalised)) => (CaseResult::broken(level), problems, normalised),
        Ok((Judgement::Broke { rules: broken, problems }, normalised)) => {
            (rules, level) = (broken.into_iter().map(str::to_owned).collect(), Level::Must);
            (Verdict::Fail, problems, normalised)
        }
        Ok((Judgement::Unjudged(why), normalised)) => (Verdict::NoExpectation, vec![why], normalised),
        Ok((Judgement::Lesser { rules: broken, level: weaker, problems }, normalised)) => {
            (rules, level) = (broken, weaker);
            (CaseResult::broken(weaker), problems, normalised)
        }
        // The case could not be staged or observed at all (the adapter would not start,
        // the app was unreachable): no level makes that a pass.
        Err(problem) => (Verdict::Fail, vec![problem], Value::Null),
    };
    let result = CaseResult {
        id,
        description,
        app: app.kind.name().into(),
        arch: target.arch.name().into(),
        host: app.host().name().into(),
        verdict,
        problems,
        rules,
        level,
        duration_ms: started.elapsed().as_millis() as u64,
        first_try: None,
        detail: None,
    };
    let mut ran = Ran { result, normalised, log_tail: CaseDetail::log_tail(&log) };
    // The evidence is read and formatted only for what did not pass: the report keeps
    // no more, and most results pass.
    if ran.result.verdict != Verdict::Pass {
        ran.result.detail = Some(case_detail(runnable, paths, &ran.normalised, &ran.log_tail));
    }
    ran
}

/// What a run of `runnable` sent and saw: the event, both sides of the normalised
/// observation (null when the case could not be staged), the adapter's last log lines.
fn case_detail(runnable: &Runnable, paths: &Paths, normalised: &Value, log_tail: &[String]) -> CaseDetail {
    let event = match runnable {
        Runnable::Case(case) => case.event_bytes(&paths.events).ok(),
        Runnable::Corpus(rel) => std::fs::read(paths.events.join(rel)).ok(),
    };
    let lambda_received = normalised.as_object().map(|o| {
        let seen = o.iter().filter(|(k, _)| k.as_str() != "app").map(|(k, v)| (k.clone(), v.clone()));
        Value::Object(seen.collect())
    });
    CaseDetail {
        event: event.map(|bytes| CaseDetail::show_event(&bytes)),
        app_received: normalised.get("app").cloned(),
        lambda_received,
        adapter_log_tail: log_tail.to_vec(),
    }
}
