//! Staging and observing one case: the adapter under a fresh emulator, the app, one
//! invocation, and what both sides saw.

use super::*;

/// Why a case cannot run against a real app (it needs the echo app's extra behaviour).
pub(super) fn needs_echo_app(runnable: &Runnable) -> Option<&'static str> {
    match runnable {
        Runnable::Corpus(_) => Some("corpus events are judged against the echo app's snapshots"),
        Runnable::Case(case) if case.app.readiness_status().is_some() => {
            Some("a failing readiness path is an echo-app feature")
        }
        Runnable::Case(case) => case.app.echo_only.then_some("the case uses a route only the echo app has"),
    }
}

/// An adapter and an app under the emulator, for one case.
pub(super) struct Stage {
    emulator: Emulator,
    app: AppHandle,
    init_error: Option<(String, String)>,
}

pub(super) async fn stage(
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
pub(super) async fn observe(stage: &Stage, invocation: Invocation) -> Observation {
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

pub(super) fn invocation(payload: Vec<u8>, case: Option<&Case>) -> Invocation {
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

/// Runs a declarative case: the judgement, the normalised observation and the adapter's log.
pub(super) async fn run_case(
    case: &Case,
    target: &Target,
    app: AppRef<'_>,
    paths: &Paths,
) -> Result<(Judgement, Value, String), String> {
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
    let body_is_event = |expect: &crate::case::Expect| {
        let wanted = expect.app.as_ref().is_some_and(|app| app.body_is_event_json);
        wanted.then(|| crate::case::check_body_is_event(&event_sent, &seen)).flatten()
    };
    let mut problems = check(&case.expect, &seen);
    problems.extend(body_is_event(&case.expect));
    // Checks of weaker rules: reported with the rules they show, judged at their level
    // only when the case's own checks held.
    let mut weaker: Vec<(&crate::case::Also, Vec<String>)> = Vec::new();
    for also in &case.also {
        let mut found = crate::case::check_also(&also.expect, &seen);
        found.extend(body_is_event(&also.expect));
        if !found.is_empty() {
            weaker.push((also, found));
        }
    }
    let lesser: Vec<String> = weaker
        .iter()
        .flat_map(|(also, found)| found.iter().map(move |p| format!("{p} [{}]", also.rules.join(", "))))
        .collect();
    let strict = !problems.is_empty();
    problems.extend(lesser);
    if !problems.is_empty() {
        let tail: Vec<&str> = logs.lines().rev().take(8).collect();
        problems.push(format!(
            "last adapter log lines:\n        {}",
            tail.into_iter().rev().collect::<Vec<_>>().join("\n        ")
        ));
    }
    let normalised = normalise(&seen);
    if strict || weaker.is_empty() {
        return Ok((Judgement::Checked(problems), normalised, logs));
    }
    let level = weaker.iter().map(|(also, _)| also.level).min().unwrap_or(Level::Reference);
    let rules = weaker.iter().flat_map(|(also, _)| also.rules.iter().cloned()).collect();
    Ok((Judgement::Lesser { rules, level, problems }, normalised, logs))
}

/// What the container host's agent needs to run `case` with `target`'s adapter (as
/// mounted in the container).
pub(super) fn case_request(case: &Case, target: &Target, event: Vec<u8>) -> CaseRequest {
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

/// Runs a corpus event against the echo app: the judgement, the normalised observation
/// and the adapter's log.
pub(super) async fn run_corpus(
    rel: &str,
    target: &Target,
    paths: &Paths,
) -> Result<(Judgement, Value, String), String> {
    let event = std::fs::read(paths.events.join(rel)).map_err(|e| format!("{rel}: {e}"))?;
    let echo = AppHandle::prepare(AppKind::Echo, None, &paths.root, EchoOptions::default()).await?;
    let (seen, logs) =
        execute(target.argv(), echo, &[], Duration::from_secs(5), invocation(event.clone(), None)).await?;
    let normalised = normalise(&seen);
    if let Some(problem) = survival_problem(&seen) {
        let rule = if rel.starts_with("invalid/") { spec::CORPUS_INVALID } else { spec::CORPUS_SURVIVES };
        return Ok((Judgement::Broke { rules: vec![rule], problems: vec![problem] }, normalised, logs));
    }
    // The MUST rules derived from the event itself, whatever the reference recorded; the
    // differences from the reference are listed with them.
    let buffered = (seen.outcome == OutcomeKind::Response).then_some(seen.lambda.as_ref()).flatten();
    let derived = crate::derive::check(rel, &event, seen.app.first(), buffered);
    let snapshot = paths.snapshots.join(format!("suite__{}.snap", snapshot_name(&format!("corpus/{rel}"))));
    let against_reference = judge_against_snapshot(&snapshot, &normalised);
    if !derived.is_empty() {
        let mut rules: Vec<&'static str> = Vec::new();
        for (rule, _) in &derived {
            if !rules.contains(rule) {
                rules.push(rule);
            }
        }
        let mut problems: Vec<String> =
            derived.into_iter().map(|(rule, problem)| format!("{rule}: {problem}")).collect();
        if let Judgement::Checked(differences) = against_reference {
            problems.extend(differences);
        }
        return Ok((Judgement::Broke { rules, problems }, normalised, logs));
    }
    // The observation is kept either way: the suite test records it as the snapshot.
    Ok((judge_against_snapshot(&snapshot, &normalised), normalised, logs))
}

/// Why an observation shows the adapter crashed or hung on an event, if it does: the
/// function timed out, init failed, or Lambda reported a process that exited. An answer
/// of any status, or an invocation error the adapter reported, is surviving.
pub(super) fn survival_problem(seen: &Observation) -> Option<String> {
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
