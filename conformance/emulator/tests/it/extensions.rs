//! Extensions API and lifecycle with small bash + curl extensions: registration, INVOKE
//! and SHUTDOWN delivery, init limit, SIGTERM then SIGKILL, log capture, error shapes.

use std::time::Duration;

use crate::common::{get, post, shell_extension};
use lwa_emulator::{Emulator, EmulatorConfig, Invocation, LogSource, Outcome};
use serde_json::json;

const RUNTIME_API_NEXT: &str = "/2018-06-01/runtime/invocation/next";

fn base() -> EmulatorConfig {
    EmulatorConfig::new()
        .timeout(Duration::from_secs(3))
        .init_timeout(Duration::from_secs(5))
        .shutdown_grace(Duration::from_millis(800))
}

#[tokio::test]
async fn extensions_register_receive_invoke_and_shutdown() {
    let dir = tempfile::tempdir().expect("tempdir");
    crate::common::script(
        dir.path(),
        "b-ext",
        &shell_extension(r#""INVOKE","SHUTDOWN""#, r#"echo "fn=$AWS_LAMBDA_FUNCTION_NAME region=$AWS_REGION""#),
    );
    crate::common::script(dir.path(), "a-ext", &shell_extension(r#""SHUTDOWN""#, ""));
    std::fs::write(dir.path().join("not-executable"), "ignored").expect("write");
    let emu =
        Emulator::start(base().extensions_dir(dir.path()).runtime_command([crate::common::example("lambda_echo")]))
            .await
            .expect("emulator");
    let took = emu.wait_init().await.expect("init succeeds");
    assert!(took < Duration::from_secs(5));
    let mut regs = emu.registrations();
    regs.sort_by(|a, b| a.name.cmp(&b.name));
    assert_eq!(regs.len(), 2);
    assert_eq!(regs[0].name, "a-ext");
    assert_eq!(regs[0].events, vec!["SHUTDOWN"]);
    assert_eq!(regs[1].events, vec!["INVOKE", "SHUTDOWN"]);

    let outcome = emu.invoke(Invocation::json(&json!({"x": 1}))).await;
    let body = outcome.body_json().expect("body");
    let request_id = body["requestId"].as_str().expect("request id").to_string();
    // The INVOKE reached b-ext only, with the same request id and the tracing header.
    assert!(emu.wait_for_log("\"eventType\":\"INVOKE\"", Duration::from_secs(2)).await);
    let events = emu.delivered_events();
    let invokes: Vec<_> = events.iter().filter(|e| e.event["eventType"] == "INVOKE").collect();
    assert_eq!(invokes.len(), 1);
    assert_eq!(invokes[0].extension, "b-ext");
    assert_eq!(invokes[0].event["requestId"], request_id.as_str());
    assert_eq!(invokes[0].event["tracing"]["type"], "X-Amzn-Trace-Id");
    assert_eq!(invokes[0].event["deadlineMs"], body["deadline"]);
    assert_eq!(
        invokes[0].event["invokedFunctionArn"],
        "arn:aws:lambda:us-east-1:123456789012:function:conformance-function"
    );
    // A second invocation waits until b-ext asked for its next event.
    assert_eq!(emu.invoke(Invocation::new("{}")).await.kind(), "buffered");

    let report = emu.shutdown().await;
    assert!(report.killed.is_empty(), "{report:?}");
    let shutdowns: Vec<_> = emu.delivered_events().into_iter().filter(|e| e.event["eventType"] == "SHUTDOWN").collect();
    assert_eq!(shutdowns.len(), 2);
    assert!(shutdowns.iter().all(|e| e.event["shutdownReason"] == "spindown"));
    let text = emu.log_text();
    assert!(text.contains("[ext:b-ext] fn=conformance-function region=us-east-1"), "{text}");
    assert!(text.contains("[ext:a-ext] bye"), "{text}");
    assert!(text.contains("[ext:b-ext] bye"), "{text}");
    assert!(emu
        .logs()
        .iter()
        .any(|l| l.source == LogSource::Extension("a-ext".into()) && l.line.starts_with("registered ")));
}

#[tokio::test]
async fn an_extension_that_never_registers_fails_init() {
    let emu = Emulator::start(
        base()
            .init_timeout(Duration::from_millis(600))
            .extension("sleepy", ["bash", "-c", "echo started; sleep 30"])
            .runtime_command([crate::common::example("lambda_echo")]),
    )
    .await
    .expect("emulator");
    let failure = emu.wait_init().await.expect_err("init fails");
    assert_eq!(failure.error_type, "Sandbox.Timedout");
    assert!(failure.message.contains("extension sleepy has not registered"), "{}", failure.message);
    match emu.invoke(Invocation::new("{}")).await {
        Outcome::InitError { error_type, .. } => assert_eq!(error_type, "Sandbox.Timedout"),
        other => panic!("unexpected {other:?}"),
    }
    // The runtime was never started and the extension was killed.
    let text = emu.log_text();
    assert!(!text.contains("[runtime]"), "{text}");
    assert!(text.contains("[ext:sleepy] exited: signal: killed"), "{text}");
}

#[tokio::test]
async fn shutdown_sends_sigterm_then_sigkill() {
    let dir = tempfile::tempdir().expect("tempdir");
    let runtime = crate::common::script(
        dir.path(),
        "stubborn",
        &format!(
            r#"trap 'echo "got TERM, ignoring it"' TERM
curl -sS "http://$AWS_LAMBDA_RUNTIME_API{RUNTIME_API_NEXT}" > /dev/null &
while true; do sleep 0.05; done"#
        ),
    );
    let emu = Emulator::start(
        base().shutdown_grace(Duration::from_millis(400)).runtime_command([runtime.to_string_lossy().into_owned()]),
    )
    .await
    .expect("emulator");
    emu.wait_init().await.expect("init succeeds");
    let started = std::time::Instant::now();
    let report = emu.shutdown().await;
    assert!(started.elapsed() >= Duration::from_millis(400));
    assert_eq!(report.killed, vec!["runtime".to_string()]);
    let text = emu.log_text();
    assert!(text.contains("[runtime] got TERM, ignoring it"), "{text}");
    assert!(text.contains("[runtime] exited: signal: killed"), "{text}");
}

#[tokio::test]
async fn a_runtime_that_exits_on_sigterm_is_not_killed() {
    let dir = tempfile::tempdir().expect("tempdir");
    let runtime = crate::common::script(
        dir.path(),
        "polite",
        &format!(
            r#"trap 'echo "bye from runtime"; exit 0' TERM
curl -sS "http://$AWS_LAMBDA_RUNTIME_API{RUNTIME_API_NEXT}" > /dev/null &
while true; do sleep 0.05; done"#
        ),
    );
    let emu =
        Emulator::start(base().runtime_command([runtime.to_string_lossy().into_owned()])).await.expect("emulator");
    emu.wait_init().await.expect("init succeeds");
    let report = emu.shutdown().await;
    assert!(report.killed.is_empty(), "{report:?}");
    assert_eq!(report.exited, vec!["runtime".to_string()]);
    assert!(emu.log_text().contains("[runtime] bye from runtime"));
}

#[tokio::test]
async fn exec_wrapper_starts_the_runtime() {
    let dir = tempfile::tempdir().expect("tempdir");
    let wrapper = crate::common::script(dir.path(), "wrapper", r#"echo "wrapped: $(basename "$1")"; exec "$@""#);
    let emu = Emulator::start(
        base()
            .env("AWS_LAMBDA_EXEC_WRAPPER", wrapper.to_string_lossy())
            .runtime_command([crate::common::example("lambda_echo")]),
    )
    .await
    .expect("emulator");
    assert_eq!(emu.invoke(Invocation::new("{}")).await.kind(), "buffered");
    assert!(emu.log_text().contains("[runtime] wrapped: lambda_echo"));
}

#[tokio::test]
async fn a_runtime_crash_fails_the_invocation() {
    let dir = tempfile::tempdir().expect("tempdir");
    let runtime = crate::common::script(
        dir.path(),
        "crashing",
        &format!(
            r#"curl -sS "http://$AWS_LAMBDA_RUNTIME_API{RUNTIME_API_NEXT}" > /dev/null
echo "crashing now" >&2
exit 3"#
        ),
    );
    let emu =
        Emulator::start(base().runtime_command([runtime.to_string_lossy().into_owned()])).await.expect("emulator");
    match emu.invoke(Invocation::new("{}")).await {
        Outcome::Error { error_type, body } => {
            assert_eq!(error_type, "Runtime.ExitError");
            let message = body.json().and_then(|j| j["errorMessage"].as_str().map(str::to_string));
            assert!(message.is_some_and(|m| m.ends_with("Runtime exited with error: exit status 3")));
        }
        other => panic!("unexpected {other:?}"),
    }
    assert!(emu.log_text().contains("[runtime] crashing now"));
}

#[tokio::test]
async fn extensions_api_error_shapes() {
    let emu = Emulator::start(EmulatorConfig::new()).await.expect("emulator");
    let addr = emu.runtime_api();
    let reg = "/2020-01-01/extension/register";
    let forbidden = |r: &crate::common::Reply, error_type: &str| {
        assert_eq!(r.status, 403, "{:?}", r.body);
        assert_eq!(r.json()["errorType"], error_type, "{:?}", r.body);
    };
    let r = post(&addr, reg, &[], r#"{"events":[]}"#).await;
    forbidden(&r, "Extension.InvalidExtensionName");
    assert_eq!(r.json()["errorMessage"], "Empty extension name");
    forbidden(&post(&addr, reg, &[("lambda-extension-name", "x")], "{bad json").await, "InvalidRequestFormat");
    forbidden(
        &post(&addr, reg, &[("lambda-extension-name", "x")], r#"{"events":["FOO"]}"#).await,
        "Extension.InvalidEventType",
    );
    let ok = post(
        &addr,
        reg,
        &[("lambda-extension-name", "ext"), ("lambda-extension-accept-feature", "accountId")],
        r#"{"events":["INVOKE"]}"#,
    )
    .await;
    assert_eq!(ok.status, 200);
    assert_eq!(
        ok.json(),
        json!({"functionName":"conformance-function","functionVersion":"$LATEST","handler":"bootstrap","accountId":"123456789012"})
    );
    let id = ok.header("lambda-extension-identifier").expect("identifier");
    forbidden(
        &post(&addr, reg, &[("lambda-extension-name", "ext")], r#"{"events":[]}"#).await,
        "Extension.InvalidExtensionState",
    );
    let next = "/2020-01-01/extension/event/next";
    let r = get(&addr, next, &[]).await;
    forbidden(&r, "Extension.MissingExtensionIdentifier");
    assert_eq!(r.json()["errorMessage"], "Missing Lambda-Extension-Identifier header");
    forbidden(
        &get(&addr, next, &[("lambda-extension-identifier", "nope")]).await,
        "Extension.InvalidExtensionIdentifier",
    );
    forbidden(
        &get(&addr, next, &[("lambda-extension-identifier", "8476a536-e9f4-11e8-9739-2dfe598c3fcd")]).await,
        "Extension.UnknownExtensionIdentifier",
    );
    let r = post(&addr, "/2020-01-01/extension/init/error", &[("lambda-extension-identifier", &id)], "").await;
    forbidden(&r, "Extension.MissingHeader");
    assert_eq!(r.json()["errorMessage"], "Lambda-Extension-Function-Error-Type not found");
    // Finish init: the extension and a runtime poll.
    let ext_poll = tokio::spawn({
        let addr = addr.clone();
        let id = id.clone();
        async move { get(&addr, next, &[("lambda-extension-identifier", &id)]).await }
    });
    let invoke = tokio::spawn({
        let handle = emu.invoke_streaming(Invocation::new("{}")).await;
        handle.outcome()
    });
    let n = crate::common::next(&addr).await;
    let event = ext_poll.await.expect("join");
    assert_eq!(event.json()["eventType"], "INVOKE");
    assert_eq!(event.json()["requestId"], n.id.as_str());
    assert!(event.header("lambda-extension-event-identifier").is_some());
    crate::common::respond(&addr, &n.id, "{}").await;
    assert_eq!(invoke.await.expect("join").kind(), "buffered");
    // After init, registration is closed.
    let r = post(&addr, reg, &[("lambda-extension-name", "late")], r#"{"events":[]}"#).await;
    forbidden(&r, "Extension.RegistrationClosed");
    assert_eq!(r.json()["errorMessage"], "Extension registration closed already");
    let r = post(
        &addr,
        "/2020-01-01/extension/exit/error",
        &[("lambda-extension-identifier", &id), ("lambda-extension-function-error-type", "Extension.Bye")],
        "{}",
    )
    .await;
    assert_eq!(r.status, 202);
}

#[tokio::test]
async fn extension_init_error_fails_init_with_its_type() {
    let script = r#"API="http://$AWS_LAMBDA_RUNTIME_API/2020-01-01/extension"
ID="$(curl -sS -D - -o /dev/null -XPOST "$API/register" -H "Lambda-Extension-Name: broken" -d '{"events":[]}' | grep -i '^lambda-extension-identifier:' | cut -d' ' -f2 | tr -d '\r')"
curl -sS -XPOST "$API/init/error" -H "Lambda-Extension-Identifier: $ID" -H "Lambda-Extension-Function-Error-Type: Extension.ConfigInvalid" -d '{"errorMessage":"bad config","errorType":"Extension.ConfigInvalid"}'
sleep 30"#;
    let emu = Emulator::start(base().extension("broken", ["bash", "-c", script])).await.expect("emulator");
    let failure = emu.wait_init().await.expect_err("init fails");
    assert_eq!(failure.error_type, "Extension.ConfigInvalid");
    assert_eq!(failure.body.json().map(|j| j["errorMessage"].clone()), Some(json!("bad config")));
}

#[tokio::test]
async fn a_timeout_sends_shutdown_timeout_and_restarts_everything() {
    let dir = tempfile::tempdir().expect("tempdir");
    crate::common::script(dir.path(), "watcher", &shell_extension(r#""INVOKE","SHUTDOWN""#, ""));
    let emu = Emulator::start(
        base()
            .extensions_dir(dir.path())
            .runtime_command([crate::common::example("lambda_echo")])
            .shutdown_grace(Duration::from_millis(500)),
    )
    .await
    .expect("emulator");
    let outcome =
        emu.invoke(Invocation::json(&json!({"action": "sleep", "ms": 5000})).timeout(Duration::from_millis(300))).await;
    assert_eq!(outcome, Outcome::Timeout);
    // The next invocation waits for the reset, re-runs init, and works.
    let outcome = emu.invoke(Invocation::json(&json!({"n": 2}))).await;
    assert_eq!(outcome.body_json().map(|b| b["event"].clone()), Some(json!({"n": 2})));
    assert_eq!(emu.init_count(), 2);
    let shutdown: Vec<_> = emu.delivered_events().into_iter().filter(|e| e.event["eventType"] == "SHUTDOWN").collect();
    assert_eq!(shutdown.len(), 1);
    assert_eq!(shutdown[0].event["shutdownReason"], "timeout");
    let watchers: Vec<_> = emu.registrations().into_iter().filter(|r| r.name == "watcher").collect();
    assert_eq!(watchers.len(), 2);
    assert_ne!(watchers[0].identifier, watchers[1].identifier);
    assert_eq!((watchers[0].generation, watchers[1].generation), (1, 2));
}

/// Processes must never outlive the emulator, even when it is dropped without shutdown.
#[tokio::test]
async fn dropping_the_emulator_kills_its_processes() {
    let dir = tempfile::tempdir().expect("tempdir");
    let pid_file = dir.path().join("pid");
    let ext = crate::common::script(
        dir.path(),
        "lingering",
        &shell_extension("", &format!("echo $$ > {}", pid_file.display())),
    );
    let emu = Emulator::start(
        base()
            .extension("lingering", [ext.to_string_lossy().into_owned()])
            .runtime_command([crate::common::example("lambda_echo")]),
    )
    .await
    .expect("emulator");
    emu.wait_init().await.expect("init succeeds");
    let pid: i32 = std::fs::read_to_string(&pid_file)
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .expect("the extension wrote its pid");
    drop(emu);
    let gone = |pid: i32| {
        std::fs::read_to_string(format!("/proc/{pid}/status"))
            .map(|s| s.lines().any(|l| l.starts_with("State:") && l.contains('Z')))
            .unwrap_or(true)
    };
    let deadline = std::time::Instant::now() + Duration::from_secs(2);
    while !gone(pid) && std::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(gone(pid), "extension process {pid} survived the emulator");
}
