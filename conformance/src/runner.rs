//! Runs cases: an adapter binary (launched, never linked) as an extension under the
//! emulator, an app, one invocation, and a verdict.

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
use crate::report::{CaseResult, Report, Verdict};
use crate::spec::{self, Level, Spec};
use crate::{Emulator, EmulatorConfig, Invocation, Outcome};

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

/// Every case and corpus event whose id matches `filter` (a glob; everything if None).
/// Each case's rules must be in the spec; the case gets the strongest one's level.
pub fn discover(paths: &Paths, filter: Option<&globset::GlobMatcher>) -> Result<Vec<Runnable>, crate::case::CaseError> {
    let spec = load_spec(paths)?;
    let mut out = Vec::new();
    for file in crate::case::discover(&paths.cases) {
        let mut case = Case::load(&paths.cases, &file)?;
        if let Some(unknown) = case.rules.iter().find(|id| spec.rule(id).is_none()) {
            return Err(crate::case::CaseError::Invalid {
                path: file,
                message: format!("rule {unknown} is not in {}", paths.spec.display()),
            });
        }
        case.level = spec.strongest(&case.rules).unwrap_or(Level::Must);
        out.push(Runnable::Case(Box::new(case)));
    }
    for file in corpus_files(&paths.events) {
        let rel = file.strip_prefix(&paths.events).unwrap_or(&file).to_string_lossy().replace('\\', "/");
        out.push(Runnable::Corpus(rel));
    }
    out.retain(|r| filter.is_none_or(|f| f.is_match(r.id())));
    Ok(out)
}

/// The spec the cases cite, with the corpus rules the runner cites itself.
pub fn load_spec(paths: &Paths) -> Result<Spec, crate::case::CaseError> {
    let invalid = |message: String| crate::case::CaseError::Invalid { path: paths.spec.clone(), message };
    let spec = Spec::load(&paths.spec).map_err(|e| invalid(e.to_string()))?;
    for id in [spec::CORPUS_OBSERVATION, spec::CORPUS_INVALID, spec::CORPUS_SURVIVES] {
        if spec.rule(id).is_none() {
            return Err(invalid(format!("the corpus rule {id} is missing")));
        }
    }
    Ok(spec)
}

/// Every event file in the corpus (README files aside), sorted.
pub fn corpus_files(events: &Path) -> Vec<PathBuf> {
    crate::case::files_under(events, |p| p.extension().is_none_or(|e| e != "md"))
}

/// The snapshot name of a case id (insta names cannot hold `/`).
pub fn snapshot_name(id: &str) -> String {
    id.replace('/', "__")
}

/// What one run of one case produced.
#[derive(Debug, Clone)]
pub struct Ran {
    /// The result for the report.
    pub result: CaseResult,
    /// The normalised observation (what the snapshot of a corpus case holds).
    pub normalised: Value,
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

/// Why a case cannot run against a real app (it needs the echo app's extra behaviour).
fn needs_echo_app(runnable: &Runnable) -> Option<&'static str> {
    match runnable {
        Runnable::Corpus(_) => Some("corpus events are judged against the echo app's snapshots"),
        Runnable::Case(case) if case.app.readiness_status().is_some() => {
            Some("a failing readiness path is an echo-app feature")
        }
        Runnable::Case(case) => {
            let patched = case.invoke.patch.values().any(|v| v.to_string().contains("fail_after"));
            let inline = case.invoke.event_json.as_deref().is_some_and(|e| e.contains("fail_after"));
            (patched || inline).then_some("a stream that fails mid-way is an echo-app route")
        }
    }
}

/// Runs one case or corpus event against `target` and `app`.
pub async fn run_one(runnable: &Runnable, target: &Target, app: AppRef<'_>, paths: &Paths) -> Ran {
    let started = Instant::now();
    let id = runnable.id();
    let (description, mut rules, level) = match runnable {
        Runnable::Case(case) => (case.description.clone(), case.rules.clone(), case.level),
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
            };
            return Ran { result, normalised: Value::Null };
        }
    }
    let outcome = match runnable {
        Runnable::Case(case) => run_case(case, target, app, paths).await,
        Runnable::Corpus(rel) => run_corpus(rel, target, paths).await,
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
    };
    Ran { result, normalised }
}

