//! The `lwa-conformance` binary: `emulate` driven through stdin, `serve` through HTTP.

use std::process::Stdio;
use std::time::Duration;

use serde_json::Value;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_lwa-conformance");

#[tokio::test]
async fn emulate_reads_invocations_from_stdin() {
    let mut child = Command::new(BIN)
        .args(["emulate", "--quiet", "--timeout", "2", "--shutdown-grace", "0.3", "--"])
        .arg(crate::common::example("lambda_echo"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("spawn");
    let mut stdin = child.stdin.take().expect("stdin");
    stdin.write_all(b"{\"hello\":\"world\"}\n\n{\"action\":\"error\"}\n").await.expect("write");
    drop(stdin);
    let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
    let first = lines.next_line().await.expect("read").unwrap_or_default();
    assert!(first.starts_with("AWS_LAMBDA_RUNTIME_API=127.0.0.1:"), "{first}");
    let ok: Value =
        serde_json::from_str(&lines.next_line().await.expect("read").unwrap_or_default()).unwrap_or_default();
    assert_eq!(ok["outcome"], "buffered");
    assert!(ok["requestId"].is_string());
    let body: Value = serde_json::from_str(ok["body"].as_str().unwrap_or_default()).unwrap_or_default();
    assert_eq!(body["event"]["hello"], "world");
    let err: Value =
        serde_json::from_str(&lines.next_line().await.expect("read").unwrap_or_default()).unwrap_or_default();
    assert_eq!(err["outcome"], "error");
    assert_eq!(err["body"]["errorMessage"], "the handler failed on purpose");
    let status = tokio::time::timeout(Duration::from_secs(10), child.wait())
        .await
        .expect("exits at the end of stdin")
        .expect("status");
    assert!(status.success());
}

#[tokio::test]
async fn serve_turns_http_into_http_api_events() {
    // Below the ephemeral range: a port taken from bind(0) and released could be handed to
    // another test's listener (the emulate test's Runtime API) before serve binds it.
    let port = lwa_conformance::net::free_port().expect("free port");
    let mut child = Command::new(BIN)
        // The runtime is a lambda_runtime function itself: no adapter extension.
        .args(["serve", "--quiet", "--adapter", "none", "--trigger", "http-api", "--port", &port.to_string(), "--"])
        .arg(crate::common::example("lambda_echo"))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("spawn");
    let addr = format!("127.0.0.1:{port}");
    let mut reply = None;
    for _ in 0..100 {
        if tokio::net::TcpStream::connect(&addr).await.is_ok() {
            reply = Some(crate::common::get(&addr, "/hello/there?x=1", &[("cookie", "k=v")]).await);
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let reply = reply.expect("the front door came up");
    // lambda_echo answers JSON without statusCode: HTTP API infers a 200 JSON response.
    assert_eq!(reply.status, 200);
    assert_eq!(reply.header("content-type").as_deref(), Some("application/json"));
    let body = reply.json();
    assert_eq!(body["event"]["rawPath"], "/hello/there");
    assert_eq!(body["event"]["cookies"], serde_json::json!(["k=v"]));
    // SIGTERM: the front door shuts the environment down and exits cleanly.
    let pid = child.id().and_then(|id| rustix::process::Pid::from_raw(id as i32)).expect("pid");
    rustix::process::kill_process(pid, rustix::process::Signal::TERM).expect("signal");
    let status = tokio::time::timeout(Duration::from_secs(10), child.wait())
        .await
        .expect("exits after SIGTERM")
        .expect("status");
    assert!(status.success());
}

/// Issue 16: php-fpm with `daemonize = yes` outlived `serve` (the report said `killed []`)
/// and the next run failed on its port. Lambda destroys the whole sandbox, so a daemon that
/// left the runtime's process group and session (double fork + setsid) must be killed at
/// shutdown and named in the report.
#[tokio::test]
async fn a_daemonised_child_does_not_outlive_the_emulator() {
    let runtime = format!("(setsid sleep 313 &); exec {}", crate::common::example("lambda_echo"));
    let mut child = Command::new(BIN)
        .args(["emulate", "--timeout", "2", "--shutdown-grace", "0.3", "--", "sh", "-c", &runtime])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("spawn");
    let mut stdin = child.stdin.take().expect("stdin");
    stdin.write_all(b"{\"hello\":\"world\"}\n").await.expect("write");
    let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
    let _address = lines.next_line().await.expect("read");
    let outcome: Value =
        serde_json::from_str(&lines.next_line().await.expect("read").unwrap_or_default()).unwrap_or_default();
    assert_eq!(outcome["outcome"], "buffered", "the runtime works");
    drop(stdin);
    let mut stderr = String::new();
    let mut err = child.stderr.take().expect("stderr");
    tokio::time::timeout(Duration::from_secs(10), tokio::io::AsyncReadExt::read_to_string(&mut err, &mut stderr))
        .await
        .expect("stderr closes")
        .expect("read stderr");
    let status = tokio::time::timeout(Duration::from_secs(10), child.wait()).await.expect("exits").expect("status");
    assert!(status.success());
    let report = stderr.lines().find(|l| l.contains("shut down:")).unwrap_or_default();
    let pid: u32 = report
        .split("sleep (pid ")
        .nth(1)
        .and_then(|rest| rest.split(')').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("the daemon is named in the report: {stderr}"));
    let gone = || {
        std::fs::read_to_string(format!("/proc/{pid}/stat"))
            .map(|s| !s.contains("(sleep)") || s.contains(") Z "))
            .unwrap_or(true)
    };
    for _ in 0..100 {
        if gone() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("sleep {pid} is still running after the emulator exited");
}

/// Starts `serve` on a free port with `args` before `--` and `app` after it; waits until the
/// front door accepts connections.
async fn serve(args: &[&str], app: &[&str]) -> (tokio::process::Child, String) {
    let port = lwa_conformance::net::free_port().expect("free port");
    let child = Command::new(BIN)
        .arg("serve")
        .args(args)
        .args(["--port", &port.to_string(), "--"])
        .args(app)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("spawn");
    let addr = format!("127.0.0.1:{port}");
    let mut up = false;
    for _ in 0..200 {
        up = tokio::net::TcpStream::connect(&addr).await.is_ok();
        if up {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(up, "the front door did not come up on {addr}");
    (child, addr)
}

/// SIGTERM, then everything `serve` wrote on stderr.
async fn stop(mut child: tokio::process::Child) -> String {
    let pid = child.id().and_then(|id| rustix::process::Pid::from_raw(id as i32)).expect("pid");
    rustix::process::kill_process(pid, rustix::process::Signal::TERM).expect("signal");
    let mut stderr = String::new();
    let mut err = child.stderr.take().expect("stderr");
    let _ =
        tokio::time::timeout(Duration::from_secs(10), tokio::io::AsyncReadExt::read_to_string(&mut err, &mut stderr))
            .await;
    let _ = tokio::time::timeout(Duration::from_secs(10), child.wait()).await;
    stderr
}

/// Issue 16: an app that could not bind its port (the front door had taken it) gave a bare
/// `500 {"message":"Internal Server Error"}`. The answer must name the init failure and the
/// terminal must show which process exited and its last output.
#[tokio::test]
async fn an_init_failure_is_named_in_the_answer_and_on_the_terminal() {
    let app = "echo starting; echo 'Error: listen EADDRINUSE: address already in use :::3000' >&2; exit 1";
    let (child, addr) = serve(&["--adapter", "none", "--trigger", "http-api"], &["sh", "-c", app]).await;
    let reply = crate::common::get(&addr, "/", &[]).await;
    assert_eq!(reply.status, 500, "HTTP API's status for a function error");
    let body = reply.json();
    assert_eq!(body["message"], "Internal Server Error");
    assert_eq!(body["initError"]["errorType"], "Runtime.ExitError");
    assert_eq!(body["initError"]["errorMessage"], "Runtime exited with error: exit status 1");
    assert!(body["hint"].as_str().unwrap_or_default().contains("terminal"), "{body}");
    let stderr = stop(child).await;
    assert!(stderr.contains("init failed: Runtime.ExitError"), "{stderr}");
    assert!(stderr.contains("[runtime] exited; its last 2 lines of output:"), "{stderr}");
    assert!(stderr.contains("| Error: listen EADDRINUSE"), "{stderr}");
    assert!(stderr.contains("hint: it could not bind its port"), "{stderr}");
}

/// Issue 16: a taken `--port` must say so, not just "cannot listen".
#[tokio::test]
async fn a_taken_port_is_named() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = taken.local_addr().expect("addr").port().to_string();
    let out = Command::new(BIN)
        .args(["serve", "--adapter", "none", "--trigger", "http-api", "--port", &port, "--", "true"])
        .output()
        .await
        .expect("run");
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains(&format!("port {port} on 127.0.0.1 is already in use")), "{stderr}");
}

/// Issue 16: `--stream` was accepted with triggers AWS cannot stream through.
#[tokio::test]
async fn stream_is_refused_where_aws_does_not_stream() {
    for trigger in ["http-api", "alb", "alb-multi", "rest"] {
        let out = Command::new(BIN)
            .args(["serve", "--adapter", "none", "--stream", "--trigger", trigger, "--port", "1", "--", "true"])
            .output()
            .await
            .expect("run");
        assert!(!out.status.success(), "{trigger}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(&format!("--stream is not available with --trigger {trigger}")), "{stderr}");
        assert!(stderr.contains("only Lambda function URLs"), "{stderr}");
    }
}

/// Issue 16: `emulate` read one event per line, but event files (AWS samples, SAM's
/// `events/`) are pretty-printed. `--event FILE` (repeatable, in order) and documents
/// spanning lines on stdin are each one invocation, with their bytes as given.
#[tokio::test]
async fn emulate_takes_pretty_printed_events_from_files_and_stdin() {
    let dir = tempfile::tempdir().expect("tempdir");
    let first = dir.path().join("first.json");
    let second = dir.path().join("second.json");
    std::fs::write(&first, "{\n  \"n\": 1,\n  \"nested\": {\n    \"x\": [1, 2]\n  }\n}\n").expect("write");
    std::fs::write(&second, "{\n  \"n\": 2\n}\n{\n  \"n\": 3\n}\n").expect("write");
    let mut child = Command::new(BIN)
        .args(["emulate", "--quiet", "--shutdown-grace", "0.3", "--event"])
        .arg(&first)
        .arg("--event")
        .arg(&second)
        .args(["--event", "-", "--"])
        .arg(crate::common::example("lambda_echo"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("spawn");
    let mut stdin = child.stdin.take().expect("stdin");
    stdin.write_all(b"{\n \"n\": 4,\n \"s\": \"a b\"\n}\n").await.expect("write");
    drop(stdin);
    let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
    let _address = lines.next_line().await.expect("read");
    let mut seen = Vec::new();
    while let Some(line) = lines.next_line().await.expect("read") {
        let doc: Value = serde_json::from_str(&line).unwrap_or_default();
        assert_eq!(doc["outcome"], "buffered", "{line}");
        let body: Value = serde_json::from_str(doc["body"].as_str().unwrap_or_default()).unwrap_or_default();
        seen.push(body["event"].clone());
    }
    assert_eq!(
        seen,
        vec![
            serde_json::json!({"n": 1, "nested": {"x": [1, 2]}}),
            serde_json::json!({"n": 2}),
            serde_json::json!({"n": 3}),
            serde_json::json!({"n": 4, "s": "a b"}),
        ]
    );
    let status = tokio::time::timeout(Duration::from_secs(10), child.wait()).await.expect("exits").expect("status");
    assert!(status.success());
}

/// Issue 16: `serve --print-events` shows the event each request became and the raw
/// Lambda response, so a user can see what the function was given and answered.
#[tokio::test]
async fn serve_prints_events_and_raw_responses() {
    let echo = crate::common::example("lambda_echo");
    let args = ["--quiet", "--print-events", "--adapter", "none", "--trigger", "http-api"];
    let (child, addr) = serve(&args, &[echo.as_str()]).await;
    let reply = crate::common::get(&addr, "/printed/path", &[]).await;
    assert_eq!(reply.status, 200);
    let stderr = stop(child).await;
    assert!(stderr.contains("[front door] event "), "{stderr}");
    assert!(stderr.contains("\"rawPath\": \"/printed/path\""), "the event, pretty-printed: {stderr}");
    let response = stderr.split("[front door] Lambda response ").nth(1).unwrap_or_default();
    assert!(response.contains("\"rawPath\":\"/printed/path\""), "the raw payload: {stderr}");
}

/// Issue 16: the function's environment lacked what Lambda always gives (credentials, TZ,
/// LANG...) and there was no way to run it in its own directory as Lambda runs /var/task.
#[tokio::test]
async fn the_function_runs_in_cwd_with_lambda_s_environment() {
    let dir = tempfile::tempdir().expect("tempdir");
    let script = dir.path().join("run.sh");
    let body = format!(
        "#!/bin/sh\necho \"cwd=$(pwd) root=$LAMBDA_TASK_ROOT tz=$TZ lang=$LANG token=${{AWS_SESSION_TOKEN:+set}}\"\nexec {}\n",
        crate::common::example("lambda_echo")
    );
    std::fs::write(&script, body).expect("write");
    std::fs::set_permissions(&script, std::os::unix::fs::PermissionsExt::from_mode(0o755)).expect("chmod");
    let out = Command::new(BIN)
        .args(["emulate", "--shutdown-grace", "0.3", "--cwd"])
        .arg(dir.path())
        .args(["--", "./run.sh"])
        .env_remove("TZ")
        .env_remove("LANG")
        .env_remove("AWS_ACCESS_KEY_ID")
        .env_remove("AWS_SECRET_ACCESS_KEY")
        .env_remove("AWS_SESSION_TOKEN")
        .env_remove("AWS_PROFILE")
        .stdin(Stdio::null())
        .output()
        .await
        .expect("run");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let real = dir.path().canonicalize().expect("canonical");
    let expected = format!("cwd={0} root={0} tz=:UTC lang=en_US.UTF-8 token=set", real.display());
    assert!(stderr.contains(&expected), "{expected} in {stderr}");
}

/// Issue 16: the 3 s default timeout cut streaming demos off, and nothing said which
/// variables reach the function. `--help` must say both.
#[tokio::test]
async fn help_explains_the_timeout_and_the_environment() {
    for command in ["serve", "emulate"] {
        let out = Command::new(BIN).args([command, "--help"]).output().await.expect("run");
        let help = String::from_utf8_lossy(&out.stdout);
        assert!(help.contains("Streaming demos"), "{command}: {help}");
        assert!(help.contains("inherit this command's environment"), "{command}: {help}");
        assert!(help.contains("AWS_LWA_*"), "{command}: {help}");
        assert!(help.contains("--cwd"), "{command}: {help}");
    }
}
