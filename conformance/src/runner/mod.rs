//! Runs cases: an adapter binary (launched, never linked) as an extension under the
//! emulator, an app, one invocation, and a verdict.
//!
//! The parts: [`discover`](self::discover) finds the cases, the corpus events and the spec;
//! `stage` runs one case and observes both sides; `normalise` makes observations
//! comparable; `judge` compares them (with the reference snapshot, across frameworks and
//! hosts); `crate::derive` holds what a corpus event itself requires. This module ties
//! them together: one case with its verdict ([`run_one`]) and the whole matrix ([`run_all`]).

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use base64::Engine;
use serde_json::{json, Value};
use tokio::sync::Semaphore;

use crate::apps::{AppHandle, AppKind, AppProcess};
use crate::case::{check, Case, Observation, OutcomeKind, StreamSeen};
use crate::container::host::{ContainerApp, Mounts};
use crate::container::wire::CaseRequest;
use crate::echo_app::{EchoOptions, Received};
use crate::report::{CaseDetail, CaseResult, Report, Verdict};
use crate::spec::{self, Level, Spec};
use crate::{Emulator, EmulatorConfig, Invocation, Outcome};

mod discover;
mod judge;
mod normalise;
mod stage;

pub use self::discover::*;
pub use self::judge::*;
pub use self::normalise::*;
pub use self::stage::*;

/// The fixed trace id of corpus invocations, so observations are reproducible.
pub const TRACE_ID: &str = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1";

/// The CPU architecture an adapter binary is built for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Arch {
    /// x86_64, run natively.
    #[value(name = "x86_64")]
    X86_64,
    /// aarch64, run under `qemu-aarch64-static` on an x86_64 machine.
    #[value(name = "aarch64")]
    Aarch64,
}

impl Arch {
    /// The name used in reports.
    pub fn name(self) -> &'static str {
        match self {
            Arch::X86_64 => "x86_64",
            Arch::Aarch64 => "aarch64",
        }
    }
}

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

/// What an observation was judged against, and how it fared.
#[derive(Debug)]
enum Judgement {
    /// Checked against the case's expectations or the reference snapshot: every mismatch.
    Checked(Vec<String>),
    /// There was nothing to check it against, and why: never a pass.
    Unjudged(String),
    /// The case's own checks held; checks of weaker rules (its `[[also]]`) did not: a
    /// verdict at those rules' level.
    Lesser {
        /// The weaker rules broken.
        rules: Vec<String>,
        /// The strongest level among them.
        level: Level,
        /// What broke them.
        problems: Vec<String>,
    },
    /// A `MUST` rule the runner checks itself (a corpus event crashed or hung the
    /// adapter) is broken: a failure whatever else was checked.
    Broke {
        /// The rules.
        rules: Vec<&'static str>,
        /// What broke them.
        problems: Vec<String>,
    },
}

/// Runs a case; a failed one once more. A second failure stands; a pass on the second try
/// is a pass that keeps what the first try saw ([`CaseResult::first_try`], listed apart in
/// the report). Deadline and chunk-timing cases on a loaded 2-core machine (the aarch64
/// adapter runs under qemu) miss their margins now and then; a defect fails both tries.
async fn run_with_retry(runnable: &Runnable, target: &Target, app: AppRef<'_>, paths: &Paths) -> Ran {
    let first = run_one(runnable, target, app, paths).await;
    if first.result.verdict != Verdict::Fail {
        return first;
    }
    let mut second = run_one(runnable, target, app, paths).await;
    if second.result.verdict == Verdict::Fail {
        return first;
    }
    second.result.first_try = Some(first.result.problems);
    second
}

/// Where and how a run happens: apps, hosts, parallelism.
#[derive(Debug, Clone)]
pub struct Plan {
    /// The apps cases run against.
    pub apps: Vec<AppKind>,
    /// The hosts (the container host runs the real apps only).
    pub hosts: Vec<Host>,
    /// The static `lwa-conformance` mounted into containers as their agent (container host).
    pub container_tool: Option<PathBuf>,
    /// Cases run at once.
    pub jobs: usize,
}

impl Plan {
    /// The built-in echo app on the process host (needs nothing installed).
    pub fn echo(jobs: usize) -> Plan {
        Plan { apps: vec![AppKind::Echo], hosts: vec![Host::Process], container_tool: None, jobs }
    }
}