/// What an observation was judged against, and how it fared.
#[derive(Debug)]
enum Judgement {
    /// Checked against the case's expectations or the reference snapshot: every mismatch.
    Checked(Vec<String>),
    /// There was nothing to check it against, and why: never a pass.
    Unjudged(String),
    /// A `MUST` rule the runner checks itself (a corpus event crashed or hung the
    /// adapter) is broken: a failure whatever else was checked.
    Broke {
        /// The rules.
        rules: Vec<&'static str>,
        /// What broke them.
        problems: Vec<String>,
    },
}

/// An adapter and an app under the emulator, for one case.
struct Stage {
    emulator: Emulator,
    app: AppHandle,
    init_error: Option<(String, String)>,
}

async fn stage(
    adapter: Vec<String>,
    app: AppHandle,
    env: &[(String, String)],
    timeout: Duration,
) -> Result<Stage, String> {
    let mut config = EmulatorConfig::new()
        .extension("lambda-adapter", adapter)
        .timeout(timeout)
        .shutdown_grace(Duration::from_millis(500))
        .env("AWS_LWA_PORT", app.port().to_string())
        .env("AWS_LAMBDA_LOG_LEVEL", "debug");
    for (k, v) in env {
        config = config.env(k.clone(), v.clone());
    }
    let emulator = Emulator::start(config).await.map_err(|e| format!("the emulator did not start: {e}"))?;
    let init_error = match emulator.wait_init().await {
        Ok(_) => None,
        Err(failure) => {
            // The init error document's own message, when the adapter sent one.
            let message =
                failure.body.json().and_then(|v| v.get("errorMessage")).and_then(Value::as_str).map(str::to_owned);
            Some((failure.error_type, message.unwrap_or(failure.message)))
        }
    };
    Ok(Stage { emulator, app, init_error })
}

/// Runs one case's staging: `adapter` as an extension under a fresh emulator with `env`,
/// in front of `app`, one `invocation`, then shutdown. Returns the observation and the
/// emulator's log. The process host runs it here; the container host's agent runs it
/// inside the app's container.
pub async fn execute(
    adapter: Vec<String>,
    app: AppHandle,
    env: &[(String, String)],
    timeout: Duration,
    invocation: Invocation,
) -> Result<(Observation, String), String> {
    let stage = stage(adapter, app, env, timeout).await?;
    let seen = observe(&stage, invocation).await;
    let logs = stage.emulator.log_text();
    let _ = stage.emulator.shutdown().await;
    Ok((seen, logs))
}

/// Invokes once and observes everything.
async fn observe(stage: &Stage, invocation: Invocation) -> Observation {
    if let Some((error_type, message)) = &stage.init_error {
        return Observation {
            request_id: String::new(),
            outcome: OutcomeKind::InitError,
            error_type: Some(error_type.clone()),
            error_message: Some(message.clone()),
            lambda: None,
            stream: None,
            app: Vec::new(),
        };
    }
    let mut handle = stage.emulator.invoke_streaming(invocation).await;
    let request_id = handle.request_id().await.unwrap_or_default();
    let outcome = handle.outcome().await;
    let app = stage.app.received_for(&request_id);
    let mut seen = Observation {
        request_id,
        outcome: OutcomeKind::Response,
        error_type: None,
        error_message: None,
        lambda: None,
        stream: None,
        app,
    };
    match outcome {
        Outcome::Buffered { body, .. } => {
            seen.lambda = Some(
                serde_json::from_slice(&body).unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&body).into())),
            );
        }
        Outcome::Streamed { prelude, body, chunks, error, .. } => {
            seen.outcome = OutcomeKind::Streamed;
            seen.error_type = error.as_ref().map(|e| e.error_type.clone());
            seen.stream = Some(StreamSeen {
                prelude,
                body,
                chunk_times: chunks.iter().map(|c| c.at).collect(),
                error_type: error.map(|e| e.error_type),
            });
        }
        Outcome::Error { error_type, body } => {
            seen.outcome = OutcomeKind::Error;
            let json = body.json().cloned();
            seen.error_message =
                json.as_ref().and_then(|v| v.get("errorMessage")).and_then(Value::as_str).map(str::to_owned);
            seen.error_type = Some(error_type);
            seen.lambda = json;
        }
        Outcome::Timeout => seen.outcome = OutcomeKind::Timeout,
        Outcome::InitError { error_type, body } => {
            seen.outcome = OutcomeKind::InitError;
            seen.error_message =
                body.json().and_then(|v| v.get("errorMessage")).and_then(Value::as_str).map(str::to_owned);
            seen.error_type = Some(error_type);
        }
    }
    seen
}

fn invocation(payload: Vec<u8>, case: Option<&Case>) -> Invocation {
    let mut inv = Invocation::new(payload).trace_id(TRACE_ID);
    if let Some(spec) = case.map(|c| &c.invoke) {
        if let Some(v) = &spec.tenant_id {
            inv = inv.tenant_id(v.clone());
        }
        if let Some(v) = &spec.client_context {
            inv = inv.client_context(v.clone());
        }
        if let Some(v) = &spec.trace_id {
            inv = inv.trace_id(v.clone());
        }
    }
    inv
}

async fn run_case(case: &Case, target: &Target, app: AppRef<'_>, paths: &Paths) -> Result<(Judgement, Value), String> {
    let event = case.event_bytes(&paths.events)?;
    let event_sent = event.clone();
    let timeout = Duration::from_millis(case.invoke.timeout_ms.unwrap_or(5_000));
    let env: Vec<(String, String)> = case.env.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
    let (seen, logs) = match app.container {
        Some(container) => container.run_case(&case_request(case, target, event)).await?,
        None => {
            let options = EchoOptions {
                start_delay: Duration::from_millis(case.app.start_delay_ms),
                readiness_status: case.app.readiness_status(),
                forget: false,
            };
            let handle = AppHandle::prepare(app.kind, app.shared, &paths.root, options).await?;
            execute(target.argv(), handle, &env, timeout, invocation(event, Some(case))).await?
        }
    };
    let mut problems = check(&case.expect, &seen);
    if case.expect.app.as_ref().is_some_and(|app| app.body_is_event_json) {
        problems.extend(crate::case::check_body_is_event(&event_sent, &seen));
    }
    if !problems.is_empty() {
        let tail: Vec<&str> = logs.lines().rev().take(8).collect();
        problems.push(format!(
            "last adapter log lines:\n        {}",
            tail.into_iter().rev().collect::<Vec<_>>().join("\n        ")
        ));
    }
    Ok((Judgement::Checked(problems), normalise(&seen)))
}

/// What the container host's agent needs to run `case` with `target`'s adapter (as
/// mounted in the container).
fn case_request(case: &Case, target: &Target, event: Vec<u8>) -> CaseRequest {
    let spec = &case.invoke;
    CaseRequest {
        adapter: crate::container::host::adapter_argv(target.arch),
        env: case.env.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
        timeout_ms: spec.timeout_ms.unwrap_or(5_000),
        start_delay_ms: case.app.start_delay_ms,
        payload: base64::engine::general_purpose::STANDARD.encode(event),
        trace_id: Some(spec.trace_id.clone().unwrap_or_else(|| TRACE_ID.to_owned())),
        tenant_id: spec.tenant_id.clone(),
        client_context: spec.client_context.clone(),
    }
}

async fn run_corpus(rel: &str, target: &Target, paths: &Paths) -> Result<(Judgement, Value), String> {
    let event = std::fs::read(paths.events.join(rel)).map_err(|e| format!("{rel}: {e}"))?;
    let echo = AppHandle::prepare(AppKind::Echo, None, &paths.root, EchoOptions::default()).await?;
    let (seen, _) = execute(target.argv(), echo, &[], Duration::from_secs(5), invocation(event.clone(), None)).await?;
    let normalised = normalise(&seen);
    if let Some(problem) = survival_problem(&seen) {
        let rule = if rel.starts_with("invalid/") { spec::CORPUS_INVALID } else { spec::CORPUS_SURVIVES };
        return Ok((Judgement::Broke { rules: vec![rule], problems: vec![problem] }, normalised));
    }
    // The MUST rules derived from the event itself, whatever the reference recorded; the
    // differences from the reference are listed with them.
    let derived = crate::derive::check(rel, &event, seen.app.first());
    let snapshot = paths.snapshots.join(format!("suite__{}.snap", snapshot_name(&format!("corpus/{rel}"))));
    let against_reference = judge_against_snapshot(&snapshot, &normalised);
    if !derived.is_empty() {
        let mut rules: Vec<&'static str> = derived.iter().map(|(rule, _)| *rule).collect();
        rules.dedup();
        let mut problems: Vec<String> =
            derived.into_iter().map(|(rule, problem)| format!("{rule}: {problem}")).collect();
        if let Judgement::Checked(differences) = against_reference {
            problems.extend(differences);
        }
        return Ok((Judgement::Broke { rules, problems }, normalised));
    }
    // The observation is kept either way: the suite test records it as the snapshot.
    Ok((judge_against_snapshot(&snapshot, &normalised), normalised))
}