/// Runs everything against every target, app and host, `plan.jobs` at a time, calling
/// `progress` after each case; then checks that real apps agree with the echo app and
/// the container host with the process host.
pub async fn run_all(
    runnables: Vec<Runnable>,
    targets: &[Target],
    plan: &Plan,
    paths: &Paths,
    progress: impl Fn(&Ran) + Send + Sync + 'static,
) -> Result<(Report, Vec<Ran>), String> {
    let started = Instant::now();
    let adapter =
        targets.iter().map(|t| format!("{} ({})", t.adapter.display(), t.arch.name())).collect::<Vec<_>>().join(", ");
    let real: Vec<AppKind> = plan.apps.iter().copied().filter(|k| *k != AppKind::Echo).collect();
    let mut shared = std::collections::BTreeMap::new();
    if plan.hosts.contains(&Host::Process) {
        for &kind in &real {
            shared.insert(
                kind,
                Arc::new(AppProcess::start(kind, &paths.root, Duration::ZERO, Duration::from_secs(60)).await?),
            );
        }
    }
    let mut containers = std::collections::BTreeMap::new();
    if plan.hosts.contains(&Host::Container) && !real.is_empty() {
        let tool = plan.container_tool.clone().ok_or("the container host needs --container-tool")?;
        let mounts = Mounts {
            tool,
            adapters: targets.iter().map(|t| (t.arch, t.adapter.clone())).collect(),
            qemu: Some(PathBuf::from("/usr/bin/qemu-aarch64-static")),
        }
        .resolve()?;
        for &kind in &real {
            containers.insert(kind, Arc::new(ContainerApp::start(kind, &mounts).await?));
        }
    }
    let semaphore = Arc::new(Semaphore::new(plan.jobs.max(1)));
    let progress = Arc::new(progress);
    let mut tasks = tokio::task::JoinSet::new();
    for &host in &plan.hosts {
        for target in targets {
            for &kind in &plan.apps {
                if host == Host::Container && kind == AppKind::Echo {
                    continue; // the echo app runs in this process only
                }
                // Corpus events check the translation against the echo app's snapshots; they
                // do not apply to a real app.
                for runnable in runnables.iter().filter(|r| kind == AppKind::Echo || matches!(r, Runnable::Case(_))) {
                    let (semaphore, progress) = (semaphore.clone(), progress.clone());
                    let (runnable, target, paths) = (runnable.clone(), target.clone(), paths.clone());
                    let process = if host == Host::Process { shared.get(&kind).cloned() } else { None };
                    let container = if host == Host::Container { containers.get(&kind).cloned() } else { None };
                    tasks.spawn(async move {
                        let _permit = semaphore.acquire_owned().await;
                        let app = AppRef { kind, shared: process.as_deref(), container: container.as_deref() };
                        let ran = run_with_retry(&runnable, &target, app, &paths).await;
                        progress(&ran);
                        ran
                    });
                }
            }
        }
    }
    let mut all = Vec::new();
    while let Some(done) = tasks.join_next().await {
        if let Ok(ran) = done {
            all.push(ran);
        }
    }
    drop(shared);
    drop(containers);
    cross_check(&mut all);
    cross_check_hosts(&mut all);
    // Results the cross-checks failed passed their own checks, so have no evidence yet.
    for ran in all.iter_mut().filter(|r| r.result.verdict != Verdict::Pass && r.result.detail.is_none()) {
        if let Some(runnable) = runnables.iter().find(|r| r.id() == ran.result.id) {
            ran.result.detail = Some(case_detail(runnable, paths, &ran.normalised, &ran.log_tail));
        }
    }
    let spec = load_spec(paths).map_err(|e| e.to_string())?;
    let mut report = Report::new(adapter);
    report.results = all.iter().map(|r| r.result.clone()).collect();
    for id in report.results.iter().flat_map(|r| &r.rules) {
        if let Some(rule) = spec.rule(id) {
            report.rules.entry(id.clone()).or_insert_with(|| rule.clone());
        }
    }
    report.finish(started.elapsed());
    Ok((report, all))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ran(app: &str, host: Host, verdict: Verdict, outcome: &str) -> Ran {
        Ran {
            result: CaseResult {
                id: "faults/app-timeout".into(),
                description: String::new(),
                app: app.into(),
                arch: "aarch64".into(),
                host: host.name().into(),
                verdict,
                problems: Vec::new(),
                rules: vec!["ERR-A".into()],
                level: Level::Must,
                duration_ms: 0,
                first_try: None,
                detail: None,
            },
            normalised: json!({ "outcome": outcome, "error_type": null, "lambda": null, "stream": null, "app": [] }),
            log_tail: Vec::new(),
        }
    }

    // Regression: the echo app's own result timed out under load (a fail), and every real
    // app that answered correctly was then failed for differing from it.
    #[test]
    fn a_failed_reference_fails_nobody_else() {
        let mut all = vec![
            ran("echo", Host::Process, Verdict::Fail, "timeout"),
            ran("express", Host::Process, Verdict::Pass, "error"),
            ran("express", Host::Container, Verdict::Pass, "error"),
        ];
        cross_check(&mut all);
        cross_check_hosts(&mut all);
        assert!(all[1..].iter().all(|r| r.result.verdict == Verdict::Pass), "{:?}", all[1].result.problems);
    }

    #[test]
    fn a_passed_reference_still_judges() {
        let mut all = vec![
            ran("echo", Host::Process, Verdict::Pass, "error"),
            ran("express", Host::Process, Verdict::Pass, "error"),
            ran("express", Host::Container, Verdict::Pass, "timeout"),
        ];
        cross_check(&mut all);
        cross_check_hosts(&mut all);
        assert_eq!(all[1].result.verdict, Verdict::Pass);
        assert_eq!(all[2].result.verdict, Verdict::Fail);
        assert!(all[2].result.problems.iter().any(|p| p.contains("differs")), "{:?}", all[2].result.problems);
    }

    fn received(headers: &[(&str, &str)]) -> Received {
        Received {
            request_id: Some("r-1".into()),
            method: "GET".into(),
            path: "/".into(),
            query: String::new(),
            target: "/".into(),
            headers: headers.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect(),
            body: bytes::Bytes::new(),
        }
    }

    // Regression (issue 19): user-agent was left out of every observation, so an adapter
    // that rewrote, dropped or added it passed. Nothing between the event and the app
    // sets it (the adapter's client adds none, the recording proxy forwards it as is).
    #[test]
    fn the_user_agent_the_app_received_is_compared() {
        let client = normalise_app(&received(&[("accept", "*/*"), ("user-agent", "python-requests/2.32.3")]));
        assert_eq!(client["headers"], json!([["accept", "*/*"], ["user-agent", "python-requests/2.32.3"]]));
        for other in
            [received(&[("accept", "*/*"), ("user-agent", "lambda-adapter/0.1")]), received(&[("accept", "*/*")])]
        {
            let differences = compare(&client, &normalise_app(&other));
            assert!(differences.iter().any(|d| d.contains("python-requests/2.32.3")), "{differences:?}");
        }
        let added = compare(&normalise_app(&received(&[("accept", "*/*")])), &client);
        assert!(added.iter().any(|d| d.contains("python-requests/2.32.3")), "{added:?}");
    }

    // Regression (issue 19): a corpus event whose snapshot was missing or unreadable was
    // judged against nothing and passed.
    #[test]
    fn a_missing_or_unreadable_snapshot_is_no_expectation() {
        let dir = tempfile::tempdir().unwrap();
        let observed = json!({ "outcome": "response", "app": [] });
        let missing = dir.path().join("suite__corpus__x.json.snap");
        let Judgement::Unjudged(why) = judge_against_snapshot(&missing, &observed) else { panic!("judged") };
        assert!(why.starts_with("no expectation recorded") && why.contains("suite__corpus__x.json.snap"), "{why}");
        assert!(why.contains("does not exist"), "{why}");
        for garbage in ["", "{\"outcome\": \"response\"}", "---\nsource: x\n---\n{not json", "---\nno end"] {
            std::fs::write(&missing, garbage).unwrap();
            let Judgement::Unjudged(why) = judge_against_snapshot(&missing, &observed) else { panic!("{garbage:?}") };
            assert!(why.starts_with("no expectation recorded") && why.contains("suite__corpus__x.json.snap"), "{why}");
        }
        std::fs::write(&missing, "---\nsource: x\nexpression: y\n---\n{\"outcome\": \"response\", \"app\": []}\n")
            .unwrap();
        assert!(matches!(judge_against_snapshot(&missing, &observed), Judgement::Checked(p) if p.is_empty()));
        let other = json!({ "outcome": "error", "app": [] });
        assert!(matches!(judge_against_snapshot(&missing, &other), Judgement::Checked(p) if p.len() == 1));
    }
}