/// Why an observation shows the adapter crashed or hung on an event, if it does: the
/// function timed out, init failed, or Lambda reported a process that exited. An answer
/// of any status, or an invocation error the adapter reported, is surviving.
fn survival_problem(seen: &Observation) -> Option<String> {
    const EXITED: [&str; 3] = ["Extension.Crash", "Runtime.ExitError", "Sandbox.Timedout"];
    match seen.outcome {
        OutcomeKind::Timeout => Some("the adapter neither answered nor reported an error before the timeout".into()),
        OutcomeKind::InitError => Some(format!(
            "init failed ({}): the adapter did not start",
            seen.error_type.as_deref().unwrap_or("no error type")
        )),
        OutcomeKind::Error if seen.error_type.as_deref().is_some_and(|t| EXITED.contains(&t)) => Some(format!(
            "{}: a process exited during the invocation ({})",
            seen.error_type.as_deref().unwrap_or_default(),
            seen.error_message.as_deref().unwrap_or_default()
        )),
        _ => None,
    }
}

/// A corpus observation against the reference snapshot at `path`. No snapshot, or one
/// that cannot be read, is nothing to judge against: never a pass.
fn judge_against_snapshot(path: &Path, normalised: &Value) -> Judgement {
    match read_snapshot(path) {
        Ok(expected) => Judgement::Checked(compare(&expected, normalised)),
        Err(why) => Judgement::Unjudged(format!(
            "no expectation recorded: {why} (the reference adapter's observations are recorded as \
             snapshots by `cargo test -p lwa-conformance --test suite`)"
        )),
    }
}

/// The JSON document inside an insta snapshot file, or why there is none (the message
/// names the file).
pub fn read_snapshot(path: &Path) -> Result<Value, String> {
    let shown = path.display();
    let text = std::fs::read_to_string(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => format!("{shown} does not exist"),
        _ => format!("{shown} cannot be read: {e}"),
    })?;
    let body = text
        .strip_prefix("---")
        .and_then(|t| t.split_once("\n---\n"))
        .ok_or_else(|| format!("{shown} is not an insta snapshot (no `---` header)"))?
        .1;
    serde_json::from_str(body).map_err(|e| format!("{shown} does not hold a JSON observation: {e}"))
}

/// Differences between two normalised observations, as readable lines.
pub fn compare(expected: &Value, actual: &Value) -> Vec<String> {
    let mut out = Vec::new();
    diff("", expected, actual, &mut out);
    out
}

fn diff(path: &str, expected: &Value, actual: &Value, out: &mut Vec<String>) {
    match (expected, actual) {
        (Value::Object(e), Value::Object(a)) => {
            for (k, ev) in e {
                let p = format!("{path}/{k}");
                match a.get(k) {
                    Some(av) => diff(&p, ev, av, out),
                    None => out.push(format!("{p}: expected {ev}, missing")),
                }
            }
            for (k, av) in a {
                if !e.contains_key(k) {
                    out.push(format!("{path}/{k}: unexpected {av}"));
                }
            }
        }
        (Value::Array(e), Value::Array(a)) if e.len() == a.len() => {
            for (i, (ev, av)) in e.iter().zip(a).enumerate() {
                diff(&format!("{path}/{i}"), ev, av, out);
            }
        }
        _ if expected != actual => {
            out.push(format!("{}: expected {expected}, got {actual}", if path.is_empty() { "/" } else { path }))
        }
        _ => {}
    }
}

/// What the app received, without what changes from run to run. Every header the adapter
/// sent is kept (`user-agent` and `date` too: only the client's event carries them,
/// nothing on the way adds or changes them, and an adapter that does must fail), except
/// `x-amzn-lambda-context`, shown apart as `lambda_context` with its request id and
/// deadline redacted.
fn normalise_app(request: &Received) -> Value {
    let mut headers: Vec<Value> = request
        .headers
        .iter()
        .filter(|(k, _)| k != "x-amzn-lambda-context")
        .map(|(k, v)| {
            let shown = if k == "x-amzn-request-context" {
                serde_json::from_str::<Value>(v).unwrap_or(Value::String(v.clone()))
            } else if k == "host" && v.starts_with("127.0.0.1:") {
                // The app's own address (events without a host), a new port every run.
                Value::String("127.0.0.1:[port]".to_owned())
            } else {
                Value::String(v.clone())
            };
            json!([k, shown])
        })
        .collect();
    headers.sort_by_key(|h| h[0].as_str().unwrap_or("").to_owned());
    let lambda_context =
        request.header("x-amzn-lambda-context").and_then(|v| serde_json::from_str::<Value>(&v).ok()).map(|mut v| {
            for volatile in ["request_id", "deadline"] {
                if let Some(field) = v.get_mut(volatile) {
                    *field = Value::String(format!("[{volatile}]"));
                }
            }
            v
        });
    let body = match std::str::from_utf8(&request.body) {
        Ok(text) if text.len() <= 2048 => json!(text),
        _ => json!({ "len": request.body.len(), "sha256_prefix": digest_prefix(&request.body) }),
    };
    json!({
        "method": request.method,
        "path": request.path,
        "query": request.query,
        "headers": headers,
        "lambda_context": lambda_context,
        "body": body,
    })
}

/// A short, stable fingerprint of a body (not cryptographic: FNV-1a 64).
fn digest_prefix(bytes: &[u8]) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        hash ^= u64::from(*b);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{hash:016x}")
}

/// `947 ms` becomes `N ms`: time left at a timeout differs from run to run.
fn redact_durations(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut digits = String::new();
    for (i, c) in text.char_indices() {
        if c.is_ascii_digit() {
            digits.push(c);
            continue;
        }
        if !digits.is_empty() {
            out.push_str(if text[i..].starts_with(" ms") { "N" } else { &digits });
            digits.clear();
        }
        out.push(c);
    }
    out.push_str(&digits);
    out
}

fn normalise_lambda(value: &Value) -> Value {
    let mut value = value.clone();
    if let Some(Value::String(message)) = value.get_mut("errorMessage") {
        *message = redact_durations(message);
    }
    for key in ["headers", "multiValueHeaders"] {
        if let Some(Value::Object(map)) = value.get_mut(key) {
            map.remove("date");
        }
    }
    // An echo answer carries this run's request id and deadline: show it parsed, redacted.
    if let Some(body) = value.get_mut("body") {
        if let Some(echo) = body.as_str().and_then(|b| serde_json::from_str::<Value>(b).ok()).and_then(redact_echo) {
            *body = json!({ "echo": echo });
        }
    }
    value
}

/// The echo app's answer with the volatile parts of its header list redacted.
fn redact_echo(mut echo: Value) -> Option<Value> {
    let headers = echo.get_mut("headers")?.as_array_mut()?;
    for pair in headers.iter_mut() {
        let Some([name, value]) = pair.as_array_mut().map(|p| p.as_mut_slice()) else { continue };
        match (name.as_str(), value.as_str()) {
            (Some("x-amzn-lambda-context"), Some(text)) => {
                if let Ok(mut context) = serde_json::from_str::<Value>(text) {
                    for volatile in ["request_id", "deadline"] {
                        if let Some(field) = context.get_mut(volatile) {
                            *field = Value::String(format!("[{volatile}]"));
                        }
                    }
                    *value = context;
                }
            }
            (Some("host"), Some(text)) if text.starts_with("127.0.0.1:") => *value = json!("127.0.0.1:[port]"),
            _ => {}
        }
    }
    Some(echo)
}

/// The observation without what changes from run to run (request ids, deadlines, dates).
pub fn normalise(seen: &Observation) -> Value {
    json!({
        "outcome": seen.outcome,
        "error_type": seen.error_type,
        "lambda": seen.lambda.as_ref().map(normalise_lambda),
        "stream": seen.stream.as_ref().map(|s| json!({
            "prelude": s.prelude.as_ref().map(normalise_lambda),
            "body": String::from_utf8(s.body.to_vec()).unwrap_or_else(|e| base64::engine::general_purpose::STANDARD.encode(e.as_bytes())),
            "error_type": s.error_type,
        })),
        "app": seen.app.iter().map(normalise_app).collect::<Vec<_>>(),
    })
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

/// The parts of an observation every framework must agree on: the framework's own
/// response headers (declared per app) and the echo answer's body (each framework
/// parses requests its own way; what arrived on the wire is compared instead) are left out.
fn comparable(kind: AppKind, normalised: &Value) -> Value {
    let mut value = normalised.clone();
    let strip = |v: Option<&mut Value>| {
        let Some(v) = v else { return };
        for key in ["headers", "multiValueHeaders"] {
            if let Some(Value::Object(map)) = v.get_mut(key) {
                for name in kind.added_headers().iter().chain(&["content-length", "date"]) {
                    map.remove(*name);
                }
            }
        }
        if v.get("body").is_some_and(|b| b.get("echo").is_some()) {
            v["body"] = json!("[echo answer]");
        }
        // Each framework's gzip bytes differ (declared); the content-encoding is compared.
        let encoded = v.get("headers").and_then(|h| h.get("content-encoding")).is_some()
            || v.get("multiValueHeaders").and_then(|h| h.get("content-encoding")).is_some();
        if encoded && v.get("body").is_some() {
            v["body"] = json!("[encoded body]");
        }
    };
    strip(value.get_mut("lambda"));
    strip(value.get_mut("stream").and_then(|s| s.get_mut("prelude")));
    value
}

/// Cross-framework consistency: each real app's observation of a case must equal the
/// echo app's apart from declared differences; a difference fails that app's result.
fn cross_check(all: &mut [Ran]) {
    let reference: std::collections::HashMap<(String, String), Value> = all
        .iter()
        .filter(|r| r.result.app == AppKind::Echo.name() && r.result.host == Host::Process.name())
        // A reference that failed its own case proves nothing about the others.
        .filter(|r| r.result.verdict == Verdict::Pass && !r.normalised.is_null())
        .map(|r| ((r.result.id.clone(), r.result.arch.clone()), comparable(AppKind::Echo, &r.normalised)))
        .collect();
    for ran in all.iter_mut() {
        let Some(kind) = AppKind::REAL.iter().find(|k| k.name() == ran.result.app) else { continue };
        if ran.result.verdict != Verdict::Pass || ran.normalised.is_null() {
            continue;
        }
        let Some(expected) = reference.get(&(ran.result.id.clone(), ran.result.arch.clone())) else { continue };
        let differences = compare(expected, &comparable(*kind, &ran.normalised));
        if !differences.is_empty() {
            ran.result.verdict = CaseResult::broken(ran.result.level);
            ran.result.problems = differences.into_iter().map(|d| format!("differs from the echo app: {d}")).collect();
        }
    }
}

/// Host consistency: a case's normalised observation in an app's container must equal the
/// same case's with the same app and architecture on the process host; a difference
/// fails the container result (something depends on where the app runs: a writable root,
/// root privileges, memory).
fn cross_check_hosts(all: &mut [Ran]) {
    let process: std::collections::HashMap<(String, String, String), Value> = all
        .iter()
        .filter(|r| r.result.host == Host::Process.name())
        .filter(|r| r.result.verdict == Verdict::Pass && !r.normalised.is_null())
        .map(|r| ((r.result.id.clone(), r.result.app.clone(), r.result.arch.clone()), r.normalised.clone()))
        .collect();
    for ran in all.iter_mut().filter(|r| r.result.host == Host::Container.name()) {
        if ran.result.verdict != Verdict::Pass || ran.normalised.is_null() {
            continue;
        }
        let key = (ran.result.id.clone(), ran.result.app.clone(), ran.result.arch.clone());
        let Some(expected) = process.get(&key) else { continue };
        let differences = compare(expected, &ran.normalised);
        if !differences.is_empty() {
            ran.result.verdict = CaseResult::broken(ran.result.level);
            ran.result.problems =
                differences.into_iter().map(|d| format!("differs from the process host: {d}")).collect();
        }
    }
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
            },
            normalised: json!({ "outcome": outcome, "error_type": null, "lambda": null, "stream": null, "app": [] }),
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
